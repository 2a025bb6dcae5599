//! A session's terminal, detector and state machine without a process: tests feed it a
//! program's bytes and read the state, with no `sh` to spawn and no polling.
//!
//! It takes the steps the session actor takes on output (`Terminal::process`,
//! `Detector::on_output`, then `Terminal::view`, `Detector::decide`, `Verdict::state` and the
//! state machine), on a clock the caller moves: a test that needs a second of quiet says so
//! instead of sleeping.

use std::time::{Duration, Instant};

use crate::session::config::TerminalSize;
use crate::session::detector::Detector;
use crate::session::profile::Profile;
use crate::session::state::{SessionState, StateMachine};
use crate::session::terminal::Terminal;

/// Most re-checks `settle` makes; each one is a timer the detector asked for.
const MAX_RECHECKS: usize = 16;

pub struct Probe {
    terminal: Terminal,
    detector: Detector,
    machine: StateMachine,
    now: Instant,
    recheck_at: Option<Instant>,
}

impl Probe {
    pub fn new(profile: Profile, size: TerminalSize) -> Self {
        let now = Instant::now();
        Self {
            terminal: Terminal::new(size, 100),
            detector: Detector::new(profile, now),
            machine: StateMachine::new(),
            now,
            recheck_at: None,
        }
    }

    /// The program printed `bytes`; the screen is judged at once.
    pub fn feed(&mut self, bytes: impl AsRef<[u8]>) -> SessionState {
        self.terminal.process(bytes.as_ref());
        self.detector.on_output(self.now);
        self.evaluate()
    }

    /// Time passes with no output; the screen is judged again.
    pub fn wait(&mut self, quiet: Duration) -> SessionState {
        self.now += quiet;
        self.evaluate()
    }

    /// Lets every quiet period and settle time the detector waits for pass.
    pub fn settle(&mut self) -> SessionState {
        for _ in 0..MAX_RECHECKS {
            let Some(at) = self.recheck_at.take() else {
                break;
            };
            self.now = self.now.max(at);
            self.evaluate();
        }
        self.machine.state()
    }

    /// Enter was pressed, as the actor handles it: a program whose output shows progress is
    /// busy from then on, until its screen says otherwise.
    pub fn submit(&mut self) -> SessionState {
        self.detector.on_submit(self.now);
        let takes_enter = matches!(
            self.machine.state(),
            SessionState::Ready | SessionState::Idle | SessionState::WaitingInput
        );
        if self.detector.profile().output_means_progress && takes_enter {
            let _ = self.machine.transition(SessionState::Busy, "enter pressed");
        }
        self.evaluate()
    }

    pub fn state(&self) -> SessionState {
        self.machine.state()
    }

    /// Why the session is in its state: the deciding rule's id.
    pub fn reason(&self) -> &str {
        self.machine.reason()
    }

    pub fn terminal(&self) -> &Terminal {
        &self.terminal
    }

    fn evaluate(&mut self) -> SessionState {
        let decision = self.detector.decide(&self.terminal.view(), self.now);
        self.recheck_at = decision.recheck_at;
        if let Some((verdict, reason)) = decision.verdict
            && let Some(to) = verdict.state(self.machine.been_ready())
        {
            // An illegal move is ignored, as the actor ignores it.
            let _ = self.machine.transition(to, reason);
        }
        self.machine.state()
    }
}

//! The session actor: one task per session that owns its state and serialises everything
//! that happens to it — output, keys, commands, resizes, exit — so no other lock is needed.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::Utc;
use parking_lot::Mutex;
use portable_pty::MasterPty;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::sleep_until;

use crate::session::answers::{Answers, TtyMoment};
use crate::session::config::SessionConfig;
use crate::session::detector::Detector;
use crate::session::event::Notifier;
use crate::session::input::InputSender;
use crate::session::output::{DEFAULT_LOG_BYTES, OutputLog, OutputType, Utf8Stream};
use crate::session::poller::Stop;
use crate::session::process::{Leftovers, Signal};
use crate::session::profile::{ProfileKind, Verdict};
use crate::session::pty::{ExitInfo, OUTPUT_QUEUE, Spawned};
use crate::session::pty_io::Chunk;
use crate::session::state::{SessionState, StateMachine};
use crate::session::tap::Tap;
use crate::session::terminal::Terminal;
use crate::session::{Ending, SessionId, SessionStatus, TaskId};

/// Output is looked at no more often than this while it flows.
const EVAL_DEBOUNCE: Duration = Duration::from_millis(15);
/// How long a polite terminate (SIGHUP) waits before SIGKILL.
const TERMINATE_GRACE: Duration = Duration::from_secs(3);
/// Once the program has exited, how long its leftovers get before SIGKILL.
const STRAGGLER_GRACE: Duration = Duration::from_millis(300);
/// Once the program has exited, how long to wait for its last output.
const DRAIN_TIMEOUT: Duration = Duration::from_millis(500);
/// How often killed leftovers are checked for while being reaped, and for how long at most.
const REAP_INTERVAL: Duration = Duration::from_millis(10);
const REAP_TIMEOUT: Duration = Duration::from_secs(5);
const CONTROL_QUEUE: usize = 64;

mod commands;
mod control;
mod input;
mod lifecycle;
mod limit;
mod screen;
mod signals;
mod timers;

use commands::CommandEnd;
pub use control::Control;
use signals::ScreenSays;
use timers::Timers;

/// Starts the actor task; returns its control channel and status feed.
pub fn start(
    id: SessionId,
    config: &SessionConfig,
    terminal: Arc<Mutex<Terminal>>,
    notifier: Notifier,
    spawned: Spawned,
    hooked: Option<crate::claude::launch::Hooked>,
) -> (mpsc::Sender<Control>, watch::Receiver<SessionStatus>) {
    let now = Instant::now();
    let machine = StateMachine::new();
    let (status_tx, status_rx) = watch::channel(SessionStatus {
        state: machine.state(),
        state_reason: machine.reason().to_string(),
        exit_code: None,
        last_activity: Utc::now(),
        commands_run: 0,
        terminal_size: config.terminal_size,
        bytes_read: 0,
        dialog_since: None,
        input_since: None,
        resets_at: None,
        restore_failed: false,
        claude: crate::claude::ClaudeInfo {
            claude_session_id: config.conversation.as_ref().map(|c| c.id().to_string()),
            ..Default::default()
        },
    });
    let (control_tx, control_rx) = mpsc::channel(CONTROL_QUEUE);
    let sid = spawned.pid as i32;
    let profile = config.detector_profile();
    let shell = (profile.kind == ProfileKind::Shell).then_some(sid);
    let mut actor = Actor {
        id,
        task_id: config.task_id.clone(),
        origin: config.origin,
        leftovers: Leftovers::new(sid),
        detector: Detector::new(profile, now),
        machine,
        terminal,
        recording: config.recording.clone(),
        log: OutputLog::new(config.output_limit, DEFAULT_LOG_BYTES),
        utf8: Utf8Stream::default(),
        master: Some(spawned.master),
        input: spawned.input,
        stop: Some(spawned.stop),
        answers: Answers::new(id, shell, now),
        status: status_tx,
        notifier,
        commands: commands::Commands::new(config.history.clone()),
        timers: Timers::default(),
        exit: None,
        terminate_waiters: Vec::new(),
        claude: signals::ClaudeLink::new(hooked, config.claude.policies.clone()),
        drawn_dialog: None,
        limit: limit::Limit::new(config.claude.continue_after_limit.clone()),
    };
    actor.system(format!(
        "started {:?} (pid {})",
        config.command, spawned.pid
    ));
    actor.timers.eval = Some(now + EVAL_DEBOUNCE);
    tokio::spawn(actor.run(control_rx, spawned.output, spawned.exit));
    (control_tx, status_rx)
}

struct Actor {
    id: SessionId,
    task_id: TaskId,
    /// A restored session that fails says why with its last lines (see `lifecycle::finish`).
    origin: crate::session::kept::Origin,
    /// The processes to end with the session; the child's pid is their session id.
    leftovers: Leftovers,
    detector: Detector,
    machine: StateMachine,
    terminal: Arc<Mutex<Terminal>>,
    /// Told of resizes (under the terminal's lock) and of keys; output reaches it from the
    /// parse thread (`pty_io::Parser`).
    recording: Option<Tap>,
    log: OutputLog,
    utf8: Utf8Stream,
    /// Dropped once the session has ended, closing our side of the PTY.
    master: Option<Box<dyn MasterPty + Send>>,
    /// Shared with the keystroke path; closed once the program is gone.
    input: InputSender,
    /// Dropped once the session has ended, ending the reading and writing of its PTY.
    stop: Option<Stop>,
    answers: Answers,
    status: watch::Sender<SessionStatus>,
    notifier: Notifier,
    commands: commands::Commands,
    timers: Timers,
    exit: Option<ExitInfo>,
    terminate_waiters: Vec<oneshot::Sender<()>>,
    /// Hooks: the capability they present, the hold of their last state (see `claude`).
    claude: signals::ClaudeLink,
    /// The dialog believed on screen, as the detector last saw it.
    drawn_dialog: Option<String>,
    limit: limit::Limit,
}

impl Actor {
    async fn run(
        mut self,
        mut control: mpsc::Receiver<Control>,
        mut output: mpsc::Receiver<Chunk>,
        mut exit: oneshot::Receiver<ExitInfo>,
    ) {
        let (mut control_open, mut output_open, mut exit_pending) = (true, true, true);
        loop {
            let deadline = self
                .timers
                .next(self.commands.deadline(), self.answers.next_due())
                .into_iter()
                .chain(self.limit.next_due())
                .min();
            tokio::select! {
                biased;
                msg = control.recv(), if control_open => match msg {
                    Some(msg) => self.on_control(msg),
                    // Nobody can reach this session any more: it must not outlive its handles.
                    None => {
                        control_open = false;
                        self.begin_terminate(Ending::Forced, "every handle to the session was dropped");
                    }
                },
                info = &mut exit, if exit_pending => {
                    exit_pending = false;
                    self.on_exit(info.unwrap_or(ExitInfo { code: None, signal: Some("lost".into()) }));
                }
                // Before output: a flood must not starve timeouts and screen checks.
                _ = sleep_until(deadline.unwrap_or_else(Instant::now).into()), if deadline.is_some() => {
                    // The terminal was parsed ahead of the chunks waiting here: take those
                    // first (at most a queue's worth), so a screen check that ends a command
                    // sees the output its reply is made of.
                    for _ in 0..OUTPUT_QUEUE {
                        match output.try_recv() {
                            Ok(chunk) => self.on_output(chunk),
                            Err(_) => break,
                        }
                    }
                    self.on_timer(Instant::now());
                }
                chunk = output.recv(), if output_open => match chunk {
                    Some(chunk) => self.on_output(chunk),
                    None => {
                        output_open = false;
                        if self.exit.is_some() {
                            self.finish();
                        }
                    }
                },
            }
            if self.is_gone() && !control_open && !output_open {
                break;
            }
        }
    }

    fn on_control(&mut self, msg: Control) {
        match msg {
            Control::Command {
                text,
                timeout,
                reply,
            } => self.start_command(text, timeout, reply),
            Control::Input { bytes, reply } => {
                let _ = reply.send(self.send_keys(bytes));
            }
            Control::Typed { bytes } => self.typed(bytes),
            Control::Resize { size, reply } => {
                let _ = reply.send(self.resize(size));
            }
            Control::Interrupt { reply } => {
                let keys = self.detector.profile().interrupt.clone();
                let _ = reply.send(self.write(keys, "<interrupt>".to_string()));
            }
            Control::Terminate {
                ending,
                reason,
                reply,
            } => {
                if self.is_gone() {
                    let _ = reply.send(());
                } else {
                    self.terminate_waiters.push(reply);
                    self.begin_terminate(ending, &reason);
                }
            }
            Control::Output {
                since,
                limit,
                reply,
            } => {
                let _ = reply.send(self.log.since(since, limit));
            }
            Control::History { reply } => {
                let _ = reply.send(self.commands.history());
            }
            Control::Policies { policies, reply } => {
                self.claude.follow(policies);
                let _ = reply.send(());
            }
            Control::Report {
                capability,
                report,
                reply,
            } => {
                let _ = reply.send(self.on_report(&capability, *report, Instant::now()));
            }
        }
    }

    fn on_output(&mut self, chunk: Chunk) {
        let now = Instant::now();
        let bytes = &chunk.bytes[..];
        // The parse pool has parsed it already (see `pty_io::Parser`).
        let processed = chunk.parsed;
        if let Some(asked) = chunk.tty {
            self.answers.hold(processed.answers, asked, now);
        }
        if processed.recovered_from_panic {
            self.record(
                OutputType::Error,
                "terminal parser panicked; screen reset".to_string(),
            );
        }
        self.commands.capture(bytes);
        self.detector.on_output(now);
        self.status.send_modify(|s| {
            s.bytes_read += bytes.len() as u64;
            s.last_activity = Utc::now();
        });
        let text = self.utf8.decode(chunk.bytes);
        if !text.is_empty() {
            self.record(OutputType::Output, text);
        }
        let glance = &chunk.glance;
        if self
            .detector
            .look_at_once(&glance.cursor_line, glance.mid_frame)
        {
            self.timers.eval = Some(now);
        } else {
            self.schedule_eval(now);
        }
    }

    /// Writes the answers that are due and that the program can still take (see `answers.rs`);
    /// once the PTY is closed, none.
    fn release_answers(&mut self, now: Instant) {
        let master = self.master.as_ref().and_then(|m| m.as_raw_fd());
        let tty = TtyMoment::sample(master.unwrap_or(-1));
        let bracketed_paste = self.terminal.lock().screen().bracketed_paste();
        let input = &self.input;
        self.answers.release(now, tty, bracketed_paste, |bytes| {
            input.send(&bytes).is_ok()
        });
    }

    fn schedule_eval(&mut self, now: Instant) {
        let at = now + EVAL_DEBOUNCE;
        self.timers.eval = Some(self.timers.eval.map_or(at, |t| t.min(at)));
    }

    fn on_timer(&mut self, now: Instant) {
        let due = |t: Option<Instant>| t.is_some_and(|t| t <= now);
        if due(self.timers.enter) {
            self.press_delayed_enter(now);
        }
        if due(self.timers.kill) {
            self.timers.kill = None;
            self.signal_leftovers(Signal::Kill);
            if self.exit.is_some() {
                self.timers.reap = Some((now, now + REAP_TIMEOUT));
            }
        }
        if due(self.answers.next_due()) {
            self.release_answers(now);
        }
        if due(self.timers.drain) {
            self.timers.drain = None;
            self.finish();
        }
        if self.timers.reap.is_some_and(|(at, _)| at <= now) {
            self.reap_leftovers(now);
        }
        if due(self.timers.eval) {
            self.timers.eval = None;
            self.evaluate(now);
        }
        if due(self.commands.deadline()) {
            self.complete_command(CommandEnd::TimedOut);
        }
        if due(self.limit.next_due()) {
            self.continue_after_limit(now);
        }
    }

    /// The only way state changes: through the machine's table, logged and announced.
    fn transition(&mut self, to: SessionState, reason: &str) {
        match self.machine.transition(to, reason) {
            Ok(Some(change)) => {
                tracing::debug!(session = %self.id, from = %change.from, to = %change.to, reason, "state");
                self.record(
                    OutputType::State,
                    format!("{} → {}: {}", change.from, change.to, reason),
                );
                self.status.send_modify(|s| {
                    s.state = change.to;
                    s.state_reason = change.reason.clone();
                    if change.to != SessionState::WaitingInput {
                        s.input_since = None;
                        s.resets_at = None;
                    }
                });
                self.notifier.state(self.id, change);
                if to != SessionState::Busy {
                    self.complete_command(CommandEnd::Settled);
                }
            }
            Ok(None) => {
                let reason = self.machine.reason();
                if self.status.borrow().state_reason != reason {
                    let reason = reason.to_string();
                    self.status.send_modify(|s| s.state_reason = reason);
                }
            }
            Err(e) => tracing::warn!(session = %self.id, error = %e, "ignored state change"),
        }
    }
}

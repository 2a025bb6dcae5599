//! The screen's verdict applied: the detector looks at the terminal, and its verdict moves the
//! state unless a hook's hold says the screen has not caught up (see `signals.rs`).

use std::time::Instant;

use super::*;

impl Actor {
    /// Looks at the screen: the detector's verdict, through the hooks' hold, moves the state.
    pub(super) fn evaluate(&mut self, now: Instant) {
        // While a typed command waits for its Enter, the old prompt on screen means nothing.
        if self.exit.is_some() || self.machine.state().is_ending() || self.timers.enter.is_some() {
            return;
        }
        // A parse thread holding the terminal is feeding it: more output is on its way and a
        // look now would be stale. Never wait for it here, on a tokio worker.
        let Some(terminal) = self.terminal.try_lock() else {
            self.schedule_eval(now);
            return;
        };
        let view = terminal.view();
        drop(terminal);
        let decision = self.detector.decide(&view, now);
        if let Some(at) = decision.recheck_at {
            self.timers.eval = Some(self.timers.eval.map_or(at, |t| t.min(at)));
        }
        let Some((verdict, reason)) = decision.verdict else {
            self.announced_dialog_overdue(now);
            return;
        };
        let Some(to) = verdict.state(self.machine.been_ready()) else {
            return;
        };
        match self.screen_may_move(to, now) {
            ScreenSays::Moves if to == SessionState::WaitingInput => {
                // The same dialog drawn again keeps its reason (the hook's names the tool).
                let same = self.machine.state() == to && decision.dialog == self.drawn_dialog;
                if !same {
                    let reason = self.claude.take_announced().unwrap_or(reason);
                    let reason = limit::readable(reason, decision.resets.as_deref());
                    self.transition(to, &reason);
                }
            }
            ScreenSays::Moves => self.transition(to, &reason),
            ScreenSays::Agrees => {}
            ScreenSays::Held => return,
        }
        self.announced_dialog_overdue(now);
        // After the state: whoever waits for a dialog to go sees the new state with it.
        self.note_dialog(
            decision.dialog.filter(|_| verdict == Verdict::WaitingInput),
            now,
        );
        self.note_limit(decision.resets.as_deref(), now);
    }
}

//! The moments the actor must wake up at besides incoming messages, kept together so the
//! loop sleeps until the earliest of them and no timer needs a task of its own.

use std::time::Instant;

/// Every moment the actor must wake up at, besides incoming messages.
#[derive(Default)]
pub(super) struct Timers {
    /// Press Enter for a command typed a moment ago.
    pub(super) enter: Option<Instant>,
    /// Look at the screen again.
    pub(super) eval: Option<Instant>,
    /// SIGKILL the session's processes.
    pub(super) kill: Option<Instant>,
    /// Stop waiting for the last output of an exited program.
    pub(super) drain: Option<Instant>,
    /// Check that killed leftovers are gone, until the given give-up time.
    pub(super) reap: Option<(Instant, Instant)>,
}

impl Timers {
    pub(super) fn next(
        &self,
        command: Option<Instant>,
        answer: Option<Instant>,
    ) -> Option<Instant> {
        [
            self.enter,
            self.eval,
            self.kill,
            self.drain,
            self.reap.map(|r| r.0),
            command,
            answer,
        ]
        .into_iter()
        .flatten()
        .min()
    }
}

//! What the actor learns besides the screen's verdict: when a dialog appeared on screen (for
//! answering it, see `dialog.rs`).

use std::time::Instant;

use super::*;

impl Actor {
    /// The screen shows a dialog (`showing`) or not: keeps the moment it first appeared.
    pub(super) fn note_dialog(&mut self, showing: bool, now: Instant) {
        let since = self.status.borrow().dialog_since;
        match (showing, since) {
            (true, None) => self.status.send_modify(|s| s.dialog_since = Some(now)),
            (false, Some(_)) => self.status.send_modify(|s| s.dialog_since = None),
            _ => {}
        }
    }
}

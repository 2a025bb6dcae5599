//! Acknowledging frames off the echo's path.
//!
//! The server sends at most [`WINDOW`] frames ahead of the last one acknowledged. An
//! acknowledgement sent the moment a frame is painted wakes the server just as the echo is on
//! its way to the user's terminal, and the work it sets off there (the frame loop, a second
//! worker) competes for the CPUs with the terminal and whatever reads it. So a frame is
//! acknowledged a little later ([`ACK_DELAY`]), unless the window is full, when the server can
//! send nothing more until it hears: then at once. Acknowledgements are cumulative, so one
//! covers every frame before it.

use std::time::{Duration, Instant};

use crate::screen::schedule::WINDOW;

/// How long a taken frame waits to be acknowledged while the server still has room: well
/// after its echo is drawn, well before a typist's next key.
pub const ACK_DELAY: Duration = Duration::from_millis(8);

/// The frames taken and not yet acknowledged.
#[derive(Debug, Default)]
pub struct Acks {
    /// The newest frame taken, while unacknowledged.
    taken: Option<u64>,
    /// How many frames that covers.
    count: u64,
    due: Option<Instant>,
}

impl Acks {
    /// Frame `frame` was taken at `now`; says whether the window is full, so that the
    /// acknowledgement must go at once.
    pub fn took(&mut self, frame: u64, now: Instant) -> bool {
        self.taken = Some(frame);
        self.count += 1;
        self.due.get_or_insert(now + ACK_DELAY);
        self.count >= WINDOW
    }

    /// When the acknowledgement waiting must go.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// The acknowledgement waiting, taken to be sent.
    pub fn flush(&mut self) -> Option<u64> {
        self.count = 0;
        self.due = None;
        self.taken.take()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_frame_is_acknowledged_after_the_delay_unless_the_window_fills() {
        let now = Instant::now();
        let mut acks = Acks::default();
        assert!(!acks.took(7, now), "room for one more: it waits");
        assert_eq!(acks.due(), Some(now + ACK_DELAY));
        assert!(acks.took(8, now), "the window is full: at once");
        assert_eq!(acks.flush(), Some(8), "both covered");
        assert_eq!(acks.due(), None);
        assert_eq!(acks.flush(), None, "nothing is acknowledged twice");

        acks.took(9, now);
        assert_eq!(acks.flush(), Some(9), "the delay passed");
        assert_eq!(acks.due(), None);
    }
}

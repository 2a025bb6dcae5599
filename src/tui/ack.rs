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
    /// Frame `frame` was taken; returns the acknowledgement to send now, if the window is full.
    pub fn took(&mut self, frame: u64, now: Instant) -> Option<u64> {
        self.taken = Some(frame);
        self.count += 1;
        self.due.get_or_insert(now + ACK_DELAY);
        if self.count >= WINDOW {
            return self.flush();
        }
        None
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
        assert_eq!(acks.took(7, now), None, "room for one more: it waits");
        assert_eq!(acks.due(), Some(now + ACK_DELAY));
        assert_eq!(
            acks.took(8, now),
            Some(8),
            "the window is full: at once, both covered"
        );
        assert_eq!(acks.due(), None);
        assert_eq!(acks.flush(), None, "nothing is acknowledged twice");

        acks.took(9, now);
        assert_eq!(acks.flush(), Some(9), "the delay passed");
        assert_eq!(acks.due(), None);
    }
}

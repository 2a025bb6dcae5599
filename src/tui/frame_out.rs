//! The terminal's output, written once per drawn frame.
//!
//! ratatui flushes its backend after the cells and again after the cursor, and standard
//! output's own buffer holds 1 KiB: a frame went out in two writes at least, one per KiB of
//! a full redraw. Here ratatui's flushes only mark the end of its work; [`FrameOut::commit`]
//! writes the whole frame in one go once the draw is done.

use std::io::{self, Write};
use std::sync::Arc;

use parking_lot::Mutex;

/// The frame being drawn; clones share it (one is the backend's, one commits).
#[derive(Clone, Default)]
pub struct FrameOut {
    frame: Arc<Mutex<Vec<u8>>>,
}

impl FrameOut {
    /// Writes what was drawn since the last commit to the terminal, in one write.
    pub fn commit(&self) -> io::Result<()> {
        let mut frame = self.frame.lock();
        if frame.is_empty() {
            return Ok(());
        }
        let mut out = io::stdout().lock();
        let written = out.write_all(&frame).and_then(|()| out.flush());
        frame.clear();
        written
    }
}

impl Write for FrameOut {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.frame.lock().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    /// Nothing yet: the frame goes out whole, at [`commit`](Self::commit).
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

//! How output reaches a session's terminal: parsed on the session's parse thread, under the
//! terminal's lock, and handed to the recording, when there is one, in the same order (the
//! actor tells the recording of resizes under the same lock). Clients never see these bytes:
//! they are sent the screen (see `crate::screen`).

use std::sync::Arc;

use parking_lot::Mutex;

use crate::session::pty_io::Parse;
use crate::session::tap::Tap;
use crate::session::terminal::Terminal;

/// The parse step of a session's parse thread; the recording never blocks it.
pub fn feed(terminal: Arc<Mutex<Terminal>>, recording: Option<Tap>) -> Parse {
    Box::new(move |bytes| {
        let mut terminal = terminal.lock();
        let processed = terminal.process(bytes);
        if let Some(recording) = &recording {
            recording.output(bytes);
        }
        processed
    })
}

//! A session's terminal as viewers (attached clients) see it: a replay of how it stands, then
//! every change in order, fed from the session's parse thread.

use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::broadcast;

use crate::session::config::TerminalSize;
use crate::session::pty_io::Parse;
use crate::session::tap::Tap;
use crate::session::terminal::Terminal;

/// What a viewer of a session's terminal receives after its replay, in the order the
/// session's own terminal saw it.
#[derive(Debug, Clone)]
pub enum StreamItem {
    Output(Arc<[u8]>),
    Resized(TerminalSize),
}

/// Chunks a viewer may fall behind by before it is resynced with a fresh replay. A PTY's reads
/// are mostly a few KiB (a flood fills this in about 10 ms); reads of at most 64 KiB bound
/// what a session holds for slow viewers to 4 MiB.
const CAPACITY: usize = 64;

/// A terminal as it stands, and the feed of what happens to it from then on.
pub struct TerminalView {
    pub size: TerminalSize,
    /// Bytes that rebuild the terminal (history, screen, modes) in a fresh parser.
    pub replay: Vec<u8>,
    pub stream: broadcast::Receiver<StreamItem>,
}

/// The sender a session's parse thread and actor feed viewers through.
pub fn channel() -> broadcast::Sender<StreamItem> {
    broadcast::channel(CAPACITY).0
}

/// How output reaches the terminal: parsed on the session's parse thread, and passed to viewers
/// under the same lock, so that a viewer's replay plus its stream never misses or repeats a
/// byte (see `view_terminal`).
/// The recording, when there is one, is handed the bytes here too: it never blocks.
pub fn feed(
    terminal: Arc<Mutex<Terminal>>,
    stream: broadcast::Sender<StreamItem>,
    recording: Option<Tap>,
) -> Parse {
    Box::new(move |bytes| {
        let mut terminal = terminal.lock();
        let processed = terminal.process(bytes);
        if stream.receiver_count() > 0 {
            let _ = stream.send(StreamItem::Output(bytes.into()));
        }
        if let Some(recording) = &recording {
            recording.output(bytes);
        }
        processed
    })
}

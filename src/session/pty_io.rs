//! What moves between a PTY master, its parse thread and the session actor, and the
//! master's own descriptors (see `parse_pool.rs`, `poller.rs`).

use std::fs::File;
use std::os::fd::{FromRawFd, RawFd};
use std::sync::Arc;

use parking_lot::Mutex;

use crate::ids::SessionId;
use crate::session::answers::TtyMoment;
use crate::session::screen_listeners::ScreenListeners;
use crate::session::tap::Tap;
use crate::session::terminal::{Processed, Terminal};

/// The most one chunk takes from the PTY (in reads of at most 4 KiB, the PTY's own buffer):
/// fewer wake-ups for the actor in a flood, and a small bound on what the queues after the
/// parse hold per entry (the event channel keeps 1024 entries).
pub const READ_SIZE: usize = 16 * 1024;

/// A descriptor of its own for the master, for the poller; the master is set non-blocking
/// (a flag its descriptors share), so a read or write never holds up the task doing it.
pub fn open_master(master: RawFd) -> std::io::Result<File> {
    // SAFETY: fcntl on a descriptor the caller keeps open; F_DUPFD_CLOEXEC returns a new one.
    let fd = unsafe { libc::fcntl(master, libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is new and owned by the File from here on.
    let file = unsafe { File::from_raw_fd(fd) };
    // SAFETY: plain flag calls on a descriptor we own.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

/// Output as it was read, what parsing it produced, and, when it holds queries, the
/// terminal's mode right after it was parsed: as close as we can see to the mode the program
/// wrote it in, which decides whether its queries are answered.
pub struct Chunk {
    pub bytes: Vec<u8>,
    pub parsed: Processed,
    /// Sampled only when `parsed` has answers.
    pub tty: Option<TtyMoment>,
    pub glance: Glance,
}

/// How the screen stood right after a chunk was parsed, taken on the parse thread: enough for
/// the actor to tell at once whether a command may be done (see `Detector::look_at_once`),
/// without waiting for a debounced look at the whole screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Glance {
    /// The cursor's row up to the cursor.
    pub cursor_line: String,
    /// The program is between the start and the end of a synchronized frame.
    pub mid_frame: bool,
}

/// A session's parser, on the session's parse thread (`parse_pool.rs`): parsing never runs on
/// the async workers that serve keys and requests, so a flooding session cannot delay another
/// session's keys. It feeds the terminal, glances at it after each chunk, tells the listeners
/// (whoever draws the screen, `crate::screen::schedule`) straight from the parse, so an echo's
/// frame waits for no other task, and hands the bytes to the recording, when there is one, in
/// the order they were parsed (the actor tells the recording of resizes under the same lock).
pub struct Parser {
    terminal: Arc<Mutex<Terminal>>,
    recording: Option<Tap>,
    id: SessionId,
    listeners: ScreenListeners,
}

impl Parser {
    pub fn new(
        terminal: Arc<Mutex<Terminal>>,
        recording: Option<Tap>,
        id: SessionId,
        listeners: ScreenListeners,
    ) -> Self {
        Self {
            terminal,
            recording,
            id,
            listeners,
        }
    }

    /// Parses `bytes` and hands them with what came of them to `deliver`, all under the
    /// terminal's lock, so the actor is not shown a screen ahead of the chunks it has been
    /// given for longer than it takes them from its queue. Only the session's parse thread
    /// calls this, so nothing else parses between the feed and the glance. The screen's
    /// listeners are told first and the recording next: what the user waits for goes before
    /// what can wait. `behind`: more of the session's output is waiting, so the rows it
    /// scrolls off may be captured later (see `terminal/deferred.rs`). Says whether the history
    /// is deferred, which asks for a [`settle`](Self::settle) once output pauses.
    pub fn parse(
        &mut self,
        bytes: Vec<u8>,
        behind: bool,
        deliver: impl FnOnce(Vec<u8>, Processed, Glance),
    ) -> bool {
        let mut terminal = self.terminal.lock();
        if behind {
            terminal.defer_history();
        }
        let processed = terminal.process(&bytes);
        let glance = Glance {
            cursor_line: terminal.cursor_line(),
            mid_frame: terminal.synchronized_since().is_some(),
        };
        self.listeners.tell(self.id, &terminal);
        if let Some(recording) = &self.recording {
            recording.output(&bytes);
        }
        deliver(bytes, processed, glance);
        terminal.history_deferred()
    }

    /// Captures the history's deferred rows.
    pub fn settle(&self) {
        self.terminal.lock().settle_history();
    }
}

//! A pane: what this client knows of one session — its info as the server last sent it, and
//! the client's own terminal, fed the session's replay and then its output.
//!
//! Drawing reads this terminal, never the server's, so a frame takes no lock a session needs;
//! keys are encoded from its modes, which are the program's modes since it parses the same
//! bytes.

use std::path::Path;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::session::{SessionId, SessionInfo, SessionState, Terminal, TerminalSize};

#[derive(Clone)]
pub struct Pane {
    info: Arc<SessionInfo>,
    terminal: Arc<Mutex<Terminal>>,
}

impl Pane {
    pub fn new(info: SessionInfo, scrollback: usize) -> Self {
        let terminal = Terminal::new(info.status.terminal_size, scrollback);
        Self {
            info: Arc::new(info),
            terminal: Arc::new(Mutex::new(terminal)),
        }
    }

    pub fn id(&self) -> SessionId {
        self.info.session_id
    }

    pub fn task_id(&self) -> &str {
        self.info.task_id.as_str()
    }

    pub fn state(&self) -> SessionState {
        self.info.status.state
    }

    /// Why the session is in its state: for an ended one, how it ended (`exited with code 3`).
    pub fn state_reason(&self) -> &str {
        &self.info.status.state_reason
    }

    /// Cost and context as Claude Code reported them (`$0.42 · ctx 17%`), or empty.
    pub fn claude_summary(&self) -> String {
        self.info.status.claude.summary()
    }

    pub fn project_path(&self) -> &Path {
        &self.info.project_path
    }

    /// The size the session's program was last told.
    pub fn terminal_size(&self) -> TerminalSize {
        self.terminal.lock().size()
    }

    /// This client's copy of the session's terminal.
    pub fn terminal(&self) -> &Arc<Mutex<Terminal>> {
        &self.terminal
    }

    /// Newer info from the server; the terminal stays.
    pub fn update(&mut self, info: SessionInfo) {
        self.info = Arc::new(info);
    }

    /// Starts the terminal over from the server's replay, deferring the capture of its
    /// history as [`output`](Self::output) does; says whether some is waiting.
    pub fn replay(&self, size: TerminalSize, bytes: &[u8], scrollback: usize) -> bool {
        let mut terminal = Terminal::new(size, scrollback);
        terminal.defer_history();
        terminal.process(bytes);
        let deferred = terminal.history_deferred();
        *self.terminal.lock() = terminal;
        deferred
    }

    /// Program output. Query replies are the server's to send, so this copy drops its own.
    /// With `defer`, the rows it scrolls off are captured later (see
    /// `session/terminal/deferred.rs`); says whether some are waiting to be.
    pub fn output(&self, bytes: &[u8], defer: bool) -> bool {
        let mut terminal = self.terminal.lock();
        if defer {
            terminal.defer_history();
        } else {
            terminal.settle_history();
        }
        terminal.process(bytes);
        terminal.history_deferred()
    }

    /// Captures the rows of history whose capture was deferred.
    pub fn settle_history(&self) {
        self.terminal.lock().settle_history();
    }

    pub fn resized(&self, size: TerminalSize) {
        self.terminal.lock().resize(size);
    }
}

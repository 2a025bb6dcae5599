//! A pane: what this client knows of one session — its info as the server last sent it, the
//! screen as the server last drew it (the rows of its frames, never terminal output: the
//! client parses none), and the page of history scroll mode shows.

use std::path::Path;
use std::sync::Arc;

use crate::screen::Frame;
use crate::screen::styled::{Cursor, Modes, Row};
use crate::session::{SessionId, SessionInfo, SessionState, TerminalSize};

/// A session's screen as this client was last sent it.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    pub size: Option<TerminalSize>,
    pub lines: Vec<Row>,
    pub cursor: Option<Cursor>,
    pub modes: Modes,
    pub title: String,
    /// Rows of history the server keeps above the screen.
    pub history: usize,
}

impl Grid {
    /// Applies a frame: its rows replace the ones it names.
    pub fn apply(&mut self, frame: Frame) {
        let size = TerminalSize {
            cols: frame.cols,
            rows: frame.rows,
        };
        if frame.full || self.size != Some(size) {
            self.lines = vec![Row::new(); usize::from(frame.rows)];
        }
        self.size = Some(size);
        for (at, row) in frame.changed {
            if let Some(line) = self.lines.get_mut(usize::from(at)) {
                *line = row;
            }
        }
        self.cursor = Some(frame.cursor);
        self.history = frame.history;
        if let Some(modes) = frame.modes {
            self.modes = modes;
        }
        if let Some(title) = frame.title {
            self.title = title;
        }
    }
}

#[derive(Clone)]
pub struct Pane {
    info: Arc<SessionInfo>,
    grid: Arc<Grid>,
    /// The screenful of history the server last sent for scroll mode.
    page: Option<Arc<Vec<Row>>>,
    /// The offset whose page was asked for and not yet answered (or answered, and not stale).
    pub asked: Option<usize>,
}

impl Pane {
    pub fn new(info: SessionInfo) -> Self {
        Self {
            info: Arc::new(info),
            grid: Arc::default(),
            page: None,
            asked: None,
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

    /// The size of the session's screen: as last drawn, else as its info says.
    pub fn terminal_size(&self) -> TerminalSize {
        self.grid.size.unwrap_or(self.info.status.terminal_size)
    }

    pub fn grid(&self) -> &Grid {
        &self.grid
    }

    /// Rows of history above the screen.
    pub fn history_len(&self) -> usize {
        self.grid.history
    }

    /// The rows shown scrolled back `offset` rows: the live screen at 0, else the page the
    /// server sent (the one before it while the next is on its way).
    pub fn rows(&self, offset: usize) -> &[Row] {
        match &self.page {
            Some(page) if offset > 0 => page,
            _ => &self.grid.lines,
        }
    }

    /// Newer info from the server; the screen stays.
    pub fn update(&mut self, info: SessionInfo) {
        self.info = Arc::new(info);
    }

    pub fn apply(&mut self, frame: Frame) {
        Arc::make_mut(&mut self.grid).apply(frame);
    }

    pub fn set_page(&mut self, page: Vec<Row>) {
        self.page = Some(Arc::new(page));
    }
}

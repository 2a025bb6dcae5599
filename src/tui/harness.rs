//! Tests' way into the TUI: an `App` over real sessions, drawn into a `TestBackend`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

use crate::config::Config;
use crate::manager::{Manager, ManagerConfig};
use crate::session::{ProfileKind, Session, SessionConfig, TaskId};
use crate::tui::app::App;
use crate::tui::draw::{PaneCache, draw};

pub struct Harness {
    pub app: App,
    pub terminal: Terminal<TestBackend>,
    /// In pane order; task ids `t1`, `t2`, …
    pub sessions: Vec<Session>,
    cache: PaneCache,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// One session per script, each run by `sh -c`, in an 80×12 screen.
    pub async fn start(scripts: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let manager = Manager::new(ManagerConfig::default());
        let mut sessions = Vec::new();
        for (i, script) in scripts.iter().enumerate() {
            let task = TaskId::new(format!("t{}", i + 1)).unwrap();
            let config = SessionConfig::new(task, dir.path())
                .with_command(["sh", "-c", script])
                .with_profile(ProfileKind::Generic);
            sessions.push(manager.create_session(config).await.unwrap());
        }
        let app = App::new(
            manager,
            Arc::new(Config::default()),
            dir.path().to_path_buf(),
            None,
        );
        Self {
            app,
            terminal: Terminal::new(TestBackend::new(80, 12)).unwrap(),
            sessions,
            cache: PaneCache::default(),
            _dir: dir,
        }
    }

    /// Draws a frame; returns its text and when the picture changes by itself.
    pub fn frame(&mut self) -> (String, Option<Instant>) {
        let mut recheck = None;
        let (app, cache) = (&mut self.app, &mut self.cache);
        self.terminal
            .draw(|frame| recheck = draw(frame, app, cache))
            .unwrap();
        (text(self.terminal.backend().buffer()), recheck)
    }
}

/// Row `y` of a buffer, one symbol per cell.
pub fn row(buf: &Buffer, y: u16) -> Vec<&str> {
    (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect()
}

/// A buffer's rows as lines of text.
pub fn text(buf: &Buffer) -> String {
    (0..buf.area.height)
        .map(|y| row(buf, y).concat())
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn wait_for(session: &Session, what: impl Fn(&Session) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !what(session) {
        assert!(
            Instant::now() < deadline,
            "timed out; screen:\n{}",
            session.terminal().lock().screen().contents()
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

pub fn screen_has(session: &Session, text: &str) -> bool {
    session.terminal().lock().screen().contents().contains(text)
}

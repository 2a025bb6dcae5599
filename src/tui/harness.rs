//! Tests' way into the TUI: an `App` attached to real sessions through a real server
//! connection, drawn into a `TestBackend`.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use tokio::sync::mpsc;

use crate::config::key::KeyCode as ChordCode;
use crate::config::{Config, KeyChord};
use crate::manager::{Manager, ManagerConfig};
use crate::protocol::{Attach, ClientMessage, ServerMessage};
use crate::screen::schedule::SYNC_LIMIT;
use crate::screen::styled::styled;
use crate::session::{ProfileKind, Session, SessionConfig, TaskId};
use crate::tui::app::App;
use crate::tui::canvas::Canvas;
use crate::tui::draw::draw;

/// The workspace the harness's sessions belong to.
/// The workspace the harness's sessions share.
fn workspace() -> crate::session::WorkspaceName {
    crate::session::WorkspaceName::new("harness").expect("a valid name")
}

pub struct Harness {
    pub app: App,
    pub terminal: Canvas<TestBackend>,
    /// In pane order; task ids `t1`, `t2`, …
    pub sessions: Vec<Session>,
    from_server: mpsc::Receiver<ServerMessage>,
    _dir: tempfile::TempDir,
}

impl Harness {
    /// One session per script, each run by `sh -c`, in an 80×12 screen, shown by an `App`
    /// attached through a real server connection.
    pub async fn start(scripts: &[&str]) -> Self {
        Self::start_with(Config::default(), scripts).await
    }

    /// The same, with `config` for the `App`.
    pub async fn start_with(config: Config, scripts: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let manager = Manager::new(ManagerConfig::default()).expect("the manager starts");
        let mut sessions = Vec::new();
        for (i, script) in scripts.iter().enumerate() {
            let task = TaskId::new(format!("t{}", i + 1)).unwrap();
            let mut config = SessionConfig::new(task, dir.path())
                .with_command(["sh", "-c", script])
                .with_profile(ProfileKind::Generic);
            config.workspace = workspace();
            sessions.push(manager.create_session(config).await.unwrap());
        }
        let connection = crate::client::handshake(crate::server::serve_in_process(manager))
            .await
            .expect("the in-process server says hello");
        let channels = connection.into_channels();
        let (to_server, from_server) = (channels.to_server, channels.from_server);
        let attach = Attach {
            workspace: Some(workspace()),
            create: false,
            cwd: dir.path().to_path_buf(),
            config: None,
            run: Vec::new(),
            tokens: Default::default(),
        };
        to_server.send(ClientMessage::Attach(attach)).await.unwrap();
        let app = App::new(to_server, Arc::new(config), dir.path().to_path_buf());
        let mut harness = Self {
            app,
            terminal: canvas(80, 12),
            sessions,
            from_server,
            _dir: dir,
        };
        harness.sync().await;
        harness
    }

    /// Handles the server's messages until every pane shows what its session shows (unless
    /// the server holds it back, mid-way through a synchronized update), in the state it is
    /// in, and every read of the history asked for is answered.
    pub async fn sync(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            while let Ok(message) = self.from_server.try_recv() {
                self.app.on_server(message);
            }
            if self.in_step() && self.app.pending == 0 {
                return;
            }
            assert!(Instant::now() < deadline, "the client never caught up");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn in_step(&self) -> bool {
        self.sessions.iter().all(|session| {
            self.app.panes.iter().any(|pane| {
                pane.id() == session.id()
                    && pane.state() == session.state()
                    && same_screen(pane.grid(), session)
            })
        })
    }

    /// A screen of `cols` × `rows` from the next frame on.
    pub fn resize(&mut self, cols: u16, rows: u16) {
        self.terminal = canvas(cols, rows);
    }

    /// Presses `keys`, each written as config writes a key: `ctrl-a`, `Z`, `enter`, `space`.
    pub fn press(&mut self, keys: &[&str]) {
        for key in keys {
            let chord: KeyChord = key.parse().unwrap();
            self.app.on_key(key_event(chord));
        }
    }

    /// Types `text` into whatever has the keys.
    pub fn type_text(&mut self, text: &str) {
        for c in text.chars() {
            self.app
                .on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    /// Catches up with the server (pages of history included), then draws a frame; returns
    /// its text and when the picture changes by itself.
    pub async fn frame(&mut self) -> (String, Option<Instant>) {
        self.sync().await;
        self.app.ask_pages();
        self.sync().await;
        let mut recheck = None;
        let app = &mut self.app;
        self.terminal
            .draw(|frame| recheck = draw(frame, app))
            .unwrap();
        (text(self.terminal.backend().buffer()), recheck)
    }
}

/// A canvas over a test terminal of `cols` × `rows`.
fn canvas(cols: u16, rows: u16) -> Canvas<TestBackend> {
    Canvas::new(
        TestBackend::new(cols, rows),
        ratatui::layout::Rect::new(0, 0, cols, rows),
    )
}

/// What a terminal reports for `chord`.
fn key_event(chord: KeyChord) -> KeyEvent {
    let code = match chord.code {
        ChordCode::Char(c) => KeyCode::Char(c),
        ChordCode::Space => KeyCode::Char(' '),
        ChordCode::F(n) => KeyCode::F(n),
        ChordCode::Esc => KeyCode::Esc,
        ChordCode::Enter => KeyCode::Enter,
        ChordCode::Tab => KeyCode::Tab,
        ChordCode::Backspace => KeyCode::Backspace,
        ChordCode::Up => KeyCode::Up,
        ChordCode::Down => KeyCode::Down,
        ChordCode::Left => KeyCode::Left,
        ChordCode::Right => KeyCode::Right,
    };
    let mut modifiers = KeyModifiers::NONE;
    for (held, modifier) in [
        (chord.ctrl, KeyModifiers::CONTROL),
        (chord.alt, KeyModifiers::ALT),
        (chord.shift, KeyModifiers::SHIFT),
    ] {
        if held {
            modifiers |= modifier;
        }
    }
    KeyEvent::new(code, modifiers)
}

/// Whether the pane shows the session's screen, cursor and modes as they are, or the server
/// holds them back (a synchronized update).
fn same_screen(grid: &crate::tui::pane::Grid, session: &Session) -> bool {
    let terminal = session.terminal().lock();
    if terminal
        .synchronized_since()
        .is_some_and(|since| since.elapsed() < SYNC_LIMIT)
    {
        return true;
    }
    let now = styled(&terminal);
    grid.lines == now.rows && grid.cursor == Some(now.cursor) && grid.modes == now.modes
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

//! The TUI's state and what keys and mouse do to it. Drawing is in `draw.rs`; the loop that
//! feeds this is in `mod.rs`.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use tokio::sync::mpsc;

use crate::config::{Config, Keymap, Layout};
use crate::keys::chord_matches;
use crate::protocol::ClientMessage;
use crate::screen::input::Input;
use crate::session::{SessionId, SessionState, TerminalSize, WorkspaceName};
use crate::tui::ack::Acks;
use crate::tui::attention::Attention;
use crate::tui::link::Link;
use crate::tui::macro_picker::MacroPicker;
use crate::tui::pane::Pane;
use crate::tui::prompt::{NewSessionPrompt, Outcome, RenamePrompt, Start};
use crate::tui::select::Selection;

/// What keys mean right now.
#[derive(Debug)]
pub enum Mode {
    Normal,
    /// The prefix was pressed; the next key is a ccmux command.
    Prefix,
    /// Browsing a pane's history; `search` is being typed when `typing`.
    Scroll {
        search: String,
        typing: bool,
    },
    /// The help box, scrolled down by `top` lines.
    Help {
        top: u16,
    },
    NewSession(NewSessionPrompt),
    Rename(RenamePrompt),
    Macro(MacroPicker),
    ConfirmQuit,
}

pub struct App {
    /// Requests to the server, in the order they were made.
    pub(super) server: mpsc::Sender<ClientMessage>,
    /// Where the server is, and whether the link to it is up.
    pub link: Link,
    pub config: Arc<Config>,
    /// What the keys after the prefix do, from the config.
    pub keymap: Keymap,
    pub cwd: PathBuf,
    pub api_addr: Option<SocketAddr>,
    /// The workspace shown, once the server said which.
    pub workspace: Option<WorkspaceName>,
    pub workspaces: Vec<WorkspaceName>,
    /// The workspace's sessions as this client sees them, oldest first.
    pub panes: Vec<Pane>,
    /// The size last asked for each pane, so a size is sent once, not every frame.
    pub asked_sizes: HashMap<SessionId, TerminalSize>,
    /// The panes last told the server as drawn (only their frames are sent).
    pub told_shown: Vec<SessionId>,
    pub mode: Mode,
    pub focus: Option<SessionId>,
    pub layout: Layout,
    /// Relative sizes of the layout's columns (or rows), by position; see `layout.rs`.
    pub weights: Vec<f32>,
    pub zoom: bool,
    /// Names the user gave panes in this client, shown instead of their task ids.
    pub labels: HashMap<SessionId, String>,
    /// Panes that finished or asked something while unfocused.
    pub attention: Attention,
    /// History rows scrolled back, per pane.
    pub scroll: HashMap<SessionId, usize>,
    /// Where each pane was drawn last, for the mouse.
    pub areas: Vec<(SessionId, Rect)>,
    /// Text being selected, with the keyboard in scroll mode or by a mouse drag.
    pub selection: Option<Selection>,
    /// Text copied and not yet written to the outer terminal's clipboard.
    pub clipboard: Option<String>,
    pub message: Option<String>,
    /// Set when the client should end: the user detached or quit, or the server went away.
    pub quit: Option<Leave>,
    /// The pane keys went to since its screen was last drawn: its next frame (the echo) is
    /// drawn the moment it arrives, whatever the frame cap says.
    pub awaiting_echo: Option<SessionId>,
    /// Counts what went to panes, so the loop can tell a forwarded key from a ccmux command.
    pub forwarded: u64,
    /// Reads of the history (pages, searches, copies) asked for and not answered yet.
    pub pending: usize,
    /// A session was asked for from this client's prompt: it gets the focus when it appears.
    pub spawned_here: bool,
    pub frames: u64,
    /// Frames taken and not yet acknowledged.
    pub acks: Acks,
    /// CPU and memory per session while the usage toggle is on; `None` when it is off.
    pub usage: Option<HashMap<SessionId, crate::usage::Resources>>,
}

/// Why the client ends.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Leave {
    /// The sessions keep running.
    Detached,
    /// The server said it is stopping (kill-server, a signal) or refused a request.
    ServerStopped(String),
    /// The connection broke without a word: the server died.
    ServerLost,
}

/// Things the loop must do outside of `App` (they touch the terminal).
pub enum Effect {
    Bell,
}

impl App {
    pub fn new(server: mpsc::Sender<ClientMessage>, config: Arc<Config>, cwd: PathBuf) -> Self {
        Self {
            server,
            link: Link::Local,
            layout: config.ui.layout,
            keymap: config.ui.keymap(),
            config,
            cwd,
            api_addr: None,
            workspace: None,
            workspaces: Vec::new(),
            panes: Vec::new(),
            asked_sizes: HashMap::new(),
            told_shown: Vec::new(),
            mode: Mode::Normal,
            focus: None,
            weights: Vec::new(),
            zoom: false,
            labels: HashMap::new(),
            attention: Attention::default(),
            scroll: HashMap::new(),
            areas: Vec::new(),
            selection: None,
            clipboard: None,
            message: None,
            quit: None,
            awaiting_echo: None,
            forwarded: 0,
            pending: 0,
            spawned_here: false,
            frames: 0,
            acks: Acks::default(),
            usage: None,
        }
    }

    /// Sends a request to the server. The queue only fills when the server stops reading; a
    /// request is then dropped and the user told, rather than the TUI freezing.
    pub fn request(&mut self, message: ClientMessage) {
        if self.held_while_down(&message) {
            return;
        }
        if self.server.try_send(message).is_err() {
            self.message = Some("the server is not responding; input was dropped".into());
        }
    }

    /// The sessions shown as panes, oldest first.
    pub fn sessions(&self) -> Vec<Pane> {
        self.panes.clone()
    }

    pub fn focused(&self) -> Option<Pane> {
        let sessions = self.sessions();
        self.focus
            .and_then(|id| sessions.iter().find(|s| s.id() == id).cloned())
            .or_else(|| sessions.first().cloned())
    }

    /// What this client calls a pane: the name given it here, else its task id.
    pub fn name<'a>(&'a self, pane: &'a Pane) -> &'a str {
        self.labels
            .get(&pane.id())
            .map_or_else(|| pane.task_id(), String::as_str)
    }

    pub fn set_focus(&mut self, id: SessionId) {
        self.focus = Some(id);
        self.attention.clear(id);
    }

    /// A state change: unfocused panes that need the user are marked (and ring the bell).
    pub fn on_state(
        &mut self,
        id: SessionId,
        from: SessionState,
        to: SessionState,
    ) -> Option<Effect> {
        let finished = from == SessionState::Busy && to == SessionState::Idle;
        let asks = to == SessionState::WaitingInput;
        let focused = self.focused().is_some_and(|s| s.id() == id);
        if (finished || asks) && !focused {
            self.attention.raise(id, Instant::now());
            return self.config.ui.bell.then_some(Effect::Bell);
        }
        None
    }

    pub fn on_key(&mut self, key: KeyEvent) -> Option<Effect> {
        match std::mem::replace(&mut self.mode, Mode::Normal) {
            Mode::Normal => {
                if chord_matches(self.config.ui.prefix, key) {
                    // A notice has been seen once the user goes on to the next command.
                    self.message = None;
                    self.mode = Mode::Prefix;
                } else {
                    self.send_key(key);
                }
                None
            }
            Mode::Prefix => {
                self.on_command_key(key);
                None
            }
            Mode::Scroll { search, typing } => {
                self.on_scroll_key(key, search, typing);
                None
            }
            Mode::Help { top } => {
                // Arrows scroll a help taller than the screen; any other key closes it.
                match key.code {
                    KeyCode::Down => self.mode = Mode::Help { top: top + 1 },
                    KeyCode::Up => {
                        self.mode = Mode::Help {
                            top: top.saturating_sub(1),
                        }
                    }
                    _ => {}
                }
                None
            }
            Mode::NewSession(mut prompt) => {
                match prompt.on_key(key) {
                    Outcome::Continue => self.mode = Mode::NewSession(prompt),
                    Outcome::Cancel => {}
                    Outcome::Submit(new) => self.spawn(new),
                }
                None
            }
            Mode::Rename(mut prompt) => {
                match prompt.on_key(key) {
                    Outcome::Continue => self.mode = Mode::Rename(prompt),
                    Outcome::Cancel => {}
                    Outcome::Submit(name) if name.is_empty() => {
                        self.labels.remove(&prompt.session);
                    }
                    Outcome::Submit(name) => {
                        self.labels.insert(prompt.session, name);
                    }
                }
                None
            }
            Mode::Macro(mut picker) => {
                match picker.on_key(key) {
                    Outcome::Continue => self.mode = Mode::Macro(picker),
                    Outcome::Cancel => {}
                    Outcome::Submit(name) => self.run_macro(picker.session, name),
                }
                None
            }
            Mode::ConfirmQuit => {
                if matches!(key.code, KeyCode::Char('y') | KeyCode::Char('Y')) {
                    self.quit_workspace();
                }
                self.message = None;
                None
            }
        }
    }

    fn run_macro(&mut self, session: SessionId, name: String) {
        let Some(spec) = self.config.macros.get(&name).cloned() else {
            return;
        };
        self.message = Some(format!("macro {name} running…"));
        self.request(ClientMessage::RunMacro {
            session,
            name,
            spec,
        });
    }

    fn spawn(&mut self, start: Start) {
        self.message = None;
        self.spawned_here = true;
        self.create(start);
    }

    /// Queues input for a session behind the keys typed before them.
    pub(super) fn send_to(&mut self, session: SessionId, input: Input) {
        if self.refuse_while_down() {
            return;
        }
        self.awaiting_echo = Some(session);
        self.forwarded += 1;
        self.request(ClientMessage::Input { session, input });
    }

    /// Asks the server for a read of the history, answered later by a message of its own.
    pub(super) fn ask(&mut self, message: ClientMessage) {
        self.pending += 1;
        self.request(message);
    }

    /// Tells the server which panes are drawn and the size each is shown at, when that changed.
    pub fn fit_ptys(&mut self) {
        let shown: Vec<SessionId> = self.areas.iter().map(|(id, _)| *id).collect();
        if shown != self.told_shown {
            self.told_shown = shown.clone();
            self.request(ClientMessage::Shown { sessions: shown });
        }
        let areas = self.areas.clone();
        for (id, rect) in areas {
            let inner = inner(rect);
            let size = TerminalSize::clamped(inner.width, inner.height);
            let live = self
                .panes
                .iter()
                .any(|p| p.id() == id && p.state() != SessionState::Terminated);
            if live && self.asked_sizes.get(&id) != Some(&size) {
                self.asked_sizes.insert(id, size);
                self.request(ClientMessage::PaneSize { session: id, size });
            }
        }
    }
}

/// A pane's content area: inside its border.
pub fn inner(rect: Rect) -> Rect {
    Rect::new(
        rect.x + 1,
        rect.y + 1,
        rect.width.saturating_sub(2),
        rect.height.saturating_sub(2),
    )
}

#[cfg(test)]
mod tests {
    use std::time::Instant;

    use super::*;
    use crate::tui::attention::Mark;
    use crate::tui::harness::Harness;

    #[tokio::test]
    async fn an_unfocused_pane_that_finishes_or_asks_is_marked_and_rings() {
        let mut h = Harness::start(&["sleep 30", "sleep 30"]).await;
        let (first, second) = (h.sessions[0].id(), h.sessions[1].id());
        use SessionState::*;
        assert!(
            h.app.on_state(first, Busy, Idle).is_none(),
            "the focused pane"
        );
        assert!(h.app.on_state(second, Ready, Busy).is_none());
        assert!(matches!(
            h.app.on_state(second, Busy, Idle),
            Some(Effect::Bell)
        ));
        assert_ne!(h.app.attention.mark(second, Instant::now()), Mark::None);
        h.app.set_focus(second);
        // Focusing it clears the mark; now the first pane is the one out of sight.
        assert_eq!(h.app.attention.mark(second, Instant::now()), Mark::None);
        assert!(matches!(
            h.app.on_state(first, Busy, WaitingInput),
            Some(Effect::Bell)
        ));
    }

    #[tokio::test]
    async fn the_bell_can_be_turned_off_but_the_mark_stays() {
        let mut h = Harness::start(&["sleep 30", "sleep 30"]).await;
        let mut config = Config::default();
        config.ui.bell = false;
        h.app.config = Arc::new(config);
        let other = h.sessions[1].id();
        assert!(
            h.app
                .on_state(other, SessionState::Busy, SessionState::WaitingInput)
                .is_none()
        );
        assert_ne!(h.app.attention.mark(other, Instant::now()), Mark::None);
    }
}

//! What the keys after the prefix do: the keymap (`config/keymap.rs`) names an action, and
//! `run` carries it out.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::layout::Rect;

use crate::config::{Action, Layout};
use crate::keys::chord_matches;
use crate::protocol::ClientMessage;
use crate::session::dialog::Choice;
use crate::session::{SessionId, SessionState};
use crate::tui::app::{App, Leave, Mode};
use crate::tui::layout::{resize, track_of};
use crate::tui::macro_picker::MacroPicker;
use crate::tui::pane::Pane;
use crate::tui::prompt::{Field, NewSessionPrompt, RenamePrompt};

/// How much of the screen grow and shrink give or take.
const RESIZE_STEP: f32 = 0.05;

impl App {
    /// The key after the prefix.
    pub(super) fn on_command_key(&mut self, key: KeyEvent) {
        let prefix = self.config.ui.prefix;
        if chord_matches(prefix, key) {
            // Prefix twice: the program gets the prefix key itself.
            self.send_chord(prefix);
        } else if let Some(action) = self.keymap.action(|chord| chord_matches(chord, key)) {
            self.run(action);
        } else if let KeyCode::Char(c @ '1'..='9') = key.code
            && let Some(id) = self.numbered(u64::from(c as u8 - b'0'))
        {
            self.set_focus(id);
        }
    }

    pub(super) fn run(&mut self, action: Action) {
        match action {
            Action::New => {
                let command = self.config.default_command().join(" ");
                let number = self.sessions().len() + 1;
                let host = self.host_choice();
                let prompt = NewSessionPrompt::new(&self.cwd, &command, number, host);
                self.mode = Mode::NewSession(prompt);
            }
            Action::Close => self.close_focused(),
            Action::Interrupt => {
                if let Some(s) = self.focused() {
                    self.request(ClientMessage::Interrupt { session: s.id() });
                }
            }
            Action::FocusLeft => self.move_focus((-1, 0)),
            Action::FocusRight => self.move_focus((1, 0)),
            Action::FocusUp => self.move_focus((0, -1)),
            Action::FocusDown => self.move_focus((0, 1)),
            Action::Next => self.cycle_focus(1),
            Action::Previous => self.cycle_focus(-1),
            Action::SwapPrevious => self.swap_focused(-1),
            Action::SwapNext => self.swap_focused(1),
            Action::Rename => {
                if let Some(pane) = self.focused() {
                    let name = self.name(&pane).to_string();
                    self.mode = Mode::Rename(RenamePrompt {
                        session: pane.id(),
                        name: Field::prefilled(name),
                    });
                }
            }
            Action::Zoom => self.zoom = !self.zoom,
            Action::Layout => {
                self.layout = match self.layout {
                    Layout::Grid => Layout::Columns,
                    Layout::Columns => Layout::Rows,
                    Layout::Rows => Layout::Grid,
                };
                self.weights.clear();
            }
            Action::Shrink => self.resize_focused(-RESIZE_STEP),
            Action::Grow => self.resize_focused(RESIZE_STEP),
            Action::Scroll => {
                self.mode = Mode::Scroll {
                    search: String::new(),
                    typing: false,
                }
            }
            Action::Macro => {
                let picker = self
                    .focused()
                    .and_then(|pane| MacroPicker::new(&self.config, pane.id()));
                match picker {
                    Some(picker) => self.mode = Mode::Macro(picker),
                    None => {
                        self.message =
                            Some("no macros: add a [macros.NAME] to the config".to_string())
                    }
                }
            }
            Action::Usage => {
                let on = self.usage.is_none();
                self.usage = on.then(Default::default);
                self.request(ClientMessage::WatchUsage { on });
            }
            Action::Select => {
                self.mode = Mode::Scroll {
                    search: String::new(),
                    typing: false,
                };
                self.start_selection();
            }
            Action::Copy => self.copy_screen(),
            Action::Help => self.mode = Mode::Help { top: 0 },
            Action::Detach => self.quit = Some(Leave::Detached),
            Action::NextWorkspace => self.request(ClientMessage::SwitchWorkspace { step: 1 }),
            Action::Quit => self.ask_quit(),
            Action::AnswerYes => self.answer_focused(Choice::Yes),
            Action::AnswerNo => self.answer_focused(Choice::No),
            Action::NextWaiting => self.focus_next_waiting(),
        }
    }

    /// Answers the focused pane's dialog through the server, which waits until it takes keys.
    fn answer_focused(&mut self, choice: Choice) {
        let Some(pane) = self.focused() else {
            return;
        };
        if pane.state() != SessionState::WaitingInput {
            self.message = Some(format!(
                "{} is {}: nothing to answer",
                pane.task_id(),
                pane.state()
            ));
            return;
        }
        self.request(ClientMessage::Answer {
            session: pane.id(),
            choice,
        });
    }

    /// Focuses the next pane after the focused one that waits for input.
    fn focus_next_waiting(&mut self) {
        let sessions = self.sessions();
        let at = self
            .focused()
            .and_then(|f| sessions.iter().position(|s| s.id() == f.id()))
            .map_or(0, |i| i + 1);
        let next = (0..sessions.len())
            .map(|i| &sessions[(at + i) % sessions.len()])
            .find(|s| s.state() == SessionState::WaitingInput)
            .map(Pane::id);
        match next {
            Some(id) => self.set_focus(id),
            None => self.message = Some("no pane waits for input".to_string()),
        }
    }

    fn ask_quit(&mut self) {
        let working = self
            .sessions()
            .iter()
            .filter(|s| matches!(s.state(), SessionState::Busy | SessionState::WaitingInput))
            .count();
        if working == 0 {
            self.quit_workspace();
        } else {
            self.mode = Mode::ConfirmQuit;
            self.message = Some(format!(
                "{working} session(s) are working. Quit and end them all? y/n"
            ));
        }
    }

    /// Ends every session of the workspace, then leaves.
    pub(super) fn quit_workspace(&mut self) {
        self.request(ClientMessage::CloseWorkspace);
        self.quit = Some(Leave::Detached);
    }

    fn close_focused(&mut self) {
        let Some(session) = self.focused() else {
            return;
        };
        // The server ends and dismisses it: its pane goes from every client at once.
        self.focus = None;
        self.request(ClientMessage::Close {
            session: session.id(),
        });
    }

    /// Grows (or, with a negative `delta`, shrinks) the column or row the focused pane is in.
    fn resize_focused(&mut self, delta: f32) {
        let sessions = self.sessions();
        let Some(focused) = self.focused() else {
            return;
        };
        let index = sessions.iter().position(|s| s.id() == focused.id());
        let (track, count) = track_of(self.layout, sessions.len(), index.unwrap_or(0));
        resize(&mut self.weights, count, track, delta);
    }

    /// Swaps the focused pane with the one `step` away in this client's order, wrapping
    /// around; the focus stays with the moved pane.
    fn swap_focused(&mut self, step: isize) {
        let shown: Vec<SessionId> = self.sessions().iter().map(Pane::id).collect();
        let Some(focused) = self.focused().map(|p| p.id()) else {
            return;
        };
        let Some(at) = shown.iter().position(|id| *id == focused) else {
            return;
        };
        let other = shown[(at as isize + step).rem_euclid(shown.len() as isize) as usize];
        let index = |id| self.panes.iter().position(|p| p.id() == id);
        if let (Some(a), Some(b)) = (index(focused), index(other)) {
            self.panes.swap(a, b);
        }
        self.set_focus(focused);
    }

    fn cycle_focus(&mut self, step: isize) {
        let sessions = self.sessions();
        if sessions.is_empty() {
            return;
        }
        let current = self
            .focused()
            .and_then(|f| sessions.iter().position(|s| s.id() == f.id()))
            .unwrap_or(0);
        let next = (current as isize + step).rem_euclid(sessions.len() as isize) as usize;
        self.set_focus(sessions[next].id());
    }

    /// Focuses the nearest pane in `direction` (dx, dy) from the focused pane's centre.
    fn move_focus(&mut self, (dx, dy): (i32, i32)) {
        let Some(current) = self.focused() else {
            return;
        };
        let Some(&(_, from)) = self.areas.iter().find(|(id, _)| *id == current.id()) else {
            return;
        };
        let centre = |r: Rect| {
            (
                r.x as i32 * 2 + r.width as i32,
                r.y as i32 * 2 + r.height as i32,
            )
        };
        let (cx, cy) = centre(from);
        let best = self
            .areas
            .iter()
            .filter(|(id, _)| *id != current.id())
            .filter_map(|&(id, r)| {
                let (x, y) = centre(r);
                let along = (x - cx) * dx + (y - cy) * dy;
                let across = ((x - cx) * dy).abs() + ((y - cy) * dx).abs();
                (along > 0).then_some((along + 2 * across, id))
            })
            .min();
        if let Some((_, id)) = best {
            self.set_focus(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::config::Config;
    use crate::session::SessionState;
    use crate::tui::harness::{Harness, screen_has, wait_for};

    fn status_bar(text: &str) -> &str {
        text.lines().last().unwrap()
    }

    fn top_row(text: &str) -> &str {
        text.lines().next().unwrap()
    }

    #[tokio::test]
    async fn a_rebound_key_runs_its_action_and_help_and_the_hint_show_it() {
        let config: Config = toml::from_str("[ui]\nkeybindings = { zoom = \"Z\" }").unwrap();
        let mut h = Harness::start_with(config, &["sleep 30", "sleep 30"]).await;
        h.resize(160, 40);
        h.press(&["ctrl-a", "z"]);
        assert!(!h.app.zoom, "z is no longer zoom's key");

        h.press(&["ctrl-a"]);
        let (text, _) = h.frame().await;
        assert!(status_bar(&text).contains(" Z zoom "), "{text}");
        h.press(&["Z"]);
        assert!(h.app.zoom);

        h.press(&["ctrl-a", "?"]);
        let (text, _) = h.frame().await;
        assert!(text.contains(" Z  zoom the focused pane"), "{text}");
    }

    #[tokio::test]
    async fn grow_and_shrink_resize_the_focused_panes_column() {
        let mut h = Harness::start(&["sleep 30", "sleep 30", "sleep 30"]).await;
        let widths = |h: &Harness| h.app.areas.iter().map(|(_, r)| r.width).collect::<Vec<_>>();
        h.frame().await;
        let even = widths(&h);
        h.press(&["ctrl-a", "l", "ctrl-a", ">"]);
        h.frame().await;
        let grown = widths(&h);
        assert!(grown[1] > even[1], "the second column grows: {grown:?}");
        assert!(grown[0] < even[0] && grown[2] < even[2], "{grown:?}");
        h.press(&["ctrl-a", "<", "ctrl-a", "<"]);
        h.frame().await;
        assert!(widths(&h)[1] < even[1], "and shrinks: {:?}", widths(&h));
    }

    #[tokio::test]
    async fn a_swapped_pane_changes_places_keeps_the_focus_and_stays_swapped() {
        let mut h = Harness::start(&["sleep 30", "sleep 1; echo later; sleep 30"]).await;
        let (first, second) = (h.sessions[0].id(), h.sessions[1].id());
        h.press(&["ctrl-a", "}"]);
        let (text, _) = h.frame().await;
        let top = top_row(&text);
        assert!(top.find("2 t2") < top.find("1 t1"), "t2 on the left: {top}");
        assert_eq!(h.app.focused().map(|p| p.id()), Some(first));

        // A new session list (t2 printed, so its state changed) keeps this client's order.
        wait_for(&h.sessions[1], |s| screen_has(s, "later")).await;
        let (text, _) = h.frame().await;
        let top = top_row(&text);
        assert!(top.find("2 t2") < top.find("1 t1"), "{top}");

        h.press(&["ctrl-a", "{"]);
        let (text, _) = h.frame().await;
        let top = top_row(&text);
        assert!(top.find("1 t1") < top.find("2 t2"), "swapped back: {top}");
        assert_eq!(h.app.focused().map(|p| p.id()), Some(first));
        assert_ne!(first, second);
    }

    #[tokio::test]
    async fn a_renamed_pane_shows_its_name_instead_of_its_task() {
        let mut h = Harness::start(&["sleep 30", "sleep 30"]).await;
        h.press(&["ctrl-a", ","]);
        let (text, _) = h.frame().await;
        assert!(
            text.contains("rename pane 1") && text.contains("name: t1"),
            "{text}"
        );
        h.press(&["backspace", "backspace"]);
        h.type_text("api");
        h.press(&["enter"]);
        let (text, _) = h.frame().await;
        assert!(top_row(&text).contains(" 1 api "), "{text}");
        assert!(status_bar(&text).contains("1:api"), "{text}");

        // An empty name gives the task id back.
        h.press(&[
            "ctrl-a",
            ",",
            "backspace",
            "backspace",
            "backspace",
            "enter",
        ]);
        let (text, _) = h.frame().await;
        assert!(top_row(&text).contains(" 1 t1 "), "{text}");
    }

    #[tokio::test]
    async fn the_quit_question_leaves_the_status_bar_when_answered_no() {
        let mut h = Harness::start(&["printf 'Go on? [y/N] '; sleep 30"]).await;
        wait_for(&h.sessions[0], |s| s.state() == SessionState::WaitingInput).await;
        h.sync().await;
        h.press(&["ctrl-a", "q"]);
        let (text, _) = h.frame().await;
        assert!(
            status_bar(&text).contains("Quit and end them all? y/n"),
            "{text}"
        );
        h.press(&["n"]);
        let (text, _) = h.frame().await;
        assert!(!status_bar(&text).contains("Quit"), "{text}");
        assert!(h.app.quit.is_none());
    }

    #[tokio::test]
    async fn a_notice_stays_in_the_status_bar_until_the_next_command() {
        let mut h = Harness::start(&["sleep 30"]).await;
        let text = "claude not found on PATH; started /bin/bash".to_string();
        h.app
            .on_server(crate::protocol::ServerMessage::Notice { text });
        let (text, _) = h.frame().await;
        assert!(status_bar(&text).contains("claude not found"), "{text}");
        h.type_text("typing goes to the pane");
        let (text, _) = h.frame().await;
        assert!(status_bar(&text).contains("claude not found"), "{text}");
        h.press(&["ctrl-a", "z"]);
        let (text, _) = h.frame().await;
        assert!(!status_bar(&text).contains("claude not found"), "{text}");
    }
}

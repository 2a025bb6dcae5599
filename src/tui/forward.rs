//! What reaches the focused program besides mouse reports: keys, pastes and focus events, sent
//! as typed events for the server to encode with the program's modes.

use crossterm::event::KeyEvent;

use crate::config::KeyChord;
use crate::screen::input::{Input, TypedKey};
use crate::tui::app::App;

impl App {
    pub fn on_paste(&mut self, text: &str) {
        if let Some(session) = self.focused() {
            self.send_to(session.id(), Input::Paste(text.to_string()));
        }
    }

    pub fn on_focus_change(&mut self, gained: bool) {
        if let Some(session) = self.focused() {
            // Not an echo to wait for: most programs ignore it.
            self.request(crate::protocol::ClientMessage::Input {
                session: session.id(),
                input: Input::Focus(gained),
            });
        }
    }

    pub(super) fn send_key(&mut self, key: KeyEvent) {
        let Some(session) = self.focused() else {
            return;
        };
        if let Some(typed) = TypedKey::from_event(key) {
            self.scroll.remove(&session.id());
            self.send_to(session.id(), Input::Key(typed));
        }
    }

    /// A configured key (the prefix, pressed twice) as the program gets it.
    pub(super) fn send_chord(&mut self, chord: KeyChord) {
        if let Some(session) = self.focused()
            && let Some(typed) = TypedKey::from_event(chord.to_event())
        {
            self.send_to(session.id(), Input::Key(typed));
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyCode, KeyModifiers};

    use crate::tui::harness::{Harness, screen_has, wait_for};

    /// A program that sets terminal `modes`, then shows the next `n` bytes it reads, as `od -c`.
    fn reader(modes: &str, n: usize) -> String {
        format!(
            "stty -icanon -echo; printf '{modes}'; dd bs=1 count={n} 2>/dev/null | od -An -c; sleep 30"
        )
    }

    #[tokio::test]
    async fn a_paste_is_bracketed_when_the_program_asked_for_it() {
        let mut h = Harness::start(&[&reader("\\033[?2004h", 10)]).await;
        wait_for(&h.sessions[0], |s| {
            s.terminal().lock().screen().bracketed_paste()
        })
        .await;
        h.sync().await;
        h.app.on_paste("hi");
        wait_for(&h.sessions[0], |s| {
            screen_has(s, "033   [   2   0   0   ~   h   i 033   [")
        })
        .await;
    }

    #[tokio::test]
    async fn focus_changes_reach_a_program_that_reports_them() {
        let mut h = Harness::start(&[&reader("\\033[?1004h", 6)]).await;
        wait_for(&h.sessions[0], |s| s.terminal().lock().focus_reporting()).await;
        h.sync().await;
        h.app.on_focus_change(false);
        h.app.on_focus_change(true);
        wait_for(&h.sessions[0], |s| screen_has(s, "033   [   O 033   [   I")).await;
    }

    #[tokio::test]
    async fn arrows_follow_the_programs_cursor_key_mode() {
        let mut h = Harness::start(&[&reader("\\033[?1h", 3)]).await;
        wait_for(&h.sessions[0], |s| {
            s.terminal().lock().screen().application_cursor()
        })
        .await;
        h.sync().await;
        let up = crossterm::event::KeyEvent::new(KeyCode::Up, KeyModifiers::NONE);
        h.app.on_key(up);
        wait_for(&h.sessions[0], |s| screen_has(s, "033   O   A")).await;
    }
}

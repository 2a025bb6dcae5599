//! The mouse: a click focuses a pane; the wheel scrolls its history, unless the program asked
//! for mouse reports, in which case clicks and wheel go to it (SGR encoding).

use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use crate::tui::app::{App, inner};

/// Rows one wheel notch scrolls.
const WHEEL_ROWS: usize = 3;

impl App {
    pub fn on_mouse(&mut self, mouse: MouseEvent) {
        let at = Position::new(mouse.column, mouse.row);
        let Some(&(id, rect)) = self.areas.iter().find(|(_, r)| r.contains(at)) else {
            return;
        };
        let Some(session) = self.sessions().into_iter().find(|p| p.id() == id) else {
            return;
        };
        let inner = inner(rect);
        let reporting = session.terminal().lock().screen().mouse_protocol_mode()
            != vt100::MouseProtocolMode::None;
        let wheel_up = match mouse.kind {
            MouseEventKind::ScrollUp => Some(true),
            MouseEventKind::ScrollDown => Some(false),
            _ => None,
        };
        let pressed = matches!(mouse.kind, MouseEventKind::Down(_));
        if reporting && inner.contains(at) && (wheel_up.is_some() || pressed) {
            let button = match (wheel_up, mouse.kind) {
                (Some(true), _) => 64,
                (Some(false), _) => 65,
                (_, MouseEventKind::Down(MouseButton::Right)) => 2,
                (_, MouseEventKind::Down(MouseButton::Middle)) => 1,
                _ => 0,
            };
            let (x, y) = (mouse.column - inner.x + 1, mouse.row - inner.y + 1);
            self.send_to(session, format!("\x1b[<{button};{x};{y}M").into_bytes());
        } else if let Some(up) = wheel_up {
            let offset = self.scroll.get(&id).copied().unwrap_or(0);
            let offset = if up {
                offset + WHEEL_ROWS
            } else {
                offset.saturating_sub(WHEEL_ROWS)
            };
            if offset == 0 {
                self.scroll.remove(&id);
            } else {
                self.scroll.insert(id, offset);
            }
        }
        if pressed {
            self.set_focus(id);
        }
    }
}

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};

    use crate::tui::harness::{Harness, screen_has, wait_for};

    fn mouse(kind: MouseEventKind, column: u16, row: u16) -> MouseEvent {
        MouseEvent {
            kind,
            column,
            row,
            modifiers: KeyModifiers::NONE,
        }
    }

    #[tokio::test]
    async fn a_click_focuses_the_pane_under_it() {
        let mut h = Harness::start(&["sleep 30", "sleep 30"]).await;
        h.frame().await;
        assert_eq!(h.app.focused().map(|s| s.id()), Some(h.sessions[0].id()));
        // Two panes side by side in 80 columns: the right one starts at column 40.
        h.app
            .on_mouse(mouse(MouseEventKind::Down(MouseButton::Left), 60, 5));
        assert_eq!(h.app.focused().map(|s| s.id()), Some(h.sessions[1].id()));
    }

    #[tokio::test]
    async fn the_wheel_scrolls_a_panes_history() {
        let mut h = Harness::start(&["seq 1 100; sleep 30"]).await;
        wait_for(&h.sessions[0], |s| screen_has(s, "100")).await;
        h.frame().await;
        h.app.on_mouse(mouse(MouseEventKind::ScrollUp, 10, 5));
        h.app.on_mouse(mouse(MouseEventKind::ScrollUp, 10, 5));
        let (text, _) = h.frame().await;
        assert!(text.contains("[scroll]"), "{text}");
        // The session's 40 rows (nothing resized it) show 62–100; two notches up, 56 is on top.
        assert!(text.contains("\n┃56 "), "{text}");
        h.app.on_mouse(mouse(MouseEventKind::ScrollDown, 10, 5));
        h.app.on_mouse(mouse(MouseEventKind::ScrollDown, 10, 5));
        let (text, _) = h.frame().await;
        assert!(
            !text.contains("[scroll]"),
            "back at the live screen:\n{text}"
        );
    }

    #[tokio::test]
    async fn a_program_that_reports_the_mouse_gets_the_wheel() {
        let script = "stty -icanon -echo; printf '\\033[?1000h\\033[?1006h'; \
                      dd bs=1 count=10 2>/dev/null | od -An -c; sleep 30";
        let mut h = Harness::start(&[script]).await;
        wait_for(&h.sessions[0], |s| {
            s.terminal().lock().screen().mouse_protocol_mode() != vt100::MouseProtocolMode::None
        })
        .await;
        h.frame().await;
        h.app.on_mouse(mouse(MouseEventKind::ScrollUp, 5, 3));
        wait_for(&h.sessions[0], |s| {
            screen_has(s, "033   [   <   6   4   ;   5   ;   3   M")
        })
        .await;
        assert!(h.app.scroll.is_empty(), "the pane itself did not scroll");
    }
}

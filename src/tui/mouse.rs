//! The mouse: a click focuses a pane; the wheel scrolls its history and a drag selects text
//! (copied when the button is released, see `select.rs`), unless the program asked for mouse
//! reports, in which case the events go to the server, which reports the ones its mode asks
//! for in its encoding.

use crossterm::event::{KeyModifiers, MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Position;

use crate::screen::input::{Input, MouseKind, MouseReport};
use crate::screen::styled::MouseMode;
use crate::tui::app::{App, inner};

/// Rows one wheel notch scrolls.
const WHEEL_ROWS: usize = 3;

impl App {
    pub fn on_mouse(&mut self, mouse: MouseEvent) {
        let at = Position::new(mouse.column, mouse.row);
        let left_held = matches!(
            mouse.kind,
            MouseEventKind::Drag(MouseButton::Left) | MouseEventKind::Up(MouseButton::Left)
        );
        // A drag goes on (and ends) wherever the pointer goes, over other panes too.
        if left_held && let Some(selection) = self.selection.filter(|s| s.dragging) {
            let pane = self
                .sessions()
                .into_iter()
                .find(|p| p.id() == selection.pane);
            let area = self.areas.iter().find(|(id, _)| *id == selection.pane);
            if let (Some(pane), Some(&(_, rect))) = (pane, area) {
                self.on_drag(&pane, inner(rect), at, mouse.kind);
                return;
            }
        }
        let Some(&(id, rect)) = self.areas.iter().find(|(_, r)| r.contains(at)) else {
            return;
        };
        let Some(session) = self.sessions().into_iter().find(|p| p.id() == id) else {
            return;
        };
        let inner = inner(rect);
        let reported = session.grid().modes.mouse != MouseMode::None;
        let wheel_up = match mouse.kind {
            MouseEventKind::ScrollUp => Some(true),
            MouseEventKind::ScrollDown => Some(false),
            _ => None,
        };
        let pressed = matches!(mouse.kind, MouseEventKind::Down(_));
        if reported && inner.contains(at) {
            if let Some(kind) = MouseKind::from_event(mouse.kind) {
                let m = mouse.modifiers;
                let report = MouseReport {
                    kind,
                    col: mouse.column - inner.x + 1,
                    row: mouse.row - inner.y + 1,
                    ctrl: m.contains(KeyModifiers::CONTROL),
                    alt: m.contains(KeyModifiers::ALT),
                    shift: m.contains(KeyModifiers::SHIFT),
                };
                self.send_to(session.id(), Input::Mouse(report));
            }
        } else if matches!(mouse.kind, MouseEventKind::Down(MouseButton::Left))
            && inner.contains(at)
        {
            self.on_drag(&session, inner, at, mouse.kind);
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

    use crate::screen::styled::{Modes, MouseMode};
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
            Modes::of(s.terminal().lock().screen()).mouse != MouseMode::None
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

    #[tokio::test]
    async fn press_drag_and_release_reach_a_program_in_the_encoding_it_enabled() {
        // Button-motion mode (1002) without SGR: the original `ESC [ M` bytes.
        let script = "stty -icanon -echo; printf '\\033[?1002h'; \
                      dd bs=1 count=18 2>/dev/null | od -An -tx1 -w18; sleep 30";
        let mut h = Harness::start(&[script]).await;
        wait_for(&h.sessions[0], |s| {
            Modes::of(s.terminal().lock().screen()).mouse == MouseMode::ButtonMotion
        })
        .await;
        h.frame().await;
        h.app
            .on_mouse(mouse(MouseEventKind::Down(MouseButton::Left), 5, 3));
        h.app
            .on_mouse(mouse(MouseEventKind::Drag(MouseButton::Left), 6, 3));
        h.app.on_mouse(mouse(MouseEventKind::Moved, 7, 3));
        h.app
            .on_mouse(mouse(MouseEventKind::Up(MouseButton::Left), 6, 3));
        // Press at cell 5,3: 32+0, 32+5, 32+3; drag: 32+32; no report for the plain move;
        // release: button 3.
        let want = "1b 5b 4d 20 25 23 1b 5b 4d 40 26 23 1b 5b 4d 23 26 23";
        wait_for(&h.sessions[0], |s| screen_has(s, want)).await;
    }
}

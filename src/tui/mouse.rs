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
        let Some(&(id, rect)) = self.panes.iter().find(|(_, r)| r.contains(at)) else {
            return;
        };
        let Ok(session) = self.manager.get(id) else {
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

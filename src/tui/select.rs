//! Selecting a pane's text and copying it to the system clipboard.
//!
//! A selection runs from where it started (the anchor) to where it ends now (the cursor), in
//! reading order, both included, like a terminal's drag. Places are a line of the pane's
//! history followed by its screen (0 the oldest kept) and a column. It is made with the keyboard
//! in scroll mode (the `select` key, movement keys, the `copy` key or Enter) or by dragging
//! with the mouse; its text comes from the server, which has the history, and is copied by
//! writing OSC 52 to the outer terminal, which sets the clipboard (tmux with `set-clipboard
//! on`, and most terminal emulators).

use base64::Engine;
use crossterm::event::{KeyCode, KeyEvent, MouseEventKind};
use ratatui::buffer::Buffer;
use ratatui::layout::{Position, Rect};
use ratatui::style::{Color, Style};

use crate::config::Action;
use crate::keys::chord_matches;
use crate::protocol::ClientMessage;
pub use crate::screen::history::Point;
use crate::screen::styled::row_text;
use crate::session::SessionId;
use crate::tui::app::{App, Mode};
use crate::tui::pane::Pane;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Selection {
    pub pane: SessionId,
    pub anchor: Point,
    pub cursor: Point,
    /// Made by a mouse drag still going on, rather than with the keyboard.
    pub dragging: bool,
}

impl Selection {
    fn ordered(&self) -> (Point, Point) {
        (self.anchor.min(self.cursor), self.anchor.max(self.cursor))
    }

    pub fn contains(&self, at: Point) -> bool {
        let (start, end) = self.ordered();
        start <= at && at <= end
    }
}

/// What sets the outer terminal's clipboard to `text`: OSC 52, base64 of the UTF-8.
pub fn osc52(text: &str) -> Vec<u8> {
    let encoded = base64::engine::general_purpose::STANDARD.encode(text);
    format!("\x1b]52;c;{encoded}\x07").into_bytes()
}

/// The line of history + screen shown at the pane's top row, scrolled back `offset` rows.
pub fn view_top(pane: &Pane, offset: usize) -> usize {
    let history = pane.history_len();
    history - offset.min(history)
}

/// Marks the selected cells of a pane drawn in `area` whose top row shows line `top`.
pub fn highlight(buf: &mut Buffer, area: Rect, top: usize, selection: &Selection, cursor: bool) {
    let selected = Style::default().bg(Color::LightBlue).fg(Color::Black);
    for y in 0..area.height {
        for x in 0..area.width {
            let at = Point {
                line: top + usize::from(y),
                col: usize::from(x),
            };
            if selection.contains(at) {
                buf[(area.x + x, area.y + y)].set_style(selected);
            }
            if cursor && at == selection.cursor {
                let style = Style::default().bg(Color::White).fg(Color::Black);
                buf[(area.x + x, area.y + y)].set_style(style);
            }
        }
    }
}

impl App {
    /// Starts a keyboard selection in the focused pane, on the last line of text in view.
    pub(super) fn start_selection(&mut self) {
        let Some(pane) = self.focused() else { return };
        let offset = self.scroll.get(&pane.id()).copied().unwrap_or(0);
        let top = view_top(&pane, offset);
        let line = top
            + pane
                .rows(offset)
                .iter()
                .rposition(|row| !row_text(row).is_empty())
                .unwrap_or(0);
        let at = Point { line, col: 0 };
        self.selection = Some(Selection {
            pane: pane.id(),
            anchor: at,
            cursor: at,
            dragging: false,
        });
        self.message = None;
    }

    /// The left button pressed (`Down`), moved while pressed (`Drag`) or released (`Up`) over a
    /// pane that does not take the mouse itself: a press starts a selection, a drag extends it
    /// (to the pane's edge when the pointer leaves it), a release copies it.
    pub(super) fn on_drag(&mut self, pane: &Pane, inner: Rect, at: Position, kind: MouseEventKind) {
        let offset = self.scroll.get(&pane.id()).copied().unwrap_or(0);
        let top = view_top(pane, offset);
        let clamp = |v: u16, start: u16, len: u16| v.clamp(start, start + len.max(1) - 1) - start;
        let point = Point {
            line: top + usize::from(clamp(at.y, inner.y, inner.height)),
            col: usize::from(clamp(at.x, inner.x, inner.width)),
        };
        match kind {
            MouseEventKind::Down(_) => {
                self.selection = Some(Selection {
                    pane: pane.id(),
                    anchor: point,
                    cursor: point,
                    dragging: true,
                });
            }
            MouseEventKind::Drag(_) => {
                if let Some(selection) = self.selection.as_mut().filter(|s| s.dragging) {
                    selection.cursor = point;
                }
            }
            _ => {
                let Some(mut selection) = self.selection.take().filter(|s| s.dragging) else {
                    return;
                };
                selection.cursor = point;
                // A click is not a selection.
                if selection.anchor != selection.cursor {
                    self.copy_selection(&selection);
                }
            }
        }
    }

    /// A key while a keyboard selection is made: movement extends it, the select key starts
    /// it over at the cursor, the copy key or Enter copies it, Esc drops it.
    pub(super) fn on_select_key(&mut self, pane: &Pane, key: KeyEvent, search: String) -> Mode {
        let Some(mut selection) = self.selection.take() else {
            return Mode::Scroll {
                search,
                typing: false,
            };
        };
        let copy = self
            .keymap
            .keys(Action::Copy)
            .iter()
            .any(|&chord| chord_matches(chord, key));
        let restart = self
            .keymap
            .keys(Action::Select)
            .iter()
            .any(|&chord| chord_matches(chord, key));
        if restart {
            // Pressed again: the selection starts over where the cursor is.
            selection.anchor = selection.cursor;
            self.selection = Some(selection);
            return Mode::Scroll {
                search,
                typing: false,
            };
        }
        if copy || key.code == KeyCode::Enter {
            self.copy_selection(&selection);
            self.scroll.remove(&pane.id());
            return Mode::Normal;
        }
        let size = pane.terminal_size();
        let (rows, cols) = (usize::from(size.rows), usize::from(size.cols));
        let lines = pane.history_len() + rows;
        let cursor = &mut selection.cursor;
        match key.code {
            KeyCode::Esc => {
                return Mode::Scroll {
                    search,
                    typing: false,
                };
            }
            KeyCode::Up | KeyCode::Char('k') => cursor.line = cursor.line.saturating_sub(1),
            KeyCode::Down | KeyCode::Char('j') => {
                cursor.line = (cursor.line + 1).min(lines.saturating_sub(1))
            }
            KeyCode::Left | KeyCode::Char('h') => cursor.col = cursor.col.saturating_sub(1),
            KeyCode::Right | KeyCode::Char('l') => {
                cursor.col = (cursor.col + 1).min(cols.saturating_sub(1))
            }
            KeyCode::Home | KeyCode::Char('0') => cursor.col = 0,
            KeyCode::End | KeyCode::Char('$') => cursor.col = cols.saturating_sub(1),
            _ => {}
        }
        // Keep the cursor in view: scroll when it leaves the top or the bottom.
        let offset = self.scroll.get(&pane.id()).copied().unwrap_or(0);
        let top = view_top(pane, offset);
        let offset = if cursor.line < top {
            offset + (top - cursor.line)
        } else if cursor.line >= top + rows {
            offset.saturating_sub(cursor.line + 1 - (top + rows))
        } else {
            offset
        };
        self.scroll.insert(pane.id(), offset);
        self.selection = Some(selection);
        Mode::Scroll {
            search,
            typing: false,
        }
    }

    /// The focused pane's screen as text, for the `copy` key after the prefix.
    pub(super) fn copy_screen(&mut self) {
        let Some(pane) = self.focused() else { return };
        let lines: Vec<String> = pane.grid().lines.iter().map(row_text).collect();
        let end = lines
            .iter()
            .rposition(|l| !l.is_empty())
            .map_or(0, |i| i + 1);
        self.copy_to_clipboard(lines[..end].join("\n"));
    }

    /// Asks the server for the selection's text; the answer goes to the clipboard.
    fn copy_selection(&mut self, selection: &Selection) {
        self.ask(ClientMessage::Copy {
            session: selection.pane,
            from: selection.anchor,
            to: selection.cursor,
        });
    }

    /// Hands `text` to the loop, which writes it to the outer terminal's clipboard.
    pub(super) fn copy_to_clipboard(&mut self, text: String) {
        self.message = Some(format!(
            "copied {} characters to the clipboard",
            text.chars().count()
        ));
        self.clipboard = Some(text);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn selection(anchor: (usize, usize), cursor: (usize, usize)) -> Selection {
        let point = |(line, col)| Point { line, col };
        Selection {
            pane: SessionId(1),
            anchor: point(anchor),
            cursor: point(cursor),
            dragging: false,
        }
    }

    #[test]
    fn a_selection_holds_the_cells_from_its_first_to_its_last() {
        assert!(selection((0, 6), (2, 4)).contains(Point { line: 1, col: 40 }));
        assert!(selection((2, 4), (0, 6)).contains(Point { line: 2, col: 4 }));
        assert!(!selection((0, 6), (2, 4)).contains(Point { line: 0, col: 5 }));
    }

    #[test]
    fn osc_52_carries_the_text_in_base64() {
        assert_eq!(osc52("hi ✓"), b"\x1b]52;c;aGkg4pyT\x07");
    }
}

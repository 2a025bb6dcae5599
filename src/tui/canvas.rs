//! The TUI's double buffer, in place of ratatui's `Terminal`: what the terminal shows, the
//! picture drawn next, and the cells that differ written out.
//!
//! ratatui's own diff works out every cell's display width before it compares the cell: about
//! 35 µs a frame at 120×40 with nothing changed, on the path of every echo. Here rows are
//! compared whole first (plain slice equality), and only the run of rows that differ goes
//! through ratatui's diff, which keeps its handling of wide characters. An echo diffs one row.

use ratatui::backend::Backend;
use ratatui::buffer::{Buffer, Cell};
use ratatui::layout::{Position, Rect};
use ratatui::widgets::Widget;

/// At most this many rows that changed are diffed apart from the rest of the screen.
const FEW_ROWS: u16 = 4;

/// What a frame is drawn on: the whole screen's buffer, and where the cursor goes.
pub struct Surface<'a> {
    buffer: &'a mut Buffer,
    cursor: Option<Position>,
}

impl Surface<'_> {
    pub fn area(&self) -> Rect {
        self.buffer.area
    }

    pub fn render_widget<W: Widget>(&mut self, widget: W, area: Rect) {
        widget.render(area, self.buffer);
    }

    pub fn buffer_mut(&mut self) -> &mut Buffer {
        self.buffer
    }

    /// Shows the cursor at `position` after this frame; without a call it is hidden.
    pub fn set_cursor_position(&mut self, position: Position) {
        self.cursor = Some(position);
    }
}

pub struct Canvas<B: Backend> {
    backend: B,
    /// What the terminal shows.
    shown: Buffer,
    /// Drawn into, then compared with `shown`; blank at the start of every frame.
    next: Buffer,
    /// Whether the terminal shows its cursor; `None` until the first frame says.
    cursor_visible: Option<bool>,
}

impl<B: Backend> Canvas<B> {
    /// A canvas over a blank screen of `area`.
    pub fn new(backend: B, area: Rect) -> Self {
        Self {
            backend,
            shown: Buffer::empty(area),
            next: Buffer::empty(area),
            cursor_visible: None,
        }
    }

    #[cfg(test)]
    pub fn backend(&self) -> &B {
        &self.backend
    }

    /// The screen is now `area`: it is cleared and the next frame draws all of it.
    pub fn resize(&mut self, area: Rect) -> Result<(), B::Error> {
        self.shown = Buffer::empty(area);
        self.next = Buffer::empty(area);
        self.backend.clear()
    }

    /// Draws a frame with `draw` and writes what changed, the cursor last.
    pub fn draw(&mut self, draw: impl FnOnce(&mut Surface)) -> Result<(), B::Error> {
        self.next.reset();
        let mut surface = Surface {
            buffer: &mut self.next,
            cursor: None,
        };
        draw(&mut surface);
        let cursor = surface.cursor;
        match changed_rows(&self.shown, &self.next) {
            None => {}
            // A few rows (an echo, a status line) are copied out and diffed alone.
            Some((first, last)) if last - first < FEW_ROWS => {
                let (shown, next) = (
                    rows(&self.shown, first, last),
                    rows(&self.next, first, last),
                );
                self.backend.draw(shown.diff(&next).into_iter())?;
            }
            // More are diffed in place: copies of most of the screen would cost more than the
            // rows skipped save, and stay in the allocator.
            Some(_) => self.backend.draw(self.shown.diff(&self.next).into_iter())?,
        }
        std::mem::swap(&mut self.shown, &mut self.next);
        self.place_cursor(cursor)?;
        self.backend.flush()
    }

    /// Draws `strip`, a part of one row, again with `draw` and writes the cells that changed,
    /// leaving the rest of the screen as it is: for a frame that changed nothing but rows of
    /// panes (see `tui::patch`). [`flush`](Self::flush) when done.
    pub fn patch(&mut self, strip: Rect, draw: impl FnOnce(&mut Buffer)) -> Result<(), B::Error> {
        let strip = strip.intersection(self.shown.area);
        if strip.is_empty() {
            return Ok(());
        }
        let mut fresh = Buffer::empty(strip);
        draw(&mut fresh);
        let at = self.shown.index_of(strip.x, strip.y);
        let cells = &mut self.shown.content[at..at + usize::from(strip.width)];
        let before = Buffer {
            area: strip,
            content: cells.to_vec(),
        };
        self.backend.draw(before.diff(&fresh).into_iter())?;
        cells.clone_from_slice(&fresh.content);
        Ok(())
    }

    /// Shows the cursor at `cursor`, or hides it.
    pub fn place_cursor(&mut self, cursor: Option<Position>) -> Result<(), B::Error> {
        match cursor {
            Some(position) => {
                self.backend.set_cursor_position(position)?;
                if self.cursor_visible != Some(true) {
                    self.backend.show_cursor()?;
                }
            }
            None if self.cursor_visible != Some(false) => self.backend.hide_cursor()?,
            None => {}
        }
        self.cursor_visible = Some(cursor.is_some());
        Ok(())
    }

    pub fn flush(&mut self) -> Result<(), B::Error> {
        self.backend.flush()
    }
}

/// The first and last row (0-based) where `a` and `b` differ.
fn changed_rows(a: &Buffer, b: &Buffer) -> Option<(u16, u16)> {
    let width = usize::from(a.area.width).max(1);
    let differ = |(a, b): (&[Cell], &[Cell])| a != b;
    let pairs = || a.content.chunks(width).zip(b.content.chunks(width));
    let first = pairs().position(differ)?;
    let last = pairs().rposition(differ)?;
    Some((first as u16, last as u16))
}

/// Rows `first..=last` of `buffer` as a buffer of their own, at their place on the screen.
fn rows(buffer: &Buffer, first: u16, last: u16) -> Buffer {
    let area = buffer.area;
    let width = usize::from(area.width);
    let cells = &buffer.content[usize::from(first) * width..(usize::from(last) + 1) * width];
    Buffer {
        area: Rect::new(area.x, area.y + first, area.width, last - first + 1),
        content: cells.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use ratatui::backend::TestBackend;
    use ratatui::style::{Color, Style};
    use ratatui::widgets::Paragraph;

    use super::*;

    fn canvas() -> Canvas<TestBackend> {
        Canvas::new(TestBackend::new(6, 3), Rect::new(0, 0, 6, 3))
    }

    fn line(canvas: &Canvas<TestBackend>, y: u16) -> String {
        (0..6)
            .map(|x| canvas.backend().buffer()[(x, y)].symbol())
            .collect()
    }

    #[test]
    fn only_what_changed_is_written_and_the_rest_stays() {
        let mut c = canvas();
        c.draw(|s| s.render_widget(Paragraph::new("ab\ncd\nef"), s.area()))
            .unwrap();
        assert_eq!(line(&c, 1), "cd    ");
        c.draw(|s| s.render_widget(Paragraph::new("ab\nxd\nef"), s.area()))
            .unwrap();
        assert_eq!(
            [line(&c, 0), line(&c, 1), line(&c, 2)],
            ["ab    ", "xd    ", "ef    "]
        );
        // A style alone is a change.
        c.draw(|s| {
            s.render_widget(Paragraph::new("ab\nxd\nef"), s.area());
            s.buffer_mut()[(0, 2)].set_style(Style::default().fg(Color::Red));
        })
        .unwrap();
        assert_eq!(c.backend().buffer()[(0, 2)].fg, Color::Red);
    }

    #[test]
    fn a_wide_character_replaced_by_narrow_ones_leaves_no_half_behind() {
        let mut c = canvas();
        c.draw(|s| s.render_widget(Paragraph::new("a漢b"), s.area()))
            .unwrap();
        c.draw(|s| s.render_widget(Paragraph::new("axyb"), s.area()))
            .unwrap();
        assert_eq!(line(&c, 0), "axyb  ");
    }

    #[test]
    fn the_cursor_is_shown_where_asked_and_hidden_otherwise() {
        let mut c = canvas();
        c.draw(|s| s.set_cursor_position(Position::new(2, 1)))
            .unwrap();
        assert!(c.backend().cursor_visible());
        let mut backend = c.backend().clone();
        assert_eq!(backend.get_cursor_position().unwrap(), Position::new(2, 1));
        c.draw(|_| {}).unwrap();
        assert!(!c.backend().cursor_visible());
    }

    #[test]
    fn a_patched_strip_is_written_and_the_next_frame_is_diffed_against_it() {
        let mut c = canvas();
        c.draw(|s| s.render_widget(Paragraph::new("ab\ncd"), s.area()))
            .unwrap();
        c.patch(Rect::new(0, 1, 6, 1), |b| {
            Paragraph::new("cX").render(b.area, b)
        })
        .unwrap();
        assert_eq!(line(&c, 1), "cX    ");
        // Drawn whole again as it was before the patch: the patched cell must go back.
        c.draw(|s| s.render_widget(Paragraph::new("ab\ncd"), s.area()))
            .unwrap();
        assert_eq!(line(&c, 1), "cd    ");
    }

    #[test]
    fn a_resize_clears_the_screen_and_draws_it_whole() {
        let mut c = canvas();
        c.draw(|s| s.render_widget(Paragraph::new("ab"), s.area()))
            .unwrap();
        c.resize(Rect::new(0, 0, 6, 3)).unwrap();
        assert_eq!(line(&c, 0), "      ");
        c.draw(|s| s.render_widget(Paragraph::new("ab"), s.area()))
            .unwrap();
        assert_eq!(line(&c, 0), "ab    ");
    }
}

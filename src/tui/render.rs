//! Drawing a vt100 screen into a ratatui buffer, cell by cell, and a pane's frame around it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};

use crate::session::SessionState;

/// Copies the visible part of `screen` into `area` of `buf`.
pub fn draw_screen(screen: &vt100::Screen, area: Rect, buf: &mut Buffer) {
    let (rows, cols) = screen.size();
    let (rows, cols) = (rows.get().min(area.height), cols.get().min(area.width));
    for row in 0..rows {
        for col in 0..cols {
            let Some(cell) = screen.cell(row, col) else {
                continue;
            };
            if cell.is_wide_continuation() {
                continue;
            }
            let Some(target) = buf.cell_mut((area.x + col, area.y + row)) else {
                continue;
            };
            let symbol = cell.contents();
            target.set_symbol(if symbol.is_empty() { " " } else { symbol });
            target.set_style(cell_style(cell));
            // A wide character's second column must be blank, or ratatui draws it twice.
            if cell.is_wide()
                && col + 1 < cols
                && let Some(next) = buf.cell_mut((area.x + col + 1, area.y + row))
            {
                next.set_symbol("");
            }
        }
    }
}

pub fn cell_style(cell: &vt100::Cell) -> Style {
    let mut modifier = Modifier::empty();
    for (on, m) in [
        (cell.bold(), Modifier::BOLD),
        (cell.dim(), Modifier::DIM),
        (cell.italic(), Modifier::ITALIC),
        (cell.underline(), Modifier::UNDERLINED),
        (cell.inverse(), Modifier::REVERSED),
    ] {
        if on {
            modifier |= m;
        }
    }
    Style::default()
        .fg(color(cell.fgcolor()))
        .bg(color(cell.bgcolor()))
        .add_modifier(modifier)
}

pub fn color(c: vt100::Color) -> Color {
    match c {
        vt100::Color::Default => Color::Reset,
        vt100::Color::Idx(i) => Color::Indexed(i),
        vt100::Color::Rgb(r, g, b) => Color::Rgb(r, g, b),
    }
}

/// How a state looks in titles and the status bar.
pub fn state_style(state: SessionState) -> Style {
    use SessionState::*;
    let color = match state {
        Busy => Color::Yellow,
        WaitingInput => Color::Magenta,
        Ready | Idle => Color::Green,
        Authenticating => Color::Blue,
        Error => Color::Red,
        Terminated | Terminating => Color::DarkGray,
        Initializing => Color::Cyan,
    };
    Style::default().fg(color).add_modifier(Modifier::BOLD)
}

pub fn state_glyph(state: SessionState) -> &'static str {
    use SessionState::*;
    match state {
        Initializing => "…",
        Authenticating => "⚿",
        Ready | Idle => "●",
        Busy => "◐",
        WaitingInput => "?",
        Terminating => "◌",
        Terminated => "○",
        Error => "✗",
    }
}

/// `/home/me/work/proj` → `~/work/proj`, then cut from the left to at most `max` characters.
pub fn short_path(path: &std::path::Path, max: usize) -> String {
    let mut text = path.display().to_string();
    if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty())
        && let Some(rest) = text.strip_prefix(&*home.to_string_lossy())
    {
        text = format!("~{rest}");
    }
    let count = text.chars().count();
    if count > max && max > 1 {
        let tail: String = text.chars().skip(count - (max - 1)).collect();
        // Start at a directory boundary when there is one.
        let tail = tail
            .find('/')
            .map_or(tail.as_str(), |i| &tail[i..])
            .to_string();
        text = format!("…{tail}");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn screen_of(bytes: &[u8], cols: u16, rows: u16) -> vt100::Parser {
        let nz = |n: u16| std::num::NonZeroU16::new(n).unwrap();
        let mut parser = vt100::Parser::new(nz(rows), nz(cols), 0);
        parser.process(bytes);
        parser
    }

    #[test]
    fn colours_and_attributes_reach_the_buffer() {
        let parser = screen_of(
            b"\x1b[1;31mR\x1b[0m\x1b[38;5;208mI\x1b[38;2;1;2;3;4mT\x1b[0m\x1b[7mV",
            10,
            2,
        );
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 2));
        draw_screen(parser.screen(), Rect::new(0, 0, 10, 2), &mut buf);
        let r = &buf[(0, 0)];
        assert_eq!((r.symbol(), r.fg), ("R", Color::Indexed(1)));
        assert!(r.modifier.contains(Modifier::BOLD));
        assert_eq!(buf[(1, 0)].fg, Color::Indexed(208));
        assert_eq!(buf[(2, 0)].fg, Color::Rgb(1, 2, 3));
        assert!(buf[(2, 0)].modifier.contains(Modifier::UNDERLINED));
        assert!(buf[(3, 0)].modifier.contains(Modifier::REVERSED));
        assert_eq!(buf[(3, 0)].fg, Color::Reset);
    }

    #[test]
    fn wide_characters_take_two_cells() {
        let parser = screen_of("a漢b".as_bytes(), 10, 1);
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        draw_screen(parser.screen(), Rect::new(0, 0, 10, 1), &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "a");
        assert_eq!(buf[(1, 0)].symbol(), "漢");
        assert_eq!(buf[(3, 0)].symbol(), "b");
    }

    #[test]
    fn the_screen_is_drawn_at_the_area_offset_and_clipped() {
        let parser = screen_of(b"hello\r\nworld", 5, 2);
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 3));
        draw_screen(parser.screen(), Rect::new(3, 1, 3, 1), &mut buf);
        assert_eq!(buf[(3, 1)].symbol(), "h");
        assert_eq!(buf[(5, 1)].symbol(), "l");
        assert_eq!(buf[(6, 1)].symbol(), " ");
        assert_eq!(buf[(3, 2)].symbol(), " ");
    }

    #[test]
    fn the_alternate_screen_is_what_is_drawn_while_active() {
        let parser = screen_of(b"main\x1b[?1049h\x1b[Halt", 6, 1);
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 1));
        draw_screen(parser.screen(), Rect::new(0, 0, 6, 1), &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "a");
    }

    #[test]
    fn paths_are_shortened_from_the_left() {
        let path = std::path::Path::new("/srv/projects/very/long/path/name");
        assert_eq!(short_path(path, 12), "…/path/name");
    }
}

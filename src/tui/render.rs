//! Painting the rows of a server's frame into a ratatui buffer, cell by cell, and a pane's frame
//! around it.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use unicode_width::UnicodeWidthChar;

use crate::screen::styled::{BOLD, Colour, DIM, INVERSE, ITALIC, Row, Run, UNDERLINE, WIDE};
use crate::session::SessionState;

/// Paints `rows` into `area` of `buf`, clipped to it.
pub fn paint(rows: &[Row], area: Rect, buf: &mut Buffer) {
    for (y, row) in (area.y..area.bottom()).zip(rows) {
        let mut x = area.x;
        for run in row {
            let style = run_style(run);
            if run.a & WIDE != 0 {
                if x >= area.right() {
                    break;
                }
                buf[(x, y)].set_symbol(&run.t).set_style(style);
                // A wide character's second column must be blank, or ratatui draws it twice.
                if x + 1 < area.right() {
                    buf[(x + 1, y)].set_symbol("").set_style(style);
                }
                x = x.saturating_add(2);
                continue;
            }
            let mut cell = String::new();
            for c in run.t.chars() {
                // A zero-width character belongs to the cell before it.
                if c.width() == Some(0) && !cell.is_empty() {
                    cell.push(c);
                    continue;
                }
                if !cell.is_empty() {
                    if x >= area.right() {
                        break;
                    }
                    buf[(x, y)].set_symbol(&cell).set_style(style);
                    x += 1;
                    cell.clear();
                }
                cell.push(c);
            }
            if !cell.is_empty() && x < area.right() {
                buf[(x, y)].set_symbol(&cell).set_style(style);
                x += 1;
            }
        }
    }
}

pub fn run_style(run: &Run) -> Style {
    let mut modifier = Modifier::empty();
    for (bit, m) in [
        (BOLD, Modifier::BOLD),
        (DIM, Modifier::DIM),
        (ITALIC, Modifier::ITALIC),
        (UNDERLINE, Modifier::UNDERLINED),
        (INVERSE, Modifier::REVERSED),
    ] {
        if run.a & bit != 0 {
            modifier |= m;
        }
    }
    Style::default()
        .fg(color(run.fg))
        .bg(color(run.bg))
        .add_modifier(modifier)
}

fn color(c: Option<Colour>) -> Color {
    match c {
        None => Color::Reset,
        Some(Colour::Index(i)) => Color::Indexed(i),
        Some(Colour::Rgb(r, g, b)) => Color::Rgb(r, g, b),
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

    fn run(t: &str, fg: Option<Colour>, a: u8) -> Run {
        Run {
            t: t.into(),
            fg,
            bg: None,
            a,
        }
    }

    #[test]
    fn colours_and_attributes_reach_the_buffer() {
        let rows = vec![vec![
            run("R", Some(Colour::Index(1)), BOLD),
            run("I", Some(Colour::Index(208)), 0),
            run("T", Some(Colour::Rgb(1, 2, 3)), UNDERLINE),
            run("V", None, INVERSE),
        ]];
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 2));
        paint(&rows, Rect::new(0, 0, 10, 2), &mut buf);
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
    fn wide_characters_take_two_cells_and_combining_marks_stay_with_theirs() {
        let rows = vec![vec![
            run("a", None, 0),
            run("漢", None, WIDE),
            run("be\u{301}c", None, 0),
        ]];
        let mut buf = Buffer::empty(Rect::new(0, 0, 10, 1));
        paint(&rows, Rect::new(0, 0, 10, 1), &mut buf);
        assert_eq!(buf[(0, 0)].symbol(), "a");
        assert_eq!(buf[(1, 0)].symbol(), "漢");
        assert_eq!(buf[(3, 0)].symbol(), "b");
        assert_eq!(buf[(4, 0)].symbol(), "e\u{301}");
        assert_eq!(buf[(5, 0)].symbol(), "c");
    }

    #[test]
    fn rows_are_painted_at_the_area_offset_and_clipped() {
        let rows = vec![vec![run("hello", None, 0)], vec![run("world", None, 0)]];
        let mut buf = Buffer::empty(Rect::new(0, 0, 8, 3));
        paint(&rows, Rect::new(3, 1, 3, 1), &mut buf);
        assert_eq!(buf[(3, 1)].symbol(), "h");
        assert_eq!(buf[(5, 1)].symbol(), "l");
        assert_eq!(buf[(6, 1)].symbol(), " ");
        assert_eq!(buf[(3, 2)].symbol(), " ");
    }

    #[test]
    fn paths_are_shortened_from_the_left() {
        let path = std::path::Path::new("/srv/projects/very/long/path/name");
        assert_eq!(short_path(path, 12), "…/path/name");
    }
}

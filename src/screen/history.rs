//! A session's history as a client reads it: a page at a time (scroll mode), searched in the
//! server, and a selection's text. Places are a line of the history followed by the screen
//! (0 the oldest kept) and a column; a view is `offset` rows scrolled back from the live
//! screen. Each of these reads the terminal under its lock: run them on the blocking pool.

use serde::{Deserialize, Serialize};

use crate::screen::styled::{Row, rows};
use crate::session::Terminal;

/// The longest search taken.
pub const MAX_NEEDLE: usize = 1024;

/// A place in a session's history and screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Point {
    pub line: usize,
    pub col: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Direction {
    /// Towards the oldest line.
    Older,
    Newer,
}

/// The screen scrolled back `offset` rows (at most all of the history): history rows at the
/// top, the screen's top rows below them. A screenful, never the whole history.
pub fn page(terminal: &Terminal, offset: usize) -> Vec<Row> {
    match terminal.scrolled(offset) {
        Some(view) => rows(view.screen()),
        None => rows(terminal.screen()),
    }
}

/// The offset that shows the next line holding `needle` above (`Older`) or below the view
/// scrolled back `offset` rows; `None` when there is none.
pub fn search(
    terminal: &Terminal,
    needle: &str,
    offset: usize,
    direction: Direction,
) -> Option<usize> {
    if needle.is_empty() || needle.len() > MAX_NEEDLE {
        return None;
    }
    let lines = terminal.lines_with_history();
    let history = lines
        .len()
        .saturating_sub(usize::from(terminal.size().rows));
    let top = history - offset.min(history);
    let hit = match direction {
        Direction::Older => lines[..top].iter().rposition(|l| l.contains(needle)),
        Direction::Newer => lines
            .iter()
            .enumerate()
            .skip(top + 1)
            .find(|(_, l)| l.contains(needle))
            .map(|(i, _)| i),
    }?;
    Some(history.saturating_sub(hit.min(history)))
}

/// The text from `a` to `b` (in either order, both included): lines joined with `\n`, each cut
/// at its selected columns.
pub fn text(terminal: &Terminal, a: Point, b: Point) -> String {
    cut(&terminal.lines_with_history(), a.min(b), a.max(b))
}

fn cut(lines: &[String], start: Point, end: Point) -> String {
    let mut out = Vec::new();
    for line in start.line..=end.line.min(lines.len().saturating_sub(1)) {
        let Some(text) = lines.get(line) else { break };
        let from = if line == start.line { start.col } else { 0 };
        let to = if line == end.line {
            end.col + 1
        } else {
            usize::MAX
        };
        out.push(
            text.chars()
                .skip(from)
                .take(to.saturating_sub(from))
                .collect::<String>(),
        );
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::styled::{Colour, row_text};
    use crate::session::TerminalSize;

    fn point(line: usize, col: usize) -> Point {
        Point { line, col }
    }

    #[test]
    fn a_selection_reads_in_order_from_its_first_to_its_last_cell() {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 3 }, 10);
        t.process(b"alpha beta\r\ngamma\r\ndelta epsilon");
        assert_eq!(text(&t, point(0, 6), point(2, 4)), "beta\ngamma\ndelta");
        assert_eq!(
            text(&t, point(2, 4), point(0, 6)),
            "beta\ngamma\ndelta",
            "dragged upwards"
        );
        assert_eq!(text(&t, point(1, 1), point(1, 2)), "am");
    }

    #[test]
    fn the_first_of_ten_thousand_lines_is_found_and_paged_with_its_colour() {
        let mut t = Terminal::new(TerminalSize { cols: 40, rows: 10 }, 10_000);
        t.process(b"\x1b[31mfirst-line\x1b[m\r\n");
        for i in 1..10_000 {
            t.process(format!("line {i}\r\n").as_bytes());
        }
        let history = t.history_len();
        let offset = search(&t, "first-line", 0, Direction::Older).expect("found");
        assert_eq!(offset, history, "the oldest line is at the top of the view");
        let started = std::time::Instant::now();
        let page = page(&t, offset);
        let took = started.elapsed();
        assert_eq!(row_text(&page[0]), "first-line");
        assert_eq!(page[0][0].fg, Some(Colour::Index(1)));
        assert_eq!(row_text(&page[1]), "line 1");
        assert!(took.as_millis() < 50, "a page took {took:?}");
        assert_eq!(search(&t, "first-line", offset, Direction::Older), None);
        assert_eq!(
            search(&t, "line 5000", offset, Direction::Newer).map(|o| history - o),
            Some(5000)
        );
    }
}

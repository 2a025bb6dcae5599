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

/// Lines a search reads at a time, from the view outwards: a hit near the view costs a block
/// of history or two, not all of it (nor a copy of all of it under the terminal's lock).
const SEARCH_STRIDE: usize = 1024;

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
    let text = terminal.text_lines();
    let history = text.history_len();
    let top = history - offset.min(history);
    let holds = |l: &String| l.contains(needle);
    let hit = match direction {
        Direction::Older => {
            let mut end = top;
            loop {
                let start = end.checked_sub(1)? / SEARCH_STRIDE * SEARCH_STRIDE;
                if let Some(i) = text.lines(start..end).iter().rposition(holds) {
                    break start + i;
                }
                end = start;
            }
        }
        Direction::Newer => {
            let mut start = top + 1;
            loop {
                let end = (start + SEARCH_STRIDE).min(text.count());
                if start >= end {
                    return None;
                }
                if let Some(i) = text.lines(start..end).iter().position(holds) {
                    break start + i;
                }
                start = end;
            }
        }
    };
    Some(history.saturating_sub(hit.min(history)))
}

/// The text from `a` to `b` (in either order, both included): lines joined with `\n`, each cut
/// at its selected columns. Only the selected lines are read.
pub fn text(terminal: &Terminal, a: Point, b: Point) -> String {
    let (start, end) = (a.min(b), a.max(b));
    let lines = terminal
        .text_lines()
        .lines(start.line..end.line.saturating_add(1));
    cut(&lines, start, end)
}

/// Cuts `lines`, the lines from `start.line` on, at the selection's first and last columns.
fn cut(lines: &[String], start: Point, end: Point) -> String {
    let last = end.line - start.line;
    let mut out = Vec::with_capacity(lines.len());
    for (i, text) in lines.iter().enumerate() {
        let from = if i == 0 { start.col } else { 0 };
        let to = if i == last { end.col + 1 } else { usize::MAX };
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
    fn a_selection_from_the_history_into_the_screen_reads_only_its_lines() {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 3 }, 10);
        t.process(b"zero\r\none\r\ntwo\r\nthree\r\nfour\r\nfive");
        assert_eq!(t.history_len(), 3, "zero, one and two scrolled off");
        assert_eq!(text(&t, point(1, 1), point(4, 1)), "ne\ntwo\nthree\nfo");
        assert_eq!(text(&t, point(5, 0), point(9, 9)), "five", "past the end");
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

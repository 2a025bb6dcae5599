//! Reading a terminal's history: as text (search, command replies), as escape codes (a
//! recording's replay), and as a screen scrolled back into it (scroll mode).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::num::NonZeroU16;
use std::ops::Range;

use super::Terminal;
use crate::session::history::History;

/// A terminal's history followed by its screen, as lines of text (0 the oldest kept).
pub struct TextLines<'a> {
    history: Cow<'a, History>,
    screen: Vec<String>,
}

impl TextLines<'_> {
    /// Lines in all, history and screen.
    pub fn count(&self) -> usize {
        self.history.len() + self.screen.len()
    }

    /// Lines of history rows above the screen.
    pub fn history_len(&self) -> usize {
        self.history.len()
    }

    /// The lines in `range` (past the end left out), trailing blanks trimmed.
    pub fn lines(&self, range: Range<usize>) -> Vec<String> {
        let kept = self.history.len();
        let mut lines = Vec::with_capacity(range.len().min(self.count()));
        self.history
            .for_each(range.start.min(kept)..range.end.min(kept), |_, row| {
                let mut line = row.plain();
                line.truncate(line.trim_end().len());
                lines.push(line);
            });
        let on_screen = range.start.max(kept) - kept..range.end.max(kept) - kept;
        lines.extend(
            self.screen
                .iter()
                .take(on_screen.end)
                .skip(on_screen.start)
                .cloned(),
        );
        lines
    }
}

impl Terminal {
    /// Rows of history kept above the screen, those not captured yet included.
    pub fn history_len(&self) -> usize {
        let history = &self.parser.callbacks().history;
        (history.len() + self.deferred.rows()).min(history.capacity())
    }

    /// The history with every row in it. The parse thread settles a flood's history as soon
    /// as it has caught up, so only a read during a flood pays for capturing a copy.
    fn history(&self) -> Cow<'_, History> {
        let history = &self.parser.callbacks().history;
        if self.deferred.is_open() {
            Cow::Owned(self.deferred.settled_copy(history))
        } else {
            Cow::Borrowed(history)
        }
    }

    /// Heap bytes the history holds, the output kept for rows not captured yet included.
    pub fn history_bytes(&self) -> usize {
        self.parser.callbacks().history.heap_bytes() + self.deferred.heap_bytes()
    }

    /// The history above the screen followed by the screen, oldest first, trailing blanks
    /// trimmed.
    pub fn lines_with_history(&self) -> Vec<String> {
        let text = self.text_lines();
        text.lines(0..text.count())
    }

    /// The history followed by the screen as lines of text, to read a range at a time: a
    /// search or a selection decompresses the history's blocks it reads, not all of them.
    pub fn text_lines(&self) -> TextLines<'_> {
        TextLines {
            history: self.history(),
            screen: self.lines(),
        }
    }

    /// Escape codes that print the history in a fresh terminal, oldest row first, each row
    /// from default attributes; a row that wrapped runs on into the next as it did here.
    pub fn write_history(&self, out: &mut String) {
        let history = self.history();
        history.for_each(0..history.len(), |_, row| {
            out.push_str("\x1b[m");
            out.push_str(row.formatted);
            if !row.wrapped {
                out.push_str("\r\n");
            }
        });
    }

    /// A terminal showing this one scrolled back `offset` rows into its history (at most all
    /// of it): history rows at the top, the screen's top rows below them. `None` at 0, where
    /// the live screen is the view. Built per frame from a screenful of rows, so scrolling
    /// costs the history one block's decompression, not vt100's 32 bytes a cell for every row.
    pub fn scrolled(&self, offset: usize) -> Option<vt100::Parser> {
        // Every frame asks, mostly at 0: the history is only looked at when scrolled.
        let offset = offset.min(self.history_len());
        if offset == 0 {
            return None;
        }
        let history = self.history();
        let size = self.size();
        let rows = usize::from(size.rows);
        let from_history = offset.min(rows);
        let first = history.len() - offset;
        let mut out = String::new();
        // Every row is placed by itself, so one that is wider than the screen (pushed off
        // before a resize) cannot wrap and push the others; the view is as wide as the widest.
        history.for_each(first..first + from_history, |i, row| {
            let _ = write!(out, "\x1b[{};1H\x1b[m{}", i - first + 1, row.formatted);
        });
        let screen_rows = self.screen().rows_formatted(0, size.cols);
        for (i, row) in screen_rows.take(rows - from_history).enumerate() {
            let _ = write!(out, "\x1b[{};1H\x1b[m{}", from_history + i + 1, row);
        }
        let nz = |v: u16| NonZeroU16::new(v).unwrap_or(NonZeroU16::MIN);
        let cols = size.cols.max(history.widest());
        let mut view = vt100::Parser::new(nz(size.rows), nz(cols), 0);
        view.process(out.as_bytes());
        Some(view)
    }
}

#[cfg(test)]
mod tests {
    use crate::session::config::TerminalSize;
    use crate::session::terminal::Terminal;

    fn term(cols: u16, rows: u16, scrollback: usize) -> Terminal {
        Terminal::new(TerminalSize { cols, rows }, scrollback)
    }

    fn numbered(t: &mut Terminal, lines: std::ops::Range<usize>) {
        for i in lines {
            t.process(format!("line{i}\r\n").as_bytes());
        }
    }

    #[test]
    fn history_includes_scrolled_off_lines_in_order() {
        let mut t = term(20, 5, 100);
        numbered(&mut t, 0..12);
        let lines = t.lines_with_history();
        let text: Vec<&str> = lines
            .iter()
            .map(String::as_str)
            .filter(|l| !l.is_empty())
            .collect();
        assert_eq!(text.first(), Some(&"line0"));
        assert_eq!(text.last(), Some(&"line11"));
        assert_eq!(text.len(), 12);
        assert_eq!(t.history_len(), 8);
    }

    #[test]
    fn history_keeps_its_newest_rows_up_to_the_scrollback() {
        let mut t = term(20, 5, 3000);
        numbered(&mut t, 0..10_000);
        assert_eq!(t.history_len(), 3000);
        let lines = t.lines_with_history();
        // The screen holds lines 9996..9999 and the cursor's empty row.
        assert_eq!(lines[0], "line6996");
        assert_eq!(lines[2999], "line9995");
    }

    #[test]
    fn a_scrolled_view_shows_history_rows_with_their_colours_and_wide_characters() {
        let mut t = term(20, 4, 100);
        t.process("\x1b[1;31mred\x1b[m plain \x1b[44mblue\x1b[m\r\n宽字符 ok\r\n".as_bytes());
        numbered(&mut t, 0..10);
        let history = t.history_len();
        let view = t.scrolled(history).expect("scrolled back");
        let screen = view.screen();
        let red = screen.cell(0, 0).unwrap();
        assert_eq!(red.contents(), "r");
        assert_eq!(red.fgcolor(), vt100::Color::Idx(1));
        assert!(red.bold());
        let space = screen.cell(0, 3).unwrap();
        assert_eq!(space.fgcolor(), vt100::Color::Default);
        assert!(!space.bold());
        assert_eq!(screen.cell(0, 10).unwrap().bgcolor(), vt100::Color::Idx(4));
        let wide = screen.cell(1, 0).unwrap();
        assert!(wide.is_wide());
        assert_eq!(wide.contents(), "宽");
        assert_eq!(screen.cell(1, 2).unwrap().contents(), "字");
        assert_eq!(screen.cell(1, 7).unwrap().contents(), "o");
        assert_eq!(screen.cell(2, 0).unwrap().contents(), "l");
    }

    #[test]
    fn a_view_part_way_back_joins_the_last_history_rows_to_the_screen() {
        let mut t = term(20, 4, 100);
        numbered(&mut t, 0..10);
        // Screen: line7, line8, line9, and the cursor's row; history: line0..line6.
        let view = t.scrolled(2).unwrap();
        let rows: Vec<String> = view.screen().rows(0, 20).collect();
        assert_eq!(rows, ["line5", "line6", "line7", "line8"]);
        assert!(t.scrolled(0).is_none());
        let all = t.scrolled(usize::MAX).unwrap();
        assert_eq!(all.screen().rows(0, 20).next().unwrap(), "line0");
    }

    #[test]
    fn wrapped_rows_stay_rows_in_history_and_run_on_in_a_replay() {
        let mut t = term(10, 3, 100);
        t.process(b"0123456789abcdefghij\r\nnext\r\n\r\n\r\n\r\n");
        let lines = t.lines_with_history();
        assert_eq!(lines[..3], ["0123456789", "abcdefghij", "next"]);
        let mut replay = String::new();
        t.write_history(&mut replay);
        assert!(
            replay.contains("0123456789\x1b[mabcdefghij\r\n"),
            "{replay:?}"
        );
        let view = t.scrolled(usize::MAX).unwrap();
        let rows: Vec<String> = view.screen().rows(0, 10).collect();
        assert_eq!(rows, ["0123456789", "abcdefghij", "next"]);
    }

    #[test]
    fn rows_pushed_off_by_a_shorter_screen_go_to_history() {
        let mut t = term(20, 6, 100);
        t.process(b"a\r\nb\r\nc\r\nd\r\ne\r\nf");
        t.resize(TerminalSize { cols: 20, rows: 3 });
        assert_eq!(t.history_len(), 3);
        assert_eq!(t.lines_with_history()[..4], ["a", "b", "c", "d"]);
        // Growing back does not bring blank rows down from a history vt100 does not keep.
        t.resize(TerminalSize { cols: 20, rows: 6 });
        assert_eq!(t.lines()[0], "d");
    }

    #[test]
    fn erasing_saved_lines_clears_the_history() {
        let mut t = term(20, 3, 100);
        numbered(&mut t, 0..10);
        t.process(b"\x1b[2J\x1b[3J\x1b[Hafter\r\n");
        assert_eq!(t.history_len(), 0);
        numbered(&mut t, 0..4);
        assert_eq!(t.lines_with_history()[0], "after");
    }

    #[test]
    fn the_alternate_screen_keeps_no_history() {
        let mut t = term(20, 3, 100);
        t.process(b"\x1b[?1049h");
        numbered(&mut t, 0..10);
        assert_eq!(t.history_len(), 0);
    }

    #[test]
    fn ten_thousand_wide_rows_of_history_take_little_memory() {
        let mut t = term(200, 50, 10_000);
        for i in 0..10_050 {
            let text = format!("{i:>6} compiling crate-{} with some words", i % 97);
            t.process(format!("\x1b[32m{text:<199}\x1b[m|\r\n").as_bytes());
        }
        assert_eq!(t.history_len(), 10_000);
        let kib = t.history_bytes() / 1024;
        assert!(kib < 1024, "{kib} KiB for 10 000 rows of 200 columns");
    }
}

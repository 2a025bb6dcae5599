//! A session's terminal: the vt100 parser plus what vt100 leaves to its host.
//!
//! vt100 draws the screen but does not answer queries, honour synchronized output, or bound OSC
//! strings; this wrapper does those, and survives a parser panic by rebuilding the parser.
//! vt100 keeps no history here: rows that scroll off go to a compact [`History`] instead (see
//! `history.rs` for why, `deferred.rs` for how a flood puts off capturing them, and
//! `scrollback.rs` for reading it).

use std::num::NonZeroU16;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::session::config::TerminalSize;
use crate::session::history::History;
use crate::session::osc_limit::OscLimiter;
use crate::session::region::ScreenView;
use damage::Damage;
pub use damage::{ChangedRows, Revision};
use deferred::Deferred;
pub use deferred::SETTLE_AFTER;
use host::Host;
pub use scrollback::TextLines;

/// What processing one chunk produced besides the new screen.
#[derive(Debug, Default)]
pub struct Processed {
    /// Answers to the program's queries, for `answers.rs` to write back or drop.
    pub answers: Vec<Answer>,
    /// The parser panicked and was rebuilt; the screen was reset.
    pub recovered_from_panic: bool,
}

/// The answer to one query, and whether bracketed paste was on when the program asked (a
/// shell's line editor turns it on as it takes the terminal back: see `answers.rs`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub bytes: Vec<u8>,
    pub bracketed_paste: bool,
}

/// The screen as plain text, for the API and for tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[schemars(rename = "Screen")]
pub struct ScreenSnapshot {
    pub cols: u16,
    pub rows: u16,
    pub lines: Vec<String>,
    pub cursor: CursorPosition,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct CursorPosition {
    pub row: u16,
    pub col: u16,
}

pub struct Terminal {
    parser: vt100::Parser<Host>,
    osc: OscLimiter,
    filtered: Vec<u8>,
    deferring: bool,
    deferred: Deferred,
    damage: Damage,
}

fn dims(size: TerminalSize) -> (NonZeroU16, NonZeroU16) {
    let size = TerminalSize::clamped(size.cols, size.rows);
    let nz = |v: u16| NonZeroU16::new(v).unwrap_or(NonZeroU16::MIN);
    (nz(size.rows), nz(size.cols))
}

/// A parser whose scrolled-off rows go to `history`.
fn new_parser(size: TerminalSize, history: History) -> vt100::Parser<Host> {
    let (rows, cols) = dims(size);
    let host = Host {
        history,
        cols: cols.get(),
        ..Host::default()
    };
    vt100::Parser::new_with_callbacks(rows, cols, 0, host)
}

/// `CSI 3 J`: erase the saved lines, which vt100 does for its own scrollback only.
const ERASE_SAVED_LINES: &[u8] = b"\x1b[3J";

impl Terminal {
    /// A terminal that keeps `scrollback` rows of history.
    pub fn new(size: TerminalSize, scrollback: usize) -> Self {
        let parser = new_parser(size, History::new(scrollback));
        let rows = parser.screen().size().0.get();
        Self {
            parser,
            osc: OscLimiter::default(),
            filtered: Vec::new(),
            deferring: false,
            deferred: Deferred::default(),
            damage: Damage::new(rows),
        }
    }

    /// Feeds program output to the screen.
    pub fn process(&mut self, bytes: &[u8]) -> Processed {
        let mut filtered = std::mem::take(&mut self.filtered);
        filtered.clear();
        self.osc.filter(bytes, &mut filtered);
        let before = self.parser.screen().cursor_position();
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            let mut rest = &filtered[..];
            while let Some(at) = memchr::memmem::find(rest, ERASE_SAVED_LINES) {
                let (erasing, after) = rest.split_at(at + ERASE_SAVED_LINES.len());
                self.feed(erasing);
                if !self.parser.screen().alternate_screen() {
                    self.erase_history();
                }
                rest = after;
            }
            self.feed(rest);
        }))
        .is_err();
        if panicked {
            tracing::error!("terminal parser panicked; rebuilding it");
            // The counted rows cannot be captured from a parser state that just failed.
            self.deferred.clear();
            let history = std::mem::take(&mut self.parser.callbacks_mut().history);
            self.parser = new_parser(self.size(), history);
            self.damage.parser_rebuilt(self.size().rows);
        } else {
            let after = self.parser.screen().cursor_position();
            self.damage
                .parsed(&filtered, before, after, self.size().cols);
        }
        self.filtered = filtered;
        // vt100 counts the rows it would have kept, and would bring that many blank rows down
        // when the screen grows; it keeps none, so there are none to bring.
        self.parser.screen_mut().clear_scrollback();
        Processed {
            answers: std::mem::take(&mut self.parser.callbacks_mut().answers),
            recovered_from_panic: panicked,
        }
    }

    pub fn resize(&mut self, size: TerminalSize) {
        let (rows, cols) = dims(size);
        // Parsing deferred bytes again assumes the screen they were parsed at.
        self.settle_history();
        // Through the parser, so the rows a shorter screen pushes off go to the history.
        self.parser.set_size(rows, cols);
        self.parser.callbacks_mut().cols = cols.get();
        self.parser.screen_mut().clear_scrollback();
        self.damage.everything(rows.get());
    }

    /// This moment of the screen, to ask later what changed since.
    pub fn revision(&self) -> Revision {
        self.damage.now()
    }

    /// The rows that may have changed since `seen` (see `damage.rs`).
    pub fn changed_since(&self, seen: Revision) -> ChangedRows {
        self.damage.since(seen)
    }

    pub fn size(&self) -> TerminalSize {
        let (rows, cols) = self.parser.screen().size();
        TerminalSize {
            cols: cols.get(),
            rows: rows.get(),
        }
    }

    pub fn screen(&self) -> &vt100::Screen {
        self.parser.screen()
    }

    /// When the program began a synchronized update it has not finished yet.
    pub fn synchronized_since(&self) -> Option<Instant> {
        self.parser.callbacks().synchronized_since
    }

    pub fn focus_reporting(&self) -> bool {
        self.parser.callbacks().focus_reporting
    }

    /// Visible lines, trailing blanks trimmed.
    pub fn lines(&self) -> Vec<String> {
        let size = self.size();
        self.screen()
            .rows(0, size.cols)
            .map(|row| row.trim_end().to_string())
            .collect()
    }

    /// Visible lines joined by `\n`.
    pub fn text(&self) -> String {
        self.lines().join("\n")
    }

    /// The cursor's row up to the cursor, blank cells included: what a prompt rule matches
    /// against.
    pub fn cursor_line(&self) -> String {
        let screen = self.screen();
        let (row, col) = screen.cursor_position();
        let mut line = String::new();
        for c in 0..col {
            match screen.cell(row, c) {
                Some(cell) if cell.is_wide_continuation() => {}
                Some(cell) if cell.has_contents() => line.push_str(cell.contents()),
                _ => line.push(' '),
            }
        }
        line
    }

    /// The window title the program set last; empty when it set none.
    pub fn title(&self) -> &str {
        &self.parser.callbacks().title
    }

    /// The screen as detector rules see it (see `ScreenView`).
    pub fn view(&self) -> ScreenView {
        let (row, _) = self.screen().cursor_position();
        ScreenView::new(
            self.lines(),
            usize::from(row),
            self.cursor_line(),
            self.title().to_string(),
        )
    }

    pub fn snapshot(&self) -> ScreenSnapshot {
        let size = self.size();
        let (row, col) = self.screen().cursor_position();
        ScreenSnapshot {
            cols: size.cols,
            rows: size.rows,
            lines: self.lines(),
            cursor: CursorPosition { row, col },
        }
    }
}

mod damage;
mod deferred;
mod host;
mod scrollback;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::region::Region;

    fn term() -> Terminal {
        Terminal::new(TerminalSize { cols: 20, rows: 5 }, 100)
    }

    fn answered(t: &mut Terminal, bytes: &[u8]) -> Vec<u8> {
        t.process(bytes)
            .answers
            .into_iter()
            .flat_map(|a| a.bytes)
            .collect()
    }

    #[test]
    fn cursor_position_queries_are_answered_where_they_stand() {
        let mut t = term();
        assert_eq!(answered(&mut t, b"ab\r\ncd\x1b[6n"), b"\x1b[2;3R".to_vec());
    }

    #[test]
    fn device_attribute_and_status_queries_are_answered() {
        let mut t = term();
        assert_eq!(answered(&mut t, b"\x1b[c"), b"\x1b[?1;2c".to_vec());
        assert_eq!(answered(&mut t, b"\x1b[5n"), b"\x1b[0n".to_vec());
        assert!(answered(&mut t, b"\x1b]11;?\x07").starts_with(b"\x1b]11;rgb:"));
        assert_eq!(
            answered(&mut t, b"\x1b[?2026$p"),
            b"\x1b[?2026;2$y".to_vec()
        );
    }

    #[test]
    fn an_answer_says_whether_bracketed_paste_was_on_when_the_program_asked() {
        let mut t = term();
        let answers = t.process(b"\x1b[c\x1b[?2004h\x1b[c").answers;
        let paste: Vec<bool> = answers.iter().map(|a| a.bracketed_paste).collect();
        assert_eq!(paste, [false, true]);
    }

    #[test]
    fn synchronized_output_is_tracked_from_its_first_begin() {
        let mut t = term();
        t.process(b"\x1b[?2026h");
        let began = t.synchronized_since().expect("an update began");
        assert_eq!(
            answered(&mut t, b"\x1b[?2026$p"),
            b"\x1b[?2026;1$y".to_vec()
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
        t.process(b"\x1b[?2026h");
        assert_eq!(t.synchronized_since(), Some(began));
        t.process(b"frame\x1b[?2026l");
        assert!(t.synchronized_since().is_none());
    }

    #[test]
    fn cursor_line_stops_at_the_cursor() {
        let mut t = term();
        t.process(b"one\r\nuser$ typed\x1b[5D");
        assert_eq!(t.cursor_line(), "user$ ");
    }

    #[test]
    fn the_detector_sees_the_title_and_the_blanks_before_the_cursor() {
        let mut t = term();
        t.process(b"\x1b]0;\xe2\x97\x90 Claude Code\x07done\r\n>\x1b[C");
        let view = t.view();
        assert_eq!(view.region(Region::Title), "◐ Claude Code");
        assert_eq!(view.region(Region::CursorLine), "> ");
        assert!(view.region(Region::Screen).starts_with("done\n> \n"));
        assert_eq!(t.lines()[1], ">", "the API's lines stay trimmed");
    }

    #[test]
    fn an_unterminated_osc_does_not_grow_the_parser() {
        let mut t = term();
        t.process(b"\x1b]0;");
        let chunk = vec![b'x'; 1 << 20];
        for _ in 0..8 {
            t.process(&chunk);
        }
        t.process(b"\x07visible");
        assert!(t.text().contains("visible"));
    }
}

//! A session's terminal: the vt100 parser plus what vt100 leaves to its host.
//!
//! vt100 draws the screen but does not answer queries, honour synchronized output, or bound OSC
//! strings; this wrapper does those, and survives a parser panic by rebuilding the parser.
//! vt100 keeps no history here: rows that scroll off go to a compact [`History`] instead (see
//! `history.rs` for why, and `scrollback.rs` for reading it).

use std::num::NonZeroU16;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::session::config::TerminalSize;
use crate::session::history::History;
use crate::session::osc_limit::OscLimiter;
use crate::session::region::ScreenView;

/// Longest window title kept; detector rules look at it, nobody needs more.
const MAX_TITLE_CHARS: usize = 256;

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

/// Side effects vt100 reports through callbacks.
#[derive(Default)]
struct Host {
    /// Rows that scrolled off the primary screen.
    history: History,
    /// The screen's width, which the row vt100 hands `on_scroll` does not say.
    cols: u16,
    answers: Vec<Answer>,
    /// Set while the program is between `CSI ? 2026 h` and `CSI ? 2026 l`.
    synchronized_since: Option<Instant>,
    focus_reporting: bool,
    /// The window title the program set last (OSC 0 or 2).
    title: String,
}

impl vt100::Callbacks for Host {
    fn on_scroll(&mut self, row: vt100::capture::RowContents<'_>, alternate_screen: bool) {
        // A full-screen program's own screen has no history, as in tmux and xterm.
        if !alternate_screen {
            self.history.push(&row, self.cols);
        }
    }

    fn set_window_title(&mut self, _: &mut vt100::Screen, title: &[u8]) {
        let title = String::from_utf8_lossy(title);
        self.title = title.chars().take(MAX_TITLE_CHARS).collect();
    }

    fn unhandled_csi(
        &mut self,
        screen: &mut vt100::Screen,
        i1: Option<u8>,
        i2: Option<u8>,
        params: &[&[u16]],
        c: char,
    ) {
        let first = params.first().and_then(|p| p.first()).copied().unwrap_or(0);
        let has = |mode: u16| params.iter().any(|p| p.first() == Some(&mode));
        let mut answer = |bytes: &[u8]| {
            self.answers.push(Answer {
                bytes: bytes.to_vec(),
                bracketed_paste: screen.bracketed_paste(),
            })
        };
        match (i1, i2, c) {
            (None, None, 'n') if first == 6 => {
                let (row, col) = screen.cursor_position();
                answer(format!("\x1b[{};{}R", row + 1, col + 1).as_bytes());
            }
            (None, None, 'n') if first == 5 => answer(b"\x1b[0n"),
            (None, None, 'c') if first == 0 => answer(b"\x1b[?1;2c"),
            (Some(b'>'), None, 'c') if first == 0 => answer(b"\x1b[>0;10;1c"),
            (Some(b'>'), None, 'q') => {
                answer(concat!("\x1bP>|ccmux ", env!("CARGO_PKG_VERSION"), "\x1b\\").as_bytes());
            }
            (Some(b'?'), Some(b'$'), 'p') => {
                // DECRQM: 1 = set, 2 = reset, 0 = not recognised.
                let status = match (first, self.synchronized_since) {
                    (2026, Some(_)) => 1,
                    (2026, None) => 2,
                    _ => 0,
                };
                answer(format!("\x1b[?{first};{status}$y").as_bytes());
            }
            (Some(b'?'), None, 'h' | 'l') => {
                let on = c == 'h';
                // A repeated `h` does not restart the clock, so the hold stays bounded.
                if has(2026) && on {
                    self.synchronized_since.get_or_insert_with(Instant::now);
                } else if has(2026) {
                    self.synchronized_since = None;
                }
                if has(1004) {
                    self.focus_reporting = on;
                }
            }
            _ => {}
        }
    }

    fn unhandled_osc(&mut self, screen: &mut vt100::Screen, params: &[&[u8]]) {
        // OSC 10/11 colour queries: answer as a dark theme so programs pick readable colours.
        let reply: &[u8] = match params {
            [b"10", b"?"] => b"\x1b]10;rgb:e5e5/e5e5/e5e5\x1b\\",
            [b"11", b"?"] => b"\x1b]11;rgb:0000/0000/0000\x1b\\",
            _ => return,
        };
        self.answers.push(Answer {
            bytes: reply.to_vec(),
            bracketed_paste: screen.bracketed_paste(),
        });
    }
}

pub struct Terminal {
    parser: vt100::Parser<Host>,
    osc: OscLimiter,
    filtered: Vec<u8>,
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
        Self {
            parser: new_parser(size, History::new(scrollback)),
            osc: OscLimiter::default(),
            filtered: Vec::new(),
        }
    }

    /// Feeds program output to the screen.
    pub fn process(&mut self, bytes: &[u8]) -> Processed {
        self.filtered.clear();
        self.osc.filter(bytes, &mut self.filtered);
        let parser = &mut self.parser;
        let filtered = &self.filtered;
        let panicked = catch_unwind(AssertUnwindSafe(|| {
            let mut rest = &filtered[..];
            while let Some(at) = memchr::memmem::find(rest, ERASE_SAVED_LINES) {
                let (erasing, after) = rest.split_at(at + ERASE_SAVED_LINES.len());
                parser.process(erasing);
                if !parser.screen().alternate_screen() {
                    parser.callbacks_mut().history.clear();
                }
                rest = after;
            }
            parser.process(rest);
        }))
        .is_err();
        if panicked {
            tracing::error!("terminal parser panicked; rebuilding it");
            let history = std::mem::take(&mut self.parser.callbacks_mut().history);
            self.parser = new_parser(self.size(), history);
        }
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
        // Through the parser, so the rows a shorter screen pushes off go to the history.
        self.parser.set_size(rows, cols);
        self.parser.callbacks_mut().cols = cols.get();
        self.parser.screen_mut().clear_scrollback();
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

    pub fn screen_mut(&mut self) -> &mut vt100::Screen {
        self.parser.screen_mut()
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

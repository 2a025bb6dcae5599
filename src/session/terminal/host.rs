//! What vt100 reports through its callbacks, and what the terminal does with it: rows that
//! scroll off, answers to the program's queries, synchronized output, focus reporting and the
//! window title.

use std::time::Instant;

use super::Answer;
use crate::session::history::History;

/// Longest window title kept; detector rules look at it, nobody needs more.
const MAX_TITLE_CHARS: usize = 256;

/// Side effects vt100 reports through callbacks.
#[derive(Default)]
pub(super) struct Host {
    /// Rows that scrolled off the primary screen.
    pub(super) history: History,
    /// Set while a deferred segment is open (set before each parse, and cleared by a settle):
    /// rows that scroll off are only counted, in `scrolled` (see `deferred.rs`).
    pub(super) counting: bool,
    pub(super) scrolled: usize,
    /// The screen's width, which the row vt100 hands `on_scroll` does not say.
    pub(super) cols: u16,
    pub(super) answers: Vec<Answer>,
    /// Set while the program is between `CSI ? 2026 h` and `CSI ? 2026 l`.
    pub(super) synchronized_since: Option<Instant>,
    pub(super) focus_reporting: bool,
    /// The window title the program set last (OSC 0 or 2).
    pub(super) title: String,
}

impl vt100::Callbacks for Host {
    fn on_scroll(&mut self, row: vt100::capture::RowContents<'_>, alternate_screen: bool) {
        // A full-screen program's own screen has no history, as in tmux and xterm.
        if alternate_screen {
            return;
        }
        if self.counting {
            self.scrolled += 1;
        } else {
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

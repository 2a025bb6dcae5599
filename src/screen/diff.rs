//! What one client is sent of one session's screen: every row the first time (or after a
//! resize), then only the rows that changed since what it was last sent — diffed against that,
//! not against the previous frame drawn, so frames a client never got cost it nothing.

use serde::{Deserialize, Serialize};

use crate::screen::styled::{Cursor, Modes, Row, Styled, row, rows, styled_with};
use crate::session::{ChangedRows, Revision, Terminal};

/// One session's frame for one client: every row when `full`, else the rows that changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Frame {
    pub full: bool,
    pub cols: u16,
    pub rows: u16,
    pub cursor: Cursor,
    /// Rows of history kept above the screen: where scroll mode can go.
    pub history: usize,
    /// The program's modes, when they changed (always in a full frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modes: Option<Modes>,
    /// The window title, when it changed (always in a full frame).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// `(row index, runs)`.
    pub changed: Vec<(u16, Row)>,
}

/// What a client was last sent of one session's screen, and what is known of its rows since.
/// The terminal names the rows a chunk may have changed (see `session/terminal/damage.rs`):
/// after an echo, one. When it cannot narrow them, each row is marked (the row as vt100 itself
/// would redraw it, about half the cost of reading its cells one by one) and only the rows
/// whose mark moved are read cell by cell.
#[derive(Debug, Default)]
pub struct Sent {
    last: Option<Styled>,
    /// Each row's mark when it was last read by marks; `None` once it was read without one.
    marks: Vec<Option<String>>,
    /// The terminal's revision when `last` was read.
    seen: Revision,
}

impl Sent {
    /// The frame that brings the client from what it was sent to `terminal`'s screen; `None`
    /// when nothing changed. Records the screen as sent.
    pub fn frame(&mut self, terminal: &Terminal) -> Option<Frame> {
        let size = terminal.size();
        let screen = terminal.screen();
        let since = terminal.changed_since(self.seen);
        self.seen = terminal.revision();
        let (frame, now) = match self.last.take() {
            Some(last) if last.size == size && self.marks.len() == usize::from(size.rows) => {
                let Styled {
                    rows: mut kept,
                    cursor,
                    modes,
                    title,
                    history,
                    ..
                } = last;
                let candidates = match since {
                    ChangedRows::All => self.remark(screen),
                    ChangedRows::Rows(rows) => self.unmark(rows),
                };
                let changed = changed_rows(screen, candidates, &mut kept);
                let now = styled_with(terminal, kept);
                let modes = (modes != now.modes).then_some(now.modes);
                let title = (title != now.title).then(|| now.title.clone());
                let same = changed.is_empty()
                    && cursor == now.cursor
                    && history == now.history
                    && modes.is_none()
                    && title.is_none();
                let frame = (!same).then_some(Frame {
                    full: false,
                    cols: now.size.cols,
                    rows: now.size.rows,
                    cursor: now.cursor,
                    history: now.history,
                    modes,
                    title,
                    changed,
                });
                (frame, now)
            }
            _ => {
                self.marks = screen.rows_formatted(0, size.cols).map(Some).collect();
                let now = styled_with(terminal, rows(screen));
                let frame = Frame {
                    full: true,
                    cols: now.size.cols,
                    rows: now.size.rows,
                    cursor: now.cursor,
                    history: now.history,
                    modes: Some(now.modes),
                    title: Some(now.title.clone()),
                    changed: (0u16..).zip(now.rows.iter().cloned()).collect(),
                };
                (Some(frame), now)
            }
        };
        self.last = Some(now);
        frame
    }

    /// The client must get the whole screen next (it showed the session again, or anew).
    pub fn forget(&mut self) {
        self.last = None;
    }

    /// Marks every row again; the rows whose mark moved are to be read.
    fn remark(&mut self, screen: &vt100::Screen) -> Vec<u16> {
        let cols = screen.size().1.get();
        let mut moved = Vec::new();
        for ((i, mark), was) in (0u16..)
            .zip(screen.rows_formatted(0, cols))
            .zip(&mut self.marks)
        {
            if was.as_ref() != Some(&mark) {
                moved.push(i);
                *was = Some(mark);
            }
        }
        moved
    }

    /// `rows` are to be read; their marks no longer say what they hold.
    fn unmark(&mut self, rows: Vec<u16>) -> Vec<u16> {
        for i in &rows {
            if let Some(mark) = self.marks.get_mut(usize::from(*i)) {
                *mark = None;
            }
        }
        rows
    }
}

/// Reads `candidates` into `kept`; returns those that read differently.
fn changed_rows(screen: &vt100::Screen, candidates: Vec<u16>, kept: &mut [Row]) -> Vec<(u16, Row)> {
    let cols = screen.size().1.get();
    let mut changed = Vec::new();
    for i in candidates {
        let Some(slot) = kept.get_mut(usize::from(i)) else {
            continue;
        };
        let row = row(screen, i, cols);
        if *slot != row {
            changed.push((i, row.clone()));
            *slot = row;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::TerminalSize;

    #[test]
    fn the_first_frame_is_full_then_only_changed_rows() {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 5 }, 100);
        t.process(b"one\r\ntwo");
        let mut sent = Sent::default();
        let first = sent.frame(&t).unwrap();
        assert!(first.full && first.modes.is_some() && first.title.is_some());
        assert_eq!(first.changed.len(), 5);
        assert_eq!(sent.frame(&t), None, "nothing changed");
        t.process(b"\r\nthree");
        let next = sent.frame(&t).unwrap();
        assert!(!next.full && next.modes.is_none() && next.title.is_none());
        assert_eq!(next.changed.len(), 1);
        assert_eq!(next.changed[0].0, 2);
        assert_eq!(next.cursor.row, 2);
        t.process(b"\x1b[?2004h");
        let modes = sent.frame(&t).unwrap();
        assert!(
            modes.modes.unwrap().bracketed_paste,
            "a mode change is a frame"
        );
        t.resize(TerminalSize { cols: 20, rows: 6 });
        assert!(sent.frame(&t).unwrap().full, "resized");
        sent.forget();
        assert!(sent.frame(&t).unwrap().full);
    }

    #[test]
    fn a_row_whose_colour_alone_changed_is_sent_and_untouched_rows_are_not() {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 4 }, 100);
        t.process(b"plain\r\nred\r\nkept");
        let mut sent = Sent::default();
        sent.frame(&t).unwrap();
        // Row 1 written again in red: the same text, another colour.
        t.process(b"\x1b[2;1H\x1b[31mred\x1b[0m");
        let next = sent.frame(&t).unwrap();
        let rows: Vec<u16> = next.changed.iter().map(|(i, _)| *i).collect();
        assert_eq!(rows, [1]);
        assert_eq!(
            next.changed[0].1[0].fg,
            Some(crate::screen::styled::Colour::Index(1))
        );
        // The same text and colour written over it again: nothing to send.
        t.process(b"\x1b[2;1H\x1b[31mred\x1b[0m");
        assert_eq!(sent.frame(&t), None);
    }

    #[test]
    fn a_row_an_echo_changed_and_a_redraw_changed_back_is_sent_both_times() {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 3 }, 100);
        t.process(b"$ ");
        let mut sent = Sent::default();
        sent.frame(&t).unwrap();
        t.process(b"a");
        assert_eq!(sent.frame(&t).unwrap().changed[0].1, rows(t.screen())[0]);
        // Back to what the row was when last marked: its mark must not pass for unchanged.
        t.process(b"\x08\x1b[K");
        let erased = sent.frame(&t).unwrap();
        assert_eq!(erased.changed, [(0, rows(t.screen())[0].clone())]);
    }

    /// Pieces of output that move, wrap, scroll, erase, colour and split sequences.
    fn piece() -> impl proptest::strategy::Strategy<Value = &'static [u8]> {
        proptest::sample::select(vec![
            &b"a"[..],
            b"xyz",
            b"\r\n",
            b"\x08",
            b"\x1b[K",
            b"\x1b[2J",
            b"\x1b[31m",
            b"\x1b[",
            b"1C",
            b"\x1b[H",
            b"\x1b[S",
            "\u{e9}".as_bytes(),
            &"\u{e9}".as_bytes()[..1],
            b"\x1b]0;t\x07",
        ])
    }

    proptest::proptest! {
        /// Whatever the output and whenever frames are taken, a client that applies every
        /// frame shows the terminal's screen.
        #[test]
        fn a_client_applying_every_frame_shows_the_screen(
            chunks in proptest::collection::vec(
                (proptest::collection::vec(piece(), 1..4), proptest::bool::ANY),
                1..40,
            )
        ) {
            let mut t = Terminal::new(TerminalSize { cols: 6, rows: 3 }, 10);
            let mut sent = Sent::default();
            let mut shown: Vec<Row> = Vec::new();
            for (pieces, take_frame) in chunks {
                t.process(&pieces.concat());
                if !take_frame {
                    continue;
                }
                if let Some(frame) = sent.frame(&t) {
                    if frame.full {
                        shown = vec![Row::default(); usize::from(frame.rows)];
                    }
                    for (i, row) in frame.changed {
                        shown[usize::from(i)] = row;
                    }
                }
                proptest::prop_assert_eq!(&shown, &rows(t.screen()));
            }
        }
    }
}

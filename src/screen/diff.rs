//! What one client is sent of one session's screen: every row the first time (or after a
//! resize), then only the rows that changed since what it was last sent — diffed against that,
//! not against the previous frame drawn, so frames a client never got cost it nothing.

use serde::{Deserialize, Serialize};

use crate::screen::styled::{Cursor, Modes, Row, Styled, row, rows, styled_with};
use crate::session::Terminal;

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

/// What a client was last sent of one session's screen, and each of its rows' marks: the row
/// as vt100 itself would redraw it. A mark costs about half of reading a row's cells one by
/// one, so every row is marked and only the rows whose mark moved are read cell by cell (an
/// echo reads one row, not the screen).
#[derive(Debug, Default)]
pub struct Sent {
    last: Option<Styled>,
    marks: Vec<String>,
}

impl Sent {
    /// The frame that brings the client from what it was sent to `terminal`'s screen; `None`
    /// when nothing changed. Records the screen as sent.
    pub fn frame(&mut self, terminal: &Terminal) -> Option<Frame> {
        let size = terminal.size();
        let screen = terminal.screen();
        let marks: Vec<String> = screen.rows_formatted(0, size.cols).collect();
        let (frame, now) = match self.last.take() {
            Some(last) if last.size == size && self.marks.len() == marks.len() => {
                let Styled {
                    rows: mut kept,
                    cursor,
                    modes,
                    title,
                    history,
                    ..
                } = last;
                let changed = changed_rows(screen, &marks, &self.marks, &mut kept);
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
        self.marks = marks;
        frame
    }

    /// The client must get the whole screen next (it showed the session again, or anew).
    pub fn forget(&mut self) {
        self.last = None;
    }
}

/// Reads the rows whose mark moved into `kept`; returns those that read differently.
fn changed_rows(
    screen: &vt100::Screen,
    marks: &[String],
    was: &[String],
    kept: &mut [Row],
) -> Vec<(u16, Row)> {
    let cols = screen.size().1.get();
    let mut changed = Vec::new();
    for ((i, mark), was) in (0u16..).zip(marks).zip(was) {
        if mark == was {
            continue;
        }
        let row = row(screen, i, cols);
        let slot = &mut kept[usize::from(i)];
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
}

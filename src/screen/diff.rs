//! What one client is sent of one session's screen: every row the first time (or after a
//! resize), then only the rows that changed since what it was last sent — diffed against that,
//! not against the previous frame drawn, so frames a client never got cost it nothing.

use serde::{Deserialize, Serialize};

use crate::screen::styled::{Cursor, Modes, Row, Styled};

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

/// What a client was last sent of one session's screen.
#[derive(Debug, Default)]
pub struct Sent {
    last: Option<Styled>,
}

impl Sent {
    /// The frame that brings the client from what it was sent to `now`; `None` when nothing
    /// changed. Records `now` as sent.
    pub fn frame(&mut self, now: Styled) -> Option<Frame> {
        let frame = match &self.last {
            Some(last) if last.size == now.size => {
                let changed: Vec<(u16, Row)> = (0u16..)
                    .zip(&now.rows)
                    .zip(&last.rows)
                    .filter(|((_, new), old)| new != old)
                    .map(|((i, new), _)| (i, new.clone()))
                    .collect();
                let modes = (last.modes != now.modes).then_some(now.modes);
                let title = (last.title != now.title).then(|| now.title.clone());
                if changed.is_empty()
                    && last.cursor == now.cursor
                    && last.history == now.history
                    && modes.is_none()
                    && title.is_none()
                {
                    return None;
                }
                Frame {
                    full: false,
                    cols: now.size.cols,
                    rows: now.size.rows,
                    cursor: now.cursor,
                    history: now.history,
                    modes,
                    title,
                    changed,
                }
            }
            _ => Frame {
                full: true,
                cols: now.size.cols,
                rows: now.size.rows,
                cursor: now.cursor,
                history: now.history,
                modes: Some(now.modes),
                title: Some(now.title.clone()),
                changed: (0u16..).zip(now.rows.iter().cloned()).collect(),
            },
        };
        self.last = Some(now);
        Some(frame)
    }

    /// The client must get the whole screen next (it showed the session again, or anew).
    pub fn forget(&mut self) {
        self.last = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screen::styled::styled;
    use crate::session::{Terminal, TerminalSize};

    #[test]
    fn the_first_frame_is_full_then_only_changed_rows() {
        let mut t = Terminal::new(TerminalSize { cols: 20, rows: 5 }, 100);
        t.process(b"one\r\ntwo");
        let mut sent = Sent::default();
        let first = sent.frame(styled(&t)).unwrap();
        assert!(first.full && first.modes.is_some() && first.title.is_some());
        assert_eq!(first.changed.len(), 5);
        assert_eq!(sent.frame(styled(&t)), None, "nothing changed");
        t.process(b"\r\nthree");
        let next = sent.frame(styled(&t)).unwrap();
        assert!(!next.full && next.modes.is_none() && next.title.is_none());
        assert_eq!(next.changed.len(), 1);
        assert_eq!(next.changed[0].0, 2);
        assert_eq!(next.cursor.row, 2);
        t.process(b"\x1b[?2004h");
        let modes = sent.frame(styled(&t)).unwrap();
        assert!(
            modes.modes.unwrap().bracketed_paste,
            "a mode change is a frame"
        );
        t.resize(TerminalSize { cols: 20, rows: 6 });
        assert!(sent.frame(styled(&t)).unwrap().full, "resized");
        sent.forget();
        assert!(sent.frame(styled(&t)).unwrap().full);
    }
}

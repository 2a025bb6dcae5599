//! A terminal's history: the rows that scrolled off the top of its screen, kept compactly.
//!
//! vt100 keeps 32 bytes a cell, so a 200-column row costs 6.4 KiB whatever it shows; 10 000
//! rows of history cost 64 MiB a session. Here a row is what vt100's "basic formatted" capture
//! writes for it: its text with its colours and attributes as SGR codes, which is a few bytes
//! more than the text, stored in compressed blocks (see `blocks.rs`). The live screen stays in
//! vt100; only rows that leave it come here.

use std::fmt;
use std::ops::Range;

use vt100::capture::{BasicFormattedCaptureState, RowContents};

use crate::session::blocks::Blocks;

/// Last byte of a stored row: whether the row ended its line or the line went on in the next
/// row (it was wrapped). Neither can occur in a row's text, which holds printable characters
/// and escape codes only.
const ENDS_LINE: u8 = b'\n';
const WRAPPED: u8 = b'\r';

/// One row of history as stored: its formatted text, and whether it wrapped into the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Row<'a> {
    /// Text with SGR codes, starting from default attributes; trailing blanks left out.
    pub formatted: &'a str,
    pub wrapped: bool,
}

impl Row<'_> {
    /// The row's text without its codes.
    pub fn plain(&self) -> String {
        vt100::capture::basic_formatted_to_plain(self.formatted).collect()
    }
}

#[derive(Default, Clone)]
pub struct History {
    rows: Blocks,
    capacity: usize,
    /// Widest screen any row was pushed from: a view of the history needs this many columns
    /// to show every row without wrapping it.
    widest: u16,
}

impl History {
    /// A history that keeps the newest `capacity` rows.
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ..Self::default()
        }
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// Rows kept at most.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    pub fn widest(&self) -> u16 {
        self.widest
    }

    /// Keeps a row that left a screen `cols` wide, dropping the oldest past the capacity.
    pub fn push(&mut self, row: &RowContents<'_>, cols: u16) {
        if self.capacity == 0 {
            return;
        }
        self.widest = self.widest.max(cols);
        self.rows.push_with(|buf| {
            let mut state = BasicFormattedCaptureState::new();
            // Writing to a Vec cannot fail.
            let _ = row.write_formatted_basic(&mut Utf8Sink(buf), &mut state);
            buf.push(if wrapped(row, &mut state) {
                WRAPPED
            } else {
                ENDS_LINE
            });
        });
        if self.rows.len() > self.capacity {
            self.rows.pop_front();
        }
    }

    /// Forgets every row; the capacity stays.
    pub fn clear(&mut self) {
        self.rows.clear();
        self.widest = 0;
    }

    /// Calls `f` with each kept row in `range` (0 is the oldest), oldest first.
    pub fn for_each(&self, range: Range<usize>, mut f: impl FnMut(usize, Row<'_>)) {
        self.rows.for_each(range, |i, bytes| {
            let (text, last) = bytes.split_at(bytes.len().saturating_sub(1));
            // Rows are written from `&str`s, and blocks return what they were given.
            let formatted = std::str::from_utf8(text).unwrap_or_default();
            let wrapped = last == [WRAPPED];
            f(i, Row { formatted, wrapped });
        });
    }

    /// Heap bytes the history holds.
    pub fn heap_bytes(&self) -> usize {
        self.rows.heap_bytes()
    }
}

/// Whether `row` wrapped into the next one. vt100 does not say so directly; it tells the
/// capture that follows a row to start with a newline unless the row wrapped. So this asks for
/// a second capture after the first, and stops it at its first character.
fn wrapped(row: &RowContents<'_>, state: &mut BasicFormattedCaptureState) -> bool {
    struct FirstChar(Option<char>);
    impl fmt::Write for FirstChar {
        fn write_str(&mut self, s: &str) -> fmt::Result {
            self.0 = self.0.or(s.chars().next());
            Err(fmt::Error)
        }
    }
    let mut first = FirstChar(None);
    let _ = row.write_formatted_basic(&mut first, state);
    first.0 != Some('\n')
}

/// `fmt::Write` into a byte buffer, for vt100's capture.
struct Utf8Sink<'a>(&'a mut Vec<u8>);

impl fmt::Write for Utf8Sink<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

//! History captured later, or never, while output floods in.
//!
//! vt100 hands every row that scrolls off to `on_scroll`, and capturing it (`History::push`)
//! walks all of the row's cells: about a microsecond at 200 columns. `yes` scrolls a row every
//! three bytes, so capturing at once held a flood to a sixth of vt100's own speed.
//!
//! So while output floods in (on the server, once a session's output queues up on its parse thread,
//! see `parse_pool.rs`; in the TUI, for every pane outside scroll mode), the terminal keeps the
//! bytes it parses in segments, each with a copy of the screen it began at, and only counts the
//! rows that scroll off. When the output has paused for [`SETTLE_AFTER`], each segment's bytes are
//! parsed again from its screen with capture on, which yields the same rows; a reader in the
//! meantime gets a copy captured the same way.
//! A segment whose rows the history would drop anyway (the segments after it hold a whole
//! history's worth) is forgotten without being parsed again.
//!
//! Invariants:
//! - A segment begins right after a line feed, where the parser is between escape sequences,
//!   so parsing its bytes again starts in the state the live parser was in. (A line feed
//!   inside an OSC or DCS string would break this; programs do not put them there.)
//! - Rows are captured straight into the history only while no segment is open, so the
//!   history's rows stay in the order they scrolled off.
//! - Nothing changes the screen outside of parsed bytes while a segment is open: a resize
//!   settles first, and a parser rebuilt after a panic drops the counted rows with the state
//!   they came from.

use std::collections::VecDeque;
use std::time::Duration;

use crate::session::history::History;

/// How long a session's output pauses before its deferred rows are captured: longer than a
/// flood's pauses between reads, short enough that a reader seldom finds rows uncaptured (it
/// then captures a copy itself).
pub const SETTLE_AFTER: Duration = Duration::from_millis(50);

/// Bytes after which a segment is full, even if few rows scrolled: what parsing it again may
/// cost, and what it holds while it waits.
const SEGMENT_BYTES: usize = 1 << 20;

/// Segments kept at most. Output that scrolls little (a full-screen program redrawing) fills
/// segments by bytes; past this many, the oldest is captured at once.
const MAX_SEGMENTS: usize = 4;

/// Output parsed while its rows were only counted, from the screen it began at.
struct Segment {
    start: vt100::Screen,
    bytes: Vec<u8>,
    /// Rows that scrolled off the primary screen while these bytes were parsed.
    rows: usize,
}

#[derive(Default)]
pub(super) struct Deferred {
    segments: VecDeque<Segment>,
}

impl Deferred {
    /// Whether rows that scroll off now are to be counted rather than captured.
    pub(super) fn is_open(&self) -> bool {
        !self.segments.is_empty()
    }

    /// Rows counted and not yet captured.
    pub(super) fn rows(&self) -> usize {
        self.segments.iter().map(|s| s.rows).sum()
    }

    /// Heap bytes the segments hold: their bytes and their screens' cells.
    pub(super) fn heap_bytes(&self) -> usize {
        let cell = 32;
        self.segments
            .iter()
            .map(|s| {
                let (rows, cols) = s.start.size();
                s.bytes.capacity() + usize::from(rows.get()) * usize::from(cols.get()) * cell
            })
            .sum()
    }

    /// Whether the next line end should begin a new segment.
    pub(super) fn wants_segment(&self, capacity: usize) -> bool {
        self.segments
            .back()
            .is_none_or(|s| s.rows >= capacity || s.bytes.len() >= SEGMENT_BYTES)
    }

    /// Notes bytes just parsed and the rows they scrolled off.
    pub(super) fn parsed(&mut self, bytes: &[u8], rows: usize) {
        if let Some(open) = self.segments.back_mut() {
            open.bytes.extend_from_slice(bytes);
            open.rows += rows;
        }
    }

    /// Begins a segment at `start`, the live screen right after a line feed. Forgets the
    /// oldest segments (and the rows captured before them, which are older still) once the
    /// newer ones hold `capacity` rows, and captures the oldest into `history` past
    /// [`MAX_SEGMENTS`].
    pub(super) fn begin(&mut self, start: vt100::Screen, history: &mut History) {
        self.segments.push_back(Segment {
            start,
            bytes: Vec::new(),
            rows: 0,
        });
        let capacity = history.capacity();
        let mut newer: usize = self.segments.iter().skip(1).map(|s| s.rows).sum();
        while self.segments.len() > 1 && newer >= capacity {
            self.segments.pop_front();
            history.clear();
            newer -= self.segments.front().map_or(0, |s| s.rows);
        }
        while self.segments.len() > MAX_SEGMENTS {
            if let Some(oldest) = self.segments.pop_front() {
                capture(oldest.start, &oldest.bytes, history);
            }
        }
    }

    /// Captures every counted row into `history`, oldest first, and closes the segments.
    pub(super) fn settle(&mut self, history: &mut History) {
        for segment in self.segments.drain(..) {
            capture(segment.start, &segment.bytes, history);
        }
    }

    pub(super) fn clear(&mut self) {
        self.segments.clear();
    }

    /// The history as it will be once settled, built aside: for a reader that cannot wait.
    pub(super) fn settled_copy(&self, history: &History) -> History {
        let mut copy = history.clone();
        for segment in &self.segments {
            capture(segment.start.clone(), &segment.bytes, &mut copy);
        }
        copy
    }
}

/// Parses `bytes` again from the screen `start`, capturing into `history` the rows they
/// scroll off.
fn capture(start: vt100::Screen, bytes: &[u8], history: &mut History) {
    let (rows, cols) = start.size();
    let callbacks = Capture {
        history: std::mem::take(history),
        cols: cols.get(),
    };
    let mut parser = vt100::Parser::new_with_callbacks(rows, cols, 0, callbacks);
    *parser.screen_mut() = start;
    // The live parser took these bytes from this very state without panicking; should vt100
    // disagree with itself, the rows captured so far are kept.
    let replayed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| parser.process(bytes)));
    if replayed.is_err() {
        tracing::error!("parsing a flood's output again for its history panicked");
    }
    *history = std::mem::take(&mut parser.callbacks_mut().history);
}

/// The callbacks of a parser that only captures rows.
struct Capture {
    history: History,
    cols: u16,
}

impl vt100::Callbacks for Capture {
    fn on_scroll(&mut self, row: vt100::capture::RowContents<'_>, alternate_screen: bool) {
        if !alternate_screen {
            self.history.push(&row, self.cols);
        }
    }
}

impl super::Terminal {
    /// From now on, the rows that scroll off may be captured later (see the module
    /// documentation): the parse thread asks for this once the session's output queues up,
    /// and settles the history when the session has been quiet for a moment.
    pub fn defer_history(&mut self) {
        self.deferring = true;
    }

    /// Whether rows may be waiting to be captured: a settle is due.
    pub fn history_deferred(&self) -> bool {
        self.deferring
    }

    /// Captures the rows counted while deferring, and stops deferring. Rows scrolled off
    /// outside of parsing from here on (a resize's) are captured at once.
    pub fn settle_history(&mut self) {
        self.deferring = false;
        let host = self.parser.callbacks_mut();
        self.deferred.settle(&mut host.history);
        host.counting = false;
    }

    /// Parses `bytes`; while deferring, a segment begins at their first line end if one is due.
    pub(super) fn feed(&mut self, bytes: &[u8]) {
        let capacity = self.parser.callbacks().history.capacity();
        let mut rest = bytes;
        let due = self.deferring && capacity > 0 && self.deferred.wants_segment(capacity);
        if let Some(at) = memchr::memchr(b'\n', rest).filter(|_| due) {
            let (head, tail) = rest.split_at(at + 1);
            self.parse(head);
            let start = self.parser.screen().clone();
            let host = self.parser.callbacks_mut();
            self.deferred.begin(start, &mut host.history);
            rest = tail;
        }
        self.parse(rest);
    }

    fn parse(&mut self, bytes: &[u8]) {
        // Rows are counted exactly while a segment is open to count them in.
        self.parser.callbacks_mut().counting = self.deferred.is_open();
        self.parser.process(bytes);
        let rows = std::mem::take(&mut self.parser.callbacks_mut().scrolled);
        self.deferred.parsed(bytes, rows);
    }

    /// Forgets the history, counted rows included.
    pub(super) fn erase_history(&mut self) {
        self.deferred.clear();
        self.parser.callbacks_mut().history.clear();
    }
}

#[cfg(test)]
mod tests {
    use crate::session::config::TerminalSize;
    use crate::session::terminal::Terminal;

    fn term(scrollback: usize) -> Terminal {
        Terminal::new(TerminalSize { cols: 30, rows: 6 }, scrollback)
    }

    /// Numbered lines in changing colours, some too long for a row, with a title and a
    /// cursor-position query thrown in.
    fn output(lines: std::ops::Range<usize>) -> Vec<u8> {
        let mut out = Vec::new();
        for i in lines {
            let wide = if i % 7 == 0 {
                "-".repeat(40)
            } else {
                String::new()
            };
            let text = format!("\x1b[3{}mline {i}\x1b[m {wide}\r\n", i % 8);
            out.extend_from_slice(text.as_bytes());
            if i % 50 == 0 {
                out.extend_from_slice(b"\x1b]0;title\x07\x1b[6n");
            }
        }
        out
    }

    fn history_of(t: &Terminal) -> String {
        let mut out = String::new();
        t.write_history(&mut out);
        out
    }

    /// Feeds `bytes` in chunks of `chunk`, deferring the history from a chunk `defer` says
    /// so for, and settling it before one it does not, as the parse thread would after a
    /// quiet moment.
    fn feed(t: &mut Terminal, bytes: &[u8], chunk: usize, defer: impl Fn(usize) -> bool) {
        for (i, piece) in bytes.chunks(chunk).enumerate() {
            if defer(i) {
                t.defer_history();
            } else {
                t.settle_history();
            }
            t.process(piece);
        }
    }

    #[test]
    fn rows_captured_later_are_the_rows_captured_at_once() {
        let bytes = output(0..3000);
        let mut direct = term(1000);
        feed(&mut direct, &bytes, 777, |_| false);
        for chunk in [1, 64, 777, 5000] {
            let mut later = term(1000);
            feed(&mut later, &bytes, chunk, |i| i % 97 != 0);
            assert_eq!(
                later.history_len(),
                direct.history_len(),
                "chunks of {chunk}"
            );
            assert_eq!(history_of(&later), history_of(&direct), "chunks of {chunk}");
            later.settle_history();
            assert_eq!(history_of(&later), history_of(&direct), "chunks of {chunk}");
            assert_eq!(later.lines(), direct.lines());
        }
    }

    #[test]
    fn a_flood_keeps_its_newest_rows_without_capturing_the_rest() {
        let bytes = output(0..50_000);
        let mut t = term(2000);
        feed(&mut t, &bytes, 4096, |_| true);
        assert_eq!(t.history_len(), 2000);
        assert!(
            t.deferred.segments.len() <= 3,
            "{} segments",
            t.deferred.segments.len()
        );
        t.settle_history();
        let lines = t.lines_with_history();
        assert_eq!(lines.len(), 2006);
        // 50 000 lines, the last one's line end leaving an empty row: 2005 rows of text
        // above it, the oldest 47 995 (wrapped ones take two rows).
        assert_eq!(lines.last().map(String::as_str), Some(""));
        assert_eq!(lines[lines.len() - 2], "line 49999");
        let mut direct = term(2000);
        feed(&mut direct, &bytes, 4096, |_| false);
        assert_eq!(t.lines_with_history(), direct.lines_with_history());
    }

    #[test]
    fn a_resize_or_an_erase_while_deferring_keeps_the_rows_in_order() {
        let mut direct = term(500);
        let mut later = term(500);
        let smaller = TerminalSize { cols: 20, rows: 4 };
        for (t, deferring) in [(&mut direct, false), (&mut later, true)] {
            feed(t, &output(0..300), 100, |_| deferring);
            t.resize(smaller);
            feed(t, &output(300..600), 100, |_| deferring);
        }
        assert_eq!(history_of(&later), history_of(&direct));

        feed(&mut later, &output(600..700), 100, |_| true);
        later.process(b"\x1b[3J");
        assert_eq!(later.history_len(), 0);
        feed(&mut later, &output(700..720), 100, |_| true);
        later.settle_history();
        // What the 4-row screen showed at the erase scrolled off after it.
        let lines = later.lines_with_history();
        assert_eq!(lines[0], "line 697", "{lines:?}");
    }

    #[test]
    fn the_alternate_screen_adds_no_history_while_deferring() {
        let mut t = term(100);
        feed(&mut t, b"\x1b[?1049h", 100, |_| true);
        feed(&mut t, &output(0..200), 100, |_| true);
        feed(&mut t, b"\x1b[?1049l", 100, |_| false);
        assert_eq!(t.history_len(), 0);
    }
}

//! Which of the screen's rows may have changed since a given moment, so that whoever diffs the
//! screen (a client's frames) reads only those rows, not all of them.
//!
//! vt100 keeps no such record, so it is worked out from what is known of each chunk, and only
//! one case is narrowed: a chunk of printable ASCII, fed to a parser in its ground state, that
//! moved the cursor right by exactly its own length without reaching the last column. Such a
//! chunk printed its characters in the cursor's row and did nothing else (no wrap, no scroll,
//! no sequence it could have finished). That is a key's echo, the case that has to be fast;
//! every other chunk may have changed every row.

/// A moment in a terminal's life: it moves on with every chunk parsed and every resize.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default)]
pub struct Revision(u64);

/// The rows that may have changed since a revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangedRows {
    All,
    Rows(Vec<u16>),
}

/// How far the parser's state after a chunk is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ParserState {
    /// Between sequences and characters: the next printable byte prints.
    Ground,
    /// Possibly inside a sequence or a character.
    Unknown,
}

#[derive(Debug)]
pub(super) struct Damage {
    now: Revision,
    /// The last revision that may have changed any row.
    all: Revision,
    /// Per row, the last revision that changed that row alone.
    rows: Vec<Revision>,
    parser: ParserState,
}

impl Damage {
    pub(super) fn new(rows: u16) -> Self {
        Self {
            now: Revision(0),
            all: Revision(0),
            rows: vec![Revision(0); usize::from(rows)],
            parser: ParserState::Ground,
        }
    }

    pub(super) fn now(&self) -> Revision {
        self.now
    }

    /// Records a chunk the parser was fed (`bytes`, as it saw them), given the cursor's
    /// `(row, col)` before and after it on a screen `cols` wide.
    pub(super) fn parsed(
        &mut self,
        bytes: &[u8],
        before: (u16, u16),
        after: (u16, u16),
        cols: u16,
    ) {
        if bytes.is_empty() {
            return;
        }
        let (row, col) = before;
        // The cursor checks first: a flood's chunks fail them without being read through.
        let printed_in_place = self.parser == ParserState::Ground
            && usize::from(col) + bytes.len() < usize::from(cols)
            && after == (row, col + bytes.len() as u16)
            && bytes.iter().all(|b| (0x20..=0x7e).contains(b));
        self.parser = state_after(self.parser, bytes);
        match self
            .rows
            .get_mut(usize::from(row))
            .filter(|_| printed_in_place)
        {
            Some(slot) => {
                self.now.0 += 1;
                *slot = self.now;
            }
            None => self.everything(self.rows.len() as u16),
        }
    }

    /// Every row may have changed (a resize, a rebuilt parser, a chunk not narrowed).
    pub(super) fn everything(&mut self, rows: u16) {
        self.now.0 += 1;
        self.all = self.now;
        self.rows.resize(usize::from(rows), self.now);
    }

    /// A parser rebuilt from nothing starts in its ground state.
    pub(super) fn parser_rebuilt(&mut self, rows: u16) {
        self.everything(rows);
        self.parser = ParserState::Ground;
    }

    pub(super) fn since(&self, seen: Revision) -> ChangedRows {
        if self.all > seen {
            return ChangedRows::All;
        }
        ChangedRows::Rows(
            (0u16..)
                .zip(&self.rows)
                .filter(|(_, changed)| **changed > seen)
                .map(|(i, _)| i)
                .collect(),
        )
    }
}

/// How many bytes after a chunk's last `ESC` are looked at to find where its sequence ends;
/// a longer one (a long title, say) leaves the state unknown, which only costs the narrowing.
const SEQUENCE_LOOKAHEAD: usize = 256;

/// The parser's state after `bytes`, given its state before them. `ESC` leaves any state for
/// the escape state, and in the ground state only `ESC` leaves it, so the state after a chunk
/// is decided by what follows its last `ESC`, or is the state before when it has none.
fn state_after(before: ParserState, bytes: &[u8]) -> ParserState {
    if ends_inside_a_character(bytes) {
        return ParserState::Unknown;
    }
    let Some(at) = memchr::memrchr(0x1b, bytes) else {
        return before;
    };
    let tail = &bytes[at..];
    let mut watch = SequenceEnd::default();
    let mut parser = vte::Parser::new();
    parser.advance(&mut watch, &tail[..tail.len().min(SEQUENCE_LOOKAHEAD)]);
    if watch.ended {
        ParserState::Ground
    } else {
        ParserState::Unknown
    }
}

/// The chunk's last bytes begin a UTF-8 character they do not finish.
fn ends_inside_a_character(bytes: &[u8]) -> bool {
    let tail = &bytes[bytes.len().saturating_sub(3)..];
    match tail.iter().rposition(|b| *b >= 0xc0) {
        Some(lead) => {
            let needs = match tail[lead] {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                _ => 4,
            };
            tail.len() - lead < needs
        }
        None => false,
    }
}

/// Sees whether a sequence that begins with `ESC` ended (was dispatched) and left the parser
/// in its ground state; a `DCS` string that began after it has not (it is hooked, not
/// dispatched, and ends only at an `ESC` or a `CAN`).
#[derive(Default)]
struct SequenceEnd {
    ended: bool,
}

impl vte::Perform for SequenceEnd {
    fn esc_dispatch(&mut self, _: &[u8], _: bool, _: u8) {
        self.ended = true;
    }

    fn csi_dispatch(&mut self, _: &vte::Params, _: &[u8], _: bool, _: char) {
        self.ended = true;
    }

    fn osc_dispatch(&mut self, _: &[&[u8]], _: bool) {
        self.ended = true;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn damage() -> Damage {
        Damage::new(5)
    }

    #[test]
    fn an_echo_changes_only_the_cursor_row() {
        let mut d = damage();
        let seen = d.now();
        d.parsed(b"ab", (2, 4), (2, 6), 20);
        assert_eq!(d.since(seen), ChangedRows::Rows(vec![2]));
        assert_eq!(d.since(d.now()), ChangedRows::Rows(vec![]));
    }

    #[test]
    fn controls_wraps_and_short_advances_may_change_every_row() {
        for (bytes, before, after) in [
            (&b"a\r\n"[..], (2, 4), (3, 0)),
            (b"abc", (2, 18), (3, 1)),
            (b"ab", (4, 18), (4, 19)),
            (b"ab", (4, 3), (4, 4)),
            (b"2J", (2, 4), (2, 4)),
            (b"\x1b[Kx", (2, 4), (2, 5)),
        ] {
            let mut d = damage();
            let seen = d.now();
            d.parsed(bytes, before, after, 20);
            assert_eq!(d.since(seen), ChangedRows::All, "{bytes:?}");
        }
    }

    #[test]
    fn printable_bytes_after_an_unfinished_sequence_may_change_every_row() {
        let mut d = damage();
        d.parsed(b"\x1b[", (0, 0), (0, 0), 20);
        let seen = d.now();
        d.parsed(b"1C", (0, 0), (0, 2), 20);
        assert_eq!(d.since(seen), ChangedRows::All);
        d.parsed(b"x", (0, 2), (0, 3), 20);
        assert_eq!(d.since(d.now()), ChangedRows::Rows(vec![]));
    }

    #[test]
    fn a_finished_sequence_leaves_the_next_echo_narrow() {
        for finished in [
            &b"\x1b[?2004h"[..],
            b"\x1b]0;title\x07",
            b"\x1b(B",
            b"\x1bP1$r\x1b\\",
        ] {
            let mut d = damage();
            d.parsed(finished, (1, 0), (1, 0), 20);
            let seen = d.now();
            d.parsed(b"x", (1, 0), (1, 1), 20);
            assert_eq!(d.since(seen), ChangedRows::Rows(vec![1]), "{finished:?}");
        }
        let mut d = damage();
        d.parsed(b"\x1bP1$r", (1, 0), (1, 0), 20);
        let seen = d.now();
        d.parsed(b"x", (1, 0), (1, 1), 20);
        assert_eq!(d.since(seen), ChangedRows::All, "inside a DCS string");
    }

    #[test]
    fn a_chunk_that_ends_inside_a_character_leaves_the_next_one_unnarrowed() {
        let mut d = damage();
        d.parsed("é".as_bytes().split_at(1).0, (1, 0), (1, 0), 20);
        let seen = d.now();
        d.parsed(b"x", (1, 0), (1, 1), 20);
        assert_eq!(d.since(seen), ChangedRows::All);
    }

    #[test]
    fn everything_covers_rows_a_resize_adds() {
        let mut d = damage();
        let seen = d.now();
        d.everything(8);
        assert_eq!(d.since(seen), ChangedRows::All);
        d.parsed(b"x", (7, 0), (7, 1), 20);
        assert_eq!(d.since(d.now()), ChangedRows::Rows(vec![]));
    }
}

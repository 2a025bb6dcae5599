//! The terminal's input bytes as events: keys, mouse reports, pastes, focus changes.
//!
//! The TUI reads its terminal itself and decodes here, rather than through crossterm's
//! reader, because crossterm takes `CSI 1 ; m R` for a cursor position report and keeps it
//! from the caller: Shift-F3, Ctrl-F3 and the like never arrived. ccmux never asks the
//! terminal where its cursor is, so here every `CSI 1 ; m R` is F3 with modifiers.
//!
//! The sequences are xterm's (what xterm, tmux and the common emulators send with mouse
//! reporting, bracketed paste and focus events on, and no keyboard protocol extension);
//! a sequence this decoder does not know is consumed and dropped whole.

mod csi;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};

/// Held input is bounded: an unfinished sequence longer than this is not a sequence, and a
/// paste longer than this is handed on in parts.
pub const HELD_LIMIT: usize = 1 << 20;

/// Whether more input was already waiting when the decoded bytes were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Waiting {
    /// More bytes are waiting: a lone ESC at the end starts a sequence.
    More,
    /// Nothing more was waiting: a lone ESC at the end is the Esc key.
    Nothing,
}

/// What the bytes at the start of the buffer are.
#[derive(Debug, PartialEq)]
enum Step {
    /// An event, and how many bytes it took.
    Event(Event, usize),
    /// A sequence decoded to nothing (unknown, or not input): drop this many bytes.
    Skip(usize),
    /// The start of a sequence whose rest has not been read yet.
    Unfinished,
}

/// Whether an unfinished sequence may still be finished by input to come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    Open,
    /// No more input came in time: what is held is keys as they stand.
    Closed,
}

/// Turns the terminal's input bytes into events, holding a sequence split across reads.
#[derive(Debug, Default)]
pub struct InputDecoder {
    held: Vec<u8>,
}

impl InputDecoder {
    /// The events in `bytes` (after what was held), holding back an unfinished sequence.
    pub fn decode(&mut self, bytes: &[u8], waiting: Waiting) -> Vec<Event> {
        self.held.extend_from_slice(bytes);
        let mut events = Vec::new();
        let mut at = 0;
        while at < self.held.len() {
            let rest = &self.held[at..];
            let step = match (rest, waiting) {
                ([0x1b], Waiting::Nothing) => Step::Event(key(KeyCode::Esc), 1),
                _ => step(rest, End::Open),
            };
            match step {
                Step::Event(event, used) => {
                    events.push(event);
                    at += used;
                }
                Step::Skip(used) => at += used,
                Step::Unfinished => break,
            }
        }
        self.held.drain(..at);
        // Only a paste is held this long (every other sequence is short): it is handed on
        // as far as it goes, and goes on.
        if self.held.len() > HELD_LIMIT {
            events.extend(self.paste_so_far());
        }
        events
    }

    /// Whether an unfinished sequence is held, to be flushed if nothing finishes it.
    pub fn holds(&self) -> bool {
        !self.held.is_empty()
    }

    /// Whether what is held is a paste, which may take longer to arrive than a key.
    pub fn holds_paste(&self) -> bool {
        self.held.starts_with(csi::PASTE_START)
    }

    /// No more input came: a paste ends where it stands, and anything else held is keys
    /// as typed (`ESC [` is Alt-[).
    pub fn flush(&mut self) -> Vec<Event> {
        if self.holds_paste() {
            let pasted = self.paste_so_far();
            self.held.clear();
            return pasted.into_iter().collect();
        }
        let mut events = Vec::new();
        let mut at = 0;
        while at < self.held.len() {
            match step(&self.held[at..], End::Closed) {
                Step::Event(event, used) => {
                    events.push(event);
                    at += used;
                }
                Step::Skip(used) => at += used,
                Step::Unfinished => at = self.held.len(),
            }
        }
        self.held.clear();
        events
    }

    /// The held paste's text so far, in whole characters, taken out of what is held.
    fn paste_so_far(&mut self) -> Option<Event> {
        let start = csi::PASTE_START.len();
        let text = self.held.get(start..)?;
        let whole = match std::str::from_utf8(text) {
            Err(cut) if cut.error_len().is_none() => cut.valid_up_to(),
            _ => text.len(),
        };
        let pasted = String::from_utf8_lossy(&text[..whole]).into_owned();
        self.held.drain(start..start + whole);
        Some(Event::Paste(pasted))
    }
}

/// Decodes the event at the start of `bytes`.
fn step(bytes: &[u8], end: End) -> Step {
    match bytes {
        [0x1b] => match end {
            End::Open => Step::Unfinished,
            End::Closed => Step::Event(key(KeyCode::Esc), 1),
        },
        [0x1b, b'[', ..] => match (csi::step(bytes), end) {
            (Step::Unfinished, End::Closed) => with_alt(step(&bytes[1..], end), 1),
            (step, _) => step,
        },
        [0x1b, b'O'] => match end {
            End::Open => Step::Unfinished,
            End::Closed => with_alt(Step::Event(char_key('O'), 1), 1),
        },
        [0x1b, b'O', last, ..] => match csi::letter_code(*last) {
            Some(code) => Step::Event(key(code), 3),
            None => Step::Skip(3),
        },
        // Esc, then whatever the second ESC starts (Esc pressed twice, or Esc then a key).
        [0x1b, 0x1b, ..] => Step::Event(key(KeyCode::Esc), 1),
        [0x1b, ..] => with_alt(step(&bytes[1..], end), 1),
        [first, ..] => plain(*first, bytes),
        [] => Step::Unfinished,
    }
}

/// A byte that starts no sequence: a control key or a character.
fn plain(first: u8, bytes: &[u8]) -> Step {
    let control = |c: char| Step::Event(Event::Key(KeyEvent::new(KeyCode::Char(c), ctrl())), 1);
    match first {
        b'\r' => Step::Event(key(KeyCode::Enter), 1),
        b'\t' => Step::Event(key(KeyCode::Tab), 1),
        0x7f => Step::Event(key(KeyCode::Backspace), 1),
        0 => control(' '),
        // In raw mode a newline is Ctrl-J, as every other control byte is its letter.
        0x01..=0x1a => control((first - 1 + b'a') as char),
        0x1c..=0x1f => control((first - 0x1c + b'4') as char),
        _ => utf8_char(bytes),
    }
}

/// The character at the start of `bytes`; a byte that cannot start one is dropped.
fn utf8_char(bytes: &[u8]) -> Step {
    let width = match bytes[0] {
        0x00..=0x7f => 1,
        0xc2..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf4 => 4,
        _ => return Step::Skip(1),
    };
    let Some(encoded) = bytes.get(..width) else {
        return Step::Unfinished;
    };
    match std::str::from_utf8(encoded)
        .ok()
        .and_then(|s| s.chars().next())
    {
        Some(c) => Step::Event(char_key(c), width),
        None => Step::Skip(1),
    }
}

/// Alt held: the key after an ESC, which took `extra` more bytes.
fn with_alt(step: Step, extra: usize) -> Step {
    match step {
        Step::Event(Event::Key(mut key), used) => {
            key.modifiers |= KeyModifiers::ALT;
            Step::Event(Event::Key(key), used + extra)
        }
        Step::Event(_, used) | Step::Skip(used) => Step::Skip(used + extra),
        Step::Unfinished => Step::Unfinished,
    }
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A typed character; an upper-case letter was typed with Shift.
fn char_key(c: char) -> Event {
    let modifiers = if c.is_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Event::Key(KeyEvent::new(KeyCode::Char(c), modifiers))
}

fn ctrl() -> KeyModifiers {
    KeyModifiers::CONTROL
}

#[cfg(test)]
mod tests;

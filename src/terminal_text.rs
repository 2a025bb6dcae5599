//! The one door from text that came from elsewhere (names, paths, reasons, screens, errors
//! naming them) to a terminal: [`inert`], and the printers every program of this binary
//! writes with (`terminal_text::out!`, `outln!`, `errln!`), which apply it whenever their stream is a
//! terminal. A pipe or a file gets the text as it is, for scripts.
//!
//! `tests/printers.rs` fails when code prints with `print!`/`println!`/`eprint!`/`eprintln!`
//! around them.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{IsTerminal, Write};

/// `text` made inert for a terminal: every C0 and C1 control but newline and tab, and DEL, is
/// written as an escape (`\e`, `\r`, `\x07`, `\u{9b}`), so nothing from elsewhere (a session's
/// output, a `project_path`, a hook's reason) can start an OSC or DCS sequence that sets the
/// clipboard, retitles the window or moves the cursor.
pub fn inert(text: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| c.is_control() && c != '\n' && c != '\t';
    if !text.chars().any(unsafe_char) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        match c {
            '\u{1b}' => out.push_str("\\e"),
            '\r' => out.push_str("\\r"),
            c if unsafe_char(c) && (c as u32) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if unsafe_char(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Where a program writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stream {
    Out,
    Err,
}

impl Stream {
    fn is_terminal(self) -> bool {
        match self {
            Self::Out => std::io::stdout().is_terminal(),
            Self::Err => std::io::stderr().is_terminal(),
        }
    }
}

/// `text` as it may go to `stream`: made inert when that is a terminal.
pub fn for_stream(stream: Stream, text: &str) -> Cow<'_, str> {
    if stream.is_terminal() {
        inert(text)
    } else {
        Cow::Borrowed(text)
    }
}

/// Writes `text` to `stream` (see [`for_stream`]). A closed pipe is not an error worth a
/// panic: the reader has gone.
pub fn write(stream: Stream, text: &str) {
    let shown = for_stream(stream, text);
    let _ = match stream {
        Stream::Out => {
            let mut out = std::io::stdout().lock();
            out.write_all(shown.as_bytes()).and_then(|()| out.flush())
        }
        Stream::Err => std::io::stderr().lock().write_all(shown.as_bytes()),
    };
}

/// `print!`, through [`write`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => {
        $crate::terminal_text::write($crate::terminal_text::Stream::Out, &format!($($arg)*))
    };
}

/// `println!`, through [`write`].
#[macro_export]
macro_rules! outln {
    ($($arg:tt)*) => {
        $crate::terminal_text::write(
            $crate::terminal_text::Stream::Out,
            &format!("{}\n", format_args!($($arg)*)),
        )
    };
}

/// `eprintln!`, through [`write`].
#[macro_export]
macro_rules! errln {
    ($($arg:tt)*) => {
        $crate::terminal_text::write(
            $crate::terminal_text::Stream::Err,
            &format!("{}\n", format_args!($($arg)*)),
        )
    };
}

// So that printers name this module: `crate::terminal_text::outln!`.
pub use super::{errln, out, outln};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_are_shown_not_sent() {
        assert_eq!(inert("a\u{1b}]52;c;eA==\u{7}b"), "a\\e]52;c;eA==\\x07b");
        assert_eq!(inert("x\u{9b}2J\r"), "x\\u{9b}2J\\r");
        assert!(matches!(inert("plain\ttext\n"), Cow::Borrowed(_)));
    }
}

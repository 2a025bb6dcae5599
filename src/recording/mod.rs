//! Sessions recorded as asciicast v2 files (asciinema's format) in the data dir's
//! `recordings/`, and what is done with them: the last screen of a restored session, `ccmux
//! play` and `ccmux detect`.

pub mod asciicast;
mod files;
mod recorder;

pub use crate::session::tap::CurrentFile;
pub use files::Limits;
pub use recorder::{Recorder, Tap};

use std::path::{Path, PathBuf};

use crate::session::{Terminal, TerminalSize};

/// Where the recordings are kept.
pub fn dir() -> PathBuf {
    crate::paths::data_dir().join("recordings")
}

/// The `TERM` a session's recording names: its own, else the server's, else xterm's.
pub fn term_of(environment: &std::collections::BTreeMap<String, String>) -> String {
    environment
        .get("TERM")
        .cloned()
        .or_else(|| std::env::var("TERM").ok())
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "xterm-256color".to_string())
}

/// The terminal a recording leaves behind: its output fed, in order and at its sizes, to a
/// fresh terminal.
pub fn final_terminal(recording: &asciicast::Recording, scrollback: usize) -> Terminal {
    use asciicast::EventKind;
    let mut terminal = Terminal::new(recording.header.size(), scrollback);
    for event in &recording.events {
        match &event.kind {
            EventKind::Output(text) => {
                terminal.process(text.as_bytes());
            }
            EventKind::Resize(size) => terminal.resize(*size),
            EventKind::Input(_) | EventKind::Marker(_) => {}
        }
    }
    terminal
}

/// Bytes that draw the last screen of the recording in `path` (history, screen, modes), for a
/// restored session to show before its new process draws; `None` when there is none. The
/// state file may name a part the recording has since rotated past: the last part is read.
pub fn last_screen(path: &Path, scrollback: usize) -> Option<(TerminalSize, Vec<u8>)> {
    let path = &files::last_part(path);
    let recording = match asciicast::read_file(path) {
        Ok(r) => r,
        Err(e) => {
            tracing::warn!(file = %path.display(), error = %e, "the last recording could not be read");
            return None;
        }
    };
    let terminal = final_terminal(&recording, scrollback);
    Some((terminal.size(), crate::session::replay::replay(&terminal)))
}

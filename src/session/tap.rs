//! The one way out of a session for what passes through its terminal, besides its events: an
//! output tap (a recording is one). The session owns the trait; services implement it.

use std::path::PathBuf;
use std::sync::Arc;

use parking_lot::Mutex;

use crate::ids::TerminalSize;

/// Handed every byte the program printed, and the keys typed to it when it asks for them. Is
/// called on the session's own threads: it must never block.
pub trait OutputTap: Send + Sync + std::fmt::Debug {
    /// What the program printed.
    fn output(&self, bytes: &[u8]);
    /// What was typed to the program (only called when `records_input`).
    fn input(&self, bytes: &[u8]);
    /// Whether keys are wanted: callers need not copy them otherwise.
    fn records_input(&self) -> bool;
    fn resize(&self, size: TerminalSize);
    /// Where the tap writes, for as long as anybody asks.
    fn current_file(&self) -> CurrentFile;
}

/// The shared handle a session records through.
pub type Tap = Arc<dyn OutputTap>;

/// The file a session's recording is being written to now; `None` until the recorder opened
/// it. Held apart from the session's taps, so that a session that has ended (and dropped its
/// taps) lets the recorder close its file while its handle can still say where it is.
#[derive(Debug, Clone, Default)]
pub struct CurrentFile(Arc<Mutex<Option<PathBuf>>>);

impl CurrentFile {
    pub fn get(&self) -> Option<PathBuf> {
        self.0.lock().clone()
    }

    pub(crate) fn set(&self, path: PathBuf) {
        *self.0.lock() = Some(path);
    }
}

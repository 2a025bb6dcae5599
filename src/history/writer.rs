//! The thread that appends to history files, behind a bounded queue.

use std::path::PathBuf;
use std::sync::mpsc::{SyncSender, TrySendError, sync_channel};

use crate::history::Entry;
use crate::history::file;

/// Entries waiting for the disk. Commands finish at human pace, so a full queue means the
/// disk is stuck: the entry is dropped with a warning rather than blocking a session.
const QUEUE: usize = 256;

/// A handle to the writer thread; the thread ends when the last handle goes.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: SyncSender<Entry>,
}

impl Writer {
    pub fn start(dir: PathBuf) -> Self {
        let (queue, entries) = sync_channel::<Entry>(QUEUE);
        let target = dir;
        let spawned = std::thread::Builder::new()
            .name("ccmux-history".into())
            .spawn(move || {
                for entry in entries {
                    if let Err(e) = file::append(&target, &entry) {
                        tracing::warn!(error = %e, dir = %target.display(), "a command could not be added to the history");
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no history thread: commands are not kept");
        }
        Self { queue }
    }

    pub fn append(&self, entry: Entry) {
        match self.queue.try_send(entry) {
            Ok(()) => {}
            Err(TrySendError::Full(entry)) => {
                tracing::warn!(task = %entry.task_id, "the history queue is full; a command was not kept");
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

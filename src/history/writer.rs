//! The thread that appends to history files, behind a bounded queue.

use std::path::PathBuf;
use std::sync::mpsc::{Sender, SyncSender, TrySendError, channel, sync_channel};
use std::time::Duration;

use crate::history::Entry;
use crate::history::file;

/// Entries waiting for the disk. Commands finish at human pace, so a full queue means the
/// disk is stuck: the entry is dropped with a warning rather than blocking a session.
const QUEUE: usize = 256;

/// The longest a reader waits for the entries queued before it to reach the disk.
const SYNC_WAIT: Duration = Duration::from_secs(2);

/// What the writer thread is asked to do, in the order asked.
#[derive(Debug)]
enum Job {
    Append(Entry),
    /// Answered once every entry queued before it is written.
    Sync(Sender<()>),
}

/// A handle to the writer thread; the thread ends when the last handle goes.
#[derive(Debug, Clone)]
pub struct Writer {
    queue: SyncSender<Job>,
}

impl Writer {
    pub fn start(dir: PathBuf) -> Self {
        let (queue, jobs) = sync_channel::<Job>(QUEUE);
        let target = dir;
        let spawned = std::thread::Builder::new()
            .name("ccmux-history".into())
            .spawn(move || {
                for job in jobs {
                    match job {
                        Job::Append(entry) => {
                            if let Err(e) = file::append(&target, &entry) {
                                tracing::warn!(error = %e, dir = %target.display(), "a command could not be added to the history");
                            }
                        }
                        Job::Sync(done) => {
                            let _ = done.send(());
                        }
                    }
                }
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "no history thread: commands are not kept");
        }
        Self { queue }
    }

    pub fn append(&self, entry: Entry) {
        match self.queue.try_send(Job::Append(entry)) {
            Ok(()) => {}
            Err(TrySendError::Full(Job::Append(entry))) => {
                tracing::warn!(task = %entry.task_id, "the history queue is full; a command was not kept");
            }
            Err(_) => {}
        }
    }

    /// Waits (briefly, blocking) until the entries queued so far are on disk, so a read that
    /// follows a command's reply finds that command. A stuck disk makes it give up, not hang.
    pub fn sync(&self) {
        let (done, written) = channel();
        if self.queue.try_send(Job::Sync(done)).is_ok() {
            let _ = written.recv_timeout(SYNC_WAIT);
        }
    }
}

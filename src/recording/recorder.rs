//! The one thread that writes every session's recording.
//!
//! Sessions hand events to it through [`Tap`]s over one bounded queue and never wait: when the
//! queue is full the event is dropped, counted, and the next event that gets through writes a
//! `"m"` marker saying how many were lost (and the log says so once per gap). One thread for
//! the whole server, whatever the number of sessions.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use crate::recording::files::{Files, Limits};
use crate::session::tap::{CurrentFile, OutputTap};
use crate::session::{SessionId, TaskId, TerminalSize};

/// Events waiting to be written, all sessions together. A PTY read is at most 64 KiB, so a
/// full queue holds at most 64 MiB; usually a few KiB each.
const QUEUE: usize = 1024;
/// How often the thread looks for recordings of sessions that have ended, to close them.
const SWEEP: Duration = Duration::from_secs(1);

/// What one session recorded, as the recorder thread receives it.
pub(crate) enum Kind {
    Output(Vec<u8>),
    Input(Vec<u8>),
    Resize(TerminalSize),
    /// The session began: its file is opened even before it prints anything.
    Start,
}

pub(crate) enum Message {
    Event {
        meta: Arc<Meta>,
        /// Seconds since the session began.
        time: f64,
        kind: Kind,
        /// Events of this session dropped (queue full) since the last one that got through.
        lost_before: u64,
    },
    /// Everything queued before this is written and flushed when the reply comes.
    Flush(SyncSender<()>),
}

/// What the recorder knows of a session; the file it is writing now is published here.
pub(crate) struct Meta {
    pub session: SessionId,
    pub task: TaskId,
    pub size: TerminalSize,
    pub term: String,
    /// Unix time the session began.
    pub began: i64,
    pub current: CurrentFile,
}

/// The server's recorder; clones share its thread.
#[derive(Clone)]
pub struct Recorder {
    tx: SyncSender<Message>,
    record_input: bool,
}

impl std::fmt::Debug for Recorder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recorder")
            .field("record_input", &self.record_input)
            .finish()
    }
}

impl Recorder {
    /// Starts the recorder thread writing under `dir` (created 0700 when missing).
    pub fn start(dir: std::path::PathBuf, limits: Limits) -> std::io::Result<Self> {
        let files = Files::open(dir, limits)?;
        let (tx, rx) = sync_channel(QUEUE);
        std::thread::Builder::new()
            .name("ccmux-recorder".into())
            .spawn(move || run(rx, files))?;
        Ok(Self {
            tx,
            record_input: limits.record_input,
        })
    }

    /// The handle one session records through, starting now.
    pub fn tap(&self, session: SessionId, task: &TaskId, size: TerminalSize, term: &str) -> Tap {
        let meta = Arc::new(Meta {
            session,
            task: task.clone(),
            size,
            term: term.to_string(),
            began: chrono::Utc::now().timestamp(),
            current: CurrentFile::default(),
        });
        let tap = Tap(Arc::new(TapInner {
            meta,
            tx: self.tx.clone(),
            started: Instant::now(),
            lost: AtomicU64::new(0),
            record_input: self.record_input,
        }));
        tap.send(Kind::Start);
        tap
    }

    /// The tap of a session about to start with `config`.
    pub fn tap_for(&self, session: SessionId, config: &crate::session::SessionConfig) -> Tap {
        let term = crate::recording::term_of(&config.environment);
        self.tap(session, &config.task_id, config.terminal_size, &term)
    }

    /// Waits (blocking) until everything queued so far is on disk.
    pub fn sync(&self) {
        let (ack, done) = sync_channel(1);
        if self.tx.send(Message::Flush(ack)).is_ok() {
            let _ = done.recv_timeout(Duration::from_secs(10));
        }
    }
}

/// One session's way into the recorder: cheap to clone, never blocks.
#[derive(Clone)]
pub struct Tap(Arc<TapInner>);

struct TapInner {
    meta: Arc<Meta>,
    tx: SyncSender<Message>,
    started: Instant,
    lost: AtomicU64,
    record_input: bool,
}

impl std::fmt::Debug for Tap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tap")
            .field("session", &self.0.meta.session)
            .finish()
    }
}

impl OutputTap for Tap {
    fn output(&self, bytes: &[u8]) {
        self.send(Kind::Output(bytes.to_vec()));
    }

    /// Recorded only with `record_input = true`, since keys may be secrets.
    fn input(&self, bytes: &[u8]) {
        if self.0.record_input {
            self.send(Kind::Input(bytes.to_vec()));
        }
    }

    fn records_input(&self) -> bool {
        self.0.record_input
    }

    fn resize(&self, size: TerminalSize) {
        self.send(Kind::Resize(size));
    }

    fn current_file(&self) -> CurrentFile {
        self.0.meta.current.clone()
    }
}

impl Tap {
    fn send(&self, kind: Kind) {
        let inner = &self.0;
        let lost_before = inner.lost.swap(0, Ordering::Relaxed);
        let message = Message::Event {
            meta: inner.meta.clone(),
            time: inner.started.elapsed().as_secs_f64(),
            kind,
            lost_before,
        };
        match inner.tx.try_send(message) {
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                if inner.lost.fetch_add(lost_before + 1, Ordering::Relaxed) == 0 && lost_before == 0
                {
                    tracing::warn!(
                        session = %inner.meta.session,
                        "the recorder is behind: events are dropped from this recording \
                         (a gap marker will say how many)"
                    );
                }
            }
            Err(TrySendError::Disconnected(_)) => {}
        }
    }
}

fn run(rx: Receiver<Message>, mut files: Files) {
    let mut swept = Instant::now();
    loop {
        match rx.recv_timeout(SWEEP) {
            Ok(message) => {
                handle(&mut files, message);
                // Write what else is queued, then flush once: one write(2) per burst.
                while let Ok(message) = rx.try_recv() {
                    handle(&mut files, message);
                }
                files.flush();
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => break,
        }
        // Also while other sessions keep the queue busy.
        if swept.elapsed() >= SWEEP {
            files.close_ended();
            swept = Instant::now();
        }
    }
    files.flush();
}

fn handle(files: &mut Files, message: Message) {
    match message {
        Message::Event {
            meta,
            time,
            kind,
            lost_before,
        } => files.write(&meta, time, kind, lost_before),
        Message::Flush(ack) => {
            files.flush();
            let _ = ack.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::recording::asciicast::{EventKind, read_file};

    fn tap(tx: SyncSender<Message>) -> Tap {
        let meta = Arc::new(Meta {
            session: SessionId(7),
            task: TaskId::new("gap").unwrap(),
            size: TerminalSize { cols: 20, rows: 4 },
            term: "xterm".into(),
            began: 0,
            current: CurrentFile::default(),
        });
        Tap(Arc::new(TapInner {
            meta,
            tx,
            started: Instant::now(),
            lost: AtomicU64::new(0),
            record_input: false,
        }))
    }

    #[test]
    fn a_full_queue_drops_events_and_the_next_one_through_says_how_many() {
        let dir = tempfile::tempdir().unwrap();
        let limits = Limits {
            file_bytes: 1 << 20,
            total_bytes: 1 << 20,
            record_input: false,
        };
        let mut files = Files::open(dir.path().to_path_buf(), limits).unwrap();
        let (tx, rx) = sync_channel(2);
        let tap = tap(tx);
        for text in ["a", "b", "c", "d", "e"] {
            tap.output(text.as_bytes());
        }
        while let Ok(message) = rx.try_recv() {
            handle(&mut files, message);
        }
        tap.output(b"f");
        tap.input(b"secret");
        while let Ok(message) = rx.try_recv() {
            handle(&mut files, message);
        }
        files.flush();
        let path = tap.current_file().get().expect("a file was opened");
        let kinds: Vec<EventKind> = read_file(&path)
            .unwrap()
            .events
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(
            kinds,
            [
                EventKind::Output("a".into()),
                EventKind::Output("b".into()),
                EventKind::Marker("gap: 3 events were dropped (the recorder fell behind)".into()),
                EventKind::Output("f".into()),
            ],
            "keys stay out without record_input"
        );
    }
}

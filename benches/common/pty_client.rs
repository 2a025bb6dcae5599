//! A program under test running as the client of a real pseudo-terminal the bench owns, the way
//! a terminal emulator would run it: keys go into the master, and everything the program draws
//! comes back out of it into a screen model.
//!
//! A dedicated thread reads the master and stamps every chunk with the instant it arrived, so
//! the time the main thread spends parsing never shows up in a measured latency; it runs
//! real-time when allowed, so the terminal keeps up whatever else the box does
//! (see `drain_promptly`).
#![allow(dead_code)] // Shared by benches that each use part of it.

use std::io::{Read, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use portable_pty::{Child, CommandBuilder, MasterPty, PtySize, native_pty_system};

/// The terminal every program under test draws into.
pub const COLS: u16 = 120;
pub const ROWS: u16 = 40;

/// Output as it left the master, with the instant the reader thread got it.
struct Chunk {
    at: Instant,
    bytes: Vec<u8>,
}

/// A child on a 120×40 PTY, with a screen model of what it drew; killed when dropped.
pub struct PtyClient {
    child: Box<dyn Child + Send + Sync>,
    writer: Box<dyn Write + Send>,
    chunks: Receiver<Chunk>,
    screen: vt100::Parser,
    /// Bytes read from the master so far: what the program wrote to its terminal.
    received: Arc<AtomicU64>,
    /// Held so the terminal stays open (and sized) until the client is dropped.
    _master: Box<dyn MasterPty + Send>,
}

impl PtyClient {
    /// Starts `command` on a fresh PTY; TERM is xterm-256color like the terminals people use.
    pub fn spawn(mut command: CommandBuilder) -> anyhow::Result<Self> {
        command.env("TERM", "xterm-256color");
        let pair = native_pty_system().openpty(PtySize {
            rows: ROWS,
            cols: COLS,
            pixel_width: 0,
            pixel_height: 0,
        })?;
        let child = pair.slave.spawn_command(command)?;
        // Only the child may hold the slave, so the reader sees EOF once the child is gone.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader()?;
        let writer = pair.master.take_writer()?;
        let (tx, chunks) = channel();
        let received = Arc::new(AtomicU64::new(0));
        let counter = Arc::clone(&received);
        std::thread::spawn(move || {
            drain_promptly();
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n @ 1..) = reader.read(&mut buf) {
                counter.fetch_add(n as u64, Ordering::Relaxed);
                let chunk = Chunk {
                    at: Instant::now(),
                    bytes: buf[..n].to_vec(),
                };
                if tx.send(chunk).is_err() {
                    break;
                }
            }
        });
        Ok(Self {
            child,
            writer,
            chunks,
            screen: vt100::Parser::new(ROWS.try_into()?, COLS.try_into()?, 0),
            received,
            _master: pair.master,
        })
    }

    pub fn pid(&self) -> Option<u32> {
        self.child.process_id()
    }

    /// How many bytes the program has written to its terminal so far (as they arrive, before
    /// anything parses them).
    pub fn bytes_received(&self) -> u64 {
        self.received.load(Ordering::Relaxed)
    }

    /// Types `bytes`; returns the instant just before they went in.
    pub fn send(&mut self, bytes: &[u8]) -> anyhow::Result<Instant> {
        let at = Instant::now();
        self.writer.write_all(bytes)?;
        self.writer.flush()?;
        Ok(at)
    }

    /// Types `bytes` the way a person would, one key at a time, so a prefix key and the key
    /// after it arrive as two reads.
    pub fn type_slowly(&mut self, bytes: &[u8]) -> anyhow::Result<()> {
        for byte in bytes {
            self.send(&[*byte])?;
            self.settle(Duration::from_millis(30));
        }
        Ok(())
    }

    /// What the program has drawn so far.
    pub fn screen(&self) -> &vt100::Screen {
        self.screen.screen()
    }

    /// Parses output until `done` holds for the screen; returns the arrival time of the chunk
    /// that made it hold (now, if it already did), or None when `limit` passed or the program
    /// closed its terminal first.
    pub fn wait_for(
        &mut self,
        limit: Duration,
        done: impl Fn(&vt100::Screen) -> bool,
    ) -> Option<Instant> {
        if done(self.screen()) {
            return Some(Instant::now());
        }
        let deadline = Instant::now() + limit;
        loop {
            let chunk = self.next_chunk(deadline).ok()?;
            self.screen.process(&chunk.bytes);
            if done(self.screen()) {
                return Some(chunk.at);
            }
        }
    }

    /// Like `wait_for`, but an error naming `what` (with the screen) when it does not happen.
    pub fn expect(
        &mut self,
        limit: Duration,
        what: &str,
        done: impl Fn(&vt100::Screen) -> bool,
    ) -> anyhow::Result<Instant> {
        self.wait_for(limit, done).with_context(|| {
            format!(
                "timed out after {limit:?} waiting for {what}; screen:\n{}",
                self.screen().contents()
            )
        })
    }

    /// Parses output until none has come for `quiet`; false if that did not happen within
    /// `limit` (a clock in a status bar may never let it), which callers may ignore.
    pub fn wait_quiet(&mut self, quiet: Duration, limit: Duration) -> bool {
        let deadline = Instant::now() + limit;
        loop {
            let now = Instant::now();
            let until = (now + quiet).min(deadline);
            match self.next_chunk(until) {
                Ok(chunk) => self.screen.process(&chunk.bytes),
                // Quiet only if the whole window fit before the deadline.
                Err(RecvTimeoutError::Timeout) => return until - now >= quiet,
                Err(RecvTimeoutError::Disconnected) => return false,
            }
        }
    }

    /// Parses whatever arrives during `pause`: a pause that keeps the screen current.
    pub fn settle(&mut self, pause: Duration) {
        let deadline = Instant::now() + pause;
        while let Ok(chunk) = self.next_chunk(deadline) {
            self.screen.process(&chunk.bytes);
        }
    }

    /// Whether the program is still running.
    pub fn alive(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }

    /// Sends `signal` and waits up to `limit` for the program to exit; kills it if it does not.
    pub fn stop(&mut self, signal: libc::c_int, limit: Duration) {
        // Once reaped, its pid may be someone else's.
        if !self.alive() {
            return;
        }
        if let Some(pid) = self.pid() {
            // SAFETY: kill(2) on our own child's pid; it has not been reaped, so it is ours.
            unsafe { libc::kill(pid as libc::pid_t, signal) };
        }
        let deadline = Instant::now() + limit;
        while self.alive() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        if self.alive() {
            let _ = self.child.kill();
        }
        let _ = self.child.wait();
    }

    fn next_chunk(&self, deadline: Instant) -> Result<Chunk, RecvTimeoutError> {
        self.chunks
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
    }
}

/// Makes the calling thread (the reader) real-time when the bench may (root, or
/// CAP_SYS_NICE): it drains the terminal the moment output arrives, as a terminal with a core
/// of its own does, and stamps it then. On a busy box an ordinary thread may wait milliseconds
/// for a core; tmux, finding more than a screen's worth (8 bytes a cell) unwritten to its
/// terminal, throws its output away and redraws 100 ms later (its tty "block"), so its echo
/// beside a flood read 0.6 ms in one run and 85 ms in the next: the bench's terminal was
/// measured, not tmux. The thread only reads and stamps, so it cannot starve the programs
/// under test. Without the right it stays an ordinary thread, and says so.
fn drain_promptly() {
    let param = libc::sched_param { sched_priority: 1 };
    // SAFETY: sets the scheduling of the calling thread from a parameter we own.
    let refused =
        unsafe { libc::pthread_setschedparam(libc::pthread_self(), libc::SCHED_FIFO, &param) };
    if refused != 0 {
        static TOLD: std::sync::Once = std::sync::Once::new();
        TOLD.call_once(|| {
            eprintln!(
                "note: the terminal's reader is not real-time (SCHED_FIFO refused): on a busy \
                 box tmux may throttle itself behind it"
            );
        });
    }
}

impl Drop for PtyClient {
    fn drop(&mut self) {
        self.stop(libc::SIGTERM, Duration::from_secs(2));
    }
}

//! The terminal's events (keys, mouse, pastes, focus, resizes), read on the TUI's own thread.
//!
//! crossterm's `EventStream` waits for input on a thread of its own and wakes the runtime
//! from there: one more thread to wake on every key, on the path of its echo. Here the
//! runtime's poller waits for the terminal to be readable (and for SIGWINCH), and crossterm
//! only reads and parses what is already there (`poll` with a zero timeout, which never
//! waits).

use std::fs::File;
use std::io;
use std::os::fd::{AsFd, OwnedFd};
use std::time::Duration;

use crossterm::event::{self, Event};
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{Signal, SignalKind, signal};

pub struct TerminalEvents {
    /// The terminal crossterm reads: standard input when it is one, else `/dev/tty`.
    tty: AsyncFd<OwnedFd>,
    resized: Signal,
}

impl TerminalEvents {
    /// Must be called inside a tokio runtime.
    pub fn new() -> io::Result<Self> {
        let tty = if io::IsTerminal::is_terminal(&io::stdin()) {
            io::stdin().as_fd().try_clone_to_owned()?
        } else {
            File::open("/dev/tty")?.into()
        };
        // SAFETY: the descriptor is ours (a duplicate, or a file we opened) and stays open
        // and the same for as long as the AsyncFd owns it.
        let tty = unsafe { AsyncFd::register_with_interest(tty, Interest::READABLE) }
            .map_err(io::Error::from)?;
        Ok(Self {
            tty,
            resized: signal(SignalKind::window_change())?,
        })
    }

    /// The next event, once there is one.
    pub async fn next(&mut self) -> io::Result<Event> {
        loop {
            // Looked at before crossterm reads: at the terminal's end of file its reader
            // loops on empty reads for ever.
            if hung_up(self.tty.get_ref()) {
                return Err(io::ErrorKind::UnexpectedEof.into());
            }
            if event::poll(Duration::ZERO)? {
                return event::read();
            }
            tokio::select! {
                ready = self.tty.readable() => {
                    let mut ready = ready?;
                    if hung_up(self.tty.get_ref()) {
                        return Err(io::ErrorKind::UnexpectedEof.into());
                    }
                    // Input that came after the readiness was seen keeps it set (tokio
                    // clears only what it reported), so none is missed between the look
                    // and the clear.
                    if event::poll(Duration::ZERO)? {
                        return event::read();
                    }
                    ready.clear_ready();
                }
                _ = self.resized.recv() => {}
            }
        }
    }
}

/// Whether the terminal behind `fd` has hung up, without waiting.
fn hung_up(fd: &OwnedFd) -> bool {
    use std::os::fd::AsRawFd;
    let mut poll = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd, valid for the call; a zero timeout never blocks.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready > 0 && poll.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

//! The terminal's events (keys, mouse, pastes, focus, resizes), read on the TUI's own thread.
//!
//! The runtime's poller waits for the terminal to be readable (and for SIGWINCH); what is
//! there is read at once and decoded by [`InputDecoder`]. No thread of crossterm's sits on
//! the path of a key's echo, and no sequence is kept from us (crossterm's reader takes
//! Shift-F3 for a cursor position report).

use std::collections::VecDeque;
use std::fs::File;
use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::time::Duration;

use crossterm::event::Event;
use tokio::io::Interest;
use tokio::io::unix::AsyncFd;
use tokio::signal::unix::{Signal, SignalKind, signal};

use super::input_decoder::{InputDecoder, Waiting};

/// How long a started sequence waits for its rest before it is taken as the keys it holds
/// (an ESC typed alone arrives alone and is the Esc key at once).
const SEQUENCE_WAIT: Duration = Duration::from_millis(50);
/// How long a started paste waits for its end marker.
const PASTE_WAIT: Duration = Duration::from_secs(1);

pub struct TerminalEvents {
    /// The terminal: standard input when it is one, else `/dev/tty`.
    tty: AsyncFd<OwnedFd>,
    resized: Signal,
    decoder: InputDecoder,
    decoded: VecDeque<Event>,
}

/// What a look at the terminal, without waiting, found.
#[derive(PartialEq)]
enum Look {
    Input,
    Nothing,
    HungUp,
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
            decoder: InputDecoder::default(),
            decoded: VecDeque::new(),
        })
    }

    /// The next event, once there is one.
    pub async fn next(&mut self) -> io::Result<Event> {
        loop {
            if let Some(event) = self.decoded.pop_front() {
                return Ok(event);
            }
            let wait = if self.decoder.holds_paste() {
                PASTE_WAIT
            } else {
                SEQUENCE_WAIT
            };
            tokio::select! {
                ready = self.tty.readable() => {
                    let mut ready = ready?;
                    match look(self.tty.get_ref()) {
                        Look::HungUp => return Err(io::ErrorKind::UnexpectedEof.into()),
                        // Input that came after the readiness was seen keeps it set
                        // (tokio clears only what it reported), so none is missed.
                        Look::Nothing => ready.clear_ready(),
                        Look::Input => self.read()?,
                    }
                }
                _ = self.resized.recv() => {
                    let (cols, rows) = crossterm::terminal::size()?;
                    self.decoded.push_back(Event::Resize(cols, rows));
                }
                _ = tokio::time::sleep(wait), if self.decoder.holds() => {
                    self.decoded.extend(self.decoder.flush());
                }
            }
        }
    }

    /// Reads what the terminal has (it said it has some, so the read does not wait).
    fn read(&mut self) -> io::Result<()> {
        let fd = self.tty.get_ref();
        let mut buffer = [0u8; 4096];
        // SAFETY: the buffer is valid for its length for the call.
        let read = unsafe { libc::read(fd.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
        let read = match read {
            0 => return Err(io::ErrorKind::UnexpectedEof.into()),
            n if n < 0 => {
                let error = io::Error::last_os_error();
                return match error.kind() {
                    io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock => Ok(()),
                    _ => Err(error),
                };
            }
            n => n as usize,
        };
        let waiting = match look(fd) {
            Look::Input => Waiting::More,
            Look::Nothing | Look::HungUp => Waiting::Nothing,
        };
        self.decoded
            .extend(self.decoder.decode(&buffer[..read], waiting));
        Ok(())
    }
}

/// Whether the terminal behind `fd` has input or has hung up, without waiting. A hang-up
/// is looked for before reading: at a terminal's end a read may return nothing for ever.
fn look(fd: &OwnedFd) -> Look {
    let mut poll = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd, valid for the call; a zero timeout never blocks.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    if ready <= 0 {
        return Look::Nothing;
    }
    if poll.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        return Look::HungUp;
    }
    match poll.revents & libc::POLLIN {
        0 => Look::Nothing,
        _ => Look::Input,
    }
}

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
        let resized = signal(SignalKind::window_change())?;
        let (cols, rows) = crossterm::terminal::size()?;
        Ok(Self {
            tty,
            resized,
            decoder: InputDecoder::default(),
            // The size now: a resize before the signal was caught is not missed.
            decoded: VecDeque::from([Event::Resize(cols, rows)]),
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
                    // Readiness may be stale (input read already, with an earlier wake-up):
                    // the read must never wait. When a read comes back short, all there was
                    // is read; input that comes later sets the readiness again (tokio
                    // clears only what it reported), so none is missed.
                    let fd = self.tty.get_ref();
                    if !readable_now(fd)
                        || read(fd, &mut self.decoder, &mut self.decoded)? == Read::Drained
                    {
                        ready.clear_ready();
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
}

/// Reads what the terminal has (it said it has some, so the read does not wait). At the
/// terminal's end (hung up) the read finds nothing, or fails: either ends the events.
fn read(
    fd: &OwnedFd,
    decoder: &mut InputDecoder,
    decoded: &mut VecDeque<Event>,
) -> io::Result<Read> {
    let mut buffer = [0u8; 4096];
    // SAFETY: the buffer is valid for its length for the call.
    let read = unsafe { libc::read(fd.as_raw_fd(), buffer.as_mut_ptr().cast(), buffer.len()) };
    let read = match read {
        0 => return Err(io::ErrorKind::UnexpectedEof.into()),
        n if n < 0 => {
            let error = io::Error::last_os_error();
            return match error.kind() {
                io::ErrorKind::Interrupted => Ok(Read::More),
                io::ErrorKind::WouldBlock => Ok(Read::Drained),
                _ => Err(error),
            };
        }
        n => n as usize,
    };
    let bytes = &buffer[..read];
    // Only an ESC at the end asks whether more is on its way (it may start a sequence).
    let waiting = match bytes.last() {
        Some(0x1b) if readable_now(fd) => Waiting::More,
        _ => Waiting::Nothing,
    };
    decoded.extend(decoder.decode(bytes, waiting));
    Ok(if read < buffer.len() {
        Read::Drained
    } else {
        Read::More
    })
}

/// Whether a read took all there was.
#[derive(PartialEq)]
enum Read {
    Drained,
    More,
}

/// Whether a read of the terminal behind `fd` would not wait: it has input, or has hung up
/// (and the read says so). Never waits itself.
fn readable_now(fd: &OwnedFd) -> bool {
    let mut poll = libc::pollfd {
        fd: fd.as_raw_fd(),
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one pollfd, valid for the call; a zero timeout never blocks.
    let ready = unsafe { libc::poll(&mut poll, 1, 0) };
    ready > 0 && poll.revents != 0
}

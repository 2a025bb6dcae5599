//! The reader's and the writer's loops over the PTY master, which end with the session.
//!
//! A blocking `write` to a program that never reads its input never returns, and a blocking
//! `read` never sees EOF while a process that left the session still holds the terminal; either
//! thread would then outlive its session with its fd and its buffers. So the master is
//! non-blocking and both threads wait in `poll` on it *and* on the session's [`Stop`] pipe.

use std::fs::File;
use std::io::{ErrorKind, Read, Write};
use std::os::fd::{AsFd, AsRawFd, BorrowedFd, FromRawFd, OwnedFd, RawFd};

use tokio::sync::mpsc;

use crate::session::answers::TtyMoment;
use crate::session::input::InputReceiver;
use crate::session::terminal::Processed;

/// The most one read takes from the PTY.
pub const READ_SIZE: usize = 64 * 1024;

/// The write end of the stop pipe: dropping it (when the session ends) wakes and ends the
/// reader and writer threads.
pub struct Stop {
    _write_end: OwnedFd,
}

/// The read end of the stop pipe, which a thread polls beside the PTY.
pub struct StopWatch(OwnedFd);

impl StopWatch {
    pub fn try_clone(&self) -> std::io::Result<Self> {
        self.0.try_clone().map(Self)
    }
}

pub fn stop_pipe() -> std::io::Result<(Stop, StopWatch)> {
    let mut fds = [0; 2];
    // SAFETY: pipe2 fills `fds` with two new descriptors that nothing else owns.
    if unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both descriptors were just created and are owned here alone.
    unsafe {
        Ok((
            Stop {
                _write_end: OwnedFd::from_raw_fd(fds[1]),
            },
            StopWatch(OwnedFd::from_raw_fd(fds[0])),
        ))
    }
}

/// A descriptor of its own for the master, for one thread; the master is set non-blocking
/// (a flag its descriptors share).
pub fn open_master(master: RawFd) -> std::io::Result<File> {
    // SAFETY: fcntl on a descriptor the caller keeps open; F_DUPFD_CLOEXEC returns a new one.
    let fd = unsafe { libc::fcntl(master, libc::F_DUPFD_CLOEXEC, 0) };
    if fd < 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: `fd` is new and owned by the File from here on.
    let file = unsafe { File::from_raw_fd(fd) };
    // SAFETY: plain flag calls on a descriptor we own.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(file)
}

/// Whether `fd` became ready for `events`, or the session stopped first.
fn wait(fd: BorrowedFd<'_>, events: libc::c_short, stop: &StopWatch) -> bool {
    let mut fds = [
        libc::pollfd {
            fd: fd.as_raw_fd(),
            events,
            revents: 0,
        },
        libc::pollfd {
            fd: stop.0.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    loop {
        // SAFETY: `fds` is a valid array of two pollfd for the duration of the call.
        let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, -1) };
        if n < 0 && std::io::Error::last_os_error().kind() == ErrorKind::Interrupted {
            continue;
        }
        // The stop pipe is readable (hung up) once the session dropped its end.
        return n > 0 && fds[1].revents == 0;
    }
}

/// Output as it was read, what parsing it produced, and the terminal's mode just before: as
/// close as we can see to the mode the program wrote it in, which decides whether its queries
/// are answered.
pub struct Chunk {
    pub bytes: Vec<u8>,
    pub parsed: Processed,
    pub tty: TtyMoment,
}

/// Feeds output to the session's terminal as it is read, on the reader's own thread: parsing
/// never runs on the async workers that serve keys and requests, so a flooding session cannot
/// delay another session's keys.
pub type Parse = Box<dyn FnMut(&[u8]) -> Processed + Send>;

/// Parses output and moves it into a bounded channel; when that is full it stops reading, so
/// the program blocks on its writes (back-pressure instead of an unbounded buffer).
pub fn read_loop(mut pty: File, stop: StopWatch, tx: mpsc::Sender<Chunk>, mut parse: Parse) {
    let mut buf = vec![0u8; READ_SIZE];
    while wait(pty.as_fd(), libc::POLLIN, &stop) {
        let tty = TtyMoment::sample(pty.as_raw_fd());
        match pty.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => {
                let chunk = Chunk {
                    parsed: parse(&buf[..n]),
                    bytes: buf[..n].to_vec(),
                    tty,
                };
                if tx.blocking_send(chunk).is_err() {
                    break;
                }
            }
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::Interrupted) => {}
            // EIO once the last slave fd closes: the normal end.
            Err(_) => break,
        }
    }
}

/// Writes queued input as the program reads it, until the session ends or the terminal fails.
pub fn write_loop(mut pty: File, stop: StopWatch, input: InputReceiver) {
    while let Some(bytes) = input.recv() {
        let mut rest = &bytes[..];
        while !rest.is_empty() {
            match pty.write(rest) {
                Ok(n) => {
                    input.written(n);
                    rest = &rest[n..];
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => {
                    if !wait(pty.as_fd(), libc::POLLOUT, &stop) {
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::Interrupted => {}
                Err(_) => return,
            }
        }
    }
}

//! Waiting for room to write on a non-blocking descriptor, watching for it only meanwhile.
//!
//! A descriptor the runtime watches for writing all the time wakes a worker each time its peer
//! reads: a Unix socket each time its client takes a frame, a PTY master each time its program
//! reads a key. On a VM, waking a thread whose CPU is idle costs the waker some 30 µs, and the
//! woken worker competes for a CPU with the echo that is on its way. So writers here write
//! first, and only a write that finds the descriptor full registers a duplicate of it for
//! room, dropped (deregistered) once the writer is through.

use std::io;
use std::os::fd::{BorrowedFd, OwnedFd};

use tokio::io::Interest;
use tokio::io::unix::AsyncFd;

/// A duplicate of `fd`, registered for room. Registering reports the room it has already, so
/// none that came since the write that found it full is missed. Must be called inside a tokio
/// runtime.
pub fn watch(fd: BorrowedFd<'_>) -> io::Result<AsyncFd<OwnedFd>> {
    register(fd.try_clone_to_owned()?, Interest::WRITABLE)
}

/// Registers `fd` with the runtime for `interest` alone.
pub fn register(fd: OwnedFd, interest: Interest) -> io::Result<AsyncFd<OwnedFd>> {
    // SAFETY: the descriptor is ours, open, and the same for as long as the AsyncFd owns it.
    unsafe { AsyncFd::register_with_interest(fd, interest) }.map_err(io::Error::from)
}

//! The little of epoll(7) and eventfd(2) a parse thread needs to wait on its sessions' PTY
//! masters and on its own door at once (see `parse_pool.rs`).

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::time::Duration;

/// Events handed back by one wait, at most.
const BATCH: usize = 64;

/// An epoll instance; each registered descriptor is named by a token.
pub struct Epoll {
    fd: OwnedFd,
    ready: Vec<libc::epoll_event>,
}

impl Epoll {
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: a plain syscall; a non-negative result is a new descriptor we own.
        let fd = check(unsafe { libc::epoll_create1(libc::EPOLL_CLOEXEC) })?;
        Ok(Self {
            // SAFETY: `fd` is new and owned by nobody else.
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            ready: vec![libc::epoll_event { events: 0, u64: 0 }; BATCH],
        })
    }

    /// Reports `fd` as `token` whenever it has something to read (level-triggered).
    pub fn add(&self, fd: RawFd, token: u64) -> std::io::Result<()> {
        let mut event = libc::epoll_event {
            events: libc::EPOLLIN as u32,
            u64: token,
        };
        // SAFETY: epoll_ctl reads the event we pass; both descriptors are open.
        check(unsafe { libc::epoll_ctl(self.fd.as_raw_fd(), libc::EPOLL_CTL_ADD, fd, &mut event) })
            .map(drop)
    }

    /// Stops reporting `fd`; one not registered is no error.
    pub fn remove(&self, fd: RawFd) {
        // SAFETY: as in `add`; the event is ignored for a delete.
        unsafe {
            libc::epoll_ctl(
                self.fd.as_raw_fd(),
                libc::EPOLL_CTL_DEL,
                fd,
                std::ptr::null_mut(),
            );
        }
    }

    /// Waits for readiness, at most `timeout` (`None`: for ever); the tokens of what is ready.
    pub fn wait(&mut self, timeout: Option<Duration>) -> Vec<u64> {
        let ms = timeout.map_or(-1, |t| {
            // Rounded up: waking a little early would only wait again.
            i32::try_from(t.as_micros().div_ceil(1000)).unwrap_or(i32::MAX)
        });
        // SAFETY: the buffer holds `BATCH` events and epoll writes at most that many.
        let n = unsafe {
            libc::epoll_wait(
                self.fd.as_raw_fd(),
                self.ready.as_mut_ptr(),
                BATCH as i32,
                ms,
            )
        };
        let n = usize::try_from(n).unwrap_or(0);
        self.ready[..n].iter().map(|e| e.u64).collect()
    }
}

/// A counter another thread bumps to wake this one out of its wait.
pub struct Wake(OwnedFd);

impl Wake {
    pub fn new() -> std::io::Result<Self> {
        // SAFETY: a plain syscall; a non-negative result is a new descriptor we own.
        let fd = check(unsafe { libc::eventfd(0, libc::EFD_CLOEXEC | libc::EFD_NONBLOCK) })?;
        // SAFETY: `fd` is new and owned by nobody else.
        Ok(Self(unsafe { OwnedFd::from_raw_fd(fd) }))
    }

    pub fn fd(&self) -> RawFd {
        self.0.as_raw_fd()
    }

    pub fn wake(&self) {
        let one: u64 = 1;
        // SAFETY: writes 8 bytes from a u64 on our descriptor; a full counter (never, in
        // practice) fails harmlessly, the thread being due to wake anyway.
        unsafe { libc::write(self.fd(), (&raw const one).cast(), 8) };
    }

    /// Resets the counter once the thread is awake.
    pub fn drain(&self) {
        let mut count: u64 = 0;
        // SAFETY: reads at most 8 bytes into a u64; non-blocking, so never waits.
        unsafe { libc::read(self.fd(), (&raw mut count).cast(), 8) };
    }
}

fn check(result: libc::c_int) -> std::io::Result<libc::c_int> {
    if result < 0 {
        Err(std::io::Error::last_os_error())
    } else {
        Ok(result)
    }
}

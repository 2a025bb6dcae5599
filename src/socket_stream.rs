//! A Unix stream the runtime watches for input only.
//!
//! tokio's `UnixStream` asks epoll for both directions, and a Unix socket reports room again
//! each time its peer reads: every frame a client took woke a parked thread in the server, and
//! every key the server took woke the client, for nothing. On a VM, waking a thread whose CPU
//! is idle costs the waker some 30 µs (an interrupt to the other CPU), and the client paid it
//! inside the read of every echo's frame. A [`SocketStream`] is registered for reads alone; a
//! write that finds the socket full watches for room only until it has it (see
//! [`write_room`](crate::write_room)).

use std::io;
use std::os::fd::{AsFd, AsRawFd, OwnedFd};
use std::path::Path;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use tokio::io::unix::AsyncFd;
use tokio::io::{AsyncRead, AsyncWrite, Interest, ReadBuf};

use crate::write_room::{self, register};

/// A connected Unix stream socket, non-blocking, watched for input.
pub struct SocketStream(AsyncFd<OwnedFd>);

impl SocketStream {
    /// Takes `stream` over from tokio (whose registration goes with it). Must be called
    /// inside a tokio runtime.
    pub fn from_tokio(stream: tokio::net::UnixStream) -> io::Result<Self> {
        // Still non-blocking, as tokio had it.
        let stream = stream.into_std()?;
        Ok(Self(register(OwnedFd::from(stream), Interest::READABLE)?))
    }

    /// The socket as std's, no longer watched (still non-blocking): for a thread that copies
    /// it with blocking reads and writes.
    pub fn into_std(self) -> std::os::unix::net::UnixStream {
        self.0.into_inner().into()
    }

    pub async fn connect(path: &Path) -> io::Result<Self> {
        Self::from_tokio(tokio::net::UnixStream::connect(path).await?)
    }

    /// Two connected ends.
    pub fn pair() -> io::Result<(Self, Self)> {
        let (a, b) = tokio::net::UnixStream::pair()?;
        Ok((Self::from_tokio(a)?, Self::from_tokio(b)?))
    }

    /// The two directions, usable apart (from different tasks and threads).
    pub fn into_split(self) -> (ReadHalf, WriteHalf) {
        let socket = Arc::new(self.0);
        let write = WriteHalf {
            socket: socket.clone(),
            room: None,
        };
        (ReadHalf(socket), write)
    }
}

/// The reading end of a [`SocketStream`].
pub struct ReadHalf(Arc<AsyncFd<OwnedFd>>);

impl AsyncRead for ReadHalf {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            let mut ready = ready!(self.0.poll_read_ready(cx))?;
            let unfilled = buf.initialize_unfilled();
            let wanted = unfilled.len();
            match ready.try_io(|socket| receive(socket.get_ref(), unfilled)) {
                Ok(Ok(n)) => {
                    // A short read took all there was (as tokio's own streams assume): the
                    // next input sets the readiness again.
                    if n > 0 && n < wanted {
                        ready.clear_ready();
                    }
                    buf.advance(n);
                    return Poll::Ready(Ok(()));
                }
                Ok(Err(e)) if e.kind() == io::ErrorKind::Interrupted => {}
                Ok(Err(e)) => return Poll::Ready(Err(e)),
                // Would block: the readiness was stale and is cleared; wait again.
                Err(_) => {}
            }
        }
    }
}

/// The writing end of a [`SocketStream`]; writing never waits on a lock, so any thread may
/// [`try_write`](Self::try_write).
pub struct WriteHalf {
    socket: Arc<AsyncFd<OwnedFd>>,
    /// A duplicate of the socket registered for room, while a write waits for it.
    room: Option<AsyncFd<OwnedFd>>,
}

impl WriteHalf {
    /// Writes what the socket takes now, without waiting.
    pub fn try_write(&self, bytes: &[u8]) -> io::Result<usize> {
        // SAFETY: the buffer is valid for its length for the call; the descriptor is open
        // for as long as `self` is.
        let sent = unsafe {
            libc::send(
                self.socket.get_ref().as_raw_fd(),
                bytes.as_ptr().cast(),
                bytes.len(),
                libc::MSG_NOSIGNAL | libc::MSG_DONTWAIT,
            )
        };
        usize::try_from(sent).map_err(|_| io::Error::last_os_error())
    }

    /// Waits until the socket has room, watching for it only meanwhile.
    pub async fn writable(&self) -> io::Result<()> {
        let room = watch_room(&self.socket)?;
        room.writable().await?.retain_ready();
        Ok(())
    }

    /// No more is written: the peer reads the end of the stream after what it got.
    pub fn close_write(&self) {
        // SAFETY: shutdown on a descriptor we keep open.
        unsafe { libc::shutdown(self.socket.get_ref().as_raw_fd(), libc::SHUT_WR) };
    }
}

/// As with tokio's halves, the peer reads the end of the stream once the writing end is
/// dropped, even while the reading end lives on.
impl Drop for WriteHalf {
    fn drop(&mut self) {
        self.close_write();
    }
}

impl AsyncWrite for WriteHalf {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bytes: &[u8],
    ) -> Poll<io::Result<usize>> {
        loop {
            match self.try_write(bytes) {
                Ok(n) => {
                    self.room = None;
                    return Poll::Ready(Ok(n));
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    let room = match self.room.take() {
                        Some(room) => room,
                        None => watch_room(&self.socket)?,
                    };
                    let ready = room
                        .poll_write_ready(cx)
                        .map_ok(|mut ready| ready.clear_ready());
                    self.room = Some(room);
                    ready!(ready)?;
                }
                Err(e) => return Poll::Ready(Err(e)),
            }
        }
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        self.close_write();
        Poll::Ready(Ok(()))
    }
}

fn watch_room(socket: &AsyncFd<OwnedFd>) -> io::Result<AsyncFd<OwnedFd>> {
    write_room::watch(socket.get_ref().as_fd())
}

fn receive(socket: &OwnedFd, buf: &mut [u8]) -> io::Result<usize> {
    // SAFETY: the buffer is valid for its length for the call; the descriptor is open.
    let got = unsafe { libc::recv(socket.as_raw_fd(), buf.as_mut_ptr().cast(), buf.len(), 0) };
    usize::try_from(got).map_err(|_| io::Error::last_os_error())
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    use super::*;

    #[tokio::test]
    async fn bytes_cross_both_ways_and_a_shutdown_or_a_dropped_writer_ends_the_peers_reading() {
        let (a, b) = SocketStream::pair().unwrap();
        let (mut a_read, mut a_write) = a.into_split();
        let (mut b_read, mut b_write) = b.into_split();
        a_write.write_all(b"ping").await.unwrap();
        let mut got = [0u8; 4];
        b_read.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"ping");
        b_write.write_all(b"pong").await.unwrap();
        a_read.read_exact(&mut got).await.unwrap();
        assert_eq!(&got, b"pong");
        a_write.shutdown().await.unwrap();
        assert_eq!(b_read.read(&mut got).await.unwrap(), 0);
        drop(b_write);
        let end = tokio::time::timeout(std::time::Duration::from_secs(5), a_read.read(&mut got));
        let read = end.await.expect("a dropped writer ends the stream");
        assert_eq!(read.unwrap(), 0);
    }

    /// Far more than a socket holds: the writer waits for room the reader makes, and no
    /// byte is lost or reordered.
    #[tokio::test]
    async fn a_write_larger_than_the_socket_waits_for_room_and_arrives_whole() {
        let (a, b) = SocketStream::pair().unwrap();
        let (_, mut write) = a.into_split();
        let (mut read, _) = b.into_split();
        let sent: Vec<u8> = (0..8 * 1024 * 1024u32).map(|i| (i % 251) as u8).collect();
        let expected = sent.clone();
        let writer = tokio::spawn(async move { write.write_all(&sent).await });
        let mut got = Vec::new();
        while got.len() < expected.len() {
            let mut chunk = vec![0u8; 64 * 1024];
            let n = read.read(&mut chunk).await.unwrap();
            assert!(n > 0, "the stream ended early");
            got.extend_from_slice(&chunk[..n]);
        }
        writer.await.unwrap().unwrap();
        assert!(got == expected, "the bytes arrived changed");
    }

    #[tokio::test]
    async fn writable_waits_for_the_reader_to_make_room() {
        let (a, b) = SocketStream::pair().unwrap();
        let (_, write) = a.into_split();
        let (mut read, _) = b.into_split();
        let block = vec![7u8; 64 * 1024];
        while write.try_write(&block).is_ok() {}
        let waiting = tokio::spawn(async move {
            write.writable().await.unwrap();
            write
        });
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        assert!(
            !waiting.is_finished(),
            "writable() said a full socket had room"
        );
        let mut sink = vec![0u8; 1024 * 1024];
        let _ = read.read(&mut sink).await.unwrap();
        let write = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("room was made and not noticed")
            .unwrap();
        assert!(write.try_write(b"x").is_ok());
    }
}

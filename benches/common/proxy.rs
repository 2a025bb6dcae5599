//! A counting proxy for a server's Unix socket: a client pointed at it talks to the server as
//! before, and every byte the server sends that client is counted on the way. It stands where
//! the client looks for the server's socket, `DIR/ccmux/NAME`, under a runtime dir of its own
//! (the client's `XDG_RUNTIME_DIR`), so the server's own socket stays where it is.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

pub struct Proxy {
    runtime: tempfile::TempDir,
    socket: PathBuf,
    to_clients: Arc<AtomicU64>,
    stop: Arc<AtomicBool>,
}

impl Proxy {
    /// Listens as `name` in a fresh runtime dir, forwarding each connection to `server`.
    pub fn start(server: &Path, name: &str) -> anyhow::Result<Self> {
        let runtime = tempfile::tempdir()?;
        let dir = runtime.path().join("ccmux");
        std::fs::create_dir(&dir)?;
        for private in [runtime.path(), &dir] {
            std::fs::set_permissions(private, std::os::unix::fs::PermissionsExt::from_mode(0o700))?;
        }
        let socket = dir.join(name);
        let listener = UnixListener::bind(&socket)?;
        let to_clients = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (server, counter, stopping) = (server.to_path_buf(), to_clients.clone(), stop.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::Relaxed) {
                    break;
                }
                if let Err(e) = client.and_then(|c| forward(c, &server, counter.clone())) {
                    eprintln!("proxy: {e}");
                }
            }
        });
        Ok(Self {
            runtime,
            socket,
            to_clients,
            stop,
        })
    }

    /// The runtime dir to give a client, as its `XDG_RUNTIME_DIR`.
    pub fn runtime_dir(&self) -> &Path {
        self.runtime.path()
    }

    /// Bytes the server has sent all clients through the proxy so far.
    pub fn bytes_to_clients(&self) -> u64 {
        self.to_clients.load(Ordering::Relaxed)
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        // Wakes the accept loop so it sees the stop.
        self.stop.store(true, Ordering::Relaxed);
        let _ = UnixStream::connect(&self.socket);
    }
}

/// Copies both ways on threads of their own until either side closes; counts the server's.
fn forward(client: UnixStream, server: &Path, counter: Arc<AtomicU64>) -> std::io::Result<()> {
    let server = UnixStream::connect(server)?;
    let (client_in, server_out) = (client.try_clone()?, server.try_clone()?);
    std::thread::spawn(move || copy(client_in, server_out, None));
    std::thread::spawn(move || copy(server, client, Some(counter)));
    Ok(())
}

fn copy(mut from: UnixStream, mut to: UnixStream, counter: Option<Arc<AtomicU64>>) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n @ 1..) = from.read(&mut buf) {
        if to.write_all(&buf[..n]).is_err() {
            break;
        }
        if let Some(counter) = &counter {
            counter.fetch_add(n as u64, Ordering::Relaxed);
        }
    }
    let _ = to.shutdown(Shutdown::Write);
    let _ = from.shutdown(Shutdown::Read);
}

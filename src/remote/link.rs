//! The client's end of a remote link: an `ssh` child running `ccmux bridge` on the host, its
//! greeting checked (see `bridge::GREETING`), then the socket protocol over its pipes.

use std::io::Read;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};
use tokio::net::unix::pipe;

use super::bridge::{self, Greeting};
use super::{Host, Prompts, Ssh};
use crate::client::{self, ClientError, Connection, Transport};
use crate::protocol::{self, ProtocolError};

/// What of ssh's stderr is kept for a message: its tail.
const SAID_LIMIT: usize = 4096;
/// Lines a remote shell's start-up files may print before the greeting, and their bytes.
const BEFORE_GREETING_LINES: usize = 64;
const LINE_LIMIT: u64 = 4096;
/// How long an ssh whose output ended gets to say how it exited.
const EXIT_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum RemoteError {
    #[error("`{0}` is not a host: give [user@]host, as ssh takes it")]
    BadHost(String),
    #[error("cannot run ssh (`sh -c`): {0}")]
    Spawn(std::io::Error),
    #[error("ssh to {host} failed: {said}")]
    Ssh { host: Host, said: String },
    #[error(
        "{host} has no `{ccmux}` on the PATH of a non-interactive ssh session: install ccmux \
         there, or set [remote] command to its path (e.g. \"~/.cargo/bin/ccmux\"); {host} said: {said}"
    )]
    NoCcmux {
        host: Host,
        ccmux: String,
        said: String,
    },
    #[error(
        "the ccmux on {host} is older than this one (it has no `ccmux bridge`): upgrade it \
         there to ccmux {local} (protocol {}); {host} said: {said}",
        protocol::VERSION
    )]
    NoBridge {
        host: Host,
        local: &'static str,
        said: String,
    },
    #[error(
        "the ccmux on {host} ({}, protocol {}) is older than this one ({local}, protocol {}): \
         upgrade ccmux on {host} to {local}",
        remote.version, remote.protocol, protocol::VERSION
    )]
    RemoteOlder {
        host: Host,
        remote: Greeting,
        local: &'static str,
    },
    #[error(
        "this ccmux ({local}, protocol {}) is older than the one on {host} ({}, protocol {}): \
         upgrade ccmux here to {}",
        protocol::VERSION, remote.version, remote.protocol, remote.version
    )]
    LocalOlder {
        host: Host,
        remote: Greeting,
        local: &'static str,
    },
    #[error("the bridge on {host} ended: {said}")]
    BridgeEnded { host: Host, said: String },
    #[error("{host}: {source}")]
    Server { host: Host, source: ClientError },
}

/// The ssh child: ended (and reaped) when the link is dropped.
struct Carrier(Child);

impl Drop for Carrier {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The tail of what ssh (and the remote command) wrote to stderr: never on the terminal,
/// which the TUI owns, but in the message when the link fails.
#[derive(Clone, Default)]
struct Said(Arc<Mutex<Vec<u8>>>);

impl Said {
    fn collect(mut stderr: impl Read + Send + 'static) -> (Self, std::thread::JoinHandle<()>) {
        let said = Self::default();
        let kept = said.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 1024];
            while let Ok(n @ 1..) = stderr.read(&mut buf) {
                let mut tail = kept.0.lock().unwrap_or_else(|e| e.into_inner());
                tail.extend_from_slice(&buf[..n]);
                let over = tail.len().saturating_sub(SAID_LIMIT);
                tail.drain(..over);
            }
        });
        (said, reader)
    }

    fn text(&self) -> String {
        let tail = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let text = String::from_utf8_lossy(&tail);
        let text = text.trim();
        if text.is_empty() {
            "nothing".into()
        } else {
            text.to_string()
        }
    }
}

/// Runs `ssh HOST ccmux -L SOCKET bridge` and says hello to the server behind it. With
/// [`Prompts::MayAsk`], ssh may ask for a password or a host key on the terminal first.
pub async fn connect(
    ssh: &Ssh,
    host: &Host,
    socket: &str,
    prompts: Prompts,
) -> Result<Connection, RemoteError> {
    let args = ["-L".to_string(), socket.to_string(), "bridge".to_string()];
    let mut child = ssh
        .command(host, &args, prompts)
        .spawn()
        .map_err(RemoteError::Spawn)?;
    let taken = (child.stdin.take(), child.stdout.take(), child.stderr.take());
    let (Some(stdin), Some(stdout), Some(stderr)) = taken else {
        unreachable!("Ssh::command pipes all three");
    };
    let (said, stderr_reader) = Said::collect(stderr);
    let mut carrier = Carrier(child);
    let pipes = pipe::Sender::from_owned_fd(stdin.into())
        .and_then(|w| Ok((w, pipe::Receiver::from_owned_fd(stdout.into())?)));
    let (writer, reader) = pipes.map_err(RemoteError::Spawn)?;
    let mut reader = BufReader::new(reader);
    let Some(greeting) = read_greeting(&mut reader).await else {
        return Err(why_no_greeting(ssh, host, &mut carrier, stderr_reader, &said).await);
    };
    let local = env!("CARGO_PKG_VERSION");
    if greeting.protocol < protocol::VERSION {
        let remote = greeting;
        return Err(RemoteError::RemoteOlder {
            host: host.clone(),
            remote,
            local,
        });
    }
    if greeting.protocol > protocol::VERSION {
        let remote = greeting;
        return Err(RemoteError::LocalOlder {
            host: host.clone(),
            remote,
            local,
        });
    }
    let transport = Transport {
        reader: Box::new(reader),
        writer: Box::new(writer),
        carrier: Some(Box::new(carrier)),
    };
    client::handshake(transport).await.map_err(|e| match e {
        ClientError::Protocol(ProtocolError::Closed | ProtocolError::Io(_)) => {
            RemoteError::BridgeEnded {
                host: host.clone(),
                said: said.text(),
            }
        }
        source => RemoteError::Server {
            host: host.clone(),
            source,
        },
    })
}

/// The bridge's greeting, past what a remote shell's start-up files printed; `None` when the
/// output ended (or ran on) without one.
async fn read_greeting(reader: &mut BufReader<pipe::Receiver>) -> Option<Greeting> {
    for _ in 0..BEFORE_GREETING_LINES {
        let mut line = Vec::new();
        let read = (&mut *reader)
            .take(LINE_LIMIT)
            .read_until(b'\n', &mut line)
            .await;
        if !matches!(read, Ok(1..)) {
            return None;
        }
        if let Some(greeting) = bridge::parse_greeting(&line) {
            return Some(greeting);
        }
    }
    None
}

/// ssh ended without a greeting: its exit status says who failed (255 is ssh's own, 127 the
/// remote shell's "not found"); anything else is a ccmux that knows no bridge.
async fn why_no_greeting(
    ssh: &Ssh,
    host: &Host,
    carrier: &mut Carrier,
    stderr_reader: std::thread::JoinHandle<()>,
    said: &Said,
) -> RemoteError {
    let deadline = Instant::now() + EXIT_WAIT;
    let mut status = None;
    while Instant::now() < deadline {
        status = carrier.0.try_wait().ok().flatten();
        if status.is_some() && stderr_reader.is_finished() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let (host, said) = (host.clone(), said.text());
    match status.and_then(|s| s.code()) {
        Some(255) => RemoteError::Ssh { host, said },
        Some(127) => RemoteError::NoCcmux {
            host,
            ccmux: ssh.remote_ccmux().to_string(),
            said,
        },
        Some(_) => RemoteError::NoBridge {
            host,
            local: env!("CARGO_PKG_VERSION"),
            said,
        },
        None => RemoteError::BridgeEnded { host, said },
    }
}

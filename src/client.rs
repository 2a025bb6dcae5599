//! The client side of the server's socket: connecting (and starting a server in the
//! background when none runs), and the one-shot commands `ls` and `kill-server`. The protocol
//! runs over any byte stream (a [`Transport`]): the local socket, or an ssh child's pipes to a
//! remote one (see `crate::remote`).

use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc;

use crate::protocol::{self, ClientMessage, ProtocolError, ServerMessage, WorkspaceListing};
use crate::server::SocketPath;
use crate::socket_stream::SocketStream;

/// How long a freshly started server gets to open its socket.
const START_TIMEOUT: Duration = Duration::from_secs(10);
/// How long `kill-server` waits for the server to end its sessions and exit.
const SERVER_EXIT_TIMEOUT: Duration = Duration::from_secs(15);
/// Messages a client reads ahead of what it has handled.
const INCOMING_QUEUE: usize = 64;
/// Messages (keys, mostly) waiting for the socket; past this the server is not reading.
const OUTGOING_QUEUE: usize = 1024;

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("no ccmux server is running on {0} (`ccmux` starts one)")]
    NoServer(PathBuf),
    #[error("cannot reach the server on {path}: {source}")]
    Connect {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the server did not start: {reason}; its log is {log}")]
    DidNotStart { reason: String, log: PathBuf },
    #[error("the server refused: {0}")]
    Refused(String),
    #[error("the server sent something unexpected: {0:?}")]
    Unexpected(Box<ServerMessage>),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
}

/// The two directions of a byte stream to a server, and what must live as long as they do.
pub struct Transport {
    pub reader: Box<dyn AsyncRead + Send + Unpin>,
    pub writer: Box<dyn AsyncWrite + Send + Unpin>,
    /// Dropped when the reading ends: the ssh process carrying a remote connection, say.
    pub carrier: Option<Box<dyn Send>>,
}

impl From<SocketStream> for Transport {
    fn from(stream: SocketStream) -> Self {
        let (reader, writer) = stream.into_split();
        Self {
            // Buffered: a message's length and body come in one read, not one each.
            reader: Box::new(tokio::io::BufReader::with_capacity(64 * 1024, reader)),
            writer: Box::new(writer),
            carrier: None,
        }
    }
}

/// A connection that has said hello.
pub struct Connection {
    transport: Transport,
    pub server_pid: u32,
}

impl Connection {
    pub async fn send(&mut self, message: &ClientMessage) -> Result<(), ProtocolError> {
        protocol::write(&mut self.transport.writer, message).await
    }

    pub async fn receive(&mut self) -> Result<ServerMessage, ProtocolError> {
        protocol::read(&mut self.transport.reader).await
    }

    /// Moves both directions onto tasks with bounded queues: what the TUI's loop talks to. The
    /// writer task ends once every sender is dropped and what they sent is written.
    pub fn into_channels(self) -> Channels {
        let (to_server, mut outgoing) = mpsc::channel::<ClientMessage>(OUTGOING_QUEUE);
        let (incoming, from_server) = mpsc::channel(INCOMING_QUEUE);
        let Transport {
            mut reader,
            mut writer,
            carrier,
        } = self.transport;
        let written = tokio::spawn(async move {
            while let Some(message) = outgoing.recv().await {
                if protocol::write(&mut writer, &message).await.is_err() {
                    break;
                }
            }
        });
        tokio::spawn(async move {
            while let Ok(message) = protocol::read::<ServerMessage>(&mut reader).await {
                if incoming.send(message).await.is_err() {
                    break;
                }
            }
            drop(carrier);
        });
        Channels {
            to_server,
            from_server,
            written,
        }
    }
}

/// A connection as queues.
pub struct Channels {
    pub to_server: mpsc::Sender<ClientMessage>,
    pub from_server: mpsc::Receiver<ServerMessage>,
    /// Finishes when everything sent has been written (or the connection broke).
    pub written: tokio::task::JoinHandle<()>,
}

/// Connects to the server on `socket`.
pub async fn connect(socket: &SocketPath) -> Result<Connection, ClientError> {
    handshake(open(socket).await?).await
}

/// Opens the server's socket, without a word said on it.
async fn open(socket: &SocketPath) -> Result<SocketStream, ClientError> {
    SocketStream::connect(&socket.path)
        .await
        .map_err(|source| match source.kind() {
            std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused => {
                ClientError::NoServer(socket.path.clone())
            }
            _ => ClientError::Connect {
                path: socket.path.clone(),
                source,
            },
        })
}

/// Says hello on a fresh stream and reads the server's welcome.
pub async fn handshake(transport: impl Into<Transport>) -> Result<Connection, ClientError> {
    let mut connection = Connection {
        transport: transport.into(),
        server_pid: 0,
    };
    let hello = ClientMessage::Hello {
        version: protocol::VERSION,
    };
    // A server that refuses us may hang up before our hello is written: its reason still
    // waits to be read, and is the better error.
    let sent = connection.send(&hello).await;
    match (connection.receive().await, sent) {
        (Ok(ServerMessage::Welcome { pid, .. }), Ok(())) => connection.server_pid = pid,
        (Ok(ServerMessage::Refused { reason }), _) => return Err(ClientError::Refused(reason)),
        (Ok(other), _) => return Err(ClientError::Unexpected(Box::new(other))),
        (Err(e), Ok(())) | (_, Err(e)) => return Err(e.into()),
    }
    Ok(connection)
}

/// How to start a server in the background: this binary, with the client's global flags.
pub struct ServerCommand {
    pub args: Vec<String>,
    pub log_file: PathBuf,
    /// Handed over in the environment, never as an argument.
    pub token: Option<String>,
}

/// Connects, first starting a server in the background when none runs.
pub async fn connect_or_start(
    socket: &SocketPath,
    start: &ServerCommand,
) -> Result<Connection, ClientError> {
    let (stream, started) = open_or_spawn(socket, start).await?;
    match (handshake(stream).await, started) {
        // The socket is open before the server finds it cannot run (its API's port taken,
        // say): a connection it drops as it exits is its failure to start.
        (Err(error), Some(mut child)) => Err(match exit_under_way(&mut child).await {
            Some(status) => ClientError::DidNotStart {
                reason: format!("it exited ({status})"),
                log: start.log_file.clone(),
            },
            None => error,
        }),
        (connected, _) => connected,
    }
}

/// Opens the server's socket, first starting a server in the background when none runs; says
/// nothing on it (the bridge leaves the hello to its client).
pub async fn open_or_start(
    socket: &SocketPath,
    start: &ServerCommand,
) -> Result<SocketStream, ClientError> {
    Ok(open_or_spawn(socket, start).await?.0)
}

/// The server's socket, opened, and the server process if this call started it.
async fn open_or_spawn(
    socket: &SocketPath,
    start: &ServerCommand,
) -> Result<(SocketStream, Option<std::process::Child>), ClientError> {
    match open(socket).await {
        Err(ClientError::NoServer(_)) => {}
        other => return other.map(|stream| (stream, None)),
    }
    let did_not_start = |reason: String| ClientError::DidNotStart {
        reason,
        log: start.log_file.clone(),
    };
    let mut child = spawn_server(start).map_err(|e| did_not_start(e.to_string()))?;
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        match open(socket).await {
            Err(ClientError::NoServer(_)) if Instant::now() < deadline => {}
            Err(ClientError::NoServer(_)) => {
                return Err(did_not_start("it did not open its socket in time".into()));
            }
            other => return other.map(|stream| (stream, Some(child))),
        }
        if let Ok(Some(status)) = child.try_wait() {
            return Err(did_not_start(format!("it exited ({status})")));
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// The exit status of a server that is exiting, waited for briefly.
async fn exit_under_way(child: &mut std::process::Child) -> Option<std::process::ExitStatus> {
    for _ in 0..50 {
        if let Ok(Some(status)) = child.try_wait() {
            return Some(status);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    None
}

/// Starts `ccmux serve --background` in a session of its own, so the terminal's hang-up does
/// not reach it; its output goes to the log file.
fn spawn_server(start: &ServerCommand) -> std::io::Result<std::process::Child> {
    if let Some(dir) = start.log_file.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&start.log_file)?;
    let mut command = Command::new(std::env::current_exe()?);
    if let Some(token) = &start.token {
        command.env("CCMUX_API_TOKEN", token);
    }
    command
        .args(&start.args)
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log);
    // SAFETY: setsid is async-signal-safe and touches no memory of the parent.
    unsafe {
        command.pre_exec(|| {
            libc::setsid();
            Ok(())
        });
    }
    command.spawn()
}

/// `ccmux ls`: every workspace with its sessions, from the server on `connection`.
pub async fn list(mut connection: Connection) -> Result<Vec<WorkspaceListing>, ClientError> {
    connection.send(&ClientMessage::List).await?;
    loop {
        match connection.receive().await? {
            ServerMessage::Listing { workspaces } => return Ok(workspaces),
            ServerMessage::Refused { reason } => return Err(ClientError::Refused(reason)),
            _ => {}
        }
    }
}

/// `ccmux reload`: the config files read again; per section that changed, where it applies.
pub async fn reload(socket: &SocketPath) -> Result<Vec<String>, ClientError> {
    let mut connection = connect(socket).await?;
    connection.send(&ClientMessage::Reload).await?;
    loop {
        match connection.receive().await? {
            ServerMessage::Reloaded { changes } => return Ok(changes),
            ServerMessage::Refused { reason } => return Err(ClientError::Refused(reason)),
            _ => {}
        }
    }
}

/// `ccmux kill-server`: returns once the server has ended every session and exited.
pub async fn kill_server(socket: &SocketPath) -> Result<(), ClientError> {
    let mut connection = connect(socket).await?;
    let pid = connection.server_pid as libc::pid_t;
    connection.send(&ClientMessage::KillServer).await?;
    loop {
        match connection.receive().await {
            Ok(ServerMessage::Bye { .. }) | Err(ProtocolError::Closed) => break,
            Err(e) => return Err(e.into()),
            Ok(_) => {}
        }
    }
    // Ending sessions takes up to their grace period; the server exits after the last one.
    let deadline = Instant::now() + SERVER_EXIT_TIMEOUT;
    // SAFETY: signal 0 only asks whether the process exists.
    while unsafe { libc::kill(pid, 0) } == 0 {
        if Instant::now() > deadline {
            return Err(ClientError::Refused(format!(
                "the server (pid {pid}) is still running after {}s",
                SERVER_EXIT_TIMEOUT.as_secs()
            )));
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    Ok(())
}

//! The messages between a ccmux server and its clients (the TUI, `ls`, `attach`,
//! `kill-server`) over the server's Unix socket.
//!
//! Every message is one frame: a 4-byte big-endian length, then the message in MessagePack
//! (terminal bytes travel as binary, not as JSON arrays). A connection opens with the client's
//! [`ClientMessage::Hello`] and the server's [`ServerMessage::Welcome`]; a client that speaks
//! another [`VERSION`] is told so and closed, never misread.
//!
//! Screens, not bytes: a client receives frames (the rows that changed, see `crate::screen`)
//! of the sessions of the workspace it is attached to, and of no other, and sends typed input
//! that the server encodes with the session's modes. It parses no terminal output.
//!
//! The WebSocket API's JSON messages are in [`websocket`].

pub mod websocket;

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::screen::Frame;
use crate::screen::history::{Direction, Point};
use crate::screen::input::Input;
use crate::screen::styled::Row;
use crate::session::{SessionId, SessionInfo, TerminalSize, WorkspaceName};

/// Bumped whenever a message changes shape.
pub const VERSION: u32 = 5;

/// Largest frame either side accepts. A selection's text over a full history is the largest
/// message.
pub const MAX_FRAME: usize = 64 * 1024 * 1024;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ClientMessage {
    Hello {
        version: u32,
    },
    /// Show a workspace: see [`Attach`].
    Attach(Attach),
    /// Keys, pastes, mouse reports and focus changes, encoded by the server for the
    /// program's terminal modes.
    Input {
        session: SessionId,
        input: Input,
    },
    /// The size this client shows a session's pane at. Whether the session takes it depends
    /// on who typed into it last (see `server::sizes`).
    PaneSize {
        session: SessionId,
        size: TerminalSize,
    },
    /// The sessions the client draws now (a zoomed pane hides the others): only their frames
    /// are sent. Until a client says, it is sent all of its workspace's.
    Shown {
        sessions: Vec<SessionId>,
    },
    /// The client has taken every frame up to this one: the server may send more (see
    /// `screen::schedule`).
    FrameTaken {
        frame: u64,
    },
    /// The session's screen scrolled back `offset` rows into its history, answered by
    /// [`ServerMessage::Page`].
    Page {
        session: SessionId,
        offset: usize,
    },
    /// The next line holding `needle` beyond the view scrolled back `offset` rows, answered by
    /// [`ServerMessage::Found`].
    Search {
        session: SessionId,
        needle: String,
        offset: usize,
        direction: Direction,
    },
    /// The text between two places of the session's history and screen, answered by
    /// [`ServerMessage::Copied`].
    Copy {
        session: SessionId,
        from: Point,
        to: Point,
    },
    /// The session's interrupt key (Esc for Claude Code, Ctrl-C otherwise).
    Interrupt {
        session: SessionId,
    },
    /// Answer the dialog a session waits on (see `session::dialog`); a failure comes back as
    /// a [`ServerMessage::Notice`].
    Answer {
        session: SessionId,
        choice: crate::session::dialog::Choice,
    },
    /// End a session and everything it started, then dismiss it: its pane goes from every
    /// client (an ended one is only dismissed).
    Close {
        session: SessionId,
    },
    /// Start a session in the attached workspace.
    Create(NewSession),
    /// Read the config files again (`ccmux reload`): answered by [`ServerMessage::Reloaded`],
    /// or `Refused` when a file does not parse (the config in force stays).
    Reload,
    /// Show the next (`step` 1) or previous (-1) workspace.
    SwitchWorkspace {
        step: i32,
    },
    /// End every session of the attached workspace.
    CloseWorkspace,
    /// Every workspace with its sessions, answered by [`ServerMessage::Listing`].
    List,
    /// End every session and the server.
    KillServer,
    /// Run a macro (from the client's config) against a session; its report comes back as a
    /// notice.
    RunMacro {
        session: SessionId,
        name: String,
        spec: crate::config::macro_spec::MacroSpec,
    },
    /// Start (`on`) or stop sending [`ServerMessage::Usage`] for the attached workspace.
    WatchUsage {
        on: bool,
    },
    /// From a session's hook or status line process (`ccmux hook`), carrying the session's
    /// capability: answered by [`ServerMessage::ReportTaken`] or `Refused`, then closed.
    Report(crate::claude::ReportPost),
}

/// Which workspace to show, and how to create it when it does not exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attach {
    /// `None`: the workspace `cwd` belongs to when `create`, else the most recently used one.
    pub workspace: Option<WorkspaceName>,
    /// Start the workspace (its project's configured sessions, or `run`) when it is missing.
    pub create: bool,
    /// Where the client runs: the project whose config describes the workspace.
    pub cwd: PathBuf,
    /// A `-c` config file the client was given.
    pub config: Option<PathBuf>,
    /// A command given after `--`, started as the workspace's only session.
    pub run: Vec<String>,
    /// The client's values of the variables its config names as `auth_token_env`: a session
    /// it asks for takes its token from the client's environment, not the server's.
    #[serde(default)]
    pub tokens: Tokens,
}

/// Variables' values that are secrets: their names show in a log, never their values.
#[derive(Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Tokens(pub std::collections::BTreeMap<String, String>);

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// What the new-session prompt asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewSession {
    pub task_id: String,
    pub project_path: PathBuf,
    pub command: Option<Vec<String>>,
    pub template: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum ServerMessage {
    Welcome {
        version: u32,
        pid: u32,
    },
    /// The client now shows this workspace; its sessions and their terminals follow.
    Attached {
        workspace: WorkspaceName,
        workspaces: Vec<WorkspaceName>,
        api: Option<SocketAddr>,
    },
    /// The attached workspace's sessions, sent whenever one starts, ends or changes state.
    Sessions {
        sessions: Vec<SessionInfo>,
    },
    /// The screens that changed since the frame before, numbered for
    /// [`ClientMessage::FrameTaken`].
    Frame {
        frame: u64,
        screens: Vec<(SessionId, Frame)>,
    },
    /// A screenful of a session's history, scrolled back `offset` rows.
    Page {
        session: SessionId,
        offset: usize,
        rows: Vec<Row>,
    },
    /// Where a search for `needle` goes: the offset that shows the match, or none.
    Found {
        session: SessionId,
        needle: String,
        offset: Option<usize>,
    },
    /// A selection's text, for the client's clipboard.
    Copied {
        text: String,
    },
    /// Something the user should read (a session that did not start, say).
    Notice {
        text: String,
    },
    Listing {
        workspaces: Vec<WorkspaceListing>,
    },
    /// The config was reloaded: per section that changed, where it applies.
    Reloaded {
        changes: Vec<String>,
    },
    /// The request cannot be served; the connection closes after this.
    Refused {
        reason: String,
    },
    /// A hook's report was taken; `output` is what the hook prints for Claude Code (a
    /// permission decision), if anything. The connection closes after this.
    ReportTaken {
        output: Option<String>,
    },
    /// The server is going away (kill-server, a signal); the connection closes after this.
    Bye {
        reason: String,
    },
    /// CPU and memory of the attached workspace's live sessions, every few seconds while the
    /// client watches them.
    Usage {
        sessions: Vec<(SessionId, crate::usage::Resources)>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WorkspaceListing {
    pub name: WorkspaceName,
    pub sessions: Vec<SessionInfo>,
}

#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("the connection closed")]
    Closed,
    #[error("a frame of {0} bytes is over the {MAX_FRAME}-byte limit")]
    TooLarge(usize),
    #[error("i/o: {0}")]
    Io(#[from] std::io::Error),
    #[error("a message could not be decoded: {0}")]
    Decode(#[from] rmp_serde::decode::Error),
    #[error("a message could not be encoded: {0}")]
    Encode(#[from] rmp_serde::encode::Error),
}

/// Encodes one message as a frame.
pub fn encode<T: Serialize>(message: &T) -> Result<Vec<u8>, ProtocolError> {
    let body = rmp_serde::to_vec_named(message)?;
    if body.len() > MAX_FRAME {
        return Err(ProtocolError::TooLarge(body.len()));
    }
    let mut frame = Vec::with_capacity(4 + body.len());
    frame.extend_from_slice(&(body.len() as u32).to_be_bytes());
    frame.extend_from_slice(&body);
    Ok(frame)
}

pub async fn write<T: Serialize>(
    writer: &mut (impl AsyncWrite + Unpin),
    message: &T,
) -> Result<(), ProtocolError> {
    writer.write_all(&encode(message)?).await?;
    writer.flush().await?;
    Ok(())
}

/// Reads one message; [`ProtocolError::Closed`] at a clean end of the stream.
pub async fn read<T: for<'de> Deserialize<'de>>(
    reader: &mut (impl AsyncRead + Unpin),
) -> Result<T, ProtocolError> {
    let mut len = [0u8; 4];
    match reader.read_exact(&mut len).await {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            return Err(ProtocolError::Closed);
        }
        Err(e) => return Err(e.into()),
    }
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_FRAME {
        return Err(ProtocolError::TooLarge(len));
    }
    let mut body = vec![0u8; len];
    reader.read_exact(&mut body).await?;
    decode(&body)
}

/// Decodes a frame's body (what follows its length).
pub fn decode<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ProtocolError> {
    Ok(rmp_serde::from_slice(body)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn messages_survive_the_trip_through_frames() {
        let (mut a, mut b) = tokio::io::duplex(1 << 16);
        let sent = ServerMessage::Copied {
            text: "red\u{1b}".into(),
        };
        write(&mut a, &sent).await.unwrap();
        write(&mut a, &ClientMessage::SwitchWorkspace { step: -1 })
            .await
            .unwrap();
        drop(a);
        assert_eq!(read::<ServerMessage>(&mut b).await.unwrap(), sent);
        assert_eq!(
            read::<ClientMessage>(&mut b).await.unwrap(),
            ClientMessage::SwitchWorkspace { step: -1 }
        );
        assert!(matches!(
            read::<ClientMessage>(&mut b).await,
            Err(ProtocolError::Closed)
        ));
    }

    #[tokio::test]
    async fn a_frame_over_the_limit_is_refused_before_it_is_read() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(&(MAX_FRAME as u32 + 1).to_be_bytes())
            .await
            .unwrap();
        assert!(matches!(
            read::<ClientMessage>(&mut b).await,
            Err(ProtocolError::TooLarge(_))
        ));
    }
}

//! The requests a session's actor takes: one enum, so everything that can happen to a session
//! from outside is listed in one place and handled in one `match`.

use std::time::Duration;

use tokio::sync::oneshot;

use crate::session::command::{CommandRecord, CommandReply};
use crate::session::config::TerminalSize;
use crate::session::error::SessionError;
use crate::session::output::SessionOutput;

/// Requests to the actor. Each carries the channel its answer goes back on.
pub enum Control {
    Command {
        text: String,
        timeout: Duration,
        reply: CommandReply,
    },
    Input {
        bytes: Vec<u8>,
        reply: oneshot::Sender<Result<(), SessionError>>,
    },
    /// Keys already written by the keystroke path (`Session::type_now`), to be logged,
    /// recorded and looked at for Enter. It takes a slot reserved before the write, so a
    /// note is never lost to a full queue.
    Typed { bytes: Vec<u8> },
    Resize {
        size: TerminalSize,
        reply: oneshot::Sender<Result<(), SessionError>>,
    },
    Interrupt {
        reply: oneshot::Sender<Result<(), SessionError>>,
    },
    Terminate {
        ending: crate::session::Ending,
        reason: String,
        reply: oneshot::Sender<()>,
    },
    Output {
        since: u64,
        limit: usize,
        reply: oneshot::Sender<(Vec<SessionOutput>, u64)>,
    },
    History {
        reply: oneshot::Sender<Vec<CommandRecord>>,
    },
    /// `[[policy]]` rules from a reloaded config, for the permission requests to come.
    Policies {
        policies: std::sync::Arc<crate::claude::policy::Policies>,
        reply: oneshot::Sender<()>,
    },
    /// A hook or status line report, with the capability it came with.
    Report {
        capability: String,
        report: Box<crate::claude::Report>,
        reply: oneshot::Sender<Result<Option<String>, crate::claude::ReportRefused>>,
    },
}

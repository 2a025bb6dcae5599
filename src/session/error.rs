//! What can go wrong with one session, in words a user can act on.

use std::path::PathBuf;

use crate::session::state::SessionState;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SessionError {
    #[error("project path `{0}` does not exist")]
    ProjectPathMissing(PathBuf),
    #[error("project path `{0}` is not a directory")]
    ProjectPathNotDirectory(PathBuf),
    #[error("the command is empty: give at least the program to run")]
    EmptyCommand,
    #[error("`{0}` was not found on PATH")]
    ProgramNotFound(String),
    #[error("`{program}` cannot be run: {reason}")]
    ProgramNotExecutable { program: String, reason: String },
    /// argv, environment or token that `execve` cannot take; `field` names the request field.
    #[error("{field}: {problem}")]
    InvalidExecInput {
        field: &'static str,
        problem: String,
    },
    #[error("could not open a pseudo-terminal: {0}")]
    Pty(String),
    #[error("could not start `{program}`: {reason}")]
    Spawn { program: String, reason: String },
    #[error("the session is {0}; it takes a command only when ready, idle or in error")]
    NotAcceptingCommands(SessionState),
    #[error("the session has ended")]
    Ended,
    /// The program has not read what it was sent; see `input.rs`.
    #[error(
        "the program is not reading its input: {queued} bytes already wait to be written \
         (at most {} KiB); try again once it reads",
        crate::session::input::INPUT_QUEUE_LIMIT / 1024
    )]
    InputQueueFull { queued: usize },
}

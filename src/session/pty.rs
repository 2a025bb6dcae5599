//! Starting a program in a pseudo-terminal, served by machinery every session shares rather
//! than threads of its own:
//!
//! - the poller reads output into a bounded channel and, when that is full, stops reading so
//!   the program blocks on its writes (back-pressure instead of an unbounded buffer); the
//!   output is parsed on the session's parse thread on the way (`poller.rs`, `parse_pool.rs`);
//! - the poller also writes the session's input queue (bounded too, see `input.rs`), so a slow
//!   or flooded program can never stall the session actor or another session's input;
//! - the reaper reaps the child: exit is detected by `waitpid`, not by the PTY's EOF, because
//!   a grandchild may hold the terminal open after the program itself has exited
//!   (`reaper.rs`).
//!
//! Reading and writing end when the session drops its [`Stop`].

use portable_pty::{CommandBuilder, MasterPty, PtySize, native_pty_system};
use std::path::{Path, PathBuf};
use tokio::sync::{mpsc, oneshot};

use crate::session::config::{MAX_EXEC_COUNT, MAX_EXEC_STRING, MAX_EXEC_TOTAL, SessionConfig};
use crate::session::error::SessionError;
use crate::session::input::{self, InputSender};
use crate::session::parse_pool::Shard;
use crate::session::poller::{self, Stop};
use crate::session::pty_io::{self, Chunk};
use crate::session::reaper::Reaper;

/// Chunks of output in flight between the PTY and the session actor, parsed or waiting to be:
/// at most this × [`pty_io::READ_SIZE`].
pub const OUTPUT_QUEUE: usize = 16;

/// Variables that would make Claude Code believe it runs inside another Claude Code, and our
/// own secret, which no child may see.
const SCRUBBED_ENV: [&str; 3] = ["CLAUDECODE", "CLAUDE_CODE_ENTRYPOINT", "CCMUX_API_TOKEN"];

/// Set in every session's environment, as tmux sets `TMUX`: a `ccmux` started inside a pane
/// knows it is nested.
pub const IN_A_PANE: &str = "CCMUX";

/// How the child ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExitInfo {
    pub code: Option<i32>,
    pub signal: Option<String>,
}

/// A running child and the channels to what serves it.
pub struct Spawned {
    pub pid: u32,
    pub master: Box<dyn MasterPty + Send>,
    pub output: mpsc::Receiver<Chunk>,
    pub input: InputSender,
    /// Dropped when the session ends, which ends reading and writing its PTY.
    pub stop: Stop,
    pub exit: oneshot::Receiver<ExitInfo>,
}

/// Spawns `config.command` in a new PTY. Either everything is set up or nothing is left behind.
pub fn spawn(
    config: &SessionConfig,
    parser: pty_io::Parser,
    shard: Shard,
    reaper: &Reaper,
) -> Result<Spawned, SessionError> {
    let resolved = preflight(config)?;

    let size = config.terminal_size;
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: size.rows,
            cols: size.cols,
            pixel_width: 0,
            pixel_height: 0,
        })
        .map_err(|e| SessionError::Pty(e.to_string()))?;

    let pty_error = |e: std::io::Error| SessionError::Pty(e.to_string());
    let master_fd = pair.master.as_raw_fd().ok_or_else(|| {
        SessionError::Pty("the pseudo-terminal has no file descriptor".to_string())
    })?;
    let master = pty_io::open_master(master_fd).map_err(pty_error)?;
    let typed = master.try_clone().map_err(pty_error)?;
    let master = poller::Master::new(master).map_err(pty_error)?;

    let mut cmd = CommandBuilder::new(&resolved);
    cmd.args(&config.command[1..]);
    if let Some(conversation) = &config.conversation {
        cmd.args(conversation.args());
    }
    if let Some(launch) = &config.claude.launch {
        cmd.args(&launch.args);
        for (key, value) in &launch.env {
            cmd.env(key, value);
        }
    }
    cmd.cwd(&config.project_path);
    for key in SCRUBBED_ENV {
        cmd.env_remove(key);
    }
    cmd.env("TERM", "xterm-256color");
    cmd.env("COLORTERM", "truecolor");
    cmd.env(IN_A_PANE, "1");
    for (key, value) in &config.environment {
        cmd.env(key, value);
    }
    if let Some(token) = &config.auth_token {
        cmd.env("ANTHROPIC_API_KEY", token);
    }

    let spawn_error = |e: anyhow::Error| SessionError::Spawn {
        program: config.command[0].clone(),
        reason: e.to_string(),
    };
    let child = pair.slave.spawn_command(cmd).map_err(spawn_error)?;
    // Our copy of the slave must go, or the reader would never see EOF.
    drop(pair.slave);
    let pid = child.process_id().unwrap_or(0);

    let (output_tx, output) = mpsc::channel(OUTPUT_QUEUE);
    let (input, input_rx) = input::queue(Some(typed));
    // The reaper waits for the child by its pid; portable-pty's handle is not needed for it.
    drop(child);
    let exit = reaper.watch(pid);
    let stop = master.start(output_tx, input_rx, shard, parser);

    Ok(Spawned {
        pid,
        master: pair.master,
        output,
        input,
        stop,
        exit,
    })
}

/// Refuses what `execve` cannot take (a NUL byte would cut a string short; the sizes are the
/// `MAX_EXEC_*` limits), naming the request field it came from. Values are never quoted: they
/// may be secrets.
fn check_exec_input(config: &SessionConfig) -> Result<(), SessionError> {
    let args = config.command.iter().enumerate();
    check_strings(
        "command",
        "arguments",
        args.map(|(i, arg)| (format!("argv[{i}]"), arg)),
    )?;
    if let Some(name) = config
        .environment
        .keys()
        .find(|name| name.is_empty() || name.contains(['=', '\0']))
    {
        return Err(refused(
            "environment",
            format!("{name:?} is not a variable name: it must be non-empty, without `=` or NUL"),
        ));
    }
    let vars = config.environment.iter();
    check_strings(
        "environment",
        "variables",
        vars.map(|(name, value)| (format!("`{name}=…`"), format!("{name}={value}"))),
    )?;
    if let Some(token) = &config.auth_token {
        check_string("auth_token", "the token", token)?;
    }
    Ok(())
}

/// Checks each of `strings` (named by the first of each pair) and their count and total size.
fn check_strings(
    field: &'static str,
    noun: &str,
    strings: impl Iterator<Item = (String, impl AsRef<str>)>,
) -> Result<(), SessionError> {
    let (mut count, mut total) = (0, 0);
    for (name, string) in strings {
        total += check_string(field, &name, string.as_ref())?;
        count += 1;
    }
    if count > MAX_EXEC_COUNT {
        return Err(refused(
            field,
            format!("{count} {noun}; at most {MAX_EXEC_COUNT}"),
        ));
    }
    if total > MAX_EXEC_TOTAL {
        return Err(refused(
            field,
            format!(
                "the {noun} take {total} bytes; at most {} KiB in all",
                MAX_EXEC_TOTAL / 1024
            ),
        ));
    }
    Ok(())
}

/// Returns the string's length once it is known to be passable.
fn check_string(field: &'static str, name: &str, string: &str) -> Result<usize, SessionError> {
    if string.contains('\0') {
        return Err(refused(field, format!("{name} contains a NUL byte")));
    }
    if string.len() > MAX_EXEC_STRING {
        return Err(refused(
            field,
            format!(
                "{name} is {} bytes; at most {} KiB",
                string.len(),
                MAX_EXEC_STRING / 1024
            ),
        ));
    }
    Ok(string.len())
}

fn refused(field: &'static str, problem: String) -> SessionError {
    SessionError::InvalidExecInput { field, problem }
}

/// What `spawn` refuses before it starts anything, asked alone (`config check` does): input
/// too large, a missing project directory, a program that is not there. The program's path.
pub fn preflight(config: &SessionConfig) -> Result<PathBuf, SessionError> {
    check_exec_input(config)?;
    check_project_path(&config.project_path)?;
    let program = config.command.first().ok_or(SessionError::EmptyCommand)?;
    resolve_program(program, &config.environment)
}

fn check_project_path(path: &Path) -> Result<(), SessionError> {
    match std::fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => Err(SessionError::ProjectPathNotDirectory(path.to_path_buf())),
        Err(_) => Err(SessionError::ProjectPathMissing(path.to_path_buf())),
    }
}

/// Finds `program` the way the child would: a path as given, else on the child's PATH.
pub fn resolve_program(
    program: &str,
    env: &std::collections::BTreeMap<String, String>,
) -> Result<PathBuf, SessionError> {
    if program.is_empty() {
        return Err(SessionError::EmptyCommand);
    }
    if program.contains('/') {
        let path = PathBuf::from(program);
        return check_executable(&path, program).map(|_| path);
    }
    let path_var = env
        .get("PATH")
        .cloned()
        .or_else(|| std::env::var("PATH").ok())
        .unwrap_or_default();
    std::env::split_paths(&path_var)
        .map(|dir| dir.join(program))
        .find(|candidate| check_executable(candidate, program).is_ok())
        .ok_or_else(|| SessionError::ProgramNotFound(program.to_string()))
}

fn check_executable(path: &Path, program: &str) -> Result<(), SessionError> {
    use std::os::unix::fs::PermissionsExt;
    let not_executable = |reason: &str| SessionError::ProgramNotExecutable {
        program: program.to_string(),
        reason: reason.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(|_| not_executable("no such file"))?;
    if meta.is_dir() {
        return Err(not_executable("it is a directory"));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(not_executable("it is not executable"));
    }
    Ok(())
}

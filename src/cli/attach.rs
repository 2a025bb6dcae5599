//! Attaching the TUI: to this machine's server (started in the background when none runs),
//! or to another machine's over ssh; and what the terminal is told when it ends.

use std::path::PathBuf;
use std::process::ExitCode;

use crate::cli::GlobalArgs;
use crate::client::{self, ServerCommand};
use crate::logging;
use crate::protocol::Attach;
use crate::remote;
use crate::server::SocketPath;
use crate::server::runtime::Context;
use crate::tui::Leave;

/// `ccmux` and `ccmux attach`: the TUI as a client of the server, which `ccmux` starts when
/// none runs, with the sessions of `hosts` (and `[remote] hosts`) beside its own.
pub fn tui(
    global: GlobalArgs,
    socket: SocketPath,
    attach: Attach,
    no_restore: bool,
    hosts: Vec<String>,
    log_file: PathBuf,
) -> anyhow::Result<ExitCode> {
    logging::init(&log_file);
    if std::env::var_os(crate::session::IN_A_PANE).is_some() {
        crate::terminal_text::errln!(
            "ccmux: warning: this is inside a ccmux pane (${} is set), so this ccmux is nested \
             in that one: the outer one sees the prefix key first",
            crate::session::IN_A_PANE
        );
    }
    let ctx = Context::load(global)?;
    // A session's token comes from the environment of the client that asks for it.
    let tokens = ctx.config.token_variables().into_iter().filter_map(|var| {
        let value = std::env::var(var).ok()?;
        Some((var.to_string(), value))
    });
    let attach = Attach {
        tokens: crate::protocol::Tokens(tokens.collect()),
        ..attach
    };
    let start = server_command(&ctx.global, &socket, &log_file, no_restore)?;
    let create = attach.create;
    let log_before = std::fs::metadata(&log_file).map_or(0, |m| m.len());
    // One thread: every hop of a key and its echo stays on it, with no wake-up of another.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let leave = runtime.block_on(async {
        let connection = if create {
            client::connect_or_start(&socket, &start)
                .await
                .inspect_err(|e| tell_why_not_started(e, &log_file, log_before))?
        } else {
            client::connect(&socket).await?
        };
        let local = connection.into_channels();
        let (channels, link) = remote::mux::join(local, hosts, &ctx.config.remote, &socket.name)?;
        crate::tui::run(channels, link, attach, ctx.config.clone(), ctx.cwd.clone()).await
    })?;
    Ok(tell_leave(leave))
}

/// What the terminal is told when the TUI ends, and the exit status.
fn tell_leave(leave: Leave) -> ExitCode {
    match leave {
        Leave::Detached => {
            crate::terminal_text::outln!("[detached; `ccmux attach` comes back]");
            ExitCode::SUCCESS
        }
        Leave::ServerStopped(reason) => {
            crate::terminal_text::outln!("[the server stopped: {reason}]");
            ExitCode::SUCCESS
        }
        Leave::ServerLost => {
            crate::terminal_text::errln!(
                "ccmux: lost the connection to the server (it may have been killed); \
                 `ccmux` starts a new one, which restores the sessions it can"
            );
            ExitCode::FAILURE
        }
    }
}

/// `ccmux attach --host HOST`: the TUI as a client of HOST's server, through ssh and the
/// bridge there (which starts that server when none runs).
pub fn remote(
    global: GlobalArgs,
    socket: SocketPath,
    attach: Attach,
    host: &str,
    log_file: PathBuf,
) -> anyhow::Result<ExitCode> {
    logging::init(&log_file);
    let ctx = Context::load(global)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let (config, cwd) = (ctx.config.clone(), ctx.cwd.clone());
    let session = remote::attach::run(host, &socket.name, attach, config, cwd);
    Ok(tell_leave(runtime.block_on(session)?))
}

/// A server started for this client that did not come up said why on its stderr, which went
/// to the log: those lines (`ccmux: …`, written since `from`) go on the terminal too.
fn tell_why_not_started(error: &client::ClientError, log_file: &std::path::Path, from: u64) {
    use std::io::{Read, Seek};
    if !matches!(error, client::ClientError::DidNotStart { .. }) {
        return;
    }
    let mut said = String::new();
    let read = std::fs::File::open(log_file).and_then(|mut file| {
        file.seek(std::io::SeekFrom::Start(from))?;
        file.take(64 * 1024).read_to_string(&mut said)
    });
    if read.is_err() {
        return;
    }
    for line in said.lines().filter(|l| l.starts_with("ccmux: ")) {
        crate::terminal_text::errln!("{line}");
    }
}

/// The background server gets the client's flags, but the token through the environment:
/// an argument would show it in `ps`.
pub fn server_command(
    global: &GlobalArgs,
    socket: &SocketPath,
    log_file: &std::path::Path,
    no_restore: bool,
) -> anyhow::Result<ServerCommand> {
    let mut args = vec!["-L".to_string(), socket.name.clone()];
    if let Some(config) = &global.config {
        args.extend(["-c".to_string(), absolute(config)?.display().to_string()]);
    }
    if let Some(listen) = global.listen {
        args.extend(["--listen".to_string(), listen.to_string()]);
    }
    if global.allow_remote {
        args.push("--allow-remote".to_string());
    }
    if let Some(file) = &global.token_file {
        args.extend([
            "--token-file".to_string(),
            absolute(file)?.display().to_string(),
        ]);
    }
    let log_file = absolute(log_file)?;
    args.extend(["--log-file".to_string(), log_file.display().to_string()]);
    args.extend(["serve".to_string(), "--background".to_string()]);
    if no_restore {
        args.push("--no-restore".to_string());
    }
    Ok(ServerCommand {
        args,
        log_file,
        token: global.token.clone(),
    })
}

/// `path` made absolute from this directory: the server, whose directory is its own, reads it.
pub fn absolute(path: &std::path::Path) -> anyhow::Result<PathBuf> {
    Ok(std::env::current_dir()?.join(path))
}

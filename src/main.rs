use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use ccmux::cli::{Cli, Command, ConfigCommand, GlobalArgs};
use ccmux::client::{self, ServerCommand};
use ccmux::config::trust::{self, Trust, TrustAction};
use ccmux::protocol::Attach;
use ccmux::server::runtime::{self, Context};
use ccmux::server::{self, ServeOptions, SocketPath};
use ccmux::tui::Leave;
use ccmux::{config, ctl, logging};

fn main() -> ExitCode {
    let cli = Cli::parse();
    // Hooks first and alone: they must answer Claude Code quickly, whatever else is set.
    match cli.command {
        Some(Command::Hook) => return ccmux::hook::hook(),
        Some(Command::StatusLine) => return ccmux::hook::status_line(),
        _ => {}
    }
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("ccmux: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let log_file = cli
        .global
        .log_file
        .clone()
        .unwrap_or_else(logging::default_file);
    let socket = SocketPath::for_name(&cli.global.socket)?;
    match cli.command {
        Some(Command::Hook | Command::StatusLine) => {}
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "ccmux", &mut std::io::stdout());
        }
        Some(Command::Config(ConfigCommand::Check { path })) => return Ok(check(path, cli.global)),
        Some(Command::Config(ConfigCommand::Path)) => {
            print!("{}", runtime::describe_paths(&std::env::current_dir()?));
        }
        Some(Command::Config(ConfigCommand::Show)) => {
            let ctx = Context::load(cli.global)?;
            print!("{}", toml::to_string(&*ctx.config)?);
        }
        Some(Command::Trust { path, revoke, list }) => {
            let action = match (list, revoke) {
                (true, _) => TrustAction::List,
                (false, true) => TrustAction::Revoke(path),
                (false, false) => TrustAction::Trust(path),
            };
            print!("{}", trust::run(action, &std::env::current_dir()?)?);
        }
        Some(Command::Play { file, speed }) => ccmux::ctl::play::run(&file, speed)?,
        Some(Command::Detect { file, profile }) => {
            let ctx = Context::load(cli.global)?;
            print!(
                "{}",
                ccmux::ctl::detect::run(&file, profile.as_deref(), &ctx.config)?
            );
        }
        Some(Command::Token) => println!("{}", Context::load(cli.global)?.token()?),
        Some(Command::Web { open, revoke }) => {
            let ctx = Context::load(cli.global)?;
            let endpoint = ctl_endpoint(&ctx, &socket)?;
            ccmux::ctl::web::run(ccmux::ctl::web::WebArgs { open, revoke }, endpoint)?;
        }
        Some(Command::Ctl(args)) => {
            let ctx = Context::load(cli.global)?;
            let endpoint = ctl_endpoint(&ctx, &socket)?;
            return ctl::run(args, endpoint);
        }
        Some(Command::Serve {
            background,
            no_restore,
        }) => {
            logging::init(&log_file);
            let ctx = Context::load(cli.global)?;
            let options = ServeOptions {
                socket,
                background,
                restore: !no_restore,
            };
            tokio_runtime()?.block_on(server::run(ctx, options))?;
        }
        Some(Command::Ls) => {
            let workspaces = tokio_runtime()?.block_on(client::list(&socket))?;
            print!("{}", ccmux::ls::format(&workspaces));
        }
        Some(Command::KillServer) => tokio_runtime()?.block_on(client::kill_server(&socket))?,
        Some(Command::Attach { workspace }) => {
            let attach = Attach {
                workspace,
                create: false,
                cwd: std::env::current_dir()?,
                config: None,
                run: Vec::new(),
            };
            return attach_tui(cli.global, socket, attach, false, log_file);
        }
        None => {
            let attach = Attach {
                workspace: cli.workspace,
                create: true,
                cwd: std::env::current_dir()?,
                config: cli.global.config.as_deref().map(absolute).transpose()?,
                run: cli.run,
            };
            return attach_tui(cli.global, socket, attach, cli.no_restore, log_file);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `ccmux` and `ccmux attach`: the TUI as a client of the server, which `ccmux` starts when
/// none runs.
fn attach_tui(
    global: GlobalArgs,
    socket: SocketPath,
    attach: Attach,
    no_restore: bool,
    log_file: PathBuf,
) -> anyhow::Result<ExitCode> {
    logging::init(&log_file);
    let ctx = Context::load(global)?;
    let start = server_command(&ctx.global, &socket, &log_file, no_restore)?;
    let create = attach.create;
    // One thread: every hop of a key and its echo stays on it, with no wake-up of another.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let leave = runtime.block_on(async {
        let connection = if create {
            client::connect_or_start(&socket, &start).await?
        } else {
            client::connect(&socket).await?
        };
        ccmux::tui::run(connection, attach, ctx.config.clone(), ctx.cwd.clone()).await
    })?;
    Ok(match leave {
        Leave::Detached => {
            println!("[detached; `ccmux attach` comes back]");
            ExitCode::SUCCESS
        }
        Leave::ServerStopped(reason) => {
            println!("[the server stopped: {reason}]");
            ExitCode::SUCCESS
        }
        Leave::ServerLost => {
            eprintln!(
                "ccmux: lost the connection to the server (it may have been killed); \
                 `ccmux` starts a new one, which restores the sessions it can"
            );
            ExitCode::FAILURE
        }
    })
}

/// The background server gets the client's flags, but the token through the environment:
/// an argument would show it in `ps`.
fn server_command(
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

fn absolute(path: &std::path::Path) -> anyhow::Result<PathBuf> {
    Ok(std::env::current_dir()?.join(path))
}

/// The API of the server on `socket` when one runs (it says where it listens and which token
/// is in force), else what this command's own flags and config say.
fn ctl_endpoint(ctx: &Context, socket: &SocketPath) -> anyhow::Result<ctl::Endpoint> {
    let running = server::info::read(socket);
    let addr = match (ctx.global.listen, running.as_ref().and_then(|i| i.api)) {
        (Some(explicit), _) => explicit,
        (None, Some(running)) => running,
        (None, None) => ctx.config.api.listen,
    };
    let token = match running.and_then(|i| i.token_file) {
        Some(file)
            if ctx.global.token.is_none()
                && ctx.global.token_file.is_none()
                && std::env::var_os("CCMUX_API_TOKEN").is_none() =>
        {
            ccmux::http::token::stored(&file)?
        }
        _ => ctx.token()?,
    };
    Ok(ctl::Endpoint { addr, token })
}

fn tokio_runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `ccmux config check [PATH]`: one file, or every layer that applies here and whether the
/// project file is trusted.
fn check(path: Option<std::path::PathBuf>, global: ccmux::cli::GlobalArgs) -> ExitCode {
    let env = |k: &str| std::env::var(k).ok();
    let result = match &path {
        Some(path) => config::load_file(path, env),
        None => std::env::current_dir()
            .map_err(|e| config::ConfigError::Unreadable {
                path: ".".into(),
                reason: e.to_string(),
            })
            .and_then(|cwd| {
                let flags = config::Flags {
                    config: global.config,
                    listen: global.listen,
                };
                config::load(&cwd, &flags, env)
            }),
    };
    match result {
        Ok(loaded) => {
            for warning in &loaded.warnings {
                eprintln!("warning: {warning}");
            }
            if let Some(notice) = loaded.untrusted_notice() {
                eprintln!("warning: {notice}");
            }
            if loaded.sources.is_empty() {
                println!("no config files; the built-in defaults apply");
            }
            let trusted_project = loaded
                .project
                .filter(|p| p.trust == Trust::Trusted)
                .map(|p| p.path);
            for source in loaded.sources {
                let trusted = if Some(&source) == trusted_project.as_ref() {
                    " (trusted)"
                } else {
                    ""
                };
                println!("ok: {}{trusted}", source.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

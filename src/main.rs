use std::process::ExitCode;

use anyhow::Context as _;
use clap::{CommandFactory, Parser};

use ccmux::cli::{Cli, Command, ConfigCommand, attach};
use ccmux::client;
use ccmux::config::trust::{self, Trust, TrustAction};
use ccmux::protocol::Attach;
use ccmux::remote;
use ccmux::server::runtime::{self, Context};
use ccmux::server::{self, ServeOptions, SocketPath};
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
            ccmux::terminal_text::errln!("ccmux: {e:#}");
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
            use std::io::Write;
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut Cli::command(), "ccmux", &mut script);
            // `ccmux completions bash | head` closes the pipe early: that is no error.
            match std::io::stdout().write_all(&script) {
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                written => written?,
            }
        }
        Some(Command::Config(ConfigCommand::Check { path })) => return Ok(check(path, cli.global)),
        Some(Command::Config(ConfigCommand::Path)) => {
            ccmux::terminal_text::out!("{}", runtime::describe_paths(&std::env::current_dir()?));
        }
        Some(Command::Config(ConfigCommand::Show)) => {
            let ctx = Context::load(cli.global)?;
            ccmux::terminal_text::out!("{}", toml::to_string(&*ctx.config)?);
        }
        Some(Command::Trust { path, revoke, list }) => {
            let action = match (list, revoke) {
                (true, _) => TrustAction::List,
                (false, true) => TrustAction::Revoke(path),
                (false, false) => TrustAction::Trust(path),
            };
            ccmux::terminal_text::out!("{}", trust::run(action, &std::env::current_dir()?)?);
        }
        Some(Command::Play { file, speed }) => ccmux::ctl::play::run(&file, speed)?,
        Some(Command::Detect { file, profile }) => {
            let ctx = Context::load(cli.global)?;
            let timeline = ccmux::ctl::detect::run(&file, profile.as_deref(), &ctx.config)?;
            ccmux::terminal_text::out!("{timeline}");
            if timeline.is_empty() && profile.is_none() {
                ccmux::terminal_text::errln!(
                    "ccmux: the claude profile saw no state change; for another program, say \
                     which profile reads it: --profile shell, generic or a [profiles.NAME]"
                );
            }
        }
        Some(Command::Token) => {
            ccmux::terminal_text::outln!("{}", Context::load(cli.global)?.token()?)
        }
        Some(Command::Web { open, revoke }) => {
            let ctx = Context::load(cli.global)?;
            let endpoint = ctl_endpoint(&ctx, &socket)?;
            ccmux::ctl::web::run(ccmux::ctl::web::WebArgs { open, revoke }, endpoint)?;
        }
        Some(Command::Ctl(args)) => {
            let ctx = Context::load(cli.global)?;
            if let Some(host) = &args.host {
                let (global, remote) = (&ctx.global, &ctx.config.remote);
                return remote::ctl::from_command_line(global, remote, &socket.name, host);
            }
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
        Some(Command::Bridge) => {
            let start = attach::server_command(&cli.global, &socket, &log_file, false)?;
            return ccmux::remote::bridge::run(&socket, &start);
        }
        Some(Command::Ls { host }) => {
            let workspaces = match host {
                Some(host) => {
                    let remote = Context::load(cli.global)?.config.remote.clone();
                    tokio_runtime()?.block_on(remote::list(&remote, &host, &socket.name))?
                }
                None => tokio_runtime()?
                    .block_on(async { client::list(client::connect(&socket).await?).await })?,
            };
            ccmux::terminal_text::out!("{}", ccmux::ls::format(&workspaces));
        }
        Some(Command::KillServer) => tokio_runtime()?.block_on(client::kill_server(&socket))?,
        Some(Command::Reload) => {
            let changes = tokio_runtime()?.block_on(client::reload(&socket))?;
            if changes.is_empty() {
                ccmux::terminal_text::outln!("ccmux: the config was reloaded; nothing changed");
            } else {
                ccmux::terminal_text::outln!("ccmux: the config was reloaded");
                for change in changes {
                    ccmux::terminal_text::outln!("  {change}");
                }
            }
        }
        Some(Command::Attach { workspace, host }) => {
            let attach = Attach {
                workspace,
                create: false,
                cwd: std::env::current_dir()?,
                config: None,
                run: Vec::new(),
                tokens: Default::default(),
            };
            if let Some(host) = host {
                return attach::remote(cli.global, socket, attach, &host, log_file);
            }
            return attach::tui(cli.global, socket, attach, false, Vec::new(), log_file);
        }
        None => {
            let attach = Attach {
                workspace: cli.workspace,
                create: true,
                cwd: std::env::current_dir()?,
                config: cli
                    .global
                    .config
                    .as_deref()
                    .map(attach::absolute)
                    .transpose()?,
                run: cli.run,
                tokens: Default::default(),
            };
            let (no_restore, hosts) = (cli.no_restore, cli.hosts);
            return attach::tui(cli.global, socket, attach, no_restore, hosts, log_file);
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The API of the server `socket` names, from the info file it wrote (where it listens, where
/// its token is), or the address `--listen` names. Never another server's: when the named one
/// does not run, nothing is asked.
fn ctl_endpoint(ctx: &Context, socket: &SocketPath) -> anyhow::Result<ctl::Endpoint> {
    if let Some(addr) = ctx.global.listen {
        return Ok(ctl::Endpoint {
            addr,
            token: ctx.token()?,
        });
    }
    let name = &socket.name;
    let running = server::info::running(socket).with_context(|| {
        format!(
            "no ccmux server `{name}` is running (no {}); `ccmux -L {name}` or \
             `ccmux -L {name} serve` starts it, `--listen ADDR` names an API directly",
            socket.info_file().display()
        )
    })?;
    let addr = running.api.with_context(|| {
        format!("the ccmux server `{name}` serves no API (its config says [api] enabled = false)")
    })?;
    let token = match running.token_file {
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
                ccmux::terminal_text::errln!("warning: {warning}");
            }
            if let Some(notice) = loaded.untrusted_notice() {
                ccmux::terminal_text::errln!("warning: {notice}");
            }
            let cwd = std::env::current_dir().unwrap_or_default();
            let problems = config::preflight::check_sessions(&loaded, &cwd);
            for problem in &problems {
                ccmux::terminal_text::errln!("error: {problem}");
            }
            if !problems.is_empty() {
                return ExitCode::from(2);
            }
            if loaded.sources.is_empty() {
                ccmux::terminal_text::outln!("no config files; the built-in defaults apply");
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
                ccmux::terminal_text::outln!("ok: {}{trusted}", source.display());
            }
            ExitCode::SUCCESS
        }
        Err(config::ConfigError::Several(errors)) => {
            for e in errors {
                ccmux::terminal_text::errln!("error: {e}");
            }
            ExitCode::from(2)
        }
        Err(e) => {
            ccmux::terminal_text::errln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

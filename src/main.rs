use std::process::ExitCode;

use clap::{CommandFactory, Parser};

use ccmux::app::{self, Context};
use ccmux::cli::{Cli, Command, ConfigCommand};
use ccmux::{config, ctl, logging};

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    match cli.command {
        Some(Command::Completions { shell }) => {
            clap_complete::generate(shell, &mut Cli::command(), "ccmux", &mut std::io::stdout());
        }
        Some(Command::Config(ConfigCommand::Check { path })) => return Ok(check(path, cli.global)),
        Some(Command::Config(ConfigCommand::Path)) => {
            print!("{}", app::describe_paths(&std::env::current_dir()?));
        }
        Some(Command::Config(ConfigCommand::Show)) => {
            let ctx = Context::load(cli.global)?;
            print!("{}", toml::to_string(&*ctx.config)?);
        }
        Some(Command::Token) => println!("{}", Context::load(cli.global)?.token()?),
        Some(Command::Ctl(args)) => {
            let ctx = Context::load(cli.global)?;
            let endpoint = ctl::Endpoint {
                addr: ctx.config.api.listen,
                token: ctx.token()?,
            };
            return ctl::run(args, endpoint);
        }
        Some(Command::Serve) => {
            logging::init(&log_file);
            let ctx = Context::load(cli.global)?;
            runtime()?.block_on(app::serve(ctx))?;
        }
        None => {
            logging::init(&log_file);
            let ctx = Context::load(cli.global)?;
            runtime()?.block_on(ccmux::tui::run(ctx, cli.run))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    Ok(tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?)
}

/// `ccmux config check [PATH]`: one file, or every layer that applies here.
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
            if loaded.sources.is_empty() {
                println!("no config files; the built-in defaults apply");
            }
            for source in loaded.sources {
                println!("ok: {}", source.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}

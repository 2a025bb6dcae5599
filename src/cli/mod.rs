//! The command line: `ccmux` (attach the TUI, starting a server when none runs), `attach`,
//! `ls`, `kill-server`, `serve`, `ctl`, `token`, `web`, `config`, `trust`, `completions`, and
//! `bridge`, which ssh runs for a client on another machine.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

pub use crate::server::args::GlobalArgs;
use crate::session::{InvalidWorkspaceName, WorkspaceName};

pub mod attach;

/// Run many Claude Code (or any) sessions side by side, and drive them from the keyboard or
/// over HTTP.
#[derive(Debug, Parser)]
#[command(name = "ccmux", version, about)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The workspace to show (default: the one of this directory's project).
    #[arg(short = 's', long = "workspace", value_name = "NAME", value_parser = workspace_name)]
    pub workspace: Option<WorkspaceName>,
    /// When this starts a server: start it empty instead of restoring saved sessions.
    #[arg(long)]
    pub no_restore: bool,
    /// Also show this host's sessions (reached with ssh, see [remote]); repeatable.
    #[arg(short = 'H', long = "host", value_name = "[USER@]HOST")]
    pub hosts: Vec<String>,
    /// Start a new workspace with one session running this command: `ccmux -- htop`.
    #[arg(last = true, value_name = "CMD")]
    pub run: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server in the foreground: sessions, the API and the socket clients attach to,
    /// until SIGINT, SIGTERM or `kill-server`.
    Serve {
        /// Started by a client: no workspace of its own, and it ends once it has neither
        /// sessions nor clients.
        #[arg(long, hide = true)]
        background: bool,
        /// Start empty instead of restoring the sessions the last server left running.
        #[arg(long)]
        no_restore: bool,
    },
    /// Attach to a running workspace (default: the most recently used one).
    Attach {
        #[arg(short = 's', long = "workspace", value_name = "NAME", value_parser = workspace_name)]
        workspace: Option<WorkspaceName>,
        /// The server on another machine, reached with ssh (see [remote] in the config).
        #[arg(short = 'H', long, value_name = "[USER@]HOST")]
        host: Option<String>,
    },
    /// List the server's workspaces and their sessions.
    Ls {
        /// The server on another machine, reached with ssh.
        #[arg(short = 'H', long, value_name = "[USER@]HOST")]
        host: Option<String>,
    },
    /// End every session and the server.
    KillServer,
    /// Make the running server read its config files again (SIGHUP does too): macros,
    /// policies, profiles, templates and limits; says where each change applies. A file that
    /// does not parse is reported and the config in force stays.
    Reload,
    /// Drive a running ccmux over its API.
    Ctl(crate::ctl::CtlArgs),
    /// Print the API token (creating it on first use).
    Token,
    /// Print a one-time link that logs a browser in to the running server's web view.
    Web {
        /// Also open the link with xdg-open.
        #[arg(long)]
        open: bool,
        /// End every browser session instead (open pages are logged out).
        #[arg(long, conflicts_with = "open")]
        revoke: bool,
    },
    /// Inspect configuration.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Let a project's ccmux.toml start its sessions. A project file is ignored until it is
    /// trusted, and again whenever its content changes.
    Trust {
        /// The project file, or its directory (default: the ccmux.toml found here or above).
        path: Option<PathBuf>,
        /// Stop trusting the file.
        #[arg(long, conflicts_with = "list")]
        revoke: bool,
        /// List the trusted files and whether each is still as it was trusted.
        #[arg(long, conflicts_with = "path")]
        list: bool,
    },
    /// Replay a recording (asciicast v2) in a pane at its recorded pace.
    Play {
        file: PathBuf,
        /// Faster (2) or slower (0.5) than recorded.
        #[arg(long, default_value_t = 1.0)]
        speed: f64,
    },
    /// Run the detectors over a recording and print the states it went through.
    Detect {
        file: PathBuf,
        /// claude, shell, generic or a [profiles.NAME] (default: claude).
        #[arg(long)]
        profile: Option<String>,
    },
    /// Run by `ssh` for `--host`: joins stdin and stdout to this machine's server socket,
    /// starting the server when none runs.
    #[command(hide = true)]
    Bridge,
    /// Run by Claude Code as a session's hook: passes its JSON to the server.
    #[command(hide = true)]
    Hook,
    /// Run by Claude Code as a session's status line: passes its JSON to the server and
    /// prints the user's own status line.
    #[command(hide = true, name = "statusline")]
    StatusLine,
    /// Print a shell completion script.
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Check a config file (default: every layer that applies here); non-zero exit on error.
    Check { path: Option<PathBuf> },
    /// Print where config files are looked for, and which exist.
    Path,
    /// Print the merged configuration.
    Show,
}

/// A workspace name as typed: refused here when it could never be one.
fn workspace_name(name: &str) -> Result<WorkspaceName, InvalidWorkspaceName> {
    WorkspaceName::new(name)
}

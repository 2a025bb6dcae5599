//! The command line: `ccmux` (attach the TUI, starting a server when none runs), `attach`,
//! `ls`, `kill-server`, `serve`, `ctl`, `token`, `web`, `config`, `trust`, `completions`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

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
    #[arg(short = 's', long = "workspace", value_name = "NAME")]
    pub workspace: Option<String>,
    /// When this starts a server: start it empty instead of restoring saved sessions.
    #[arg(long)]
    pub no_restore: bool,
    /// Start a new workspace with one session running this command: `ccmux -- htop`.
    #[arg(last = true, value_name = "CMD")]
    pub run: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Which server: another name runs a separate server with its own sessions, like `tmux -L`.
    #[arg(
        short = 'L',
        long = "socket",
        global = true,
        env = "CCMUX_SOCKET",
        default_value = crate::server::socket::DEFAULT_NAME,
        value_name = "NAME"
    )]
    pub socket: String,
    /// A config file read after the global and project ones.
    #[arg(short, long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Address of the API. Without it, the default server listens on 127.0.0.1:7878 (or
    /// `[api] listen`), or on a free port when that is taken; a `-L NAME` server on a free
    /// port. Either way its info file beside the socket says where, for `ctl` and `web`.
    #[arg(long, global = true, env = "CCMUX_LISTEN", value_name = "ADDR")]
    pub listen: Option<SocketAddr>,
    /// Allow --listen on an address other machines can reach.
    #[arg(long, global = true)]
    pub allow_remote: bool,
    /// Write logs here instead of the state dir's ccmux.log.
    #[arg(long, global = true, value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// The API token; `-` reads it from stdin. Other users see an argument in `ps`: prefer
    /// --token-file or CCMUX_API_TOKEN (else the token kept in the data dir is used).
    #[arg(
        long,
        global = true,
        value_name = "TOKEN",
        conflicts_with = "token_file"
    )]
    pub token: Option<String>,
    /// Read the API token from this file.
    #[arg(long, global = true, value_name = "PATH")]
    pub token_file: Option<PathBuf>,
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
        #[arg(short = 's', long = "workspace", value_name = "NAME")]
        workspace: Option<String>,
    },
    /// List the server's workspaces and their sessions.
    Ls,
    /// End every session and the server.
    KillServer,
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

//! The flags every `ccmux` command takes: which server, its config, its API and its token. The
//! server starts from them, so they live here; `cli` re-exports them.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

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
    /// Address of the API (default 127.0.0.1:7878).
    #[arg(long, global = true, value_name = "ADDR")]
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

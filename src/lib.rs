//! ccmux: run many Claude Code (or any) sessions side by side, each in its own PTY, and know at
//! every moment what each one is doing.
//!
//! The [`manager::Manager`] owns the sessions; the TUI and the API are views over it.

pub mod api;
pub mod claude;
pub mod cli;
pub mod client;
pub mod config;
pub mod ctl;
pub mod history;
pub mod hook;
pub mod http;
pub mod ids;
pub mod keys;
pub mod logging;
pub mod ls;
pub mod macros;
pub mod manager;
pub mod metrics;
pub mod output_filter;
pub mod paths;
pub mod protocol;
pub mod recording;
pub mod remote;
pub mod screen;
pub mod server;
pub mod session;
pub mod socket_stream;
pub mod terminal_text;
pub mod tui;
pub mod usage;
pub mod web;
pub mod worktree;
pub mod write_room;

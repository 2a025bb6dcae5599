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
pub mod keys;
pub mod logging;
pub mod ls;
pub mod manager;
pub mod paths;
pub mod protocol;
pub mod runtime;
pub mod server;
pub mod session;
pub mod tui;

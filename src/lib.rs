//! ccmux: run many Claude Code (or any) sessions side by side, each in its own PTY, and know at
//! every moment what each one is doing.
//!
//! The [`manager::Manager`] owns the sessions; the TUI and the API are views over it.

pub mod manager;
pub mod session;

//! The base every HTTP door stands on: what handlers reach, errors as the API answers them, and
//! the API token.

pub mod code;
pub mod error;
pub mod token;

use crate::config::live::LiveConfig;
use crate::manager::Manager;
use std::path::PathBuf;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub manager: Manager,
    /// The config in force: a reload replaces it.
    pub config: LiveConfig,
    /// Where sessions start when a request names no project path.
    pub cwd: PathBuf,
}

//! The base every HTTP door stands on: what handlers reach, errors as the API answers them, and
//! the API token.

pub mod code;
pub mod error;
pub mod token;

use std::path::PathBuf;
use std::sync::Arc;

use crate::config::Config;
use crate::manager::Manager;

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub manager: Manager,
    pub config: Arc<Config>,
    /// Where sessions start when a request names no project path.
    pub cwd: PathBuf,
}

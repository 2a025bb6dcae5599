//! The server's config while it runs: replaced whole by a reload (`ccmux reload`, SIGHUP), so
//! that a reader takes either the old config or the new one, never half of each.

use std::sync::Arc;

use parking_lot::RwLock;

use super::Config;

/// Clones share it; `get` is the config in force now.
#[derive(Debug, Clone, Default)]
pub struct LiveConfig(Arc<RwLock<Arc<Config>>>);

impl LiveConfig {
    pub fn new(config: Arc<Config>) -> Self {
        Self(Arc::new(RwLock::new(config)))
    }

    pub fn get(&self) -> Arc<Config> {
        self.0.read().clone()
    }

    /// Puts `config` in force; returns the one it replaces.
    pub fn replace(&self, config: Arc<Config>) -> Arc<Config> {
        std::mem::replace(&mut self.0.write(), config)
    }
}

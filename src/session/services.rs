//! What every session of one manager shares, so that a session costs no thread of its own:
//! one reaper for the children and one small pool of threads that read and parse the PTYs.
//! (Writing them needs nothing here: it runs on the runtime's poller, see `poller.rs`.)

use crate::session::SessionId;
use crate::session::parse_pool::{ParsePool, Shard};
use crate::session::reaper::Reaper;

pub struct SessionServices {
    reaper: Reaper,
    parsers: ParsePool,
}

impl SessionServices {
    /// Starts the reaper and the parse threads. Must be called inside a tokio runtime.
    pub fn start() -> std::io::Result<Self> {
        Ok(Self {
            reaper: Reaper::start()?,
            parsers: ParsePool::start()?,
        })
    }

    pub(super) fn reaper(&self) -> &Reaper {
        &self.reaper
    }

    pub(super) fn parse_shard(&self, id: SessionId) -> Shard {
        self.parsers.shard(id)
    }
}

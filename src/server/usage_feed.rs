//! The resource use of a client's workspace, sent every [`INTERVAL`] while its usage toggle
//! is on, from a task of its own so that sampling (which reads `/proc` and waits a moment the
//! first time) never holds up the client's keys.

use std::time::Duration;

use crate::manager::Manager;
use crate::protocol::ServerMessage;
use crate::server::outbox::Outbox;
use crate::session::WorkspaceName;

const INTERVAL: Duration = Duration::from_secs(2);

/// Ends the feed when dropped: when the client turns it off, switches workspace or leaves.
pub struct UsageFeed(tokio::task::JoinHandle<()>);

impl UsageFeed {
    pub fn start(manager: Manager, workspace: WorkspaceName, out: Outbox) -> Self {
        Self(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(INTERVAL);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let sessions = manager.workspace_sessions(&workspace);
                let sessions = manager.usage(&sessions).await.into_iter().collect();
                // A full queue waits here, not in the client's requests.
                if out.send(ServerMessage::Usage { sessions }).await.is_err() {
                    return;
                }
            }
        }))
    }
}

impl Drop for UsageFeed {
    fn drop(&mut self) {
        self.0.abort();
    }
}

//! Hook reports are received here: a `ccmux hook` process posts one over the socket, and it is
//! handed to its session if the capability is that session's (see `claude` for what they do).

use crate::claude::{ReportPost, ReportRefused};
use crate::manager::Manager;
use crate::protocol::ServerMessage;

/// Hands a hook's report to its session, if the capability is that session's.
pub async fn receive(manager: &Manager, post: ReportPost) -> ServerMessage {
    let session = post.session;
    let taken = match manager.get(session) {
        Ok(s) => s.report(post.capability, post.report).await,
        Err(_) => Err(ReportRefused::NoSession(session)),
    };
    match taken {
        Ok(output) => ServerMessage::ReportTaken { output },
        Err(e) => {
            tracing::warn!(%session, error = %e, "refused a hook report");
            ServerMessage::Refused {
                reason: e.to_string(),
            }
        }
    }
}

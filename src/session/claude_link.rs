//! Reports from a session's hooks reach its actor here (see `claude` for what they do).

use crate::claude::{Report, ReportRefused};
use crate::session::Session;
use crate::session::actor::Control;

impl Session {
    /// Hands a hook's report to the session, which checks `capability` is its own; returns
    /// what the hook should print for Claude Code.
    pub async fn report(
        &self,
        capability: String,
        report: Report,
    ) -> Result<Option<String>, ReportRefused> {
        self.request(|reply| Control::Report {
            capability,
            report: Box::new(report),
            reply,
        })
        .await
        .map_err(|_| ReportRefused::NoSession(self.id()))?
    }
}

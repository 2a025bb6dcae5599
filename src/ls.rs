//! `ccmux ls`: the server's workspaces, each with its sessions in aligned columns.

use crate::protocol::WorkspaceListing;

/// One block per workspace: its name, then a row per session (id, task, state, reason, path).
pub fn format(workspaces: &[WorkspaceListing]) -> String {
    if workspaces.is_empty() {
        return "no sessions\n".to_string();
    }
    let rows: Vec<[String; 5]> = workspaces
        .iter()
        .flat_map(|w| &w.sessions)
        .map(|s| {
            [
                s.session_id.to_string(),
                s.task_id.to_string(),
                s.status.state.to_string(),
                s.status.state_reason.clone(),
                s.project_path.display().to_string(),
            ]
        })
        .collect();
    let width = |i: usize| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0);
    let widths = [width(0), width(1), width(2), width(3)];
    let mut out = String::new();
    let mut rows = rows.iter();
    for workspace in workspaces {
        out.push_str(&format!("{}:\n", workspace.name));
        for row in rows.by_ref().take(workspace.sessions.len()) {
            out.push_str(&format!(
                "  {:>w0$}  {:<w1$}  {:<w2$}  {:<w3$}  {}\n",
                row[0],
                row[1],
                row[2],
                row[3],
                row[4],
                w0 = widths[0],
                w1 = widths[1],
                w2 = widths[2],
                w3 = widths[3],
            ));
        }
    }
    out
}

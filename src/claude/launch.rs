//! Starting a `claude` session with ccmux's hooks, without touching the user's files: a
//! settings file of its own (`--settings FILE`, 0600, removed with the session) whose hooks and
//! status line run `ccmux hook` / `ccmux statusline`, and a capability in the child's
//! environment that lets those post events for this one session.
//!
//! Claude Code runs the hooks of every settings source, so the user's own hooks keep running
//! beside ccmux's. A status line is one setting, so ccmux's would hide the user's: the user's
//! command is handed to `ccmux statusline`, which runs it and prints what it prints.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::{Value, json};

use crate::claude::capability::Capability;
use crate::claude::policy::Policies;
use crate::ids::SessionId;

/// The environment variables a session's hook processes read.
pub const ENV_SOCKET: &str = "CCMUX_HOOK_SOCKET";
pub const ENV_SESSION: &str = "CCMUX_HOOK_SESSION";
pub const ENV_CAPABILITY: &str = "CCMUX_HOOK_CAPABILITY";
pub const ENV_USER_STATUS_LINE: &str = "CCMUX_USER_STATUS_LINE";

/// The hook events ccmux asks for.
pub const EVENTS: [&str; 8] = [
    "SessionStart",
    "UserPromptSubmit",
    "PreToolUse",
    "PermissionRequest",
    "PostToolUse",
    "Notification",
    "Stop",
    "SessionEnd",
];
/// Seconds Claude Code gives a hook before it gives up on it.
const HOOK_TIMEOUT_SECS: u64 = 10;

/// Where hooks reach the server: set by the server for the sessions it starts.
#[derive(Debug, Clone)]
pub struct HookEndpoint {
    /// The server's Unix socket.
    pub socket: PathBuf,
    /// A private directory for the sessions' settings files.
    pub dir: PathBuf,
    /// The ccmux binary the hooks run.
    pub exe: PathBuf,
}

/// A session's Claude Code options.
#[derive(Debug, Clone)]
pub struct ClaudeOptions {
    /// `hooks = false` turns the hooks off; `claude --bare` or an own `--settings` does too.
    pub hooks: bool,
    /// `policy = false`: the `[[policy]]` rules do not answer this session's requests.
    pub policy: bool,
    /// The permission policies the session follows (empty with `policy = false`).
    pub policies: Arc<Policies>,
    pub endpoint: Option<HookEndpoint>,
    /// Added to argv and the environment when the session starts; set by `prepare`.
    pub launch: Option<Launch>,
}

impl Default for ClaudeOptions {
    fn default() -> Self {
        Self {
            hooks: true,
            policy: true,
            policies: Arc::default(),
            endpoint: None,
            launch: None,
        }
    }
}

/// Arguments and variables for the child.
#[derive(Clone)]
pub struct Launch {
    pub args: Vec<String>,
    pub env: Vec<(String, String)>,
}

impl std::fmt::Debug for Launch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names: Vec<&str> = self.env.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("Launch")
            .field("args", &self.args)
            .field("env", &names)
            .finish()
    }
}

/// The settings file; removed when dropped, with the session.
#[derive(Debug)]
pub struct SettingsFile(PathBuf);

impl SettingsFile {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for SettingsFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// What the session keeps: the capability its hooks must present, and the file to remove.
#[derive(Debug)]
pub struct Hooked {
    pub capability: Capability,
    pub settings: SettingsFile,
}

/// Writes the settings file of session `id`, removed when the returned guard drops.
pub fn write_settings(id: SessionId, endpoint: &HookEndpoint) -> std::io::Result<SettingsFile> {
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&endpoint.dir)?;
    let stem = endpoint
        .socket
        .file_name()
        .map_or_else(|| "ccmux".into(), |n| n.to_string_lossy().into_owned());
    let path = endpoint.dir.join(format!("{stem}-session-{id}.json"));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&path)?;
    let file_guard = SettingsFile(path);
    file.write_all(settings(&endpoint.exe).to_string().as_bytes())?;
    Ok(file_guard)
}

/// The settings: every event's hook and the status line run this ccmux.
pub fn settings(exe: &Path) -> Value {
    let exe = shell_quote(&exe.display().to_string());
    let hook = json!([{"type": "command", "command": format!("{exe} hook"), "timeout": HOOK_TIMEOUT_SECS}]);
    let tool_events = ["PreToolUse", "PermissionRequest", "PostToolUse"];
    let hooks: serde_json::Map<String, Value> = EVENTS
        .iter()
        .map(|event| {
            let entry = if tool_events.contains(event) {
                json!([{"matcher": "*", "hooks": hook}])
            } else {
                json!([{"hooks": hook}])
            };
            (event.to_string(), entry)
        })
        .collect();
    json!({
        "hooks": hooks,
        "statusLine": {"type": "command", "command": format!("{exe} statusline")},
    })
}

fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_event_and_the_status_line_run_this_binary() {
        let settings = settings(Path::new("/opt/it's/ccmux"));
        for event in EVENTS {
            let command = settings["hooks"][event][0]["hooks"][0]["command"]
                .as_str()
                .unwrap();
            assert_eq!(command, r"'/opt/it'\''s/ccmux' hook", "{event}");
        }
        assert_eq!(settings["hooks"]["PreToolUse"][0]["matcher"], "*");
        assert_eq!(
            settings["statusLine"]["command"],
            r"'/opt/it'\''s/ccmux' statusline"
        );
    }
}

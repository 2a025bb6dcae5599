//! ccmux's settings: the TOML schema, its defaults, and how layers of it combine.
//!
//! Every section is `deny_unknown_fields` with defaults for every key, so a file may say as
//! little as it likes and a typo is an error with its line and column (see `load.rs`).

pub mod action;
mod check;
mod key_path;
pub mod keymap;
pub mod limits;
pub mod live;
mod load;
pub mod macro_spec;
pub mod preflight;
mod resolve;
pub mod restore;
pub mod trust;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use crate::keys::chord::{self as key, KeyChord};
pub use crate::session::profile_spec::ProfileSpec;
pub use action::Action;
pub use keymap::Keymap;
pub use limits::Limits;
pub use load::{
    ConfigError, ConfigWarning, Flags, LoadedConfig, Place, find_project_file, load, load_file,
};
pub use resolve::{ResolveError, SessionRequest, TokenEnv, workspace_name};

use crate::session::{ProfileKind, TerminalSize};

/// The address the API listens on when nothing says otherwise.
pub const DEFAULT_LISTEN: &str = "127.0.0.1:7878";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub defaults: Defaults,
    #[serde(rename = "session")]
    pub sessions: Vec<SessionEntry>,
    pub api: ApiConfig,
    pub ui: UiConfig,
    pub limits: Limits,
    pub profiles: BTreeMap<String, ProfileSpec>,
    pub templates: BTreeMap<String, Template>,
    pub recording: RecordingConfig,
    /// Named sequences of steps run against a session (see `macro_spec.rs`).
    pub macros: BTreeMap<String, macro_spec::MacroSpec>,
    /// Permission policies, first match wins (see `claude::policy`).
    #[serde(rename = "policy")]
    pub policies: Vec<crate::claude::policy::PolicyRule>,
    pub claude: ClaudeSection,
    pub remote: RemoteSection,
}

/// `[remote]`: how `--host` reaches another machine's ccmux (see `crate::remote`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RemoteSection {
    /// The ssh command, run by `sh` with the host and the remote command after it, e.g.
    /// "ssh -p 2222"; `CCMUX_SSH` overrides it. Default: `ssh` with a keepalive (see
    /// `remote::KEEPALIVE`); a command given here is run as given.
    pub ssh: Option<String>,
    /// The remote ccmux, as the remote shell finds it (a non-interactive ssh session may not
    /// have ~/.cargo/bin on its PATH). Default: `ccmux`.
    pub command: Option<String>,
    /// Hosts whose sessions `ccmux` shows beside this machine's, as `--host` does.
    pub hosts: Vec<String>,
}

/// `[claude]`: what ccmux does for Claude Code sessions beyond the profile.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClaudeSection {
    /// Opt-in: once a usage limit's reset time has passed, type this prompt (e.g.
    /// "continue") into a session still stopped on that limit, once.
    pub continue_after_limit: Option<String>,
}

/// What a session gets when its own entry does not say.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Defaults {
    /// argv of a new session; `None`: `claude` when it is on PATH, else `$SHELL`.
    pub command: Option<Vec<String>>,
    pub profile: Option<String>,
    pub terminal_size: Size,
    pub environment: BTreeMap<String, String>,
    pub output_limit: usize,
    /// Seconds a ready/idle session may stay so before it is terminated; 0 = forever.
    pub idle_timeout: u64,
}

impl Default for Defaults {
    fn default() -> Self {
        Self {
            command: None,
            profile: None,
            terminal_size: Size(TerminalSize::default()),
            environment: BTreeMap::new(),
            output_limit: 10_000,
            idle_timeout: 0,
        }
    }
}

/// A session to start from config.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SessionEntry {
    pub task_id: String,
    /// Relative paths are relative to the file that names them.
    #[serde(default)]
    pub project_path: Option<PathBuf>,
    #[serde(default)]
    pub command: Option<Vec<String>>,
    #[serde(default)]
    pub environment: BTreeMap<String, String>,
    #[serde(default)]
    pub profile: Option<String>,
    /// The *name* of an environment variable holding the token; secrets stay out of files.
    #[serde(default)]
    pub auth_token_env: Option<String>,
    /// A `[templates.NAME]` filling in what this entry does not say.
    #[serde(default)]
    pub template: Option<String>,
    #[serde(default = "yes")]
    pub autostart: bool,
    /// `true` or a name: run in a git worktree of the project on branch `ccmux/<name>`.
    #[serde(default)]
    pub worktree: Option<crate::worktree::WorktreeOption>,
    /// `false`: no Claude Code hooks for this session (the screen alone decides its state).
    #[serde(default)]
    pub hooks: Option<bool>,
    /// `false`: the `[[policy]]` rules do not answer this session's permission requests.
    #[serde(default)]
    pub policy: Option<bool>,
}

fn yes() -> bool {
    true
}

/// A preset for new sessions, picked by name in the TUI or `ctl new --template`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Template {
    pub command: Option<Vec<String>>,
    pub project_path: Option<PathBuf>,
    pub environment: BTreeMap<String, String>,
    pub profile: Option<String>,
    pub auth_token_env: Option<String>,
    /// `true` or a name: run in a git worktree of the project on branch `ccmux/<name>`.
    pub worktree: Option<crate::worktree::WorktreeOption>,
    pub hooks: Option<bool>,
    pub policy: Option<bool>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ApiConfig {
    pub enabled: bool,
    pub listen: SocketAddr,
    /// Where the generated token is kept; default `token` in the data dir.
    pub token_file: Option<PathBuf>,
    /// Origins allowed to open a WebSocket (browsers send one); empty: none.
    pub allowed_origins: Vec<String>,
    /// Host names accepted besides loopback ones (DNS-rebinding guard).
    pub allowed_hosts: Vec<String>,
}

impl Default for ApiConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            listen: DEFAULT_LISTEN.parse().expect("valid default address"),
            token_file: None,
            allowed_origins: Vec::new(),
            allowed_hosts: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    #[default]
    Grid,
    Rows,
    Columns,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UiConfig {
    /// Starts every ccmux key; pressed twice, sends itself to the pane.
    pub prefix: KeyChord,
    /// Keys of their own for actions, replacing their default keys (see `keymap.rs`).
    pub keybindings: BTreeMap<Action, KeyChord>,
    pub layout: Layout,
    /// Ring the terminal bell when an unfocused pane needs attention.
    pub bell: bool,
    /// Most frames drawn per second.
    pub frame_cap: u32,
}

impl UiConfig {
    pub fn keymap(&self) -> Keymap {
        Keymap::new(&self.keybindings)
    }
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            prefix: KeyChord::ctrl('a'),
            keybindings: BTreeMap::new(),
            layout: Layout::Grid,
            bell: true,
            frame_cap: 60,
        }
    }
}

/// `[recording]`: every session's output as an asciicast v2 file in the data dir.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RecordingConfig {
    pub enabled: bool,
    /// Keystrokes too (`"i"` events). Off: what is typed may be a secret.
    pub record_input: bool,
    /// A session's file is rotated past this many bytes.
    pub max_file_bytes: u64,
    /// All recordings together; the oldest files are deleted past it.
    pub max_total_bytes: u64,
}

impl Default for RecordingConfig {
    fn default() -> Self {
        Self {
            enabled: true,
            record_input: false,
            max_file_bytes: 64 * 1024 * 1024,
            max_total_bytes: 1024 * 1024 * 1024,
        }
    }
}

impl RecordingConfig {
    pub fn limits(&self) -> crate::recording::Limits {
        crate::recording::Limits {
            file_bytes: self.max_file_bytes.max(1024),
            total_bytes: self.max_total_bytes.max(1024),
            record_input: self.record_input,
        }
    }
}

/// `[cols, rows]`, each in `TerminalSize::checked`'s range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size(pub TerminalSize);

impl Serialize for Size {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        [self.0.cols, self.0.rows].serialize(s)
    }
}

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let [cols, rows] = <[u16; 2]>::deserialize(d)?;
        TerminalSize::checked(cols.into(), rows.into())
            .map(Self)
            .map_err(|e| {
                serde::de::Error::custom(format!("terminal_size must be [cols, rows]: {e}"))
            })
    }
}

impl Config {
    /// Whether `name` is a built-in profile or one this config describes.
    pub fn knows_profile(&self, name: &str) -> bool {
        name.parse::<ProfileKind>().is_ok() || self.profiles.contains_key(name)
    }
}

//! Reading config layers and merging them: built-in defaults < global `config.toml` < the
//! project's `ccmux.toml` < `-c PATH` < `CCMUX_*` variables < flags.
//!
//! The project file is read only when the user trusted it (`trust.rs`), and never sets `[api]`:
//! who may drive the sessions is for the user's own files and flags to say.
//!
//! Each file is checked on its own first, also for what would keep a session from starting
//! (`check.rs`), so an error names that file, its line, column and key.
//! Tables merge key by key; `[[session]]` entries accumulate, a later one replacing an earlier
//! one with the same `task_id`.

use std::collections::BTreeMap;
use std::fmt;
use std::net::SocketAddr;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::{Spanned, Table, Value};

use crate::config::Config;
use crate::config::check::{Finding, check};
use crate::config::key_path::key_path_at;
use crate::config::trust::{ProjectFile, Trust, TrustError, TrustStore};
use crate::paths;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{path}: cannot read: {reason}")]
    Unreadable { path: PathBuf, reason: String },
    #[error("{place}: {message}")]
    Invalid { place: Place, message: String },
    #[error("{variable}: {message}")]
    BadVariable { variable: String, message: String },
    /// More than one error in a file, in its order; shown one a line.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))]
    Several(Vec<ConfigError>),
    #[error(transparent)]
    Trust(#[from] TrustError),
}

/// Something that may keep a session from starting, though the config is valid.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning {
    pub place: Place,
    pub message: String,
}

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Where in the config something is: file, line, column and the setting's key path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub origin: String,
    pub line: usize,
    pub column: usize,
    /// `session[1].command`; `None` where the text is not TOML or no key is there.
    pub key: Option<String>,
}

impl Place {
    /// Where byte `span` of `text`, the contents of `path`, is.
    pub(super) fn in_file(path: &Path, text: &str, span: Option<Range<usize>>) -> Self {
        let offset = span.map_or(0, |s| s.start);
        let (line, column) = line_col(text, offset);
        Self {
            origin: path.display().to_string(),
            line,
            column,
            key: key_path_at(text, offset),
        }
    }

    /// No place in particular: line and column 0.
    pub(super) fn whole(origin: impl Into<String>) -> Self {
        Self {
            origin: origin.into(),
            line: 0,
            column: 0,
            key: None,
        }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.origin, self.line, self.column)?;
        match &self.key {
            Some(key) => write!(f, ": {key}"),
            None => Ok(()),
        }
    }
}

/// Settings given on the command line, the top layer.
#[derive(Debug, Clone, Default)]
pub struct Flags {
    pub config: Option<PathBuf>,
    pub listen: Option<SocketAddr>,
}

#[derive(Debug, Clone)]
pub struct LoadedConfig {
    pub config: Config,
    /// The files that were read, lowest layer first.
    pub sources: Vec<PathBuf>,
    pub warnings: Vec<ConfigWarning>,
    /// The project file found from the cwd, read or (untrusted) ignored.
    pub project: Option<ProjectFile>,
}

impl LoadedConfig {
    /// What to tell the user where ccmux starts sessions from this config: that the project
    /// file was ignored, and how to trust it.
    pub fn untrusted_notice(&self) -> Option<String> {
        self.project.as_ref()?.untrusted_notice()
    }
}

/// The largest config file read: far more than any real one, and read before it is trusted.
pub const MAX_CONFIG_FILE: u64 = 1024 * 1024;

/// A file to read as a layer, already read: the project file's trust is decided on the very
/// text that is then parsed.
struct Layer {
    path: PathBuf,
    text: String,
    is_project: bool,
}

impl Layer {
    fn read(path: PathBuf, is_project: bool) -> Result<Self, ConfigError> {
        let unreadable = |reason: String| ConfigError::Unreadable {
            path: path.clone(),
            reason,
        };
        let links = if is_project {
            paths::Links::Refuse
        } else {
            paths::Links::Follow
        };
        let bytes = paths::read_regular(&path, MAX_CONFIG_FILE, links)
            .map_err(|e| unreadable(e.to_string()))?;
        let text = String::from_utf8(bytes).map_err(|e| unreadable(e.to_string()))?;
        Ok(Self {
            path,
            text,
            is_project,
        })
    }
}

/// Loads every layer for a ccmux started in `cwd`; `env` looks up variables.
pub fn load(
    cwd: &Path,
    flags: &Flags,
    env: impl Fn(&str) -> Option<String>,
) -> Result<LoadedConfig, ConfigError> {
    let mut layers = Vec::new();
    let global = paths::global_config_file();
    if global.is_file() {
        layers.push(Layer::read(global, false)?);
    }
    let mut project = None;
    if let Some(path) = find_project_file(cwd) {
        let layer = Layer::read(path, true)?;
        let trust = TrustStore::open()?.verdict(&layer.path, layer.text.as_bytes())?;
        project = Some(ProjectFile {
            path: layer.path.clone(),
            trust,
        });
        if trust == Trust::Trusted {
            layers.push(layer);
        }
    }
    if let Some(path) = &flags.config {
        layers.push(Layer::read(path.clone(), false)?);
    }

    let mut merged = Table::new();
    let mut warnings = Vec::new();
    for layer in &layers {
        let (mut table, mut said) = read_layer(layer, &merged, &env)?;
        if layer.is_project {
            said.extend(drop_api_section(layer, &mut table));
        }
        merge(&mut merged, table);
        warnings.append(&mut said);
    }
    merge(&mut merged, env_layer(&env)?);
    let mut config: Config =
        Config::deserialize(Value::Table(merged)).map_err(|e| ConfigError::Invalid {
            place: Place::whole("merged config"),
            message: e.to_string(),
        })?;
    if let Some(listen) = flags.listen {
        config.api.listen = listen;
    }
    Ok(LoadedConfig {
        config,
        sources: layers.into_iter().map(|l| l.path).collect(),
        warnings,
        project,
    })
}

/// Checks one file on its own, as `ccmux config check PATH` does; `env` looks up variables.
pub fn load_file(
    path: &Path,
    env: impl Fn(&str) -> Option<String>,
) -> Result<LoadedConfig, ConfigError> {
    let layer = Layer::read(path.to_path_buf(), false)?;
    let (table, warnings) = read_layer(&layer, &Table::new(), &env)?;
    let config = Config::deserialize(Value::Table(table)).map_err(|e| ConfigError::Invalid {
        place: Place::whole(path.display().to_string()),
        message: e.to_string(),
    })?;
    Ok(LoadedConfig {
        config,
        sources: vec![layer.path],
        warnings,
        project: None,
    })
}

/// `ccmux.toml` in `dir` or the nearest parent that has one.
pub fn find_project_file(dir: &Path) -> Option<PathBuf> {
    dir.ancestors()
        .map(|d| d.join(paths::PROJECT_FILE))
        .find(|p| p.is_file())
}

/// Checks one file; relative project paths become absolute against its directory. `below` is
/// what the lower layers said, for profiles and templates defined there.
fn read_layer(
    Layer { path, text, .. }: &Layer,
    below: &Table,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<(Table, Vec<ConfigWarning>), ConfigError> {
    let at = |span: Option<Range<usize>>, message: String| ConfigError::Invalid {
        place: Place::in_file(path, text, span),
        message,
    };
    // Before the whole file is parsed, so that a bad step is reported where it is.
    crate::config::macro_spec::locate_errors(text)
        .map_err(|Finding { span, message }| at(Some(span), message))?;
    let config: Config =
        toml::from_str(text).map_err(|e| at(e.span(), e.message().trim().to_string()))?;
    let warnings = check(text, &config, below, env)
        .map_err(|errors| {
            let mut errors: Vec<ConfigError> = errors
                .into_iter()
                .map(|Finding { span, message }| at(Some(span), message))
                .collect();
            match errors.len() {
                1 => errors.remove(0),
                _ => ConfigError::Several(errors),
            }
        })?
        .into_iter()
        .map(|Finding { span, message }| ConfigWarning {
            place: Place::in_file(path, text, Some(span)),
            message,
        })
        .collect();
    let mut table: Table = text
        .parse()
        .map_err(|e: toml::de::Error| at(e.span(), e.message().to_string()))?;
    absolutize_paths(&mut table, path.parent().unwrap_or(Path::new(".")));
    Ok((table, warnings))
}

/// Takes `[api]` out of a project file's `table`, with a warning naming each key it set: the
/// token, the allowed hosts and origins, the address and whether the API runs decide who may
/// drive every session, and a project file, even a trusted one, may have come with someone
/// else's repository.
fn drop_api_section(layer: &Layer, table: &mut Table) -> Vec<ConfigWarning> {
    #[derive(Deserialize)]
    struct ApiKeys {
        #[serde(default)]
        api: BTreeMap<String, Spanned<Value>>,
    }
    if table.remove("api").is_none() {
        return Vec::new();
    }
    // The text parsed as a whole config already, so this parse cannot fail.
    let keys = toml::from_str::<ApiKeys>(&layer.text).map_or_else(|_| BTreeMap::new(), |k| k.api);
    keys.values()
        .map(|value| ConfigWarning {
            place: Place::in_file(&layer.path, &layer.text, Some(value.span())),
            message: "ignored: a project file may not set [api]; set it in the global config, \
                      with -c or with flags"
                .to_string(),
        })
        .collect()
}

fn absolutize_paths(table: &mut Table, base: &Path) {
    let fix = |entry: &mut Value| {
        if let Some(Value::String(p)) = entry.get_mut("project_path") {
            let joined = base.join(&*p);
            *p = joined.to_string_lossy().into_owned();
        }
    };
    if let Some(Value::Array(sessions)) = table.get_mut("session") {
        sessions.iter_mut().for_each(fix);
    }
    if let Some(Value::Table(templates)) = table.get_mut("templates") {
        templates.iter_mut().for_each(|(_, t)| fix(t));
    }
}

/// Tables merge key by key; `session` arrays accumulate; any other value is replaced.
fn merge(into: &mut Table, from: Table) {
    for (key, value) in from {
        match (into.get_mut(&key), value) {
            (Some(Value::Table(old)), Value::Table(new)) => merge(old, new),
            (Some(Value::Array(old)), Value::Array(new)) if key == "session" => {
                let task = |v: &Value| v.get("task_id").cloned();
                old.retain(|o| !new.iter().any(|n| task(n) == task(o)));
                old.extend(new);
            }
            (_, value) => {
                into.insert(key, value);
            }
        }
    }
}

/// The `CCMUX_*` variables that set config keys: (variable, section, key, is a number).
const ENV_KEYS: [(&str, &str, &str, bool); 5] = [
    ("CCMUX_LISTEN", "api", "listen", false),
    ("CCMUX_LAYOUT", "ui", "layout", false),
    ("CCMUX_PREFIX", "ui", "prefix", false),
    ("CCMUX_MAX_SESSIONS", "limits", "max_sessions", true),
    ("CCMUX_OUTPUT_LIMIT", "defaults", "output_limit", true),
];

fn env_layer(env: &impl Fn(&str) -> Option<String>) -> Result<Table, ConfigError> {
    let mut layer = Table::new();
    for (variable, section, key, number) in ENV_KEYS {
        let Some(raw) = env(variable) else { continue };
        let bad = |message: String| ConfigError::BadVariable {
            variable: variable.to_string(),
            message,
        };
        let value = if number {
            Value::Integer(
                raw.trim()
                    .parse()
                    .map_err(|_| bad(format!("`{raw}` is not a number")))?,
            )
        } else {
            Value::String(raw)
        };
        let mut one = Table::new();
        one.insert(
            section.to_string(),
            Value::Table(Table::from_iter([(key.to_string(), value)])),
        );
        Config::deserialize(Value::Table(one.clone())).map_err(|e| bad(e.to_string()))?;
        merge(&mut layer, one);
    }
    Ok(layer)
}

/// 1-based line and column of byte `offset` in `text`.
fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, column)
}

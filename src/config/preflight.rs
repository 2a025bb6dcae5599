//! `config check`'s second half: what the runtime refuses when it starts the configured
//! sessions (a `project_path` that is missing, a command not on PATH, an unknown profile or
//! template), every one of them, each at its session's place in the file that configures it.
//! Reading a config does not ask this: a server must start even when one session cannot.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::config::{LoadedConfig, Place, ResolveError, SessionRequest};
use crate::session::SessionError;

/// A configured session that would not start.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StartProblem {
    pub place: Place,
    pub message: String,
}

impl fmt::Display for StartProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.place, self.message)
    }
}

/// Where a file's `[[session]]` entries and their fields are.
#[derive(Deserialize)]
struct Spans {
    #[serde(default)]
    session: Vec<Spanned<EntrySpans>>,
}

#[derive(Deserialize)]
struct EntrySpans {
    task_id: Option<Spanned<String>>,
    project_path: Option<Spanned<toml::Value>>,
    command: Option<Spanned<toml::Value>>,
    profile: Option<Spanned<toml::Value>>,
    template: Option<Spanned<toml::Value>>,
}

impl EntrySpans {
    fn field(&self, name: &str) -> Option<Range<usize>> {
        let span = |v: &Option<Spanned<toml::Value>>| v.as_ref().map(Spanned::span);
        match name {
            "project_path" => span(&self.project_path),
            "command" => span(&self.command),
            "profile" => span(&self.profile),
            "template" => span(&self.template),
            _ => None,
        }
    }
}

/// Every configured session the runtime would refuse to start from `cwd`.
pub fn check_sessions(loaded: &LoadedConfig, cwd: &Path) -> Vec<StartProblem> {
    let files: Vec<(PathBuf, String)> = loaded
        .sources
        .iter()
        .filter_map(|p| Some((p.clone(), std::fs::read_to_string(p).ok()?)))
        .collect();
    let config = &loaded.config;
    config
        .sessions
        .iter()
        .filter_map(|entry| {
            let mut request = SessionRequest::from(entry);
            // An unset variable is a warning already: the server's environment may have it.
            request.auth_token_env = None;
            let (field, message) = match config.session_config(request, cwd) {
                Err(e) => (resolve_field(&e), e.to_string()),
                Ok(session) => {
                    let e = crate::session::preflight(&session).err()?;
                    (spawn_field(&e), e.to_string())
                }
            };
            let place = place_of(&files, &entry.task_id, field);
            Some(StartProblem { place, message })
        })
        .collect()
}

fn resolve_field(e: &ResolveError) -> &'static str {
    match e {
        ResolveError::TaskId(_) => "task_id",
        ResolveError::UnknownProfile(_) => "profile",
        ResolveError::UnknownTemplate(_) | ResolveError::Worktree(_) => "template",
        ResolveError::MissingTokenVariable(_) => "auth_token_env",
    }
}

fn spawn_field(e: &SessionError) -> &'static str {
    match e {
        SessionError::ProjectPathMissing(_) | SessionError::ProjectPathNotDirectory(_) => {
            "project_path"
        }
        _ => "command",
    }
}

/// The place of `field` in the last file that configures task `task` (the one in force), or
/// of its `task_id` when that entry does not set the field (a default or template does).
fn place_of(files: &[(PathBuf, String)], task: &str, field: &str) -> Place {
    for (path, text) in files.iter().rev() {
        let Ok(spans) = toml::from_str::<Spans>(text) else {
            continue;
        };
        let entry = spans.session.iter().find(|e| {
            e.get_ref()
                .task_id
                .as_ref()
                .is_some_and(|t| t.get_ref() == task)
        });
        if let Some(entry) = entry {
            let inner = entry.get_ref();
            let span = inner
                .field(field)
                .or_else(|| inner.task_id.as_ref().map(Spanned::span))
                .unwrap_or_else(|| entry.span());
            return Place::in_file(path, text, Some(span));
        }
    }
    Place::whole(format!("[[session]] {task}"))
}

//! What would make a configured session fail to start, found when its file is read (every
//! such error, in the order of the file): unknown
//! profiles and templates, empty commands, task ids that are invalid or used twice; a key
//! bound to two things, and a profile rule id used twice. And what might, as warnings: an
//! `auth_token_env` naming a variable that is not set.

use std::collections::{BTreeMap, HashMap};
use std::ops::Range;

use serde::Deserialize;
use toml::{Spanned, Table, Value};

use crate::config::keymap::Use;
use crate::config::{Action, Config, KeyChord, Keymap, ResolveError, UiConfig};
use crate::session::profile::Verdict;
use crate::session::{SessionError, TaskId};

/// A problem at a place in the file.
pub(super) struct Finding {
    pub span: Range<usize>,
    pub message: String,
}

impl Finding {
    pub(super) fn at<T>(value: &Spanned<T>, message: impl Into<String>) -> Self {
        Self {
            span: value.span(),
            message: message.into(),
        }
    }
}

/// The values these checks look at, each with where it is in the file.
#[derive(Deserialize)]
struct Located {
    #[serde(default)]
    defaults: Option<LocatedEntry>,
    #[serde(default)]
    session: Vec<LocatedEntry>,
    #[serde(default)]
    templates: BTreeMap<String, LocatedEntry>,
    #[serde(default)]
    ui: Option<LocatedUi>,
    #[serde(default)]
    profiles: BTreeMap<String, Spanned<LocatedProfile>>,
    #[serde(default)]
    policy: Vec<LocatedPolicy>,
}

#[derive(Deserialize)]
struct LocatedPolicy {
    #[serde(default)]
    input: Option<Spanned<String>>,
}

#[derive(Deserialize)]
struct LocatedProfile {
    #[serde(default)]
    rules: Vec<LocatedRule>,
}

#[derive(Deserialize)]
struct LocatedRule {
    id: Spanned<String>,
}

#[derive(Deserialize)]
struct LocatedUi {
    #[serde(default)]
    prefix: Option<Spanned<KeyChord>>,
    #[serde(default)]
    keybindings: BTreeMap<Action, Spanned<KeyChord>>,
}

#[derive(Deserialize)]
struct LocatedEntry {
    #[serde(default)]
    task_id: Option<Spanned<String>>,
    #[serde(default)]
    command: Option<Spanned<Vec<String>>>,
    #[serde(default)]
    profile: Option<Spanned<String>>,
    #[serde(default)]
    template: Option<Spanned<String>>,
    #[serde(default)]
    auth_token_env: Option<Spanned<String>>,
}

impl Located {
    fn entries(&self) -> impl Iterator<Item = &LocatedEntry> {
        self.defaults
            .iter()
            .chain(&self.session)
            .chain(self.templates.values())
    }
}

/// Checks `text`, which parsed as `config`; `below` is what lower layers said, for the
/// profiles and templates defined there. Every error, else the warnings.
pub(super) fn check(
    text: &str,
    config: &Config,
    below: &Table,
    env: &impl Fn(&str) -> Option<String>,
) -> Result<Vec<Finding>, Vec<Finding>> {
    let located: Located = toml::from_str(text).map_err(|e| {
        vec![Finding {
            span: e.span().unwrap_or_default(),
            message: e.message().to_string(),
        }]
    })?;
    let mut errors = Vec::new();
    let defined_below = |section: &str, name: &str| {
        below
            .get(section)
            .and_then(Value::as_table)
            .is_some_and(|t| t.contains_key(name))
    };

    for profile in located.entries().filter_map(|e| e.profile.as_ref()) {
        let name = profile.get_ref();
        if !config.knows_profile(name) && !defined_below("profiles", name) {
            let e = ResolveError::UnknownProfile(name.clone());
            errors.push(Finding::at(profile, e.to_string()));
        }
    }
    for command in located.entries().filter_map(|e| e.command.as_ref()) {
        if command
            .get_ref()
            .first()
            .is_none_or(|p| p.trim().is_empty())
        {
            errors.push(Finding::at(command, SessionError::EmptyCommand.to_string()));
        }
    }
    let mut tasks = HashMap::new();
    for (i, task) in located.session.iter().enumerate() {
        let Some(task) = &task.task_id else { continue };
        if let Err(e) = TaskId::new(task.get_ref().as_str()) {
            errors.push(Finding::at(task, e.to_string()));
        }
        if let Some(first) = tasks.insert(task.get_ref(), i) {
            let message = format!(
                "task `{}` is session[{first}]'s too: a task has one session",
                task.get_ref()
            );
            errors.push(Finding::at(task, message));
        }
    }
    if let Some(ui) = &located.ui {
        errors.extend(check_keys(ui, config, below).err());
    }
    for (name, profile) in &located.profiles {
        errors.extend(check_rule_ids(name, profile.get_ref()).err());
    }
    for input in located.policy.iter().filter_map(|p| p.input.as_ref()) {
        if let Err(e) = regex::Regex::new(input.get_ref()) {
            let why = e.to_string();
            let why = why.lines().last().unwrap_or("invalid").trim();
            let message = format!(
                "`{}` is not a valid regular expression: {why}",
                input.get_ref()
            );
            errors.push(Finding::at(input, message));
        }
    }
    for template in located.session.iter().filter_map(|e| e.template.as_ref()) {
        let name = template.get_ref();
        if !config.templates.contains_key(name) && !defined_below("templates", name) {
            let e = ResolveError::UnknownTemplate(name.clone());
            errors.push(Finding::at(template, e.to_string()));
        }
    }
    if !errors.is_empty() {
        errors.sort_by_key(|e| e.span.start);
        return Err(errors);
    }

    let never_ready = located
        .profiles
        .iter()
        .filter(|(name, _)| !defined_below("profiles", name))
        .filter(|(name, _)| {
            let profile = config.profiles[name.as_str()].to_profile(name);
            !profile.busy_while_output
                && !profile.rules.iter().any(|r| r.verdict == Verdict::Prompt)
        })
        .map(|(name, profile)| {
            let message = format!(
                "profile `{name}` never says its program is ready: give it an idle rule, or \
                 busy_while_output = true"
            );
            Finding::at(profile, message)
        });
    Ok(located
        .entries()
        .filter_map(|e| e.auth_token_env.as_ref())
        .filter(|variable| env(variable.get_ref()).is_none())
        .map(|variable| {
            let message = format!(
                "`{}` is not set here: a session that needs it will not start",
                variable.get_ref()
            );
            Finding::at(variable, message)
        })
        .chain(never_ready)
        .collect())
}

/// A rule id used twice in one profile: the later rule would silently replace the earlier.
fn check_rule_ids(name: &str, profile: &LocatedProfile) -> Result<(), Finding> {
    let mut seen = HashMap::new();
    for (i, rule) in profile.rules.iter().enumerate() {
        if let Some(first) = seen.insert(rule.id.get_ref(), i) {
            let message = format!(
                "rule id `{}` is profiles.{name}.rules[{first}]'s too: ids name one rule each",
                rule.id.get_ref()
            );
            return Err(Finding::at(&rule.id, message));
        }
    }
    Ok(())
}

/// A key this file binds that means something else too, given what the layers below bind:
/// reported where this file says it, at the later of its two mentions.
fn check_keys(ui: &LocatedUi, config: &Config, below: &Table) -> Result<(), Finding> {
    let below = below
        .get("ui")
        .and_then(|ui| UiConfig::deserialize(ui.clone()).ok())
        .unwrap_or_default();
    let mut keybindings = below.keybindings;
    keybindings.extend(config.ui.keybindings.clone());
    let prefix = ui.prefix.as_ref().map_or(below.prefix, |p| *p.get_ref());
    for clash in Keymap::new(&keybindings).clashes(prefix) {
        let said_here = clash.uses.iter().filter_map(|used| match used {
            Use::Prefix => ui.prefix.as_ref(),
            Use::Action(action) => ui.keybindings.get(action),
            Use::Number => None,
        });
        if let Some(last) = said_here.max_by_key(|key| key.span().start) {
            return Err(Finding::at(last, clash.to_string()));
        }
    }
    Ok(())
}

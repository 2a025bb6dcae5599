//! `[profiles.NAME]`: describing a program's screens without code. The shipped profiles in
//! `assets/profiles/` are written in this same schema, so a user's profile can do all they do.

use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::keys::chord::KeyChord;
use crate::session::ProfileKind;
use crate::session::profile::{Profile, ReplyRules, Rule, Verdict};
use crate::session::region::Region;

/// A profile as written: rules, the settings that differ from its base, and reply rules.
/// Unset settings come from `based_on` (a built-in; `generic` when unnamed).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProfileSpec {
    pub based_on: Option<ProfileKind>,
    /// Rules with ids, regions and priorities. One with the id of a rule of the base profile
    /// replaces it.
    pub rules: Vec<RuleSpec>,
    /// Shorthand: patterns matched on the whole screen, each a rule of its state's default
    /// priority; `waiting`'s on the cursor's row alone (see `shorthand_region`).
    pub auth: Vec<Pattern>,
    pub waiting: Vec<Pattern>,
    pub error: Vec<Pattern>,
    pub busy: Vec<Pattern>,
    pub idle: Vec<Pattern>,
    /// The key that stops the current work (`esc`, `ctrl-c`, …).
    pub interrupt: Option<KeyChord>,
    /// Milliseconds of quiet output before a prompt is believed.
    pub quiet_ms: Option<u64>,
    /// After Enter, milliseconds to wait for signs of work before an unchanged prompt counts
    /// as the command being done.
    pub settle_ms: Option<u64>,
    /// Milliseconds between typing a command and pressing Enter; 0 sends both at once.
    pub enter_delay_ms: Option<u64>,
    /// Milliseconds a dialog must have been on screen before the session is `waiting_input`:
    /// how long the program ignores keys after drawing one.
    pub dialog_settle_ms: Option<u64>,
    /// Busy while output flows, idle once it has been quiet `quiet_ms`. Unset: true for the
    /// generic base unless this profile has an `idle` rule.
    pub busy_while_output: Option<bool>,
    /// Output after Enter shows the program started on the command.
    pub output_means_progress: Option<bool>,
    /// How to cut a command's reply out of a full-screen transcript; unset: the base's, and
    /// without one, the output printed after the command's echo.
    pub reply: Option<ReplySpec>,
}

/// `[[profiles.NAME.rules]]`: when `pattern` matches `region`, the session is in `state`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Unique in the profile; the state's reason when the rule decides.
    pub id: String,
    /// idle, busy, waiting_input, authenticating or error.
    pub state: Verdict,
    pub pattern: Pattern,
    #[serde(default)]
    pub region: Region,
    /// Higher wins. Unset: authenticating 500, waiting_input 400, error 300, busy 200, idle 100.
    #[serde(default)]
    pub priority: Option<i32>,
    /// The rule holds only while a command runs whose output has been quiet this long.
    #[serde(default)]
    pub when_stalled_ms: Option<u64>,
    /// The state's reason, with the pattern's named groups (`$name`) filled in; unset: `id`.
    #[serde(default)]
    pub reason: Option<String>,
}

/// `[profiles.NAME.reply]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReplySpec {
    /// The transcript line echoing the command starts with this.
    pub echo_prefix: String,
    /// The reply ends before the first line matching this.
    pub end: Pattern,
    /// Lines matching any of these are left out.
    #[serde(default)]
    pub drop: Vec<Pattern>,
    /// Taken off the start of reply lines.
    #[serde(default)]
    pub strip_prefixes: Vec<String>,
}

impl ProfileSpec {
    /// The profile a session named `name` runs with: this spec over its `based_on` profile.
    pub fn to_profile(&self, name: &str) -> Profile {
        let base = self.based_on.unwrap_or(ProfileKind::Generic).profile();
        self.build(name, base)
    }

    /// This spec over `base`: its rules replace the base's of the same id and join the rest,
    /// highest priority first (this spec's first among equals); its settings replace the
    /// base's.
    pub fn build(&self, name: &str, mut base: Profile) -> Profile {
        let mut rules = self.own_rules(name);
        // A prompt described here replaces "quiet means idle".
        let has_idle_rule = rules.iter().any(|r| r.verdict == Verdict::Prompt);
        base.rules
            .retain(|r| !rules.iter().any(|own| own.id == r.id));
        rules.append(&mut base.rules);
        rules.sort_by_key(|r| std::cmp::Reverse(r.priority));
        let ms = Duration::from_millis;
        Profile {
            name: name.to_string(),
            kind: base.kind,
            busy_while_output: self
                .busy_while_output
                .unwrap_or(base.busy_while_output && !has_idle_rule),
            rules,
            output_means_progress: self
                .output_means_progress
                .unwrap_or(base.output_means_progress),
            prompt_quiet: self.quiet_ms.map_or(base.prompt_quiet, ms),
            settle: self.settle_ms.map_or(base.settle, ms),
            interrupt: self.interrupt.map_or(base.interrupt, |k| k.to_bytes()),
            enter_delay: self.enter_delay_ms.map_or(base.enter_delay, ms),
            dialog_settle: self.dialog_settle_ms.map_or(base.dialog_settle, ms),
            reply: self.reply.as_ref().map(ReplySpec::rules).or(base.reply),
        }
    }

    /// The rules this spec writes: `[[rules]]`, then the shorthand lists.
    fn own_rules(&self, name: &str) -> Vec<Rule> {
        let listed = self.rules.iter().map(|r| Rule {
            id: r.id.clone(),
            region: r.region,
            pattern: r.pattern.0.clone(),
            verdict: r.state,
            priority: r.priority.unwrap_or(r.state.default_priority()),
            when_stalled: r.when_stalled_ms.map(Duration::from_millis),
            reason: r.reason.clone(),
        });
        let groups = [
            ("auth", &self.auth, Verdict::Authenticating),
            ("waiting", &self.waiting, Verdict::WaitingInput),
            ("error", &self.error, Verdict::Error),
            ("busy", &self.busy, Verdict::Busy),
            ("idle", &self.idle, Verdict::Prompt),
        ];
        let shorthand = groups.into_iter().flat_map(|(group, patterns, verdict)| {
            patterns.iter().map(move |p| Rule {
                id: format!("{name}.{group}: {}", p.0.as_str()),
                region: shorthand_region(verdict),
                pattern: p.0.clone(),
                verdict,
                priority: verdict.default_priority(),
                when_stalled: None,
                reason: None,
            })
        });
        listed.chain(shorthand).collect()
    }
}

/// Where a shorthand pattern looks. A question waits for its answer where the cursor is;
/// answered, it stays on the screen above the next prompt, and a whole-screen pattern would
/// hold the session in `waiting_input` (of higher priority than the prompt) after the answer.
fn shorthand_region(verdict: Verdict) -> Region {
    match verdict {
        Verdict::WaitingInput => Region::CursorLine,
        _ => Region::Screen,
    }
}

impl ReplySpec {
    fn rules(&self) -> ReplyRules {
        ReplyRules {
            echo_prefix: self.echo_prefix.clone(),
            end: self.end.0.clone(),
            drop: self.drop.iter().map(|p| p.0.clone()).collect(),
            strip_prefixes: self.strip_prefixes.clone(),
        }
    }
}

/// A regular expression, checked when the config is read.
#[derive(Debug, Clone)]
pub struct Pattern(pub Regex);

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.0.as_str() == other.0.as_str()
    }
}

impl Serialize for Pattern {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for Pattern {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Regex::new(&text)
            .map(Pattern)
            .map_err(|e| serde::de::Error::custom(format!("invalid regular expression: {e}")))
    }
}

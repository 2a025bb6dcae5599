//! Detector profiles: the screen patterns and key sequences that describe one kind of program.
//!
//! Profiles are data so that other agent CLIs can be described without code; the built-in ones
//! below are checked against the real Claude Code 2.x screens (see the tests in `detector.rs`).

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use regex::Regex;
use serde::{Deserialize, Serialize};

/// The built-in profiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileKind {
    Claude,
    Shell,
    Generic,
}

impl ProfileKind {
    /// Picks a profile from argv[0]: `claude` → claude, common shells → shell, else generic.
    pub fn for_command(program: Option<&str>) -> Self {
        let name = program
            .map(|p| p.rsplit('/').next().unwrap_or(p))
            .unwrap_or("");
        match name {
            "claude" => Self::Claude,
            "sh" | "bash" | "zsh" | "fish" | "dash" | "ksh" | "mksh" | "ash" | "nu" => Self::Shell,
            _ => Self::Generic,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Claude => "claude",
            Self::Shell => "shell",
            Self::Generic => "generic",
        }
    }

    pub fn profile(self) -> Profile {
        match self {
            Self::Claude => Profile::claude(),
            Self::Shell => Profile::shell(),
            Self::Generic => Profile::generic(),
        }
    }
}

impl fmt::Display for ProfileKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProfileKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "claude" => Ok(Self::Claude),
            "shell" => Ok(Self::Shell),
            "generic" => Ok(Self::Generic),
            other => Err(format!(
                "unknown profile `{other}` (expected claude, shell or generic)"
            )),
        }
    }
}

/// What a matching rule says about the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Authenticating,
    WaitingInput,
    Busy,
    /// The program shows its input prompt: ready the first time, idle after.
    Prompt,
    Error,
}

/// Which part of the screen a rule looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// All visible lines joined by `\n`, trailing blanks trimmed.
    Screen,
    /// The cursor's line, up to the cursor.
    CursorLine,
}

/// One pattern → verdict rule. Rules are tried in order; the first match wins.
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub scope: Scope,
    pub pattern: Regex,
    pub verdict: Verdict,
    /// `Some(quiet)`: the rule holds only while a submitted command runs and once its output
    /// has been quiet that long. A line that merely looks like a question (`Name: `) is one
    /// only when the program has stopped to wait for the answer.
    pub when_stalled: Option<Duration>,
}

impl Rule {
    pub fn compiled(name: String, scope: Scope, pattern: Regex, verdict: Verdict) -> Self {
        Self {
            name,
            scope,
            pattern,
            verdict,
            when_stalled: None,
        }
    }

    /// A built-in rule; its pattern is known to compile.
    fn new(name: &str, scope: Scope, pattern: &str, verdict: Verdict) -> Self {
        Self::compiled(
            name.to_string(),
            scope,
            Regex::new(pattern).expect("built-in pattern is valid"),
            verdict,
        )
    }

    fn when_stalled(self, quiet: Duration) -> Self {
        Self {
            when_stalled: Some(quiet),
            ..self
        }
    }
}

/// How to cut a command's reply out of a full-screen program's transcript.
#[derive(Debug, Clone)]
pub struct ReplyRules {
    /// The transcript line that echoes the submitted prompt starts with this.
    pub echo_prefix: String,
    /// The reply ends at the first line matching this (e.g. the input box's top rule).
    pub end: Regex,
    /// Lines that are chrome, not reply (spinners, tips, timings).
    pub drop: Vec<Regex>,
    /// Prefixes stripped from reply lines (e.g. the `● ` bullet).
    pub strip_prefixes: Vec<String>,
}

/// Everything the session needs to know about a kind of program.
#[derive(Debug, Clone)]
pub struct Profile {
    /// Shown as the session's profile: a built-in's name or a `[profiles.NAME]` key.
    pub name: String,
    /// The built-in this profile is, or is based on.
    pub kind: ProfileKind,
    pub rules: Vec<Rule>,
    /// Output flowing means busy and quiet means idle (programs with no recognisable prompt).
    pub busy_while_output: bool,
    /// Output seen after a submission counts as the program having started on it.
    pub output_means_progress: bool,
    /// How long output must be quiet before a prompt is believed.
    pub prompt_quiet: Duration,
    /// After a submission, how long to wait for signs of work before a prompt counts as "done".
    pub settle: Duration,
    /// Keys that interrupt the current work.
    pub interrupt: Vec<u8>,
    /// Delay between typing a command and pressing Enter (zero: one write).
    pub enter_delay: Duration,
    pub reply: Option<ReplyRules>,
}

impl Profile {
    /// Claude Code 2.x, as observed on its real screens.
    pub fn claude() -> Self {
        use Scope::Screen;
        use Verdict::*;
        Self {
            name: ProfileKind::Claude.as_str().to_string(),
            kind: ProfileKind::Claude,
            rules: vec![
                Rule::new(
                    "login method menu",
                    Screen,
                    r"Select login method:",
                    Authenticating,
                ),
                Rule::new(
                    "not logged in",
                    Screen,
                    r"Not logged in · (Please )?(?i:run) /login",
                    Authenticating,
                ),
                Rule::new(
                    "login code prompt",
                    Screen,
                    r"Paste code here",
                    Authenticating,
                ),
                Rule::new(
                    "cannot reach the API",
                    Screen,
                    r"Unable to connect to Anthropic services",
                    Error,
                ),
                Rule::new(
                    "permission prompt",
                    Screen,
                    r"Do you want to proceed\?",
                    WaitingInput,
                ),
                Rule::new(
                    "numbered dialog",
                    Screen,
                    r"(?s)❯ 1\..*Esc to cancel",
                    WaitingInput,
                ),
                Rule::new("esc to interrupt", Screen, r"(?i)esc to interrupt", Busy),
                Rule::new(
                    "input box",
                    Screen,
                    r"(?m)^\s*─{3,}\s*\n❯.*\n(?:.*\n){0,20}?\s*─{3,}",
                    Prompt,
                ),
            ],
            busy_while_output: false,
            output_means_progress: false,
            prompt_quiet: Duration::ZERO,
            settle: Duration::from_millis(800),
            interrupt: b"\x1b".to_vec(),
            enter_delay: Duration::from_millis(120),
            reply: Some(ReplyRules {
                echo_prefix: "❯ ".to_string(),
                end: Regex::new(r"^\s*─{3,}").expect("valid"),
                drop: [
                    r"^\s*$",
                    r"^[✻✽✶✳✢·*⏺] \S+…",
                    r"^\s*⎿\s+Tip:",
                    r"^[✻✽✶✳✢·*] \S+ for \d+",
                ]
                .iter()
                .map(|p| Regex::new(p).expect("valid"))
                .collect(),
                strip_prefixes: vec!["● ".to_string(), "⏺ ".to_string()],
            }),
        }
    }

    /// An interactive shell: a prompt at the cursor means it can take a command.
    pub fn shell() -> Self {
        use Scope::CursorLine;
        use Verdict::*;
        Self {
            name: ProfileKind::Shell.as_str().to_string(),
            kind: ProfileKind::Shell,
            rules: vec![
                Rule::new(
                    "yes/no question",
                    CursorLine,
                    yes_no_pattern(),
                    WaitingInput,
                ),
                // `read -p 'Enter your name: '`: a command that printed a question and went
                // quiet. A second, because a label printed before slow work (`Building: `)
                // looks the same until more output follows.
                Rule::new("question at cursor", CursorLine, r"[?:] +$", WaitingInput)
                    .when_stalled(Duration::from_secs(1)),
                Rule::new("prompt at cursor", CursorLine, r"[$#%>❯»]\s*$", Prompt),
            ],
            busy_while_output: false,
            output_means_progress: true,
            prompt_quiet: Duration::from_millis(120),
            settle: Duration::from_millis(1500),
            interrupt: b"\x03".to_vec(),
            enter_delay: Duration::ZERO,
            reply: None,
        }
    }

    /// Anything else: busy while it prints, idle once quiet.
    pub fn generic() -> Self {
        Self {
            name: ProfileKind::Generic.as_str().to_string(),
            kind: ProfileKind::Generic,
            rules: vec![Rule::new(
                "yes/no question",
                Scope::CursorLine,
                yes_no_pattern(),
                Verdict::WaitingInput,
            )],
            busy_while_output: true,
            output_means_progress: true,
            prompt_quiet: Duration::from_millis(500),
            settle: Duration::from_millis(500),
            interrupt: b"\x03".to_vec(),
            enter_delay: Duration::ZERO,
            reply: None,
        }
    }
}

/// `[y/N]`, `(yes/no)?`, ssh's `(yes/no/[fingerprint])?` or `Password:` ending the line.
fn yes_no_pattern() -> &'static str {
    r"(?i)(\[y/n\]|\(y/n\)|\[yes/no\]|\(yes/no(/[^)]*)?\))\??\s*$|password[^:]*:\s*$"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_profile_follows_the_program_name() {
        assert_eq!(
            ProfileKind::for_command(Some("/usr/local/bin/claude")),
            ProfileKind::Claude
        );
        assert_eq!(ProfileKind::for_command(Some("bash")), ProfileKind::Shell);
        assert_eq!(
            ProfileKind::for_command(Some("python3")),
            ProfileKind::Generic
        );
        assert_eq!(ProfileKind::for_command(None), ProfileKind::Generic);
    }

    #[test]
    fn profile_names_parse_and_bad_ones_say_what_is_expected() {
        assert_eq!("shell".parse::<ProfileKind>(), Ok(ProfileKind::Shell));
        assert!(
            "zsh"
                .parse::<ProfileKind>()
                .unwrap_err()
                .contains("expected claude")
        );
    }

    #[test]
    fn every_built_in_profile_builds() {
        for kind in [
            ProfileKind::Claude,
            ProfileKind::Shell,
            ProfileKind::Generic,
        ] {
            assert_eq!(kind.profile().kind, kind);
        }
    }
}

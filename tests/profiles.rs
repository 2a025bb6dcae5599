//! Profiles read screens: the shipped ones on the real Claude Code screens and shell prompts,
//! and profiles users write, each fed as bytes to a session's terminal and detector with no
//! process (`session::probe`).

use std::path::Path;
use std::time::Duration;

use ccmux::config::load_file;
use ccmux::session::probe::Probe;
use ccmux::session::profile::Profile;
use ccmux::session::{ProfileKind, SessionState, TerminalSize};

use SessionState::*;

const SIZE: TerminalSize = TerminalSize {
    cols: 100,
    rows: 30,
};

fn probe(profile: Profile) -> Probe {
    Probe::new(profile, SIZE)
}

/// The bytes that draw screen `name` (from `tests/fixtures/screens/`) as a full-screen program
/// does: alternate screen, a synchronized update, home, clear, the rows, the cursor to `‸`.
fn draw(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/screens")
        .join(format!("{name}.txt"));
    let text = std::fs::read_to_string(path).unwrap();
    let mut out = b"\x1b[?1049h\x1b[?2026h\x1b[H\x1b[2J".to_vec();
    let mut cursor = (1, 1);
    for (row, line) in text.lines().enumerate() {
        if row > 0 {
            out.extend(b"\r\n");
        }
        if let Some(at) = line.find('‸') {
            cursor = (row + 1, line[..at].chars().count() + 1);
        }
        out.extend(line.replace('‸', "").as_bytes());
    }
    out.extend(format!("\x1b[{};{}H\x1b[?2026l", cursor.0, cursor.1).as_bytes());
    out
}

fn title(text: &str) -> Vec<u8> {
    format!("\x1b]0;{text}\x07").into_bytes()
}

/// The profile `[profiles.NAME]` in a config file saying `config` describes, read as ccmux
/// reads a user's config.
fn user_profile(name: &str, config: &str) -> Profile {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, config).unwrap();
    let loaded = load_file(&path, |_| None).unwrap_or_else(|e| panic!("{e}"));
    loaded.config.profiles[name].to_profile(name)
}

#[test]
fn the_claude_profile_reads_each_real_claude_screen() {
    let mut p = probe(Profile::claude());
    p.feed(title("✳ Claude Code"));
    assert_eq!(p.feed(draw("claude_ready")), Ready);
    assert_eq!(p.reason(), "input box");
    p.submit();
    p.feed(title("◐ Claude Code"));
    assert_eq!(p.feed(draw("claude_busy")), Busy);
    p.feed(title("✳ Claude Code"));
    // A dialog is believed once it has been drawn for the profile's `dialog_settle`.
    assert_eq!(p.feed(draw("claude_permission")), Busy);
    assert_eq!(p.settle(), WaitingInput);
    assert_eq!(p.reason(), "permission prompt");
    assert_eq!(p.feed(draw("claude_ready")), Idle);

    let mut login = probe(Profile::claude());
    assert_eq!(login.feed(draw("claude_login")), Authenticating);
    let mut no_key = probe(Profile::claude());
    assert_eq!(no_key.feed(draw("claude_not_logged_in")), Authenticating);
    let mut offline = probe(Profile::claude());
    assert_eq!(offline.feed(draw("claude_unreachable")), Error);
}

#[test]
fn every_rule_of_the_claude_profile_decides_a_real_screen() {
    let cases = [
        ("claude_login", "", Authenticating, "login method menu"),
        ("claude_not_logged_in", "", Authenticating, "not logged in"),
        (
            "claude_not_logged_in_above_box",
            "",
            Authenticating,
            "not logged in, above the input box",
        ),
        ("claude_login_code", "", Authenticating, "login code prompt"),
        ("claude_unreachable", "", Error, "cannot reach the API"),
        (
            "claude_permission",
            "✳ Claude Code",
            WaitingInput,
            "permission prompt",
        ),
        ("claude_theme_dialog", "", WaitingInput, "numbered dialog"),
        ("claude_trust", "", WaitingInput, "folder trust"),
        (
            "claude_plan",
            "✳ Claude Code",
            WaitingInput,
            "plan approval",
        ),
        (
            "claude_exit_plan",
            "✳ Claude Code",
            WaitingInput,
            "exit plan mode",
        ),
        ("claude_question", "✳ Claude Code", WaitingInput, "question"),
        (
            "claude_question_review",
            "✳ Claude Code",
            WaitingInput,
            "question review",
        ),
        (
            "claude_usage_limit",
            "✳ Claude Code",
            WaitingInput,
            "usage limit · resets 12:50am (America/Los_Angeles)",
        ),
        (
            "claude_usage_limit_api_key",
            "✳ Claude Code",
            WaitingInput,
            "usage limit",
        ),
        (
            "claude_api_error",
            "✳ Claude Code",
            Error,
            "API error: 529 Overloaded. This is a server-side issue, usually temporary — try again in a",
        ),
        (
            "claude_api_retrying",
            "◐ Claude Code",
            Busy,
            "API error, retrying (attempt 6/10): Connection refused — a firewall or proxy may be blocking it (ECONNREFUSED)",
        ),
        ("claude_compacting", "◐ Claude Code", Busy, "compacting"),
        ("claude_busy", "◐ Claude Code", Busy, "working title"),
        ("claude_busy", "✳ Claude Code", Busy, "esc to interrupt"),
        ("claude_ready", "✳ Claude Code", Ready, "input box"),
    ];
    let mut decided = Vec::new();
    for (screen, window_title, state, reason) in cases {
        let mut p = probe(Profile::claude());
        if state == Busy {
            // Work shows only once the session has been ready and took a command.
            p.feed(draw("claude_ready"));
            p.submit();
        }
        p.feed(title(window_title));
        p.feed(draw(screen));
        assert_eq!(p.settle(), state, "{screen} titled {window_title:?}");
        assert_eq!(p.reason(), reason, "{screen} titled {window_title:?}");
        decided.push(rule_of(reason));
    }
    let mut ids: Vec<String> = Profile::claude().rules.into_iter().map(|r| r.id).collect();
    ids.sort();
    decided.sort();
    assert_eq!(ids, decided, "each shipped rule has a screen it decides");
}

/// The rule a reason names: its id, or for a rule whose reason says more, that rule.
fn rule_of(reason: &str) -> &str {
    let prefixes = [
        ("usage limit · resets", "usage limit"),
        ("usage limit", "usage limit, no reset time"),
        ("API error, retrying", "api error, retrying"),
        ("API error:", "api error"),
    ];
    prefixes
        .iter()
        .find(|(prefix, _)| reason.starts_with(prefix))
        .map_or(reason, |(_, id)| id)
}

/// Claude Code 2.1.328's own output through a session, recorded offline by
/// `tests/fixtures/record_claude_screens.py`: replayed in order, with and without the window
/// titles it set.
#[test]
fn the_claude_profile_follows_real_claude_codes_recorded_output() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/screens/real");
    let recorded = |name: &str, keep_title: bool| {
        let bytes = std::fs::read(dir.join(name)).unwrap();
        if keep_title {
            return bytes;
        }
        let text = String::from_utf8_lossy(&bytes);
        let titles = regex::Regex::new("\x1b\\]0;[^\x07\x1b]*(\x07|\x1b\\\\)").unwrap();
        titles.replace_all(&text, "").into_owned().into_bytes()
    };
    for (keep_title, busy_because) in [(true, "working title"), (false, "esc to interrupt")] {
        let mut p = probe(Profile::claude());
        assert_eq!(p.feed(recorded("1_ready.bin", keep_title)), Ready);
        assert_eq!(p.reason(), "input box");
        p.submit();
        assert_eq!(p.feed(recorded("2_busy.bin", keep_title)), Busy);
        assert_eq!(p.reason(), busy_because);
        assert_eq!(p.feed(recorded("3_interrupted.bin", keep_title)), Idle);
        p.submit();
        p.feed(recorded("4_permission.bin", keep_title));
        assert_eq!(p.settle(), WaitingInput, "{}", p.terminal().text());
        assert_eq!(p.reason(), "permission prompt");
    }
}

#[test]
fn claude_busy_words_above_the_input_box_do_not_beat_idle() {
    let mut p = probe(Profile::claude());
    assert_eq!(p.feed(draw("claude_ready")), Ready);
    p.submit();
    assert_eq!(p.feed(draw("claude_busy")), Busy);
    assert_eq!(p.reason(), "esc to interrupt");
    // The reply quotes the footer and asks a question of its own: neither is current.
    assert_eq!(p.feed(draw("claude_idle_after_reply")), Idle);
    assert_eq!(p.reason(), "input box");
}

#[test]
fn a_spinner_in_claudes_title_is_busy_and_its_resting_mark_is_idle() {
    let mut p = probe(Profile::claude());
    p.feed(title("✳ Claude Code"));
    assert_eq!(p.feed(draw("claude_ready")), Ready);
    p.submit();
    assert_eq!(p.feed(title("◐ Claude Code")), Busy);
    assert_eq!(p.reason(), "working title");
    assert_eq!(p.feed(title("◑ Claude Code")), Busy);
    assert_eq!(p.feed(title("✳ Claude Code")), Idle);
}

#[test]
fn the_shell_profile_reads_prompts_questions_and_stalled_commands() {
    let mut p = probe(Profile::shell());
    assert_eq!(
        p.feed("user@host:~$ "),
        Initializing,
        "output is not quiet yet"
    );
    assert_eq!(p.settle(), Ready);
    assert_eq!(p.reason(), "prompt at cursor");

    p.feed("ls");
    assert_eq!(p.submit(), Busy);
    p.feed("\r\nCargo.toml  src\r\nuser@host:~$ ");
    assert_eq!(p.settle(), Idle);

    p.feed("rm -i x");
    p.submit();
    assert_eq!(
        p.feed("\r\nrm: remove regular file 'x'? [y/N] "),
        WaitingInput
    );
    assert_eq!(p.reason(), "yes/no question");
    p.feed("y");
    p.submit();
    p.feed("\r\nuser@host:~$ ");
    assert_eq!(p.settle(), Idle);

    p.feed("read -p 'Enter your name: ' n");
    p.submit();
    assert_eq!(p.feed("\r\nEnter your name: "), Busy, "more may follow");
    assert_eq!(p.wait(Duration::from_millis(1500)), WaitingInput);
    assert_eq!(p.reason(), "question at cursor");
}

#[test]
fn the_generic_profile_is_busy_while_output_flows_then_idle() {
    let mut p = probe(Profile::generic());
    p.feed("starting\r\n");
    assert_eq!(p.settle(), Ready);
    p.submit();
    assert_eq!(p.feed("tick 1\r\n"), Busy);
    assert_eq!(p.wait(Duration::from_millis(100)), Busy);
    assert_eq!(p.wait(Duration::from_secs(1)), Idle);
    p.feed("Overwrite? [y/N] ");
    assert_eq!(p.settle(), WaitingInput);
}

#[test]
fn the_example_configs_prompt_pattern_with_a_trailing_space_matches() {
    let example =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml"))
            .unwrap();
    let uncommented: String = example
        .lines()
        .map(|l| l.strip_prefix("#> ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    let aider = user_profile("aider", &uncommented);
    let mut p = probe(aider);
    p.feed("Aider v0.50\r\nModel: sonnet\r\n\r\n> ");
    assert_eq!(p.settle(), Ready, "screen:\n{}", p.terminal().text());
    p.feed("fix the bug");
    p.submit();
    p.feed("\r\nWaiting for sonnet\r\n");
    assert_eq!(p.settle(), Busy);
    p.feed("\r\nDone.\r\n\r\n> ");
    assert_eq!(p.settle(), Idle);
}

#[test]
fn a_busy_rule_with_a_region_stops_matching_once_its_text_is_old() {
    let config = r#"
[profiles.agent]
[[profiles.agent.rules]]
id = "prompt"
state = "idle"
region = "cursor_line"
pattern = '^> $'

[[profiles.agent.rules]]
id = "working"
state = "busy"
region = "last_lines(1)"
pattern = 'working on'
"#;
    let mut p = probe(user_profile("agent", config));
    p.feed("> ");
    assert_eq!(p.settle(), Ready);
    p.submit();
    assert_eq!(p.feed("\r\nworking on the parser\r\n"), Busy);
    p.feed("done: 3 files changed\r\n> ");
    assert_eq!(p.settle(), Idle, "`working on` is above the prompt now");
    assert_eq!(p.reason(), "prompt");

    // Without the region, the old text wins, as it did before regions.
    let anywhere = config.replace("region = \"last_lines(1)\"\n", "");
    let mut p = probe(user_profile("agent", &anywhere));
    p.feed("> ");
    p.settle();
    p.submit();
    p.feed("\r\nworking on the parser\r\ndone: 3 files changed\r\n> ");
    assert_eq!(p.settle(), Busy);

    // ... unless the prompt is given the higher priority.
    let prompt_first = anywhere.replace("pattern = '^> $'", "pattern = '^> $'\npriority = 300");
    let mut p = probe(user_profile("agent", &prompt_first));
    p.feed("> ");
    p.settle();
    p.submit();
    p.feed("\r\nworking on the parser\r\ndone: 3 files changed\r\n> ");
    assert_eq!(p.settle(), Idle);
}

#[test]
fn an_error_state_clears_when_the_program_carries_on_and_returns_when_it_fails_again() {
    let config = "[profiles.py]\nidle = ['(?m)^>>> $']\nerror = ['Traceback']\n";
    let mut p = probe(user_profile("py", config));
    p.feed(">>> ");
    assert_eq!(p.settle(), Ready);
    p.feed("{}['x']");
    p.submit();
    p.feed("\r\nTraceback (most recent call last):\r\nKeyError: 'x'\r\n>>> ");
    assert_eq!(p.settle(), Error);
    assert_eq!(
        p.wait(Duration::from_secs(5)),
        Error,
        "nothing new happened"
    );
    p.feed("1 + 1");
    p.submit();
    p.feed("\r\n2\r\n>>> ");
    assert_eq!(
        p.settle(),
        Idle,
        "the traceback is still on screen, but old"
    );
    p.feed("1/0");
    p.submit();
    p.feed("\r\nTraceback (most recent call last):\r\nZeroDivisionError\r\n>>> ");
    assert_eq!(p.settle(), Error);
}

#[test]
fn an_error_holds_while_output_flows_and_goes_quiet_until_a_rule_says_otherwise() {
    // Based on generic: busy while output flows, idle once quiet; neither ends an error.
    let mut p = probe(user_profile(
        "job",
        "[profiles.job]\nerror = ['Traceback']\n",
    ));
    p.feed("starting\r\n");
    assert_eq!(p.settle(), Ready);
    p.submit();
    p.feed("Traceback (most recent call last):\r\n");
    assert_eq!(p.settle(), Error);
    assert_eq!(p.feed("  File \"job.py\", line 3\r\n"), Error);
    assert_eq!(p.settle(), Error, "quiet after an error is no prompt");
    p.feed("Retry? [y/N] ");
    assert_eq!(
        p.settle(),
        WaitingInput,
        "a rule matched: the error is over"
    );
}

#[test]
fn based_on_claude_keeps_what_it_does_not_replace_and_adds_its_own() {
    let config = r#"
[profiles.reviewer]
based_on = "claude"
enter_delay_ms = 300

[[profiles.reviewer.rules]]
id = "esc to interrupt"
state = "busy"
region = "after_last_rule"
pattern = 'esc to stop'

[[profiles.reviewer.rules]]
id = "plan with this plan"
state = "waiting_input"
region = "after_last_rule"
pattern = 'Would you like to proceed with this plan\?'
"#;
    let profile = user_profile("reviewer", config);
    let claude = Profile::claude();
    assert_eq!(profile.kind, ProfileKind::Claude);
    assert_eq!(profile.enter_delay, Duration::from_millis(300));
    assert_eq!(profile.interrupt, claude.interrupt);
    assert_eq!(profile.settle, claude.settle);
    let reply = profile.reply.as_ref().expect("claude's reply rules");
    assert_eq!(reply.echo_prefix, "❯ ");
    assert_eq!(profile.rules.len(), claude.rules.len() + 1);
    let replaced = profile
        .rules
        .iter()
        .find(|r| r.id == "esc to interrupt")
        .unwrap();
    assert_eq!(replaced.pattern.as_str(), "esc to stop");

    let mut p = probe(profile);
    assert_eq!(p.feed(draw("claude_ready")), Ready);
    p.submit();
    assert_eq!(
        p.feed(draw("claude_busy")),
        Ready,
        "its own busy rule replaced claude's"
    );
    p.feed(draw("claude_permission"));
    assert_eq!(p.settle(), WaitingInput);
    let plan = "\x1b[2J\x1b[H────────\r\n Would you like to proceed with this plan?\r\n ❯ 1. Yes";
    p.feed(plan);
    assert_eq!(p.settle(), WaitingInput);
    assert_eq!(p.reason(), "plan with this plan");
}

/// A shipped profile's text as a user would paste it under `[profiles.NAME]`.
pub fn as_user_table(name: &str, shipped: &str) -> String {
    shipped
        .lines()
        .map(|line| match line {
            "[[rules]]" => format!("[[profiles.{name}.rules]]"),
            "[reply]" => format!("[profiles.{name}.reply]"),
            _ => line.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_shipped_profile_is_a_valid_user_profile_that_behaves_the_same() {
    for kind in ProfileKind::ALL {
        let name = format!("my_{kind}");
        let config = format!(
            "[profiles.{name}]\nbased_on = \"{kind}\"\n{}",
            as_user_table(&name, kind.source())
        );
        let mut mine = user_profile(&name, &config);
        mine.name = kind.as_str().to_string();
        assert_eq!(
            format!("{mine:?}"),
            format!("{:?}", kind.profile()),
            "{kind}"
        );
    }
}

#[test]
fn the_readmes_profile_example_is_a_profile_that_works() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let section = readme.split("### Profiles of your own").nth(1).unwrap();
    let example = section
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .unwrap();
    let reviewer = user_profile("reviewer", example);
    assert_eq!(reviewer.enter_delay, Duration::from_millis(300));
    let mut p = probe(reviewer);
    assert_eq!(p.feed(draw("claude_ready")), Ready);
    let plan = "\x1b[2J\x1b[H────────\r\n Would you like to proceed?\r\n ❯ 1. Yes";
    p.feed(plan);
    assert_eq!(p.settle(), WaitingInput);
    assert_eq!(p.reason(), "plan approval");
}

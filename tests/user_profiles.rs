//! Profiles users write, through the binary: `config check` points at a bad rule, and a
//! profile written from scratch drives a real session with its own reply rules and Enter delay.

mod common;

use std::path::Path;

use common::server::{ccmux, start_server_with_config};
use serde_json::json;

/// `config check` refuses `text` with status 2, naming the file, `place` (`line:column: key`)
/// and saying `message`.
fn check_refuses(home: &Path, text: &str, place: &str, message: &str) {
    let path = home.join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let out = ccmux(home)
        .args(["config", "check", path.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{text}\n{err}");
    let place = format!("{}:{place}: ", path.display());
    assert!(err.contains(&place), "{text}\nwanted {place} in {err}");
    assert!(err.contains(message), "{text}\nwanted {message:?} in {err}");
}

const RULE: &str =
    "[profiles.agent]\n[[profiles.agent.rules]]\nid = \"prompt\"\nstate = \"idle\"\n";

#[test]
fn config_check_points_at_the_bad_part_of_a_profile_rule() {
    let home = tempfile::tempdir().unwrap();
    let home = home.path();
    check_refuses(
        home,
        &format!("{RULE}pattern = '^> $'\nregion = \"bottom\"\n"),
        "6:10: profiles.agent.rules[0].region",
        "unknown region `bottom`: expected screen, cursor_line, last_lines(N)",
    );
    check_refuses(
        home,
        &format!("{RULE}pattern = '^> $'\nregion = \"last_lines(0)\"\n"),
        "6:10: profiles.agent.rules[0].region",
        "unknown region `last_lines(0)`",
    );
    check_refuses(
        home,
        &format!("{RULE}pattern = '(unclosed'\n"),
        "5:11: profiles.agent.rules[0].pattern",
        "invalid regular expression",
    );
    check_refuses(
        home,
        "[profiles.agent]\n[[profiles.agent.rules]]\nid = \"x\"\nstate = \"sleeping\"\npattern = 'x'\n",
        "4:9: profiles.agent.rules[0].state",
        "unknown variant `sleeping`, expected one of",
    );
    check_refuses(
        home,
        &format!("{RULE}pattern = 'x'\nregoin = \"title\"\n"),
        "6:1: profiles.agent.rules[0].regoin",
        "unknown field `regoin`",
    );
    check_refuses(
        home,
        &format!(
            "{RULE}pattern = 'x'\n\n[[profiles.agent.rules]]\nid = \"prompt\"\nstate = \"busy\"\npattern = 'y'\n"
        ),
        "8:6: profiles.agent.rules[1].id",
        "rule id `prompt` is profiles.agent.rules[0]'s too",
    );
    check_refuses(
        home,
        "[profiles.agent]\nbased_on = \"aider\"\n",
        "2:12: profiles.agent.based_on",
        "unknown variant `aider`",
    );
    check_refuses(
        home,
        "[profiles.agent.reply]\necho_prefix = \"> \"\nend = '['\n",
        "3:7: profiles.agent.reply.end",
        "invalid regular expression",
    );
}

/// A profile for the Claude Code fixture written from nothing, as a user would for an agent
/// ccmux does not know: its prompt, its busy footer, how to cut a reply out of its
/// transcript, and the pause before Enter that keeps a long command from reading as a paste.
const FIXTURE_PROFILE: &str = r#"
[profiles.fixture]
interrupt = "esc"
quiet_ms = 0
settle_ms = 800
enter_delay_ms = 150
busy_while_output = false
output_means_progress = false

[[profiles.fixture.rules]]
id = "fixture prompt"
state = "idle"
pattern = '(?m)^─{3,}\n❯'

[[profiles.fixture.rules]]
id = "fixture working"
state = "busy"
region = "after_last_rule"
pattern = 'esc to interrupt'

[profiles.fixture.reply]
echo_prefix = "❯ "
end = '^─{3,}'
drop = ['^\s*$', '^[✻✽✶✢·*] ']
strip_prefixes = ["● "]
"#;

#[test]
fn a_user_profile_with_reply_rules_and_an_enter_delay_drives_a_real_session() {
    let server = start_server_with_config(FIXTURE_PROFILE);
    let body = json!({
        "task_id": "mine", "project_path": server.home.path(), "profile": "fixture",
        "command": ["python3", common::fixture("fake_claude.py")],
        "environment": {"ANTHROPIC_API_KEY": "sk-test-key"},
    });
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    assert_eq!(info["profile"], "fixture", "{info}");
    let id = info["session_id"].to_string();
    let ready = server.wait_for_state(&id, "ready");
    assert_eq!(ready["state_reason"], "fixture prompt", "{ready}");

    // Over 64 characters with Enter in the same write, the fixture (like Claude Code) takes
    // the text as a paste and does not submit it: only the Enter delay gets a reply.
    let long = format!("say {}", "x".repeat(300));
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": long, "timeout": 20})),
    );
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["state"], "idle", "{result}");
    assert_eq!(result["timed_out"], false, "{result}");
    // The fixture cuts its lines at the terminal's width.
    let output = result["output"].as_str().unwrap_or_default();
    assert!(output.starts_with(&"x".repeat(100)), "{result}");

    let (_, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "say first\nsecond", "timeout": 20})),
    );
    assert_eq!(
        result["output"], "first\n  second",
        "bullets stripped, chrome dropped: {result}"
    );
}

#[test]
fn config_check_warns_of_a_profile_that_can_never_be_ready() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("quiet.toml");
    std::fs::write(
        &path,
        "[profiles.mute]\nbusy_while_output = false\nbusy = ['working']\n",
    )
    .unwrap();
    let out = ccmux(home.path())
        .args(["config", "check", path.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "a warning, not an error: {err}");
    assert!(
        err.contains(&format!(
            "warning: {}:1:1: profiles.mute: profile `mute` never says its program is ready",
            path.display()
        )),
        "{err}"
    );
}

/// The `[profiles.aider]` example of `config.example.toml` up to its rules: its keys and its
/// shorthand, exactly as a user uncommenting it gets them.
fn example_profile() -> String {
    let example = include_str!("../config.example.toml");
    example
        .lines()
        .skip_while(|l| *l != "#> [profiles.aider]")
        .take_while(|l| *l != "#> [[profiles.aider.rules]]")
        .filter_map(|l| l.strip_prefix("#> "))
        .map(|l| format!("{l}\n"))
        .collect()
}

#[test]
fn the_example_profiles_shorthand_is_idle_again_once_its_question_is_answered() {
    let profile = example_profile();
    assert!(profile.contains("waiting = ["), "{profile}");
    let server = start_server_with_config(&profile);
    // A prompt; `deploy` asks a (Y)es/(N)o question, then the prompt comes back.
    let script = "import sys\n\
                  while True:\n\
                  \x20   line = input('> ')\n\
                  \x20   if line == 'deploy':\n\
                  \x20       input('Really deploy? (Y)es/(N)o ')\n\
                  \x20       print('deployed')\n";
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "aider", "project_path": dir.path(), "profile": "aider",
                      "command": ["python3", "-u", "-c", script]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].clone();
    server.wait_for_state(&id, "ready");

    let input = |data: &str| {
        let path = format!("/api/v1/sessions/{id}/input");
        let (status, body) = server.call("POST", &path, Some(json!({ "data": data })));
        assert_eq!(status, 200, "{body}");
    };
    input("deploy\r");
    server.wait_for_state(&id, "waiting_input");
    input("y\r");
    // At the prompt again, and staying there.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let at_prompt = |info: &serde_json::Value| info["state"] == "idle" || info["state"] == "ready";
    loop {
        let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
        if at_prompt(&info) {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still asking: {info}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::thread::sleep(std::time::Duration::from_secs(1));
    let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert!(
        at_prompt(&info),
        "the answered question no longer holds it: {info}"
    );
}

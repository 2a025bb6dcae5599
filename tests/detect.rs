//! `ccmux detect` over recordings of the Claude Code fixture: the recordings kept in
//! `tests/recordings/` (made by `regenerate_the_fixture_recordings` below) give the timelines
//! written here, and a fresh recording gives the states its live session went through.
//! Also `ccmux play`, in tmux.

mod common;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use common::fixture;
use common::server::{Server, TOKEN, start_server_with_config};
use serde_json::{Value, json};

fn recordings() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/recordings")
}

/// `ccmux detect FILE` as `(state, reason)` lines, with the times checked to go forward.
fn detect(file: &Path) -> Vec<(String, String)> {
    let home = tempfile::tempdir().unwrap();
    let out = common::server::ccmux(home.path())
        .args(["detect", "--profile", "claude"])
        .arg(file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let mut last = -1.0;
    text.lines()
        .map(|line| {
            let mut parts = line.split_whitespace();
            let time: f64 = parts.next().unwrap().parse().unwrap();
            assert!(time > last, "times go forward: {text}");
            last = time;
            let state = parts.next().unwrap().to_string();
            (state, parts.collect::<Vec<_>>().join(" "))
        })
        .collect()
}

fn states(timeline: &[(String, String)]) -> Vec<&str> {
    timeline.iter().map(|(s, _)| s.as_str()).collect()
}

#[test]
fn detect_prints_the_expected_timeline_for_each_kept_fixture_recording() {
    let expected: &[(&str, &[(&str, &str)])] = &[
        (
            "reply",
            &[
                ("ready", "input box"),
                ("busy", "esc to interrupt"),
                ("idle", "input box"),
            ],
        ),
        (
            "permission",
            &[
                ("ready", "input box"),
                ("busy", "esc to interrupt"),
                ("waiting_input", "permission prompt"),
                ("busy", "esc to interrupt"),
                ("idle", "input box"),
            ],
        ),
        (
            "interrupt",
            &[
                ("ready", "input box"),
                ("busy", "esc to interrupt"),
                ("idle", "input box"),
            ],
        ),
        ("logged_out", &[("authenticating", "not logged in")]),
    ];
    for (name, want) in expected {
        let got = detect(&recordings().join(format!("{name}.cast")));
        let got: Vec<(&str, &str)> = got.iter().map(|(s, r)| (s.as_str(), r.as_str())).collect();
        assert_eq!(&got, want, "{name}.cast");
    }
}

#[test]
fn detect_on_a_fresh_recording_goes_through_the_states_the_live_session_did() {
    let server = recording_server();
    let dir = tempfile::tempdir().unwrap();
    let id = start_claude(&server, "live", dir.path(), true);
    command(&server, id, "say this went well");
    // The Stop hook may end the turn a moment before the fixture draws its input box again;
    // the recording is read once the screen has caught up, as the screen is what it replays.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        if !screen.to_string().contains("esc to interrupt") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the screen still shows a turn: {screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    // The live session's states, through the output filter.
    let (_, page) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?type=state"),
        None,
    );
    let live: Vec<String> = page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let content = e["content"].as_str().unwrap();
            let to = content.split(" → ").nth(1).unwrap();
            to.split(':').next().unwrap().to_string()
        })
        .collect();
    let file = dir.path().join("live.cast");
    std::fs::write(&file, recording_of(&server, id)).unwrap();
    let offline = detect(&file);
    assert_eq!(states(&offline), live, "{offline:#?}");
}

#[test]
fn detect_refuses_an_unknown_profile_and_a_file_that_is_not_a_recording() {
    let home = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        common::server::ccmux(home.path())
            .arg("detect")
            .args(args)
            .output()
            .unwrap()
    };
    let reply = recordings().join("reply.cast");
    let out = run(&[reply.to_str().unwrap(), "--profile", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown profile `nope`"));
    let junk = home.path().join("junk.cast");
    std::fs::write(
        &junk,
        "{\"version\":2,\"width\":10,\"height\":5}\nnot json\n",
    )
    .unwrap();
    let out = run(&[junk.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("line 2"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn play_shows_a_recording_in_a_pane_until_a_key_is_pressed() {
    let file = recordings().join("reply.cast");
    let pane = Pane::run(&format!(
        "{} play --speed 20 {}; echo PLAY-EXITED=$?",
        env!("CARGO_BIN_EXE_ccmux"),
        file.display()
    ));
    let screen = pane.wait_for(|s| s.contains("ended"), "the replay ends");
    assert!(screen.contains("▶ reply.cast"), "{screen}");
    assert!(screen.contains("hello from the fixture"), "{screen}");
    pane.keys("q");
    let screen = pane.wait_for(|s| s.contains("PLAY-EXITED="), "play exits");
    assert!(screen.contains("PLAY-EXITED=0"), "{screen}");
    assert!(
        !screen.contains("hello from the fixture"),
        "the alternate screen is left"
    );
}

#[test]
fn play_refuses_a_bad_speed_and_a_stdout_that_is_not_a_terminal() {
    let home = tempfile::tempdir().unwrap();
    let file = recordings().join("reply.cast");
    let run = |speed: &str| {
        common::server::ccmux(home.path())
            .args(["play", "--speed", speed])
            .arg(&file)
            .output()
            .unwrap()
    };
    let out = run("0");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--speed must be"));
    let out = run("1");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("stdout is not one"));
}

/// A private tmux server with one pane running a shell command.
struct Pane(String);

impl Pane {
    fn run(command: &str) -> Self {
        let pane = Self(format!("ccmux-play-{}", std::process::id()));
        let script = format!("TERM=xterm-256color {command}; sleep 60");
        let status = pane
            .tmux(&[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                "100",
                "-y",
                "30",
                &script,
            ])
            .status;
        assert!(status.success());
        pane
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        std::process::Command::new("tmux")
            .args(["-L", &self.0])
            .args(args)
            .output()
            .expect("tmux is installed by .ci/run")
    }

    fn keys(&self, keys: &str) {
        self.tmux(&["send-keys", "-t", "0", keys]);
    }

    fn wait_for(&self, what: impl Fn(&str) -> bool, why: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let out = self.tmux(&["capture-pane", "-p", "-t", "0"]).stdout;
            let screen = String::from_utf8_lossy(&out).into_owned();
            if what(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "{why}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

// ----- making the recordings ------------------------------------------------------------

fn recording_server() -> Server {
    start_server_with_config("[recording]\nrecord_input = true\n")
}

fn start_claude(server: &Server, task: &str, dir: &Path, logged_in: bool) -> u64 {
    let mut body = json!({"task_id": task, "project_path": dir,
        "command": ["python3", fixture("fake_claude.py")], "profile": "claude",
        "terminal_size": [80, 20]});
    if logged_in {
        body["auth_token"] = json!("sk-test-key");
    }
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    server.wait_for_state(id, if logged_in { "ready" } else { "authenticating" });
    id
}

fn command(server: &Server, id: u64, text: &str) -> Value {
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": text, "timeout": 20})),
    );
    assert_eq!(status, 200, "{result}");
    result
}

fn recording_of(server: &Server, id: u64) -> String {
    let agent: ureq::Agent = ureq::Agent::config_builder().build().new_agent();
    agent
        .get(server.url(&format!("/api/v1/sessions/{id}/recording")))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap()
        .body_mut()
        .read_to_string()
        .unwrap()
}

/// Writes `tests/recordings/*.cast` from fresh runs of the fixture:
/// `cargo test --test detect -- --ignored regenerate`.
#[test]
#[ignore = "rewrites tests/recordings; run by hand when the fixture changes"]
fn regenerate_the_fixture_recordings() {
    let server = recording_server();
    let dir = tempfile::tempdir().unwrap();
    let keep = |name: &str, id: u64| {
        std::fs::write(
            recordings().join(format!("{name}.cast")),
            recording_of(&server, id),
        )
        .unwrap();
    };

    let id = start_claude(&server, "reply", dir.path(), true);
    command(&server, id, "say hello from the fixture");
    keep("reply", id);

    let id = start_claude(&server, "permission", dir.path(), true);
    let result = command(&server, id, "make a file with permission");
    assert_eq!(result["state"], "waiting_input", "{result}");
    let (status, _) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(json!({"data": "1"})),
    );
    assert_eq!(status, 200);
    server.wait_for_state(id, "idle");
    keep("permission", id);

    let id = start_claude(&server, "interrupt", dir.path(), true);
    let (status, _) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(json!({"data": "a slow task\r"})),
    );
    assert_eq!(status, 200);
    server.wait_for_state(id, "busy");
    std::thread::sleep(Duration::from_millis(700));
    let (status, _) = server.call("POST", &format!("/api/v1/sessions/{id}/interrupt"), None);
    assert_eq!(status, 200);
    server.wait_for_state(id, "idle");
    keep("interrupt", id);

    let id = start_claude(&server, "logged_out", dir.path(), false);
    keep("logged_out", id);
}

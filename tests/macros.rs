//! `[macros.NAME]` run against a session through the API and `ctl`, reported step by step;
//! `config check` refuses a macro that could not run. Through the real binary.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, ccmux, start_server_with_config};
use serde_json::{Value, json};

const MACROS: &str = r#"
[macros.greet]
steps = [
  { send = "echo hello-$((6 * 7))" },
  { wait = "idle", timeout = 20 },
  { expect = "hello-42" },
  { keys = "ctrl-c" },
]

[macros.tests-pass]
steps = [
  { send = "echo 3 failed" },
  { expect = "\\d+ passed", timeout = 0.5 },
  { keys = "esc" },
]
"#;

fn ready_bash(server: &Server) -> u64 {
    let dir = std::env::temp_dir();
    let body = json!({"task_id": "macro", "project_path": dir,
                      "command": ["bash", "--norc", "--noprofile", "-i"],
                      "environment": {"PS1": "macro$ "}});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server
        .call("GET", &format!("/api/v1/sessions/{id}"), None)
        .1["state"]
        != "ready"
    {
        assert!(Instant::now() < deadline, "never ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    id
}

fn run_macro(server: &Server, id: u64, name: &str) -> (u16, Value) {
    server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/macros/{name}"),
        None,
    )
}

fn outcomes(report: &Value) -> Vec<(String, String)> {
    report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["step"].as_str().unwrap().into(),
                s["outcome"].as_str().unwrap().into(),
            )
        })
        .collect()
}

#[test]
fn a_macro_that_passes_reports_every_step() {
    let server = start_server_with_config(MACROS);
    let id = ready_bash(&server);
    let (status, report) = run_macro(&server, id, "greet");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ok"], true, "{report}");
    assert_eq!(
        outcomes(&report),
        [
            (r#"send "echo hello-$((6 * 7))""#.into(), "passed".into()),
            ("wait idle".into(), "passed".into()),
            ("expect /hello-42/".into(), "passed".into()),
            ("keys ctrl-c".into(), "passed".into()),
        ]
    );
    assert_eq!(report["steps"][2]["detail"], "found `hello-42`");
    let (_, output) = server.call("GET", &format!("/api/v1/sessions/{id}/output"), None);
    assert!(
        output.to_string().contains("\\u0003"),
        "ctrl-c was typed: {output}"
    );

    let ctl = ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN])
        .args(["ctl", "macro", &id.to_string(), "greet"])
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&ctl.stdout);
    assert!(ctl.status.success(), "{printed}");
    assert!(printed.contains("macro greet passed"), "{printed}");
}

#[test]
fn a_macro_stops_at_the_first_failed_expect_and_says_why() {
    let server = start_server_with_config(MACROS);
    let id = ready_bash(&server);
    let (status, report) = run_macro(&server, id, "tests-pass");
    assert_eq!(status, 200, "{report}");
    assert_eq!(report["ok"], false);
    assert_eq!(
        outcomes(&report),
        [
            (r#"send "echo 3 failed""#.into(), "passed".into()),
            (r"expect /\d+ passed/".into(), "failed".into()),
            ("keys esc".into(), "skipped".into()),
        ]
    );
    let why = report["steps"][1]["detail"].as_str().unwrap();
    assert!(
        why.starts_with(r"no match for /\d+ passed/ on the screen"),
        "{why}"
    );
    assert!(why.contains("its last line reads `macro$`"), "{why}");

    let ctl = ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN])
        .args(["ctl", "macro", &id.to_string(), "tests-pass"])
        .output()
        .unwrap();
    assert_eq!(ctl.status.code(), Some(1), "a failed macro fails ctl");
    assert!(String::from_utf8_lossy(&ctl.stdout).contains("macro tests-pass failed"));

    let (status, refused) = run_macro(&server, id, "nope");
    assert_eq!(status, 404);
    let message = refused["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("no macro `nope`") && message.contains("greet, tests-pass"),
        "{message}"
    );
}

#[test]
fn config_check_refuses_a_macro_that_could_not_run() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[macros.m]\nsteps = [{ expect = \"(unclosed\" }]\n",
            "2:10",
            "expect: regex parse error",
        ),
        (
            "[macros.m]\nsteps = [{ wait = \"sleepy\" }]\n",
            "2:10",
            "`sleepy` is not a state: the states are",
        ),
        (
            "[macros.m]\nsteps = [{ keys = \"esc ctrl-nope\" }]\n",
            "2:10",
            "`ctrl-nope` is not a key",
        ),
        (
            "[macros.m]\nsteps = [{ send = \"x\", sned = \"y\" }]\n",
            "2:10",
            "unknown field `sned`",
        ),
        (
            "[macros.m]\nsteps = [\n  { send = \"x\" },\n  { send = \"y\", wait = \"idle\" },\n]\n",
            "4:3",
            "exactly one of send, wait, expect or keys",
        ),
        ("[macros.\"a b\"]\nsteps = []\n", "1:9", "a macro's name is"),
    ];
    for (text, place, message) in cases {
        let path = home.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let out = ccmux(home.path())
            .args(["config", "check", path.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{text}: {err}");
        let place = format!("{}:{place}", path.display());
        assert!(err.contains(&place), "{text:?}: wanted {place} in {err}");
        assert!(
            err.contains(message),
            "{text:?}: wanted {message:?} in {err}"
        );
    }
    let good = home.path().join("good.toml");
    std::fs::write(&good, MACROS).unwrap();
    let out = ccmux(home.path())
        .args(["config", "check", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

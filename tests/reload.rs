//! `ccmux reload` and SIGHUP read the config files again: new macros, limits and policies
//! (for running sessions too) are in force without a restart, and a file that no longer
//! parses is reported while the config in force stays. Through the real binary.

mod common;

use std::time::{Duration, Instant};

use common::fixture_api::*;
use common::server::{Server, ccmux, ctl, said, start_server};
use serde_json::json;

const GREET: &str = r#"
[macros.greet]
steps = [
  { send = "echo hi-$((6 * 7))" },
  { wait = "idle", timeout = 20 },
  { expect = "hi-42" },
]
"#;

fn write_config(server: &Server, config: &str) {
    std::fs::write(server.home.path().join("config/ccmux/config.toml"), config).unwrap();
}

fn reload(server: &Server) -> std::process::Output {
    ccmux(server.home.path()).arg("reload").output().unwrap()
}

fn new_shell(server: &Server, task: &str) -> std::process::Output {
    ctl(
        server,
        &[
            "--json",
            "new",
            "--task",
            task,
            "--wait",
            "--profile",
            "shell",
            "--",
            "bash",
            "--norc",
            "--noprofile",
            "-i",
        ],
    )
}

#[test]
fn reload_puts_new_macros_and_limits_in_force_and_a_broken_file_changes_nothing() {
    let server = start_server();
    let out = new_shell(&server, "first");
    assert!(out.status.success(), "{}", said(&out));
    let out = ctl(&server, &["macro", "first", "greet"]);
    assert!(!out.status.success(), "no macro yet: {}", said(&out));

    write_config(&server, &format!("{GREET}\n[limits]\nmax_sessions = 1\n"));
    let out = reload(&server);
    assert!(out.status.success(), "{}", said(&out));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("macros: at once"), "{stdout}");
    assert!(stdout.contains("limits: max_sessions"), "{stdout}");

    let out = ctl(&server, &["macro", "first", "greet"]);
    assert!(out.status.success(), "the new macro runs: {}", said(&out));
    let out = new_shell(&server, "second");
    assert!(
        !out.status.success(),
        "max_sessions = 1 holds: {}",
        said(&out)
    );
    assert!(
        said(&out).contains("limit of 1 live sessions"),
        "{}",
        said(&out)
    );

    write_config(&server, "[macros.greet\n");
    let out = reload(&server);
    assert!(
        !out.status.success(),
        "a broken file is refused: {}",
        said(&out)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("config.toml"), "names the file: {stderr}");
    assert!(stderr.contains("old one stays in force"), "{stderr}");
    // `ctl` itself reads the broken file: the API answers for the server alone.
    let (status, report) = server.call("POST", "/api/v1/sessions/first/macros/greet", None);
    assert_eq!(
        (status, &report["ok"]),
        (200, &json!(true)),
        "the old config stays: {report}"
    );
}

#[test]
fn sighup_reloads_the_config_and_the_server_keeps_running() {
    let mut server = start_server();
    let out = new_shell(&server, "hup");
    assert!(out.status.success(), "{}", said(&out));
    write_config(&server, GREET);
    // SAFETY: kill only sends a signal.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGHUP) };
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let out = ctl(&server, &["macro", "hup", "greet"]);
        if out.status.success() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "SIGHUP did not reload: {}",
            said(&out)
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        server.child.try_wait().unwrap().is_none(),
        "the server runs on"
    );
}

#[test]
fn a_reloaded_policy_answers_a_running_sessions_next_permission_request() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "policy-reload", dir.path(), json!({}));
    write_config(
        &server,
        "[[policy]]\ntool = \"Bash\"\ninput = \"^touch \"\ndecision = \"allow\"\n",
    );
    let out = reload(&server);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("policy: at once, running sessions"),
        "{}",
        said(&out)
    );
    let result = command(&server, id, "create a file, with permission");
    assert_eq!(result["state"], "idle", "{result}");
    assert!(dir.path().join("created_by_tool.txt").exists());
}

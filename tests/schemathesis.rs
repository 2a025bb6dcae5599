//! Schemathesis (PyPI, pinned in tests/requirements.txt) against a real `ccmux serve`'s
//! `/api/v1/openapi.json`, with every check: the document and the handlers agree, no request
//! makes a 5xx, every response matches its schema. Bounded to a few dozen examples per
//! operation so it stays well under two minutes.
//!
//! `.ci/run` installs schemathesis; under `CI=true` a missing one fails the test, elsewhere the
//! test says loudly that it did not run.

mod common;

use std::process::Command;

use common::server::{TOKEN, start_server_with_config};
use serde_json::json;

/// Operations on one session that are pointed at a live one, so they reach the handlers'
/// logic instead of answering 404 for a random id.
const ON_THE_TARGET: &[&str] = &[
    "getSession",
    "sendCommand",
    "sendInput",
    "getOutput",
    "getScreen",
    "getText",
    "resizeSession",
    "interruptSession",
];

fn schemathesis_available() -> bool {
    Command::new("schemathesis")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn schemathesis_finds_no_disagreement_between_the_document_and_the_server() {
    if !schemathesis_available() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "schemathesis is not installed; `pip install -r tests/requirements.txt`"
        );
        eprintln!(
            "\n*** SKIPPED: schemathesis is not installed, so the API was not fuzzed. \
             Run `pip install -r tests/requirements.txt` ***\n"
        );
        return;
    }
    // Sessions run `cat`: whatever the fuzzer sends as a command or keys is echoed, never run.
    let server =
        start_server_with_config("[defaults]\ncommand = [\"cat\"]\n[limits]\nmax_sessions = 8\n");
    let (status, target) = server.call(
        "POST",
        "/api/v1/sessions",
        Some(json!({"task_id": "schemathesis-target"})),
    );
    assert_eq!(status, 201, "{target}");
    let id = target["session_id"].as_u64().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("schemathesis.toml");
    let mut settings = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/schemathesis.toml"
    ))
    .unwrap();
    settings.push_str(&format!(
        "\n[[operations]]\ninclude-operation-id = {ON_THE_TARGET:?}\nparameters = {{ \"path.id\" = {id} }}\n"
    ));
    std::fs::write(&config, settings).unwrap();

    let output = Command::new("schemathesis")
        .current_dir(dir.path())
        .arg("--config-file")
        .arg(&config)
        .args(["run", &server.url("/api/v1/openapi.json")])
        .args(["--header", &format!("Authorization: Bearer {TOKEN}")])
        .args(["--checks", "all", "--max-examples", "25", "--seed", "1"])
        .args(["--request-timeout", "60", "--no-color"])
        // A WebSocket handshake is not a request schemathesis can make; tests/api.rs drives it.
        .args(["--exclude-operation-id", "streamSession"])
        .env("SCHEMATHESIS_HOOKS", "")
        .output()
        .unwrap();
    let report = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.status.success(),
        "schemathesis found problems:\n{report}"
    );
    assert!(
        report.contains("passed") && !report.contains("failed"),
        "schemathesis said:\n{report}"
    );
    eprintln!("{report}");
}

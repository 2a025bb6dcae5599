//! Permission policies answered through the PermissionRequest hook, through a real `ccmux
//! serve` and the fixture; and `config check` on them.

mod common;

use common::fixture_api::*;
use common::server::{Server, ccmux, start_server_with_config};
use serde_json::json;

/// A server whose only policy is `decision` for `touch …` commands.
fn policy_server(decision: &str) -> Server {
    start_server_with_config(&format!(
        "[[policy]]\ntool = \"Bash\"\ninput = \"^touch \"\ndecision = \"{decision}\"\n"
    ))
}

#[test]
fn an_allow_policy_runs_the_tool_with_no_dialog_and_logs_its_rule() {
    let server = policy_server("allow");
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "policy-allow", dir.path(), json!({}));
    let result = command(&server, id, "create a file, with permission");
    assert_eq!(result["state"], "idle", "{result}");
    assert!(dir.path().join("created_by_tool.txt").exists());
    assert!(screen(&server, id).contains("Allowed by PermissionRequest hook"));
    let log = log(&server, id);
    assert!(
        log.contains(
            "policy: allow Bash touch created_by_tool.txt (rule 1: tool = \"Bash\", input = \"^touch \", decision = allow)"
        ),
        "{log}"
    );
    assert!(!log.contains("waiting_input"), "{log}");
}

#[test]
fn a_deny_policy_refuses_the_tool_with_no_dialog() {
    let server = policy_server("deny");
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "policy-deny", dir.path(), json!({}));
    let result = command(&server, id, "create a file, with permission");
    assert_eq!(result["state"], "idle", "{result}");
    assert!(!dir.path().join("created_by_tool.txt").exists());
    assert!(
        screen(&server, id)
            .contains("Denied by PermissionRequest hook: denied by ccmux policy rule 1")
    );
    assert!(log(&server, id).contains("policy: deny Bash touch"));
}

#[test]
fn an_ask_policy_or_a_session_that_opted_out_leaves_the_dialog_to_the_user() {
    let server = policy_server("ask");
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "policy-ask", dir.path(), json!({}));
    let result = command(&server, id, "create a file, with permission");
    assert_eq!(result["state"], "waiting_input", "{result}");
    assert!(log(&server, id).contains("policy: ask Bash touch created_by_tool.txt (rule 1"));

    let server = policy_server("allow");
    let dir = tempfile::tempdir().unwrap();
    let id = fixture_session(&server, "policy-off", dir.path(), json!({"policy": false}));
    let result = command(&server, id, "create a file, with permission");
    assert_eq!(result["state"], "waiting_input", "{result}");
    assert!(!log(&server, id).contains("policy:"));
}

#[test]
fn config_check_refuses_a_policy_regex_that_does_not_compile_naming_its_place() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[policy]]\ntool = \"Bash\"\ndecision = \"allow\"\n\n[[policy]]\ntool = \"Bash\"\ninput = \"^(rm\"\ndecision = \"deny\"\n",
            "7:9: policy[1].input",
            "`^(rm` is not a valid regular expression",
        ),
        (
            "[[policy]]\ntool = \"Bash\"\ndecision = \"sometimes\"\n",
            "3:12: policy[0].decision",
            "unknown variant `sometimes`",
        ),
    ];
    for (text, place, message) in cases {
        let path = home.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let out = ccmux(home.path())
            .args(["config", "check", path.to_str().unwrap()])
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{err}");
        assert!(
            err.contains(&format!("{}:{place}: ", path.display())),
            "{err}"
        );
        assert!(err.contains(message), "{err}");
    }
    let good = home.path().join("good.toml");
    std::fs::write(
        &good,
        "[[policy]]\ntool = \"Bash\"\ninput = \"^ls\\\\b\"\ndecision = \"allow\"\n",
    )
    .unwrap();
    let out = ccmux(home.path())
        .args(["config", "check", good.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

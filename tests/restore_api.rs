//! A Claude session made over the API comes back after its server is SIGKILLed with what it
//! was made with: its environment's values and its token as saved for it, never the values the
//! new server's environment has under those names. One that cannot come back stays, terminated
//! with its reason, and `ctl restart` retries it once the cause is fixed.

mod common;

use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::fixture_api::*;
use common::server::{Server, TOKEN, ccmux, launch};
use serde_json::{Value, json};

/// A server in `home` whose own environment holds the API token, as `CCMUX_API_TOKEN`.
fn serve_in(home: &Rc<tempfile::TempDir>) -> Server {
    let mut cmd = ccmux(home.path());
    cmd.env("CCMUX_API_TOKEN", TOKEN)
        .args(["serve", "--listen", "127.0.0.1:0"]);
    launch(cmd, home.clone())
}

fn kill_hard(server: &Server) {
    // SAFETY: kill only sends a signal.
    unsafe { libc::kill(server.child.id() as i32, libc::SIGKILL) };
}

fn state_file(home: &Path) -> std::path::PathBuf {
    home.join("data/ccmux/state.json")
}

fn wait_until(mut what: impl FnMut() -> bool, why: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !what() {
        assert!(Instant::now() < deadline, "{why}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The session of `task` the server runs now (the newest, when there are several).
fn session_of(server: &Server, task: &str) -> Value {
    let (_, list) = server.call("GET", "/api/v1/sessions", None);
    list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .find(|s| s["task_id"] == task)
        .cloned()
        .unwrap_or(Value::Null)
}

/// A fixture session of `task` made over the API with an account of its own; its conversation.
fn claude_with_an_account(server: &Server, task: &str, account: &Path, keep: bool) -> String {
    let project = server.home.path().join(task);
    std::fs::create_dir_all(&project).unwrap();
    let mut extra = json!({
        "environment": {
            "CLAUDE_CONFIG_DIR": account,
            "CCMUX_API_TOKEN": "decoy",
            "CCMUX_FAKE_SHOW_ENV": "CLAUDE_CONFIG_DIR,CCMUX_API_TOKEN",
        },
        "auth_token": "sk-kept",
    });
    if !keep {
        extra["restore_secrets"] = json!(false);
    }
    let id = fixture_session(server, task, &project, extra);
    let screen = screen(server, id);
    let conversation = screen
        .split("argv: --session-id ")
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no conversation on screen:\n{screen}"))
        .to_string();
    wait_until(
        || std::fs::read_to_string(state_file(server.home.path())).is_ok_and(|s| s.contains(task)),
        "the session is saved",
    );
    conversation
}

#[test]
fn a_claude_session_comes_back_after_sigkill_with_its_own_environment_and_token() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let account = home.path().join("accounts/work");
    let first = serve_in(&home);
    let conversation = claude_with_an_account(&first, "resume-me", &account, true);
    let saved = state_file(home.path());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(&saved).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "the values are kept privately");
    kill_hard(&first);
    drop(first);

    let second = serve_in(&home);
    let mut restored = Value::Null;
    wait_until(
        || {
            restored = session_of(&second, "resume-me");
            restored["state"] == "ready"
        },
        "the session comes back ready",
    );
    let id = restored["session_id"].as_u64().unwrap();
    let resumed = format!("argv: --resume {conversation}");
    wait_for(&second, id, "the conversation resumed", |_| {
        screen(&second, id).contains(&resumed)
    });
    let pid = restored["pid"].as_u64().unwrap();
    assert_eq!(
        environ(pid, "CLAUDE_CONFIG_DIR").as_deref(),
        account.to_str()
    );
    assert_eq!(
        environ(pid, "ANTHROPIC_API_KEY").as_deref(),
        Some("sk-kept")
    );
    assert_eq!(
        environ(pid, "CCMUX_API_TOKEN").as_deref(),
        Some("decoy"),
        "the decoy, never the server's own token"
    );
    // Kept in the state file alone: no log holds a value.
    for entry in walk(&home.path().join("state")) {
        let text = String::from_utf8_lossy(&std::fs::read(&entry).unwrap()).into_owned();
        assert!(!text.contains("sk-kept"), "{}", entry.display());
    }
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .flat_map(|e| {
            let path = e.path();
            if path.is_dir() {
                walk(&path)
            } else {
                vec![path]
            }
        })
        .collect()
}

#[test]
fn a_restore_that_fails_stays_terminated_with_its_reason_and_ctl_restart_retries_it() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let account = home.path().join("accounts/work");
    let first = serve_in(&home);
    // Opted out: the restore starts it without its account, and it cannot resume.
    let conversation = claude_with_an_account(&first, "resume-fail", &account, false);
    kill_hard(&first);
    drop(first);

    let second = serve_in(&home);
    let mut failed = Value::Null;
    wait_until(
        || {
            failed = session_of(&second, "resume-fail");
            failed["state"] == "terminated"
        },
        "the restore fails",
    );
    let reason = failed["state_reason"].as_str().unwrap().to_string();
    assert!(reason.contains("No conversation found"), "{reason}");
    let listed = ccmux(home.path()).arg("ls").output().unwrap();
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(
        listed.contains("terminated") && listed.contains("No conversation found"),
        "{listed}"
    );
    std::thread::sleep(Duration::from_millis(500));
    let saved = std::fs::read_to_string(state_file(home.path())).unwrap();
    assert!(saved.contains("resume-fail"), "it stays in the state file");

    // The cause fixed (the conversation where the default account keeps it), it is retried.
    let default_account = home.path().join(".claude/fake-conversations");
    std::fs::create_dir_all(&default_account).unwrap();
    std::fs::write(default_account.join(&conversation), "").unwrap();
    let id = failed["session_id"].as_u64().unwrap();
    let out = ccmux(home.path())
        .args(["ctl", "--listen", &second.addr, "restart", &id.to_string()])
        .env("CCMUX_API_TOKEN", TOKEN)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let again = session_of(&second, "resume-fail");
    let new_id = again["session_id"].as_u64().unwrap();
    assert_ne!(new_id, id, "a new session");
    let resumed = format!("argv: --resume {conversation}");
    // Resumed, and (its token not kept, as asked) not logged in.
    wait_for(&second, new_id, "the conversation resumed", |i| {
        i["state"] == "authenticating" && screen(&second, new_id).contains(&resumed)
    });
    wait_until(
        || {
            std::fs::read_to_string(state_file(home.path()))
                .is_ok_and(|s| s.matches("\"task_id\": \"resume-fail\"").count() == 1)
        },
        "the state file holds the task once",
    );
}

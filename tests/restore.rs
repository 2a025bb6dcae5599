//! A server that is killed or restarted brings its sessions back: shells in the directory they
//! were in, Claude Code on its conversation; a state file it cannot read is set aside.

mod common;

use std::io::{BufRead, BufReader};
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::fixture;
use common::tmux::Tmux;

fn wait_until(what: impl Fn() -> bool, why: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !what() {
        assert!(Instant::now() < deadline, "{why}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The word after `prefix` on the screen.
fn word_after<'a>(screen: &'a str, prefix: &str) -> &'a str {
    screen
        .split(prefix)
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .unwrap_or_else(|| panic!("no `{prefix}` on screen:\n{screen}"))
}

#[test]
fn a_killed_server_comes_back_with_its_shell_directory_and_claude_conversation() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(
        home.path(),
        project.path(),
        &format!(
            "[[session]]\ntask_id = \"sh\"\ncommand = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\n\
             environment = {{ PS1 = \"sh$ \" }}\n\
             [[session]]\ntask_id = \"claude\"\nprofile = \"claude\"\nhooks = false\n\
             command = [\"python3\", \"{}\"]\n",
            fixture("fake_claude.py")
        ),
    );
    let first = Tmux::start(
        home,
        project.path(),
        &[("ANTHROPIC_API_KEY", "sk-restore")],
        (160, 40),
    );
    let screen = first.wait_for(
        |s| s.contains("1 sh ● ready") && s.contains("2 claude ● ready"),
        "both sessions start",
    );
    let conversation = word_after(&screen, "argv: --session-id ").to_string();
    assert_eq!(conversation.len(), 36, "a uuid: {conversation}");

    first.text("mkdir -p moved-here && cd moved-here");
    first.keys(&["Enter"]);
    let state_file = first.home().join("data/ccmux/state.json");
    wait_until(
        || std::fs::read_to_string(&state_file).is_ok_and(|s| s.contains("moved-here")),
        "the shell's new directory is saved",
    );

    let info = std::fs::read_to_string(first.home().join("run/ccmux/default.json")).unwrap();
    let pid = serde_json::from_str::<serde_json::Value>(&info).unwrap()["pid"]
        .as_i64()
        .unwrap() as i32;
    // SAFETY: kill only sends a signal.
    unsafe { libc::kill(pid, libc::SIGKILL) };
    assert_ne!(first.exit_code(), 0);

    let second = first.client(project.path(), (160, 40), "--listen 127.0.0.1:0");
    let resumed = second.wait_for(
        |s| s.contains(&format!("argv: --resume {conversation}")),
        "Claude Code resumes its conversation",
    );
    assert!(
        !resumed.contains("--settings"),
        "`hooks = false` holds after the restart:\n{resumed}"
    );
    second.text("pwd");
    second.keys(&["Enter"]);
    second.wait_for(
        |s| s.contains("moved-here\n") || s.contains("moved-here "),
        "the shell is back in its directory",
    );
    let listing = second.ccmux().arg("ls").output().unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout);
    assert_eq!(
        listing.matches("\n  ").count(),
        2,
        "two sessions:\n{listing}"
    );
}

#[test]
fn an_unreadable_state_file_is_set_aside_and_reported() {
    let home = tempfile::tempdir().unwrap();
    let data = home.path().join("data/ccmux");
    std::fs::create_dir_all(&data).unwrap();
    std::fs::write(data.join("state.json"), "{ torn").unwrap();
    let mut server = common::server::ccmux(home.path())
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    let mut stderr = BufReader::new(server.stderr.take().unwrap());
    let mut said = String::new();
    let mut line = String::new();
    while stderr.read_line(&mut line).unwrap() > 0 && !line.contains("serving the API") {
        said.push_str(&line);
        line.clear();
    }
    // SAFETY: kill only sends a signal.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let _ = server.wait();
    assert!(line.contains("serving the API"), "the server still starts");
    assert!(said.contains("could not be read"), "{said}");
    let moved = word_after(&said, "moved to ");
    assert!(moved.contains("state.json.bad-"), "{said}");
    assert_eq!(std::fs::read_to_string(moved).unwrap(), "{ torn");
}

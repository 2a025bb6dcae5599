//! The server outlives its clients: detach, attach from another terminal, several clients at
//! once, `ls`, `kill-server`, a server that dies under its client, and who may connect.
//! Everything through the real binary in tmux, each test with its own socket dir.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::tmux::{Tmux, project_with_shells};

/// Pids of processes whose environment holds `pair` (`KEY=value`).
fn processes_with(pair: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|kv| kv == pair.as_bytes()))
        })
        .collect()
}

/// Every ccmux process of a home (server and clients) and every session it started: they all
/// inherit its XDG_RUNTIME_DIR.
fn processes_of(home: &Path) -> Vec<i32> {
    processes_with(&format!("XDG_RUNTIME_DIR={}/run", home.display()))
}

fn wait_until(what: impl Fn() -> bool, why: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !what() {
        assert!(Instant::now() < deadline, "{why}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn sessions_outlive_a_detached_client_and_its_terminal() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["one", "two", "three"]);
    let first = Tmux::start(home, project.path(), &[], (150, 40));
    first.wait_for(
        |s| s.contains("1 one ●") && s.contains("2 two ●") && s.contains("3 three ●"),
        "three sessions start",
    );
    first.text("echo marker-$((6*7))");
    first.keys(&["Enter"]);
    first.wait_for(|s| s.contains("marker-42"), "the marker is printed");
    first.keys(&["C-a", "d"]);
    first.assert_terminal_restored();
    assert_eq!(first.exit_code(), 0);

    // The terminal goes away entirely; the sessions do not.
    let second = first.client(project.path(), (150, 40), "attach");
    first.tmux(&["kill-server"]);
    let listing = second.ls();
    for task in ["one", "two", "three"] {
        assert!(listing.contains(task), "{listing}");
    }
    let live = listing
        .lines()
        .filter(|l| l.contains(" ready ") || l.contains(" idle "))
        .count();
    assert_eq!(live, 3, "{listing}");

    second.wait_for(
        |s| s.contains("marker-42"),
        "the marker is back in its pane",
    );
    second.text("echo typed-after-attach");
    second.keys(&["Enter"]);
    second.wait_for(
        |s| s.matches("typed-after-attach").count() >= 2,
        "typing works after attach",
    );
}

#[test]
fn two_clients_show_the_same_session_live() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["shared"]);
    let a = Tmux::start(home, project.path(), &[], (100, 30));
    a.wait_for(|s| s.contains("shared ● ready"), "the session starts");
    let b = a.client(project.path(), (100, 30), "attach");
    b.wait_for(
        |s| s.contains("shared ● ready"),
        "the second client attaches",
    );
    a.text("echo both-$((2+3))");
    a.keys(&["Enter"]);
    a.wait_for(|s| s.contains("both-5"), "the first client sees the line");
    b.wait_for(|s| s.contains("both-5"), "the second client sees it too");
}

#[test]
fn kill_server_leaves_no_process_behind() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["a", "b"]);
    let tmux = Tmux::start(home, project.path(), &[], (100, 30));
    tmux.wait_for(|s| s.contains("2 b ● ready"), "two sessions start");
    let home = tmux.home().to_path_buf();
    assert!(processes_of(&home).len() >= 4, "client, server, two shells");
    let killed = tmux.ccmux().arg("kill-server").output().unwrap();
    assert!(killed.status.success(), "{killed:?}");
    // kill-server returns once the server has gone: nothing of it may be left by then.
    assert_eq!(processes_of(&home), Vec::<i32>::new());
    tmux.assert_terminal_restored();
    let socket_dir = home.join("run/ccmux");
    assert!(
        !socket_dir.join("default").exists(),
        "the socket is removed"
    );
}

#[test]
fn a_client_whose_terminal_closes_leaves_even_when_the_hangup_signal_is_lost() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["one"]);
    // SIGHUP blocked, as when it came before the client listened for it: only the terminal's
    // end of file can tell the client it has gone. (It once spun on that end of file for ever.)
    let launcher = "python3 -c 'import os, signal, sys; \
                    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP}); \
                    os.execv(sys.argv[1], sys.argv[1:])'";
    let tmux = Tmux::run_under(
        Rc::new(home),
        project.path(),
        &[],
        (100, 30),
        launcher,
        "--listen 127.0.0.1:0",
    );
    tmux.wait_for(|s| s.contains("1 one ●"), "the session starts");
    let client = tmux.ccmux_pid();
    tmux.tmux(&["kill-server"]);
    // Gone, or a zombie whose parent (the pane's shell) went with the terminal.
    let gone = || {
        std::fs::read_to_string(format!("/proc/{client}/stat"))
            .map_or(true, |stat| stat.contains(") Z "))
    };
    wait_until(gone, "the client leaves once its terminal is gone");
}

#[test]
fn a_client_whose_server_is_killed_restores_the_terminal_and_fails() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["victim"]);
    let tmux = Tmux::start(home, project.path(), &[], (100, 30));
    tmux.wait_for(|s| s.contains("victim ● ready"), "the session starts");
    let info = std::fs::read_to_string(tmux.home().join("run/ccmux/default.json")).unwrap();
    let info: serde_json::Value = serde_json::from_str(&info).unwrap();
    let pid = info["pid"].as_i64().unwrap() as i32;
    // SAFETY: kill only sends a signal.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
    tmux.assert_terminal_restored();
    assert_ne!(tmux.exit_code(), 0, "losing the server is a failure");
    let screen = tmux.screen();
    assert!(screen.contains("lost the connection"), "{screen}");
}

#[test]
fn the_socket_is_private_and_other_users_are_refused() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["private"]);
    let tmux = Tmux::start(home, project.path(), &[], (100, 30));
    tmux.wait_for(|s| s.contains("private ● ready"), "the session starts");
    let dir = tmux.home().join("run/ccmux");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700);
    assert_eq!(mode(&dir.join("default")), 0o600);
    assert_eq!(mode(&dir.join("default.json")), 0o600);

    // Another uid that could reach the socket (here: opened up on purpose) is still refused.
    std::fs::set_permissions(tmux.home(), std::fs::Permissions::from_mode(0o755)).unwrap();
    for p in [tmux.home().join("run"), dir.clone()] {
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(dir.join("default"), std::fs::Permissions::from_mode(0o666)).unwrap();
    let mut as_nobody = std::process::Command::new("setpriv");
    as_nobody.args(["--reuid=65534", "--regid=65534", "--clear-groups"]);
    as_nobody.arg(env!("CARGO_BIN_EXE_ccmux")).arg("ls");
    let home = tmux.home().display().to_string();
    as_nobody
        .env("XDG_RUNTIME_DIR", format!("{home}/run"))
        .env("HOME", "/tmp")
        .env_remove("CCMUX_SOCKET");
    let out = as_nobody.output().expect("setpriv is part of util-linux");
    assert!(!out.status.success(), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("another user"), "{stderr}");
    let listing = tmux.ls();
    assert!(
        listing.contains("private"),
        "the owner still gets in: {listing}"
    );
}

#[test]
fn attach_without_a_server_says_how_to_start_one() {
    let home = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ccmux"))
        .env("XDG_RUNTIME_DIR", home.path().join("run"))
        .env("XDG_STATE_HOME", home.path().join("state"))
        .env_remove("CCMUX_SOCKET")
        .args(["attach"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no ccmux server is running"), "{stderr}");
    wait_until(
        || processes_of(home.path()).is_empty(),
        "nothing was started",
    );
}

#[test]
fn each_project_is_a_workspace_and_the_prefix_switches_between_them() {
    let home = tempfile::tempdir().unwrap();
    let (alpha, beta) = (
        project_with_shells(home.path(), &["alpha"]),
        project_with_shells(home.path(), &["beta"]),
    );
    let name = |p: &tempfile::TempDir| p.path().file_name().unwrap().to_string_lossy().into_owned();
    let a = Tmux::start(home, alpha.path(), &[], (120, 30));
    a.wait_for(
        |s| s.contains("1 alpha ● ready"),
        "alpha's workspace starts",
    );
    let b = a.client(beta.path(), (120, 30), "");
    let screen = b.wait_for(
        |s| s.contains("2 beta ● ready"),
        "beta gets its own workspace",
    );
    assert!(screen.contains(&format!("[{}]", name(&beta))), "{screen}");
    assert!(
        !screen.contains("alpha"),
        "one workspace at a time:\n{screen}"
    );

    b.keys(&["C-a", "w"]);
    b.wait_for(
        |s| s.contains("1 alpha ●") && s.contains(&format!("[{}]", name(&alpha))),
        "the prefix shows the other workspace",
    );
    let listing = a.ls();
    assert!(
        listing.contains(&format!("{}:", name(&alpha)))
            && listing.contains(&format!("{}:", name(&beta))),
        "{listing}"
    );
    let c = a.client(
        alpha.path(),
        (120, 30),
        &format!("attach -s {}", name(&beta)),
    );
    c.wait_for(|s| s.contains("2 beta ●"), "attach -s picks a workspace");
}

#[test]
fn an_api_resize_holds_until_a_client_types_into_the_session() {
    let home = tempfile::tempdir().unwrap();
    let project = project_with_shells(home.path(), &["sized"]);
    let tmux = Tmux::start(home, project.path(), &[], (100, 30));
    tmux.wait_for(|s| s.contains("sized ● ready"), "the session starts");
    // ctl finds the server's ephemeral API port and token from the server itself.
    let resized = tmux
        .ccmux()
        .args(["ctl", "resize", "1", "50", "20"])
        .output()
        .unwrap();
    assert!(resized.status.success(), "{resized:?}");
    let size = || {
        let out = tmux
            .ccmux()
            .args(["ctl", "--json", "list"])
            .output()
            .unwrap();
        let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let size = &list["sessions"][0]["terminal_size"];
        (
            size["cols"].as_u64().unwrap(),
            size["rows"].as_u64().unwrap(),
        )
    };
    assert_eq!(size(), (50, 20));
    // The client is shown at a new size: the API's size still holds.
    tmux.tmux(&["resize-window", "-t", "0", "-x", "90", "-y", "25"]);
    std::thread::sleep(Duration::from_millis(500));
    assert_eq!(
        size(),
        (50, 20),
        "a client that only shows the pane does not undo it"
    );
    tmux.text("stty size");
    tmux.keys(&["Enter"]);
    // 90×25 minus the status bar and the pane's border.
    tmux.wait_for(
        |s| s.contains("22 88"),
        "typing takes the pane back to the client's size",
    );
}

#[test]
fn keys_typed_in_a_client_are_logged_recorded_and_start_the_command() {
    let home = tempfile::tempdir().unwrap();
    common::write_global_config(home.path(), "[recording]\nrecord_input = true\n");
    let project = project_with_shells(home.path(), &["typed"]);
    let tmux = Tmux::start(home, project.path(), &[], (100, 30));
    tmux.wait_for(|s| s.contains("typed ● ready"), "the session starts");
    let ctl = |args: &[&str]| {
        let out = tmux.ccmux().arg("ctl").args(args).output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    tmux.text("sleep 3; echo slept-$((6*7))");
    tmux.keys(&["Enter"]);
    let state = || {
        let list: serde_json::Value = serde_json::from_str(&ctl(&["--json", "list"])).unwrap();
        list["sessions"][0]["state"].as_str().unwrap().to_string()
    };
    wait_until(
        || state() == "busy",
        "the Enter typed in the client starts the command",
    );
    tmux.wait_for(|s| s.contains("slept-42"), "the command runs");
    // One entry a key, as they were typed.
    let logged: String = ctl(&["--json", "output", "1", "--type", "input"])
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
        .map(|entry| entry["content"].as_str().unwrap().to_string())
        .collect();
    assert!(
        logged.contains("sleep 3; echo slept-$((6*7))"),
        "{logged:?}"
    );
    let recorded = ctl(&["record", "1"]);
    let typed: String = recorded
        .lines()
        .skip(1)
        .filter_map(|line| serde_json::from_str::<(f64, String, String)>(line).ok())
        .filter(|(_, kind, _)| kind == "i")
        .map(|(_, _, keys)| keys)
        .collect();
    assert!(
        typed.contains("sleep 3; echo slept-$((6*7))\r"),
        "{typed:?}"
    );
}

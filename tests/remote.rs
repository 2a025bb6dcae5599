//! Sessions on other machines: a real sshd on the loopback stands for the other machine, and
//! the test's ccmux, with a home of its own, is that machine's ccmux. Everything goes through
//! the user's door: `ccmux ls --host`, `ccmux ctl --host`, `ccmux attach --host`. Several
//! machines in one view are `remote_view.rs`'s.

mod common;

use std::process::Output;

use common::remote::{Remote, last_tick, local};
use common::server::{self, said};
use common::sshd::Sshd;

fn run_local(remote: &Remote, args: &[&str]) -> Output {
    let home = tempfile::tempdir().unwrap();
    local(home.path(), "")
        .env("CCMUX_SSH", remote.sshd.ssh_command())
        .args(args)
        .output()
        .unwrap()
}

#[test]
fn ls_with_a_host_lists_that_machines_sessions() {
    let remote = Remote::start();
    remote.shell("far-task");
    let host = remote.sshd.host();
    let out = run_local(&remote, &["ls", "--host", &host]);
    assert!(
        out.status.success(),
        "{}\n{}",
        said(&out),
        remote.sshd.log()
    );
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("far-task"), "{listed}");
}

#[test]
fn ctl_with_a_host_runs_on_that_machine_and_passes_its_exit_status() {
    let remote = Remote::start();
    let id = remote.shell("far-ctl");
    remote.server.wait_for_state(id, "ready");
    let host = remote.sshd.host();
    let out = run_local(&remote, &["ctl", "--host", &host, "list"]);
    assert!(out.status.success(), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("far-ctl"),
        "{}",
        said(&out)
    );
    // Arguments arrive as typed, however the remote shell would read them.
    let text = "echo 'quoted; $(not run)' && echo done-$((40+2))";
    let out = run_local(
        &remote,
        &["ctl", "-H", &host, "send", &id.to_string(), text],
    );
    assert!(out.status.success(), "{}", said(&out));
    let screen = remote
        .server
        .call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
    let lines = screen.1["lines"].to_string();
    assert!(
        lines.contains("quoted; $(not run)") && lines.contains("done-42"),
        "{lines}"
    );
    let out = run_local(
        &remote,
        &["ctl", "--host", &host, "send", "no-such-task", "x"],
    );
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        !out.stderr.is_empty(),
        "the remote ctl's error reaches stderr"
    );
}

#[test]
fn a_remote_of_another_version_is_named_with_what_to_upgrade() {
    let remote = Remote::start();
    let host = remote.sshd.host();
    let old = common::fixture("old_ccmux.sh");
    let cases = [
        (format!("{old} protocol-1"), "older than this one"),
        (format!("{old} no-bridge"), "has no `ccmux bridge`"),
        (format!("{old} protocol-999"), "this ccmux (0"),
        (
            "ccmux-not-installed".to_string(),
            "has no `ccmux-not-installed` on the PATH",
        ),
    ];
    for (command, says) in cases {
        let home = tempfile::tempdir().unwrap();
        let config = format!(
            "[remote]\nssh = \"{}\"\ncommand = \"{command}\"\n",
            remote.sshd.ssh_command()
        );
        let out = local(home.path(), &config)
            .args(["ls", "--host", &host])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !out.status.success() && stderr.contains(says),
            "{command}: {}",
            said(&out)
        );
        assert!(
            stderr.contains("upgrade") || stderr.contains("install"),
            "{stderr}"
        );
    }
}

#[test]
fn a_host_without_a_running_server_gets_one_started_by_the_bridge() {
    let sshd_home = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(sshd_home.path());
    let home = tempfile::tempdir().unwrap();
    let out = local(home.path(), "")
        .env("CCMUX_SSH", sshd.ssh_command())
        .args(["ls", "-H", &sshd.host()])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}\n{}", said(&out), sshd.log());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "no sessions\n");
    // The server it started is that machine's, on its socket.
    assert!(sshd_home.path().join("run/ccmux/default").exists());
    let mut kill = server::ccmux(sshd_home.path());
    assert!(kill.arg("kill-server").status().unwrap().success());
}

#[test]
fn attach_with_a_host_shows_a_remote_pane_that_echoes_what_is_typed() {
    let remote = Remote::start();
    let id = remote.shell("far-pane");
    remote.server.wait_for_state(id, "ready");
    let tmux = remote.attach_over_ssh((100, 30));
    let screen = tmux.wait_for(
        |s| s.contains("far-pane$"),
        "the remote pane shows its prompt",
    );
    let title = format!("{}: far-pane", remote.sshd.host());
    assert!(
        screen.contains(&title),
        "the pane's title names its host:\n{screen}"
    );
    tmux.text("echo far-$((6*7))");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("far-42"),
        "the remote shell echoes what is typed",
    );
}

#[test]
fn a_dropped_link_says_reconnecting_refuses_keys_and_comes_back_with_the_newest_screen() {
    let mut remote = Remote::start();
    let id = remote.shell("far-flood");
    remote.server.wait_for_state(id, "ready");
    let tmux = remote.attach_over_ssh((100, 30));
    tmux.wait_for(
        |s| s.contains("far-flood$"),
        "the remote pane shows its prompt",
    );
    tmux.text("i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.02; done");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| last_tick(s) > 20, "the remote pane floods");

    // The link drops and cannot come back yet: sshd is down, ssh is killed.
    remote.sshd.stop();
    for pid in common::sshd::descendants(tmux.ccmux_pid()) {
        unsafe { libc::kill(pid as i32, libc::SIGKILL) };
    }
    let down = tmux.wait_for(|s| s.contains("reconnecting"), "the pane says reconnecting");
    assert!(
        down.contains("far-flood"),
        "the pane is still there:\n{down}"
    );
    tmux.text("x");
    tmux.wait_for(
        |s| s.contains("not sent"),
        "keys into a dropped link are refused",
    );
    let before = last_tick(&tmux.screen());
    std::thread::sleep(std::time::Duration::from_millis(1500));
    assert_eq!(
        last_tick(&tmux.screen()),
        before,
        "a dropped link shows no new frames"
    );

    remote.sshd.restart();
    let back = tmux.wait_for(
        |s| !s.contains("reconnecting") && last_tick(s) > before + 20,
        "the link comes back with the newest screen",
    );
    assert!(
        back.contains(&remote.sshd.host()),
        "the status bar names the host:\n{back}"
    );
    // What was typed while the link was down never reaches the session, not even late.
    std::thread::sleep(std::time::Duration::from_millis(500));
    let log = common::fixture_api::log(&remote.server, id);
    assert!(
        !log.lines().any(|l| l == "\"input\": x"),
        "a refused key was sent after all:\n{log}"
    );
    tmux.keys(&["C-c"]);
    tmux.text("echo back-$((6*7))");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("back-42"),
        "typing reaches the remote pane again",
    );
}

#[test]
fn attach_with_a_host_whose_server_has_no_workspace_says_so_on_a_normal_terminal() {
    let sshd_home = tempfile::tempdir().unwrap();
    let sshd = Sshd::start(sshd_home.path());
    let home = tempfile::tempdir().unwrap();
    let out = local(home.path(), "")
        .env("CCMUX_SSH", sshd.ssh_command())
        .args(["attach", "-H", &sshd.host()])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let says = format!("on {}: no workspaces are running", sshd.host());
    assert!(
        !out.status.success() && stderr.contains(&says),
        "{}",
        said(&out)
    );
    assert!(
        out.stdout.is_empty(),
        "the terminal was never taken: {}",
        said(&out)
    );
    let mut kill = server::ccmux(sshd_home.path());
    let _ = kill.arg("kill-server").status();
}

#[test]
fn a_remote_panes_dialog_is_answered_from_the_tui() {
    let remote = Remote::start();
    let project = tempfile::tempdir().unwrap();
    let none = serde_json::json!({});
    common::fixture_api::fixture_session(&remote.server, "far-claude", project.path(), none);
    let tmux = remote.attach_over_ssh((120, 30));
    tmux.wait_for(
        |s| s.contains("far-claude ● ready"),
        "the remote pane is ready",
    );
    tmux.text("create a file, with permission");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| s.contains("waiting_input"), "the remote pane asks");
    tmux.keys(&["C-a", "a"]);
    tmux.wait_for(
        |s| s.contains("Ran 1 shell command") && s.contains("far-claude ● idle"),
        "yes answered the remote dialog",
    );
    assert!(project.path().join("created_by_tool.txt").exists());
}

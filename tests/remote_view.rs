//! Several machines in one view: this machine's panes and a host's side by side, the host a
//! real sshd on the loopback with a ccmux server of its own behind it (see
//! `common/remote.rs`). Everything goes through the TUI in tmux.

mod common;

use std::rc::Rc;

use common::remote::{Remote, last_tick, local};
use common::tmux::Tmux;

/// This machine's ccmux showing its project's shell `near-one` and the panes of `remote`'s
/// most recent workspace (`[remote] hosts`), once both show their prompts. New sessions
/// are shells.
fn side_by_side(remote: &Remote) -> (Tmux, tempfile::TempDir) {
    let (host, ssh) = (remote.sshd.host(), remote.sshd.ssh_command());
    let home = tempfile::tempdir().unwrap();
    let config = format!(
        "[defaults]\ncommand = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\n\
         [remote]\nssh = \"{ssh}\"\nhosts = [\"{host}\"]\n"
    );
    local(home.path(), &config);
    let project = common::tmux::project_with_shells(home.path(), &["near-one"]);
    let tmux = Tmux::run(
        Rc::new(home),
        project.path(),
        &[],
        (160, 30),
        "--listen 127.0.0.1:0",
    );
    tmux.wait_for(
        |s| s.contains("near-one$") && s.contains("far-one$"),
        "this machine's pane and the host's, side by side",
    );
    (tmux, project)
}

#[test]
fn local_and_remote_panes_share_one_view_and_a_dropped_host_leaves_local_panes_working() {
    let mut remote = Remote::start();
    let far = remote.shell("far-one");
    remote.server.wait_for_state(far, "ready");
    let host = remote.sshd.host();
    let (tmux, _project) = side_by_side(&remote);
    // Session 1 here and session 1 there are two panes, numbered as drawn; keys go to the
    // focused one's server.
    let both = tmux.screen();
    assert!(both.contains(&format!(" 2 {host}: far-one")), "{both}");
    tmux.keys(&["C-a", "1"]);
    tmux.text("echo near-$((6*7))");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| s.contains("near-42"), "the local pane echoes");
    tmux.keys(&["C-a", "2"]);
    tmux.text("i=0; while :; do i=$((i+1)); echo tick-$i; sleep 0.02; done");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| last_tick(s) > 20, "the remote pane floods");

    remote.sshd.stop();
    for pid in common::sshd::descendants(tmux.ccmux_pid()) {
        let exe = std::fs::read_link(format!("/proc/{pid}/exe")).unwrap_or_default();
        if exe.ends_with("ssh") {
            unsafe { libc::kill(pid as i32, libc::SIGKILL) };
        }
    }
    tmux.wait_for(
        |s| s.contains("reconnecting"),
        "the host's pane says reconnecting",
    );
    tmux.text("x");
    tmux.wait_for(
        |s| s.contains("not sent"),
        "keys into the dropped host are refused",
    );
    let before = last_tick(&tmux.screen());
    // The local pane never waits for the host.
    tmux.keys(&["C-a", "1"]);
    tmux.text("echo still-$((6*7))");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("still-42"),
        "the local pane echoes while the host is down",
    );

    remote.sshd.restart();
    tmux.wait_for(
        |s| !s.contains("reconnecting") && last_tick(s) > before + 20,
        "the host's pane comes back with its newest screen",
    );
    let log = common::fixture_api::log(&remote.server, far);
    assert!(!log.lines().any(|l| l == "\"input\": x"), "{log}");
}

#[test]
fn the_new_session_prompt_starts_the_session_on_the_host_chosen() {
    let remote = Remote::start();
    let far = remote.shell("far-one");
    remote.server.wait_for_state(far, "ready");
    let host = remote.sshd.host();
    let (tmux, _project) = side_by_side(&remote);

    // The host of the focused pane is the one suggested.
    tmux.keys(&["C-a", "n", "C-a", "c"]);
    let asked = tmux.wait_for(|s| s.contains("host: local"), "the prompt asks where");
    assert!(asked.contains(&format!("[{host}]")), "{asked}");
    tmux.keys(&["Escape"]);
    tmux.wait_for(|s| !s.contains("new session"), "Esc closes the prompt");
    tmux.keys(&["C-a", "n", "C-a", "c"]);
    let asked = tmux.wait_for(|s| s.contains("host: [local]"), "this machine's pane");
    assert!(asked.contains(&format!("[local]  {host}")), "{asked}");

    tmux.text("far-new");
    tmux.keys(&["Tab", "Tab", "Tab", "Right"]);
    tmux.wait_for(
        |s| s.contains(&format!("local  [{host}]")),
        "Right on the host field picks the host",
    );
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        |s| s.contains(&format!("{host}: far-new")),
        "the new pane is the host's",
    );
    assert!(remote.ls().contains("far-new"), "{}", remote.ls());
    assert!(!tmux.ls().contains("far-new"), "{}", tmux.ls());
}

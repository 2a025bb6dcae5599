//! A workspace follows its project: `ccmux` there starts the configured sessions the running
//! workspace lacks (after `ccmux trust`, say), and a workspace whose sessions all ended (or
//! that `Ctrl-A q` ended) is gone: `ccmux` starts it afresh instead of showing dead panes.
//! Each test keeps another workspace's client attached, so the server outlives the project's.

mod common;

use std::path::Path;

use common::tmux::Tmux;

const SHELL: &str = "[\"bash\", \"--norc\", \"--noprofile\", \"-i\"]";

fn shells(tasks: &[&str]) -> String {
    tasks
        .iter()
        .map(|task| {
            format!(
                "[[session]]\ntask_id = \"{task}\"\ncommand = {SHELL}\n\
                 environment = {{ PS1 = \"{task}$ \" }}\n"
            )
        })
        .collect()
}

/// A server kept up by a client of a workspace of its own, `keeper`.
fn keeper(home: tempfile::TempDir) -> (Tmux, tempfile::TempDir) {
    let config_dir = home.path().join("config/ccmux");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!("[defaults]\ncommand = {SHELL}\n"),
    )
    .unwrap();
    let other = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(home.path(), other.path(), &shells(&["keeper"]));
    let tmux = Tmux::start(home, other.path(), &[], (120, 30));
    tmux.wait_for(|s| s.contains("keeper ● ready"), "the keeper starts");
    (tmux, other)
}

fn ls(tmux: &Tmux) -> String {
    let out = tmux.ccmux().arg("ls").output().unwrap();
    assert!(out.status.success(), "{out:?}");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn dir_name(dir: &Path) -> String {
    dir.file_name().unwrap().to_string_lossy().into_owned()
}

#[test]
fn ccmux_after_trust_starts_the_configured_sessions_in_the_running_workspace() {
    let (keep, _other) = keeper(tempfile::tempdir().unwrap());
    let project = tempfile::tempdir().unwrap();
    std::fs::write(
        project.path().join("ccmux.toml"),
        shells(&["alpha", "beta"]),
    )
    .unwrap();
    let first = keep.client(project.path(), (150, 30), "");
    let screen = first.wait_for(
        |s| s.contains(&format!("{} ● ready", dir_name(project.path()))),
        "an untrusted project gets one default session",
    );
    assert!(!screen.contains("alpha"), "{screen}");
    first.keys(&["C-a", "d"]);
    assert_eq!(first.exit_code(), 0);

    let trusted = keep
        .ccmux()
        .current_dir(project.path())
        .arg("trust")
        .output()
        .unwrap();
    assert!(trusted.status.success(), "{trusted:?}");
    let again = keep.client(project.path(), (150, 30), "");
    again.wait_for(
        |s| s.contains("alpha ● ready") && s.contains("beta ● ready"),
        "the trusted project's sessions start in its running workspace",
    );
}

#[test]
fn a_workspace_whose_sessions_all_ended_starts_afresh() {
    let (keep, _other) = keeper(tempfile::tempdir().unwrap());
    let project = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(keep.home(), project.path(), &shells(&["solo"]));
    let first = keep.client(project.path(), (120, 30), "");
    first.wait_for(|s| s.contains("solo ● ready"), "the session starts");
    first.text("exit");
    first.keys(&["Enter"]);
    first.wait_for(|s| s.contains("exited with code 0"), "the shell ends");
    first.keys(&["C-a", "d"]);
    assert_eq!(first.exit_code(), 0);

    let again = keep.client(project.path(), (120, 30), "");
    let screen = again.wait_for(|s| s.contains("solo ● ready"), "the workspace starts again");
    assert!(
        !screen.contains("exited with code"),
        "no dead pane:\n{screen}"
    );
    assert_eq!(ls(&keep).matches("solo").count(), 1, "{}", ls(&keep));
}

#[test]
fn quitting_a_workspace_ends_it_for_ls_and_the_next_ccmux() {
    let (keep, _other) = keeper(tempfile::tempdir().unwrap());
    let project = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(keep.home(), project.path(), &shells(&["solo"]));
    let first = keep.client(project.path(), (120, 30), "");
    first.wait_for(|s| s.contains("solo ● ready"), "the session starts");
    first.keys(&["C-a", "q"]);
    assert_eq!(first.exit_code(), 0);

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while ls(&keep).contains("solo") {
        assert!(std::time::Instant::now() < deadline, "{}", ls(&keep));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(ls(&keep).contains("keeper"), "{}", ls(&keep));
}

#[test]
fn a_sessions_auth_token_env_is_read_from_the_client_that_asked_not_the_server() {
    let (keep, _other) = keeper(tempfile::tempdir().unwrap());
    let project = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(
        keep.home(),
        project.path(),
        &format!(
            "[[session]]\ntask_id = \"keyed\"\nauth_token_env = \"CCMUX_TEST_CLIENT_KEY\"\n\
             command = {SHELL}\n"
        ),
    );
    // The server was started by the keeper's client, whose environment has no such variable.
    let asking = keep.client_with_env(
        project.path(),
        &[("CCMUX_TEST_CLIENT_KEY", "from-the-client")],
        (120, 30),
        "",
    );
    asking.wait_for(|s| s.contains("keyed ● ready"), "the session starts");
    asking.text("echo key=$ANTHROPIC_API_KEY");
    asking.keys(&["Enter"]);
    asking.wait_for(
        |s| s.contains("key=from-the-client"),
        "the token is the asking client's",
    );
}

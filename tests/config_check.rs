//! `ccmux config check` is the runtime's check: a trusted project whose sessions would fail to
//! start (a missing `project_path`, a command not on PATH) fails the check, every problem
//! reported at its file:line:col and key path.

mod common;

use common::server::ccmux;
use common::tmux::write_trusted_project_file;

#[test]
fn config_check_reports_every_session_the_runtime_would_refuse_with_its_place() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("proj");
    std::fs::create_dir_all(&project).unwrap();
    write_trusted_project_file(
        home.path(),
        &project,
        "[[session]]\ntask_id = \"fine\"\ncommand = [\"sh\"]\n\n\
         [[session]]\ntask_id = \"gone\"\nproject_path = \"/no/such/dir\"\ncommand = [\"sh\"]\n\n\
         [[session]]\ntask_id = \"typo\"\ncommand = [\"no-such-program-xyz\"]\n",
    );
    let out = ccmux(home.path())
        .current_dir(&project)
        .args(["config", "check"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let file = project.join("ccmux.toml").display().to_string();
    let path_error = format!("{file}:7:16: session[1].project_path: ");
    assert!(err.contains(&path_error), "wanted {path_error} in {err}");
    assert!(err.contains("/no/such/dir"), "{err}");
    let command_error = format!("{file}:12:11: session[2].command: ");
    assert!(
        err.contains(&command_error),
        "wanted {command_error} in {err}"
    );
    assert!(err.contains("no-such-program-xyz"), "{err}");
    assert_eq!(err.matches("error: ").count(), 2, "{err}");
}

#[test]
fn config_check_reports_every_error_of_a_file_not_only_the_first() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("two-errors.toml");
    std::fs::write(
        &path,
        "[[session]]\ntask_id = \"a\"\nprofile = \"nope\"\n\n\
         [[session]]\ntask_id = \"b\"\ncommand = []\n",
    )
    .unwrap();
    let out = ccmux(home.path())
        .args(["config", "check", path.to_str().unwrap()])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let file = path.display();
    assert!(
        err.contains(&format!("error: {file}:3:11: session[0].profile: ")),
        "{err}"
    );
    assert!(
        err.contains(&format!("error: {file}:7:11: session[1].command: ")),
        "{err}"
    );
}

//! The TUI's prompts do what their hints say, in a real terminal (tmux): Enter starts the new
//! session from whichever field it is in, and a value filled in for the user (a suggested task
//! id, a pane's current name) is selected, so typing replaces it instead of appending to it.

mod common;

use common::tmux::Tmux;

const SHELL: &str = "[\"bash\", \"--norc\", \"--noprofile\", \"-i\"]";

/// ccmux in a trusted project whose one session, `first`, is a shell; new sessions are shells.
fn started() -> (Tmux, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let config_dir = home.path().join("config/ccmux");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        format!("[defaults]\ncommand = {SHELL}\nenvironment = {{ PS1 = \"$ \" }}\n"),
    )
    .unwrap();
    let project = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(
        home.path(),
        project.path(),
        &format!("[[session]]\ntask_id = \"first\"\ncommand = {SHELL}\n"),
    );
    let tmux = Tmux::start(home, project.path(), &[], (120, 30));
    tmux.wait_for(|s| s.contains("first ● ready"), "the session starts");
    (tmux, project)
}

#[test]
fn enter_starts_the_new_session_and_typing_replaces_the_suggested_task_id() {
    let (tmux, _project) = started();
    tmux.keys(&["C-a", "c"]);
    let screen = tmux.wait_for(|s| s.contains("new session"), "the prompt opens");
    assert!(screen.contains("Enter start"), "{screen}");
    assert!(
        screen.contains("task-"),
        "a task id is suggested:\n{screen}"
    );
    tmux.text("quick");
    let screen = tmux.wait_for(|s| s.contains("task id: quick"), "typing replaces it");
    assert!(!screen.contains("task-"), "{screen}");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(|s| s.contains("quick ● ready"), "Enter starts it");
    assert!(
        !screen.contains("new session"),
        "the prompt is gone:\n{screen}"
    );
}

#[test]
fn rename_replaces_the_name_it_suggests_and_end_appends_to_it() {
    let (tmux, _project) = started();
    tmux.keys(&["C-a", ","]);
    tmux.wait_for(|s| s.contains("name: first"), "the rename prompt opens");
    tmux.text("api");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(|s| s.contains("1 api "), "the pane is renamed");
    assert!(!screen.contains("firstapi"), "{screen}");

    tmux.keys(&["C-a", ",", "End"]);
    tmux.text("_2");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("1 api_2 "),
        "End keeps the name to append to",
    );
}

//! Quick answers in the TUI (the real binary in tmux): a key after the prefix jumps to the
//! pane waiting for input, others answer its permission dialog yes or no; cost and context
//! show in the pane's title.

mod common;

use common::fixture;
use common::tmux::Tmux;

#[test]
fn prefix_keys_jump_to_the_waiting_pane_and_answer_its_dialog() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let claude = format!(
        "profile = \"claude\"\ncommand = [\"python3\", \"{}\"]\n",
        fixture("fake_claude.py")
    );
    common::tmux::write_trusted_project_file(
        home.path(),
        project.path(),
        &format!("[[session]]\ntask_id = \"a\"\n{claude}[[session]]\ntask_id = \"b\"\n{claude}"),
    );
    let tmux = Tmux::start(
        home,
        project.path(),
        &[("ANTHROPIC_API_KEY", "sk-e2e")],
        (160, 40),
    );
    tmux.wait_for(
        |s| s.contains("1 a ● ready") && s.contains("2 b ● ready"),
        "both panes ready",
    );
    tmux.keys(&["C-a", "a"]);
    tmux.wait_for(|s| s.contains("nothing to answer"), "pane 1 has no dialog");

    tmux.keys(&["C-a", "Right"]);
    tmux.text("create a file, with permission");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("2 b") && s.contains("waiting_input"),
        "pane 2 asks",
    );
    tmux.keys(&["C-a", "Left", "C-a", "Tab", "C-a", "a"]);
    tmux.wait_for(
        |s| s.contains("Ran 1 shell command") && s.contains("2 b ● idle"),
        "the jump focused pane 2 and yes answered its dialog",
    );
    assert!(project.path().join("created_by_tool.txt").exists());
    tmux.wait_for(
        |s| s.contains("$0.01 · ctx 7%"),
        "cost and context in the title",
    );

    tmux.text("create a file, with permission");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| s.contains("waiting_input"), "pane 2 asks again");
    tmux.keys(&["C-a", "b"]);
    tmux.wait_for(
        |s| s.contains("User rejected") && s.contains("2 b ● idle"),
        "no refused the tool",
    );
    tmux.keys(&["C-a", "Tab"]);
    tmux.wait_for(
        |s| s.contains("no pane waits for input"),
        "nothing else waits",
    );
    tmux.keys(&["C-a", "q"]);
    tmux.assert_terminal_restored();
}

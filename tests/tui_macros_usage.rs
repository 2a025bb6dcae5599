//! The TUI's macro picker and usage toggle, driven from the keyboard in tmux.

mod common;

use common::tmux::Tmux;

#[test]
fn the_macro_picker_runs_a_macro_and_the_usage_toggle_shows_cpu_and_memory() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(
        home.path(),
        project.path(),
        "[[session]]\ntask_id = \"sh\"\ncommand = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\n\
         environment = { PS1 = \"tui$ \" }\n\
         [macros.greet]\nsteps = [{ send = \"echo picked-$((40 + 2))\" }, { expect = \"picked-42\" }]\n\
         [macros.nothing]\nsteps = [{ expect = \"never-shown\" }]\n",
    );
    let tmux = Tmux::start(home, project.path(), &[], (120, 30));
    tmux.wait_for(|s| s.contains("1 sh ● ready"), "the shell starts");

    tmux.keys(&["C-a", "m"]);
    let screen = tmux.wait_for(
        |s| s.contains("run a macro on pane 1") && s.contains("nothing"),
        "the picker lists the config's macros",
    );
    assert!(screen.contains("greet  (2 steps)"), "{screen}");
    tmux.keys(&["Enter"]);
    tmux.wait_for(
        |s| s.contains("picked-42") && s.contains("macro greet passed (2 steps)"),
        "Enter runs the first macro on the pane and the status bar tells how it went",
    );

    tmux.keys(&["C-a", "m"]);
    tmux.wait_for(
        |s| s.contains("run a macro on pane 1"),
        "the picker opens again",
    );
    tmux.keys(&["Down", "Enter"]);
    tmux.wait_for(
        |s| s.contains("macro nothing failed at step 1 (expect /never-shown/)"),
        "a failed macro says where it stopped",
    );

    tmux.keys(&["C-a", "u"]);
    tmux.wait_for(
        |s| s.contains("cpu ") && s.contains("% mem ") && s.contains("M "),
        "the usage toggle shows the focused session's CPU and memory",
    );
    tmux.keys(&["C-a", "u"]);
    tmux.wait_for(|s| !s.contains("% mem "), "and hides them again");
    tmux.keys(&["C-a", "q"]);
    tmux.assert_terminal_restored();
}

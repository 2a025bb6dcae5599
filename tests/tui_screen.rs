//! The TUI paints what the server renders: scroll mode and search reach the oldest of 10 000
//! lines of the server's history with its colour, and typed keys and pastes reach the program
//! encoded for the modes it set. The real binary in a real terminal (tmux).

mod common;

use common::tmux::{Tmux, write_trusted_project_file};

/// ccmux in a 100×30 tmux, its one session running `python` (a Python program); and its
/// project directory, which must outlive it.
fn one_session(python: &str) -> (Tmux, tempfile::TempDir) {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let quoted = serde_json::to_string(python).unwrap();
    write_trusted_project_file(
        home.path(),
        project.path(),
        &format!("[[session]]\ntask_id = \"py\"\ncommand = [\"python3\", \"-c\", {quoted}]\n"),
    );
    (Tmux::start(home, project.path(), &[], (100, 30)), project)
}

/// The screen with its colours, as SGR escapes.
fn coloured_screen(tmux: &Tmux) -> String {
    let out = tmux.tmux(&["capture-pane", "-e", "-p", "-t", "0"]);
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn scroll_mode_and_search_reach_the_first_of_ten_thousand_lines_with_its_colour() {
    let (tmux, _project) = one_session(
        "import time\nprint('\\x1b[31mfirst-line\\x1b[m')\n\
         for i in range(1, 10001):\n    print(f'row {i}')\ntime.sleep(60)",
    );
    tmux.wait_for(|s| s.contains("row 10000"), "the lines are printed");
    tmux.keys(&["C-a", "["]);
    tmux.keys(&["/"]);
    tmux.text("first-li");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        |s| s.contains("first-line") && s.contains("row 1 "),
        "the search scrolls to the first line",
    );
    assert!(screen.contains("[scroll]"), "{screen}");
    // The match is marked; the rest of the line is red as the program printed it.
    let coloured = coloured_screen(&tmux);
    let after_match = coloured.split("first-li").nth(1).unwrap_or_default();
    let before_rest = after_match.split("ne").next().unwrap_or_default();
    assert!(
        before_rest.contains("38;5;1m") || before_rest.contains("[31m"),
        "the line keeps its colour: {coloured:?}"
    );

    tmux.keys(&["G"]);
    tmux.wait_for(
        |s| s.contains("row 10000") && !s.contains("first-line"),
        "G goes back to the newest line",
    );
    tmux.keys(&["g"]);
    tmux.wait_for(|s| s.contains("first-line"), "g goes to the oldest");
    tmux.keys(&["q"]);
    tmux.wait_for(
        |s| s.contains("row 10000") && !s.contains("[scroll]"),
        "q leaves scroll mode",
    );
}

#[test]
fn keys_and_pastes_reach_the_program_encoded_for_its_modes() {
    // Application cursor keys and bracketed paste on; then the next 17 bytes read, shown.
    let (tmux, _project) = one_session(
        "import os, sys, termios, tty, time\ntty.setraw(0)\n\
         sys.stdout.write('\\x1b[?1h\\x1b[?2004hmodes-set\\r\\n'); sys.stdout.flush()\n\
         got = b''\nwhile len(got) < 17:\n    got += os.read(0, 64)\n\
         sys.stdout.write(repr(got) + '\\r\\n'); sys.stdout.flush()\ntime.sleep(60)",
    );
    tmux.wait_for(|s| s.contains("modes-set"), "the program set its modes");
    tmux.keys(&["Up"]);
    tmux.tmux(&["set-buffer", "hi"]);
    tmux.tmux(&["paste-buffer", "-p", "-t", "0"]);
    tmux.wait_for(
        |s| s.contains(r"b'\x1bOA\x1b[200~hi\x1b[201~'"),
        "an arrow in application mode, a bracketed paste",
    );
}

#[test]
fn function_keys_with_modifiers_reach_the_program_shift_f3_included() {
    // The next 15 bytes read, shown: F3, Shift-F3, Ctrl-F3.
    let (tmux, _project) = one_session(
        "import os, sys, tty, time\ntty.setraw(0)\n\
         sys.stdout.write('reading\\r\\n'); sys.stdout.flush()\n\
         got = b''\nwhile len(got) < 15:\n    got += os.read(0, 64)\n\
         sys.stdout.write(repr(got) + '\\r\\n'); sys.stdout.flush()\ntime.sleep(60)",
    );
    tmux.wait_for(|s| s.contains("reading"), "the program reads");
    tmux.keys(&["F3", "S-F3", "C-F3"]);
    tmux.wait_for(
        |s| s.contains(r"b'\x1bOR\x1b[1;2R\x1b[1;5R'"),
        "F3, then F3 with Shift and with Ctrl, as xterm sends them",
    );
}

//! Copying a session's text: `ccmux ctl copy` through a live server, to a file or stdout, whole
//! or by line numbers; and in the TUI, a selection (keyboard in scroll mode, or a mouse drag)
//! copied to the outer terminal's clipboard with OSC 52, which tmux takes as its buffer.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, ccmux, start_server};
use serde_json::json;

fn ctl(server: &Server, args: &[&str]) -> std::process::Output {
    ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN, "ctl"])
        .args(args)
        .output()
        .unwrap()
}

/// A session that printed `line 1` … `line 300`, more than its 10 rows show.
fn printed_300_lines(server: &Server) -> String {
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "copy", "project_path": dir.path(), "terminal_size": [40, 10],
                      "command": ["sh", "-c", "seq -f 'line %g' 1 300; exec sleep 60"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap().to_string();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        if screen["lines"].to_string().contains("line 300") {
            return id;
        }
        assert!(Instant::now() < deadline, "never printed: {screen}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn ctl_copy_writes_history_and_screen_to_a_file_or_a_range_to_stdout() {
    let server = start_server();
    let id = printed_300_lines(&server);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("copied.txt");

    let out = ctl(&server, &["copy", &id, "--output", file.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let copied = std::fs::read_to_string(&file).unwrap();
    let want: String = (1..=300).map(|n| format!("line {n}\n")).collect();
    assert_eq!(copied, want, "all of history and the screen, no blank tail");

    let out = ctl(&server, &["copy", &id, "--lines", "-3:"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line 298\nline 299\nline 300\n"
    );
    let out = ctl(&server, &["copy", &id, "--lines", "10:12"]);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "line 10\nline 11\nline 12\n"
    );

    let out = ctl(&server, &["copy", &id, "--lines", "0:3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no 0"));
    let out = ctl(&server, &["copy", "999"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session"));
}

/// ccmux in tmux, with one pane that printed three lines; tmux takes OSC 52 as its buffer.
fn three_lines_in_tmux() -> common::tmux::Tmux {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    common::tmux::write_trusted_project_file(
        home.path(),
        project.path(),
        "[[session]]\ntask_id = \"text\"\n\
         command = [\"sh\", \"-c\", \"printf 'first line\\\\nsecond line\\\\nthe end\\\\n'; exec sleep 60\"]\n",
    );
    let tmux = common::tmux::Tmux::start(home, project.path(), &[], (80, 24));
    tmux.tmux(&["set-option", "-g", "set-clipboard", "on"]);
    tmux.wait_for(|s| s.contains("the end"), "the session printed its lines");
    tmux
}

fn clipboard(tmux: &common::tmux::Tmux) -> String {
    String::from_utf8_lossy(&tmux.tmux(&["show-buffer"]).stdout).into_owned()
}

fn wait_for_clipboard(tmux: &common::tmux::Tmux, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while clipboard(tmux) != want {
        assert!(
            Instant::now() < deadline,
            "the clipboard holds {:?}, not {want:?}; screen:\n{}",
            clipboard(tmux),
            tmux.screen()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_keyboard_selection_in_scroll_mode_reaches_the_outer_terminals_clipboard() {
    let tmux = three_lines_in_tmux();
    // The selection starts on the last line of text: `$` takes it to the end of that line.
    tmux.keys(&["C-a", "v"]);
    tmux.wait_for(
        |s| s.contains("select:"),
        "the status bar says how to select",
    );
    tmux.keys(&["$", "y"]);
    wait_for_clipboard(&tmux, "the end");
    tmux.wait_for(
        |s| s.contains("copied 7 characters"),
        "the status bar says what was copied",
    );

    // Up twice, start over there, down one and to its end: two whole lines.
    tmux.keys(&["C-a", "v", "k", "k", "v", "j", "$", "Enter"]);
    wait_for_clipboard(&tmux, "first line\nsecond line");
    assert!(
        !tmux.screen().contains("select:"),
        "copying leaves scroll mode"
    );

    // The copy key after the prefix, with nothing selected, copies the screen.
    tmux.keys(&["C-a", "y"]);
    wait_for_clipboard(&tmux, "first line\nsecond line\nthe end");
}

#[test]
fn a_mouse_drag_selects_and_copies_on_release() {
    let tmux = three_lines_in_tmux();
    // SGR mouse reports as the outer terminal sends them: the pane's text starts at column 2,
    // row 2 (1-based, inside its border). Press on `f`, drag to the `d` of "second", release.
    for report in [
        "\x1b[<0;2;2M",
        "\x1b[<32;5;3M",
        "\x1b[<32;7;3M",
        "\x1b[<0;7;3m",
    ] {
        let hex: Vec<String> = report.bytes().map(|b| format!("{b:02x}")).collect();
        let mut args = vec!["send-keys", "-t", "0", "-H"];
        args.extend(hex.iter().map(String::as_str));
        tmux.tmux(&args);
        std::thread::sleep(Duration::from_millis(80));
    }
    wait_for_clipboard(&tmux, "first line\nsecond");
}

//! A session's history over 10 000 lines: scroll mode and search in the real TUI (tmux and
//! the binary), and the API's output log, both reaching the very first line.

mod common;

use common::server::start_server;
use common::tmux::Tmux;
use serde_json::json;

const LINES: usize = 10_000;

/// A program that prints a red first line, then numbered lines up to `LINES`, then waits.
fn write_printer(dir: &std::path::Path) -> String {
    let script = dir.join("lines.py");
    std::fs::write(
        &script,
        format!(
            "import sys, time\n\
             sys.stdout.write('\\x1b[31mFIRST-00001 red\\x1b[0m plain\\n')\n\
             for i in range(2, {LINES} + 1):\n    \
                 sys.stdout.write('line-%05d %s\\n' % (i, 'x' * 100))\n\
             sys.stdout.write('ALL-PRINTED\\n')\n\
             sys.stdout.flush()\n\
             time.sleep(600)\n"
        ),
    )
    .unwrap();
    script.display().to_string()
}

/// The screen with its colours as escape codes.
fn coloured_screen(tmux: &Tmux) -> String {
    String::from_utf8_lossy(&tmux.tmux(&["capture-pane", "-p", "-e", "-t", "0"]).stdout)
        .into_owned()
}

/// The captured line that shows `needle`, which must be drawn red (colour 1): the last
/// foreground tmux set before it is red, not the default or the search mark's black.
fn assert_red_at(screen: &str, needle: &str) {
    let line = screen
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no `{needle}` on screen:\n{screen}"));
    let before = &line[..line.find(needle).unwrap()];
    let last = |codes: &[&str]| codes.iter().filter_map(|c| before.rfind(c)).max();
    let red = last(&["\x1b[31m", "38;5;1m"]);
    let other = last(&["\x1b[39m", ";39m", "\x1b[30m", "38;5;0m", "\x1b[0m"]);
    assert!(
        red.is_some() && red > other,
        "`{needle}` is not red: {line:?}"
    );
}

fn scroll_to_top_and_search(tmux: &Tmux) {
    tmux.keys(&["C-a", "["]);
    tmux.keys(&["g"]);
    tmux.wait_for(|s| s.contains("FIRST-00001"), "g goes to the first line");
    assert_red_at(&coloured_screen(tmux), "FIRST-00001 red");
    tmux.keys(&["q"]);
    tmux.wait_for(
        |s| !s.contains("FIRST-00001"),
        "q goes back to the live screen",
    );

    tmux.keys(&["C-a", "[", "/"]);
    tmux.text("FIRST-00001");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| s.contains("FIRST-00001"), "search finds the first line");
    // The match is marked; the rest of the line keeps its own colour.
    assert_red_at(&coloured_screen(tmux), " red");
    tmux.keys(&["q"]);
}

#[test]
fn scroll_mode_and_search_reach_the_first_of_ten_thousand_lines_with_its_colours() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let script = write_printer(project.path());
    common::tmux::write_trusted_project_file(
        home.path(),
        project.path(),
        &format!("[[session]]\ntask_id = \"lines\"\ncommand = [\"python3\", \"{script}\"]\n"),
    );
    let tmux = Tmux::start(home, project.path(), &[], (140, 40));
    tmux.wait_for(
        |s| s.contains("ALL-PRINTED"),
        "the program printed every line",
    );
    // This client parsed the lines as they came.
    scroll_to_top_and_search(&tmux);

    // A client that attaches now gets the history in its replay from the server's store.
    let late = tmux.client(project.path(), (140, 40), "attach");
    late.wait_for(
        |s| s.contains("ALL-PRINTED"),
        "the late client shows the screen",
    );
    scroll_to_top_and_search(&late);
}

#[test]
fn the_output_log_returns_the_oldest_kept_line_after_ten_thousand() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let script = write_printer(dir.path());
    let (status, info) = server.call(
        "POST",
        "/api/v1/sessions/claude",
        Some(json!({"task_id": "lines", "project_path": dir.path(),
                    "command": ["python3", script], "terminal_size": [200, 50]})),
    );
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        if screen["lines"].to_string().contains("ALL-PRINTED") {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never printed all: {screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // Read from the start once it is all there: the oldest entries come out of compressed blocks.
    let (mut text, mut since) = (String::new(), 0);
    loop {
        let (status, page) = server.call(
            "GET",
            &format!("/api/v1/sessions/{id}/output?since={since}&limit=10000"),
            None,
        );
        assert_eq!(status, 200, "{page}");
        let entries = page["entries"].as_array().unwrap();
        if entries.is_empty() {
            break;
        }
        for entry in entries.iter().filter(|e| e["type"] == "output") {
            text.push_str(entry["content"].as_str().unwrap());
        }
        since = page["next_seq"].as_u64().unwrap();
    }
    let first = text.lines().next().unwrap();
    assert_eq!(first, "\x1b[31mFIRST-00001 red\x1b[0m plain");
    let numbered = text.lines().filter(|l| l.starts_with("line-")).count();
    assert_eq!(numbered, LINES - 1, "every line, once, in order");
    assert!(text.contains(&format!("line-{LINES:05}")));
}

/// Lines of the session's history and screen through `GET …/text`, trailing blanks removed.
fn text_lines(server: &common::server::Server, id: u64) -> Vec<String> {
    let (status, text) = server.call("GET", &format!("/api/v1/sessions/{id}/text"), None);
    assert_eq!(status, 200, "{text}");
    serde_json::from_value(text["lines"].clone()).unwrap()
}

#[test]
fn a_flood_faster_than_parsing_keeps_its_newest_lines_in_order() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let (status, info) = server.call(
        "POST",
        "/api/v1/sessions/claude",
        Some(json!({"task_id": "seq", "project_path": dir.path(),
                    "command": ["sh", "-c", "seq 1 300000; echo FLOOD-END; exec sleep 600"],
                    "terminal_size": [200, 50]})),
    );
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let screen = || {
        server
            .call("GET", &format!("/api/v1/sessions/{id}/screen"), None)
            .1
    };
    while !screen()["lines"].to_string().contains("FLOOD-END") {
        assert!(
            std::time::Instant::now() < deadline,
            "the flood never ended"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    // Read at once (rows a flood left uncaptured are captured for the read), then again once
    // the session has been quiet and its history settled: the same lines both times.
    let at_once = text_lines(&server, id);
    std::thread::sleep(std::time::Duration::from_millis(500));
    assert_eq!(text_lines(&server, id), at_once);
    let numbers: Vec<u64> = at_once.iter().filter_map(|l| l.parse().ok()).collect();
    assert_eq!(numbers.last(), Some(&300_000));
    assert!(numbers.len() >= LINES, "{} numbered lines", numbers.len());
    assert!(
        numbers.windows(2).all(|w| w[1] == w[0] + 1),
        "every kept line once, in order"
    );
}

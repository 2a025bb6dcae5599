//! The real binary in a real terminal (tmux), driven with send-keys and read with
//! capture-pane.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::fixture;
use common::tmux::Tmux;

/// The left and right halves of a captured screen (two panes side by side).
fn halves(screen: &str, split: usize) -> (String, String) {
    let (mut left, mut right) = (String::new(), String::new());
    for line in screen.lines() {
        let chars: Vec<char> = line.chars().collect();
        left.extend(chars.iter().take(split));
        right.extend(chars.iter().skip(split));
        left.push('\n');
        right.push('\n');
    }
    (left, right)
}

/// Processes whose environment holds `marker`: ccmux and everything it started.
fn marked_processes(marker: &str) -> Vec<i32> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|kv| kv == marker.as_bytes()))
        })
        .collect()
}

fn processes_with(marker: &str) -> usize {
    marked_processes(marker).len()
}

#[test]
fn two_panes_side_by_side_driven_from_the_keyboard() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let marker = format!("CCMUX_E2E_MARK={}", std::process::id());
    let (key, value) = marker.split_once('=').unwrap();
    common::tmux::write_trusted_project_file(
        home.path(),
        project.path(),
        &format!(
            "[defaults]\nenvironment = {{ {key} = \"{value}\" }}\n\
             [[session]]\ntask_id = \"sh\"\ncommand = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\nenvironment = {{ PS1 = \"e2e$ \" }}\n\
             [[session]]\ntask_id = \"claude\"\nprofile = \"claude\"\ncommand = [\"python3\", \"{}\"]\n",
            fixture("fake_claude.py")
        ),
    );
    let tmux = Tmux::start(
        home,
        project.path(),
        &[("ANTHROPIC_API_KEY", "sk-e2e")],
        (140, 40),
    );
    let screen = tmux.wait_for(
        |s| s.contains("1 sh ● ready") && s.contains("2 claude ● ready"),
        "both panes with titles",
    );
    assert!(screen.contains("e2e$"), "the shell's prompt is drawn");
    assert!(
        screen.contains("Claude Code"),
        "the fixture's banner is drawn"
    );

    tmux.text("echo left-typed");
    tmux.keys(&["Enter"]);
    let screen = tmux.wait_for(
        |s| s.matches("left-typed").count() >= 2,
        "typing reaches the focused pane",
    );
    assert!(
        !halves(&screen, 70).1.contains("left-typed"),
        "only the focused pane gets keys"
    );

    tmux.keys(&["C-a", "Right"]);
    tmux.text("right-typed");
    let screen = tmux.wait_for(|s| s.contains("right-typed"), "the prefix moves focus");
    assert!(halves(&screen, 70).1.contains("right-typed"));
    tmux.keys(&["C-u", "C-a", "Left"]);

    tmux.text("sleep 100");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| s.contains("1 sh ◐ busy"), "sleep makes the pane busy");
    // Busy comes with Enter; an interrupt before bash started sleep would reach bash instead.
    common::wait_for_process("sleep", || marked_processes(&marker));
    tmux.keys(&["C-a", "i"]);
    tmux.wait_for(|s| s.contains("1 sh ● idle"), "interrupt stops sleep 100");

    tmux.tmux(&["resize-window", "-t", "0", "-x", "100", "-y", "30"]);
    std::thread::sleep(Duration::from_millis(300));
    tmux.text("stty size");
    tmux.keys(&["Enter"]);
    // 100 columns in two panes of 50, minus borders; 30 rows minus the status bar and borders.
    tmux.wait_for(
        |s| s.contains("27 48"),
        "the pane's PTY follows the window size",
    );

    tmux.keys(&["C-a", "z"]);
    tmux.wait_for(
        |s| s.contains("1 sh ● idle [zoom]") && !s.contains("2 claude ●"),
        "zoom shows only the focused pane, and says so",
    );
    tmux.keys(&["C-a", "z"]);
    tmux.wait_for(|s| s.contains("2 claude ●"), "zoom toggles back");

    assert!(processes_with(&marker) >= 2);
    tmux.keys(&["C-a", "q"]);
    tmux.assert_terminal_restored();
    wait_for_no_process_with(&marker);
}

fn wait_for_no_process_with(marker: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while processes_with(marker) > 0 {
        assert!(Instant::now() < deadline, "sessions outlived ccmux");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn sigterm_and_sighup_detach_the_client_and_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let home = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let marker = format!("CCMUX_E2E_SIG={}-{signal}", std::process::id());
        let (key, value) = marker.split_once('=').unwrap();
        common::tmux::write_trusted_project_file(
            home.path(),
            project.path(),
            &format!(
                "[defaults]\ncommand = [\"bash\", \"--norc\"]\nenvironment = {{ {key} = \"{value}\" }}\n"
            ),
        );
        let tmux = Tmux::start(home, project.path(), &[], (80, 24));
        tmux.wait_for(|s| s.contains("● ready"), "a session starts");
        assert_eq!(tmux.flag("#{alternate_on}"), "1", "the TUI is up");
        let killed = Command::new("kill")
            .args([format!("-{signal}"), tmux.ccmux_pid().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        tmux.assert_terminal_restored();
        assert_eq!(tmux.exit_code(), 0, "a detach is no failure");
        assert!(
            processes_with(&marker) > 0,
            "the session outlives its client"
        );
        let listed = tmux.ccmux().arg("ls").output().unwrap();
        assert!(
            String::from_utf8_lossy(&listed.stdout).contains("ready"),
            "{listed:?}"
        );
        assert!(tmux.ccmux().arg("kill-server").status().unwrap().success());
        wait_for_no_process_with(&marker);
    }
}

#[test]
fn first_run_without_claude_opens_the_users_shell() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    // ccmux and the pane's bash need nothing found by name ($SHELL is a full path, `echo` a
    // builtin), so PATH is an empty directory: a `claude` installed in /usr/bin, as on a
    // Claude Code user's machine, must not be found.
    let nothing_on_path = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        home,
        project.path(),
        &[
            ("PATH", nothing_on_path.path().to_str().unwrap()),
            ("SHELL", "/bin/bash"),
            ("PS1", "first-run$ "),
        ],
        (100, 30),
    );
    let dir_name = project
        .path()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let screen = tmux.wait_for(|s| s.contains("● ready"), "a shell session starts");
    assert!(
        screen.contains("claude not found on PATH; started /bin/bash"),
        "the status bar says why it is a shell:\n{screen}"
    );
    assert!(
        screen.contains(&format!("1 {dir_name}")),
        "the task is named after the directory:\n{screen}"
    );
    tmux.text("echo $0");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| s.contains("/bin/bash"), "the pane runs $SHELL");
}

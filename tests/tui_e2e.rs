//! The real binary in a real terminal (tmux), driven with send-keys and read with
//! capture-pane.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use common::fixture;

/// A private tmux server running ccmux in one window; killed when dropped.
struct Tmux {
    socket: String,
    _home: tempfile::TempDir,
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

impl Tmux {
    fn start(home: tempfile::TempDir, cwd: &Path, env: &[(&str, &str)], size: (u16, u16)) -> Self {
        let socket = format!(
            "ccmux-e2e-{}-{}",
            std::process::id(),
            home.path().file_name().unwrap().to_string_lossy()
        );
        let mut exports: Vec<String> = vec![
            format!("HOME={}", home.path().display()),
            format!("XDG_CONFIG_HOME={}/config", home.path().display()),
            format!("XDG_DATA_HOME={}/data", home.path().display()),
            format!("XDG_STATE_HOME={}/state", home.path().display()),
            "TERM=xterm-256color".into(),
        ];
        exports.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        // After ccmux, the shell says whether the tty modes are back as they were.
        let command = format!(
            "before=$(stty -g); env {} {} --listen 127.0.0.1:0; \
             [ \"$(stty -g)\" = \"$before\" ] && echo TTY-RESTORED; echo CCMUX-EXITED; sleep 60",
            exports.join(" "),
            env!("CARGO_BIN_EXE_ccmux")
        );
        let tmux = Self {
            socket,
            _home: home,
        };
        let (x, y) = (size.0.to_string(), size.1.to_string());
        let cwd = cwd.to_string_lossy();
        assert!(
            tmux.tmux(&[
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &x,
                "-y",
                &y,
                "-c",
                &cwd,
                &command
            ])
            .status
            .success()
        );
        tmux
    }

    fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed by .ci/run")
    }

    fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "0", key]);
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", text]);
        std::thread::sleep(Duration::from_millis(80));
    }

    /// tmux's view of the pane's terminal modes, e.g. `#{alternate_on}`.
    fn flag(&self, format: &str) -> String {
        let out = self
            .tmux(&["display-message", "-p", "-t", "0", format])
            .stdout;
        String::from_utf8_lossy(&out).trim().to_string()
    }

    /// The process tmux started in the pane: the shell that runs ccmux.
    fn ccmux_pid(&self) -> u32 {
        let shell = self.flag("#{pane_pid}");
        let children = std::fs::read_to_string(format!("/proc/{shell}/task/{shell}/children"))
            .expect("the pane's shell is alive");
        children
            .split_whitespace()
            .next()
            .and_then(|pid| pid.parse().ok())
            .expect("ccmux runs under the pane's shell")
    }

    /// After ccmux exited: the terminal is as it found it.
    fn assert_terminal_restored(&self) {
        let screen = self.wait_for(|s| s.contains("CCMUX-EXITED"), "ccmux exits");
        assert!(
            screen.contains("TTY-RESTORED"),
            "raw mode is left:\n{screen}"
        );
        assert_eq!(self.flag("#{alternate_on}"), "0", "alternate screen left");
        assert_eq!(self.flag("#{mouse_any_flag}"), "0", "mouse capture off");
        assert_eq!(self.flag("#{cursor_flag}"), "1", "cursor shown");
    }

    fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    fn wait_for(&self, what: impl Fn(&str) -> bool, why: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if what(&screen) {
                return screen;
            }
            assert!(Instant::now() < deadline, "{why}; screen:\n{screen}");
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

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

fn processes_with(marker: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/environ"))
                .is_ok_and(|env| env.split(|&b| b == 0).any(|kv| kv == marker.as_bytes()))
        })
        .count()
}

#[test]
fn two_panes_side_by_side_driven_from_the_keyboard() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let marker = format!("CCMUX_E2E_MARK={}", std::process::id());
    let (key, value) = marker.split_once('=').unwrap();
    std::fs::write(
        project.path().join("ccmux.toml"),
        format!(
            "[defaults]\nenvironment = {{ {key} = \"{value}\" }}\n\
             [[session]]\ntask_id = \"sh\"\ncommand = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\nenvironment = {{ PS1 = \"e2e$ \" }}\n\
             [[session]]\ntask_id = \"claude\"\nprofile = \"claude\"\ncommand = [\"python3\", \"{}\"]\n",
            fixture("fake_claude.py")
        ),
    )
    .unwrap();
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
        |s| s.contains("1 sh") && !s.contains("2 claude ●"),
        "zoom shows only the focused pane",
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
fn sigterm_and_sighup_end_the_sessions_and_restore_the_terminal() {
    for signal in ["TERM", "HUP"] {
        let home = tempfile::tempdir().unwrap();
        let project = tempfile::tempdir().unwrap();
        let marker = format!("CCMUX_E2E_SIG={}-{signal}", std::process::id());
        let (key, value) = marker.split_once('=').unwrap();
        std::fs::write(
            project.path().join("ccmux.toml"),
            format!(
                "[defaults]\ncommand = [\"bash\", \"--norc\"]\nenvironment = {{ {key} = \"{value}\" }}\n"
            ),
        )
        .unwrap();
        let tmux = Tmux::start(home, project.path(), &[], (80, 24));
        tmux.wait_for(|s| s.contains("● ready"), "a session starts");
        assert_eq!(tmux.flag("#{alternate_on}"), "1", "the TUI is up");
        let killed = Command::new("kill")
            .args([format!("-{signal}"), tmux.ccmux_pid().to_string()])
            .status()
            .unwrap();
        assert!(killed.success());
        tmux.assert_terminal_restored();
        wait_for_no_process_with(&marker);
    }
}

#[test]
fn first_run_without_claude_opens_the_users_shell() {
    let home = tempfile::tempdir().unwrap();
    let project = tempfile::tempdir().unwrap();
    let tmux = Tmux::start(
        home,
        project.path(),
        &[
            ("PATH", "/usr/bin:/bin"),
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
        screen.contains(&format!("1 {dir_name}")),
        "the task is named after the directory:\n{screen}"
    );
    tmux.text("echo $0");
    tmux.keys(&["Enter"]);
    tmux.wait_for(|s| s.contains("/bin/bash"), "the pane runs $SHELL");
}

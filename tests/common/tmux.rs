//! A private tmux server running the real ccmux binary at a fixed size: keys go in with
//! send-keys, the screen comes out with capture-pane. Shared by the end-to-end tests and the
//! TUI bench.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;
use std::rc::Rc;
use std::time::{Duration, Instant};

/// A private tmux server running a ccmux client in one window; killed when dropped. The
/// last one of a home also ends the ccmux server of that home.
pub struct Tmux {
    socket: String,
    home: Rc<tempfile::TempDir>,
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
        if Rc::strong_count(&self.home) == 1 {
            let _ = self.ccmux().arg("kill-server").output();
        }
    }
}

impl Tmux {
    /// `ccmux` (a new workspace for `cwd`) with a fresh server on an ephemeral API port.
    pub fn start(
        home: tempfile::TempDir,
        cwd: &Path,
        env: &[(&str, &str)],
        size: (u16, u16),
    ) -> Self {
        Self::run(Rc::new(home), cwd, env, size, "--listen 127.0.0.1:0")
    }

    /// Another client of the same home's server, running `ccmux ARGS`.
    pub fn client(&self, cwd: &Path, size: (u16, u16), args: &str) -> Self {
        Self::run(self.home.clone(), cwd, &[], size, args)
    }

    /// Another client of the same home's server, with `env` added to its environment.
    pub fn client_with_env(
        &self,
        cwd: &Path,
        env: &[(&str, &str)],
        size: (u16, u16),
        args: &str,
    ) -> Self {
        Self::run(self.home.clone(), cwd, env, size, args)
    }

    /// A `ccmux` command with this home's environment, for `ls`, `kill-server` and the like.
    pub fn ccmux(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ccmux"));
        for (key, value) in home_env(self.home.path()) {
            command.env(key, value);
        }
        command
            .env_remove("CCMUX_SOCKET")
            .current_dir(self.home.path());
        command
    }

    /// `ccmux ARGS` in a new tmux server, with `home`'s environment and `env`.
    pub fn run(
        home: Rc<tempfile::TempDir>,
        cwd: &Path,
        env: &[(&str, &str)],
        size: (u16, u16),
        args: &str,
    ) -> Self {
        Self::run_under(home, cwd, env, size, "", args)
    }

    /// `LAUNCHER ccmux ARGS` in a new tmux server: the launcher (a command line that runs the
    /// rest, e.g. with a signal blocked) is started in ccmux's place.
    pub fn run_under(
        home: Rc<tempfile::TempDir>,
        cwd: &Path,
        env: &[(&str, &str)],
        size: (u16, u16),
        launcher: &str,
        args: &str,
    ) -> Self {
        static CLIENTS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let socket = format!(
            "ccmux-e2e-{}-{}-{}",
            std::process::id(),
            home.path().file_name().unwrap().to_string_lossy(),
            CLIENTS.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        );
        let mut exports: Vec<String> = home_env(home.path())
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        exports.push("TERM=xterm-256color".into());
        exports.extend(env.iter().map(|(k, v)| format!("{k}={v}")));
        // After ccmux, the shell says whether the tty modes are back as they were.
        let command = format!(
            "before=$(stty -g); env -u CCMUX_SOCKET {} {launcher} {} {args}; echo EXIT-CODE=$?; \
             [ \"$(stty -g)\" = \"$before\" ] && echo TTY-RESTORED; echo CCMUX-EXITED; sleep 60",
            exports.join(" "),
            env!("CARGO_BIN_EXE_ccmux")
        );
        let tmux = Self { socket, home };
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

    pub fn tmux(&self, args: &[&str]) -> std::process::Output {
        Command::new("tmux")
            .arg("-L")
            .arg(&self.socket)
            .args(args)
            .output()
            .expect("tmux is installed by .ci/run")
    }

    pub fn keys(&self, keys: &[&str]) {
        for key in keys {
            self.tmux(&["send-keys", "-t", "0", key]);
            std::thread::sleep(Duration::from_millis(80));
        }
    }

    pub fn text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", "0", "-l", text]);
        std::thread::sleep(Duration::from_millis(80));
    }

    /// tmux's view of the pane's terminal modes, e.g. `#{alternate_on}`.
    pub fn flag(&self, format: &str) -> String {
        let out = self
            .tmux(&["display-message", "-p", "-t", "0", format])
            .stdout;
        String::from_utf8_lossy(&out).trim().to_string()
    }

    /// The process tmux started in the pane: the shell that runs ccmux.
    pub fn ccmux_pid(&self) -> u32 {
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
    pub fn assert_terminal_restored(&self) {
        let screen = self.wait_for(|s| s.contains("CCMUX-EXITED"), "ccmux exits");
        assert!(
            screen.contains("TTY-RESTORED"),
            "raw mode is left:\n{screen}"
        );
        assert_eq!(self.flag("#{alternate_on}"), "0", "alternate screen left");
        assert_eq!(self.flag("#{mouse_any_flag}"), "0", "mouse capture off");
        assert_eq!(self.flag("#{cursor_flag}"), "1", "cursor shown");
    }

    /// What `ccmux ls` prints for this home's server.
    pub fn ls(&self) -> String {
        let out = self.ccmux().arg("ls").output().unwrap();
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        String::from_utf8_lossy(&self.tmux(&["capture-pane", "-p", "-t", "0"]).stdout).into_owned()
    }

    /// ccmux's HOME, with its XDG dirs under it.
    pub fn home(&self) -> &Path {
        self.home.path()
    }

    /// The exit code the client's shell reported, once it exited.
    pub fn exit_code(&self) -> i32 {
        let screen = self.wait_for(|s| s.contains("CCMUX-EXITED"), "ccmux exits");
        screen
            .split("EXIT-CODE=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .and_then(|code| code.parse().ok())
            .expect("the shell printed the exit code")
    }

    pub fn wait_for(&self, what: impl Fn(&str) -> bool, why: &str) -> String {
        self.wait_for_within(Duration::from_secs(20), what, why)
    }

    pub fn wait_for_within(
        &self,
        limit: Duration,
        what: impl Fn(&str) -> bool,
        why: &str,
    ) -> String {
        let deadline = Instant::now() + limit;
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

/// Writes `config` as `project`'s `ccmux.toml` and trusts it for the ccmux of `home`, as its
/// user would with `ccmux trust`: an untrusted project file is ignored.
pub fn write_trusted_project_file(home: &Path, project: &Path, config: &str) {
    let file = project.join("ccmux.toml");
    std::fs::write(&file, config).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ccmux"))
        .envs(home_env(home))
        .arg("trust")
        .arg(&file)
        .output()
        .unwrap();
    assert!(out.status.success(), "ccmux trust: {out:?}");
}

/// HOME and the XDG dirs under it: config, data, state and the server's socket.
fn home_env(home: &Path) -> [(String, String); 5] {
    let at = |dir: &str| format!("{}/{dir}", home.display());
    [
        ("HOME".into(), home.display().to_string()),
        ("XDG_CONFIG_HOME".into(), at("config")),
        ("XDG_DATA_HOME".into(), at("data")),
        ("XDG_STATE_HOME".into(), at("state")),
        ("XDG_RUNTIME_DIR".into(), at("run")),
    ]
}

/// A project whose trusted `ccmux.toml` starts a shell per task.
pub fn project_with_shells(home: &Path, tasks: &[&str]) -> tempfile::TempDir {
    let project = tempfile::tempdir().unwrap();
    let sessions: String = tasks
        .iter()
        .map(|task| {
            format!(
                "[[session]]\ntask_id = \"{task}\"\n\
                 command = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\n\
                 environment = {{ PS1 = \"{task}$ \" }}\n"
            )
        })
        .collect();
    write_trusted_project_file(home, project.path(), &sessions);
    project
}

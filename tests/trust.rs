//! A project's `ccmux.toml` may have come with someone else's repository: it runs nothing until
//! its user trusts it (`ccmux trust`), nothing again once it changes, and never sets who may
//! use the API. Through the real binary: `ccmux serve`, `ccmux config check` and the TUI.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, ccmux, serve};
use common::tmux::{Tmux, write_trusted_project_file};

/// A project directory (canonical, as ccmux reports it) in `home`, and its `ccmux.toml`'s path.
fn project_in(home: &Path) -> (PathBuf, PathBuf) {
    let project = home.join("project");
    std::fs::create_dir(&project).unwrap();
    let project = project.canonicalize().unwrap();
    let file = project.join("ccmux.toml");
    (project, file)
}

/// A project file whose one session creates `marker`: whether it exists says whether the
/// file's command ran.
fn marker_config(marker: &Path) -> String {
    let script = format!("touch '{}'; exec sleep 600", marker.display());
    let command = serde_json::to_string(&["sh", "-c", &script]).unwrap();
    format!("[[session]]\ntask_id = \"marker\"\ncommand = {command}\n")
}

/// `ccmux ARGS` in `cwd`; fails the test unless it succeeds.
fn run_in(home: &Path, cwd: &Path, args: &[&str]) -> Output {
    let out = ccmux(home).current_dir(cwd).args(args).output().unwrap();
    assert!(out.status.success(), "ccmux {args:?}: {out:?}");
    out
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn session_count(server: &Server) -> usize {
    let (status, list) = server.call("GET", "/api/v1/sessions", None);
    assert_eq!(status, 200, "{list}");
    list["sessions"].as_array().unwrap().len()
}

fn wait_until(what: impl Fn() -> bool, why: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !what() {
        assert!(Instant::now() < deadline, "{why}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn an_untrusted_project_file_runs_nothing_until_trusted_and_again_once_edited() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let (project, file) = project_in(home.path());
    let marker = home.path().join("marker");
    std::fs::write(&file, marker_config(&marker)).unwrap();
    // Every server starts from the project file alone, not from the sessions the last one left.
    let start = || serve(home.clone(), &project, &["--token", TOKEN, "--no-restore"]);
    let trust_command = format!("`ccmux trust {}`", file.display());

    let untrusted = start();
    assert!(
        untrusted.said.contains("is not trusted (new)") && untrusted.said.contains(&trust_command),
        "serve names the file and the command that trusts it:\n{}",
        untrusted.said
    );
    assert_eq!(session_count(&untrusted), 0, "nothing was started");
    drop(untrusted);
    assert!(!marker.exists(), "the file's command did not run");

    let trusted = stdout(&run_in(home.path(), &project, &["trust"]));
    assert!(trusted.contains(&file.display().to_string()), "{trusted}");
    let running = start();
    wait_until(|| marker.exists(), "the trusted file's command runs");
    assert!(!running.said.contains("not trusted"), "{}", running.said);
    drop(running);

    std::fs::remove_file(&marker).unwrap();
    let edited = format!("{}# one more line\n", marker_config(&marker));
    std::fs::write(&file, edited).unwrap();
    let changed = start();
    assert!(
        changed
            .said
            .contains("is not trusted (changed since it was trusted)")
            && changed.said.contains(&trust_command),
        "{}",
        changed.said
    );
    assert_eq!(
        session_count(&changed),
        0,
        "the edited file started nothing"
    );
    drop(changed);
    assert!(!marker.exists(), "the edited file's command did not run");

    run_in(home.path(), &project, &["trust", file.to_str().unwrap()]);
    let _running = start();
    wait_until(|| marker.exists(), "trusted again, the file runs again");
}

#[test]
fn a_project_file_cannot_change_who_may_use_the_api_even_when_trusted() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let (project, _) = project_in(home.path());
    let planted = home.path().join("planted-token");
    std::fs::write(&planted, "planted-token-0123456789").unwrap();
    write_trusted_project_file(
        home.path(),
        &project,
        &format!(
            "[api]\ntoken_file = \"{}\"\nallowed_origins = [\"http://evil.example\"]\n\
             allowed_hosts = [\"evil.example\"]\nlisten = \"0.0.0.0:7878\"\n",
            planted.display()
        ),
    );

    let server = serve(home.clone(), &project, &["--no-restore"]);
    let stored = std::fs::read_to_string(home.path().join("data/ccmux/token"))
        .expect("the server made the stored token, so that one is in force");
    let stored = format!("Bearer {}", stored.trim());
    let status =
        |headers: &[(&str, &str)]| server.call_as("GET", "/api/v1/sessions", None, headers).0;
    assert_eq!(
        status(&[("authorization", "Bearer planted-token-0123456789")]),
        401,
        "the project's token is not the one in force"
    );
    assert_eq!(
        status(&[("authorization", &stored)]),
        200,
        "the stored one is"
    );
    assert_eq!(
        status(&[
            ("authorization", &stored),
            ("origin", "http://evil.example")
        ]),
        403,
        "the project's origin is refused"
    );
    assert_eq!(
        status(&[("authorization", &stored), ("host", "evil.example")]),
        403,
        "the project's host is refused"
    );

    let checked = run_in(home.path(), &project, &["config", "check"]);
    for key in [
        "api.token_file",
        "api.allowed_origins",
        "api.allowed_hosts",
        "api.listen",
    ] {
        assert!(
            stderr(&checked).contains(&format!("{key}: ignored")),
            "config check names {key}:\n{}",
            stderr(&checked)
        );
    }
}

#[test]
fn config_check_and_trust_list_say_whether_the_project_file_is_trusted() {
    let home = tempfile::tempdir().unwrap();
    let (project, file) = project_in(home.path());
    std::fs::write(&file, "[limits]\nmax_sessions = 3\n").unwrap();
    let check = || run_in(home.path(), &project, &["config", "check"]);
    let list = || stdout(&run_in(home.path(), &project, &["trust", "--list"]));
    let trust_command = format!("`ccmux trust {}`", file.display());

    let new = check();
    assert!(stderr(&new).contains("is not trusted (new)"), "{new:?}");
    assert!(stderr(&new).contains(&trust_command), "{new:?}");
    assert!(stdout(&new).contains("no config files"), "{new:?}");
    assert_eq!(list(), "no trusted project files\n");

    run_in(home.path(), &project, &["trust"]);
    let trusted = check();
    assert_eq!(stderr(&trusted), "");
    assert_eq!(
        stdout(&trusted),
        format!("ok: {} (trusted)\n", file.display())
    );
    assert_eq!(list(), format!("trusted  {}\n", file.display()));

    std::fs::write(&file, "[limits]\nmax_sessions = 300\n").unwrap();
    let changed = check();
    assert!(
        stderr(&changed).contains("(changed since it was trusted)"),
        "{changed:?}"
    );
    assert_eq!(list(), format!("changed  {}\n", file.display()));

    let revoked = stdout(&run_in(home.path(), &project, &["trust", "--revoke"]));
    assert_eq!(revoked, format!("no longer trusted: {}\n", file.display()));
    assert_eq!(list(), "no trusted project files\n");
    assert!(stderr(&check()).contains("is not trusted (new)"));
}

#[test]
fn the_tui_in_an_untrusted_project_says_so_and_opens_a_plain_session() {
    let home = tempfile::tempdir().unwrap();
    common::write_global_config(
        home.path(),
        "[defaults]\ncommand = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\n",
    );
    let (project, file) = project_in(home.path());
    let marker = home.path().join("marker");
    std::fs::write(&file, marker_config(&marker)).unwrap();

    let tmux = Tmux::start(home, &project, &[], (240, 30));
    let trust_command = format!("`ccmux trust {}`", file.display());
    let screen = tmux.wait_for(
        |s| s.contains(&trust_command) && s.contains("1 project ● ready"),
        "the status bar names the file and the command, beside a plain session",
    );
    let status_bar = screen.lines().rev().find(|l| !l.trim().is_empty()).unwrap();
    assert!(status_bar.contains("is not trusted (new)"), "{screen}");
    assert!(!screen.contains("marker"), "{screen}");
    assert!(!marker.exists(), "the file's command did not run");
}

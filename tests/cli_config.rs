//! The command line and config files, through the real binary.

mod common;

use std::path::Path;
use std::process::Output;

use ccmux::config::{Config, load_file};
use common::server::ccmux;

fn run(home: &Path, args: &[&str]) -> Output {
    ccmux(home).args(args).output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// `config check` refuses each (text, place, message) with status 2, naming the file and
/// `place` (`line:column: key`) and saying `message`.
fn check_refuses(home: &Path, cases: &[(&str, &str, &str)]) {
    for (text, place, message) in cases {
        let path = home.join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let out = run(home, &["config", "check", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(2), "{text}");
        let err = stderr(&out);
        let place = format!("{}:{place}: ", path.display());
        assert!(err.contains(&place), "{text:?}: wanted {place} in {err}");
        assert!(
            err.contains(message),
            "{text:?}: wanted {message:?} in {err}"
        );
    }
}

fn example() -> String {
    std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/config.example.toml")).unwrap()
}

#[test]
fn the_example_config_parses_to_the_defaults_it_claims() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("example.toml");
    std::fs::write(&path, example()).unwrap();
    assert_eq!(
        load_file(&path, |_| None).unwrap().config,
        Config::default()
    );
}

#[test]
fn the_example_configs_commented_examples_are_valid_too() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("examples.toml");
    let uncommented: String = example()
        .lines()
        .map(|l| l.strip_prefix("#> ").unwrap_or(l))
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&path, uncommented).unwrap();
    let config = load_file(&path, |_| None).unwrap().config;
    assert_eq!(config.sessions[0].task_id, "api");
    assert_eq!(
        config.sessions[0].project_path.as_deref(),
        Some(dir.path().join("services/api").as_path())
    );
    assert!(config.profiles.contains_key("aider"));
    assert!(config.templates.contains_key("review"));
    assert_eq!(config.ui.keybindings.len(), 2);
}

#[test]
fn layers_merge_in_order_defaults_global_project_file_env_flags() {
    let home = tempfile::tempdir().unwrap();
    common::write_global_config(
        home.path(),
        "[limits]\nmax_sessions = 5\nscrollback = 111\n[ui]\nlayout = \"rows\"\n",
    );
    let project = home.path().join("proj");
    let sub = project.join("deep/sub");
    std::fs::create_dir_all(&sub).unwrap();
    std::fs::write(project.join("ccmux.toml"), "[limits]\nmax_sessions = 6\n[api]\nlisten = \"127.0.0.1:1001\"\n[[session]]\ntask_id = \"one\"\nproject_path = \"deep\"\n").unwrap();
    let trusted = run(home.path(), &["trust", project.to_str().unwrap()]);
    assert!(trusted.status.success(), "{}", stderr(&trusted));
    let extra = home.path().join("extra.toml");
    std::fs::write(
        &extra,
        "[api]\nlisten = \"127.0.0.1:1002\"\n[ui]\nframe_cap = 30\n",
    )
    .unwrap();

    let show = |args: &[&str], env: &[(&str, &str)]| {
        let mut cmd = ccmux(home.path());
        cmd.current_dir(&sub).args(args).args(["config", "show"]);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        toml::from_str::<Config>(&stdout(&out)).unwrap()
    };
    let merged = show(&[], &[]);
    assert_eq!(merged.limits.scrollback, 111, "global");
    assert_eq!(merged.limits.max_sessions, 6, "project beats global");
    assert_eq!(
        merged.ui.layout,
        ccmux::config::Layout::Rows,
        "global survives where project is silent"
    );
    assert_eq!(
        merged.api.listen.port(),
        7878,
        "a project file does not set [api]"
    );
    assert_eq!(
        merged.sessions[0].project_path.as_deref(),
        Some(project.join("deep").as_path()),
        "relative to its file"
    );

    let with_file = show(&["-c", extra.to_str().unwrap()], &[]);
    assert_eq!(
        (with_file.api.listen.port(), with_file.ui.frame_cap),
        (1002, 30),
        "-c beats project"
    );
    let with_env = show(
        &["-c", extra.to_str().unwrap()],
        &[("CCMUX_LISTEN", "127.0.0.1:1003")],
    );
    assert_eq!(with_env.api.listen.port(), 1003, "env beats -c");
    let with_flag = show(
        &["--listen", "127.0.0.1:1004"],
        &[("CCMUX_LISTEN", "127.0.0.1:1003")],
    );
    assert_eq!(with_flag.api.listen.port(), 1004, "flags beat env");
}

#[test]
fn validation_errors_name_file_line_column_and_key() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[ui]\nlayout = \"grid\"\nprefx = \"ctrl-a\"\n",
            "3:1: ui.prefx",
            "unknown field `prefx`",
        ),
        (
            "[limits]\nmax_sessions = \"many\"\n",
            "2:16: limits.max_sessions",
            "invalid type",
        ),
        (
            "[defaults]\nterminal_size = [0, 40]\n",
            "2:17: defaults.terminal_size",
            "terminal_size must be",
        ),
        (
            "[ui]\nprefix = \"hyper-q\"\n",
            "2:10: ui.prefix",
            "is not a key",
        ),
        (
            "[api]\nlisten = \"nowhere\"\n",
            "2:10: api.listen",
            "invalid socket address",
        ),
        (
            "\n[[session]]\ntask_id = \"a\"\nprofile = \"nope\"\n",
            "4:11: session[0].profile",
            "unknown profile `nope`",
        ),
        (
            "[profiles.x]\nbusy = [\"(unclosed\"]\n",
            "2:8: profiles.x.busy",
            "invalid regular expression",
        ),
        ("[ui\n", "1:4", ""),
    ];
    check_refuses(home.path(), &cases);
    let good = home.path().join("good.toml");
    std::fs::write(&good, "[ui]\nprefix = \"ctrl-b\"\n").unwrap();
    let out = run(home.path(), &["config", "check", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(stdout(&out).contains("ok:"));
}

#[test]
fn config_check_rejects_what_would_fail_at_start_as_the_runtime_does() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[[session]]\ntask_id = \"a\"\ncommand = []\n",
            "3:11: session[0].command",
            "the command is empty",
        ),
        (
            "[defaults]\ncommand = [\" \"]\n",
            "2:11: defaults.command",
            "the command is empty",
        ),
        (
            "[templates.t]\ncommand = []\n",
            "2:11: templates.t.command",
            "the command is empty",
        ),
        (
            "[[session]]\ntask_id = \"a\"\n\n[[session]]\ntask_id = \"a\"\n",
            "5:11: session[1].task_id",
            "task `a` is session[0]'s too",
        ),
        (
            "[[session]]\ntask_id = \"\"\n",
            "2:11: session[0].task_id",
            "task_id must not be empty",
        ),
        (
            "[[session]]\ntask_id = \"a\"\ntemplate = \"nope\"\n",
            "3:12: session[0].template",
            "unknown template `nope`",
        ),
    ];
    for (text, place, message) in cases {
        let path = home.path().join("bad.toml");
        std::fs::write(&path, text).unwrap();
        let place = format!("{}:{place}: ", path.display());
        let checked = run(home.path(), &["config", "check", path.to_str().unwrap()]);
        // `config show` loads the config as a starting ccmux does.
        let started = run(
            home.path(),
            &["-c", path.to_str().unwrap(), "config", "show"],
        );
        for (out, what) in [(checked, "check"), (started, "start")] {
            assert!(!out.status.success(), "{what} {text:?}");
            let err = stderr(&out);
            assert!(
                err.contains(&place),
                "{what} {text:?}: wanted {place} in {err}"
            );
            assert!(
                err.contains(message),
                "{what} {text:?}: wanted {message:?} in {err}"
            );
        }
    }

    let good = home.path().join("good.toml");
    std::fs::write(
        &good,
        "[templates.review]\ncommand = [\"bash\"]\n\n[[session]]\ntask_id = \"a\"\ntemplate = \"review\"\n",
    )
    .unwrap();
    let out = run(home.path(), &["config", "check", good.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn an_unknown_action_or_a_key_bound_twice_is_a_config_error_with_its_place() {
    let home = tempfile::tempdir().unwrap();
    let cases = [
        (
            "[ui]\nkeybindings = { zom = \"Z\" }\n",
            "2:17: ui.keybindings.zom",
            "unknown action `zom`: the actions are new, close,",
        ),
        (
            "[ui.keybindings]\nzoom = \"Z\"\nhelp = \"Z\"\n",
            "3:8: ui.keybindings.help",
            "key `Z` is bound twice: zoom and help",
        ),
        (
            "[ui]\nkeybindings = { zoom = \"c\" }\n",
            "2:24: ui.keybindings.zoom",
            "key `c` is bound twice: new and zoom",
        ),
        (
            "[ui]\nkeybindings = { help = \"ctrl-b\" }\nprefix = \"ctrl-b\"\n",
            "3:10: ui.prefix",
            "key `ctrl-b` is bound twice: the prefix and help",
        ),
    ];
    check_refuses(home.path(), &cases);

    // A layer clashing with one below it is wrong where it says so.
    common::write_global_config(home.path(), "[ui.keybindings]\nzoom = \"Z\"\n");
    let project = home.path().join("project.toml");
    std::fs::write(&project, "[ui.keybindings]\nhelp = \"Z\"\n").unwrap();
    let out = run(
        home.path(),
        &["-c", project.to_str().unwrap(), "config", "show"],
    );
    assert!(!out.status.success());
    let place = format!("{}:2:8: ui.keybindings.help: ", project.display());
    assert!(
        stderr(&out).contains(&place),
        "wanted {place} in {}",
        stderr(&out)
    );

    std::fs::write(&project, "[ui.keybindings]\nhelp = \"H\"\n").unwrap();
    let out = run(
        home.path(),
        &["-c", project.to_str().unwrap(), "config", "show"],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let shown = toml::from_str::<Config>(&stdout(&out)).unwrap();
    let keymap = shown.ui.keymap();
    let key = |action| keymap.keys(action)[0].to_string();
    use ccmux::config::Action::{Help, Zoom};
    assert_eq!((key(Zoom), key(Help)), ("Z".to_string(), "H".to_string()));
}

#[test]
fn config_check_warns_about_an_unset_auth_token_env_and_still_passes() {
    let home = tempfile::tempdir().unwrap();
    let path = home.path().join("token.toml");
    std::fs::write(
        &path,
        "[[session]]\ntask_id = \"a\"\nauth_token_env = \"CCMUX_TEST_UNSET_KEY\"\n",
    )
    .unwrap();
    let check = |value: Option<&str>| {
        let mut cmd = ccmux(home.path());
        cmd.args(["config", "check", path.to_str().unwrap()]);
        match value {
            Some(v) => cmd.env("CCMUX_TEST_UNSET_KEY", v),
            None => cmd.env_remove("CCMUX_TEST_UNSET_KEY"),
        };
        cmd.output().unwrap()
    };

    let unset = check(None);
    assert_eq!(unset.status.code(), Some(0), "{}", stderr(&unset));
    let place = format!(
        "warning: {}:3:18: session[0].auth_token_env: ",
        path.display()
    );
    assert!(
        stderr(&unset).contains(&place),
        "wanted {place} in {}",
        stderr(&unset)
    );
    assert!(stderr(&unset).contains("CCMUX_TEST_UNSET_KEY"));
    assert!(stdout(&unset).contains("ok:"));

    let set = check(Some("sk-test"));
    assert_eq!(set.status.code(), Some(0));
    assert_eq!(stderr(&set), "");
}

#[test]
fn every_subcommand_has_help() {
    let home = tempfile::tempdir().unwrap();
    for args in [
        &["--help"][..],
        &["serve", "--help"],
        &["ctl", "--help"],
        &["ctl", "send", "--help"],
        &["token", "--help"],
        &["config", "--help"],
        &["config", "check", "--help"],
        &["config", "path", "--help"],
        &["trust", "--help"],
        &["completions", "--help"],
    ] {
        let out = run(home.path(), args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        assert!(stdout(&out).contains("Usage"), "{args:?}");
    }
    let out = run(home.path(), &["--version"]);
    assert!(stdout(&out).contains(env!("CARGO_PKG_VERSION")));
    let out = run(home.path(), &["completions", "bash"]);
    assert!(stdout(&out).contains("_ccmux"));
    let out = run(home.path(), &["config", "path"]);
    assert!(
        stdout(&out).contains(
            &home
                .path()
                .join("config/ccmux/config.toml")
                .display()
                .to_string()
        )
    );
}

#[test]
fn the_token_is_generated_once_and_kept_private() {
    use std::os::unix::fs::PermissionsExt;
    let home = tempfile::tempdir().unwrap();
    let first = stdout(&run(home.path(), &["token"]));
    let second = stdout(&run(home.path(), &["token"]));
    assert_eq!(first, second);
    assert_eq!(first.trim().len(), 64);
    let file = home.path().join("data/ccmux/token");
    assert_eq!(
        std::fs::metadata(file).unwrap().permissions().mode() & 0o777,
        0o600
    );
}

#[test]
fn ctl_drives_a_live_serve() {
    let server = common::server::start_server();
    let home = server.home.path();
    let ctl = |args: &[&str]| {
        let out = ccmux(home)
            .args([
                "--listen",
                &server.addr,
                "--token",
                common::server::TOKEN,
                "ctl",
            ])
            .args(args)
            .output()
            .unwrap();
        assert!(out.status.success(), "ctl {args:?}: {}", stderr(&out));
        stdout(&out)
    };
    let created = ctl(&[
        "--json",
        "new",
        "--task",
        "via-ctl",
        "--",
        "bash",
        "--norc",
        "--noprofile",
        "-i",
    ]);
    let info: serde_json::Value = serde_json::from_str(&created).unwrap();
    let id = info["session_id"].to_string();
    assert!(ctl(&["list"]).contains("via-ctl"));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let table = loop {
        let table = ctl(&["list"]);
        if table.contains("ready") {
            break table;
        }
        assert!(std::time::Instant::now() < deadline);
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(
        lines[0].find("STATE"),
        lines[1].find("ready"),
        "columns line up:\n{table}"
    );
    let sent = ctl(&["send", &id, "echo ctl-works", "--timeout", "10"]);
    assert!(sent.starts_with("ctl-works\n"), "{sent}");
    assert!(ctl(&["screen", &id]).contains("ctl-works"));
    assert!(ctl(&["output", &id]).contains("ctl-works"));
    assert_eq!(ctl(&["resize", &id, "70", "20"]).lines().count(), 2);
    assert!(ctl(&["send", &id, "stty size"]).starts_with("20 70"));
    assert_eq!(ctl(&["input", &id, "true\\r"]), "ok\n");
    assert_eq!(ctl(&["interrupt", &id]), "ok\n");
    assert!(ctl(&["stats"]).contains("live"));
    assert!(ctl(&["kill", &id]).contains("terminated"));
    let out = ccmux(home)
        .args(["--listen", &server.addr, "--token", "wrong", "ctl", "list"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("401"), "{}", stderr(&out));
}

#[test]
fn ctl_send_exit_status_says_how_the_command_ended() {
    let server = common::server::start_server_with_config(
        "[profiles.fails]\nbased_on = \"shell\"\nerror = [\"it-broke\"]\n",
    );
    let send = |id: &str, args: &[&str]| {
        let out = ccmux(server.home.path())
            .args(["--listen", &server.addr, "--token", common::server::TOKEN])
            .args(["ctl", "send", id])
            .args(args)
            .output()
            .unwrap();
        (out.status.code(), stdout(&out))
    };
    let wait_for = |id: &str, state: &str| {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
            if info["state"] == state {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "never {state}: {info}"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    };
    let bash = |task: &str, profile: &str| {
        let body = serde_json::json!({
            "task_id": task, "project_path": server.home.path(), "profile": profile,
            "command": ["bash", "--norc", "--noprofile", "-i"],
            "environment": {"PS1": "codes$ "},
        });
        let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
        assert_eq!(status, 201, "{info}");
        let id = info["session_id"].to_string();
        wait_for(&id, "ready");
        id
    };

    let id = bash("codes", "shell");
    let (code, out) = send(&id, &["echo fine"]);
    assert_eq!((code, out.lines().next()), (Some(0), Some("fine")));

    let (code, out) = send(&id, &["read -p 'Delete everything? [y/N] ' a"]);
    assert_eq!(code, Some(4), "waiting for input: {out}");
    server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(serde_json::json!({"data": "y\r"})),
    );
    wait_for(&id, "idle");

    let (code, out) = send(&id, &["sleep 5", "--timeout", "1"]);
    assert_eq!(code, Some(3), "timed out: {out}");
    server.call("POST", &format!("/api/v1/sessions/{id}/interrupt"), None);
    wait_for(&id, "idle");

    let (code, out) = send(&id, &["exit"]);
    assert_eq!(code, Some(5), "the session ended with the command: {out}");
    let (code, out) = send(&id, &["echo too late"]);
    assert_eq!(code, Some(5), "the session had ended before it: {out}");

    let failing = bash("fails", "fails");
    let (code, out) = send(&failing, &["echo it-broke"]);
    assert_eq!(code, Some(6), "the session reports an error: {out}");

    let help = ccmux(server.home.path())
        .args(["ctl", "send", "--help"])
        .output()
        .unwrap();
    let help = stdout(&help);
    for line in ["0  ", "3  ", "4  ", "5  ", "6  "] {
        assert!(
            help.contains(line),
            "`ctl send --help` explains exit status {line}:\n{help}"
        );
    }
}

#[test]
fn a_configured_session_starts_from_the_template_it_names() {
    let server = common::server::start_server_with_config(
        "[templates.shell]\ncommand = [\"bash\", \"--norc\", \"--noprofile\", \"-i\"]\n\
         profile = \"shell\"\n\n\
         [[session]]\ntask_id = \"from-template\"\ntemplate = \"shell\"\n",
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let list = loop {
        let (_, list) = server.call("GET", "/api/v1/sessions", None);
        if list["sessions"][0].is_object() {
            break list;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never started: {list}"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let session = &list["sessions"][0];
    assert_eq!(session["task_id"], "from-template", "{list}");
    assert_eq!(session["command"][0], "bash", "{list}");
    assert_eq!(session["profile"], "shell", "{list}");
}

//! Secrets and the operator's terminal: where the token may come from, what the log holds, and
//! what `ctl` lets the server write to a terminal.

mod common;

use std::io::Write;
use std::process::{Command, Stdio};
use std::rc::Rc;

use common::fixture_api::*;
use common::server::{Server, TOKEN, ccmux, launch, start_server};
use serde_json::json;

fn run(mut cmd: Command, stdin: &str) -> (bool, String, String) {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let text = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    (out.status.success(), text(out.stdout), text(out.stderr))
}

#[test]
fn token_dash_reads_stdin_and_token_file_reads_the_file_without_a_warning() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = ccmux(home.path());
    cmd.args(["--token", "-", "token"]);
    let (ok, out, err) = run(cmd, "from-stdin\n");
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "from-stdin");
    assert!(!err.contains("warning"), "{err}");

    let file = home.path().join("token-file");
    std::fs::write(&file, "from-file\n").unwrap();
    let mut cmd = ccmux(home.path());
    cmd.arg("--token-file").arg(&file).arg("token");
    let (ok, out, err) = run(cmd, "");
    assert!(ok, "{err}");
    assert_eq!(out.trim(), "from-file");
    assert!(!err.contains("warning"), "{err}");
}

#[test]
fn a_server_takes_its_token_from_token_file() {
    let (server, _) = serve_with_token_file();
    let (status, body) = server.call("GET", "/api/v1/sessions", None);
    assert_eq!(status, 200, "{body}");
}

#[test]
fn a_token_on_the_command_line_is_taken_with_a_warning() {
    let server = start_server();
    assert!(server.said.contains("shows in `ps`"), "{}", server.said);
}

#[test]
fn a_remote_listener_refuses_a_short_token_and_warns_on_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = ccmux(home.path());
    cmd.args(["serve", "--listen", "0.0.0.0:0", "--allow-remote"])
        .env("CCMUX_API_TOKEN", "short-token");
    let (ok, _, err) = run(cmd, "");
    assert!(!ok);
    assert!(err.contains("at least 32 bytes"), "{err}");

    let home = Rc::new(home);
    let mut cmd = ccmux(home.path());
    cmd.args(["serve", "--listen", "0.0.0.0:0", "--allow-remote"])
        .env(
            "CCMUX_API_TOKEN",
            "a-token-long-enough-for-a-remote-listener",
        );
    let server = launch(cmd, home);
    assert!(
        server.said.contains("reachable from other machines"),
        "{}",
        server.said
    );
}

#[test]
fn the_log_file_is_private_and_holds_no_websocket_frames_even_at_trace() {
    use std::os::unix::fs::PermissionsExt;
    let home = Rc::new(tempfile::tempdir().unwrap());
    let log = home.path().join("ccmux.log");
    let mut cmd = ccmux(home.path());
    cmd.arg("--log-file")
        .arg(&log)
        .args(["serve", "--listen", "127.0.0.1:0", "--token", TOKEN])
        .env("RUST_LOG", "trace");
    let server = launch(cmd, home.clone());
    let body = json!({"task_id": "logged", "project_path": home.path(),
                      "command": ["bash", "--norc", "--noprofile", "-i"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let request = ccmux::ctl::ws_request(&server.addr, id, &format!("Bearer {TOKEN}")).unwrap();
    let (mut socket, _) = tungstenite::connect(request).unwrap();
    let typed = json!({"type": "input", "data": "echo TYPED-SECRET"}).to_string();
    socket.send(tungstenite::Message::text(typed)).unwrap();
    socket.read().unwrap();
    drop(socket);
    drop(server);

    let mode = std::fs::metadata(&log).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "log mode {mode:o}");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.contains("session started"), "nothing logged:\n{text}");
    let hex: String = b"TYPED-SECRET".iter().map(|b| format!("{b:02x}")).collect();
    assert!(
        !text.contains("TYPED-SECRET") && !text.contains(&hex),
        "typed input in the log"
    );
}

#[test]
fn ctl_list_on_a_terminal_shows_an_escape_in_a_path_instead_of_sending_it() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("p\u{1b}]52;c;SGVsbG8=\u{7}");
    std::fs::create_dir(&path).unwrap();
    let body = json!({"task_id": "osc", "project_path": path, "command": ["bash", "--norc"]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");

    let ctl = format!(
        "{} ctl --listen {} list",
        env!("CARGO_BIN_EXE_ccmux"),
        server.addr
    );
    // `script` gives ctl a terminal for stdout and copies what it wrote.
    let mut cmd = Command::new("script");
    cmd.args(["-qec", &ctl, "/dev/null"])
        .env("CCMUX_API_TOKEN", TOKEN);
    let (ok, on_terminal, err) = run(cmd, "");
    assert!(ok, "{err}{on_terminal}");
    assert!(!on_terminal.contains("\u{1b}]52"), "{on_terminal:?}");
    assert!(
        on_terminal.contains("p\\e]52;c;SGVsbG8=\\x07"),
        "{on_terminal:?}"
    );

    let mut piped = ccmux(server.home.path());
    piped
        .args(["ctl", "--listen", &server.addr, "list"])
        .env("CCMUX_API_TOKEN", TOKEN);
    let (ok, raw, err) = run(piped, "");
    assert!(ok, "{err}");
    assert!(raw.contains("p\u{1b}]52;c;SGVsbG8=\u{7}"), "{raw:?}");
}

/// `ccmux ARGS` on a terminal (`script` gives it one): what it wrote there.
fn on_terminal(server: &Server, args: &str) -> String {
    let home = server.home.path();
    let mut cmd = Command::new("script");
    cmd.args([
        "-qec",
        &format!("{} {args}", env!("CARGO_BIN_EXE_ccmux")),
        "/dev/null",
    ])
    .env("HOME", home)
    .env("XDG_CONFIG_HOME", home.join("config"))
    .env("XDG_DATA_HOME", home.join("data"))
    .env("XDG_STATE_HOME", home.join("state"))
    .env("XDG_RUNTIME_DIR", home.join("run"))
    .env_remove("CCMUX_SOCKET")
    .current_dir(home);
    let (ok, said, err) = run(cmd, "");
    assert!(ok, "{err}{said}");
    said
}

#[test]
fn ls_on_a_terminal_shows_escapes_in_a_path_and_a_hook_reason_instead_of_sending_them() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let evil = dir.path().join("evil\u{1b}]52;c;cHduZWQ=\u{7}");
    std::fs::create_dir(&evil).unwrap();
    let id = fixture_session(&server, "osc-ls", &evil, json!({}));
    let pid = info(&server, id)["pid"].as_u64().unwrap();
    let capability = environ(pid, "CCMUX_HOOK_CAPABILITY").unwrap();
    let request = json!({"hook_event_name": "PermissionRequest", "session_id": "x",
        "tool_name": "Bash", "tool_input": {"command": "ls \u{1b}]0;TITLE\u{7}"}});
    assert_eq!(post_hook(&server, id, &capability, request), "");
    wait_for(&server, id, "the hook's reason", |i| {
        i["state_reason"]
            .as_str()
            .is_some_and(|r| r.contains("TITLE"))
    });

    let said = on_terminal(&server, "ls");
    assert!(!said.contains("\u{1b}]"), "{said:?}");
    assert!(said.contains("evil\\e]52;c;cHduZWQ=\\x07"), "{said:?}");
    assert!(said.contains("ls \\e]0;TITLE\\x07"), "{said:?}");
}

#[test]
fn a_task_id_with_a_bidi_override_is_refused() {
    let server = start_server();
    let body = json!({"task_id": "fix\u{202E}cod", "command": ["bash", "--norc"]});
    let (status, answer) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 422, "{answer}");
    assert!(
        answer["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("task_id"),
        "{answer}"
    );
}

#[test]
fn serve_says_where_the_token_in_force_comes_from() {
    let given = start_server();
    assert!(
        given.said.contains("the token given by --token"),
        "{}",
        given.said
    );

    let (from_file, file) = serve_with_token_file();
    let said = &from_file.said;
    assert!(
        said.contains(&format!("the token in {}", file.display())),
        "{said}"
    );
}

/// `ccmux serve` whose token is in a file of its own; returns the server and the file.
fn serve_with_token_file() -> (Server, std::path::PathBuf) {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let file = home.path().join("token-file");
    std::fs::write(&file, TOKEN).unwrap();
    let mut cmd = ccmux(home.path());
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--token-file"])
        .arg(&file);
    (launch(cmd, home), file)
}

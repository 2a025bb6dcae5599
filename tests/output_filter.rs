//! Output filters through a real `ccmux serve`: `strip_ansi`, `grep`, `type` and `format` on
//! `GET …/output`, the same on the WebSocket URL, and `ccmux ctl output --grep`, which strips
//! control sequences when it writes to a terminal.

mod common;

use std::time::{Duration, Instant};

use common::server::{Server, TOKEN, start_server};
use serde_json::{Value, json};

/// A shell that printed three lines, two of them red, and is idle again.
fn printed_lines(server: &Server) -> u64 {
    let dir = tempfile::tempdir().unwrap();
    let (status, info) = server.call(
        "POST",
        "/api/v1/sessions/claude",
        Some(json!({"task_id": "filter", "project_path": dir.path(),
            "command": ["bash", "--norc", "--noprofile", "-i"], "environment": {"PS1": "f$ "}})),
    );
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while server
        .call("GET", &format!("/api/v1/sessions/{id}"), None)
        .1["state"]
        != "ready"
    {
        assert!(Instant::now() < deadline, "the shell never became ready");
        std::thread::sleep(Duration::from_millis(50));
    }
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "printf '\\033[31mred-alpha\\033[0m\\nplain-beta\\n\\033[31mred-gamma\\033[0m\\n'", "timeout": 20})),
    );
    assert_eq!(status, 200, "{result}");
    id
}

fn page(server: &Server, id: u64, query: &str) -> (u16, Value) {
    server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?{query}"),
        None,
    )
}

fn output_text(page: &Value) -> String {
    page["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "output")
        .map(|e| e["content"].as_str().unwrap())
        .collect()
}

#[test]
fn get_output_strips_greps_picks_types_and_speaks_text() {
    let server = start_server();
    let id = printed_lines(&server);

    let (_, raw) = page(&server, id, "");
    assert!(output_text(&raw).contains("\x1b[31mred-alpha"), "{raw}");
    let (status, stripped) = page(&server, id, "strip_ansi=true");
    assert_eq!(status, 200);
    let text = output_text(&stripped);
    assert!(
        text.contains("red-alpha\nplain-beta\nred-gamma\n"),
        "{text:?}"
    );
    assert!(!text.contains('\x1b') && !text.contains('\r'), "{text:?}");

    let (_, grepped) = page(&server, id, "grep=%5Ered-&strip_ansi=true");
    assert_eq!(output_text(&grepped), "red-alpha\nred-gamma\n");
    let (_, grepped_raw) = page(&server, id, "grep=%5Ered-");
    let text = output_text(&grepped_raw);
    assert!(
        text.contains("\x1b[31mred-alpha\x1b[0m\r\n")
            && text.ends_with("\x1b[31mred-gamma\x1b[0m\r\n")
            && !text.contains("plain-beta"),
        "the matching lines as they were printed: {text:?}"
    );

    let (_, states) = page(&server, id, "type=state");
    let entries = states["entries"].as_array().unwrap();
    assert!(!entries.is_empty());
    assert!(entries.iter().all(|e| e["type"] == "state"), "{states}");
    let (_, two) = page(&server, id, "type=input,state");
    let kinds: Vec<&str> = two["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"input") && kinds.contains(&"state") && !kinds.contains(&"output"));

    let agent: ureq::Agent = ureq::Agent::config_builder().build().new_agent();
    let mut response = agent
        .get(server.url(&format!(
            "/api/v1/sessions/{id}/output?format=text&strip_ansi=true&type=output,state"
        )))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    let kind = response
        .headers()
        .get("content-type")
        .unwrap()
        .to_str()
        .unwrap()
        .to_string();
    assert!(kind.starts_with("text/plain"), "{kind}");
    assert!(response.headers().get("x-next-seq").is_some());
    let body = response.body_mut().read_to_string().unwrap();
    assert!(body.contains("red-alpha\nplain-beta\n"), "{body}");
    assert!(body.contains("[state] "), "{body}");
}

#[test]
fn a_bad_filter_is_a_422_that_names_the_parameter_and_the_pattern() {
    let server = start_server();
    let id = printed_lines(&server);
    let (status, body) = page(&server, id, "grep=red%28");
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "invalid_value");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("grep:") && message.contains("`red(`"),
        "{message}"
    );

    let long = "a".repeat(ccmux::output_filter::MAX_PATTERN + 1);
    let (status, body) = page(&server, id, &format!("grep={long}"));
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("at most")
    );

    let (status, body) = page(&server, id, "type=output,bogus");
    assert_eq!(status, 422, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("`bogus`")
    );

    let request = ccmux::ctl::ws_request_filtered(
        &server.addr,
        id,
        &format!("Bearer {TOKEN}"),
        &ccmux::output_filter::FilterQuery {
            grep: Some("red(".into()),
            ..Default::default()
        },
    )
    .unwrap();
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 422),
        other => panic!("a bad filter refuses the upgrade: {:?}", other.map(|_| ())),
    }
}

#[test]
fn the_websocket_stream_takes_the_same_filter() {
    let server = start_server();
    let id = printed_lines(&server);
    let filter = ccmux::output_filter::FilterQuery {
        strip_ansi: true,
        grep: Some("-(alpha|gamma|delta)$".into()),
        ..Default::default()
    };
    let request =
        ccmux::ctl::ws_request_filtered(&server.addr, id, &format!("Bearer {TOKEN}"), &filter)
            .unwrap();
    let (mut socket, _) = tungstenite::connect(request).unwrap();
    let first: Value = serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
    assert_eq!(first["type"], "screen");
    let mut send = |request: Value, answered: bool| {
        socket
            .send(tungstenite::Message::text(request.to_string()))
            .unwrap();
        let (mut outputs, mut errors) = (String::new(), Vec::new());
        if answered {
            loop {
                let message: Value =
                    serde_json::from_str(socket.read().unwrap().to_text().unwrap()).unwrap();
                match message["type"].as_str().unwrap() {
                    "output" => outputs.push_str(message["data"]["content"].as_str().unwrap()),
                    "error" => {
                        errors.push(message["data"].clone());
                        break;
                    }
                    "command_result" => break,
                    _ => {}
                }
            }
        }
        (outputs, errors)
    };
    let printf = |text: &str| json!({"type": "command", "command": format!("printf '{text}'")});
    let (outputs, _) = send(printf("x-beta\\n\\033[1mx-delta\\033[0m\\n"), true);
    assert_eq!(outputs, "x-delta\n", "only the matching line, stripped");

    // A filter sent on the socket replaces the URL's; a bad one is refused and changes nothing.
    let (_, errors) = send(json!({"type": "filter", "grep": "(("}), true);
    assert_eq!(errors[0]["code"], "invalid_value", "{errors:?}");
    assert!(errors[0]["message"].as_str().unwrap().contains("`((`"));
    send(
        json!({"type": "filter", "grep": "^y-", "types": "output"}),
        false,
    );
    let (outputs, _) = send(printf("y-one\\n\\033[1mz-two\\033[0m\\n"), true);
    assert!(
        outputs.ends_with("y-one\r\n") && !outputs.contains("z-two"),
        "as printed, no strip_ansi this time: {outputs:?}"
    );
}

#[test]
fn ctl_output_greps_and_strips_control_sequences_when_writing_to_a_terminal() {
    let server = start_server();
    let id = printed_lines(&server);
    let ctl = |args: &str| {
        let out = common::server::ccmux(server.home.path())
            .args(["--listen", &server.addr, "--token", TOKEN, "ctl", "output"])
            .arg(id.to_string())
            .args(args.split_whitespace())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let piped = ctl("--grep ^red-");
    assert!(
        piped.contains("\x1b[31mred-alpha\x1b[0m\r\n")
            && piped.ends_with("\x1b[31mred-gamma\x1b[0m\r\n")
            && !piped.contains("plain-beta"),
        "to a pipe, as printed: {piped:?}"
    );

    // Under `script`, stdout is a terminal.
    let in_terminal = |args: &str| {
        let command = format!(
            "{} --listen {} --token {TOKEN} ctl output {id} {args}",
            env!("CARGO_BIN_EXE_ccmux"),
            server.addr
        );
        let out = std::process::Command::new("script")
            .args(["-qec", &command, "/dev/null"])
            .env("HOME", server.home.path())
            .env("XDG_RUNTIME_DIR", server.home.path().join("run"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    };
    let shown = in_terminal("--grep ^red-");
    assert!(
        shown.contains("red-alpha") && shown.contains("red-gamma"),
        "{shown:?}"
    );
    assert!(!shown.contains("plain-beta"), "{shown:?}");
    assert!(
        !shown.contains("\x1b[31m"),
        "stripped for a terminal: {shown:?}"
    );
    let raw = in_terminal("--grep ^red- --raw");
    assert!(
        raw.contains("\x1b[31mred-alpha"),
        "--raw keeps them: {raw:?}"
    );
}

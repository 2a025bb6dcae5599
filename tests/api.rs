//! The REST + WebSocket API, through a real `ccmux serve` and real HTTP/WS clients.

mod common;

use std::time::{Duration, Instant};

use common::fixture;
use common::fixture_api::wait_for_screen;
use common::server::{Server, TOKEN, start_server};
use serde_json::{Value, json};

fn bash_body(task: &str, dir: &std::path::Path) -> Value {
    json!({"task_id": task, "project_path": dir, "command": ["bash", "--norc", "--noprofile", "-i"],
           "environment": {"PS1": "ccmux-test$ "}, "terminal_size": [100, 30]})
}

#[test]
fn a_bash_session_from_create_to_delete() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let (status, info) = server.call(
        "POST",
        "/api/v1/sessions/claude",
        Some(bash_body("api-bash", dir.path())),
    );
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    assert_eq!(info["task_id"], "api-bash");
    assert_eq!(info["profile"], "shell");
    assert_eq!(info["terminal_size"], json!({"cols": 100, "rows": 30}));
    server.wait_for_state(id, "ready");

    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "echo hi there", "timeout": 10})),
    );
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["output"], "hi there");
    assert_eq!(result["state"], "idle");
    assert_eq!(result["timed_out"], false);
    assert_eq!(result["session_id"], id);

    let (_, page) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?since=0&limit=1000"),
        None,
    );
    let entries = page["entries"].as_array().unwrap();
    assert!(
        entries
            .iter()
            .any(|e| e["type"] == "input" && e["content"] == "echo hi there")
    );
    assert!(entries.iter().any(|e| e["type"] == "state" && e["content"].as_str().unwrap().contains("busy → idle")));
    let next = page["next_seq"].as_u64().unwrap();
    let (_, later) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?since={next}"),
        None,
    );
    assert_eq!(later["entries"], json!([]));

    let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
    assert_eq!(screen["cols"], 100);
    assert!(
        screen["lines"]
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l == "hi there")
    );
    assert!(screen["cursor"]["row"].is_u64());

    let (status, resized) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/resize"),
        Some(json!({"cols": 80, "rows": 20})),
    );
    assert_eq!(
        (status, resized["terminal_size"].clone()),
        (200, json!({"cols": 80, "rows": 20}))
    );
    let (_, size) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "stty size"})),
    );
    assert_eq!(size["output"], "20 80");

    server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(json!({"data": "sleep 100\r"})),
    );
    let busy = server.wait_for_state(id, "busy");
    let pid = busy["pid"].as_u64().unwrap() as u32;
    common::wait_for_process("sleep", || common::session_processes(pid));
    let (status, _) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "echo no"})),
    );
    assert_eq!(status, 409, "a busy session refuses commands");
    assert_eq!(
        server
            .call("POST", &format!("/api/v1/sessions/{id}/interrupt"), None)
            .0,
        200
    );
    server.wait_for_state(id, "idle");

    let (_, list) = server.call("GET", "/api/v1/sessions?task_id=api-bash", None);
    assert_eq!(list["sessions"].as_array().unwrap().len(), 1);
    let (_, stats) = server.call("GET", "/api/v1/stats/claude", None);
    assert_eq!(stats["live"], 1);
    assert!(stats["commands_run"].as_u64().unwrap() >= 2);

    let pid = info["pid"].as_u64().unwrap() as u32;
    let (status, end) = server.call(
        "DELETE",
        &format!("/api/v1/sessions/{id}?force=false"),
        None,
    );
    assert_eq!((status, end["state"].as_str()), (200, Some("terminated")));
    assert!(common::session_processes(pid).is_empty());
}

#[test]
fn a_claude_fixture_session_answers_a_command() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let body = json!({"task_id": "api-claude", "project_path": dir.path(), "profile": "claude",
                      "command": ["python3", fixture("fake_claude.py")], "auth_token": "sk-test"});
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    server.wait_for_state(id, "ready");
    let (_, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "what is 2+2?", "timeout": 20})),
    );
    assert_eq!(result["state"], "idle", "{result}");
    assert_eq!(result["output"], "You said: what is 2+2?");
    assert_eq!(
        server
            .call("DELETE", &format!("/api/v1/sessions/{id}"), None)
            .0,
        200
    );
}

#[test]
fn post_sessions_and_get_stats_answer_like_the_claude_routes() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let (status, info) = server.call(
        "POST",
        "/api/v1/sessions",
        Some(bash_body("short-route", dir.path())),
    );
    assert_eq!(status, 201, "{info}");
    assert_eq!(info["task_id"], "short-route");
    let (status, stats) = server.call("GET", "/api/v1/stats", None);
    assert_eq!(status, 200, "{stats}");
    let (_, long) = server.call("GET", "/api/v1/stats/claude", None);
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&stats), keys(&long));
    assert_eq!(
        (stats["live"].clone(), long["live"].clone()),
        (json!(1), json!(1))
    );
}

#[test]
fn bad_requests_name_the_field_and_leave_nothing_behind() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let create = |body: Value| server.call("POST", "/api/v1/sessions/claude", Some(body));
    let cases = [
        (
            json!({"task_id": "", "project_path": dir.path()}),
            422,
            "task_id",
        ),
        (
            json!({"task_id": "x", "project_path": dir.path(), "terminal_size": [0, 10]}),
            422,
            "terminal_size",
        ),
        (
            json!({"task_id": "x", "project_path": dir.path(), "terminal_size": [100000, 10]}),
            422,
            "terminal_size",
        ),
        (
            json!({"task_id": "x", "project_path": "/no/such/dir"}),
            422,
            "project_path",
        ),
        (
            json!({"task_id": "x", "project_path": dir.path(), "command": ["no-such-program-xyz"]}),
            422,
            "command",
        ),
        (
            json!({"task_id": "x", "project_path": dir.path(), "command": []}),
            422,
            "command",
        ),
        (
            json!({"task_id": "x", "project_path": dir.path(), "profile": "nope"}),
            422,
            "profile",
        ),
        (json!({"project_path": dir.path()}), 422, "task_id"),
    ];
    for (body, status, field) in cases {
        let (got, error) = create(body.clone());
        assert_eq!(got, status, "{body} → {error}");
        let message = error["error"]["message"].as_str().unwrap();
        assert!(message.contains(field), "{body}: {message}");
        assert!(error["error"]["code"].is_string());
    }
    let (status, _) = create(Value::String("{not json".into()));
    assert_eq!(status, 400);
    assert_eq!(
        server.call("GET", "/api/v1/sessions", None).1["sessions"],
        json!([])
    );

    assert_eq!(server.call("GET", "/api/v1/sessions/999", None).0, 404);
    assert_eq!(server.call("GET", "/api/v1/sessions/abc", None).0, 404);
    assert_eq!(
        server
            .call("POST", "/api/v1/sessions/999/interrupt", None)
            .0,
        404
    );

    let (_, info) = create(bash_body("dup", dir.path()));
    let id = info["session_id"].as_u64().unwrap();
    let (status, conflict) = create(bash_body("dup", dir.path()));
    assert_eq!(
        (status, conflict["error"]["code"].as_str()),
        (409, Some("task_conflict"))
    );
    server.wait_for_state(id, "ready");
    for timeout in [json!(0), json!(-1)] {
        let (status, error) = server.call(
            "POST",
            &format!("/api/v1/sessions/{id}/commands"),
            Some(json!({"command": "true", "timeout": timeout})),
        );
        assert_eq!(status, 422);
        assert!(
            error["error"]["message"]
                .as_str()
                .unwrap()
                .contains("timeout")
        );
    }
    let (status, _) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/resize"),
        Some(json!({"cols": 0, "rows": 5})),
    );
    assert_eq!(status, 422);

    // One byte over the limit, so the server has read all of it when it refuses: a bigger body
    // races the refusal (the client may still be writing when the server closes).
    let filler = "x".repeat(ccmux::api::MAX_BODY + 1 - r#"{"data": ""}"#.len());
    let huge = format!("{{\"data\": \"{filler}\"}}");
    assert_eq!(
        server
            .call(
                "POST",
                &format!("/api/v1/sessions/{id}/input"),
                Some(Value::String(huge))
            )
            .0,
        413
    );
}

#[test]
fn a_wrong_method_and_a_websocket_route_without_upgrade_answer_in_json() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = ready_bash(&server, "plain-get", dir.path());
    let wrong_method = [
        ("DELETE", "/api/v1/sessions".to_string()),
        ("GET", format!("/api/v1/sessions/{id}/commands")),
        ("POST", "/api/v1/health".to_string()),
    ];
    for (method, path) in wrong_method {
        let (status, error) = server.call(method, &path, None);
        assert_eq!(status, 405, "{method} {path}");
        assert_eq!(
            error["error"]["code"], "method_not_allowed",
            "{method} {path}"
        );
        assert!(error["error"]["message"].as_str().unwrap().contains(method));
    }
    let (status, error) = server.call("GET", &format!("/ws/sessions/{id}"), None);
    assert!((400..500).contains(&status), "{status}");
    assert_eq!(error["error"]["code"], "websocket_required", "{error}");
}

#[test]
fn the_token_host_and_origin_are_checked() {
    let server = start_server();
    assert_eq!(
        server.call_as("GET", "/api/v1/health", None, &[]).0,
        200,
        "health needs no token"
    );
    assert_eq!(server.call_as("GET", "/api/v1/sessions", None, &[]).0, 401);
    assert_eq!(
        server
            .call_as(
                "GET",
                "/api/v1/sessions",
                None,
                &[("authorization", "Bearer wrong")]
            )
            .0,
        401
    );
    let (status, _) = server.call_as("GET", &format!("/api/v1/sessions?token={TOKEN}"), None, &[]);
    assert_eq!(status, 400, "a token in the URL is refused, never taken");
    let auth = format!("Bearer {TOKEN}");
    let evil_host = [
        ("authorization", auth.as_str()),
        ("host", "evil.example:7878"),
    ];
    assert_eq!(
        server
            .call_as("GET", "/api/v1/sessions", None, &evil_host)
            .0,
        403
    );
    let evil_origin = [
        ("authorization", auth.as_str()),
        ("origin", "https://evil.example"),
    ];
    assert_eq!(
        server
            .call_as("GET", "/api/v1/sessions", None, &evil_origin)
            .0,
        403
    );

    let mut request = ccmux::ctl::ws_request(&server.addr, 1, &auth).unwrap();
    let origin = "https://evil.example".parse().unwrap();
    request.headers_mut().insert("origin", origin);
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 403),
        other => panic!("a foreign Origin was let in: {:?}", other.map(|_| ())),
    }
}

#[test]
fn the_openapi_document_lists_every_route() {
    let server = start_server();
    let (status, doc) = server.call("GET", "/api/v1/openapi.json", None);
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    let paths = doc["paths"].as_object().unwrap();
    let expected = [
        ("/api/v1/sessions/claude", "post"),
        ("/api/v1/sessions", "post"),
        ("/api/v1/sessions", "get"),
        ("/api/v1/sessions/{id}", "get"),
        ("/api/v1/sessions/{id}", "delete"),
        ("/api/v1/sessions/{id}/wait", "get"),
        ("/api/v1/sessions/{id}/commands", "post"),
        ("/api/v1/sessions/{id}/input", "post"),
        ("/api/v1/sessions/{id}/output", "get"),
        ("/api/v1/sessions/{id}/screen", "get"),
        ("/api/v1/sessions/{id}/resize", "post"),
        ("/api/v1/sessions/{id}/interrupt", "post"),
        ("/api/v1/stats/claude", "get"),
        ("/api/v1/stats", "get"),
        ("/api/v1/openapi.json", "get"),
        ("/api/v1/health", "get"),
        ("/ws/sessions/{id}", "get"),
    ];
    for (path, method) in expected {
        assert!(
            paths[path][method]["operationId"].is_string(),
            "{method} {path} is undocumented"
        );
    }
    // Every $ref resolves.
    let text = doc.to_string();
    for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = reference.split('"').next().unwrap();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "dangling $ref {name}"
        );
    }
}

type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

fn open_ws(server: &Server, id: u64) -> Socket {
    let request = ccmux::ctl::ws_request(&server.addr, id, &format!("Bearer {TOKEN}")).unwrap();
    let socket = tungstenite::connect(request).unwrap().0;
    // A message that never comes fails the test instead of hanging it.
    if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
    }
    socket
}

fn send(socket: &mut Socket, message: Value) {
    socket
        .send(tungstenite::Message::text(message.to_string()))
        .unwrap();
}

/// An interactive bash session, created over the API and ready for input.
fn ready_bash(server: &Server, task: &str, dir: &std::path::Path) -> u64 {
    let (status, info) = server.call(
        "POST",
        "/api/v1/sessions/claude",
        Some(bash_body(task, dir)),
    );
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    server.wait_for_state(id, "ready");
    id
}

fn next_json(socket: &mut Socket) -> Value {
    loop {
        if let tungstenite::Message::Text(text) = socket.read().unwrap() {
            return serde_json::from_str(text.as_str()).unwrap();
        }
    }
}

#[test]
fn the_websocket_streams_a_session_and_takes_its_controls() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = ready_bash(&server, "ws", dir.path());
    let mut socket = open_ws(&server, id);
    let first = next_json(&mut socket);
    assert_eq!(first["type"], "screen");
    assert_eq!(first["data"]["cols"], 100);

    send(
        &mut socket,
        json!({"type": "resize", "cols": 90, "rows": 25}),
    );
    send(
        &mut socket,
        json!({"type": "command", "command": "echo from-ws; stty size"}),
    );
    let (mut saw_output, mut saw_state) = (false, false);
    let result = loop {
        let message = next_json(&mut socket);
        match message["type"].as_str().unwrap() {
            "output"
                if message["data"]["content"]
                    .as_str()
                    .unwrap()
                    .contains("from-ws") =>
            {
                saw_output = true
            }
            "state" if message["data"]["to"] == "busy" => saw_state = true,
            "command_result" => break message,
            _ => {}
        }
    };
    assert!(saw_output && saw_state);
    assert_eq!(result["data"]["output"], "from-ws\n25 90");
    send(&mut socket, json!({"type": "input", "data": "sleep 100\r"}));
    let busy = server.wait_for_state(id, "busy");
    let pid = busy["pid"].as_u64().unwrap() as u32;
    common::wait_for_process("sleep", || common::session_processes(pid));
    send(&mut socket, json!({"type": "interrupt"}));
    server.wait_for_state(id, "idle");
    send(&mut socket, json!({"type": "bogus"}));
    loop {
        let message = next_json(&mut socket);
        if message["type"] == "error" {
            break;
        }
    }
}

#[test]
fn websocket_keys_reach_the_session_in_the_order_they_were_sent() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = ready_bash(&server, "ordered", dir.path());
    let mut socket = open_ws(&server, id);
    let typed: String = ('a'..='z').cycle().take(60).collect();
    let keys = std::iter::once("echo ".to_string())
        .chain(typed.chars().map(String::from))
        .chain(["\r".to_string()]);
    for data in keys {
        send(&mut socket, json!({"type": "input", "data": data}));
    }
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        let lines = screen["lines"].as_array().unwrap();
        if lines
            .iter()
            .any(|line| line.as_str() == Some(typed.as_str()))
        {
            break;
        }
        assert!(Instant::now() < deadline, "keys out of order: {lines:#?}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_websocket_client_that_stops_reading_never_slows_the_session() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let script = "import os\nline = b'x' * 1023 + b'\\n'\nfor _ in range(50 * 1024):\n    os.write(1, line)\n";
    let body = json!({"task_id": "flood", "project_path": dir.path(), "profile": "generic",
                      "command": ["python3", "-c", format!("import time; time.sleep(1)\n{script}time.sleep(600)")]});
    let (_, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    let id = info["session_id"].as_u64().unwrap();
    let mut stalled = open_ws(&server, id);
    assert_eq!(next_json(&mut stalled)["type"], "screen");
    // The stalled client reads nothing while the session prints 50 MiB.
    let started = Instant::now();
    loop {
        let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
        if info["bytes_read"].as_u64().unwrap() >= 50 << 20 {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the session was held back: {info}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "50 MiB read in {:?} with a stalled WebSocket client",
        started.elapsed()
    );
    // Catching up, the client is given a fresh screen instead of everything it missed.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let message = next_json(&mut stalled);
        if message["type"] == "screen" {
            break;
        }
        assert!(Instant::now() < deadline, "no fresh snapshot");
    }
}

#[test]
fn terminal_sizes_are_capped_at_1000_columns_by_500_rows() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let sized = |task: &str, size: Value| {
        let mut body = bash_body(task, dir.path());
        body["terminal_size"] = size;
        server.call("POST", "/api/v1/sessions", Some(body))
    };
    for size in [json!([1001, 40]), json!([80, 501]), json!([4096, 4096])] {
        let (status, error) = sized("too-big", size.clone());
        let message = error["error"]["message"].as_str().unwrap_or_default();
        assert_eq!(status, 422, "{size} → {error}");
        assert!(
            message.contains("terminal_size")
                && message.contains("1000")
                && message.contains("500"),
            "{message}"
        );
    }
    let (status, info) = sized("largest", json!([1000, 500]));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();

    let resize = |cols: u32, rows: u32| {
        server.call(
            "POST",
            &format!("/api/v1/sessions/{id}/resize"),
            Some(json!({"cols": cols, "rows": rows})),
        )
    };
    let (status, error) = resize(1001, 500);
    assert_eq!(status, 422, "{error}");
    assert!(error["error"]["message"].as_str().unwrap().contains("cols"));
    assert_eq!(resize(999, 499).0, 200);

    let mut socket = open_ws(&server, id);
    send(
        &mut socket,
        json!({"type": "resize", "cols": 4096, "rows": 4096}),
    );
    let refusal = loop {
        let message = next_json(&mut socket);
        if message["type"] == "error" {
            break message;
        }
    };
    assert_eq!(refusal["data"]["code"], "invalid_value", "{refusal}");
    assert!(
        refusal["data"]["message"]
            .as_str()
            .unwrap()
            .contains("cols")
    );
    let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(info["terminal_size"], json!({"cols": 999, "rows": 499}));

    let (_, doc) = server.call("GET", "/api/v1/openapi.json", None);
    let schemas = &doc["components"]["schemas"];
    let bounds = |schema: &Value| (schema["minimum"].clone(), schema["maximum"].clone());
    // Create takes `[cols, rows]` or `{"cols", "rows"}`; both are bounded.
    let shapes = &schemas["CreateSession"]["properties"]["terminal_size"]["anyOf"];
    let (pair, named) = (&shapes[0]["prefixItems"], &shapes[1]["properties"]);
    let resize = &schemas["Resize"]["properties"];
    for (cols, rows) in [
        (&pair[0], &pair[1]),
        (&named["cols"], &named["rows"]),
        (&resize["cols"], &resize["rows"]),
    ] {
        assert_eq!(bounds(cols), (json!(2), json!(1000)));
        assert_eq!(bounds(rows), (json!(2), json!(500)));
    }
}

#[test]
fn argv_environment_and_token_that_exec_cannot_take_are_refused_with_422() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let big = |n: usize| "x".repeat(n);
    let vars = |n: usize, len: usize| -> Value {
        (0..n)
            .map(|i| (format!("V{i}"), json!(big(len))))
            .collect::<serde_json::Map<_, _>>()
            .into()
    };
    let mut too_many = vec![json!("true")];
    too_many.extend((0..1024).map(|_| json!("")));
    let cases = [
        (json!({"command": ["bash", "a\u{0}b"]}), "command", "NUL"),
        (
            json!({"command": ["echo", big(900 * 1024)]}),
            "command",
            "64 KiB",
        ),
        (
            json!({"command": ["echo", big(60_000), big(60_000), big(60_000), big(60_000), big(60_000)]}),
            "command",
            "256 KiB",
        ),
        (json!({"command": too_many}), "command", "1024"),
        (
            json!({"environment": {"A\u{0}": "x"}}),
            "environment",
            "NUL",
        ),
        (
            json!({"environment": {"A": "x\u{0}"}}),
            "environment",
            "NUL",
        ),
        (json!({"environment": {"A=B": "x"}}), "environment", "="),
        (json!({"environment": {"": "x"}}), "environment", "name"),
        (
            json!({"environment": vars(1, 70_000)}),
            "environment",
            "64 KiB",
        ),
        (
            json!({"environment": vars(5, 60_000)}),
            "environment",
            "256 KiB",
        ),
        (json!({"auth_token": "sk-secret\u{0}"}), "auth_token", "NUL"),
        (json!({"auth_token": big(70_000)}), "auth_token", "64 KiB"),
    ];
    for (fields, field, says) in cases {
        let mut body =
            json!({"task_id": "exec-input", "project_path": dir.path(), "command": ["true"]});
        body.as_object_mut()
            .unwrap()
            .extend(fields.as_object().unwrap().clone());
        let (status, error) = server.call("POST", "/api/v1/sessions", Some(body));
        let message = error["error"]["message"].as_str().unwrap_or_default();
        let shown: String = message.chars().take(200).collect();
        assert_eq!(status, 422, "{field} ({says}): {shown}");
        assert!(message.starts_with(&format!("{field}: ")), "{shown}");
        assert!(message.contains(says), "{shown}");
        assert!(
            !message.contains("sk-secret") && message.len() < 300,
            "values are not echoed: {shown}"
        );
    }
    assert_eq!(
        server.call("GET", "/api/v1/sessions", None).1["sessions"],
        json!([])
    );

    let at_limit = json!({"task_id": "at-limit", "project_path": dir.path(), "profile": "generic",
        "command": ["python3", "-c", "import sys, time; print(len(sys.argv[1])); time.sleep(60)", big(64 * 1024)]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(at_limit));
    assert_eq!(status, 201, "{}", info["error"]);
    let id = info["session_id"].as_u64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
        if screen["lines"][0] == "65536" {
            break;
        }
        assert!(Instant::now() < deadline, "{screen}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Reads a socket up to its close frame: the JSON messages before it, and the frame.
fn read_to_close(socket: &mut Socket) -> (Vec<Value>, tungstenite::protocol::CloseFrame) {
    let mut messages = Vec::new();
    loop {
        match socket.read() {
            Ok(tungstenite::Message::Text(text)) => {
                messages.push(serde_json::from_str(text.as_str()).unwrap())
            }
            Ok(tungstenite::Message::Close(Some(frame))) => return (messages, frame),
            Ok(tungstenite::Message::Close(None)) => panic!("closed without a reason"),
            Ok(_) => {}
            Err(e) => panic!("no close frame ({e}) after {messages:#?}"),
        }
    }
}

#[test]
fn a_websocket_closes_with_a_reason_when_its_session_ends() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = ready_bash(&server, "ends", dir.path());
    let mut socket = open_ws(&server, id);
    assert_eq!(next_json(&mut socket)["type"], "screen");
    send(&mut socket, json!({"type": "input", "data": "exit\r"}));
    let (messages, frame) = read_to_close(&mut socket);
    assert_eq!(
        frame.code,
        tungstenite::protocol::frame::coding::CloseCode::Normal
    );
    assert_eq!(frame.reason.as_str(), "session ended");
    let last = messages.last().unwrap();
    assert_eq!(
        (&last["type"], &last["data"]["to"]),
        (&json!("state"), &json!("terminated")),
        "{last}"
    );

    // A socket opened on an ended session gets its last screen, then the same close.
    let mut late = open_ws(&server, id);
    let (messages, frame) = read_to_close(&mut late);
    assert_eq!(messages.len(), 1, "{messages:#?}");
    assert_eq!(
        (&messages[0]["type"], &messages[0]["data"]["state"]),
        (&json!("screen"), &json!("terminated"))
    );
    assert_eq!(frame.reason.as_str(), "session ended");
}

/// A session whose program (raw mode) never reads its input, started and printing.
fn start_non_reader(server: &Server, task: &str, dir: &std::path::Path) -> u64 {
    start_raw(
        server,
        task,
        dir,
        "echo not-reading; exec sleep 600",
        "not-reading",
    )
}

/// A session running `script` in raw mode (no echo, no line editing), once it printed `ready`.
fn start_raw(server: &Server, task: &str, dir: &std::path::Path, script: &str, ready: &str) -> u64 {
    let script = format!("stty raw -echo; {script}");
    let body = json!({"task_id": task, "project_path": dir, "command": ["sh", "-c", script]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    let id = info["session_id"].as_u64().unwrap();
    wait_for_screen(server, id, ready);
    id
}

#[test]
fn input_larger_than_the_terminal_takes_at_once_reaches_a_program_that_reads_it_whole() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let script = "echo counting; head -c 1000000 | wc -c; exec sleep 600";
    let id = start_raw(&server, "counter", dir.path(), script, "counting");

    // The terminal takes a few KiB at once; the rest waits for the program to read it.
    let megabyte = json!({"data": "x".repeat(1_000_000)});
    let (status, body) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/input"),
        Some(megabyte),
    );
    assert_eq!(status, 200, "{body}");
    wait_for_screen(&server, id, "1000000");

    let (status, _) = server.call("DELETE", &format!("/api/v1/sessions/{id}?force=true"), None);
    assert_eq!(status, 200);
}

#[test]
fn input_to_a_program_that_never_reads_is_refused_with_429_once_a_mebibyte_waits() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = start_non_reader(&server, "deaf", dir.path());

    let before = server.rss_kib();
    let megabyte = json!({"data": "x".repeat(1_000_000)});
    let mut statuses = Vec::new();
    let mut refusal = Value::Null;
    for _ in 0..64 {
        let (status, body) = server.call(
            "POST",
            &format!("/api/v1/sessions/{id}/input"),
            Some(megabyte.clone()),
        );
        if status == 429 {
            refusal = body;
        }
        statuses.push(status);
    }
    let grown_mib = server.rss_kib().saturating_sub(before) / 1024;
    println!("64 × 1 MB of input: statuses {statuses:?}, server RSS grew {grown_mib} MiB");
    assert_eq!(statuses[0], 200);
    assert!(statuses[2..].iter().all(|&s| s == 429), "{statuses:?}");
    assert_eq!(refusal["error"]["code"], "input_queue_full", "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap();
    assert!(message.contains("not reading its input"), "{message}");
    assert!(grown_mib < 32, "server RSS grew {grown_mib} MiB");

    let (status, _) = server.call("DELETE", &format!("/api/v1/sessions/{id}?force=true"), None);
    assert_eq!(status, 200);
}

#[test]
fn websocket_input_to_a_program_that_never_reads_is_refused_once_a_mebibyte_waits() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = start_non_reader(&server, "deaf-ws", dir.path());
    let mut socket = open_ws(&server, id);
    let megabyte = "x".repeat(1_000_000);
    for _ in 0..2 {
        send(&mut socket, json!({"type": "input", "data": megabyte}));
    }
    let refusal = loop {
        let message = next_json(&mut socket);
        if message["type"] == "error" {
            break message;
        }
    };
    assert_eq!(refusal["data"]["code"], "input_queue_full", "{refusal}");
}

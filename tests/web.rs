//! The web view through a real `ccmux serve`: its login rules with plain HTTP and WebSocket
//! clients, and the page itself in a real Chromium (Playwright, `tests/web/browser_test.py`).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use common::fixture;
use common::server::{Server, TOKEN, ccmux, start_server};
use serde_json::{Value, json};
use tungstenite::client::IntoClientRequest;

type Socket = tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<std::net::TcpStream>>;

/// `ccmux web` (or `ccmux web ARGS`) against the test server, as a user runs it: it finds the
/// server through the info file the server wrote.
fn ccmux_web(server: &Server, args: &[&str]) -> std::process::Output {
    ccmux(server.home.path())
        .env("CCMUX_API_TOKEN", TOKEN)
        .arg("web")
        .args(args)
        .output()
        .unwrap()
}

/// A fresh login URL from `ccmux web`.
fn login_url(server: &Server) -> String {
    let out = ccmux_web(server, &[]);
    assert!(out.status.success(), "{out:?}");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn code_of(url: &str) -> &str {
    url.split_once("/login#").unwrap().1
}

fn own_origin(server: &Server) -> String {
    format!("http://{}", server.addr)
}

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent()
}

/// `POST /web/login`; the status and the cookie set, if any.
fn log_in(server: &Server, code: &str, origin: Option<&str>) -> (u16, Option<String>) {
    let mut request = agent().post(&server.url("/web/login"));
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    let response = request.send_json(json!({ "code": code })).unwrap();
    let cookie = response
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().to_string());
    (response.status().as_u16(), cookie)
}

/// A logged-in browser's cookie, as `name=value`.
fn browser_cookie(server: &Server) -> String {
    let url = login_url(server);
    let (status, cookie) = log_in(server, code_of(&url), Some(&own_origin(server)));
    assert_eq!(status, 200);
    cookie.unwrap().split(';').next().unwrap().to_string()
}

fn page_socket(server: &Server, headers: &[(&'static str, &str)]) -> Result<Socket, u16> {
    socket_at(server, "/ws/web", headers)
}

fn socket_at(server: &Server, path: &str, headers: &[(&'static str, &str)]) -> Result<Socket, u16> {
    let mut request = format!("ws://{}{path}", server.addr)
        .into_client_request()
        .unwrap();
    for (k, v) in headers {
        request
            .headers_mut()
            .insert(*k, tungstenite::http::HeaderValue::from_str(v).unwrap());
    }
    match tungstenite::connect(request) {
        Ok((socket, _)) => {
            if let tungstenite::stream::MaybeTlsStream::Plain(stream) = socket.get_ref() {
                stream
                    .set_read_timeout(Some(Duration::from_secs(30)))
                    .unwrap();
            }
            Ok(socket)
        }
        Err(tungstenite::Error::Http(response)) => Err(response.status().as_u16()),
        Err(e) => panic!("the handshake failed without an HTTP answer: {e}"),
    }
}

fn send(socket: &mut Socket, message: Value) {
    socket
        .send(tungstenite::Message::text(message.to_string()))
        .unwrap();
}

fn next_json(socket: &mut Socket) -> Value {
    loop {
        match socket.read().unwrap() {
            tungstenite::Message::Text(text) => {
                return serde_json::from_str(text.as_str()).unwrap();
            }
            tungstenite::Message::Close(frame) => panic!("closed: {frame:?}"),
            _ => {}
        }
    }
}

fn bash_session(server: &Server, task: &str, dir: &Path) -> u64 {
    let body = json!({"task_id": task, "project_path": dir,
                      "command": ["bash", "--norc", "--noprofile", "-i"],
                      "environment": {"PS1": "ccmux-test$ "}, "terminal_size": [100, 30]});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(body));
    assert_eq!(status, 201, "{info}");
    info["session_id"].as_u64().unwrap()
}

#[test]
fn ccmux_web_prints_a_login_link_that_works_once() {
    let server = start_server();
    let url = login_url(&server);
    assert!(
        url.starts_with(&format!("http://{}/login#", server.addr)),
        "{url}"
    );
    assert!(
        !url.contains('?'),
        "the code travels in the fragment: {url}"
    );
    let code = code_of(&url);
    let (status, cookie) = log_in(&server, code, Some(&own_origin(&server)));
    assert_eq!(status, 200);
    let cookie = cookie.unwrap();
    for attribute in ["HttpOnly", "SameSite=Strict", "Path=/"] {
        assert!(cookie.contains(attribute), "{cookie}");
    }
    assert!(!cookie.contains(code), "the cookie is not the code");
    let (again, none) = log_in(&server, code, Some(&own_origin(&server)));
    assert_eq!((again, none), (401, None), "a code works once");
}

#[test]
fn ccmux_web_open_hands_the_link_to_xdg_open() {
    let server = start_server();
    let bin = tempfile::tempdir().unwrap();
    let opened = bin.path().join("opened");
    let fake = bin.path().join("xdg-open");
    std::fs::write(
        &fake,
        format!("#!/bin/sh\nprintf '%s' \"$1\" > '{}'\n", opened.display()),
    )
    .unwrap();
    std::fs::set_permissions(&fake, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let path = format!(
        "{}:{}",
        bin.path().display(),
        std::env::var("PATH").unwrap()
    );
    let out = ccmux(server.home.path())
        .env("CCMUX_API_TOKEN", TOKEN)
        .env("PATH", path)
        .args(["web", "--open"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let printed = String::from_utf8(out.stdout).unwrap();
    assert_eq!(std::fs::read_to_string(&opened).unwrap(), printed.trim());
    let (status, _) = log_in(&server, code_of(printed.trim()), Some(&own_origin(&server)));
    assert_eq!(status, 200, "the opened link logs in");
}

#[test]
fn a_login_code_expires_after_sixty_seconds() {
    let server = start_server();
    let url = login_url(&server);
    std::thread::sleep(Duration::from_secs(61));
    let (status, _) = log_in(&server, code_of(&url), Some(&own_origin(&server)));
    assert_eq!(status, 401);
}

#[test]
fn only_the_servers_own_page_may_log_in() {
    let server = start_server();
    let url = login_url(&server);
    let code = code_of(&url);
    assert_eq!(log_in(&server, code, None).0, 403, "no Origin");
    let other = format!("http://127.0.0.1:{}", 1);
    assert_eq!(log_in(&server, code, Some(&other)).0, 403, "another port");
    assert_eq!(
        log_in(&server, code, Some(&own_origin(&server))).0,
        200,
        "the refused attempts did not spend the code"
    );
}

#[test]
fn a_browser_cookie_counts_only_from_the_servers_own_origin() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = bash_session(&server, "web-cookie", dir.path());
    server.wait_for_state(id, "ready");
    let cookie = browser_cookie(&server);
    let own = own_origin(&server);
    let other = "http://127.0.0.1:1";
    let interrupt = format!("/api/v1/sessions/{id}/interrupt");
    let as_browser = |method: &str, path: &str, origin: Option<&str>| {
        let mut headers = vec![("cookie", cookie.as_str())];
        headers.extend(origin.map(|o| ("origin", o)));
        server.call_as(method, path, None, &headers).0
    };
    assert_eq!(as_browser("GET", "/api/v1/sessions", None), 200, "a read");
    assert_eq!(
        as_browser("POST", &interrupt, None),
        403,
        "a change, no Origin"
    );
    assert_eq!(as_browser("POST", &interrupt, Some(other)), 403);
    assert_eq!(as_browser("POST", &interrupt, Some(&own)), 200);
    assert_eq!(
        as_browser("POST", "/api/v1/web/login-codes", Some(&own)),
        401,
        "a browser session cannot mint login codes"
    );
    let same_site = [("cookie", cookie.as_str()), ("sec-fetch-site", "same-site")];
    assert_eq!(
        server
            .call_as("GET", "/api/v1/sessions", None, &same_site)
            .0,
        403,
        "a read from another page of the same site"
    );

    assert_eq!(
        page_socket(&server, &[("cookie", &cookie)]).err(),
        Some(403),
        "the page's WebSocket with the cookie but no Origin"
    );
    assert_eq!(
        page_socket(&server, &[("cookie", &cookie), ("origin", other)]).err(),
        Some(403)
    );
    assert_eq!(page_socket(&server, &[("origin", &own)]).err(), Some(401));
    let mut socket = page_socket(&server, &[("cookie", &cookie), ("origin", &own)]).unwrap();
    let first = next_json(&mut socket);
    assert_eq!(first["type"], "frame");
    assert_eq!(first["sessions"][0]["task_id"], "web-cookie");
}

#[test]
fn a_token_never_travels_in_a_url() {
    let server = start_server();
    for path in [
        format!("/api/v1/sessions?token={TOKEN}"),
        format!("/?access_token={TOKEN}"),
    ] {
        let (status, body) = server.call_as("GET", &path, None, &[]);
        assert_eq!(status, 400, "{path}: {body}");
        assert_eq!(body["error"]["code"], "token_in_url");
    }
    let (status, _) = server.call("GET", "/api/v1/sessions?token=x", None);
    assert_eq!(status, 400, "refused even beside a good header");
    let mut request = format!("ws://{}/ws/web?token={TOKEN}", server.addr)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", own_origin(&server).parse().unwrap());
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 400),
        other => panic!(
            "a token in the URL opened a socket: {:?}",
            other.map(|_| ())
        ),
    }
}

#[test]
fn a_program_may_pass_the_token_as_a_websocket_protocol() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = bash_session(&server, "web-protocol", dir.path());
    let protocols = format!("ccmux, ccmux.token.{TOKEN}");
    for path in ["/ws/web".to_string(), format!("/ws/sessions/{id}")] {
        let mut request = format!("ws://{}{path}", server.addr)
            .into_client_request()
            .unwrap();
        request
            .headers_mut()
            .insert("sec-websocket-protocol", protocols.parse().unwrap());
        let (_, response) = tungstenite::connect(request).unwrap();
        assert_eq!(
            response.headers()["sec-websocket-protocol"],
            "ccmux",
            "{path}: the token is not echoed back"
        );
    }
    let mut request = format!("ws://{}/ws/web", server.addr)
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "sec-websocket-protocol",
        "ccmux, ccmux.token.wrong".parse().unwrap(),
    );
    match tungstenite::connect(request) {
        Err(tungstenite::Error::Http(response)) => assert_eq!(response.status(), 401),
        other => panic!("a wrong token was let in: {:?}", other.map(|_| ())),
    }
}

#[test]
fn the_page_socket_draws_screens_sizes_sessions_and_takes_typed_keys() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = bash_session(&server, "web-keys", dir.path());
    server.wait_for_state(id, "ready");
    let auth = format!("ccmux, ccmux.token.{TOKEN}");
    let mut socket = page_socket(&server, &[("sec-websocket-protocol", &auth)]).unwrap();
    send(
        &mut socket,
        json!({"type": "view", "sessions": [{"id": id, "cols": 90, "rows": 20}]}),
    );
    for c in "echo hi-$((6*7))".chars() {
        send(
            &mut socket,
            json!({"type": "key", "session": id, "key": {"key": c.to_string(), "text": c.to_string()}}),
        );
    }
    send(
        &mut socket,
        json!({"type": "key", "session": id, "key": {"key": "Enter"}}),
    );
    let mut rows: Vec<String> = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut frame_seen = 0;
    while !rows.iter().any(|r| r.trim() == "hi-42") {
        assert!(Instant::now() < deadline, "no hi-42 in {rows:#?}");
        let message = next_json(&mut socket);
        if message["type"] != "frame" {
            continue;
        }
        frame_seen = message["frame"].as_u64().unwrap();
        send(&mut socket, json!({"type": "ack", "frame": frame_seen}));
        for screen in message["screens"].as_array().unwrap() {
            if screen["full"] == true {
                assert_eq!(
                    (screen["cols"].as_u64(), screen["rows"].as_u64()),
                    (Some(90), Some(20))
                );
                rows = vec![String::new(); 20];
            }
            for change in screen["changed"].as_array().unwrap() {
                let index = change[0].as_u64().unwrap() as usize;
                rows[index] = change[1]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|run| run["t"].as_str().unwrap())
                    .collect();
            }
        }
    }
    assert!(frame_seen > 0);
    let (_, info) = server.call("GET", &format!("/api/v1/sessions/{id}"), None);
    assert_eq!(
        info["terminal_size"],
        json!({"cols": 90, "rows": 20}),
        "the page showed it first, so the page's size is the session's"
    );
    send(
        &mut socket,
        json!({"type": "key", "session": id, "key": {"key": "NoSuchKey"}}),
    );
    let error = loop {
        let message = next_json(&mut socket);
        if message["type"] == "error" {
            break message;
        }
    };
    assert_eq!(error["code"], "invalid_value", "{error}");
}

#[test]
fn revoking_ends_every_browser_session_and_closes_its_pages() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = bash_session(&server, "revoked", dir.path());
    let cookie = browser_cookie(&server);
    let own = own_origin(&server);
    let browser = [("cookie", cookie.as_str()), ("origin", own.as_str())];
    let mut page = page_socket(&server, &browser).unwrap();
    next_json(&mut page);
    let session_path = format!("/ws/sessions/{id}");
    let mut session = socket_at(&server, &session_path, &browser).unwrap();
    next_json(&mut session);
    let out = ccmux_web(&server, &["--revoke"]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("ended 1 browser session"));
    for socket in [&mut page, &mut session] {
        let close = loop {
            match socket.read() {
                Ok(tungstenite::Message::Close(frame)) => break frame.unwrap(),
                Ok(_) => continue,
                Err(e) => panic!("no close frame: {e}"),
            }
        };
        assert_eq!(u16::from(close.code), 4001);
        assert!(close.reason.contains("logged out"), "{close:?}");
    }
    let headers = [("cookie", cookie.as_str())];
    assert_eq!(
        server.call_as("GET", "/api/v1/sessions", None, &headers).0,
        401
    );
}

#[test]
fn the_page_is_served_from_the_binary_and_the_login_routes_are_documented() {
    let server = start_server();
    let page = agent().get(&server.url("/")).call().unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(page.headers()["x-frame-options"], "DENY");
    let html = page.into_body().read_to_string().unwrap();
    assert!(html.contains("/assets/app.js"), "{html}");
    for file in ["/assets/app.js", "/assets/style.css", "/login"] {
        assert_eq!(
            agent().get(&server.url(file)).call().unwrap().status(),
            200,
            "{file}"
        );
    }
    assert_eq!(
        agent()
            .get(&server.url("/assets/nope.js"))
            .call()
            .unwrap()
            .status(),
        404
    );
    let (_, doc) = server.call("GET", "/api/v1/openapi.json", None);
    assert!(doc["paths"]["/api/v1/web/login-codes"]["post"]["operationId"].is_string());
    assert!(doc["paths"]["/api/v1/web/revoke"]["post"]["operationId"].is_string());
}

// ----- the page in a real browser -------------------------------------------------------------

/// Whether Playwright and Chromium are installed. Under CI a missing one fails the run;
/// elsewhere the browser test is skipped, loudly.
fn browser_available() -> bool {
    let chromium = Path::new("/usr/bin/chromium").exists();
    let playwright = Command::new("python3")
        .args(["-c", "import playwright.sync_api"])
        .status()
        .is_ok_and(|s| s.success());
    if chromium && playwright {
        return true;
    }
    let missing = format!(
        "the browser test needs /usr/bin/chromium ({}) and the playwright python package ({}): \
         `apt-get install chromium` and `pip install playwright` (.ci/run does both)",
        if chromium { "found" } else { "MISSING" },
        if playwright { "found" } else { "MISSING" },
    );
    assert!(std::env::var("CI").as_deref() != Ok("true"), "{missing}");
    eprintln!("\n!!!!!!!! SKIPPED: {missing} !!!!!!!!\n");
    false
}

/// Where a test run keeps what it leaves for people to look at (screenshots).
fn artifacts_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("test-artifacts");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn the_web_view_works_in_a_real_chromium() {
    if !browser_available() {
        return;
    }
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let bash = bash_session(&server, "web-bash", dir.path());
    let claude = json!({"task_id": "web-claude", "project_path": dir.path(), "profile": "claude",
                        "command": ["python3", fixture("fake_claude.py")], "auth_token": "sk-test"});
    let (status, info) = server.call("POST", "/api/v1/sessions", Some(claude));
    assert_eq!(status, 201, "{info}");
    let claude = info["session_id"].as_u64().unwrap();
    server.wait_for_state(bash, "ready");
    server.wait_for_state(claude, "ready");
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/web/browser_test.py");
    let out = Command::new("python3")
        .arg(&script)
        .args(["--base", &own_origin(&server)])
        .args(["--login", &login_url(&server)])
        .args(["--artifacts", artifacts_dir().to_str().unwrap()])
        .args(["--workdir", dir.path().to_str().unwrap()])
        .env("CCMUX_TEST_TOKEN", TOKEN)
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    println!("{said}");
    assert!(
        out.status.success(),
        "the browser test failed:\n{said}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

//! Recordings through a real `ccmux serve`: asciicast v2 files that replay to the screen the
//! live session had, bounded per session and in total, fetched over the API and `ctl record`,
//! and the last screen of a session restored after a restart.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::{Duration, Instant};

use common::fixture;
use common::server::{Server, TOKEN, serve, start_server, start_server_with_config};
use serde_json::{Value, json};

fn wait_until(what: impl Fn() -> bool, why: &str) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !what() {
        assert!(Instant::now() < deadline, "{why}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn create(server: &Server, body: Value) -> u64 {
    let (status, info) = server.call("POST", "/api/v1/sessions/claude", Some(body));
    assert_eq!(status, 201, "{info}");
    info["session_id"].as_u64().unwrap()
}

fn claude_body(task: &str, dir: &Path) -> Value {
    json!({"task_id": task, "project_path": dir, "command": ["python3", fixture("fake_claude.py")],
           "profile": "claude", "auth_token": "sk-test-key", "terminal_size": [100, 30]})
}

/// A GET's status, content type and body as text.
fn get_raw(server: &Server, path: &str) -> (u16, String, String) {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut response = agent
        .get(server.url(path))
        .header("authorization", &format!("Bearer {TOKEN}"))
        .call()
        .unwrap();
    let kind = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    let body = response
        .body_mut()
        .with_config()
        .limit(256 << 20)
        .read_to_string()
        .unwrap();
    (response.status().as_u16(), kind, body)
}

/// An asciicast v2 file checked line by line against the spec: its header and its events as
/// `(time, code, data)`.
fn parse_cast(text: &str) -> (Value, Vec<(f64, String, String)>) {
    let mut lines = text.lines();
    let header: Value = serde_json::from_str(lines.next().expect("a header line")).unwrap();
    assert_eq!(header["version"], 2, "{header}");
    assert!(header["width"].as_u64().unwrap() > 0 && header["height"].as_u64().unwrap() > 0);
    let mut events = Vec::new();
    let mut last = 0.0;
    for line in lines {
        let event: (f64, String, String) =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(event.0 >= last, "time goes back at {line}");
        assert!(["o", "i", "r", "m"].contains(&event.1.as_str()), "{line}");
        last = event.0;
        events.push(event);
    }
    (header, events)
}

/// What a player shows at the end: the `o` events fed to a fresh vt100 at the header's size,
/// resized at each `r` event.
fn replayed_screen(header: &Value, events: &[(f64, String, String)]) -> Vec<String> {
    let size = |w: &Value, h: &Value| (h.as_u64().unwrap() as u16, w.as_u64().unwrap() as u16);
    let (rows, cols) = size(&header["width"], &header["height"]);
    let mut parser = vt100::Parser::new(rows.try_into().unwrap(), cols.try_into().unwrap(), 0);
    for (_, code, data) in events {
        match code.as_str() {
            "o" => parser.process(data.as_bytes()),
            "r" => {
                let (c, r) = data.split_once('x').unwrap();
                let (c, r): (u16, u16) = (c.parse().unwrap(), r.parse().unwrap());
                parser
                    .screen_mut()
                    .set_size(r.try_into().unwrap(), c.try_into().unwrap());
            }
            _ => {}
        }
    }
    let (_, cols) = parser.screen().size();
    parser
        .screen()
        .rows(0, cols.get())
        .map(|r| r.trim_end().to_string())
        .collect()
}

fn screen_lines(server: &Server, id: u64) -> Vec<String> {
    let (_, screen) = server.call("GET", &format!("/api/v1/sessions/{id}/screen"), None);
    serde_json::from_value(screen["lines"].clone()).unwrap()
}

fn recordings_dir(server: &Server) -> PathBuf {
    server.home.path().join("data/ccmux/recordings")
}

fn cast_files(dir: &Path) -> Vec<(PathBuf, u64)> {
    let mut files: Vec<(PathBuf, u64)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().extension().is_some_and(|x| x == "cast"))
        .map(|e| (e.path(), e.metadata().unwrap().len()))
        .collect();
    files.sort();
    files
}

#[test]
fn a_recording_is_asciicast_v2_and_replays_to_the_screen_the_live_session_had() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = create(&server, claude_body("rec", dir.path()));
    server.wait_for_state(id, "ready");
    let say = |text: &str| {
        let (status, result) = server.call(
            "POST",
            &format!("/api/v1/sessions/{id}/commands"),
            Some(json!({"command": text, "timeout": 20})),
        );
        assert_eq!(status, 200, "{result}");
        assert_eq!(result["state"], "idle", "{result}");
    };
    say("say recorded words");
    let (status, _) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/resize"),
        Some(json!({"cols": 90, "rows": 28})),
    );
    assert_eq!(status, 200);
    say("say after the resize");
    // The Stop hook ends the command before the fixture draws the turn's last frame.
    wait_until(
        || {
            screen_lines(&server, id)
                .iter()
                .any(|l| l == "● after the resize")
        },
        "the reply on screen",
    );

    let live = screen_lines(&server, id);
    let (status, kind, body) = get_raw(&server, &format!("/api/v1/sessions/{id}/recording"));
    assert_eq!(status, 200, "{body}");
    assert_eq!(kind, "application/x-asciicast");
    assert_eq!(
        screen_lines(&server, id),
        live,
        "the screen stood still meanwhile"
    );

    let (header, events) = parse_cast(&body);
    assert_eq!(
        (header["width"].clone(), header["height"].clone()),
        (json!(100), json!(30))
    );
    assert!(
        header["timestamp"].as_i64().unwrap() > 1_600_000_000,
        "{header}"
    );
    assert!(
        !header["env"]["TERM"].as_str().unwrap().is_empty(),
        "{header}"
    );
    assert!(
        events.iter().any(|(_, c, d)| c == "r" && d == "90x28"),
        "a resize event"
    );
    assert!(
        events.iter().all(|(_, c, _)| c != "i"),
        "keys are not recorded by default"
    );
    assert_eq!(replayed_screen(&header, &events), live);
    assert!(
        live.iter().any(|l| l.contains("after the resize")),
        "{live:#?}"
    );

    let files = cast_files(&recordings_dir(&server));
    assert_eq!(files.len(), 1, "{files:?}");
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0].0), 0o600);
    assert_eq!(mode(&recordings_dir(&server)), 0o700);
}

#[test]
fn keys_are_recorded_only_when_record_input_is_on() {
    let server = start_server_with_config("[recording]\nrecord_input = true\n");
    let dir = tempfile::tempdir().unwrap();
    let id = create(
        &server,
        json!({"task_id": "keys", "project_path": dir.path(), "command": ["bash", "--norc", "--noprofile", "-i"],
               "environment": {"PS1": "rec$ "}}),
    );
    server.wait_for_state(id, "ready");
    let (status, result) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": "echo typed-here", "timeout": 20})),
    );
    assert_eq!(status, 200, "{result}");
    let (_, _, body) = get_raw(&server, &format!("/api/v1/sessions/{id}/recording"));
    let (_, events) = parse_cast(&body);
    let typed: String = events
        .iter()
        .filter(|(_, c, _)| c == "i")
        .map(|(_, _, d)| d.as_str())
        .collect();
    assert!(typed.contains("echo typed-here\r"), "{typed:?}");
}

#[test]
fn files_rotate_at_max_file_bytes_and_the_oldest_are_pruned_past_max_total_bytes() {
    let (file_bytes, total_bytes) = (4096, 20_000);
    let server = start_server_with_config(&format!(
        "[recording]\nmax_file_bytes = {file_bytes}\nmax_total_bytes = {total_bytes}\n"
    ));
    let dir = tempfile::tempdir().unwrap();
    let script = "import sys\nfor i in range(3000): sys.stdout.write('line %05d %s\\n' % (i, 'x' * 40))\nsys.stdout.flush()";
    let id = create(
        &server,
        json!({"task_id": "flood", "project_path": dir.path(), "command": ["python3", "-c", script],
               "profile": "generic"}),
    );
    server.wait_for_state(id, "terminated");
    let (status, _, last) = get_raw(&server, &format!("/api/v1/sessions/{id}/recording"));
    assert_eq!(status, 200);
    let (_, events) = parse_cast(&last);
    let text: String = events.iter().map(|(_, _, d)| d.as_str()).collect();
    assert!(
        text.contains("line 02999"),
        "the current file ends the output"
    );

    let files = cast_files(&recordings_dir(&server));
    assert!(files.len() >= 2, "{files:?}");
    for (path, len) in &files {
        assert!(*len <= file_bytes, "{} has {len} bytes", path.display());
        parse_cast(&std::fs::read_to_string(path).unwrap());
    }
    let total: u64 = files.iter().map(|(_, len)| len).sum();
    assert!(
        total <= total_bytes,
        "{total} bytes in {} files",
        files.len()
    );
    // 3000 lines of ~55 bytes is ~200 KB: most parts are gone, the first among them.
    let first = files.iter().any(|(p, _)| {
        let name = p.file_name().unwrap().to_string_lossy();
        name.ends_with("-s1.cast")
    });
    assert!(!first, "the oldest part was pruned: {files:?}");
}

#[test]
fn ctl_record_writes_the_current_recording_to_stdout() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let id = create(&server, claude_body("ctl-rec", dir.path()));
    server.wait_for_state(id, "ready");
    let out = common::server::ccmux(server.home.path())
        .args(["--listen", &server.addr, "--token", TOKEN, "ctl", "record"])
        .arg(id.to_string())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    let (header, events) = parse_cast(&text);
    assert_eq!(header["width"], 100);
    assert!(
        replayed_screen(&header, &events)
            .join("\n")
            .contains("Claude Code")
    );

    let out = common::server::ccmux(server.home.path())
        .args([
            "--listen",
            &server.addr,
            "--token",
            TOKEN,
            "ctl",
            "record",
            "999",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no session with id 999"));
}

#[test]
fn recordings_can_be_turned_off() {
    let server = start_server_with_config("[recording]\nenabled = false\n");
    let dir = tempfile::tempdir().unwrap();
    let id = create(&server, claude_body("off", dir.path()));
    server.wait_for_state(id, "ready");
    let (status, _, body) = get_raw(&server, &format!("/api/v1/sessions/{id}/recording"));
    assert_eq!(status, 404, "{body}");
    assert!(body.contains("enabled = false"), "{body}");
    assert!(!recordings_dir(&server).exists());
}

#[test]
fn a_restored_session_first_shows_the_last_screen_of_its_recording() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let config_dir = home.path().join("config/ccmux");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(config_dir.join("config.toml"), "").unwrap();
    let project = tempfile::tempdir().unwrap();
    // Prints something else once it has run before: what shows of the first run after a
    // restart can only come from the recording.
    let script = "import os, time\n\
                  first = not os.path.exists('ran')\n\
                  open('ran', 'w').close()\n\
                  print('first run was here' if first else 'second run now', flush=True)\n\
                  time.sleep(600)";
    let body = json!({"task_id": "comeback", "project_path": project.path(),
                      "command": ["python3", "-c", script], "profile": "generic"});
    let first = serve(home.clone(), home.path(), &["--token", TOKEN]);
    let id = create(&first, body);
    wait_until(
        || {
            screen_lines(&first, id)
                .iter()
                .any(|l| l == "first run was here")
        },
        "the first run prints",
    );
    let state_file = home.path().join("data/ccmux/state.json");
    wait_until(
        || std::fs::read_to_string(&state_file).is_ok_and(|s| s.contains("recordings/")),
        "the state file names the recording",
    );
    drop(first);

    let second = serve(home.clone(), home.path(), &["--token", TOKEN]);
    let (_, list) = second.call("GET", "/api/v1/sessions", None);
    let id = list["sessions"][0]["session_id"]
        .as_u64()
        .expect("restored");
    wait_until(
        || {
            screen_lines(&second, id)
                .iter()
                .any(|l| l == "second run now")
        },
        "the second run prints",
    );
    let lines = screen_lines(&second, id);
    let before = lines.iter().position(|l| l == "first run was here");
    let after = lines.iter().position(|l| l == "second run now");
    assert!(
        before.is_some() && before < after,
        "the old screen, then the new output: {lines:#?}"
    );
    let (_, _, body) = get_raw(&second, &format!("/api/v1/sessions/{id}/recording"));
    let (header, events) = parse_cast(&body);
    assert_eq!(
        replayed_screen(&header, &events),
        lines,
        "the new recording starts from the restored screen"
    );
}

#[test]
fn the_files_of_ended_sessions_are_closed() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let open_casts = || {
        std::fs::read_dir(format!("/proc/{}/fd", server.child.id()))
            .unwrap()
            .filter_map(|fd| std::fs::read_link(fd.ok()?.path()).ok())
            .filter(|target| target.extension().is_some_and(|x| x == "cast"))
            .count()
    };
    let ids: Vec<u64> = (0..5)
        .map(|i| {
            create(
                &server,
                json!({"task_id": format!("short-{i}"), "project_path": dir.path(),
                       "command": ["sleep", "600"], "profile": "generic"}),
            )
        })
        .collect();
    wait_until(
        || open_casts() == ids.len(),
        "each live session has its file open",
    );
    for id in &ids {
        let (status, _) = server.call("DELETE", &format!("/api/v1/sessions/{id}?force=true"), None);
        assert_eq!(status, 200);
    }
    wait_until(|| open_casts() == 0, "ended sessions' files are closed");
    assert_eq!(cast_files(&recordings_dir(&server)).len(), ids.len());
}

#[test]
fn a_recordings_dir_that_cannot_be_used_is_reported_and_sessions_still_run() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    std::fs::create_dir_all(home.path().join("config/ccmux")).unwrap();
    std::fs::create_dir_all(home.path().join("data/ccmux")).unwrap();
    std::fs::write(home.path().join("data/ccmux/recordings"), "not a directory").unwrap();
    let server = serve(home.clone(), home.path(), &["--token", TOKEN]);
    assert!(
        server.said.contains("sessions are not recorded"),
        "{}",
        server.said
    );
    let dir = tempfile::tempdir().unwrap();
    let id = create(&server, claude_body("unrecorded", dir.path()));
    server.wait_for_state(id, "ready");
    let (status, _, _) = get_raw(&server, &format!("/api/v1/sessions/{id}/recording"));
    assert_eq!(status, 404);
}

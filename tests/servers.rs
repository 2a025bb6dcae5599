//! Servers coexist: `ccmux` and `ccmux -L other` each have their own API address, token and
//! sessions; `ctl` and `web` talk only to the server they name; a server that cannot start
//! says why on the terminal.

mod common;

use std::process::Output;
use std::rc::Rc;

use common::server::{Server, ccmux, launch, said};
use serde_json::Value;

/// `ccmux [-L NAME] serve`, with no `--listen` and no token flag: as a user starts it.
fn serve_as_a_user(home: &Rc<tempfile::TempDir>, name: Option<&str>) -> Server {
    let mut cmd = ccmux(home.path());
    if let Some(name) = name {
        cmd.args(["-L", name]);
    }
    cmd.arg("serve");
    launch(cmd, home.clone())
}

fn ctl(home: &std::path::Path, name: &str, args: &[&str]) -> Output {
    ccmux(home)
        .args(["-L", name, "ctl"])
        .args(args)
        .output()
        .unwrap()
}

fn tasks(home: &std::path::Path, name: &str) -> Vec<String> {
    let out = ctl(home, name, &["--json", "list"]);
    assert!(out.status.success(), "{}", said(&out));
    let list: Value = serde_json::from_slice(&out.stdout).unwrap();
    list["sessions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["task_id"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_default_server_and_an_l_other_server_run_side_by_side_with_their_own_sessions() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let default = serve_as_a_user(&home, None);
    let other = serve_as_a_user(&home, Some("other"));
    assert_ne!(default.addr, other.addr);
    assert_ne!(
        other.addr, "127.0.0.1:7878",
        "a -L server takes a free port"
    );

    for (name, task) in [("default", "mine"), ("other", "theirs")] {
        let out = ctl(home.path(), name, &["new", "--task", task, "--", "cat"]);
        assert!(out.status.success(), "{name}: {}", said(&out));
    }
    assert_eq!(tasks(home.path(), "default"), ["mine"]);
    assert_eq!(tasks(home.path(), "other"), ["theirs"]);

    let data = home.path().join("data/ccmux");
    let token = std::fs::read_to_string(data.join("token")).unwrap();
    let other_token = std::fs::read_to_string(data.join("token-other")).unwrap();
    assert_ne!(
        token.trim(),
        other_token.trim(),
        "each server has its own token"
    );
    let info: Value =
        serde_json::from_slice(&std::fs::read(home.path().join("run/ccmux/other.json")).unwrap())
            .unwrap();
    assert_eq!(info["api"], other.addr.as_str(), "{info}");
    assert!(
        info["token_file"]
            .as_str()
            .unwrap()
            .ends_with("token-other")
    );
}

#[test]
fn ctl_and_web_against_a_server_that_is_not_running_fail_naming_it() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let _default = serve_as_a_user(&home, None);
    let out = ctl(
        home.path(),
        "default",
        &["new", "--task", "only-here", "--", "cat"],
    );
    assert!(out.status.success(), "{}", said(&out));

    let out = ccmux(home.path())
        .env("CCMUX_SOCKET", "nothere")
        .args(["ctl", "list"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("`nothere` is running"), "{err}");
    assert!(!String::from_utf8_lossy(&out.stdout).contains("only-here"));

    let out = ccmux(home.path())
        .args(["-L", "nothere", "web"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", said(&out));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("`nothere`"),
        "{}",
        said(&out)
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("http://"));
}

#[test]
fn a_server_that_cannot_start_says_why_on_the_terminal() {
    let home = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = ccmux(home.path())
        .args(["-L", "busy", "--listen", &addr])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", said(&out));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("cannot listen on {addr}")), "{err}");
}

#[test]
fn the_default_server_whose_address_is_taken_listens_on_a_free_port_and_says_so() {
    let home = Rc::new(tempfile::tempdir().unwrap());
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let config = home.path().join("config/ccmux");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(
        config.join("config.toml"),
        format!("[api]\nlisten = \"{addr}\"\n"),
    )
    .unwrap();
    let server = serve_as_a_user(&home, None);
    assert_ne!(server.addr, addr);
    assert!(
        server.said.contains(&format!("{addr} is taken")),
        "{}",
        server.said
    );
    let out = ctl(home.path(), "default", &["list"]);
    assert!(out.status.success(), "{}", said(&out));
}

#[test]
fn a_background_server_outlives_an_ls_that_comes_and_goes_before_its_client_attaches() {
    let home = tempfile::tempdir().unwrap();
    let mut server = ccmux(home.path())
        .args(["--listen", "127.0.0.1:0", "serve", "--background"])
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let socket = home.path().join("run/ccmux/default");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !socket.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the server never opened its socket"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let ls = ccmux(home.path()).arg("ls").output().unwrap();
    assert!(ls.status.success(), "{}", said(&ls));
    std::thread::sleep(std::time::Duration::from_millis(500));
    let exited = server.try_wait().unwrap();
    // SAFETY: kill only sends a signal.
    unsafe { libc::kill(server.id() as i32, libc::SIGTERM) };
    let _ = server.wait();
    assert_eq!(
        exited, None,
        "the server ended before its client could attach"
    );
}

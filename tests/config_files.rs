//! Config files are read before they are trusted, so reading one is bounded: a project file
//! must be a regular file (not a link: a cloned repository keeps its links), every config file
//! is read up to a cap, and the error names the file. Through `ccmux config check` and a
//! server's `Attach`, which read the same way.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use ccmux::protocol::{self, Attach, ClientMessage, ServerMessage};
use common::server::{ccmux, start_server};

/// `cmd`'s output, or a failure once it has run for 10 s (a read that never ends).
fn bounded(mut cmd: Command) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id() as i32;
    let watchdog = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(10));
        // SAFETY: kill only signals; the pid may be gone, which is fine.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    });
    let started = Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "still reading after 10 s"
    );
    drop(watchdog);
    out
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_project_file_linked_to_a_file_that_never_ends_is_refused_by_name() {
    let home = tempfile::tempdir().unwrap();
    let project = home.path().join("cloned");
    std::fs::create_dir(&project).unwrap();
    std::os::unix::fs::symlink("/proc/self/pagemap", project.join("ccmux.toml")).unwrap();
    let mut cmd = ccmux(home.path());
    cmd.current_dir(&project).args(["config", "check"]);
    let out = bounded(cmd);
    assert!(!out.status.success());
    let said = stderr(&out) + &String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("ccmux.toml"), "{said}");
    assert!(said.contains("symbolic link"), "{said}");
}

#[test]
fn a_config_file_named_on_the_command_line_is_read_up_to_a_cap() {
    let home = tempfile::tempdir().unwrap();
    let big = home.path().join("big.toml");
    std::fs::write(&big, format!("# {}\n", "x".repeat(2 << 20))).unwrap();
    let big = big.to_str().unwrap();
    for (path, why) in [
        (big, "larger than 1024 KiB"),
        ("/dev/zero", "not a regular file"),
        // Read in pieces it refuses, or up to the cap: either way, not 3 GB.
        ("/proc/self/pagemap", "cannot read"),
    ] {
        let mut cmd = ccmux(home.path());
        cmd.args(["config", "check", path]);
        let out = bounded(cmd);
        assert!(!out.status.success(), "{path}");
        let said = stderr(&out) + &String::from_utf8_lossy(&out.stdout);
        assert!(said.contains(path) && said.contains(why), "{path}: {said}");
    }
}

#[test]
fn a_server_asked_to_attach_where_the_project_file_is_a_link_refuses_at_once() {
    let server = start_server();
    let project = server.home.path().join("cloned");
    std::fs::create_dir(&project).unwrap();
    std::os::unix::fs::symlink("/proc/self/pagemap", project.join("ccmux.toml")).unwrap();
    let mut stream = UnixStream::connect(server.socket()).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    let rss_before = server.rss_kib();
    for message in [
        ClientMessage::Hello {
            version: protocol::VERSION,
        },
        ClientMessage::Attach(Attach {
            workspace: None,
            create: true,
            cwd: project.clone(),
            config: None,
            run: Vec::new(),
            tokens: Default::default(),
        }),
    ] {
        stream
            .write_all(&protocol::encode(&message).unwrap())
            .unwrap();
    }
    let reason = loop {
        let mut len = [0u8; 4];
        stream.read_exact(&mut len).expect("an answer within 10 s");
        let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
        stream.read_exact(&mut body).unwrap();
        if let ServerMessage::Refused { reason } = protocol::decode(&body).unwrap() {
            break reason;
        }
    };
    assert!(
        reason.contains("ccmux.toml") && reason.contains("symbolic link"),
        "{reason}"
    );
    let grown = server.rss_kib().saturating_sub(rss_before);
    eprintln!("server RSS grew {grown} KiB");
    assert!(grown < 64 * 1024, "{grown} KiB");
}

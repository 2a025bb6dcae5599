//! How fast a session swallows output, against a bare PTY reader measured in the same run.
//!
//! `cargo bench --bench throughput` prints a table. The baseline reads the same program's
//! output from a PTY and throws it away; a session also parses it into a vt100 screen, logs
//! it and runs the detectors, so the ratio is ccmux's overhead on a flood.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use ccmux::session::{ProfileKind, SessionConfig, TaskId};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const MIB: usize = 1024 * 1024;

fn main() {
    let dir = tempfile::tempdir().unwrap();
    let sizes = [16 * MIB, 64 * MIB];
    println!(
        "{:<10} {:>14} {:>14} {:>8}",
        "output", "bare PTY MiB/s", "session MiB/s", "ratio"
    );
    let runtime = tokio::runtime::Runtime::new().unwrap();
    for size in sizes {
        let file = dir.path().join(format!("out-{size}"));
        std::fs::write(&file, common::build_log(size)).unwrap();
        let argv = ["cat".to_string(), file.to_string_lossy().into_owned()];
        let bare = bare_pty(&argv);
        let session = runtime.block_on(session(&argv, dir.path()));
        let rate = |d: Duration| size as f64 / MIB as f64 / d.as_secs_f64();
        println!(
            "{:<10} {:>14.1} {:>14.1} {:>8.2}",
            format!("{} MiB", size / MIB),
            rate(bare),
            rate(session),
            session.as_secs_f64() / bare.as_secs_f64()
        );
    }
}

fn bare_pty(argv: &[String]) -> Duration {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 40,
            cols: 120,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(&argv[0]);
    cmd.args(&argv[1..]);
    let started = Instant::now();
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let mut buf = vec![0u8; 64 * 1024];
    while matches!(reader.read(&mut buf), Ok(n) if n > 0) {}
    child.wait().unwrap();
    started.elapsed()
}

async fn session(argv: &[String], dir: &std::path::Path) -> Duration {
    let config = SessionConfig::new(TaskId::new("bench").unwrap(), dir)
        .with_command(argv.iter().cloned())
        .with_profile(ProfileKind::Generic);
    common::time_to_exit(config).await
}

//! The other pane's load: a program printing a 64 MiB build log (90-byte lines, some colour)
//! over and over, so it is still printing however long sampling takes.
#![allow(dead_code)] // Shared by benches that each use part of it.

use std::path::{Path, PathBuf};

use super::sandbox;

const MIB: usize = 1024 * 1024;
const LINE: usize = 90;

/// The log and the looping script that prints it, in a directory that lives as long as this.
pub struct Flood {
    script: PathBuf,
    log: PathBuf,
    dir: tempfile::TempDir,
}

impl Flood {
    pub fn write() -> anyhow::Result<Self> {
        let dir = tempfile::tempdir()?;
        let log = dir.path().join("build.log");
        std::fs::write(&log, build_log(64 * MIB))?;
        let script = dir.path().join("flood.sh");
        std::fs::write(
            &script,
            format!("while :; do cat '{}'; done\n", log.display()),
        )?;
        Ok(Self { script, log, dir })
    }

    /// The 64 MiB log itself, for a scenario that prints it once.
    pub fn log(&self) -> &Path {
        &self.log
    }

    /// The shell command that starts the flood.
    pub fn command(&self) -> String {
        format!("sh '{}'", self.script.display())
    }

    /// The looping shell, once it has started.
    pub fn pid(&self) -> Option<u32> {
        self.processes(&self.script.to_string_lossy())
            .into_iter()
            .next()
    }

    /// Stops the flood when the returned guard is dropped, however the scenario ends: the
    /// multiplexer's end may not reach a process it does not know is its own.
    pub fn stopper(&self) -> Stopper<'_> {
        Stopper(self)
    }

    /// The loop and the `cat` it runs: processes naming a file of this flood.
    fn processes(&self, needle: &str) -> Vec<u32> {
        sandbox::all_pids()
            .filter(|pid| {
                std::fs::read(format!("/proc/{pid}/cmdline"))
                    .is_ok_and(|cmd| String::from_utf8_lossy(&cmd).contains(needle))
            })
            .collect()
    }
}

pub struct Stopper<'a>(&'a Flood);

impl Drop for Stopper<'_> {
    fn drop(&mut self) {
        for pid in self.0.processes(&self.0.dir.path().to_string_lossy()) {
            // SAFETY: kill(2) on a process running this flood's files, which the bench started.
            unsafe { libc::kill(pid as libc::pid_t, libc::SIGKILL) };
        }
    }
}

/// Whether the process is still there; cheap enough to ask after every sample.
pub fn running(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// `size` bytes of lines like a compiler's, each exactly 90 bytes with its newline.
fn build_log(size: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(size + LINE);
    let mut i = 0u64;
    while out.len() < size {
        let line = format!(
            "\x1b[32m{i:>8}\x1b[0m Compiling crate-{:02} v0.{}.{} (/src/workspace/crates/crate-{:02})",
            i % 97,
            i % 13,
            i % 7,
            i % 97
        );
        out.extend_from_slice(format!("{line:<width$}\n", width = LINE - 1).as_bytes());
        i += 1;
    }
    out.truncate(size);
    out
}

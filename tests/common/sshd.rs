//! A real `sshd` on a free loopback port, standing for another machine: a temporary host key,
//! a key made for the test and authorised only to run `remote.sh`, which runs the test's ccmux
//! binary with a home of its own (HOME, XDG dirs, socket dir) as that machine's ccmux.
#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub struct Sshd {
    child: Child,
    dir: tempfile::TempDir,
    pub port: u16,
}

impl Drop for Sshd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The home the remote ccmux runs with: where its socket, config and state live.
pub fn remote_env(home: &Path) -> Vec<(String, String)> {
    let at = |dir: &str| home.join(dir).display().to_string();
    vec![
        ("HOME".into(), home.display().to_string()),
        ("XDG_CONFIG_HOME".into(), at("config")),
        ("XDG_DATA_HOME".into(), at("data")),
        ("XDG_STATE_HOME".into(), at("state")),
        ("XDG_RUNTIME_DIR".into(), at("run")),
    ]
}

impl Sshd {
    /// An sshd whose one key runs ccmux (the test's binary) with `remote_home` as its home;
    /// any other remote command is run as it is (for a missing or an older ccmux).
    pub fn start(remote_home: &Path) -> Self {
        Self::start_with_env(&remote_env(remote_home))
    }

    /// An sshd whose key runs ccmux with `env` (a home and XDG dirs) as that machine's.
    pub fn start_with_env(env: &[(String, String)]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let at = |name: &str| dir.path().join(name);
        keygen(&at("host_key"));
        keygen(&at("client_key"));
        let exports: String = env
            .iter()
            .map(|(k, v)| format!("export {k}='{v}'\n"))
            .collect();
        let script = format!(
            "#!/bin/sh\n{exports}unset CCMUX_SOCKET CCMUX_API_TOKEN CCMUX_LISTEN\n\
             eval \"set -- $SSH_ORIGINAL_COMMAND\"\n\
             if [ \"$1\" = ccmux ]; then shift; exec '{}' \"$@\"; fi\nexec \"$@\"\n",
            env!("CARGO_BIN_EXE_ccmux")
        );
        write_executable(&at("remote.sh"), &script);
        let public = std::fs::read_to_string(at("client_key.pub")).unwrap();
        let options = "no-pty,no-port-forwarding,no-agent-forwarding,no-X11-forwarding";
        let authorised = format!(
            "command=\"{}\",{options} {public}",
            at("remote.sh").display()
        );
        std::fs::write(at("authorized_keys"), authorised).unwrap();
        let port = free_port();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {}\nPidFile {}\n\
             AuthorizedKeysFile {}\nStrictModes no\nUsePAM no\nPasswordAuthentication no\n\
             KbdInteractiveAuthentication no\nPubkeyAuthentication yes\n\
             PermitRootLogin prohibit-password\nLogLevel ERROR\n",
            at("host_key").display(),
            at("sshd.pid").display(),
            at("authorized_keys").display()
        );
        std::fs::write(at("sshd_config"), config).unwrap();
        // Run as root, sshd wants its privilege-separation directory.
        if unsafe { libc::geteuid() } == 0 {
            let _ = std::fs::create_dir_all("/run/sshd");
        }
        let child = listen(dir.path());
        let sshd = Self { child, dir, port };
        sshd.wait_listening();
        sshd
    }

    /// Stops listening; the connections it serves go on (each has an sshd of its own).
    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Listens again on the same port, with the same keys.
    pub fn restart(&mut self) {
        self.child = listen(self.dir.path());
        self.wait_listening();
    }

    fn wait_listening(&self) {
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            let log = std::fs::read_to_string(self.dir.path().join("sshd.log"));
            assert!(Instant::now() < deadline, "sshd did not listen: {log:?}");
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// The `CCMUX_SSH` (or `[remote] ssh`) that reaches this sshd with the test's key.
    pub fn ssh_command(&self) -> String {
        let at = |name: &str| self.dir.path().join(name).display().to_string();
        format!(
            "ssh -F /dev/null -p {} -i {} -o IdentitiesOnly=yes -o BatchMode=yes \
             -o UserKnownHostsFile={} -o StrictHostKeyChecking=no -o LogLevel=ERROR",
            self.port,
            at("client_key"),
            at("known_hosts")
        )
    }

    /// `user@127.0.0.1`: this user, on the loopback.
    pub fn host(&self) -> String {
        let out = Command::new("id").arg("-un").output().unwrap();
        format!("{}@127.0.0.1", String::from_utf8_lossy(&out.stdout).trim())
    }

    /// What sshd logged, for a failing test's message.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("sshd.log")).unwrap_or_default()
    }
}

/// `sshd -D` with the config in `dir`, logging to `dir/sshd.log`.
fn listen(dir: &Path) -> Child {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(dir.join("sshd.log"))
        .unwrap();
    Command::new("/usr/sbin/sshd")
        .args(["-D", "-e", "-f"])
        .arg(dir.join("sshd_config"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .spawn()
        .expect("sshd is installed by .ci/run (openssh-server)")
}

/// Every process below `pid`, children first.
pub fn descendants(pid: u32) -> Vec<u32> {
    let mut found = Vec::new();
    let tasks = std::fs::read_dir(format!("/proc/{pid}/task"))
        .into_iter()
        .flatten();
    for task in tasks.flatten() {
        let children = std::fs::read_to_string(task.path().join("children")).unwrap_or_default();
        for child in children.split_whitespace().filter_map(|c| c.parse().ok()) {
            found.push(child);
            found.extend(descendants(child));
        }
    }
    found
}

fn keygen(path: &PathBuf) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "ccmux-test", "-f"])
        .arg(path)
        .output()
        .expect("ssh-keygen is installed by .ci/run (openssh-client)");
    assert!(out.status.success(), "ssh-keygen: {out:?}");
}

fn write_executable(path: &Path, text: &str) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

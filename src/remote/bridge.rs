//! `ccmux bridge`, run by ssh on the remote machine: says which protocol this ccmux speaks,
//! then joins stdin and stdout (the ssh channel) to the user's server socket, starting the
//! server as `ccmux` does, and copies bytes both ways until either side closes. It reads no
//! message: the server checks the client as it checks any other on its socket.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::os::unix::net::UnixStream;
use std::process::ExitCode;

use crate::client::{self, ServerCommand};
use crate::protocol;
use crate::server::SocketPath;

/// The first line a bridge writes: `ccmux-bridge PROTOCOL VERSION`. Its shape never changes,
/// so any two versions can tell each other which is older.
const GREETING: &str = "ccmux-bridge";

/// What the remote ccmux said of itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Greeting {
    pub protocol: u32,
    pub version: String,
}

/// The greeting in `line`, if it is one.
pub fn parse_greeting(line: &[u8]) -> Option<Greeting> {
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.trim_end().split(' ');
    (words.next()? == GREETING).then_some(())?;
    let protocol = words.next()?.parse().ok()?;
    let version = words.next()?;
    let printable = version.len() <= 64 && version.chars().all(|c| c.is_ascii_graphic());
    printable.then(|| Greeting {
        protocol,
        version: version.to_string(),
    })
}

/// Greets, connects (starting a server when none runs), then copies until either side closes.
pub fn run(socket: &SocketPath, start: &ServerCommand) -> anyhow::Result<ExitCode> {
    let mut stdout = std::io::stdout().lock();
    writeln!(
        stdout,
        "{GREETING} {} {}",
        protocol::VERSION,
        env!("CARGO_PKG_VERSION")
    )?;
    stdout.flush()?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let stream = runtime.block_on(client::open_or_start(socket, start))?;
    let stream = stream.into_std();
    stream.set_nonblocking(false)?;
    let to_server = stream.try_clone()?;
    std::thread::spawn(move || copy_in(to_server));
    copy_out(stream, stdout);
    Ok(ExitCode::SUCCESS)
}

/// stdin to the socket; at the end of stdin (the client left), the server is told so.
fn copy_in(mut socket: UnixStream) {
    let _ = std::io::copy(&mut std::io::stdin().lock(), &mut socket);
    let _ = socket.shutdown(Shutdown::Write);
}

/// The socket to stdout, each read passed on at once (stdout buffers by line otherwise).
fn copy_out(mut socket: UnixStream, mut stdout: std::io::StdoutLock<'_>) {
    let mut buf = vec![0u8; 64 * 1024];
    while let Ok(n @ 1..) = socket.read(&mut buf) {
        if stdout
            .write_all(&buf[..n])
            .and_then(|()| stdout.flush())
            .is_err()
        {
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_greeting_names_the_protocol_and_version() {
        assert_eq!(
            parse_greeting(b"ccmux-bridge 4 0.3.1\n"),
            Some(Greeting {
                protocol: 4,
                version: "0.3.1".into()
            })
        );
        for other in [
            &b"Welcome to Ubuntu\n"[..],
            b"ccmux-bridge x 1\n",
            b"ccmux-bridge 4\n",
        ] {
            assert_eq!(parse_greeting(other), None);
        }
    }
}

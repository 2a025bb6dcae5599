//! `ccmux hook` and `ccmux statusline`: run by Claude Code inside a session, they pass its JSON
//! to the server with the session's capability, and print what Claude Code should read.
//!
//! They must never hold Claude Code up: every wait is short, and whatever goes wrong (no
//! server, a refusal, input too large) they exit 0, printing nothing for Claude Code.

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde::Deserialize;

use crate::claude::ReportPost;
use crate::claude::event::Report;
use crate::claude::launch::{ENV_CAPABILITY, ENV_SESSION, ENV_SOCKET, ENV_USER_STATUS_LINE};
use crate::protocol::{self, ClientMessage, ServerMessage};
use crate::session::SessionId;

/// Most bytes of JSON read from Claude Code; more is not passed on.
pub const MAX_STDIN: usize = 1024 * 1024;
/// Most bytes of the server's answer read.
const MAX_ANSWER: usize = 1024 * 1024;
/// How long a hook waits for the server.
const HOOK_WAIT: Duration = Duration::from_secs(3);
/// How long the status line waits for the server, and for the user's own command.
const STATUS_WAIT: Duration = Duration::from_secs(1);
const USER_STATUS_WAIT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("not started by ccmux with hooks ({0} is not set)")]
    NotHooked(&'static str),
    #[error("the input is over {MAX_STDIN} bytes")]
    TooLarge,
    #[error(transparent)]
    Report(#[from] crate::claude::event::ReportError),
    #[error("the server refused: {0}")]
    Refused(String),
    #[error("the server cannot be reached: {0}")]
    Io(#[from] std::io::Error),
    #[error("the server's answer makes no sense: {0}")]
    Protocol(String),
}

/// `ccmux hook`.
pub fn hook() -> ExitCode {
    let stdin = read_stdin();
    match stdin.and_then(|s| post(Report::from_hook(&s)?, HOOK_WAIT)) {
        Ok(Some(output)) => println!("{output}"),
        Ok(None) => {}
        Err(e) => eprintln!("ccmux hook: {e}"),
    }
    ExitCode::SUCCESS
}

/// `ccmux statusline`: reports, then runs the user's own status line, if any.
pub fn status_line() -> ExitCode {
    let stdin = read_stdin();
    if let Err(e) = stdin
        .as_ref()
        .map_err(|e| PostError::Protocol(e.to_string()))
        .and_then(|s| post(Report::from_status_line(s)?, STATUS_WAIT))
    {
        eprintln!("ccmux statusline: {e}");
    }
    if let (Ok(stdin), Ok(command)) = (stdin, std::env::var(ENV_USER_STATUS_LINE)) {
        match run_user_status_line(&command, &stdin) {
            Ok(out) => {
                let _ = std::io::stdout().write_all(&out);
            }
            Err(e) => eprintln!("ccmux statusline: your statusLine command: {e}"),
        }
    }
    ExitCode::SUCCESS
}

fn read_stdin() -> Result<Vec<u8>, PostError> {
    let mut bytes = Vec::new();
    std::io::stdin()
        .take(MAX_STDIN as u64 + 1)
        .read_to_end(&mut bytes)?;
    if bytes.len() > MAX_STDIN {
        return Err(PostError::TooLarge);
    }
    Ok(bytes)
}

/// Sends `report` for the session named in the environment; returns what to print.
pub fn post(report: Report, wait: Duration) -> Result<Option<String>, PostError> {
    let var = |name: &'static str| std::env::var(name).map_err(|_| PostError::NotHooked(name));
    let socket = var(ENV_SOCKET)?;
    let session = var(ENV_SESSION)?
        .parse()
        .map(SessionId)
        .map_err(|_| PostError::NotHooked(ENV_SESSION))?;
    let capability = var(ENV_CAPABILITY)?;
    let mut stream = UnixStream::connect(socket)?;
    stream.set_read_timeout(Some(wait))?;
    stream.set_write_timeout(Some(wait))?;
    let hello = ClientMessage::Hello {
        version: protocol::VERSION,
    };
    let post = ClientMessage::Report(ReportPost {
        session,
        capability,
        report,
    });
    let encode =
        |m: &ClientMessage| protocol::encode(m).map_err(|e| PostError::Protocol(e.to_string()));
    stream.write_all(&encode(&hello)?)?;
    stream.write_all(&encode(&post)?)?;
    loop {
        match read_frame(&mut stream)? {
            ServerMessage::Welcome { .. } => continue,
            ServerMessage::ReportTaken { output } => return Ok(output),
            ServerMessage::Refused { reason } => return Err(PostError::Refused(reason)),
            other => return Err(PostError::Protocol(format!("{other:?}"))),
        }
    }
}

fn read_frame<T: for<'de> Deserialize<'de>>(stream: &mut UnixStream) -> Result<T, PostError> {
    let mut len = [0u8; 4];
    stream.read_exact(&mut len)?;
    let len = u32::from_be_bytes(len) as usize;
    if len > MAX_ANSWER {
        return Err(PostError::Protocol(format!("a {len}-byte answer")));
    }
    let mut body = vec![0u8; len];
    stream.read_exact(&mut body)?;
    rmp_serde::from_slice(&body).map_err(|e| PostError::Protocol(e.to_string()))
}

/// Runs `command` with `sh -c`, `stdin` on its input; its output, or an error after
/// [`USER_STATUS_WAIT`] (it is killed then).
fn run_user_status_line(command: &str, stdin: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut child = Command::new("sh")
        .args(["-c", command])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    if let Some(mut input) = child.stdin.take() {
        let _ = input.write_all(stdin);
    }
    let mut stdout = child.stdout.take().expect("stdout is piped");
    let reading = std::thread::spawn(move || {
        let mut out = Vec::new();
        let _ = (&mut stdout).take(64 * 1024).read_to_end(&mut out);
        out
    });
    let deadline = Instant::now() + USER_STATUS_WAIT;
    while child.try_wait()?.is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(std::io::Error::other("it took over 5 s and was stopped"));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    Ok(reading.join().unwrap_or_default())
}

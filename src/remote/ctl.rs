//! `ccmux ctl --host HOST …`: the remote `ccmux ctl …` run over the same ssh, its stdout,
//! stderr and exit status passed through. The remote ctl finds its own server's API and token
//! as it does at home, so no token and no API port leaves that machine, and every `ctl`
//! subcommand works remotely as it is, `output` and `wait` streams included.

use std::process::{ExitCode, Stdio};

use super::{Host, Prompts, RemoteError, Ssh};
use crate::config::RemoteSection;
use crate::server::args::GlobalArgs;

/// The flags that name the host, in `ctl`'s own arguments.
const HOST_FLAGS: [&str; 2] = ["--host", "-H"];
/// The global flags before `ctl` that take a value (which might read `ctl`).
const VALUED_GLOBALS: [&str; 9] = [
    "-L",
    "--socket",
    "-c",
    "--config",
    "--listen",
    "--log-file",
    "--token",
    "--token-file",
    "-s",
];

/// `ccmux ctl --host HOST ARGS…` as this process was started: the remote ctl gets `ARGS…`.
pub fn from_command_line(
    global: &GlobalArgs,
    section: &RemoteSection,
    socket: &str,
    host: &str,
) -> anyhow::Result<ExitCode> {
    let local_api =
        global.listen.is_some() || global.token.is_some() || global.token_file.is_some();
    anyhow::ensure!(
        !local_api,
        "--listen, --token and --token-file name an API here; with --host, the ccmux on {host} \
         finds its own server's"
    );
    let (ssh, host) = (Ssh::from_config(section), Host::parse(host)?);
    let args = args_after_ctl(&std::env::args().collect::<Vec<_>>());
    Ok(run(&ssh, &host, socket, &args)?)
}

/// Runs `ccmux -L SOCKET ctl ARGS…` on `host` with this terminal as its own.
pub fn run(ssh: &Ssh, host: &Host, socket: &str, args: &[String]) -> Result<ExitCode, RemoteError> {
    let mut remote = vec!["-L".to_string(), socket.to_string(), "ctl".to_string()];
    remote.extend(args.iter().cloned());
    let status = ssh
        .command(host, &remote, Prompts::MayAsk)
        .stdin(Stdio::inherit())
        .stdout(Stdio::inherit())
        .stderr(Stdio::inherit())
        .status()
        .map_err(RemoteError::Spawn)?;
    match status.code() {
        Some(127) => Err(RemoteError::NoCcmux {
            host: host.clone(),
            ccmux: ssh.remote_ccmux().to_string(),
            said: "see above".into(),
        }),
        Some(code) => Ok(ExitCode::from(u8::try_from(code).unwrap_or(1))),
        None => Ok(ExitCode::FAILURE),
    }
}

/// `ctl`'s arguments from this command line (everything after `ctl`), without the host flag
/// and its value: what the remote ctl is given.
pub fn args_after_ctl(argv: &[String]) -> Vec<String> {
    let is_ctl =
        |i: usize| argv[i] == "ctl" && (i == 0 || !VALUED_GLOBALS.contains(&argv[i - 1].as_str()));
    let Some(at) = (0..argv.len()).find(|&i| is_ctl(i)) else {
        return Vec::new();
    };
    let mut args = Vec::new();
    let mut rest = argv[at + 1..].iter();
    let mut host_seen = false;
    while let Some(arg) = rest.next() {
        if host_seen || arg == "--" {
            host_seen = true;
            args.push(arg.clone());
        } else if HOST_FLAGS.contains(&arg.as_str()) {
            rest.next();
            host_seen = true;
        } else if arg.starts_with("--host=") || (arg.starts_with("-H") && arg.len() > 2) {
            host_seen = true;
        } else {
            args.push(arg.clone());
        }
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<String> {
        text.split(' ').map(String::from).collect()
    }

    #[test]
    fn the_remote_ctl_gets_every_argument_but_the_host() {
        for line in [
            "ccmux -L x ctl --host me@box send 1 --host",
            "ccmux -L x ctl -H me@box send 1 --host",
            "ccmux -L x ctl --host=me@box send 1 --host",
            "ccmux -L x ctl -Hme@box send 1 --host",
            "ccmux -L ctl ctl -H me@box send 1 --host",
        ] {
            assert_eq!(
                args_after_ctl(&words(line)),
                words("send 1 --host"),
                "{line}"
            );
        }
    }
}

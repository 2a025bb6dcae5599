//! `ccmux web`: asks the running server for a one-time login link and prints it (`--open` also
//! opens it), or with `--revoke` ends every browser session.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::process::{Command, Stdio};

use anyhow::Context as _;
use serde_json::Value;

use crate::ctl::Endpoint;

pub struct WebArgs {
    pub open: bool,
    pub revoke: bool,
}

pub fn run(args: WebArgs, endpoint: Endpoint) -> anyhow::Result<()> {
    if args.revoke {
        let reply = post(&endpoint, "/api/v1/web/revoke")?;
        let ended = reply["ended"].as_u64().unwrap_or(0);
        println!("ended {ended} browser session(s); open pages are logged out");
        return Ok(());
    }
    let reply = post(&endpoint, "/api/v1/web/login-codes")?;
    let path = reply["path"]
        .as_str()
        .context("the server's reply has no login path")?;
    let url = format!("http://{}{path}", browser_addr(endpoint.addr));
    let secs = reply["expires_in_secs"].as_u64().unwrap_or(60);
    println!("{url}");
    eprintln!("ccmux: this link logs one browser in; it works once, within {secs} s");
    if args.open {
        open(&url)?;
    }
    Ok(())
}

/// Where a browser on this machine reaches the API: an unspecified listen address
/// (`0.0.0.0`) is reached through loopback.
fn browser_addr(addr: SocketAddr) -> SocketAddr {
    if addr.ip().is_unspecified() {
        let loopback = match addr.ip() {
            IpAddr::V4(_) => IpAddr::V4(Ipv4Addr::LOCALHOST),
            IpAddr::V6(_) => IpAddr::V6(std::net::Ipv6Addr::LOCALHOST),
        };
        return SocketAddr::new(loopback, addr.port());
    }
    addr
}

fn post(endpoint: &Endpoint, path: &str) -> anyhow::Result<Value> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let url = format!("http://{}{path}", endpoint.addr);
    let mut response = agent
        .post(&url)
        .header("authorization", &format!("Bearer {}", endpoint.token))
        .send_empty()
        .with_context(|| {
            format!(
                "cannot reach the ccmux server's API at {}; is `ccmux serve` running?",
                endpoint.addr
            )
        })?;
    let status = response.status().as_u16();
    let body: Value = response.body_mut().read_json().unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let message = body["error"]["message"]
            .as_str()
            .unwrap_or("no reason given");
        anyhow::bail!("the server refused: {message} (HTTP {status})");
    }
    Ok(body)
}

/// Opens `url` with the desktop's browser. The URL is an argument of `xdg-open` for a
/// moment: it holds a code that works once, not the token.
fn open(url: &str) -> anyhow::Result<()> {
    let status = Command::new("xdg-open")
        .arg(url)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .context("cannot run xdg-open; open the link above yourself")?;
    anyhow::ensure!(
        status.success(),
        "xdg-open could not open a browser ({status}); open the link above yourself"
    );
    Ok(())
}

//! `ccmux ctl`: a client for a running ccmux's API, with tables for people and `--json` for
//! scripts.

use std::io::Write;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Args, Subcommand};
use serde_json::{Value, json};

#[derive(Debug, Args)]
pub struct CtlArgs {
    /// Print the API's JSON instead of tables.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: CtlCommand,
}

#[derive(Debug, Subcommand)]
pub enum CtlCommand {
    /// List sessions.
    List,
    /// Start a session: `ctl new --task T [--cwd P] [--template NAME] -- argv…`.
    New {
        /// The task id: names the session; one live session per task.
        #[arg(long)]
        task: String,
        /// Project directory (default: the current one).
        #[arg(long)]
        cwd: Option<std::path::PathBuf>,
        /// A [templates.NAME] from the config.
        #[arg(long)]
        template: Option<String>,
        /// Detector profile: claude, shell, generic or a [profiles.NAME].
        #[arg(long)]
        profile: Option<String>,
        #[arg(last = true)]
        argv: Vec<String>,
    },
    /// Send a command and print its output once it finishes.
    Send {
        id: u64,
        text: String,
        /// Seconds to wait.
        #[arg(long, default_value_t = 300.0)]
        timeout: f64,
    },
    /// Send raw keys (escapes like `\r`, `\x1b` are decoded).
    Input { id: u64, data: String },
    /// Print the output log; `--follow` keeps streaming it.
    Output {
        id: u64,
        #[arg(long)]
        follow: bool,
    },
    /// Print the current screen.
    Screen { id: u64 },
    /// Set a session's terminal size in columns and rows.
    Resize { id: u64, cols: u32, rows: u32 },
    /// Interrupt what the session is doing (Esc for Claude Code, Ctrl-C otherwise).
    Interrupt { id: u64 },
    /// Terminate a session.
    Kill {
        id: u64,
        /// SIGKILL at once instead of asking it to stop first.
        #[arg(long)]
        force: bool,
    },
    /// Sessions per state, totals since start, and uptime.
    Stats,
}

/// Where the API is and how to get in.
pub struct Endpoint {
    pub addr: std::net::SocketAddr,
    pub token: String,
}

pub fn run(args: CtlArgs, endpoint: Endpoint) -> anyhow::Result<()> {
    let client = Client::new(endpoint);
    let json_out = args.json;
    let value = match args.command {
        CtlCommand::List => client.call("GET", "/api/v1/sessions", None)?,
        CtlCommand::New {
            task,
            cwd,
            template,
            profile,
            argv,
        } => {
            let cwd = match cwd {
                Some(p) => std::path::absolute(p)?,
                None => std::env::current_dir()?,
            };
            let mut body = json!({"task_id": task, "project_path": cwd});
            if !argv.is_empty() {
                body["command"] = json!(argv);
            }
            if let Some(t) = template {
                body["template"] = json!(t);
            }
            if let Some(p) = profile {
                body["profile"] = json!(p);
            }
            client.call("POST", "/api/v1/sessions/claude", Some(body))?
        }
        CtlCommand::Send { id, text, timeout } => client.call(
            "POST",
            &format!("/api/v1/sessions/{id}/commands"),
            Some(json!({"command": text, "timeout": timeout})),
        )?,
        CtlCommand::Input { id, data } => client.call(
            "POST",
            &format!("/api/v1/sessions/{id}/input"),
            Some(json!({"data": unescape(&data)})),
        )?,
        CtlCommand::Output { id, follow } => return client.output(id, follow, json_out),
        CtlCommand::Screen { id } => {
            client.call("GET", &format!("/api/v1/sessions/{id}/screen"), None)?
        }
        CtlCommand::Resize { id, cols, rows } => client.call(
            "POST",
            &format!("/api/v1/sessions/{id}/resize"),
            Some(json!({"cols": cols, "rows": rows})),
        )?,
        CtlCommand::Interrupt { id } => {
            client.call("POST", &format!("/api/v1/sessions/{id}/interrupt"), None)?
        }
        CtlCommand::Kill { id, force } => client.call(
            "DELETE",
            &format!("/api/v1/sessions/{id}?force={force}"),
            None,
        )?,
        CtlCommand::Stats => client.call("GET", "/api/v1/stats/claude", None)?,
    };
    if json_out {
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        print!("{}", crate::ctl_format::human(&value));
    }
    Ok(())
}

struct Client {
    agent: ureq::Agent,
    base: String,
    auth: String,
    addr: std::net::SocketAddr,
}

impl Client {
    fn new(endpoint: Endpoint) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(24 * 3600)))
            .build()
            .new_agent();
        Self {
            agent,
            base: format!("http://{}", endpoint.addr),
            auth: format!("Bearer {}", endpoint.token),
            addr: endpoint.addr,
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let url = format!("{}{}", self.base, path);
        let response = match (method, body) {
            ("GET", _) => self
                .agent
                .get(&url)
                .header("authorization", &self.auth)
                .call(),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("authorization", &self.auth)
                .call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("authorization", &self.auth)
                .send_json(body.unwrap_or(json!({}))),
        };
        let mut response = response
            .with_context(|| format!("cannot reach ccmux at {}: is it running?", self.base))?;
        let status = response.status();
        let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        if !status.is_success() {
            let message = value["error"]["message"]
                .as_str()
                .unwrap_or("request failed");
            bail!("{message} (HTTP {})", status.as_u16());
        }
        Ok(value)
    }

    /// Prints the log; with `follow`, keeps printing what the WebSocket streams.
    fn output(&self, id: u64, follow: bool, json_out: bool) -> anyhow::Result<()> {
        let mut since = 0;
        loop {
            let page = self.call(
                "GET",
                &format!("/api/v1/sessions/{id}/output?since={since}&limit=10000"),
                None,
            )?;
            let entries = page["entries"].as_array().cloned().unwrap_or_default();
            print_entries(&entries, json_out)?;
            since = page["next_seq"].as_u64().unwrap_or(since);
            if entries.len() < 10_000 {
                break;
            }
        }
        if follow {
            self.follow(id, since, json_out)?;
        }
        Ok(())
    }

    fn follow(&self, id: u64, since: u64, json_out: bool) -> anyhow::Result<()> {
        let request = ws_request(&self.addr.to_string(), id, &self.auth)?;
        let (mut socket, _) =
            tungstenite::connect(request).context("cannot open the session's stream")?;
        loop {
            let message = match socket.read() {
                Ok(m) => m,
                Err(tungstenite::Error::ConnectionClosed) => return Ok(()),
                Err(e) => return Err(e.into()),
            };
            let Ok(text) = message.to_text() else {
                continue;
            };
            let Ok(value) = serde_json::from_str::<Value>(text) else {
                continue;
            };
            if value["type"] == "output"
                && value["data"]["seq"].as_u64().is_some_and(|s| s >= since)
            {
                print_entries(std::slice::from_ref(&value["data"]), json_out)?;
            }
            if value["type"] == "state" && value["data"]["to"] == "terminated" {
                return Ok(());
            }
        }
    }
}

/// The handshake for `WS /ws/sessions/{id}` at `addr`, carrying `auth` (`Bearer …`).
pub fn ws_request(
    addr: &str,
    id: u64,
    auth: &str,
) -> Result<tungstenite::handshake::client::Request, tungstenite::Error> {
    use tungstenite::client::IntoClientRequest;
    let mut request = format!("ws://{addr}/ws/sessions/{id}").into_client_request()?;
    let auth = auth
        .parse()
        .map_err(|e| tungstenite::Error::HttpFormat(tungstenite::http::Error::from(e)))?;
    request.headers_mut().insert("authorization", auth);
    Ok(request)
}

fn print_entries(entries: &[Value], json_out: bool) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for entry in entries {
        if json_out {
            writeln!(out, "{entry}")?;
        } else if entry["type"] == "output" {
            write!(out, "{}", entry["content"].as_str().unwrap_or_default())?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `\r`, `\n`, `\t`, `\e`, `\xHH` and `\\` in a command-line argument.
pub fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('r') => out.push('\r'),
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('e') => out.push('\x1b'),
            Some('x') => {
                let hex: String = chars.by_ref().take(2).collect();
                match u8::from_str_radix(&hex, 16) {
                    Ok(b) => out.push(b as char),
                    Err(_) => out.push_str(&format!("\\x{hex}")),
                }
            }
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

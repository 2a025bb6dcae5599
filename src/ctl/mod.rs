//! `ccmux ctl`: a client for a running ccmux's API, with tables for people and `--json` for
//! scripts.

mod args;
mod copy;
mod format;

pub use args::{CtlArgs, CtlCommand};

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::output_filter::FilterQuery;
use crate::protocol::websocket::WsEvent;
use crate::session::SessionState;

/// Where the API is and how to get in.
pub struct Endpoint {
    pub addr: std::net::SocketAddr,
    pub token: String,
}

/// What became of a sent command, as far as a script needs to know.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SendOutcome {
    Finished,
    TimedOut,
    WaitingInput,
    Ended,
    Error,
}

impl SendOutcome {
    /// The state the session was in when the command finished or its time ran out.
    fn of(state: SessionState) -> Self {
        use SessionState::*;
        match state {
            Ready | Idle => Self::Finished,
            // A command leaves busy only by finishing, so busy means its time ran out.
            Initializing | Busy => Self::TimedOut,
            WaitingInput | Authenticating => Self::WaitingInput,
            Terminating | Terminated => Self::Ended,
            Error => Self::Error,
        }
    }

    fn exit_code(self) -> ExitCode {
        ExitCode::from(match self {
            Self::Finished => 0,
            Self::TimedOut => 3,
            Self::WaitingInput => 4,
            Self::Ended => 5,
            Self::Error => 6,
        })
    }
}

/// The part of a command's result that decides `ctl send`'s exit code.
#[derive(Deserialize)]
struct Finished {
    state: SessionState,
}

/// A request the API answered with an error.
#[derive(Debug, thiserror::Error)]
#[error("{message} (HTTP {status})")]
struct Refused {
    status: u16,
    /// The API's error code, e.g. `session_ended`.
    code: String,
    message: String,
}

/// Runs one subcommand; the exit code says more than success only for `send`.
pub fn run(args: CtlArgs, endpoint: Endpoint) -> anyhow::Result<ExitCode> {
    let client = Client::new(endpoint);
    let json_out = args.json;
    let value = match args.command {
        CtlCommand::List => client.call("GET", "/api/v1/sessions", None)?,
        CtlCommand::New {
            task,
            cwd,
            template,
            profile,
            worktree,
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
            match worktree.as_deref() {
                Some("") => body["worktree"] = json!(true),
                Some(name) => body["worktree"] = json!(name),
                None => {}
            }
            client.call("POST", "/api/v1/sessions/claude", Some(body))?
        }
        CtlCommand::Send { id, text, timeout } => {
            return send(&client, id, &text, timeout, json_out);
        }
        CtlCommand::Input { id, data } => client.call(
            "POST",
            &format!("/api/v1/sessions/{id}/input"),
            Some(json!({"data": unescape(&data)})),
        )?,
        CtlCommand::Output {
            id,
            follow,
            grep,
            types,
            raw,
        } => {
            use std::io::IsTerminal;
            let terminal = std::io::stdout().is_terminal();
            let filter = FilterQuery {
                strip_ansi: terminal && !raw && !json_out,
                grep,
                types,
                format: None,
            };
            let show = Show {
                json: json_out,
                raw: raw || !terminal,
            };
            client.output(id, follow, &filter, show)?;
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Record { id } => {
            client.download(&format!("/api/v1/sessions/{id}/recording"))?;
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Copy { id, lines, output } => {
            let text = client.call("GET", &copy::path(id, lines), None)?;
            copy::write(&text, output.as_deref(), json_out)?;
            return Ok(ExitCode::SUCCESS);
        }
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
        CtlCommand::Answer { id, choice } => client.call(
            "POST",
            &format!("/api/v1/sessions/{id}/answer"),
            Some(json!({"choice": crate::session::dialog::Choice::parse(&choice)?})),
        )?,
        CtlCommand::Kill {
            id,
            force,
            remove_worktree,
        } => client.call(
            "DELETE",
            &format!("/api/v1/sessions/{id}?force={force}&remove_worktree={remove_worktree}"),
            None,
        )?,
        CtlCommand::History { id } => {
            client.call("GET", &format!("/api/v1/sessions/{id}/history"), None)?
        }
        CtlCommand::Macro { id, name } => return run_macro(&client, id, &name, json_out),
        CtlCommand::Metrics => {
            print!("{}", client.text("/metrics")?);
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Stats => client.call("GET", "/api/v1/stats/claude", None)?,
    };
    print(&value, json_out)?;
    Ok(ExitCode::SUCCESS)
}

/// `ctl macro`: prints each step; exits 1 when a step failed.
fn run_macro(client: &Client, id: u64, name: &str, json_out: bool) -> anyhow::Result<ExitCode> {
    let value = client.call(
        "POST",
        &format!("/api/v1/sessions/{id}/macros/{name}"),
        None,
    )?;
    print(&value, json_out)?;
    Ok(if value["ok"] == true {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `ctl send`: prints the result; the exit code says how the command ended.
fn send(
    client: &Client,
    id: u64,
    text: &str,
    timeout: f64,
    json_out: bool,
) -> anyhow::Result<ExitCode> {
    let answer = client.call(
        "POST",
        &format!("/api/v1/sessions/{id}/commands"),
        Some(json!({"command": text, "timeout": timeout})),
    );
    let value = match answer {
        Err(e)
            if e.downcast_ref::<Refused>()
                .is_some_and(|r| r.code == "session_ended") =>
        {
            eprintln!("ccmux: {e}");
            return Ok(SendOutcome::Ended.exit_code());
        }
        answer => answer?,
    };
    print(&value, json_out)?;
    let finished = Finished::deserialize(&value).context("the API's answer has no state")?;
    Ok(SendOutcome::of(finished.state).exit_code())
}

fn print(value: &Value, json_out: bool) -> anyhow::Result<()> {
    if json_out {
        println!("{}", serde_json::to_string_pretty(value)?);
    } else {
        print!("{}", for_stdout(&format::human(value)));
    }
    Ok(())
}

/// What the server sent, made inert when it goes to a terminal; a pipe or file gets it as is.
fn for_stdout(text: &str) -> std::borrow::Cow<'_, str> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        format::inert(text)
    } else {
        text.into()
    }
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
            let text = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_string();
            return Err(Refused {
                status: status.as_u16(),
                code: text(&value["error"]["code"], ""),
                message: text(&value["error"]["message"], "request failed"),
            }
            .into());
        }
        Ok(value)
    }

    /// A route that answers in plain text.
    fn text(&self, path: &str) -> anyhow::Result<String> {
        Ok(self.get_raw(path)?.body_mut().read_to_string()?)
    }

    /// Writes the body of a GET to stdout as it comes, whatever it is.
    fn download(&self, path: &str) -> anyhow::Result<()> {
        let mut response = self.get_raw(path)?;
        let mut body = response.body_mut().as_reader();
        let mut out = std::io::stdout().lock();
        std::io::copy(&mut body, &mut out)?;
        out.flush()?;
        Ok(())
    }

    /// A GET whose successful body the caller reads as it likes; a refusal is read as JSON.
    fn get_raw(&self, path: &str) -> anyhow::Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}{}", self.base, path);
        let mut response = self
            .agent
            .get(&url)
            .header("authorization", &self.auth)
            .call()
            .with_context(|| format!("cannot reach ccmux at {}: is it running?", self.base))?;
        let status = response.status();
        if !status.is_success() {
            let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
            let text = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_string();
            return Err(Refused {
                status: status.as_u16(),
                code: text(&value["error"]["code"], ""),
                message: text(&value["error"]["message"], "request failed"),
            }
            .into());
        }
        Ok(response)
    }

    /// Prints the log through `filter`; with `follow`, keeps printing what the WebSocket
    /// streams through it.
    fn output(
        &self,
        id: u64,
        follow: bool,
        filter: &FilterQuery,
        show: Show,
    ) -> anyhow::Result<()> {
        let mut since = 0;
        let mut query = filter.to_query_string();
        if !query.is_empty() {
            query.insert(0, '&');
        }
        loop {
            let page = self.call(
                "GET",
                &format!("/api/v1/sessions/{id}/output?since={since}&limit=10000{query}"),
                None,
            )?;
            let entries = page["entries"].as_array().cloned().unwrap_or_default();
            print_entries(&entries, show)?;
            let next = page["next_seq"].as_u64().unwrap_or(since);
            // A filtered page may hold fewer entries than it read: go on while the log did.
            if next.saturating_sub(since) < 10_000 {
                since = next;
                break;
            }
            since = next;
        }
        if follow {
            self.follow(id, since, filter, show)?;
        }
        Ok(())
    }

    fn follow(&self, id: u64, since: u64, filter: &FilterQuery, show: Show) -> anyhow::Result<()> {
        let request = ws_request_filtered(&self.addr.to_string(), id, &self.auth, filter)?;
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
            match serde_json::from_str::<WsEvent>(text) {
                Ok(WsEvent::Output(entry)) if entry.seq >= since => {
                    print_entries(&[serde_json::to_value(entry)?], show)?;
                }
                Ok(WsEvent::State(change)) if change.to == SessionState::Terminated => {
                    return Ok(());
                }
                _ => {}
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
    ws_request_filtered(addr, id, auth, &FilterQuery::default())
}

/// `ws_request` with an output filter in the URL.
pub fn ws_request_filtered(
    addr: &str,
    id: u64,
    auth: &str,
    filter: &FilterQuery,
) -> Result<tungstenite::handshake::client::Request, tungstenite::Error> {
    use tungstenite::client::IntoClientRequest;
    let query = filter.to_query_string();
    let query = if query.is_empty() {
        query
    } else {
        format!("?{query}")
    };
    let mut request = format!("ws://{addr}/ws/sessions/{id}{query}").into_client_request()?;
    let auth = auth
        .parse()
        .map_err(|e| tungstenite::Error::HttpFormat(tungstenite::http::Error::from(e)))?;
    request.headers_mut().insert("authorization", auth);
    Ok(request)
}

/// How `ctl output` prints entries.
#[derive(Debug, Clone, Copy)]
struct Show {
    /// One JSON object per entry.
    json: bool,
    /// Output as it is, control sequences included: to a pipe or file, or asked with `--raw`.
    raw: bool,
}

fn print_entries(entries: &[Value], show: Show) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for entry in entries {
        let content = entry["content"].as_str().unwrap_or_default();
        if show.json {
            writeln!(out, "{entry}")?;
        } else if entry["type"] != "output" {
            // Other types are shown only when asked for with --type.
            writeln!(
                out,
                "[{}] {}",
                text_of(&entry["type"]),
                format::inert(content.trim_end())
            )?;
        } else if show.raw {
            write!(out, "{content}")?;
        } else {
            write!(out, "{}", for_stdout(content))?;
        }
    }
    out.flush()?;
    Ok(())
}

fn text_of(value: &Value) -> &str {
    value.as_str().unwrap_or_default()
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

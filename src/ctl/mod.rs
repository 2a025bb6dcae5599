//! `ccmux ctl`: a client for a running ccmux's API, with tables for people and `--json` for
//! scripts.

mod args;
mod client;
mod copy;
pub mod detect;
mod format;
mod output;
pub mod play;
mod wait;
pub mod web;

pub use args::{CtlArgs, CtlCommand};
pub use client::Endpoint;
pub use format::inert;
pub use output::{ws_request, ws_request_filtered};

use std::process::ExitCode;

use anyhow::Context;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::output_filter::FilterQuery;
use crate::session::SessionState;
use client::{Client, Refused};

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

/// How `ctl` prints an answer: for people, or the API's JSON as it is (`--json`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    Human,
    Json,
}

/// The part of a command's result that decides `ctl send`'s exit code.
#[derive(Deserialize)]
struct Finished {
    state: SessionState,
}

/// Runs one subcommand; the exit code says more than success only for `send`.
pub fn run(args: CtlArgs, endpoint: Endpoint) -> anyhow::Result<ExitCode> {
    let client = Client::new(endpoint);
    let form = if args.json { Form::Json } else { Form::Human };
    let value = match args.command {
        CtlCommand::List => client.call("GET", "/api/v1/sessions", None)?,
        CtlCommand::New {
            task,
            cwd,
            template,
            profile,
            worktree,
            wait,
            timeout,
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
            let created = client.call("POST", "/api/v1/sessions/claude", Some(body))?;
            if wait {
                let id = created["session_id"]
                    .as_u64()
                    .context("the API's answer has no session_id")?;
                return wait::wait(&client, id, &[], timeout, form);
            }
            created
        }
        CtlCommand::Wait { id, state, timeout } => {
            let id = client.resolve(&id)?;
            return wait::wait(&client, id, &state, timeout, form);
        }
        CtlCommand::Send { id, text, timeout } => {
            return send(&client, client.resolve(&id)?, &text, timeout, form);
        }
        CtlCommand::Input { id, data } => client.call(
            "POST",
            &format!("/api/v1/sessions/{}/input", client.resolve(&id)?),
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
                strip_ansi: terminal && !raw && form == Form::Human,
                grep,
                types,
                format: None,
            };
            let id = client.resolve(&id)?;
            let show = output::Show {
                form,
                raw: raw || !terminal,
            };
            output::print_log(&client, id, follow, &filter, show)?;
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Record { id } => {
            let id = client.resolve(&id)?;
            client.download(&format!("/api/v1/sessions/{id}/recording"))?;
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Copy { id, lines, output } => {
            let id = client.resolve(&id)?;
            let text = client.call("GET", &copy::path(id, lines), None)?;
            copy::write(&text, output.as_deref(), form)?;
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Screen { id } => {
            let id = client.resolve(&id)?;
            client.call("GET", &format!("/api/v1/sessions/{id}/screen"), None)?
        }
        CtlCommand::Resize { id, cols, rows } => client.call(
            "POST",
            &format!("/api/v1/sessions/{}/resize", client.resolve(&id)?),
            Some(json!({"cols": cols, "rows": rows})),
        )?,
        CtlCommand::Interrupt { id } => {
            let id = client.resolve(&id)?;
            client.call("POST", &format!("/api/v1/sessions/{id}/interrupt"), None)?
        }
        CtlCommand::Restart { id } => {
            client.call("POST", &format!("/api/v1/sessions/{id}/restart"), None)?
        }
        CtlCommand::Answer { id, choice } => client.call(
            "POST",
            &format!("/api/v1/sessions/{}/answer", client.resolve(&id)?),
            Some(json!({"choice": crate::session::dialog::Choice::parse(&choice)?})),
        )?,
        CtlCommand::Kill {
            id,
            force,
            remove_worktree,
        } => {
            let id = client.resolve(&id)?;
            let before = client.call("GET", &format!("/api/v1/sessions/{id}"), None)?;
            if before["state"] == "terminated" && !remove_worktree {
                // Nothing to end: saying so, and exiting as `send` does for an ended session.
                crate::terminal_text::errln!(
                    "ccmux: session {id} had already ended ({})",
                    before["state_reason"].as_str().unwrap_or("terminated")
                );
                return Ok(SendOutcome::Ended.exit_code());
            }
            client.call(
                "DELETE",
                &format!("/api/v1/sessions/{id}?force={force}&remove_worktree={remove_worktree}"),
                None,
            )?
        }
        CtlCommand::Rm { id } => {
            let id = client.resolve(&id)?;
            client.call("POST", &format!("/api/v1/sessions/{id}/dismiss"), None)?
        }
        CtlCommand::History { id } => {
            let id = client.resolve(&id)?;
            client.call("GET", &format!("/api/v1/sessions/{id}/history"), None)?
        }
        CtlCommand::Macro { id, name } => {
            return run_macro(&client, client.resolve(&id)?, &name, form);
        }
        CtlCommand::Metrics => {
            crate::terminal_text::out!("{}", client.text("/metrics")?);
            return Ok(ExitCode::SUCCESS);
        }
        CtlCommand::Stats => client.call("GET", "/api/v1/stats/claude", None)?,
    };
    print(&value, form)?;
    Ok(ExitCode::SUCCESS)
}

/// `ctl macro`: prints each step; exits 1 when a step failed.
fn run_macro(client: &Client, id: u64, name: &str, form: Form) -> anyhow::Result<ExitCode> {
    let value = client.call(
        "POST",
        &format!("/api/v1/sessions/{id}/macros/{name}"),
        None,
    )?;
    print(&value, form)?;
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
    form: Form,
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
            crate::terminal_text::errln!("ccmux: {e}");
            return Ok(SendOutcome::Ended.exit_code());
        }
        answer => answer?,
    };
    print(&value, form)?;
    let finished = Finished::deserialize(&value).context("the API's answer has no state")?;
    Ok(SendOutcome::of(finished.state).exit_code())
}

fn print(value: &Value, form: Form) -> anyhow::Result<()> {
    match form {
        Form::Json => crate::terminal_text::outln!("{}", serde_json::to_string_pretty(value)?),
        Form::Human => crate::terminal_text::out!("{}", for_stdout(&format::human(value))),
    }
    Ok(())
}

/// What the server sent, made inert when it goes to a terminal; a pipe or file gets it as is.
fn for_stdout(text: &str) -> std::borrow::Cow<'_, str> {
    crate::terminal_text::for_stream(crate::terminal_text::Stream::Out, text)
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

//! `ctl output`: a session's log through an output filter, page by page, and with `--follow`
//! what its WebSocket streams after it; also the WebSocket handshake, which tests reuse.

use std::io::Write;

use anyhow::Context;
use serde_json::Value;

use super::client::Client;
use super::{Form, for_stdout, format};
use crate::output_filter::FilterQuery;
use crate::protocol::websocket::WsEvent;
use crate::session::SessionState;

/// Prints the log through `filter`; with `follow`, keeps printing what the WebSocket
/// streams through it.
pub(super) fn print_log(
    client: &Client,
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
        let page = client.call(
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
        follow_stream(client, id, since, filter, show)?;
    }
    Ok(())
}

fn follow_stream(
    client: &Client,
    id: u64,
    since: u64,
    filter: &FilterQuery,
    show: Show,
) -> anyhow::Result<()> {
    let request = ws_request_filtered(&client.addr.to_string(), id, &client.auth, filter)?;
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
pub(super) struct Show {
    /// `Json`: one JSON object per entry.
    pub(super) form: Form,
    /// Output as it is, control sequences included: to a pipe or file, or asked with `--raw`.
    pub(super) raw: bool,
}

fn print_entries(entries: &[Value], show: Show) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    for entry in entries {
        let content = entry["content"].as_str().unwrap_or_default();
        if show.form == Form::Json {
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

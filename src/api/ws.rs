//! `WS /ws/sessions/{id}`: a session's output and state as they happen, and its controls.
//!
//! Each client reads the manager's broadcast through its own receiver, a bounded queue that
//! never blocks the session. A client that stops reading falls behind; when it catches up,
//! the missed events are replaced by one fresh screen snapshot.

use axum::extract::State;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{broadcast, mpsc};

use crate::api::AppState;
use crate::api::error::ApiError;
use crate::api::routes::{Id, timeout};
use crate::session::event::{Event, EventKind};
use crate::session::{Session, TerminalSize};

/// Largest message a client may send.
pub const MAX_MESSAGE: usize = 1024 * 1024;

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum ClientMessage {
    Command {
        command: String,
        timeout: Option<f64>,
    },
    Input {
        data: String,
    },
    Resize {
        cols: u16,
        rows: u16,
    },
    Interrupt,
}

pub async fn upgrade(
    State(app): State<AppState>,
    Id(id): Id,
    ws: WebSocketUpgrade,
) -> Result<Response, ApiError> {
    let session = app.manager.get(id)?;
    let events = app.manager.subscribe();
    Ok(ws
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(socket, session, events)))
}

async fn serve(socket: WebSocket, session: Session, mut events: broadcast::Receiver<Event>) {
    let (mut sink, mut stream) = socket.split();
    // Replies to client requests (command results, errors) join the outgoing stream here.
    let (replies_tx, mut replies) = mpsc::channel::<Value>(16);
    if sink.send(text(snapshot(&session))).await.is_err() {
        return;
    }
    loop {
        let outgoing = tokio::select! {
            event = events.recv() => match event {
                Ok(event) if event.session_id == session.id() => event_message(&event),
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => snapshot(&session),
                Err(broadcast::error::RecvError::Closed) => break,
            },
            Some(reply) = replies.recv() => reply,
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(raw))) => {
                    handle(&session, raw.as_str(), replies_tx.clone());
                    continue;
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => continue,
            },
        };
        if sink.send(text(outgoing)).await.is_err() {
            break;
        }
    }
}

fn text(value: Value) -> Message {
    Message::Text(value.to_string().into())
}

fn snapshot(session: &Session) -> Value {
    json!({"type": "screen", "data": session.screen(), "state": session.state()})
}

fn event_message(event: &Event) -> Value {
    match &event.kind {
        EventKind::Output(entry) => json!({"type": "output", "data": entry}),
        EventKind::State(change) => json!({"type": "state", "data": change}),
    }
}

/// Runs a client request off the socket loop, so a long command does not stop the stream.
fn handle(session: &Session, raw: &str, replies: mpsc::Sender<Value>) {
    let message: ClientMessage = match serde_json::from_str(raw) {
        Ok(m) => m,
        Err(e) => {
            let _ = replies.try_send(error("bad_request", e.to_string()));
            return;
        }
    };
    let session = session.clone();
    tokio::spawn(async move {
        let reply = match message {
            ClientMessage::Command {
                command,
                timeout: t,
            } => match timeout(t) {
                Ok(t) => match session.send_command(command.clone(), t).await {
                    Ok(result) => json!({"type": "command_result", "data": {
                        "session_id": session.id(), "command": command,
                        "output": result.output, "state": result.state,
                        "duration_ms": result.duration_ms, "timed_out": result.timed_out}}),
                    Err(e) => error("command_refused", e.to_string()),
                },
                Err(e) => error(e.code, e.message),
            },
            ClientMessage::Input { data } => ack(session.send_input(data).await),
            ClientMessage::Resize { cols, rows } => {
                ack(session.resize(TerminalSize::clamped(cols, rows)).await)
            }
            ClientMessage::Interrupt => ack(session.interrupt().await),
        };
        if reply != Value::Null {
            let _ = replies.send(reply).await;
        }
    });
}

fn ack(result: Result<(), crate::session::SessionError>) -> Value {
    match result {
        Ok(()) => Value::Null,
        Err(e) => error("session_ended", e.to_string()),
    }
}

fn error(code: &str, message: String) -> Value {
    json!({"type": "error", "data": {"code": code, "message": message}})
}

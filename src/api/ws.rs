//! `WS /ws/sessions/{id}`: a session's output and state as they happen, and its controls.
//!
//! Each client reads the manager's broadcast through its own receiver, a bounded queue that
//! never blocks the session. A client that stops reading falls behind; when it catches up,
//! the missed events are replaced by one fresh screen snapshot.
//!
//! A client's requests reach the session in the order it sent them (keys typed through the
//! socket must not swap places), carried out by one task per socket.
//!
//! The URL may carry an output filter (`?strip_ansi=true&grep=…&type=…`, see `output_filter`):
//! output entries and state changes are then sent through it.
//!
//! When the session ends, the client gets its last state change (or, connecting late, its last
//! screen) and then a close frame saying "session ended": nothing more will come.

use std::time::Duration;

use std::sync::Arc;

use axum::Extension;
use axum::extract::rejection::QueryRejection;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{Query, State};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::{broadcast, mpsc};

use crate::api::AppState;
use crate::api::routes::{Id, size, timeout};
use crate::api::ws_cap::{WsCap, WsPlace};
use crate::http::error::ApiError;
use crate::manager::{Manager, ManagerError};
use crate::output_filter::{FilterQuery, Format, OutputFilter};
use crate::protocol::websocket::{CommandOutcome, ScreenState, WsEvent, WsRequest};
use crate::session::dialog::AnswerError;
use crate::session::event::{Event, EventKind};
use crate::session::{
    CommandResult, OutputType, Session, SessionError, SessionId, SessionInfo, SessionState,
};
use crate::web::{Caller, Web};

/// Largest message a client may send.
pub const MAX_MESSAGE: usize = 1024 * 1024;
/// Requests a client may have waiting to be carried out; more are refused, not queued.
const MAX_QUEUED: usize = 64;
/// How long a closing socket waits for the client to answer its close frame.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

pub async fn upgrade(
    State(app): State<AppState>,
    Extension(cap): Extension<Arc<WsCap>>,
    Extension(caller): Extension<Caller>,
    Extension(web): Extension<Arc<Web>>,
    Id(id): Id,
    filter: Result<Query<FilterQuery>, QueryRejection>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let session = app.manager.get(id)?;
    let Query(filter) = filter?;
    if filter.format == Some(Format::Text) {
        return Err(ApiError::invalid(
            "format",
            "the WebSocket speaks JSON; format=text is for GET …/output",
        ));
    }
    let filter = filter.compile()?;
    let ws = ws?;
    let place = cap.claim(id)?;
    let events = app.manager.subscribe();
    // A socket a browser opened with its cookie ends with that browser session.
    let logged_out: LoggedOut = Box::pin(async move { caller.logged_out(&web.browsers).await });
    Ok(ws
        .protocols([crate::web::PROTOCOL])
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| {
            serve(
                socket,
                app.manager,
                session,
                events,
                filter,
                logged_out,
                place,
            )
        }))
}

/// Resolves when the client's browser session is revoked; never for a token's client.
type LoggedOut = std::pin::Pin<Box<dyn std::future::Future<Output = ()> + Send>>;

/// Streams to one client until either side ends; `_place` counts it among the open sockets
/// for as long.
async fn serve(
    socket: WebSocket,
    manager: Manager,
    session: Session,
    mut events: broadcast::Receiver<Event>,
    mut filter: OutputFilter,
    mut logged_out: LoggedOut,
    _place: WsPlace,
) {
    let (mut sink, mut stream) = socket.split();
    // Replies to client requests (command results, errors) join the outgoing stream here.
    let (replies_tx, mut replies) = mpsc::channel::<WsEvent>(16);
    let (requests, queued) = mpsc::channel::<WsRequest>(MAX_QUEUED);
    tokio::spawn(carry_out(
        manager,
        session.clone(),
        queued,
        replies_tx.clone(),
    ));
    let (first, mut ended) = snapshot(&session);
    if sink.send(text(first)).await.is_err() {
        return;
    }
    while !ended {
        let (outgoing, last) = tokio::select! {
            event = events.recv() => match event {
                Ok(event) if event.session_id == session.id() => match event_message(event, &mut filter) {
                    (Some(message), last) => (message, last),
                    // Filtered out; the session's end still closes the socket.
                    (None, true) => break,
                    (None, false) => continue,
                },
                Ok(_) => continue,
                Err(broadcast::error::RecvError::Lagged(_)) => snapshot(&session),
                Err(broadcast::error::RecvError::Closed) => return,
            },
            Some(reply) = replies.recv() => (reply, false),
            () = &mut logged_out => {
                let (code, reason) = (crate::web::LOGGED_OUT, crate::web::LOGGED_OUT_REASON);
                return close(sink, stream, code, reason).await;
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(raw))) => match parse(raw.as_str(), &requests, &mut filter) {
                    Some(refusal) => (refusal, false),
                    None => continue,
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => continue,
            },
        };
        if sink.send(text(outgoing)).await.is_err() {
            return;
        }
        ended = last;
    }
    close(sink, stream, close_code::NORMAL, "session ended").await;
}

/// Sends a close frame with `reason`, then waits a little for the client's answering close:
/// dropping the connection at once could reset it before the client has read the frame.
async fn close(
    mut sink: SplitSink<WebSocket, Message>,
    mut stream: SplitStream<WebSocket>,
    code: u16,
    reason: &str,
) {
    let frame = CloseFrame {
        code,
        reason: reason.into(),
    };
    if sink.send(Message::Close(Some(frame))).await.is_ok() {
        let answered = async { while let Some(Ok(_)) = stream.next().await {} };
        let _ = tokio::time::timeout(CLOSE_WAIT, answered).await;
    }
}

fn text(event: WsEvent) -> Message {
    Message::Text(event.to_json().into())
}

/// The screen as it is now, and whether the session had ended when it was taken (the state
/// is read first, so an ended session's screen is its last).
fn snapshot(session: &Session) -> (WsEvent, bool) {
    let state = session.state();
    let screen = session.screen();
    let message = WsEvent::Screen(ScreenState { screen, state });
    (message, state == SessionState::Terminated)
}

/// Whether `event` is the session's last: nothing follows `terminated`.
fn ends(event: &Event) -> bool {
    matches!(&event.kind, EventKind::State(change) if change.to == SessionState::Terminated)
}

/// What `event` is sent as through `filter` (`None`: filtered out), and whether it is the
/// session's last.
fn event_message(event: Event, filter: &mut OutputFilter) -> (Option<WsEvent>, bool) {
    let last = ends(&event);
    let message = match event.kind {
        EventKind::Output(entry) => filter.apply(entry).map(WsEvent::Output),
        EventKind::State(change) => filter
            .wants(OutputType::State)
            .then_some(WsEvent::State(change)),
    };
    (message, last)
}

/// Queues a client's message for `carry_out`; an error message when it cannot be.
/// A `filter` request takes effect here, at once, for the events that follow it.
fn parse(
    raw: &str,
    requests: &mpsc::Sender<WsRequest>,
    filter: &mut OutputFilter,
) -> Option<WsEvent> {
    let message = match serde_json::from_str(raw) {
        Ok(WsRequest::Filter {
            strip_ansi,
            grep,
            types,
        }) => {
            let query = FilterQuery {
                strip_ansi,
                grep,
                types,
                format: None,
            };
            return match query.compile() {
                Ok(new) => {
                    *filter = new;
                    None
                }
                Err(e) => Some(WsEvent::error("invalid_value", e.to_string())),
            };
        }
        Ok(m) => m,
        Err(e) => return Some(WsEvent::error("bad_request", e.to_string())),
    };
    match requests.try_send(message) {
        Ok(()) => None,
        Err(_) => Some(WsEvent::error(
            "too_many_requests",
            format!("more than {MAX_QUEUED} requests are waiting; wait for their replies"),
        )),
    }
}

/// Carries out one socket's requests in order. A command is queued in order too, but its
/// result is awaited on a task of its own, so an interrupt sent after it is not stuck behind it.
async fn carry_out(
    manager: Manager,
    session: Session,
    mut requests: mpsc::Receiver<WsRequest>,
    replies: mpsc::Sender<WsEvent>,
) {
    while let Some(message) = requests.recv().await {
        let reply: Option<WsEvent> = match message {
            WsRequest::Command {
                command,
                timeout: t,
            } => match timeout(t) {
                Ok(t) => match session.queue_command(command.clone(), t).await {
                    Ok(pending) => {
                        let (id, replies) = (session.id(), replies.clone());
                        tokio::spawn(async move {
                            let reply = command_reply(id, command, pending.finished().await);
                            let _ = replies.send(reply).await;
                        });
                        None
                    }
                    Err(e) => Some(WsEvent::error("session_ended", e.to_string())),
                },
                Err(e) => Some(WsEvent::error(e.code.as_str(), e.message)),
            },
            WsRequest::Input { data } => ack(session.send_input(data).await),
            WsRequest::Resize { cols, rows } => match size("cols/rows", cols, rows) {
                // Through the manager: an API resize holds until a client types.
                Ok(size) => ack(manager
                    .resize(session.id(), size)
                    .await
                    .map_err(|e| match e {
                        ManagerError::Session(e) => e,
                        _ => SessionError::Ended,
                    })),
                Err(e) => Some(WsEvent::error(e.code.as_str(), e.message)),
            },
            WsRequest::Interrupt => ack(session.interrupt().await),
            WsRequest::Answer { choice } => {
                // Like a command, awaited apart so later requests are not held up by it.
                let (session, replies) = (session.clone(), replies.clone());
                tokio::spawn(async move {
                    let _ = replies
                        .send(answer_reply(session.answer(choice).await))
                        .await;
                });
                None
            }
            WsRequest::Wait { state, timeout } => {
                let asked = crate::api::wait::wanted(state.as_deref())
                    .and_then(|wanted| Ok((wanted, crate::api::wait::wait_timeout(timeout)?)));
                match asked {
                    // Awaited apart, as a command is: later requests go on meanwhile.
                    Ok((wanted, timeout)) => {
                        let (manager, session) = (manager.clone(), session.clone());
                        let replies = replies.clone();
                        tokio::spawn(async move {
                            let waited =
                                crate::api::wait::wait_on(&manager, session, &wanted, timeout);
                            let reply = WsEvent::Waited(Box::new(waited.await));
                            let _ = replies.send(reply).await;
                        });
                        None
                    }
                    Err(e) => Some(WsEvent::error(e.code.as_str(), e.message)),
                }
            }
            // Taken by `parse` before it queues anything.
            WsRequest::Filter { .. } => None,
        };
        if let Some(reply) = reply {
            let _ = replies.send(reply).await;
        }
    }
}

fn command_reply(
    id: SessionId,
    command: String,
    result: Result<CommandResult, SessionError>,
) -> WsEvent {
    match result {
        Ok(result) => WsEvent::CommandResult(CommandOutcome {
            session_id: id,
            command,
            output: result.output,
            state: result.state,
            duration_ms: result.duration_ms,
            timed_out: result.timed_out,
        }),
        Err(e) => WsEvent::error("command_refused", e.to_string()),
    }
}

fn answer_reply(result: Result<SessionInfo, AnswerError>) -> WsEvent {
    match result {
        Ok(info) => WsEvent::Answered(Box::new(info)),
        Err(e) => {
            let e = ApiError::from(e);
            WsEvent::error(e.code.as_str(), e.message)
        }
    }
}

fn ack(result: Result<(), SessionError>) -> Option<WsEvent> {
    match result {
        Ok(()) => None,
        Err(e @ SessionError::InputQueueFull { .. }) => {
            Some(WsEvent::error("input_queue_full", e.to_string()))
        }
        Err(e) => Some(WsEvent::error("session_ended", e.to_string())),
    }
}

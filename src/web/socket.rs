//! `WS /ws/web`: the page's one WebSocket. In: which sessions it shows at what size, the keys
//! and pastes typed into the focused one, and frame acknowledgements. Out: frames
//! (`frames.rs`) and errors.
//!
//! A page is a client under the size rule (`manager::sizes`): the sizes it shows sessions at
//! count like a TUI's, and typing makes its size the session's. Keys are handled in the order
//! they come, straight away: the keystroke path never waits for a frame.
//!
//! A socket opened with a browser cookie closes when `ccmux web --revoke` ends that session.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use axum::Extension;
use axum::extract::State;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade};
use axum::http::StatusCode;
use axum::response::Response;
use futures_util::stream::SplitStream;
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::json;
use tokio::sync::{mpsc, watch};

use crate::http::AppState;
use crate::http::error::{ApiError, ErrorCode};
use crate::manager::{ClientId, Manager, ManagerError};
use crate::screen::input::{self, Input};
use crate::screen::schedule::{self, View};
use crate::session::{SessionId, TerminalSize};
use crate::web::frames::PagePainter;
use crate::web::page_keys::{self, PageKey};
use crate::web::{Caller, LOGGED_OUT, LOGGED_OUT_REASON, PROTOCOL, Web};

/// Pages open at once at most.
pub const MAX_PAGES: usize = 32;
/// Sessions one page may show.
const MAX_SHOWN: usize = 256;
/// Largest message a page may send (a paste).
const MAX_MESSAGE: usize = 1024 * 1024;
/// Messages waiting to be written to one page; the frame loop waits when it is full.
const OUT_QUEUE: usize = 8;
/// How long a closing socket waits for its last messages to be written.
const CLOSE_WAIT: Duration = Duration::from_secs(2);

/// How many pages are open.
#[derive(Default)]
pub struct PageCap(AtomicUsize);

/// One open page's place, given up when dropped.
pub struct PagePlace(Arc<Web>);

impl Drop for PagePlace {
    fn drop(&mut self) {
        self.0.pages.0.fetch_sub(1, Ordering::AcqRel);
    }
}

fn claim(web: &Arc<Web>) -> Result<PagePlace, ApiError> {
    let taken = web
        .pages
        .0
        .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
            (n < MAX_PAGES).then_some(n + 1)
        });
    match taken {
        Ok(_) => Ok(PagePlace(web.clone())),
        Err(_) => Err(ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyPages,
            format!("{MAX_PAGES} web pages are open to this server; close one first"),
        )),
    }
}

#[derive(Debug, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
enum FromPage {
    /// The sessions the page shows now, replacing the last view.
    View {
        sessions: Vec<Shown>,
    },
    Key {
        session: SessionId,
        key: PageKey,
    },
    Paste {
        session: SessionId,
        text: String,
    },
    /// The page has drawn every frame up to this one.
    Ack {
        frame: u64,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Shown {
    id: SessionId,
    cols: u32,
    rows: u32,
}

pub async fn upgrade(
    State(app): State<AppState>,
    Extension(web): Extension<Arc<Web>>,
    Extension(caller): Extension<Caller>,
    ws: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Result<Response, ApiError> {
    let ws = ws?;
    let place = claim(&web)?;
    Ok(ws
        .protocols([PROTOCOL])
        .max_message_size(MAX_MESSAGE)
        .max_frame_size(MAX_MESSAGE)
        .on_upgrade(move |socket| serve(socket, app, web, caller, place)))
}

async fn serve(socket: WebSocket, app: AppState, web: Arc<Web>, caller: Caller, _place: PagePlace) {
    let client_id = web.browsers.next_client();
    let (mut sink, stream) = socket.split();
    let (out, mut queued) = mpsc::channel::<Message>(OUT_QUEUE);
    let writer = tokio::spawn(async move {
        while let Some(message) = queued.recv().await {
            let closing = matches!(message, Message::Close(_));
            if sink.send(message).await.is_err() || closing {
                return;
            }
        }
    });
    let (view, viewed) = watch::channel(View::new());
    let (acked, acks) = watch::channel(0u64);
    let painter = PagePainter {
        manager: app.manager.clone(),
        last_list: None,
    };
    let typed = Arc::new(schedule::Typed::default());
    let client = schedule::Client {
        view: viewed,
        acked: acks,
        typed: typed.clone(),
        out: out.clone(),
    };
    let frames = tokio::spawn(schedule::run(
        app.manager.clone(),
        app.config.get().ui.frame_cap,
        client,
        painter,
    ));
    let page = Page {
        manager: app.manager.clone(),
        client: client_id,
        view,
        acked,
        typed,
        out: out.clone(),
    };
    let ending = page.read(stream, &web, &caller).await;
    frames.abort();
    app.manager.client_left(client_id);
    if let Some(frame) = ending {
        let _ = out.send(Message::Close(Some(frame))).await;
    }
    drop(out);
    let _ = tokio::time::timeout(CLOSE_WAIT, writer).await;
}

struct Page {
    manager: Manager,
    client: ClientId,
    view: watch::Sender<View>,
    acked: watch::Sender<u64>,
    /// Sessions the page typed into: their echo's frame goes at once.
    typed: Arc<schedule::Typed>,
    out: mpsc::Sender<Message>,
}

impl Page {
    /// Carries out the page's messages in order until it goes; the close frame to send, if
    /// the server ends it.
    async fn read(
        &self,
        mut stream: SplitStream<WebSocket>,
        web: &Web,
        caller: &Caller,
    ) -> Option<CloseFrame> {
        let logged_out = caller.logged_out(&web.browsers);
        tokio::pin!(logged_out);
        loop {
            tokio::select! {
                incoming = stream.next() => match incoming {
                    Some(Ok(Message::Text(raw))) => {
                        if let Err(e) = self.handle(raw.as_str()).await {
                            self.tell(e);
                        }
                    }
                    Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
                    Some(Ok(_)) => {}
                },
                () = &mut logged_out => {
                    return Some(CloseFrame {
                        code: LOGGED_OUT,
                        reason: LOGGED_OUT_REASON.into(),
                    });
                }
            }
        }
    }

    async fn handle(&self, raw: &str) -> Result<(), ApiError> {
        let message: FromPage = serde_json::from_str(raw).map_err(|e| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                ErrorCode::BadRequest,
                e.to_string(),
            )
        })?;
        match message {
            FromPage::View { sessions } => self.show(sessions).await,
            FromPage::Key { session, key } => {
                let typed = page_keys::input(&key).map_err(|e| ApiError::invalid("key", e))?;
                self.type_into(session, typed).await
            }
            FromPage::Paste { session, text } => self.type_into(session, Input::Paste(text)).await,
            FromPage::Ack { frame } => {
                self.acked.send_if_modified(|last| {
                    let newer = frame > *last;
                    *last = (*last).max(frame);
                    newer
                });
                Ok(())
            }
        }
    }

    async fn show(&self, sessions: Vec<Shown>) -> Result<(), ApiError> {
        if sessions.len() > MAX_SHOWN {
            return Err(ApiError::invalid(
                "sessions",
                format!("a page shows at most {MAX_SHOWN} sessions"),
            ));
        }
        let mut view = View::new();
        for shown in sessions {
            let size = TerminalSize::checked(shown.cols, shown.rows)
                .map_err(|e| ApiError::invalid("cols/rows", e))?;
            // An ended session takes no size but still shows its last screen; one already
            // forgotten is simply not shown.
            match self.manager.client_shows(self.client, shown.id, size).await {
                Err(ManagerError::NotFound(_)) => {}
                _ => {
                    view.insert(shown.id, size);
                }
            }
        }
        self.view.send_replace(view);
        Ok(())
    }

    /// Encodes `typed` with the session's modes and sends it, straight away.
    async fn type_into(&self, session: SessionId, typed: Input) -> Result<(), ApiError> {
        let bytes = {
            let s = self.manager.get(session)?;
            let terminal = s.terminal().lock();
            input::encode(&typed, &terminal).map_err(|e| ApiError::invalid("text", e))?
        };
        match bytes {
            Some(bytes) => {
                self.typed.mark(session);
                Ok(self
                    .manager
                    .client_input(self.client, session, bytes)
                    .await?)
            }
            None => Ok(()),
        }
    }

    /// An error for the page; dropped when its queue is full (the page is not reading).
    fn tell(&self, e: ApiError) {
        let body = json!({"type": "error", "code": e.code.as_str(), "message": e.message});
        let _ = self.out.try_send(Message::Text(body.to_string().into()));
    }
}

//! The full-screen TUI: a client of the server, showing one workspace's sessions as panes.
//!
//! The server renders, this client paints: each pane keeps the rows the server's frames last
//! brought (see `crate::screen`) and nothing else — no terminal parser, no history; scroll
//! mode, search and copy ask the server. Keys go to the server as typed events. Redraws happen
//! only when something changed, at most `frame_cap` times a second — except the echo of a key,
//! which is drawn the moment its frame arrives: the keystroke path never waits for a frame
//! tick. With nothing happening the loop sleeps on its channels.

mod ack;
mod action;
mod app;
mod attention;
mod canvas;
mod draw;
mod forward;
mod frame_out;
#[cfg(test)]
mod harness;
pub mod hosts;
mod input_decoder;
pub mod layout;
pub mod link;
mod macro_picker;
mod mouse;
mod overlay;
mod pane;
mod patch;
mod prompt;
mod remote;
pub mod render;
mod scroll;
mod select;
#[cfg(test)]
mod snapshot_tests;
mod status_bar;
mod terminal_events;
mod title;

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossterm::cursor::SetCursorStyle;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event, KeyEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use tokio::sync::{mpsc, oneshot};
use tokio::time::sleep_until;

use crate::client::{Channels, Connection};
use crate::config::Config;
use crate::protocol::{Attach, ClientMessage, ServerMessage};
use crate::server::runtime::termination_signal;
pub use app::Leave;
use app::{App, Effect};
pub use link::{Dial, Link};

/// How long a leaving client waits for its last requests to be written.
const FLUSH_TIMEOUT: Duration = Duration::from_secs(2);

/// Attaches to a workspace and runs the TUI until the user detaches or quits, the terminal
/// hangs up, or the server goes away. Errors before the screen is taken (a refused attach)
/// come back as errors, printed on a normal terminal.
pub async fn run(
    channels: Channels,
    link: Link,
    attach: Attach,
    config: Arc<Config>,
    cwd: PathBuf,
) -> anyhow::Result<Leave> {
    let (to_server, mut from_server) = (channels.to_server, channels.from_server);
    let mut written = channels.written;
    to_server
        .send(ClientMessage::Attach(attach))
        .await
        .map_err(|_| anyhow::anyhow!("the server closed the connection"))?;
    let mut app = App::new(to_server, config, cwd);
    app.link = link;
    match from_server.recv().await {
        Some(ServerMessage::Refused { reason }) => anyhow::bail!("{reason}"),
        Some(first) => {
            app.on_server(first);
        }
        None => anyhow::bail!("the server closed the connection"),
    }
    let out = frame_out::FrameOut::default();
    let mut terminal = enter(out.clone()).context("cannot set up the terminal")?;
    let result = event_loop(
        &mut terminal,
        &out,
        &mut app,
        &mut from_server,
        &mut written,
    )
    .await;
    leave();
    tracing::info!(frames = app.frames, "the TUI stopped");
    result?;
    let left = app.quit.clone().unwrap_or(Leave::Detached);
    // The last requests (close the workspace, say) reach the server before the client goes.
    drop(app);
    let _ = tokio::time::timeout(FLUSH_TIMEOUT, written).await;
    Ok(left)
}

type Term = canvas::Canvas<CrosstermBackend<frame_out::FrameOut>>;

fn enter(out: frame_out::FrameOut) -> anyhow::Result<Term> {
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        leave();
        hook(info);
    }));
    enable_raw_mode()?;
    execute!(
        std::io::stdout(),
        EnterAlternateScreen,
        EnableMouseCapture,
        EnableBracketedPaste,
        EnableFocusChange
    )?;
    // Sized once here and then on the terminal's resize events, not asked before every draw
    // (three system calls on the path of every echo).
    let (cols, rows) = crossterm::terminal::size()?;
    Ok(canvas::Canvas::new(
        CrosstermBackend::new(out),
        Rect::new(0, 0, cols, rows),
    ))
}

/// Puts the terminal back as it was. Safe to call more than once.
fn leave() {
    let mut out = std::io::stdout();
    let _ = execute!(
        out,
        DisableFocusChange,
        DisableBracketedPaste,
        DisableMouseCapture,
        LeaveAlternateScreen,
        SetCursorStyle::DefaultUserShape,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

/// Paints and takes keys until the client ends. `from_server` and `written` are replaced when
/// a dropped remote link is dialled again.
async fn event_loop(
    terminal: &mut Term,
    out: &frame_out::FrameOut,
    app: &mut App,
    from_server: &mut mpsc::Receiver<ServerMessage>,
    written: &mut tokio::task::JoinHandle<()>,
) -> anyhow::Result<()> {
    let mut input = terminal_events::TerminalEvents::new()?;
    let signal = termination_signal();
    tokio::pin!(signal);
    let interval = Duration::from_secs(1) / app.config.ui.frame_cap.clamp(1, 240);
    let mut last_frame = Instant::now() - interval;
    let mut dirty = true;
    let mut recheck: Option<Instant> = None;
    let mut cursor_shape = 0;
    // The connection a dropped remote link is being dialled again for.
    let mut relink: Option<oneshot::Receiver<Connection>> = None;
    while app.quit.is_none() {
        let next_frame = match (dirty, recheck) {
            (true, _) => Some(last_frame + interval),
            (false, Some(at)) => Some(at.max(last_frame + interval)),
            (false, None) => None,
        };
        let mut echo = false;
        let ack_due = app.acks.due();
        tokio::select! {
            biased;
            // A hang-up (the terminal closed) or a polite kill detaches; the sessions go on.
            _ = &mut signal => app.quit = Some(Leave::Detached),
            event = input.next() => match event {
                Ok(Event::Resize(cols, rows)) => {
                    terminal.resize(Rect::new(0, 0, cols, rows))?;
                    out.commit()?;
                    dirty = true;
                }
                Ok(event) => {
                    let forwarded = app.forwarded;
                    if let Some(effect) = on_terminal_event(app, event) {
                        apply(effect);
                    }
                    // Keys for a pane redraw with their echo; anything else redraws now.
                    dirty |= app.forwarded == forwarded;
                    // Keys for a pane go to the socket before anything else is done here.
                    if app.forwarded != forwarded {
                        tokio::task::yield_now().await;
                    }
                }
                Err(_) => app.quit = Some(Leave::Detached),
            },
            // Before server messages, so a flood of output cannot hold frames back.
            _ = sleep_until(next_frame.unwrap_or_else(Instant::now).into()), if next_frame.is_some() => {
                dirty = true;
            }
            _ = sleep_until(ack_due.unwrap_or_else(Instant::now).into()), if ack_due.is_some() => {
                app.acknowledge();
            }
            message = from_server.recv(), if relink.is_none() => match message {
                Some(message) => {
                    // A key's echo, or the history page a key in scroll mode asked for: the
                    // answer to the user's key is drawn now.
                    echo = match &message {
                        ServerMessage::Frame { screens, .. } => {
                            screens.iter().any(|(id, _)| app.awaiting_echo == Some(*id))
                        }
                        ServerMessage::Page { .. } => true,
                        _ => false,
                    };
                    // Rows of panes and nothing else, with nothing else waiting: drawn in
                    // place, not the whole screen again.
                    let plan = (echo && !dirty).then(|| patch::plan(app, &message)).flatten();
                    if let Some(effect) = app.on_server(message) {
                        apply(effect);
                    }
                    match plan {
                        Some(plan) => {
                            patch::draw(terminal, app, plan)?;
                            out.commit()?;
                            restyle_cursor(app, &mut cursor_shape);
                            app.awaiting_echo = None;
                            echo = false;
                        }
                        None => dirty = true,
                    }
                }
                None => {
                    relink = app.link_lost();
                    dirty = true;
                }
            },
            connection = async { relink.as_mut().expect("guarded").await }, if relink.is_some() => {
                relink = None;
                if let Ok(connection) = connection {
                    let channels = connection.into_channels();
                    *from_server = channels.from_server;
                    *written = channels.written;
                    app.relinked(channels.to_server);
                }
                dirty = true;
            }
        }
        app.ask_pages();
        // A selection's text comes from the server: whichever message brought it.
        if let Some(text) = app.clipboard.take() {
            let mut out = std::io::stdout();
            let _ = out
                .write_all(&select::osc52(&text))
                .and_then(|_| out.flush());
        }
        // The echo of a key is drawn now, not at the next tick (and not through a timer, whose
        // millisecond granularity alone would double tmux's latency).
        if dirty && (echo || last_frame.elapsed() >= interval) {
            terminal.draw(|frame| recheck = draw::draw(frame, app))?;
            out.commit()?;
            app.fit_ptys();
            if echo {
                app.awaiting_echo = None;
            }
            restyle_cursor(app, &mut cursor_shape);
            last_frame = Instant::now();
            dirty = false;
        }
    }
    Ok(())
}

/// Gives the cursor the shape the focused pane's program asked for, when it changed.
fn restyle_cursor(app: &App, shown: &mut u8) {
    let shape = app
        .focused()
        .and_then(|p| p.grid().cursor)
        .map_or(0, |c| c.shape);
    if shape != *shown {
        *shown = shape;
        let _ = execute!(std::io::stdout(), cursor_style(shape));
    }
}

/// The cursor a program asked for with DECSCUSR's number.
fn cursor_style(shape: u8) -> SetCursorStyle {
    match shape {
        1 => SetCursorStyle::BlinkingBlock,
        2 => SetCursorStyle::SteadyBlock,
        3 => SetCursorStyle::BlinkingUnderScore,
        4 => SetCursorStyle::SteadyUnderScore,
        5 => SetCursorStyle::BlinkingBar,
        6 => SetCursorStyle::SteadyBar,
        _ => SetCursorStyle::DefaultUserShape,
    }
}

fn on_terminal_event(app: &mut App, event: Event) -> Option<Effect> {
    match event {
        Event::Key(key) if key.kind != KeyEventKind::Release => app.on_key(key),
        Event::Mouse(mouse) => {
            app.on_mouse(mouse);
            None
        }
        Event::Paste(text) => {
            app.on_paste(&text);
            None
        }
        Event::FocusGained => {
            app.on_focus_change(true);
            None
        }
        Event::FocusLost => {
            app.on_focus_change(false);
            None
        }
        _ => None,
    }
}

fn apply(effect: Effect) {
    match effect {
        Effect::Bell => {
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\x07").and_then(|_| out.flush());
        }
    }
}

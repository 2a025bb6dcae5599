//! The full-screen TUI over the manager: panes, status bar, keys.
//!
//! Redraws happen only when something changed (input, a session event, a resize), at most
//! `frame_cap` times a second, drawing at once when a frame interval has already passed. With
//! nothing happening the loop sleeps on its channels: no ticks, no idle CPU. Session output is
//! parsed by the session actors, so a flood never blocks this loop; it only reads screens.

mod app;
mod attention;
mod draw;
mod forward;
#[cfg(test)]
mod harness;
pub mod keys;
pub mod layout;
mod mouse;
mod prompt;
pub mod render;
mod scroll;
mod title;

use std::io::Write;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossterm::event::{
    DisableBracketedPaste, DisableFocusChange, DisableMouseCapture, EnableBracketedPaste,
    EnableFocusChange, EnableMouseCapture, Event, EventStream, KeyEventKind,
};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use futures_util::StreamExt;
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use tokio::sync::broadcast::error::RecvError;
use tokio::time::sleep_until;

use crate::app::{Context, Running, start_session, termination_signal};
use crate::config::SessionRequest;
use crate::session::event::EventKind;
use app::{App, Effect};

/// Runs the TUI until the user quits or a termination signal arrives. `run` is a command
/// given after `--`, started as the only session.
pub async fn run(ctx: Context, run: Vec<String>) -> anyhow::Result<()> {
    let running = Running::start(&ctx).await?;
    let problems = start_sessions(&ctx, &running, run).await;
    let mut app = App::new(
        running.manager.clone(),
        ctx.config.clone(),
        ctx.cwd.clone(),
        running.api_addr,
    );
    app.message = problems.into_iter().next();

    let mut terminal = enter().context("cannot set up the terminal")?;
    let result = event_loop(&mut terminal, &mut app).await;
    leave();
    tracing::info!(frames = app.frames, "the TUI stopped");
    let live = app
        .sessions()
        .iter()
        .filter(|s| s.state() != crate::session::SessionState::Terminated)
        .count();
    if live > 0 {
        eprintln!("ccmux: ending {live} session(s)…");
    }
    running.shutdown().await;
    result
}

/// The `--` command, else the config's autostart sessions, else one default session.
async fn start_sessions(ctx: &Context, running: &Running, run: Vec<String>) -> Vec<String> {
    let default_task = || {
        ctx.cwd
            .file_name()
            .map_or_else(|| "main".to_string(), |n| n.to_string_lossy().into_owned())
    };
    if run.is_empty() {
        let problems = running.autostart(ctx).await;
        if !running.manager.list().is_empty() || !problems.is_empty() {
            return problems;
        }
    }
    let request = SessionRequest {
        task_id: default_task(),
        command: (!run.is_empty()).then_some(run),
        ..SessionRequest::default()
    };
    let result = start_session(&running.manager, &ctx.config, request, &ctx.cwd).await;
    result.err().map(|e| e.to_string()).into_iter().collect()
}

type Term = Terminal<CrosstermBackend<std::io::Stdout>>;

fn enter() -> anyhow::Result<Term> {
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
    Ok(Terminal::new(CrosstermBackend::new(std::io::stdout()))?)
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
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    let _ = out.flush();
}

async fn event_loop(terminal: &mut Term, app: &mut App) -> anyhow::Result<()> {
    let mut input = EventStream::new();
    let mut events = app.manager.subscribe();
    let signal = termination_signal();
    tokio::pin!(signal);
    let interval = Duration::from_secs(1) / app.config.ui.frame_cap.clamp(1, 240);
    let mut cache = draw::PaneCache::default();
    let mut last_frame = Instant::now() - interval;
    let mut dirty = true;
    let mut recheck: Option<Instant> = None;
    while !app.quit {
        let next_frame = match (dirty, recheck) {
            (true, _) => Some(last_frame + interval),
            (false, Some(at)) => Some(at.max(last_frame + interval)),
            (false, None) => None,
        };
        tokio::select! {
            biased;
            _ = &mut signal => app.quit = true,
            event = input.next() => match event {
                Some(Ok(event)) => {
                    if let Some(effect) = on_terminal_event(app, event) {
                        apply(app, effect).await;
                    }
                    dirty = true;
                }
                Some(Err(e)) => return Err(e.into()),
                None => app.quit = true,
            },
            event = events.recv() => match event {
                Ok(event) => {
                    if let EventKind::State(change) = &event.kind
                        && let Some(effect) = app.on_state(event.session_id, change.from, change.to)
                    {
                        apply(app, effect).await;
                    }
                    dirty = true;
                }
                Err(RecvError::Lagged(_)) => dirty = true,
                Err(RecvError::Closed) => app.quit = true,
            },
            _ = sleep_until(next_frame.unwrap_or_else(Instant::now).into()), if next_frame.is_some() => {
                terminal.draw(|frame| recheck = draw::draw(frame, app, &mut cache))?;
                app.fit_ptys();
                last_frame = Instant::now();
                dirty = false;
            }
        }
    }
    Ok(())
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

async fn apply(app: &mut App, effect: Effect) {
    match effect {
        Effect::Bell => {
            let mut out = std::io::stdout();
            let _ = out.write_all(b"\x07").and_then(|_| out.flush());
        }
        Effect::Spawn(request) => {
            let result = start_session(&app.manager, &app.config, request, &app.cwd).await;
            match result {
                Ok(session) => {
                    app.set_focus(session.id());
                    app.message = None;
                }
                Err(e) => app.message = Some(format!("could not start: {e}")),
            }
        }
    }
}

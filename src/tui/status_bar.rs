//! The status bar at the bottom of the screen: the workspace, each session with its state,
//! the line the user must read (the keys after the prefix, a question, a notice, scroll mode's
//! keys) and the resources used. Apart from `draw.rs`, which lays out the frame it sits in.

use std::collections::BTreeMap;

use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use crate::config::Action;
use crate::session::WorkspaceName;
use crate::tui::app::{App, Mode};
use crate::tui::link::split_pane_id;
use crate::tui::pane::Pane as Session;
use crate::tui::render::{state_glyph, state_style};

/// The workspace, its sessions with their states, and a line for the user: the keys, a
/// question or a notice. What the user must read comes before the sessions, so a narrow screen
/// cuts the session list rather than the question.
pub fn status_line<'a>(app: &App, sessions: &[Session]) -> Paragraph<'a> {
    let workspace = app.workspace.as_ref().map_or("", WorkspaceName::as_str);
    let place = format!(" [{}] ", app.link.place(workspace));
    let mut spans = vec![Span::styled(place, Style::default().fg(Color::Cyan))];
    if app.zoom {
        spans.push(Span::styled("[zoom] ", Style::default().fg(Color::Cyan)));
    }
    let (text, urgent) = match &app.mode {
        Mode::Prefix => (prefix_hint(app), true),
        Mode::Scroll {
            search,
            typing: true,
        } => (format!("search: {search}▏"), true),
        Mode::Scroll { .. } => (
            app.message.clone().unwrap_or_else(|| {
                let key = |action| app.keymap.key_label(action);
                match app.selection {
                    Some(_) => format!(
                        "select: ↑↓←→ hjkl 0 $ · {} or Enter copy · Esc drop",
                        key(Action::Copy)
                    ),
                    None => format!(
                        "scroll: ↑↓ PgUp PgDn g G · / search · n N · {} select · q leave",
                        key(Action::Select)
                    ),
                }
            }),
            true,
        ),
        _ => match &app.message {
            Some(message) => (message.clone(), true),
            None => {
                let help = app.keymap.key_label(Action::Help);
                (format!("{} {help} help", app.config.ui.prefix), false)
            }
        },
    };
    let hint = Span::styled(format!(" {text} "), Style::default().fg(Color::White));
    if urgent {
        spans.push(hint);
        spans.extend(session_spans(app, sessions));
    } else {
        spans.extend(session_spans(app, sessions));
        spans.push(hint);
    }
    if let Some(usage) = &app.usage {
        spans.push(usage_span(usage, app.focused().map(|s| s.id())));
    }
    if let Some(addr) = app.api_addr {
        spans.push(Span::styled(
            format!(" api {addr} "),
            Style::default().fg(Color::DarkGray),
        ));
    }
    Paragraph::new(Line::from(spans)).style(Style::default().bg(Color::Indexed(235)))
}

/// The focused session's CPU and memory, and the workspace's when it has more sessions.
fn usage_span<'a>(
    usage: &std::collections::HashMap<crate::session::SessionId, crate::usage::Resources>,
    focused: Option<crate::session::SessionId>,
) -> Span<'a> {
    let show = |cpu: f64, rss: u64| format!("cpu {cpu:.1}% mem {:.1}M", rss as f64 / 1048576.0);
    let mut text = match focused.and_then(|id| usage.get(&id)) {
        Some(used) => show(used.cpu_percent, used.rss_bytes),
        None if usage.is_empty() => "cpu … mem …".to_string(),
        None => "cpu - mem -".to_string(),
    };
    if usage.len() > 1 {
        let cpu = usage.values().map(|u| u.cpu_percent).sum();
        let rss = usage.values().map(|u| u.rss_bytes).sum();
        text.push_str(&format!(" · all {}", show(cpu, rss)));
    }
    Span::styled(format!(" {text} "), Style::default().fg(Color::Yellow))
}

/// Each session with its state, the focused one reversed, then the count in each state.
fn session_spans<'a>(app: &App, sessions: &[Session]) -> Vec<Span<'a>> {
    let mut spans = Vec::new();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let focused = app.focused().map(|s| s.id());
    for s in sessions {
        let state = s.state();
        *counts.entry(state.to_string()).or_default() += 1;
        let mut style = state_style(state);
        if focused == Some(s.id()) {
            style = style.add_modifier(Modifier::REVERSED);
        }
        // Beside this machine's sessions, another's says its host.
        let host = match app.link.pane_host(s.id()) {
            Some((host, _)) if split_pane_id(s.id()).0 > 0 => format!("{host}/"),
            _ => String::new(),
        };
        let number = app.pane_number(s.id());
        spans.push(Span::styled(
            format!(" {}{number}:{host}{} ", state_glyph(state), app.name(s)),
            style,
        ));
    }
    let summary: Vec<String> = counts
        .iter()
        .map(|(state, n)| format!("{n} {state}"))
        .collect();
    spans.push(Span::styled(
        format!(" {} ", summary.join(" · ")),
        Style::default().fg(Color::DarkGray),
    ));
    spans
}

/// The keys after the prefix, as the keymap has them: an action's first key and its hint word,
/// actions with the same word together (`< > resize`).
fn prefix_hint(app: &App) -> String {
    let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
    for (action, _) in app.keymap.iter() {
        let key = app.keymap.key_label(action);
        match groups.last_mut() {
            Some((hint, keys)) if *hint == action.hint() => keys.push(key),
            _ => groups.push((action.hint(), vec![key])),
        }
    }
    groups
        .iter()
        .map(|(hint, keys)| format!("{} {hint}", keys.join(" ")))
        .chain(["1-9 session".to_string()])
        .collect::<Vec<_>>()
        .join(" · ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::SessionState;
    use crate::tui::harness::{Harness, wait_for};

    #[tokio::test]
    async fn the_status_bar_lists_sessions_counts_states_and_shows_the_api() {
        let mut h = Harness::start(&["sleep 30", "sleep 30"]).await;
        h.app.api_addr = Some("127.0.0.1:7878".parse().unwrap());
        let state = SessionState::Ready;
        for session in &h.sessions {
            wait_for(session, |s| s.state() == state).await;
        }
        let (text, _) = h.frame().await;
        let bar = text.lines().last().unwrap();
        let glyph = state_glyph(state);
        for session in ["1:t1", "2:t2"] {
            assert!(bar.contains(&format!("{glyph}{session}")), "{bar}");
        }
        assert!(bar.contains(&format!("2 {state}")), "{bar}");
        assert!(bar.contains("ctrl-a ? help"), "{bar}");
        assert!(bar.contains("api 127.0.0.1:7878"), "{bar}");
    }
}

//! `ccmux play FILE [--speed N]`: a recording shown in a pane, at the pace it was recorded.
//!
//! The recording's output goes through ccmux's own terminal (as a session's does) and the
//! screen is drawn inside a frame whose title says where the replay is, so an escape sequence
//! in the recording cannot reach the real terminal. Space pauses, `q` (or Esc, Ctrl-C) quits.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use anyhow::Context as _;
use crossterm::event::{self, Event as Input, KeyCode, KeyEventKind, KeyModifiers};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};
use ratatui::Terminal as Screen;
use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::widgets::{Block, Borders};

use crate::recording::asciicast::{self, EventKind, Recording};
use crate::session::Terminal;

/// The fastest and slowest a replay may go.
pub const MAX_SPEED: f64 = 1000.0;
pub const MIN_SPEED: f64 = 0.01;
/// Redraws at most this often while events flow.
const FRAME: Duration = Duration::from_millis(16);

/// Plays `path` until it ends and a key is pressed, or until `q`.
pub fn run(path: &std::path::Path, speed: f64) -> anyhow::Result<()> {
    anyhow::ensure!(
        (MIN_SPEED..=MAX_SPEED).contains(&speed),
        "--speed must be {MIN_SPEED}–{MAX_SPEED} (got {speed})"
    );
    anyhow::ensure!(
        std::io::stdout().is_terminal(),
        "ccmux play draws in a terminal; stdout is not one"
    );
    let recording = asciicast::read_file(path)?;
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    enable_raw_mode().context("cannot put the terminal in raw mode")?;
    execute!(std::io::stdout(), EnterAlternateScreen)?;
    let result = Screen::new(CrosstermBackend::new(std::io::stdout()))
        .map_err(anyhow::Error::from)
        .and_then(|mut screen| Player::new(&recording, &name, speed).play(&mut screen));
    let _ = execute!(
        std::io::stdout(),
        LeaveAlternateScreen,
        crossterm::cursor::Show
    );
    let _ = disable_raw_mode();
    result
}

struct Player<'a> {
    recording: &'a Recording,
    name: &'a str,
    speed: f64,
    terminal: Terminal,
    next: usize,
    /// Recording time shown so far, in seconds.
    at: f64,
    paused: bool,
}

impl<'a> Player<'a> {
    fn new(recording: &'a Recording, name: &'a str, speed: f64) -> Self {
        Self {
            recording,
            name,
            speed,
            terminal: Terminal::new(recording.header.size(), 0),
            next: 0,
            at: 0.0,
            paused: false,
        }
    }

    fn play(
        mut self,
        screen: &mut Screen<CrosstermBackend<std::io::Stdout>>,
    ) -> anyhow::Result<()> {
        let total = self.recording.events.last().map_or(0.0, |e| e.time);
        let mut clock = Instant::now();
        loop {
            if !self.paused {
                let now = Instant::now();
                self.at += now.duration_since(clock).as_secs_f64() * self.speed;
                clock = now;
                self.apply_due();
            }
            let ended = self.next >= self.recording.events.len();
            screen.draw(|frame| self.draw(frame, total, ended))?;
            let wait = match self.recording.events.get(self.next) {
                Some(e) if !self.paused => {
                    Duration::from_secs_f64(((e.time - self.at) / self.speed).max(0.0)).max(FRAME)
                }
                _ => Duration::from_secs(3600),
            };
            if event::poll(wait)? {
                match event::read()? {
                    Input::Key(key) if key.kind != KeyEventKind::Release => {
                        let ctrl_c = key.modifiers.contains(KeyModifiers::CONTROL)
                            && key.code == KeyCode::Char('c');
                        if ctrl_c || matches!(key.code, KeyCode::Char('q') | KeyCode::Esc) || ended
                        {
                            return Ok(());
                        }
                        if key.code == KeyCode::Char(' ') {
                            self.paused = !self.paused;
                            clock = Instant::now();
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Feeds every event whose time has come.
    fn apply_due(&mut self) {
        while let Some(event) = self.recording.events.get(self.next) {
            if event.time > self.at {
                break;
            }
            match &event.kind {
                EventKind::Output(text) => {
                    self.terminal.process(text.as_bytes());
                }
                EventKind::Resize(size) => self.terminal.resize(*size),
                EventKind::Input(_) | EventKind::Marker(_) => {}
            }
            self.next += 1;
        }
    }

    fn draw(&self, frame: &mut ratatui::Frame, total: f64, ended: bool) {
        let area = frame.area();
        let size = self.terminal.size();
        let outer = Rect {
            width: area.width.min(size.cols.saturating_add(2)),
            height: area.height.min(size.rows.saturating_add(2)),
            ..area
        };
        let status = if ended {
            "ended · any key quits".to_string()
        } else if self.paused {
            "paused · space resumes · q quits".to_string()
        } else {
            "space pauses · q quits".to_string()
        };
        let title = format!(
            " ▶ {} · {} / {} · {}x · {status} ",
            self.name,
            clock(self.at.min(total)),
            clock(total),
            self.speed,
        );
        let block = Block::default().borders(Borders::ALL).title(title);
        let inner = block.inner(outer);
        frame.render_widget(block, outer);
        let rows = crate::screen::styled::rows(self.terminal.screen());
        crate::tui::render::paint(&rows, inner, frame.buffer_mut());
    }
}

/// `m:ss`.
fn clock(seconds: f64) -> String {
    let whole = seconds as u64;
    format!("{}:{:02}", whole / 60, whole % 60)
}

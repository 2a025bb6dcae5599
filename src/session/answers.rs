//! Which answers to terminal queries (DSR, DA, XTVERSION, …) are written back to the program.
//!
//! An answer is input. Written when nothing waits for it, it is typed into whatever reads the
//! terminal next: after `printf '\e[c'` at a bash prompt, `1;2c` ran as a command; after
//! `head -c 2M /dev/urandom`, bash read hundreds of lines of junk. So an answer is written only
//! while the program that asked can take it, judged from the terminal when the query was read
//! and again [`SETTLE`] later, when the answer is due:
//!
//! - the terminal is not in canonical mode with echo, the mode of a program reading lines (an
//!   answer would sit in its line until Enter) and the mode a shell runs its commands in;
//! - the foreground process group is still the one that asked: it has not exited and handed
//!   the terminal back;
//! - in a shell session, the shell has not returned to its line editor since the query. Bash
//!   runs a builtin's `printf` and is back in readline, in raw mode, within a millisecond, too
//!   soon for the two checks above; but readline, zle and fish turn bracketed paste on as they
//!   take the terminal back, and that shows in the output after the query.
//!
//! A program asking in a loop gets [`BURST`] answers at once and [`RATE`] a second after that;
//! answers that find the input queue full are dropped too. Drops are counted and logged.

use std::os::fd::RawFd;
use std::time::{Duration, Instant};

use crate::session::SessionId;
use crate::session::terminal::Answer;

/// How long an answer waits for signs that its asker is gone.
pub const SETTLE: Duration = Duration::from_millis(50);
/// Answers written at once, at most, and per second after that.
pub const BURST: f64 = 32.0;
pub const RATE: f64 = 32.0;

/// The terminal as the program sees it, read through the master.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TtyMoment {
    /// Canonical mode with echo (or the terminal could not be read): a line is being read.
    pub line_mode: bool,
    pub foreground: Option<libc::pid_t>,
}

impl TtyMoment {
    /// The termios and foreground process group of the PTY whose master is `master`; on Linux
    /// the master reports the slave's. A descriptor that cannot be read (-1) reads as line
    /// mode: nothing is answered.
    pub fn sample(master: RawFd) -> Self {
        // SAFETY: tcgetattr and tcgetpgrp only write to the termios we pass and read `master`,
        // a descriptor the caller keeps open.
        unsafe {
            let mut termios: libc::termios = std::mem::zeroed();
            let line_mode = libc::tcgetattr(master, &mut termios) != 0
                || termios.c_lflag & (libc::ICANON | libc::ECHO) == (libc::ICANON | libc::ECHO);
            let group = libc::tcgetpgrp(master);
            Self {
                line_mode,
                foreground: (group > 0).then_some(group),
            }
        }
    }
}

/// Why an answer was not written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unanswered {
    LineMode,
    AskerGone,
    ShellLineEditor,
    RateLimit,
    QueueFull,
}

impl Unanswered {
    const ALL: [Unanswered; 5] = [
        Unanswered::LineMode,
        Unanswered::AskerGone,
        Unanswered::ShellLineEditor,
        Unanswered::RateLimit,
        Unanswered::QueueFull,
    ];

    fn reason(self) -> &'static str {
        match self {
            Unanswered::LineMode => "the terminal reads lines (canonical mode with echo)",
            Unanswered::AskerGone => "the program that asked left the foreground",
            Unanswered::ShellLineEditor => "the shell was back at its prompt",
            Unanswered::RateLimit => "the program asked faster than answers are given",
            Unanswered::QueueFull => "the program is not reading its input",
        }
    }
}

struct Held {
    answer: Answer,
    asked: TtyMoment,
    due: Instant,
}

pub struct Answers {
    session: SessionId,
    /// The shell's process group, when the session's program is a shell.
    shell: Option<libc::pid_t>,
    held: Vec<Held>,
    tokens: f64,
    refilled: Instant,
    dropped: [u64; Unanswered::ALL.len()],
}

impl Answers {
    pub fn new(session: SessionId, shell: Option<libc::pid_t>, now: Instant) -> Self {
        Self {
            session,
            shell,
            held: Vec::new(),
            tokens: BURST,
            refilled: now,
            dropped: [0; Unanswered::ALL.len()],
        }
    }

    /// Holds the answers to queries read when the terminal was `asked`, until they are due.
    pub fn hold(&mut self, answers: Vec<Answer>, asked: TtyMoment, now: Instant) {
        for answer in answers {
            if asked.line_mode {
                self.drop(Unanswered::LineMode);
            } else if !self.take_token(now) {
                self.drop(Unanswered::RateLimit);
            } else {
                self.held.push(Held {
                    answer,
                    asked,
                    due: now + SETTLE,
                });
            }
        }
    }

    /// When the next held answer is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.held.first().map(|h| h.due)
    }

    /// Hands the answers due by `now` that the program can still take to `write` (false:
    /// the input queue is full), given the terminal `now` and its bracketed paste mode.
    pub fn release(
        &mut self,
        now: Instant,
        tty: TtyMoment,
        bracketed_paste: bool,
        mut write: impl FnMut(Vec<u8>) -> bool,
    ) {
        let due = self.held.partition_point(|h| h.due <= now);
        let due: Vec<Held> = self.held.drain(..due).collect();
        let shell_in_front = self.shell.is_some() && tty.foreground == self.shell;
        for held in due {
            let verdict = if tty.line_mode {
                Err(Unanswered::LineMode)
            } else if tty.foreground != held.asked.foreground {
                Err(Unanswered::AskerGone)
            } else if shell_in_front && bracketed_paste && !held.answer.bracketed_paste {
                Err(Unanswered::ShellLineEditor)
            } else if !write(held.answer.bytes) {
                Err(Unanswered::QueueFull)
            } else {
                Ok(())
            };
            if let Err(why) = verdict {
                self.drop(why);
            }
        }
    }

    /// The session ended: held answers go unwritten. Logs how many were dropped and why.
    pub fn end(&mut self) {
        self.held.clear();
        let counts: Vec<String> = Unanswered::ALL
            .iter()
            .zip(self.dropped)
            .filter(|(_, n)| *n > 0)
            .map(|(why, n)| format!("{n} because {}", why.reason()))
            .collect();
        if !counts.is_empty() {
            let counts = counts.join(", ");
            tracing::info!(session = %self.session, counts, "terminal query answers dropped");
        }
    }

    fn take_token(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.refilled).as_secs_f64();
        self.tokens = (self.tokens + elapsed * RATE).min(BURST);
        self.refilled = now;
        if self.tokens < 1.0 {
            return false;
        }
        self.tokens -= 1.0;
        true
    }

    fn drop(&mut self, why: Unanswered) {
        let count = &mut self.dropped[why as usize];
        if *count == 0 {
            tracing::info!(session = %self.session, reason = why.reason(), "a terminal query was not answered; later ones are counted when the session ends");
        }
        *count += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PROGRAM: TtyMoment = TtyMoment {
        line_mode: false,
        foreground: Some(100),
    };
    const SHELL: TtyMoment = TtyMoment {
        line_mode: false,
        foreground: Some(1),
    };

    fn answer(bracketed_paste: bool) -> Answer {
        Answer {
            bytes: b"\x1b[?1;2c".to_vec(),
            bracketed_paste,
        }
    }

    /// Answers written when `asked` becomes `now` (+ bracketed paste) after the settle time.
    fn written(answers: &mut Answers, asked: TtyMoment, now: TtyMoment, paste: bool) -> usize {
        let start = Instant::now();
        answers.hold(vec![answer(false)], asked, start);
        let mut written = 0;
        answers.release(start + SETTLE, now, paste, |_| {
            written += 1;
            true
        });
        written
    }

    fn shell_session() -> Answers {
        Answers::new(SessionId(1), Some(1), Instant::now())
    }

    #[test]
    fn an_answer_is_written_once_settled_while_its_asker_still_holds_the_terminal() {
        let mut answers = shell_session();
        let start = Instant::now();
        answers.hold(vec![answer(false)], PROGRAM, start);
        assert_eq!(answers.next_due(), Some(start + SETTLE));
        let mut written = Vec::new();
        answers.release(start, PROGRAM, false, |b| {
            written.push(b);
            true
        });
        assert!(written.is_empty(), "released before it settled");
        answers.release(start + SETTLE, PROGRAM, false, |b| {
            written.push(b);
            true
        });
        assert_eq!(written, [b"\x1b[?1;2c".to_vec()]);
        assert_eq!(answers.next_due(), None);
    }

    #[test]
    fn a_terminal_reading_lines_gets_no_answer() {
        let line_mode = TtyMoment {
            line_mode: true,
            ..PROGRAM
        };
        assert_eq!(written(&mut shell_session(), line_mode, PROGRAM, false), 0);
        assert_eq!(written(&mut shell_session(), PROGRAM, line_mode, false), 0);
    }

    #[test]
    fn an_asker_that_left_the_foreground_gets_no_answer() {
        assert_eq!(written(&mut shell_session(), PROGRAM, SHELL, false), 0);
    }

    #[test]
    fn a_shell_back_in_its_line_editor_gets_no_answer_but_other_programs_do() {
        assert_eq!(written(&mut shell_session(), SHELL, SHELL, true), 0);
        assert_eq!(written(&mut shell_session(), SHELL, SHELL, false), 1);
        let mut not_a_shell = Answers::new(SessionId(1), None, Instant::now());
        assert_eq!(written(&mut not_a_shell, SHELL, SHELL, true), 1);
    }

    #[test]
    fn a_program_asking_in_a_loop_gets_a_burst_then_the_rate() {
        let mut answers = Answers::new(SessionId(1), None, Instant::now());
        let start = Instant::now();
        let count = |answers: &mut Answers, at: Instant| {
            answers.hold(vec![answer(false); 100], PROGRAM, at);
            let mut written = 0;
            answers.release(at + SETTLE, PROGRAM, false, |_| {
                written += 1;
                true
            });
            written
        };
        assert_eq!(count(&mut answers, start), BURST as usize);
        let second = start + Duration::from_secs(1);
        assert_eq!(count(&mut answers, second), RATE as usize);
        assert_eq!(answers.dropped[Unanswered::RateLimit as usize], 136);
    }

    #[test]
    fn answers_that_find_the_input_queue_full_are_counted() {
        let mut answers = Answers::new(SessionId(1), None, Instant::now());
        let start = Instant::now();
        answers.hold(vec![answer(false); 3], PROGRAM, start);
        answers.release(start + SETTLE, PROGRAM, false, |_| false);
        assert_eq!(answers.dropped[Unanswered::QueueFull as usize], 3);
    }
}

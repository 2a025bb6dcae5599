//! What goes to the program: keys written to its PTY (logged, recorded, and telling the
//! detector that Enter was pressed), and its window size.

use std::time::Instant;

use portable_pty::PtySize;

use super::*;
use crate::session::config::TerminalSize;
use crate::session::error::SessionError;

impl Actor {
    /// Writes to the program and logs it as input.
    pub(super) fn write(&mut self, bytes: Vec<u8>, shown: String) -> Result<(), SessionError> {
        // Refused on a full queue like any input; otherwise nothing to write or keep.
        self.input.send(&bytes)?;
        self.wrote(bytes, shown);
        Ok(())
    }

    /// What follows input reaching the program: the recording and the log are told.
    fn wrote(&mut self, bytes: Vec<u8>, shown: String) {
        if bytes.is_empty() {
            return;
        }
        if let Some(recording) = self.recording.as_ref().filter(|r| r.records_input()) {
            recording.input(&bytes);
        }
        self.record(OutputType::Input, shown);
    }

    pub(super) fn send_keys(&mut self, bytes: Vec<u8>) -> Result<(), SessionError> {
        self.input.send(&bytes)?;
        self.typed(bytes);
        Ok(())
    }

    /// Keys written to the program, by `send_keys` or by the keystroke path
    /// (`Session::type_now`): logged, recorded, and an Enter starts a command.
    pub(super) fn typed(&mut self, bytes: Vec<u8>) {
        let enter = pressed_enter(&bytes);
        let shown = String::from_utf8_lossy(&bytes).into_owned();
        self.wrote(bytes, shown);
        if enter {
            self.submitted(Instant::now(), "enter pressed");
        }
    }

    /// Enter reached the program: it is now working on something, as far as we know.
    pub(super) fn submitted(&mut self, now: Instant, reason: &str) {
        self.detector.on_submit(now);
        let profile = self.detector.profile();
        let takes_enter = matches!(
            self.machine.state(),
            SessionState::Ready | SessionState::Idle | SessionState::WaitingInput
        );
        if profile.output_means_progress && takes_enter {
            self.transition(SessionState::Busy, reason);
        }
        self.schedule_eval(now);
    }

    pub(super) fn resize(&mut self, size: TerminalSize) -> Result<(), SessionError> {
        let size = TerminalSize::clamped(size.cols, size.rows);
        let master = self.master.as_ref().ok_or(SessionError::Ended)?;
        master
            .resize(PtySize {
                rows: size.rows,
                cols: size.cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .map_err(|e| SessionError::Pty(e.to_string()))?;
        let mut terminal = self.terminal.lock();
        terminal.resize(size);
        if let Some(recording) = &self.recording {
            recording.resize(size);
        }
        drop(terminal);
        self.detector.on_resize();
        self.status.send_modify(|s| s.terminal_size = size);
        Ok(())
    }
}

fn pressed_enter(bytes: &[u8]) -> bool {
    bytes.iter().any(|&b| b == b'\r' || b == b'\n')
}

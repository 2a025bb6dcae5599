//! What a session's handle asks of its actor: commands, keys, sizes, the end, its log and
//! history. Each request goes through the actor's control queue, answered on a channel of its
//! own; only typed keys may go straight to the program (`type_now`).

use std::time::Duration;

use tokio::sync::oneshot;

use super::actor::Control;
use super::{
    CommandRecord, CommandResult, Ending, PendingCommand, Session, SessionError, SessionInfo,
    SessionOutput, TerminalSize,
};

impl Session {
    /// Types `text`, presses Enter and waits until the session leaves `busy` or `timeout`.
    pub async fn send_command(
        &self,
        text: impl Into<String>,
        timeout: Duration,
    ) -> Result<CommandResult, SessionError> {
        self.queue_command(text, timeout).await?.finished().await
    }

    /// Queues a command behind every request sent before it, without waiting for it to
    /// finish: a caller that must keep its requests in order can go on sending (an interrupt,
    /// say) while the command runs.
    pub async fn queue_command(
        &self,
        text: impl Into<String>,
        timeout: Duration,
    ) -> Result<PendingCommand, SessionError> {
        let text = text.into();
        let reply = self
            .enqueue(|reply| Control::Command {
                text,
                timeout,
                reply,
            })
            .await?;
        Ok(PendingCommand(reply))
    }

    /// Raw keys, sent as they are.
    pub async fn send_input(&self, bytes: impl Into<Vec<u8>>) -> Result<(), SessionError> {
        let bytes = bytes.into();
        self.request(|reply| Control::Input { bytes, reply })
            .await?
    }

    /// Writes keys a client typed to the program at once, from the caller's task: the actor
    /// is told afterwards (the log, the recording, Enter), so a key waits for no other task.
    /// Gives the keys back unwritten when they cannot go this way (the actor's queue is full,
    /// the input queue is, or the program is gone); `send_input` then takes them and says why.
    pub fn type_now(&self, bytes: Vec<u8>) -> Result<(), Vec<u8>> {
        let Ok(note) = self.inner.control.try_reserve() else {
            return Err(bytes);
        };
        if self.inner.input.send(&bytes).is_err() {
            return Err(bytes);
        }
        note.send(Control::Typed { bytes });
        Ok(())
    }

    pub async fn resize(&self, size: TerminalSize) -> Result<(), SessionError> {
        self.request(|reply| Control::Resize { size, reply })
            .await?
    }

    /// Sends the profile's interrupt key (Esc for Claude Code, Ctrl-C otherwise).
    pub async fn interrupt(&self) -> Result<(), SessionError> {
        self.request(|reply| Control::Interrupt { reply }).await?
    }

    /// Ends the session and everything it started; returns once none of it is left.
    pub async fn terminate(&self, ending: Ending) -> SessionInfo {
        let reason = match ending {
            Ending::Forced => "force terminate requested",
            Ending::Graceful => "terminate requested",
        };
        self.terminate_because(ending, reason).await
    }

    /// `terminate`, with the reason the `terminating` state should show.
    pub async fn terminate_because(
        &self,
        ending: Ending,
        reason: impl Into<String>,
    ) -> SessionInfo {
        let reason = reason.into();
        let _ = self
            .request(|reply| Control::Terminate {
                ending,
                reason,
                reply,
            })
            .await;
        self.info()
    }

    /// Up to `limit` log entries from `since` on, and the seq to ask for next.
    pub async fn output(&self, since: u64, limit: usize) -> (Vec<SessionOutput>, u64) {
        self.request(|reply| Control::Output {
            since,
            limit,
            reply,
        })
        .await
        .unwrap_or_default()
    }

    pub async fn history(&self) -> Vec<CommandRecord> {
        self.request(|reply| Control::History { reply })
            .await
            .unwrap_or_default()
    }

    /// Answers the permission requests to come with `policies` (a reloaded config's).
    pub async fn follow_policies(&self, policies: std::sync::Arc<crate::claude::policy::Policies>) {
        let _ = self
            .request(|reply| Control::Policies { policies, reply })
            .await;
    }

    pub(super) async fn request<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Control,
    ) -> Result<T, SessionError> {
        self.enqueue(make)
            .await?
            .await
            .map_err(|_| SessionError::Ended)
    }

    /// Hands a request to the actor; its answer comes on the returned receiver.
    async fn enqueue<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<T>) -> Control,
    ) -> Result<oneshot::Receiver<T>, SessionError> {
        let (tx, rx) = oneshot::channel();
        self.inner
            .control
            .send(make(tx))
            .await
            .map_err(|_| SessionError::Ended)?;
        Ok(rx)
    }
}

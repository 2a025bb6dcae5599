//! The HTTP side of `ctl`: where the API is, a client that carries the token, and the API's
//! refusals as an error a caller can match on (`ctl send` turns `session_ended` into an exit
//! code).

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use serde_json::{Value, json};

/// Where the API is and how to get in.
pub struct Endpoint {
    pub addr: std::net::SocketAddr,
    pub token: String,
}

/// A request the API answered with an error.
#[derive(Debug, thiserror::Error)]
#[error("{message} (HTTP {status})")]
pub(super) struct Refused {
    status: u16,
    /// The API's error code, e.g. `session_ended`.
    pub(super) code: String,
    message: String,
}

/// A blocking HTTP client for the API, with the token on every request.
pub(super) struct Client {
    agent: ureq::Agent,
    base: String,
    /// `Bearer …`, also for the WebSocket handshake.
    pub(super) auth: String,
    pub(super) addr: std::net::SocketAddr,
}

impl Client {
    pub(super) fn new(endpoint: Endpoint) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .timeout_global(Some(Duration::from_secs(24 * 3600)))
            .build()
            .new_agent();
        Self {
            agent,
            base: format!("http://{}", endpoint.addr),
            auth: format!("Bearer {}", endpoint.token),
            addr: endpoint.addr,
        }
    }

    pub(super) fn call(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}{}", self.base, path);
        let response = match (method, body) {
            ("GET", _) => self
                .agent
                .get(&url)
                .header("authorization", &self.auth)
                .call(),
            ("DELETE", _) => self
                .agent
                .delete(&url)
                .header("authorization", &self.auth)
                .call(),
            (_, body) => self
                .agent
                .post(&url)
                .header("authorization", &self.auth)
                .send_json(body.unwrap_or(json!({}))),
        };
        let mut response = response
            .with_context(|| format!("cannot reach ccmux at {}: is it running?", self.base))?;
        let status = response.status();
        let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
        if !status.is_success() {
            let text = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_string();
            return Err(Refused {
                status: status.as_u16(),
                code: text(&value["error"]["code"], ""),
                message: text(&value["error"]["message"], "request failed"),
            }
            .into());
        }
        Ok(value)
    }

    /// The id of the session `reference` names: a number as it is, else what the API says
    /// `WORKSPACE/TASK` or a task id is (a 404 or 409 naming it otherwise).
    pub(super) fn resolve(&self, reference: &str) -> anyhow::Result<u64> {
        if let Ok(id) = reference.parse() {
            return Ok(id);
        }
        let info = self.call(
            "GET",
            &format!("/api/v1/sessions/{}", segment(reference)),
            None,
        )?;
        info["session_id"]
            .as_u64()
            .context("the API's answer has no session_id")
    }

    /// A route that answers in plain text.
    pub(super) fn text(&self, path: &str) -> anyhow::Result<String> {
        Ok(self.get_raw(path)?.body_mut().read_to_string()?)
    }

    /// Writes the body of a GET to stdout as it comes, whatever it is.
    pub(super) fn download(&self, path: &str) -> anyhow::Result<()> {
        let mut response = self.get_raw(path)?;
        let mut body = response.body_mut().as_reader();
        let mut out = std::io::stdout().lock();
        std::io::copy(&mut body, &mut out)?;
        out.flush()?;
        Ok(())
    }

    /// A GET whose successful body the caller reads as it likes; a refusal is read as JSON.
    fn get_raw(&self, path: &str) -> anyhow::Result<ureq::http::Response<ureq::Body>> {
        let url = format!("{}{}", self.base, path);
        let mut response = self
            .agent
            .get(&url)
            .header("authorization", &self.auth)
            .call()
            .with_context(|| format!("cannot reach ccmux at {}: is it running?", self.base))?;
        let status = response.status();
        if !status.is_success() {
            let value: Value = response.body_mut().read_json().unwrap_or(Value::Null);
            let text = |v: &Value, default: &str| v.as_str().unwrap_or(default).to_string();
            return Err(Refused {
                status: status.as_u16(),
                code: text(&value["error"]["code"], ""),
                message: text(&value["error"]["message"], "request failed"),
            }
            .into());
        }
        Ok(response)
    }
}

/// `text` as one path segment: every byte but letters, digits, `-_~` percent-encoded (`/`
/// and `.` too, so no name reads as a path or a dot-segment).
fn segment(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

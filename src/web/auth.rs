//! Browser logins: one-time codes traded for session cookies.
//!
//! A browser cannot send the API token (a WebSocket takes no `Authorization` header, and a token
//! in a URL ends up in history and logs), so `ccmux web` asks the server for a login code, valid
//! once and for [`CODE_LIFETIME`], and hands it to the browser in a URL's fragment (which is
//! never sent to a server). The page trades it for a random cookie. Both are bounded: minting a
//! code past [`MAX_CODES`] drops the oldest code, and a login past [`MAX_BROWSERS`] ends the
//! oldest browser session. `ccmux web --revoke` forgets every cookie, and the page sockets
//! opened with one close (they watch [`Browsers::revocations`]).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use parking_lot::Mutex;
use tokio::sync::watch;

use crate::http::token;
use crate::manager::ClientId;

/// How long a login code may wait to be used.
pub const CODE_LIFETIME: Duration = Duration::from_secs(60);
/// Login codes outstanding at most; minting another drops the oldest.
pub const MAX_CODES: usize = 8;
/// Browser sessions (cookies) at most; another login ends the oldest.
pub const MAX_BROWSERS: usize = 32;

/// Page clients get size-rule ids from here, far above the Unix socket clients' (numbered from
/// 1 by the server's hub), so the two never share one.
const FIRST_PAGE_CLIENT: u64 = 1 << 62;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error(
        "this login link was used already, is older than {} s, or was replaced by newer ones; \
         run `ccmux web` for a new one",
        CODE_LIFETIME.as_secs()
    )]
    InvalidCode,
    #[error("cannot make a login secret: {0}")]
    Random(String),
}

/// A browser session's cookie value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cookie(pub String);

struct Code {
    value: String,
    expires: Instant,
}

#[derive(Default)]
struct Store {
    codes: VecDeque<Code>,
    /// Oldest first.
    cookies: VecDeque<String>,
}

/// The outstanding login codes and the browser sessions they became.
pub struct Browsers {
    store: Mutex<Store>,
    revoked: watch::Sender<u64>,
    next_client: AtomicU64,
}

impl Default for Browsers {
    fn default() -> Self {
        Self {
            store: Mutex::default(),
            revoked: watch::channel(0).0,
            next_client: AtomicU64::new(FIRST_PAGE_CLIENT),
        }
    }
}

impl Browsers {
    /// A new one-time login code.
    pub fn mint_code(&self) -> Result<String, LoginError> {
        self.mint_code_at(Instant::now())
    }

    fn mint_code_at(&self, now: Instant) -> Result<String, LoginError> {
        let value = secret()?;
        let mut store = self.store.lock();
        store.codes.retain(|c| c.expires > now);
        if store.codes.len() >= MAX_CODES {
            store.codes.pop_front();
        }
        store.codes.push_back(Code {
            value: value.clone(),
            expires: now + CODE_LIFETIME,
        });
        Ok(value)
    }

    /// Trades a login code for a new browser session's cookie; the code is spent either way
    /// it was valid.
    pub fn redeem(&self, code: &str) -> Result<Cookie, LoginError> {
        self.redeem_at(code, Instant::now())
    }

    fn redeem_at(&self, code: &str, now: Instant) -> Result<Cookie, LoginError> {
        let cookie = secret()?;
        let mut store = self.store.lock();
        store.codes.retain(|c| c.expires > now);
        let found = store
            .codes
            .iter()
            .position(|c| token::matches(code, &c.value))
            .ok_or(LoginError::InvalidCode)?;
        store.codes.remove(found);
        if store.cookies.len() >= MAX_BROWSERS {
            store.cookies.pop_front();
        }
        store.cookies.push_back(cookie.clone());
        Ok(Cookie(cookie))
    }

    /// Resolves once `cookie` no longer opens a browser session (`ccmux web --revoke`).
    pub async fn logged_out(&self, cookie: &Cookie) {
        let mut revoked = self.revocations();
        while self.cookie_valid(&cookie.0) {
            if revoked.changed().await.is_err() {
                return;
            }
        }
    }

    pub fn cookie_valid(&self, value: &str) -> bool {
        self.store
            .lock()
            .cookies
            .iter()
            .any(|c| token::matches(value, c))
    }

    /// Ends every browser session and spends every code; returns how many sessions ended.
    pub fn revoke_all(&self) -> usize {
        let ended = {
            let mut store = self.store.lock();
            store.codes.clear();
            std::mem::take(&mut store.cookies).len()
        };
        self.revoked.send_modify(|n| *n += 1);
        ended
    }

    /// Wakes whenever browser sessions were revoked.
    pub fn revocations(&self) -> watch::Receiver<u64> {
        self.revoked.subscribe()
    }

    /// A size-rule id for a new page.
    pub fn next_client(&self) -> ClientId {
        ClientId(self.next_client.fetch_add(1, Ordering::Relaxed))
    }
}

fn secret() -> Result<String, LoginError> {
    token::generate().map_err(|e| LoginError::Random(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_logs_in_once() {
        let browsers = Browsers::default();
        let code = browsers.mint_code().unwrap();
        let cookie = browsers.redeem(&code).unwrap();
        assert!(browsers.cookie_valid(&cookie.0));
        assert_eq!(browsers.redeem(&code), Err(LoginError::InvalidCode));
    }

    #[test]
    fn a_code_expires_after_its_lifetime() {
        let browsers = Browsers::default();
        let now = Instant::now();
        let code = browsers.mint_code_at(now).unwrap();
        let later = now + CODE_LIFETIME + Duration::from_millis(1);
        assert_eq!(
            browsers.redeem_at(&code, later),
            Err(LoginError::InvalidCode)
        );
    }

    #[test]
    fn codes_and_cookies_are_bounded_oldest_out() {
        let browsers = Browsers::default();
        let first = browsers.mint_code().unwrap();
        let rest: Vec<String> = (0..MAX_CODES)
            .map(|_| browsers.mint_code().unwrap())
            .collect();
        assert_eq!(browsers.redeem(&first), Err(LoginError::InvalidCode));
        let oldest = browsers.redeem(&rest[0]).unwrap();
        for _ in 0..MAX_BROWSERS {
            let code = browsers.mint_code().unwrap();
            browsers.redeem(&code).unwrap();
        }
        assert!(!browsers.cookie_valid(&oldest.0));
        assert_eq!(browsers.store.lock().cookies.len(), MAX_BROWSERS);
    }

    #[test]
    fn revoking_ends_every_browser_session_and_code() {
        let browsers = Browsers::default();
        let cookie = browsers.redeem(&browsers.mint_code().unwrap()).unwrap();
        let code = browsers.mint_code().unwrap();
        let mut revoked = browsers.revocations();
        assert_eq!(browsers.revoke_all(), 1);
        assert!(revoked.has_changed().unwrap());
        assert!(!browsers.cookie_valid(&cookie.0));
        assert_eq!(browsers.redeem(&code), Err(LoginError::InvalidCode));
        revoked.mark_unchanged();
    }
}

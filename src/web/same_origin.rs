//! Whether a request that carries a browser cookie comes from this server's own page.
//!
//! `SameSite=Strict` keeps other sites from sending the cookie, but every port of 127.0.0.1 is
//! the same site: a page another local program serves on another port would get the cookie
//! sent along. So a cookie counts only with the server's own origin: an `Origin` equal to
//! `http://<Host>` (the `Host` the guard has already checked against DNS rebinding). A
//! WebSocket handshake and any request that changes state must carry that `Origin` (browsers
//! always send one there); a plain read without one must not come from another site's page
//! (`Sec-Fetch-Site`).

use axum::http::{HeaderMap, Method, header};

/// The origin of a page this server serves, as the browser names it.
pub fn own_origin(headers: &HeaderMap) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?;
    Some(format!("http://{host}"))
}

/// Whether the request's `Origin` is this server's own.
pub fn origin_is_own(headers: &HeaderMap) -> bool {
    match (headers.get(header::ORIGIN), own_origin(headers)) {
        (Some(origin), Some(own)) => origin.as_bytes() == own.as_bytes(),
        _ => false,
    }
}

/// Whether a request with a browser cookie may use it: see the module's doc.
pub fn from_own_page(method: &Method, headers: &HeaderMap) -> bool {
    if headers.contains_key(header::ORIGIN) {
        return origin_is_own(headers);
    }
    let reads = matches!(*method, Method::GET | Method::HEAD) && !is_websocket(headers);
    let fetched_by = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok());
    reads && fetched_by.is_none_or(|site| matches!(site, "same-origin" | "none"))
}

pub fn is_websocket(headers: &HeaderMap) -> bool {
    headers
        .get(header::UPGRADE)
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"websocket"))
}

/// The cookie's name: cookies do not tell ports apart, so two servers on one host (`-L`) each
/// need a name of their own, or logging in to one would log the browser out of the other.
pub fn cookie_name(headers: &HeaderMap) -> String {
    let port = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .and_then(|h| h.rsplit_once(':'))
        .map(|(_, port)| port)
        .filter(|p| p.bytes().all(|b| b.is_ascii_digit()))
        .unwrap_or("80");
    format!("ccmux_{port}")
}

/// The value of this server's cookie in the request, if any.
pub fn cookie(headers: &HeaderMap) -> Option<String> {
    let name = cookie_name(headers);
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (k, v) in pairs {
            map.append(*k, v.parse().unwrap());
        }
        map
    }

    #[test]
    fn only_the_servers_own_origin_counts() {
        let own = headers(&[
            ("host", "127.0.0.1:7878"),
            ("origin", "http://127.0.0.1:7878"),
        ]);
        assert!(from_own_page(&Method::POST, &own));
        let other_port = headers(&[("host", "127.0.0.1:7878"), ("origin", "http://127.0.0.1:9")]);
        assert!(!from_own_page(&Method::GET, &other_port));
    }

    #[test]
    fn changes_and_websockets_need_an_origin_plain_reads_do_not() {
        let none = headers(&[("host", "127.0.0.1:7878")]);
        assert!(from_own_page(&Method::GET, &none));
        assert!(!from_own_page(&Method::POST, &none));
        let ws = headers(&[("host", "127.0.0.1:7878"), ("upgrade", "websocket")]);
        assert!(!from_own_page(&Method::GET, &ws));
        let same_site = headers(&[("host", "127.0.0.1:7878"), ("sec-fetch-site", "same-site")]);
        assert!(!from_own_page(&Method::GET, &same_site));
    }

    #[test]
    fn the_cookie_is_named_for_the_port() {
        let h = headers(&[
            ("host", "localhost:7879"),
            ("cookie", "ccmux_7878=a; ccmux_7879=b"),
        ]);
        assert_eq!(cookie(&h).as_deref(), Some("b"));
    }
}

//! Logging a browser in: the token holder mints a one-time code (`ccmux web`), the page trades
//! it for a cookie, and `ccmux web --revoke` ends every browser session.

use std::sync::Arc;

use axum::extract::rejection::JsonRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::http::error::{ApiError, ErrorCode};
use crate::web::auth::{CODE_LIFETIME, LoginError};
use crate::web::{Web, same_origin};

/// A login code, and where a browser opens it.
#[derive(Debug, Serialize, JsonSchema)]
pub struct LoginCode {
    pub code: String,
    /// Open `http://HOST:PORT` followed by this: the code is in the fragment, which a browser
    /// never sends.
    pub path: String,
    pub expires_in_secs: u64,
}

#[derive(Debug, Serialize, JsonSchema)]
pub struct Revoked {
    /// Browser sessions ended.
    pub ended: usize,
}

/// `POST /api/v1/web/login-codes` (token only): a code for `/login#<code>`.
pub async fn mint(Extension(web): Extension<Arc<Web>>) -> Result<Response, ApiError> {
    let code = web.browsers.mint_code().map_err(internal)?;
    let body = LoginCode {
        path: format!("/login#{code}"),
        code,
        expires_in_secs: CODE_LIFETIME.as_secs(),
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `POST /api/v1/web/revoke` (token only).
pub async fn revoke(Extension(web): Extension<Arc<Web>>) -> Json<Revoked> {
    let ended = web.browsers.revoke_all();
    tracing::info!(ended, "browser sessions revoked");
    Json(Revoked { ended })
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    code: String,
}

/// `POST /web/login`: the page trades the code from its URL's fragment for a cookie. Only the
/// server's own page may: a login forced on a browser by another page would be a session the
/// user did not ask for.
pub async fn login(
    Extension(web): Extension<Arc<Web>>,
    headers: HeaderMap,
    body: Result<Json<LoginBody>, JsonRejection>,
) -> Result<Response, ApiError> {
    if !same_origin::origin_is_own(&headers) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            ErrorCode::CrossOrigin,
            "log in from this server's own page: open the link `ccmux web` prints",
        ));
    }
    let Json(body) = body?;
    let cookie = web.browsers.redeem(body.code.trim()).map_err(|e| match e {
        LoginError::InvalidCode => ApiError::new(
            StatusCode::UNAUTHORIZED,
            ErrorCode::LoginCodeInvalid,
            e.to_string(),
        ),
        other => internal(other),
    })?;
    tracing::info!("a browser logged in");
    let set = format!(
        "{}={}; HttpOnly; SameSite=Strict; Path=/",
        same_origin::cookie_name(&headers),
        cookie.0
    );
    Ok(([(header::SET_COOKIE, set)], Json(json!({ "ok": true }))).into_response())
}

fn internal(e: LoginError) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::LoginUnavailable,
        e.to_string(),
    )
}

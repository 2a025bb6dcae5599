//! `GET /api/v1/sessions/{id}/recording`: the session's asciicast file as it stands, every
//! event the session has sent the recorder so far included.

use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream;
use std::io::Read;

use crate::api::AppState;
use crate::api::routes::Id;
use crate::http::error::{ApiError, ErrorCode};

/// Bytes read from the file per chunk of the response.
const CHUNK: usize = 64 * 1024;

pub async fn recording(State(app): State<AppState>, Id(id): Id) -> Result<Response, ApiError> {
    let session = app.manager.get(id)?;
    let not_recorded =
        |why: &str| ApiError::new(StatusCode::NOT_FOUND, ErrorCode::NotRecorded, why);
    let recorder = app
        .manager
        .recorder()
        .cloned()
        .ok_or_else(|| not_recorded("recordings are off ([recording] enabled = false)"))?;
    let path = session
        .recording_file()
        .ok_or_else(|| not_recorded("this session has no recording yet"))?;
    tokio::task::spawn_blocking(move || recorder.sync())
        .await
        .map_err(ApiError::internal)?;
    let gone = |e: std::io::Error| {
        not_recorded(&format!(
            "the recording {} cannot be read: {e}",
            path.display()
        ))
    };
    let file = std::fs::File::open(&path).map_err(gone)?;
    // What was flushed when asked: the recorder may append while this is sent.
    let len = file.metadata().map_err(gone)?.len();
    // Files are read on the blocking pool, a chunk at a time.
    let body = stream::unfold(Some(file.take(len)), |file| async move {
        let mut file = file?;
        let read = tokio::task::spawn_blocking(move || {
            let mut buf = vec![0; CHUNK];
            let n = file.read(&mut buf)?;
            buf.truncate(n);
            Ok::<_, std::io::Error>((buf, file))
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e)));
        match read {
            Ok((buf, _)) if buf.is_empty() => None,
            Ok((buf, file)) => Some((Ok(buf), Some(file))),
            Err(e) => Some((Err(e), None)),
        }
    });
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    Ok((
        [
            (header::CONTENT_TYPE, "application/x-asciicast".to_string()),
            (header::CONTENT_LENGTH, len.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("inline; filename=\"{name}\""),
            ),
        ],
        Body::from_stream(body),
    )
        .into_response())
}

/// What the recording route answers with, for the OpenAPI document: asciicast v2 text.
pub struct Recording;

impl schemars::JsonSchema for Recording {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Recording".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "asciicast v2: a JSON header line, then one [time, code, data] line per event; served as application/x-asciicast.",
        })
    }
}

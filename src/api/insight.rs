//! Handlers for what is measured or kept rather than controlled: history, metrics, usage.

use axum::Json;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use schemars::JsonSchema;
use serde::Serialize;

use crate::api::AppState;
use crate::api::routes::Id;
use crate::history::Entry;
use crate::http::error::ApiError;
use crate::manager::{Manager, Stats};
use crate::usage::Resources;

#[derive(Debug, Serialize, JsonSchema)]
pub struct HistoryPage {
    entries: Vec<Entry>,
}

pub async fn history(
    State(app): State<AppState>,
    Id(id): Id,
) -> Result<Json<HistoryPage>, ApiError> {
    let entries = app.manager.history(id).await?;
    Ok(Json(HistoryPage { entries }))
}

/// What the metrics route answers with, for the OpenAPI document.
pub struct Metrics;

impl JsonSchema for Metrics {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Metrics".into()
    }

    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "type": "string",
            "description": "Prometheus text exposition format 0.0.4 (served as text/plain).",
        })
    }
}

/// Prometheus' text exposition format, version 0.0.4.
pub async fn metrics(State(app): State<AppState>) -> impl IntoResponse {
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        app.manager.metrics_text(),
    )
}

/// `stats` with what the live sessions use between them.
#[derive(Debug, Serialize, JsonSchema)]
pub struct StatsWithUsage {
    #[serde(flatten)]
    stats: Stats,
    resources: Resources,
}

pub async fn stats(manager: &Manager) -> StatsWithUsage {
    let infos = manager.detailed_infos(&manager.list()).await;
    let mut resources = Resources {
        cpu_percent: 0.0,
        rss_bytes: 0,
        processes: 0,
    };
    for used in infos.iter().filter_map(|i| i.resources) {
        resources.cpu_percent += used.cpu_percent;
        resources.rss_bytes += used.rss_bytes;
        resources.processes += used.processes;
    }
    resources.cpu_percent = (resources.cpu_percent * 10.0).round() / 10.0;
    StatsWithUsage {
        stats: manager.stats(),
        resources,
    }
}

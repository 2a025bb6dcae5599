//! Counts every API request by the route it matched (the pattern, never the path a client
//! chose, so the counts stay bounded) and the status it got, refused ones included.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::metrics::Metrics;

/// Stands for every path no route has.
const UNMATCHED: &str = "unmatched";

pub async fn track(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let route = route_of(request.uri().path());
    let response = next.run(request).await;
    metrics.request(route, response.status().as_u16());
    response
}

/// The route pattern `path` falls under: `/api/v1/sessions/7/output` → `/api/v1/sessions/{id}/output`.
fn route_of(path: &str) -> &'static str {
    let given: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    crate::api::ROUTES
        .iter()
        .map(|r| r.path)
        .find(|pattern| {
            let parts: Vec<&str> = pattern.split('/').collect();
            parts.len() == given.len()
                && parts
                    .iter()
                    .zip(&given)
                    .all(|(p, g)| p == g || (p.starts_with('{') && !g.is_empty()))
        })
        .unwrap_or(UNMATCHED)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_count_under_their_route_and_unknown_ones_together() {
        assert_eq!(
            route_of("/api/v1/sessions/7/output"),
            "/api/v1/sessions/{id}/output"
        );
        assert_eq!(route_of("/api/v1/sessions"), "/api/v1/sessions");
        assert_eq!(route_of("/nope/../x"), UNMATCHED);
    }
}

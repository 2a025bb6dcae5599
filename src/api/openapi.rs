//! The OpenAPI 3.1 document, built from the same route table the router is built from
//! (`ROUTES` in `mod.rs`), so a route cannot exist without being documented, and with schemas
//! derived from the handlers' own request and response types, so it says what they take.

use std::borrow::Cow;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value, json};

use crate::api::{ROUTES, Route};
use crate::http::error::ErrorBody;
use crate::session::SessionId;

pub fn document() -> Value {
    let mut generator = SchemaSettings::draft2020_12()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method.to_ascii_lowercase()] = operation(route, &mut generator);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "ccmux", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Control ccmux sessions. Every route but /api/v1/health needs `Authorization: Bearer <token>`."},
        "servers": [{"url": "http://127.0.0.1:7878"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": generator.take_definitions(true),
        },
        "security": [{"bearer": []}],
        "paths": paths,
    })
}

fn operation(route: &Route, generator: &mut SchemaGenerator) -> Value {
    let error = generator.subschema_for::<ErrorBody>();
    let schema = (route.response)(generator);
    let content: Map<String, Value> = media_types(route)
        .iter()
        .map(|media| (media.to_string(), json!({"schema": schema})))
        .collect();
    let mut op = json!({
        "operationId": route.operation,
        "summary": route.summary,
        "responses": {
            route.ok.to_string(): {"description": "success", "content": content},
            "default": {"description": "an error", "content": {"application/json": {"schema": error}}},
        },
    });
    let mut parameters: Vec<Value> = Vec::new();
    if route.path.contains("{id}") {
        let id = generator.subschema_for::<SessionId>();
        let name = json!({"type": "string", "minLength": 1});
        parameters.push(json!({"name": "id", "in": "path", "required": true,
            "description": "The session's id, its WORKSPACE/TASK (`/` as `%2F`), or its task id when one workspace has it",
            "schema": {"anyOf": [id, name]}}));
    }
    if route.path.contains("{name}") {
        parameters.push(
            json!({"name": "name", "in": "path", "required": true, "schema": {"type": "string"}}),
        );
    }
    if let Some(query) = route.query {
        parameters.extend(query_parameters(query(generator)));
    }
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = route.body {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": body(generator)}}});
    }
    if route.path == "/api/v1/health" {
        op["security"] = json!([]);
    }
    op
}

/// Routes whose success is not (only) JSON, with the media types they send.
const NOT_ONLY_JSON: &[(&str, &[&str])] = &[
    ("/metrics", &["text/plain"]),
    (
        "/api/v1/sessions/{id}/recording",
        &["application/x-asciicast"],
    ),
    // `format=text` answers in plain text.
    (
        "/api/v1/sessions/{id}/output",
        &["application/json", "text/plain"],
    ),
];

fn media_types(route: &Route) -> &'static [&'static str] {
    NOT_ONLY_JSON
        .iter()
        .find(|(path, _)| *path == route.path)
        .map_or(&["application/json"], |(_, media)| media)
}

/// One query parameter per field of the handler's query type, typed as the field is.
fn query_parameters(schema: Schema) -> Vec<Value> {
    let schema = schema.to_value();
    let required: Vec<&str> = schema["required"]
        .as_array()
        .map(|names| names.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let Some(properties) = schema["properties"].as_object() else {
        return Vec::new();
    };
    properties
        .iter()
        .map(|(name, field)| {
            let mut field = field.clone();
            let description = field
                .as_object_mut()
                .and_then(|f| f.remove("description"))
                .unwrap_or(Value::Null);
            let mut parameter = json!({
                "name": name,
                "in": "query",
                "required": required.contains(&name.as_str()),
                "schema": field,
            });
            if !description.is_null() {
                parameter["description"] = description;
            }
            parameter
        })
        .collect()
}

/// What the WebSocket route answers with: the protocol, told in words.
pub struct WebSocket;

impl JsonSchema for WebSocket {
    fn schema_name() -> Cow<'static, str> {
        "WebSocket".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        schemars::json_schema!({
            "type": "object",
            "description": "Upgrade to a WebSocket: server sends screen/output/state messages; client sends command/input/resize/interrupt/answer/wait/filter. Closes with the reason `session ended` after the session's last state.",
        })
    }
}

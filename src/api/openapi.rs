//! The OpenAPI 3.1 document, built from the same route table the router is built from
//! (`ROUTES` in `mod.rs`), so a route cannot exist without being documented.

use serde_json::{Map, Value, json};

use crate::api::{ROUTES, Route};
use crate::session::config::{
    MAX_EXEC_COUNT, MAX_EXEC_STRING, MAX_EXEC_TOTAL, MAX_TERMINAL_COLS, MAX_TERMINAL_ROWS,
    MIN_TERMINAL_DIM,
};

pub fn document() -> Value {
    let mut paths = Map::new();
    for route in ROUTES {
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[route.method.to_ascii_lowercase()] = operation(route);
    }
    json!({
        "openapi": "3.1.0",
        "info": {"title": "ccmux", "version": env!("CARGO_PKG_VERSION"),
                 "description": "Control ccmux sessions. Every route but /api/v1/health needs `Authorization: Bearer <token>`."},
        "servers": [{"url": "http://127.0.0.1:7878"}],
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
        },
        "security": [{"bearer": []}],
        "paths": paths,
    })
}

fn operation(route: &Route) -> Value {
    let mut op = json!({
        "operationId": route.operation,
        "summary": route.summary,
        "responses": {
            route.ok.to_string(): {"description": "success", "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{}", route.response)}}}},
            "default": {"description": "an error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}},
        },
    });
    let mut parameters: Vec<Value> = Vec::new();
    if route.path.contains("{id}") {
        parameters.push(
            json!({"name": "id", "in": "path", "required": true, "schema": {"type": "integer"}}),
        );
    }
    for query in route.query {
        parameters.push(
            json!({"name": query, "in": "query", "required": false, "schema": {"type": "string"}}),
        );
    }
    if !parameters.is_empty() {
        op["parameters"] = Value::Array(parameters);
    }
    if let Some(body) = route.body {
        op["requestBody"] = json!({"required": true, "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{body}")}}}});
    }
    if route.path == "/api/v1/health" {
        op["security"] = json!([]);
    }
    op
}

fn schemas() -> Value {
    let state = json!({"type": "string", "enum": crate::session::SessionState::ALL.iter().map(|s| s.to_string()).collect::<Vec<_>>()});
    let size = json!({"type": "object", "properties": {"cols": {"type": "integer"}, "rows": {"type": "integer"}}});
    let cols =
        json!({"type": "integer", "minimum": MIN_TERMINAL_DIM, "maximum": MAX_TERMINAL_COLS});
    let rows =
        json!({"type": "integer", "minimum": MIN_TERMINAL_DIM, "maximum": MAX_TERMINAL_ROWS});
    let (string_kib, total_kib) = (MAX_EXEC_STRING / 1024, MAX_EXEC_TOTAL / 1024);
    json!({
        "Error": {"type": "object", "required": ["error"], "properties": {"error": {"type": "object", "properties": {"code": {"type": "string"}, "message": {"type": "string"}}}}},
        "State": state,
        "CreateSession": {"type": "object", "required": ["task_id"], "properties": {
            "task_id": {"type": "string"}, "project_path": {"type": "string"},
            "command": {"type": "array", "items": {"type": "string"}, "maxItems": MAX_EXEC_COUNT,
                        "description": format!("argv, run without a shell. No NUL bytes; each argument at most {string_kib} KiB, all of them at most {total_kib} KiB.")},
            "environment": {"type": "object", "additionalProperties": {"type": "string"}, "maxProperties": MAX_EXEC_COUNT,
                            "description": format!("Added to the inherited environment. Names non-empty, without `=`; no NUL bytes; each NAME=value at most {string_kib} KiB, all of them at most {total_kib} KiB.")},
            "terminal_size": {"type": "array", "description": "[cols, rows]", "prefixItems": [cols, rows], "minItems": 2, "maxItems": 2},
            "auth_token": {"type": "string", "description": format!("Given to the program as ANTHROPIC_API_KEY. No NUL bytes; at most {string_kib} KiB.")}, "profile": {"type": "string"}, "template": {"type": "string"},
            "workspace": {"type": "string", "description": "The workspace to join; by default the one of the project the session works in."},
            "hooks": {"type": "boolean", "description": "Claude Code hooks and status line (default true); false: the screen alone decides the state."},
            "policy": {"type": "boolean", "description": "Whether the [[policy]] rules answer permission requests (default true)."}}},
        "SessionInfo": {"type": "object", "properties": {
            "session_id": {"type": "integer"}, "task_id": {"type": "string"}, "workspace": {"type": "string"}, "state": {"$ref": "#/components/schemas/State"},
            "state_reason": {"type": "string"}, "project_path": {"type": "string"},
            "command": {"type": "array", "items": {"type": "string"}}, "pid": {"type": "integer"},
            "claude_session_id": {"type": ["string", "null"]}, "model": {"type": ["string", "null"]},
            "cost_usd": {"type": ["number", "null"]}, "context_used_percent": {"type": ["number", "null"]},
            "lines_added": {"type": ["integer", "null"]}, "lines_removed": {"type": ["integer", "null"]},
            "last_tool": {"type": ["string", "null"]},
            "pending_permission": {"type": ["object", "null"], "properties": {"tool_name": {"type": "string"}, "tool_input": {}}},
            "terminal_size": size, "created_at": {"type": "string", "format": "date-time"},
            "last_activity": {"type": "string", "format": "date-time"}, "exit_code": {"type": ["integer", "null"]},
            "profile": {"type": "string"}, "commands_run": {"type": "integer"}, "bytes_read": {"type": "integer"}}},
        "SessionList": {"type": "object", "properties": {"sessions": {"type": "array", "items": {"$ref": "#/components/schemas/SessionInfo"}}}},
        "Command": {"type": "object", "required": ["command"], "properties": {"command": {"type": "string"}, "timeout": {"type": "number", "exclusiveMinimum": 0}}},
        "CommandResult": {"type": "object", "properties": {"session_id": {"type": "integer"}, "command": {"type": "string"}, "output": {"type": "string"}, "state": {"$ref": "#/components/schemas/State"}, "duration_ms": {"type": "integer"}, "timed_out": {"type": "boolean"}}},
        "Answer": {"type": "object", "required": ["choice"], "properties": {"choice": {"oneOf": [{"type": "integer", "minimum": 1, "maximum": 9}, {"type": "string", "enum": ["yes", "no"]}],
                   "description": "The option's number as the dialog shows it, or yes (the first option) / no (the option saying No)."}}},
        "Input": {"type": "object", "required": ["data"], "properties": {"data": {"type": "string"}}},
        "Resize": {"type": "object", "required": ["cols", "rows"], "properties": {"cols": cols, "rows": rows}},
        "OutputPage": {"type": "object", "properties": {"next_seq": {"type": "integer"}, "entries": {"type": "array", "items": {"type": "object", "properties": {
            "seq": {"type": "integer"}, "timestamp": {"type": "string", "format": "date-time"},
            "type": {"type": "string", "enum": ["output", "input", "state", "error", "system"]}, "content": {"type": "string"}}}}}},
        "Screen": {"type": "object", "properties": {"cols": {"type": "integer"}, "rows": {"type": "integer"}, "lines": {"type": "array", "items": {"type": "string"}}, "cursor": {"type": "object", "properties": {"row": {"type": "integer"}, "col": {"type": "integer"}}}}},
        "Ok": {"type": "object", "properties": {"ok": {"type": "boolean"}}},
        "Stats": {"type": "object", "properties": {"by_state": {"type": "object", "additionalProperties": {"type": "integer"}}, "live": {"type": "integer"}, "created_total": {"type": "integer"}, "terminated_total": {"type": "integer"}, "commands_run": {"type": "integer"}, "bytes_read": {"type": "integer"}, "cost_usd": {"type": "number"}, "uptime_secs": {"type": "integer"}}},
        "Health": {"type": "object", "properties": {"status": {"type": "string"}, "version": {"type": "string"}}},
        "OpenApi": {"type": "object"},
        "WebSocket": {"type": "object", "description": "Upgrade to a WebSocket: server sends screen/output/state messages; client sends command/input/resize/interrupt. Closes with the reason `session ended` after the session's last state."},
    })
}

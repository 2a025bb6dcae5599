//! The OpenAPI document says what the handlers take: numbers and booleans typed as such, sizes
//! and ranges declared, unknown fields refused where the server refuses them; and the handlers
//! take what it says (an integer-valued `80.0` is an integer to JSON Schema).

mod common;

use common::server::{Server, start_server};
use serde_json::{Value, json};

fn document(server: &Server) -> Value {
    let (status, doc) = server.call("GET", "/api/v1/openapi.json", None);
    assert_eq!(status, 200);
    doc
}

fn parameter<'a>(doc: &'a Value, path: &str, method: &str, name: &str) -> &'a Value {
    doc["paths"][path][method]["parameters"]
        .as_array()
        .unwrap_or_else(|| panic!("{method} {path} has no parameters"))
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{method} {path} does not document {name}"))
}

#[test]
fn query_parameters_are_typed_as_the_handlers_read_them() {
    let server = start_server();
    let doc = document(&server);
    let output = "/api/v1/sessions/{id}/output";
    let since = &parameter(&doc, output, "get", "since")["schema"];
    assert_eq!(since["type"], "integer");
    assert_eq!(since["minimum"], 0);
    let limit = &parameter(&doc, output, "get", "limit")["schema"];
    assert_eq!(limit["type"], "integer");
    assert_eq!(
        (&limit["minimum"], &limit["maximum"]),
        (&json!(1), &json!(10000))
    );
    let wait = "/api/v1/sessions/{id}/wait";
    let timeout = &parameter(&doc, wait, "get", "timeout")["schema"];
    assert_eq!(
        (&timeout["maximum"], &timeout["exclusiveMinimum"]),
        (&json!(600.0), &json!(0))
    );
    assert!(parameter(&doc, wait, "get", "state")["schema"]["pattern"].is_string());
    let force = &parameter(&doc, "/api/v1/sessions/{id}", "delete", "force");
    assert_eq!(force["schema"]["type"], "boolean");
    assert_eq!(force["required"], false);
}

#[test]
fn request_bodies_declare_unknown_fields_sizes_and_ranges() {
    let server = start_server();
    let doc = document(&server);
    let schemas = &doc["components"]["schemas"];
    for body in ["CreateSession", "Command", "Input", "Resize"] {
        assert_eq!(
            schemas[body]["additionalProperties"], false,
            "{body} takes unknown fields in the document but not on the server"
        );
    }
    assert_eq!(
        schemas["Command"]["properties"]["timeout"]["maximum"],
        86400.0
    );
    assert_eq!(
        schemas["Command"]["properties"]["timeout"]["exclusiveMinimum"],
        0
    );
    let task_id = &schemas["TaskId"];
    assert_eq!(
        (&task_id["minLength"], &task_id["maxLength"]),
        (&json!(1), &json!(128))
    );
    assert!(task_id["pattern"].is_string());
    let command = &schemas["CreateSession"]["properties"]["command"];
    assert_eq!(command["minItems"], 1);
    assert_eq!(command["prefixItems"][0]["minLength"], 1);
    assert_eq!(schemas["CreateSession"]["required"], json!(["task_id"]));
    // An empty worktree name or a workspace with a control character is refused up front.
    let worktree = schemas["WorktreeOption"].to_string();
    assert!(worktree.contains(r#""minLength":1"#), "{worktree}");
    let workspace = &schemas["CreateSession"]["properties"]["workspace"];
    assert_eq!(workspace["minLength"], 1);
    assert!(workspace["pattern"].is_string(), "{workspace}");
    let restore = &schemas["CreateSession"]["properties"]["restore_secrets"];
    assert!(restore.to_string().contains("boolean"), "{restore}");
}

#[test]
fn integer_valued_numbers_are_integers_in_bodies_and_queries() {
    let server = start_server();
    let dir = tempfile::tempdir().unwrap();
    let (status, info) = server.call(
        "POST",
        "/api/v1/sessions",
        Some(json!({"task_id": "whole", "project_path": dir.path(),
                    "command": ["cat"], "terminal_size": [80.0, 24.0]})),
    );
    assert_eq!(status, 201, "{info}");
    assert_eq!(info["terminal_size"], json!({"cols": 80, "rows": 24}));
    let id = info["session_id"].as_u64().unwrap();

    let (status, info) = server.call(
        "POST",
        &format!("/api/v1/sessions/{id}/resize"),
        Some(json!({"cols": 100.0, "rows": 30})),
    );
    assert_eq!(status, 200, "{info}");
    assert_eq!(info["terminal_size"], json!({"cols": 100, "rows": 30}));

    let (status, page) = server.call(
        "GET",
        &format!("/api/v1/sessions/{id}/output?since=0.0&limit=10.0"),
        None,
    );
    assert_eq!(status, 200, "{page}");
    assert!(page["entries"].as_array().unwrap().len() <= 10);

    // Not whole, or not a number at all: refused, naming what was wrong.
    for (body, field) in [
        (json!({"cols": 100.5, "rows": 30}), "cols"),
        (json!({"cols": "100", "rows": 30}), "cols"),
    ] {
        let (status, error) =
            server.call("POST", &format!("/api/v1/sessions/{id}/resize"), Some(body));
        assert_eq!(status, 422, "{error}");
        assert!(
            error["error"]["message"].as_str().unwrap().contains(field),
            "{error}"
        );
    }
    for query in ["limit=1.5", "limit=0", "since=-1", "limit=ten"] {
        let (status, error) = server.call(
            "GET",
            &format!("/api/v1/sessions/{id}/output?{query}"),
            None,
        );
        assert!(matches!(status, 400 | 422), "{query}: {status} {error}");
    }
    let (status, _) = server.call("DELETE", &format!("/api/v1/sessions/{id}?force=yes"), None);
    assert_eq!(status, 400);
    let (status, info) = server.call("DELETE", &format!("/api/v1/sessions/{id}?force=true"), None);
    assert_eq!(status, 200, "{info}");
}

//! The API document as client generators see it: the `/api/openapi.json` a running server
//! serves must pass a real OpenAPI 3.1 validator (the `roas` crate, which checks the
//! document against the 3.1 specification's rules, such as every response having a
//! description), and must describe every `/api/` route of the route table, so a route the
//! JSON API gains later is covered without touching this file.

use crate::support::spawn_app;
use ownpace_web::policy::route_table;
use roas::v3_1::spec::Spec;
use roas::validation::Validate;
use serde_json::Value;
use std::collections::BTreeSet;

/// Fetches the served document, checking it is JSON.
async fn served_document() -> Value {
    let app = spawn_app(ownpace_storage::Backend::Sqlite, 1).await;
    let response = reqwest::get(format!("{}/api/openapi.json", app.base))
        .await
        .expect("GET /api/openapi.json");
    assert_eq!(response.status(), 200, "GET /api/openapi.json");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(
        content_type.starts_with("application/json"),
        "the document is served as JSON, not {content_type:?}"
    );
    response
        .json()
        .await
        .expect("/api/openapi.json is a JSON document")
}

/// Everything the validator finds wrong with `doc`, one line each (empty when valid).
fn validation_errors(doc: &Value) -> Vec<String> {
    if doc["openapi"]
        .as_str()
        .is_none_or(|v| !v.starts_with("3.1."))
    {
        return vec![format!(
            "#.openapi: expected a 3.1.x document, found {}",
            doc["openapi"]
        )];
    }
    // Parsed from pretty text, so that a structural error has a line to point at.
    let text = serde_json::to_string_pretty(doc).expect("print the document");
    let spec: Spec = match serde_json::from_str(&text) {
        Ok(spec) => spec,
        Err(e) => {
            let around: Vec<String> = text
                .lines()
                .enumerate()
                .skip(e.line().saturating_sub(6))
                .take(8)
                .map(|(n, line)| format!("{:>5} {line}", n + 1))
                .collect();
            return vec![format!(
                "not an OpenAPI 3.1 document: {e}\n{}",
                around.join("\n")
            )];
        }
    };
    // No rule switched off.
    match spec.validate(Default::default(), None) {
        Ok(()) => Vec::new(),
        Err(e) => e.errors.iter().map(ToString::to_string).collect(),
    }
}

/// `METHOD path` of every operation in the document.
fn documented_operations(doc: &Value) -> BTreeSet<String> {
    let mut operations = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        for method in item.as_object().into_iter().flat_map(|o| o.keys()) {
            if matches!(
                method.as_str(),
                "get" | "put" | "post" | "delete" | "options" | "head" | "patch" | "trace"
            ) {
                operations.insert(format!("{} {path}", method.to_uppercase()));
            }
        }
    }
    operations
}

/// `METHOD path` of every `/api/` route in the route table.
fn api_routes() -> BTreeSet<String> {
    route_table()
        .iter()
        .filter(|r| r.is_api())
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_served_api_document_passes_an_openapi_3_1_validator() {
    let doc = served_document().await;
    let errors = validation_errors(&doc);
    assert!(
        errors.is_empty(),
        "/api/openapi.json fails OpenAPI 3.1 validation with {} error(s):\n{}",
        errors.len(),
        errors.join("\n")
    );
    println!(
        "/api/openapi.json: OpenAPI {}, {} operations, 0 validation errors",
        doc["openapi"].as_str().unwrap_or("?"),
        documented_operations(&doc).len()
    );

    // The validator is not a rubber stamp: the defect it was brought in for is caught.
    let mut broken = doc.clone();
    let response = broken["paths"]["/api/v1/me"]["get"]["responses"]["200"]
        .as_object_mut()
        .expect("GET /api/v1/me documents its 200 response");
    response.remove("description");
    let errors = validation_errors(&broken);
    assert!(
        errors.iter().any(|e| e.contains("description")),
        "a response without a description must fail validation; got {errors:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_api_route_is_in_the_document_and_nothing_else() {
    let doc = served_document().await;
    let documented = documented_operations(&doc);
    let routes = api_routes();
    assert!(
        routes.len() >= 7,
        "the route table lists only {} API routes: {routes:?}",
        routes.len()
    );
    let missing: Vec<&String> = routes.difference(&documented).collect();
    assert!(
        missing.is_empty(),
        "API routes in the route table (ownpace_web::policy) missing from /api/openapi.json: \
         {missing:?}; add a #[utoipa::path] to each handler and list it in `paths(...)` of \
         ApiDoc in crates/web/src/api.rs"
    );
    let unrouted: Vec<&String> = documented.difference(&routes).collect();
    assert!(
        unrouted.is_empty(),
        "/api/openapi.json documents operations the server does not route: {unrouted:?}"
    );
}

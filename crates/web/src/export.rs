//! A student's whole record as one zip, the same for the student, their guardian, an
//! admin and `ownpace export-student`:
//!
//! - `index.html`: a readable summary (classes, skills, goals, who looked at the record,
//!   and what each other file holds), openable without a server;
//! - `record.json`: every row about the student, table by table, as the storage's
//!   inventory-driven export reads them (`Store::export_student`);
//! - `xapi-statements.json`: the event log as xAPI 1.0.3 statements (the actor is an
//!   account on the school's homepage, never an e-mail address);
//! - `csv/<table>.csv`: the same rows as spreadsheets.
//!
//! Nothing about another student is read: the storage selects rows by the student's id,
//! and people named in the summary are staff and guardians who looked at the record.

use crate::WebError;
use askama::Template;
use ownpace_core::ids::UserId;
use ownpace_storage::{ExportedTable, Store, User};
use serde_json::{Value, json};
use std::io::Write;

/// The xAPI version the statements follow.
pub const XAPI_VERSION: &str = "1.0.3";

struct SummaryTable {
    table: &'static str,
    holds: &'static str,
    rows: usize,
}

#[derive(Template)]
#[template(path = "export_summary.html")]
struct Summary<'a> {
    name: &'a str,
    username: &'a str,
    exported_at: String,
    classes: Vec<(String, String, String)>,
    skills: Vec<(String, String, String, String)>,
    goals: Vec<(String, String)>,
    looked: Vec<(String, String, String)>,
    statements: usize,
    tables: Vec<SummaryTable>,
}

/// An RFC 3339 UTC timestamp with milliseconds, as xAPI wants.
pub fn timestamp(ms: i64) -> String {
    let nanos = i128::from(ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// An ISO 8601 duration (`PT4.5S`).
fn iso_duration(ms: i64) -> String {
    let ms = ms.max(0);
    if ms % 1000 == 0 {
        format!("PT{}S", ms / 1000)
    } else {
        format!("PT{}.{:03}S", ms / 1000, ms % 1000)
    }
}

/// A path segment for an activity IRI: unreserved characters kept, the rest escaped.
fn segment(text: &str) -> String {
    crate::layout::url_encode(text)
}

fn field<'a>(row: &'a Value, name: &str) -> &'a Value {
    row.get(name).unwrap_or(&Value::Null)
}

fn text(row: &Value, name: &str) -> String {
    match field(row, name) {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// The typed or chosen response of an answer, as the student gave it.
fn response_text(stored: &str) -> Option<String> {
    let value: Value = serde_json::from_str(stored).ok()?;
    match value
        .get("value")
        .or_else(|| value.get("Text"))
        .or_else(|| value.get("Choice"))
    {
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => Some(other.to_string()),
        None => Some(stored.to_string()),
    }
}

/// One event row (as `record.json` has it) as an xAPI statement.
pub fn statement(event: &Value, student: &User, homepage: &str) -> Value {
    let kind = text(event, "kind");
    let course = text(event, "course_id");
    let item = text(event, "item_id");
    let course_iri = format!("{homepage}/xapi/courses/{}", segment(&course));
    let (verb, verb_name, activity_type, object_iri) = match kind.as_str() {
        "lesson" | "offline_activity" => (
            "http://adlnet.gov/expapi/verbs/completed",
            "completed",
            "http://adlnet.gov/expapi/activities/lesson",
            format!("{course_iri}/lessons/{}", segment(&item)),
        ),
        "placement" => (
            "http://adlnet.gov/expapi/verbs/completed",
            "completed",
            "http://adlnet.gov/expapi/activities/assessment",
            format!("{course_iri}/placement"),
        ),
        "hint" => (
            "http://adlnet.gov/expapi/verbs/asked",
            "asked for a hint on",
            "http://adlnet.gov/expapi/activities/cmi.interaction",
            format!("{course_iri}/items/{}", segment(&item)),
        ),
        _ => (
            "http://adlnet.gov/expapi/verbs/answered",
            "answered",
            "http://adlnet.gov/expapi/activities/cmi.interaction",
            format!("{course_iri}/items/{}", segment(&item)),
        ),
    };
    let name = if item.is_empty() {
        format!("{kind} in {course}")
    } else {
        item.clone()
    };
    let mut statement = json!({
        "id": text(event, "id"),
        "version": XAPI_VERSION,
        "actor": {
            "objectType": "Agent",
            "name": student.display_name,
            "account": {"homePage": homepage, "name": student.username},
        },
        "verb": {"id": verb, "display": {"en-US": verb_name}},
        "object": {
            "objectType": "Activity",
            "id": object_iri,
            "definition": {"type": activity_type, "name": {"en-US": name}},
        },
        "timestamp": timestamp(field(event, "occurred_at").as_i64().unwrap_or(0)),
        "context": {
            "platform": "Ownpace",
            "contextActivities": {"parent": [{"objectType": "Activity", "id": course_iri}]},
        },
    });
    let mut result = serde_json::Map::new();
    if let Some(correct) = field(event, "correct").as_i64() {
        result.insert("success".into(), json!(correct != 0));
    }
    if let Some(response) = field(event, "response").as_str().and_then(response_text) {
        result.insert("response".into(), json!(response));
    }
    if let Some(ms) = field(event, "duration_ms").as_i64() {
        result.insert("duration".into(), json!(iso_duration(ms)));
    }
    if matches!(kind.as_str(), "lesson" | "offline_activity" | "placement") {
        result.insert("completion".into(), json!(true));
    }
    if !result.is_empty() {
        statement["result"] = Value::Object(result);
    }
    statement
}

fn csv_of(table: &ExportedTable) -> Result<Vec<u8>, WebError> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| WebError::Internal(format!("writing the CSV export: {e}"));
    writer.write_record(&table.columns).map_err(fail)?;
    for row in &table.rows {
        writer
            .write_record(row.iter().map(|v| match v {
                Value::String(s) => s.clone(),
                Value::Null => String::new(),
                other => other.to_string(),
            }))
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| WebError::Internal(format!("writing the CSV export: {e}")))
}

/// The zip of `student`'s record. `homepage` is the school's Ownpace address (the xAPI
/// actor's account home page); `now` is when the export is made.
pub async fn student_zip(
    store: &Store,
    student: &User,
    homepage: &str,
    now: i64,
) -> Result<Vec<u8>, WebError> {
    let homepage = homepage.trim_end_matches('/');
    let tables = store.export_student(&student.id).await?;
    let events = tables
        .iter()
        .find(|t| t.table == "events")
        .map(ExportedTable::objects)
        .unwrap_or_default();
    let statements: Vec<Value> = events
        .iter()
        .map(|e| statement(e, student, homepage))
        .collect();
    let record = json!({
        "format": "ownpace-student-export/1",
        "exported_at": timestamp(now),
        "student": {
            "id": student.id.as_str(),
            "username": student.username,
            "display_name": student.display_name,
        },
        "tables": tables
            .iter()
            .map(|t| (t.table.to_string(), Value::Array(t.objects())))
            .collect::<serde_json::Map<String, Value>>(),
    });
    let summary = summary(store, student, &tables, statements.len(), now).await?;

    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let fail = |e: zip::result::ZipError| WebError::Internal(format!("writing the export: {e}"));
    let io = |e: std::io::Error| WebError::Internal(format!("writing the export: {e}"));
    let json_text = |value: &Value| {
        serde_json::to_vec_pretty(value).map_err(|e| WebError::Internal(e.to_string()))
    };
    let mut files: Vec<(String, Vec<u8>)> = vec![
        ("index.html".into(), summary.into_bytes()),
        ("record.json".into(), json_text(&record)?),
        (
            "xapi-statements.json".into(),
            json_text(&Value::Array(statements))?,
        ),
    ];
    for table in &tables {
        files.push((format!("csv/{}.csv", table.table), csv_of(table)?));
    }
    for (name, bytes) in files {
        zip.start_file(name, options).map_err(fail)?;
        zip.write_all(&bytes).map_err(io)?;
    }
    Ok(zip.finish().map_err(fail)?.into_inner())
}

async fn summary(
    store: &Store,
    student: &User,
    tables: &[ExportedTable],
    statements: usize,
    now: i64,
) -> Result<String, WebError> {
    let rows = |name: &str| {
        tables
            .iter()
            .find(|t| t.table == name)
            .map(ExportedTable::objects)
            .unwrap_or_default()
    };
    let date = |row: &Value, name: &str| {
        field(row, name)
            .as_i64()
            .map_or_else(String::new, |ms| crate::views::date(ms, now))
    };
    let mut classes = Vec::new();
    for e in rows("enrollments") {
        let id = ownpace_core::ids::ClassId::new(text(&e, "class_id"));
        let name = store
            .class(&id)
            .await?
            .map_or_else(|| id.to_string(), |c| c.name);
        classes.push((name, date(&e, "joined_at"), date(&e, "left_at")));
    }
    let skills = rows("mastery")
        .iter()
        .map(|m| {
            (
                format!("{} / {}", text(m, "course_id"), text(m, "skill_id")),
                crate::views::percent(field(m, "p_mastery").as_f64().unwrap_or(0.0)),
                format!("{} of {}", text(m, "correct"), text(m, "attempts")),
                date(m, "mastered_at"),
            )
        })
        .collect();
    let goals = rows("goals")
        .iter()
        .map(|g| (text(g, "title"), date(g, "target_at")))
        .collect();
    let mut looked = Vec::new();
    for a in rows("audit_log") {
        let actor = UserId::new(text(&a, "actor_id"));
        let who = if actor == student.id {
            "you".to_string()
        } else {
            store
                .user(&actor)
                .await?
                .map_or_else(|| "a former account".to_string(), |u| u.display_name)
        };
        looked.push((date(&a, "at"), who, text(&a, "action")));
    }
    Summary {
        name: &student.display_name,
        username: &student.username,
        exported_at: crate::views::date(now, now),
        classes,
        skills,
        goals,
        looked,
        statements,
        tables: tables
            .iter()
            .map(|t| SummaryTable {
                table: t.table,
                holds: t.holds,
                rows: t.rows.len(),
            })
            .collect(),
    }
    .render()
    .map_err(|e| WebError::Internal(format!("rendering the export summary: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_and_durations_are_iso_8601() {
        assert_eq!(timestamp(0), "1970-01-01T00:00:00Z");
        assert_eq!(timestamp(1_700_000_000_123), "2023-11-14T22:13:20.123Z");
        assert_eq!(iso_duration(4_500), "PT4.500S");
        assert_eq!(iso_duration(60_000), "PT60S");
        assert_eq!(
            response_text(r#"{"kind":"text","value":"3/4"}"#).as_deref(),
            Some("3/4")
        );
    }
}

//! What a page says after a form (Post/Redirect/Get): every form's handler answers with a
//! redirect to a page (`303 See Other`), and leaves that page a [`Flash`]: a success or an
//! error, in words without markup, plus the input to put back into the form and the field
//! to mark when it went wrong. The message is kept in the database next to the session
//! (so several server processes share it) and deleted by the page that shows it, so a
//! reload shows the page as it is, never the form's answer again, and never a 405.

use crate::auth::CurrentUser;
use crate::{AppState, WebError};
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum FlashKind {
    #[default]
    Success,
    Error,
}

/// A one-time set-up code handed to a person, shown once after it is made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandedCode {
    pub name: String,
    pub username: String,
    pub code: String,
}

/// What the next page says, and what it puts back into a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: FlashKind,
    pub message: String,
    /// Which form the input belongs to (a page may have several).
    #[serde(default)]
    pub form: String,
    /// The form's input as typed (never a password).
    #[serde(default)]
    pub fields: HashMap<String, String>,
    /// The field that was wrong, marked and described in place.
    #[serde(default)]
    pub field: String,
    /// Lines that were wrong (a file's line problems), shown as a list.
    #[serde(default)]
    pub lines: Vec<String>,
    #[serde(default)]
    pub codes: Vec<HandedCode>,
}

/// A sentence for people: no markup characters, and exactly one final period (a name
/// such as "Lucía R." at the end does not get a second one).
pub fn sentence(text: &str) -> String {
    let clean: String = text.chars().filter(|c| !matches!(c, '`' | '*')).collect();
    let clean = clean.trim();
    if clean.ends_with(['.', '!', '?', ':']) {
        clean.to_string()
    } else {
        format!("{clean}.")
    }
}

impl Flash {
    pub fn success(message: impl AsRef<str>) -> Flash {
        Flash {
            kind: FlashKind::Success,
            message: sentence(message.as_ref()),
            ..Flash::default()
        }
    }

    pub fn error(message: impl AsRef<str>) -> Flash {
        Flash {
            kind: FlashKind::Error,
            message: sentence(message.as_ref()),
            ..Flash::default()
        }
    }

    /// The error a form's handler met, worded for people; `None` for errors that are not
    /// the form's fault (those become the error page).
    pub fn from_error(error: &WebError) -> Option<Flash> {
        match error {
            WebError::BadRequest(_) | WebError::Store(_) | WebError::NotFound => {
                let message = error.public_message();
                // "field: what is wrong" marks the field.
                let field = message
                    .split_once(':')
                    .map(|(f, _)| f.trim().replace(' ', "_"))
                    .filter(|f| f.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                    .unwrap_or_default();
                let mut flash = Flash::error(upper_first(&message));
                flash.field = field;
                Some(flash)
            }
            _ => None,
        }
    }

    /// Keeps the form's input (for a form called `form`) to put back on the page.
    pub fn with_input<'a>(
        mut self,
        form: &str,
        fields: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Flash {
        self.form = form.to_string();
        self.fields = fields
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        self
    }

    pub fn is_error(&self) -> bool {
        self.kind == FlashKind::Error
    }

    /// The kept value of a field of `form`, or `default`.
    pub fn value(&self, form: &str, field: &str, default: &str) -> String {
        if self.form == form {
            self.fields
                .get(field)
                .cloned()
                .unwrap_or_else(|| default.to_string())
        } else {
            default.to_string()
        }
    }

    /// The error message to show beside `field` of `form`, if that field was wrong.
    pub fn error_for(&self, form: &str, field: &str) -> String {
        if self.is_error() && self.form == form && self.field == field {
            self.message.clone()
        } else {
            String::new()
        }
    }
}

fn upper_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The page part of a location (without `#fragment` or `?query`), which the message is
/// kept for.
fn page_of(location: &str) -> &str {
    location.split(['#', '?']).next().unwrap_or(location)
}

/// Leaves `flash` for the page at `location` and redirects there (303).
pub async fn redirect(
    state: &AppState,
    current: &CurrentUser,
    location: &str,
    flash: Flash,
) -> Result<Response, WebError> {
    let body = serde_json::to_string(&flash).map_err(|e| WebError::Internal(e.to_string()))?;
    state
        .store
        .set_flash(&current.token_hash, page_of(location), &body, state.now())
        .await?;
    Ok(Redirect::to(location).into_response())
}

/// Ends a form: on success leaves its message, on an error that is the form's fault
/// leaves the error with the input (`form`, `fields`) to put back; either way redirects to
/// `location`. Other errors become the error page.
pub async fn finish<'a>(
    state: &AppState,
    current: &CurrentUser,
    location: &str,
    result: Result<Flash, WebError>,
    form: &str,
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<Response, WebError> {
    let flash = match result {
        Ok(flash) => flash,
        Err(error) => match Flash::from_error(&error) {
            Some(flash) => flash.with_input(form, fields),
            None => return Err(error),
        },
    };
    redirect(state, current, location, flash).await
}

/// Takes what the page at `path` says now, if anything (a reload finds nothing).
pub async fn take(state: &AppState, current: &CurrentUser, path: &str) -> Result<Flash, WebError> {
    let Some(body) = state.store.take_flash(&current.token_hash, path).await? else {
        return Ok(Flash::default());
    };
    Ok(serde_json::from_str(&body).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_have_one_period_and_no_markup() {
        assert_eq!(sentence("Added Lucía R."), "Added Lucía R.");
        assert_eq!(sentence("Created `ana2`"), "Created ana2.");
        assert_eq!(sentence("  Saved  "), "Saved.");
    }

    #[test]
    fn an_error_naming_a_field_marks_it() {
        let flash = Flash::from_error(&WebError::BadRequest(
            "target date: choose a day from today on".into(),
        ))
        .unwrap()
        .with_input("goal", [("due", "2020-01-01")]);
        assert_eq!(flash.field, "target_date");
        assert_eq!(flash.message, "Target date: choose a day from today on.");
        assert_eq!(flash.value("goal", "due", ""), "2020-01-01");
        assert_eq!(flash.value("other", "due", "x"), "x");
    }
}

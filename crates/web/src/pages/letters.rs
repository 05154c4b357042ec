//! The weekly letter's pages and forms (issue 9, point 7): a guardian's address (set by
//! the guardian on `/family`, or by an admin on the guardian's account page), the choice
//! per child on the child's page, and the one-click unsubscribe of every letter.
//!
//! `/letters/unsubscribe/{token}` is public: the secret in the path is the credential (as
//! for calendar feeds). The guard looks up no session on it and asks no CSRF token (a
//! mail provider's RFC 8058 one-click POST carries neither, and no cookie grants anything
//! here). GET shows a page with a button and writes nothing; POST turns the letter off.
//! A wrong or made-up secret answers the page-shaped 404 and writes nothing.

use crate::auth::guard::{Admin, Guardian, GuardianOf};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, GUARDIAN, Route, Subject, get, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::UserId;
use ownpace_core::letters::{Digest, LetterWeek};
use ownpace_storage::{Role, StaffAction, User};
use serde::Deserialize;

/// The unsubscribe route: public, no session looked up, no CSRF token asked.
pub const UNSUBSCRIBE_PATH: &str = "/letters/unsubscribe/{token}";

pub(crate) fn routes() -> Vec<Route> {
    vec![
        get(UNSUBSCRIBE_PATH, Access::Public, confirm),
        post(UNSUBSCRIBE_PATH, Access::Public, unsubscribe),
        post(
            "/family/letter-address",
            Access::Roles(GUARDIAN, Subject::None),
            own_address,
        ),
        post(
            "/family/{student}/letter",
            Access::Roles(GUARDIAN, Subject::Student("student")),
            choose,
        ),
        post(
            "/admin/users/{user}/letter-address",
            Access::Roles(ADMIN, Subject::None),
            admin_address,
        ),
    ]
}

/// The letter as the child's page shows it.
pub struct LetterView {
    /// "the week of Monday 23 November 2026".
    pub week_words: String,
    pub digest: Digest,
    /// The guardian's address (empty: none).
    pub address: String,
    pub subscribed: bool,
    /// Why letters are not sent, if they are not.
    pub off: Option<&'static str>,
    /// The last letters sent to this guardian about the child: "the week of …, …".
    pub sent: String,
}

/// This week's letter so far, for a guardian's child page.
pub async fn view(
    state: &AppState,
    guardian: &UserId,
    student: &User,
) -> Result<LetterView, WebError> {
    let week = LetterWeek::at(&state.config.timezone, state.now());
    let sent: Vec<String> = state
        .store
        .letter_sends(&student.id)
        .await?
        .into_iter()
        .filter(|s| &s.guardian_id == guardian && s.status == "sent")
        .take(3)
        .map(|s| format!("the week of {}", s.week))
        .collect();
    Ok(LetterView {
        week_words: week.words(),
        digest: crate::letters::digest(state, student, week).await?,
        address: state
            .store
            .letter_address(guardian)
            .await?
            .unwrap_or_default(),
        subscribed: state.store.letter_subscribed(guardian, &student.id).await?,
        off: crate::letters::off_reason(state),
        sent: sent.join(", "),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "letter_unsubscribe.html")]
struct UnsubscribePage {
    layout: Layout,
    child: String,
    done: bool,
    already: bool,
}

/// The (guardian, child, subscribed) of a secret, or 404; reads only.
async fn letter_of(state: &AppState, token: &str) -> Result<(User, bool), WebError> {
    if token.is_empty() || token.len() > 100 {
        return Err(WebError::NotFound);
    }
    let hash = crate::auth::token_hash(token);
    let (_, student, subscribed) = state
        .store
        .letter_by_token(&hash)
        .await?
        .ok_or(WebError::NotFound)?;
    let child = state
        .store
        .user(&student)
        .await?
        .ok_or(WebError::NotFound)?;
    Ok((child, subscribed))
}

pub async fn confirm(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (child, subscribed) = letter_of(&state, &token).await?;
    Ok(UnsubscribePage {
        layout: Layout::new("Stop the weekly letter", None, ""),
        child: child.display_name,
        done: false,
        already: !subscribed,
    }
    .into_response())
}

pub async fn unsubscribe(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let (child, _) = letter_of(&state, &token).await?;
    state
        .store
        .unsubscribe_letter(&crate::auth::token_hash(&token), state.now())
        .await?;
    Ok(UnsubscribePage {
        layout: Layout::new("Letter stopped", None, ""),
        child: child.display_name,
        done: true,
        already: false,
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct AddressForm {
    #[serde(default)]
    address: String,
}

/// Sets or clears (an empty field) a guardian's address.
async fn save_address(
    state: &AppState,
    guardian: &User,
    text: &str,
    set_by: &UserId,
) -> Result<Flash, WebError> {
    if text.trim().is_empty() {
        state
            .store
            .set_letter_address(&guardian.id, None, set_by, state.now())
            .await?;
        return Ok(Flash::success(
            "The e-mail address was removed: no letter is sent",
        ));
    }
    let address = crate::letters::check_address(text)?;
    state
        .store
        .set_letter_address(&guardian.id, Some(&address), set_by, state.now())
        .await?;
    Ok(Flash::success(format!(
        "Weekly letters go to {address}{}",
        crate::letters::off_reason(state).map_or_else(String::new, |off| format!(" ({off})"))
    )))
}

fn form_input(form: &AddressForm) -> [(&str, &str); 1] {
    let text = &form.address;
    // Kept input is bounded like the field.
    let end = text
        .char_indices()
        .nth(crate::letters::MAX_ADDRESS_CHARS)
        .map_or(text.len(), |(i, _)| i);
    [("address", &text[..end])]
}

pub async fn own_address(
    State(state): State<AppState>,
    Guardian(current): Guardian,
    Form(form): Form<AddressForm>,
) -> Result<Response, WebError> {
    let result = save_address(&state, &current.user, &form.address, &current.user.id).await;
    flash::finish(
        &state,
        &current,
        "/family#letter-address",
        result,
        "letter",
        form_input(&form),
    )
    .await
}

pub async fn admin_address(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    Form(form): Form<AddressForm>,
) -> Result<Response, WebError> {
    let guardian = state
        .store
        .user(&UserId::new(user_id))
        .await?
        .ok_or(WebError::NotFound)?;
    let result = if guardian.role == Role::Guardian {
        let saved = save_address(&state, &guardian, &form.address, &current.user.id).await;
        if saved.is_ok() {
            // On the staff trail: that an admin changed where a family's letters go, never
            // the address itself.
            let detail = if form.address.trim().is_empty() {
                "removed"
            } else {
                "set"
            };
            crate::audit::staff(
                &state,
                StaffAction::LetterAddressChanged,
                Some(&current.user.id),
                Some(&guardian.id),
                detail,
                None,
            )
            .await?;
        }
        saved
    } else {
        Err(WebError::BadRequest(
            "address: only a guardian's account has an address for weekly letters".into(),
        ))
    };
    flash::finish(
        &state,
        &current,
        &format!("/admin/users/{}#letter-address", guardian.id),
        result,
        "letter",
        form_input(&form),
    )
    .await
}

#[derive(Deserialize)]
pub struct ChoiceForm {
    #[serde(default)]
    subscribed: String,
}

pub async fn choose(
    State(state): State<AppState>,
    GuardianOf {
        guardian: current,
        student,
    }: GuardianOf,
    Form(form): Form<ChoiceForm>,
) -> Result<Response, WebError> {
    let result = async {
        let on = match form.subscribed.as_str() {
            "1" => true,
            "0" => false,
            _ => {
                return Err(WebError::BadRequest(
                    "subscribed: send 1 (get the letter) or 0 (stop it)".into(),
                ));
            }
        };
        let token =
            crate::letters::unsubscribe_token(&state, &current.user.id, &student.id).await?;
        state
            .store
            .set_letter_subscription(
                &current.user.id,
                &student.id,
                on,
                &crate::auth::token_hash(&token),
                state.now(),
            )
            .await?;
        Ok(Flash::success(if on {
            format!(
                "You get the weekly letter about {} again",
                student.display_name
            )
        } else {
            format!(
                "You no longer get the weekly letter about {}",
                student.display_name
            )
        }))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/family/{}#weekly-letter", student.id),
        result,
        "letter-choice",
        [],
    )
    .await
}

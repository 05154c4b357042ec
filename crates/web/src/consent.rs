//! Consent in the web layer (issue 11, point 5): the checks the guard and future features
//! call, the privacy notice's version a guardian is shown, the guardian's consent forms
//! and the student's "waiting for your family's consent" page.
//!
//! The rules are the core's (`ownpace_core::consent`), the facts the storage's
//! (`Store::consent_facts`). Two checks matter:
//! - [`may_use`]: the guard asks it before every learning route of a student; while it
//!   answers `false` the pages show [`waiting_page`] and the API answers 403.
//! - [`may_send_outside`]: **every feature that sends a student's data outside the server
//!   (e-mail, a calendar feed, …) calls it first and stays off while it answers `false`.**
//!   None exists yet; the test `outside_features_wait_for_their_own_consent` holds the rule.

use crate::auth::CurrentUser;
use crate::auth::guard::Admin;
use crate::auth::guard::GuardianOf;
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::routing::{ADMIN, Access, GUARDIAN, Route, Subject, post};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, Path, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::consent::{self as rules, Scope};
use ownpace_core::ids::UserId;
use ownpace_storage::inventory::INVENTORY;
use serde::Deserialize;
use sha2::{Digest, Sha256};

pub(crate) fn routes() -> Vec<Route> {
    let guardian_of = Access::Roles(GUARDIAN, Subject::Student("student"));
    vec![
        post("/family/{student}/consent", guardian_of, give),
        post("/family/{student}/consent/withdraw", guardian_of, withdraw),
        post(
            "/admin/users/{user}/birth-year",
            Access::Roles(ADMIN, Subject::None),
            set_birth_year,
        ),
    ]
}

/// The calendar year (UTC) of a time in milliseconds.
pub fn year_of(ms: i64) -> i64 {
    ownpace_core::recommend::dates::civil(ms).0
}

/// Whether a student may use Ownpace now: they need no consent, or a linked guardian gave
/// it.
pub async fn may_use(state: &AppState, student_id: &UserId) -> Result<bool, WebError> {
    allows(state, student_id, Scope::Use).await
}

/// Whether a feature may send this student's data outside the server (e-mail, …). Every
/// such feature calls this first and does nothing while it answers `false`.
pub async fn may_send_outside(state: &AppState, student_id: &UserId) -> Result<bool, WebError> {
    allows(state, student_id, Scope::Outside).await
}

async fn allows(state: &AppState, student_id: &UserId, scope: Scope) -> Result<bool, WebError> {
    let policy = state.config.consent;
    if policy.age == 0 {
        return Ok(true);
    }
    let facts = state.store.consent_facts(student_id).await?;
    Ok(rules::allows(
        policy,
        facts.birth_year,
        year_of(state.now()),
        &facts.given,
        scope,
    ))
}

/// The students of a class who need a guardian's consent and have none: (id, name), in
/// the order of `students`.
pub(crate) async fn waiting_in_class(
    state: &AppState,
    class_id: &ownpace_core::ids::ClassId,
    students: &[ownpace_storage::User],
) -> Result<Vec<(String, String)>, WebError> {
    let policy = state.config.consent;
    if policy.age == 0 {
        return Ok(Vec::new());
    }
    let year = year_of(state.now());
    let facts = state.store.class_consent_facts(class_id).await?;
    Ok(students
        .iter()
        .filter(|s| {
            facts.iter().any(|(id, f)| {
                *id == s.id && !rules::allows(policy, f.birth_year, year, &f.given, Scope::Use)
            })
        })
        .map(|s| (s.id.to_string(), s.display_name.clone()))
        .collect())
}

/// The version of the privacy notice as `/privacy` shows it now: the first 12 hex digits
/// of a SHA-256 over everything the notice says (the inventory in words, the school's
/// contact, the consent policy and what each consent covers). A consent records the
/// version the guardian was shown; a changed notice has a new version.
pub fn notice_version(config: &crate::Config) -> String {
    let mut hash = Sha256::new();
    for table in INVENTORY {
        for text in [
            table.table,
            table.holds,
            table.purpose,
            table.seen_by,
            table.kept.words(),
        ] {
            hash.update(text.as_bytes());
            hash.update([0]);
        }
        for (column, sensitivity) in table.columns {
            hash.update(column.as_bytes());
            hash.update(sensitivity.words().as_bytes());
        }
        hash.update(format!("{:?}", table.on_erasure).as_bytes());
    }
    hash.update(config.privacy_contact.as_deref().unwrap_or("").as_bytes());
    hash.update(
        format!(
            "{}|{}",
            config.consent.age,
            config.consent.when_unknown.as_str()
        )
        .as_bytes(),
    );
    for scope in Scope::ALL {
        hash.update(scope.covers().as_bytes());
    }
    hash.finalize()
        .iter()
        .take(6)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// One scope as a guardian sees it on the family page.
pub(crate) struct ScopeView {
    pub scope: &'static str,
    pub label: &'static str,
    pub covers: &'static str,
    /// "Sam Okafor agreed on 3 March (notice a1b2c3d4e5f6)", or empty.
    pub given: String,
}

/// What the family page shows about one child's consent.
pub(crate) struct ConsentView {
    /// The school asks for consent for this child.
    pub needed: bool,
    pub can_use: bool,
    pub any_given: bool,
    pub outside_given: bool,
    pub notice_version: String,
    pub scopes: Vec<ScopeView>,
}

/// The consent section of a child's card on the family page.
pub(crate) async fn view_for(
    state: &AppState,
    student_id: &UserId,
) -> Result<ConsentView, WebError> {
    let policy = state.config.consent;
    let now = state.now();
    let facts = state.store.consent_facts(student_id).await?;
    let needed = rules::needs_consent(policy, facts.birth_year, year_of(now));
    let consents = if needed {
        state.store.consents(student_id).await?
    } else {
        Vec::new()
    };
    let scopes = Scope::ALL
        .iter()
        .map(|&scope| ScopeView {
            scope: scope.as_str(),
            label: scope_label(scope),
            covers: scope.covers(),
            given: consents
                .iter()
                .filter(|c| c.scope == scope)
                .map(|c| {
                    format!(
                        "{} agreed on {} (notice {})",
                        c.guardian_name,
                        crate::views::date(c.given_at, now),
                        c.notice_version
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        })
        .collect();
    Ok(ConsentView {
        needed,
        can_use: rules::allows(
            policy,
            facts.birth_year,
            year_of(now),
            &facts.given,
            Scope::Use,
        ),
        any_given: !consents.is_empty(),
        outside_given: facts.given.contains(&Scope::Outside),
        notice_version: notice_version(&state.config),
        scopes,
    })
}

fn scope_label(scope: Scope) -> &'static str {
    match scope {
        Scope::Use => "Using Ownpace",
        Scope::Outside => "Sending data outside the school's server",
    }
}

/// A scope as the middle of a sentence: "using Ownpace".
fn scope_words(scope: Scope) -> &'static str {
    match scope {
        Scope::Use => "using Ownpace",
        Scope::Outside => "sending data outside the school's server",
    }
}

/// A scope in words for the access log and messages.
pub(crate) fn scopes_in_words(codes: &str) -> String {
    codes
        .split(',')
        .filter_map(Scope::parse)
        .map(scope_words)
        .collect::<Vec<_>>()
        .join(" and ")
}

#[derive(Deserialize)]
pub struct GiveForm {
    #[serde(default)]
    notice_version: String,
    #[serde(default, rename = "use")]
    use_ownpace: String,
    #[serde(default)]
    outside: String,
}

/// A guardian records consent for their child.
pub async fn give(
    State(state): State<AppState>,
    GuardianOf { guardian, student }: GuardianOf,
    Form(form): Form<GiveForm>,
) -> Result<Response, WebError> {
    let location = format!("/family#consent-{}", student.id);
    let result = async {
        let current = notice_version(&state.config);
        if form.notice_version.trim() != current {
            return Err(WebError::BadRequest(
                "consent: the privacy notice changed since this page was opened; read it again and agree to the version shown now".into(),
            ));
        }
        let mut scopes = Vec::new();
        if !form.use_ownpace.is_empty() {
            scopes.push(Scope::Use);
        }
        if !form.outside.is_empty() {
            if scopes.is_empty()
                && !state
                    .store
                    .consent_facts(&student.id)
                    .await?
                    .given
                    .contains(&Scope::Use)
            {
                return Err(WebError::BadRequest(
                    "consent: sending data outside the server needs the consent to use Ownpace as well; tick both".into(),
                ));
            }
            scopes.push(Scope::Outside);
        }
        if scopes.is_empty() {
            return Err(WebError::BadRequest(
                "consent: tick what you agree to".into(),
            ));
        }
        state
            .store
            .give_consent(&guardian.user.id, &student.id, &scopes, &current, state.now())
            .await?;
        Ok(Flash::success(format!(
            "Your consent for {} is recorded: {}",
            student.display_name,
            scopes
                .iter()
                .map(|s| scope_words(*s))
                .collect::<Vec<_>>()
                .join(" and ")
        )))
    }
    .await;
    flash::finish(&state, &guardian, &location, result, "consent", []).await
}

#[derive(Deserialize)]
pub struct WithdrawForm {
    #[serde(default)]
    scope: String,
}

/// A guardian withdraws consent: `use` withdraws everything (nothing else works without
/// it), `outside` only the features that send data outside the server.
pub async fn withdraw(
    State(state): State<AppState>,
    GuardianOf { guardian, student }: GuardianOf,
    Form(form): Form<WithdrawForm>,
) -> Result<Response, WebError> {
    let location = format!("/family#consent-{}", student.id);
    let result = async {
        let scopes: &[Scope] = match Scope::parse(form.scope.trim()) {
            Some(Scope::Use) => &Scope::ALL,
            Some(Scope::Outside) => &[Scope::Outside],
            None => {
                return Err(WebError::BadRequest(
                    "consent: choose what to withdraw".into(),
                ));
            }
        };
        let withdrawn = state
            .store
            .withdraw_consent(&guardian.user.id, &student.id, scopes, state.now())
            .await?;
        if withdrawn == 0 {
            return Err(WebError::BadRequest(
                "consent: there was no consent of that kind to withdraw".into(),
            ));
        }
        Ok(Flash::success(if scopes.contains(&Scope::Use) {
            format!(
                "Your consent is withdrawn: {} cannot use Ownpace until a guardian agrees again",
                student.display_name
            )
        } else {
            "Your consent to features that send data outside the server is withdrawn".into()
        }))
    }
    .await;
    flash::finish(&state, &guardian, &location, result, "consent", []).await
}

#[derive(Template, WebTemplate)]
#[template(path = "consent_waiting.html")]
struct WaitingPage {
    layout: Layout,
}

/// What a student who needs consent and has none sees instead of practice.
pub(crate) fn waiting_page(user: Option<&CurrentUser>) -> Response {
    WaitingPage {
        layout: Layout::new("Waiting for your family's consent", user, "/learn"),
    }
    .into_response()
}

#[derive(Deserialize)]
pub struct BirthYearForm {
    #[serde(default)]
    birth_year: String,
}

/// An admin sets (or, left empty, removes) a student's birth year.
pub async fn set_birth_year(
    State(state): State<AppState>,
    Admin(current): Admin,
    Path(user_id): Path<String>,
    Form(form): Form<BirthYearForm>,
) -> Result<Response, WebError> {
    let student = state
        .store
        .user(&UserId::new(user_id))
        .await?
        .filter(|u| u.role == ownpace_storage::Role::Student)
        .ok_or(WebError::NotFound)?;
    let typed: String = form.birth_year.chars().take(16).collect();
    let result = async {
        let year =
            rules::parse_birth_year(&typed, year_of(state.now())).map_err(WebError::BadRequest)?;
        state
            .store
            .set_birth_year(Some(&current.user.id), &student.id, year, state.now())
            .await?;
        Ok(Flash::success(match year {
            Some(year) => format!("{}'s birth year is {year}", student.display_name),
            None => format!("{}'s birth year is removed (unknown)", student.display_name),
        }))
    }
    .await;
    let location = format!("/admin/users/{}#birth-year", student.id);
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "birth-year",
        [("birth_year", typed.as_str())],
    )
    .await
}

/// What an admin's account page shows of a student's consent: the birth year as typed
/// into the form, and the consent state in words.
pub(crate) async fn admin_summary(
    state: &AppState,
    student_id: &UserId,
) -> Result<(String, String), WebError> {
    let policy = state.config.consent;
    let facts = state.store.consent_facts(student_id).await?;
    let year = year_of(state.now());
    let words = if !rules::needs_consent(policy, facts.birth_year, year) {
        if policy.age == 0 {
            "The school does not ask for consent (consent_age is 0)."
        } else {
            "Old enough: no guardian's consent is needed."
        }
    } else if rules::allows(policy, facts.birth_year, year, &facts.given, Scope::Use) {
        "A guardian gave consent."
    } else {
        "Waiting for a guardian's consent: the student sees a waiting page instead of practice."
    };
    Ok((
        facts.birth_year.map(|y| y.to_string()).unwrap_or_default(),
        words.to_string(),
    ))
}

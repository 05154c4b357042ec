//! The JSON API: the same actions as the pages (sign in, next item, submit an answer,
//! class mastery) for apps and integrations, described by an OpenAPI document served at
//! `/api/openapi.json`. Clients authenticate with the bearer token that `POST
//! /api/v1/login` returns; no cookies are involved, so no CSRF token is either.

use crate::auth::address::ClientAddress;
use crate::auth::guard::{CourseInPath, SignedIn, Student, TeacherOfClass};
use crate::auth::{self, LoginAttempt, LoginRefused, throttle};
use crate::practice::{self, Submission};
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get, post};
use crate::{AppState, WebError};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use ownpace_core::course::AnswerSpec;
use ownpace_core::events::EventKind;
use ownpace_core::ids::UserId;
use ownpace_storage::Role;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{OpenApi, ToSchema};

#[derive(OpenApi)]
#[openapi(
    info(title = "Ownpace API", description = "Practice, mastery and class data of an Ownpace server. Every error, including a body that cannot be read (400, 413, 415, 422), answers JSON `{\"error\": \"...\"}`."),
    paths(openapi, login, logout, me, next_item, submit_answer, class_mastery, my_notices),
    components(schemas(LoginRequest, LoginResponse, Me, NextItem, ChoiceOut, AnswerRequest, AnswerValue, AnswerResult, MasteryChange, ClassMastery, StudentMastery, NoticeOut, ErrorBody)),
    modifiers(&BearerAuth)
)]
struct ApiDoc;

/// The API's rows of the route table.
pub(crate) fn routes() -> Vec<Route> {
    let student_of_course = Access::Roles(STUDENT, Subject::Course("course"));
    vec![
        get("/api/openapi.json", Access::Public, openapi),
        post("/api/v1/login", Access::Public, login),
        post("/api/v1/logout", Access::SignedIn, logout),
        get("/api/v1/me", Access::SignedIn, me),
        get(
            "/api/v1/courses/{course}/skills/{skill}/next-item",
            student_of_course,
            next_item,
        ),
        post(
            "/api/v1/courses/{course}/answers",
            student_of_course,
            submit_answer,
        ),
        get(
            "/api/v1/classes/{class}/mastery",
            Access::Roles(TEACHER, Subject::Class("class")),
            class_mastery,
        ),
        get(
            "/api/v1/me/notices",
            Access::Roles(&[Role::Student, Role::Guardian], Subject::None),
            my_notices,
        ),
    ]
}

struct BearerAuth;
impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The OpenAPI document as a JSON value (also used by tests).
pub fn openapi_document() -> serde_json::Value {
    let doc = ApiDoc::openapi()
        .merge_from(crate::screen_api::ScreenApi::openapi())
        .merge_from(crate::grades::GradesApi::openapi())
        .merge_from(crate::checkins_api::CheckinsApi::openapi())
        .merge_from(crate::pilots_api::PilotsApi::openapi())
        .merge_from(crate::next_steps_api::NextStepsApi::openapi())
        .merge_from(crate::assignments_api::AssignmentsApi::openapi())
        .merge_from(crate::projects_api::ProjectsApi::openapi())
        .merge_from(crate::my_projects_api::MyProjectsApi::openapi())
        .merge_from(crate::peer_api::PeerApi::openapi());
    serde_json::to_value(doc).unwrap_or_default()
}

#[utoipa::path(get, path = "/api/openapi.json",
    responses((status = 200, description = "This document: the JSON API in OpenAPI 3.1.", content_type = "application/json")))]
pub async fn openapi() -> Json<serde_json::Value> {
    Json(openapi_document())
}

/// An error: what went wrong and how to fix it.
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    error: String,
    /// For an answer that could not be read for its item: the form expected, e.g. "a
    /// number such as 0.75 or 3/4". The answer was not graded.
    #[serde(skip_serializing_if = "Option::is_none")]
    expected: Option<String>,
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    username: String,
    password: String,
    /// For staff who turned on two-factor sign-in: the 6-digit code from their
    /// authenticator app, or a recovery code.
    #[serde(default)]
    second_factor: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    token: String,
    user: Me,
}

#[derive(Serialize, ToSchema)]
pub struct Me {
    id: String,
    username: String,
    display_name: String,
    role: String,
}

impl From<&ownpace_storage::User> for Me {
    fn from(u: &ownpace_storage::User) -> Me {
        Me {
            id: u.id.to_string(),
            username: u.username.clone(),
            display_name: u.display_name.clone(),
            role: u.role.to_string(),
        }
    }
}

#[utoipa::path(post, path = "/api/v1/login", request_body = LoginRequest,
    responses(
        (status = 200, description = "Signed in: the bearer token and who it belongs to.", body = LoginResponse),
        (status = 401, description = "The username and password do not match, or the account signs in with a second factor and `second_factor` is missing or wrong (the message says which).", body = ErrorBody),
        (status = 429, description = "Too many failed attempts from this address or for this account; the message and the `Retry-After` header say when to try again.", body = ErrorBody)))]
pub async fn login(
    State(state): State<AppState>,
    ClientAddress(address): ClientAddress,
    Json(body): Json<LoginRequest>,
) -> Result<Response, WebError> {
    let attempt = LoginAttempt {
        username: body.username.trim(),
        password: &body.password,
        address,
        device: None,
        client: "an API client".into(),
        second_factor: body.second_factor.as_deref(),
    };
    match auth::login(&state, attempt).await? {
        Ok(signed_in) => Ok(Json(LoginResponse {
            token: signed_in.token,
            user: Me::from(&signed_in.user),
        })
        .into_response()),
        Err(
            refused @ (LoginRefused::BadCredentials
            | LoginRefused::SecondFactorNeeded { .. }
            | LoginRefused::SecondFactorWrong),
        ) => {
            let error = match refused {
                LoginRefused::SecondFactorNeeded { .. } => {
                    "this account signs in with a second factor: send `second_factor`, the code from the authenticator app or a recovery code"
                }
                LoginRefused::SecondFactorWrong => {
                    "the second factor is not right (or was used already)"
                }
                _ => "username and password do not match",
            };
            Ok((
                StatusCode::UNAUTHORIZED,
                Json(ErrorBody {
                    error: error.into(),
                    expected: None,
                }),
            )
                .into_response())
        }
        Err(LoginRefused::Throttled {
            retry_after_seconds,
        }) => {
            let mut response = WebError::TooManyRequests(format!(
                "too many failed attempts; try again in {}",
                throttle::wait_in_words(retry_after_seconds)
            ))
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&retry_after_seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, value);
            }
            Ok(response)
        }
    }
}

#[utoipa::path(post, path = "/api/v1/logout", security(("bearer" = [])), responses(
    (status = 204, description = "Signed out: the token no longer works."),
    (status = 401, description = "No valid bearer token.", body = ErrorBody)))]
pub async fn logout(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<StatusCode, WebError> {
    state.store.delete_session(&current.token_hash).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[utoipa::path(get, path = "/api/v1/me", security(("bearer" = [])), responses(
    (status = 200, description = "The person the bearer token belongs to.", body = Me),
    (status = 401, description = "No valid bearer token.", body = ErrorBody)))]
pub async fn me(SignedIn(current): SignedIn) -> Json<Me> {
    Json(Me::from(&current.user))
}

#[derive(Serialize, ToSchema)]
pub struct ChoiceOut {
    index: usize,
    /// Markdown.
    text: String,
}

/// An item to answer. The answer itself is never sent to the client.
#[derive(Serialize, ToSchema)]
pub struct NextItem {
    item_id: String,
    skills: Vec<String>,
    /// `choice`, `numeric` or `text`.
    kind: String,
    /// Markdown.
    prompt: String,
    choices: Vec<ChoiceOut>,
    unit: Option<String>,
    hint_count: usize,
    /// The requested skill's mastery as the student sees it (in [0, 1]); `null` when the
    /// skill is not started. The same number every page shows.
    mastery: Option<f64>,
    /// The skill's state: `not started`, `in progress`, `placed`, `mastered` or `review due`.
    state: String,
    /// The learner model's chance that this student answers this item correctly, from
    /// their earlier answers (the newest `ownpace fit`, or the built-in defaults).
    predicted_correct: f64,
    /// The server's stamp of when it served this item: send it back with the answer and
    /// the server measures the time taken (clients never report durations).
    served: String,
}

#[utoipa::path(get, path = "/api/v1/courses/{course}/skills/{skill}/next-item", security(("bearer" = [])),
    params(("course" = String, Path), ("skill" = String, Path)),
    responses(
        (status = 200, description = "The next item to practise for this skill.", body = NextItem),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 404, description = "No such course or skill for this student, or no item left to practise.", body = ErrorBody)))]
pub async fn next_item(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Path(ids): Path<(String, String)>,
) -> Result<Json<NextItem>, WebError> {
    let skill_id = ids.1;
    let course_id = course.course.id.clone();
    course.course.skill(&skill_id).ok_or(WebError::NotFound)?;
    let answered = state
        .store
        .answered_items(&current.user.id, &course_id)
        .await?;
    // A pilot's post-test items are never served in practice to its members.
    let held_out = state
        .store
        .held_out_items(&current.user.id, &course_id)
        .await?;
    let item =
        ownpace_core::practice::next_item_except(&course.course, &skill_id, &answered, &held_out)
            .ok_or(WebError::NotFound)?;
    let rows = state
        .store
        .student_mastery(&current.user.id, &course_id)
        .await?;
    let shown = crate::path::skill_view(&state, rows.iter().find(|m| m.skill_id == skill_id));
    let mut history = state
        .store
        .student_events(&current.user.id, &course_id, 2_000)
        .await?;
    history.retain(|e| e.kind == EventKind::Answer);
    history.reverse();
    let answered: Vec<(&str, &[String], bool)> = history
        .iter()
        .map(|e| {
            (
                e.item_id.as_deref().unwrap_or(""),
                e.skills.as_slice(),
                e.correct.unwrap_or(false),
            )
        })
        .collect();
    let predicted_correct = state
        .models()
        .predict(&answered, item.id.as_str(), &item.skills);
    let served = practice::served_stamp(
        &state,
        current.user.id.as_str(),
        &format!("item:{}", item.id),
    )
    .await?;
    let (kind, choices, unit) = match &item.answer {
        AnswerSpec::Choice { choices } => (
            "choice",
            choices
                .iter()
                .enumerate()
                .map(|(index, c)| ChoiceOut {
                    index,
                    text: c.text.clone(),
                })
                .collect(),
            None,
        ),
        AnswerSpec::Numeric { unit, .. } => ("numeric", vec![], unit.clone()),
        AnswerSpec::Text { .. } => ("text", vec![], None),
    };
    Ok(Json(NextItem {
        item_id: item.id.to_string(),
        skills: item.skills.clone(),
        kind: kind.into(),
        prompt: item.prompt.clone(),
        choices,
        unit,
        hint_count: item.hints.len(),
        mastery: shown.value,
        state: shown.standing.word().to_string(),
        predicted_correct,
        served,
    }))
}

/// A choice index (for multiple choice) or the typed answer.
#[derive(Deserialize, ToSchema)]
#[serde(untagged)]
pub enum AnswerValue {
    Index(usize),
    Text(String),
}

#[derive(Deserialize, ToSchema)]
pub struct AnswerRequest {
    item_id: String,
    response: AnswerValue,
    /// Chosen by the client (a UUID, 1 to 100 characters); resending the same key for
    /// the same item records the answer once. A key used for another item answers 409.
    idempotency_key: String,
    /// The `served` stamp of the next-item answer that showed this item: the server
    /// measures the time taken from it. Without it, no time is counted.
    #[serde(default)]
    served: Option<String>,
}

/// One skill's move after an answer, with exactly the values the student sees.
#[derive(Serialize, ToSchema)]
pub struct MasteryChange {
    skill: String,
    /// The number shown before the answer, in [0, 1]; `null` when the skill was not
    /// started. For a review due it is the mastery times the predicted recall, so a correct
    /// review raises it.
    before: Option<f64>,
    /// The number shown after the answer, in [0, 1]. A correct answer never makes it lower
    /// than `before`, a wrong one never higher.
    after: f64,
    /// Counts as known after the answer (mastered, placed or review due).
    mastered: bool,
    /// The state after the answer: `in progress`, `placed`, `mastered` or `review due`.
    state: String,
    /// What changed, in words, when it needs saying ("Review passed: …", "A wrong answer
    /// ends mastery …").
    #[serde(skip_serializing_if = "Option::is_none")]
    note: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AnswerResult {
    correct: bool,
    /// Markdown; the distractor-specific message for a wrong choice.
    feedback: String,
    /// Markdown worked solution.
    explanation: String,
    mastery: Vec<MasteryChange>,
    /// True when this idempotency key had been used: this is the original outcome.
    duplicate: bool,
}

#[utoipa::path(post, path = "/api/v1/courses/{course}/answers", security(("bearer" = [])),
    params(("course" = String, Path)), request_body = AnswerRequest,
    responses(
        (status = 200, description = "The answer is graded and recorded (once per idempotency key).", body = AnswerResult),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 404, description = "No such course for this student.", body = ErrorBody),
        (status = 409, description = "This idempotency key was already used for another item: use a new key.", body = ErrorBody),
        (status = 422, description = "The item or the answer cannot be used; the message says which and why. An answer that cannot be read for its item (\"forty\" for a number) is not graded, and `expected` gives the form to use.", body = ErrorBody)))]
pub async fn submit_answer(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Json(body): Json<AnswerRequest>,
) -> Result<Json<AnswerResult>, WebError> {
    let item = course.course.item(&body.item_id).ok_or_else(|| {
        WebError::BadRequest(format!(
            "item_id: no item `{}` in course `{}`",
            body.item_id, course.course.id
        ))
    })?;
    let raw = match body.response {
        AnswerValue::Index(i) => i.to_string(),
        AnswerValue::Text(t) => t,
    };
    let response = practice::parse_response(item, &raw)?;
    let duration_ms = match &body.served {
        Some(stamp) => {
            practice::measured(
                &state,
                current.user.id.as_str(),
                &format!("item:{}", item.id),
                stamp,
                practice::MAX_ITEM_MS,
            )
            .await?
        }
        None => None,
    };
    let outcome = practice::submit(
        &state,
        Submission {
            student_id: &current.user.id,
            course: &course,
            item,
            response,
            idempotency_key: &body.idempotency_key,
            duration_ms,
        },
    )
    .await?;
    Ok(Json(AnswerResult {
        correct: outcome.grade.correct,
        feedback: outcome.grade.feedback,
        explanation: item.explanation.clone(),
        mastery: outcome
            .mastery
            .into_iter()
            .map(|m| MasteryChange {
                skill: m.skill,
                before: m.shown.before,
                after: m.shown.after,
                mastered: m.shown.mastered,
                state: m.shown.standing.word().to_string(),
                note: m.shown.note,
            })
            .collect(),
        duplicate: outcome.duplicate,
    }))
}

#[derive(Serialize, ToSchema)]
pub struct StudentMastery {
    id: String,
    display_name: String,
    /// Skill id → mastery as the student sees it, in [0, 1], for skills the student has
    /// started (the same number as every page: for a review due, mastery times recall).
    mastery: BTreeMap<String, f64>,
    /// Skill id → state, for every skill of the course: `not started`, `in progress`,
    /// `placed`, `mastered` or `review due`.
    states: BTreeMap<String, String>,
}

#[derive(Serialize, ToSchema)]
pub struct ClassMastery {
    class_id: String,
    course_id: String,
    /// Skill ids in course order.
    skills: Vec<String>,
    students: Vec<StudentMastery>,
}

#[utoipa::path(get, path = "/api/v1/classes/{class}/mastery", security(("bearer" = [])),
    params(("class" = String, Path)), responses(
        (status = 200, description = "Mastery of every student of the class, per skill.", body = ClassMastery),
        (status = 401, description = "No valid bearer token.", body = ErrorBody),
        (status = 404, description = "No such class among the caller's classes.", body = ErrorBody)))]
pub async fn class_mastery(
    State(state): State<AppState>,
    teacher_of: TeacherOfClass,
) -> Result<Json<ClassMastery>, WebError> {
    let TeacherOfClass {
        teacher: current,
        class,
    } = teacher_of;
    let class_id = class.id.clone();
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let rows = state.store.class_mastery(&class_id).await?;
    let students = state.store.class_students(&class_id).await?;
    let ids: Vec<&UserId> = students.iter().map(|s| &s.id).collect();
    state
        .store
        .log_access(
            &current.user.id,
            ownpace_storage::AuditAction::ApiMasteryRead,
            &ids,
            None,
            state.now(),
        )
        .await?;
    Ok(Json(ClassMastery {
        class_id: class_id.into_string(),
        course_id: class.course_id.to_string(),
        skills: course.course.skills.iter().map(|s| s.id.clone()).collect(),
        students: students
            .iter()
            .map(|s| {
                let mine: std::collections::HashMap<&str, &ownpace_storage::MasteryRow> = rows
                    .iter()
                    .filter(|r| r.student_id == s.id)
                    .map(|r| (r.skill_id.as_str(), r))
                    .collect();
                let views: Vec<(String, ownpace_core::standing::SkillView)> = course
                    .course
                    .skills
                    .iter()
                    .map(|k| {
                        let row = mine.get(k.id.as_str()).copied();
                        (k.id.clone(), crate::path::skill_view(&state, row))
                    })
                    .collect();
                StudentMastery {
                    id: s.id.to_string(),
                    display_name: s.display_name.clone(),
                    mastery: views
                        .iter()
                        .filter_map(|(id, v)| v.value.map(|x| (id.clone(), x)))
                        .collect(),
                    states: views
                        .iter()
                        .map(|(id, v)| (id.clone(), v.standing.word().to_string()))
                        .collect(),
                }
            })
            .collect(),
    }))
}

/// A notice to the signed-in student or guardian.
#[derive(Serialize, ToSchema)]
pub struct NoticeOut {
    id: String,
    /// Whom it is about (the student, or the guardian's child).
    student_id: String,
    /// `goal_agreed`, `goal_adjusted`, `goal_declined`, `hand_answered` or `checkin_note`.
    kind: String,
    text: String,
    /// A path on this site.
    link: String,
    /// Milliseconds since the epoch.
    created_at: i64,
    read: bool,
}

#[utoipa::path(get, path = "/api/v1/me/notices", security(("bearer" = [])), responses(
    (status = 200, description = "The newest 50 notices, newest first.", body = [NoticeOut]),
    (status = 401, description = "No valid bearer token.", body = ErrorBody),
    (status = 403, description = "Only students and guardians receive notices.", body = ErrorBody)))]
pub async fn my_notices(
    State(state): State<AppState>,
    SignedIn(current): SignedIn,
) -> Result<Json<Vec<NoticeOut>>, WebError> {
    let notices = state.store.notices_for(&current.user.id, 50).await?;
    Ok(Json(
        notices
            .into_iter()
            .map(|n| NoticeOut {
                id: n.id,
                student_id: n.student_id.into_string(),
                kind: n.kind,
                text: n.text,
                link: n.link,
                created_at: n.created_at,
                read: n.read_at.is_some(),
            })
            .collect(),
    ))
}

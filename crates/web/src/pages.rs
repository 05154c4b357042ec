//! Server-rendered pages. Each handler gathers what one page shows into a small view
//! struct and renders it with an askama template from `templates/`. Pages work without
//! JavaScript; `assets/app.js` only adds conveniences.

use crate::auth::{self, CurrentUser, LOGIN_CSRF_COOKIE, LoginRefused, SESSION_COOKIE};
use crate::policy::MaybeUser;
use crate::practice::{self, Submission};
use crate::views::{self, ago, band, percent};
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Form, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use ownpace_core::course::{AnswerSpec, Item, Modality, Response as ItemResponse};
use ownpace_core::recommend::SkillState;
use ownpace_storage::{CourseVersion, Role, User};
use serde::Deserialize;
use std::collections::HashMap;

// ---------------------------------------------------------------------------------------
// Layout

pub(crate) struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
}

/// What every page's frame shows: title, who is signed in, navigation, CSRF token.
pub(crate) struct Layout {
    pub title: String,
    pub user_name: String,
    pub role: String,
    pub csrf: String,
    pub nav: Vec<NavLink>,
}

impl Layout {
    pub(crate) fn new(
        title: impl Into<String>,
        current: Option<&CurrentUser>,
        active: &str,
    ) -> Layout {
        let nav = match current.map(|c| c.user.role) {
            Some(Role::Student) => vec![("/learn", "My learning")],
            Some(Role::Teacher) => vec![("/classes", "My classes")],
            Some(Role::Guardian) => vec![("/family", "My family")],
            Some(Role::Admin) => vec![("/admin", "Administration")],
            None => vec![],
        }
        .into_iter()
        .map(|(href, label)| NavLink {
            href,
            label,
            current: active.starts_with(href),
        })
        .collect();
        Layout {
            title: title.into(),
            user_name: current
                .map(|c| c.user.display_name.clone())
                .unwrap_or_default(),
            role: current.map(|c| c.user.role.to_string()).unwrap_or_default(),
            csrf: current.map(|c| c.csrf_token.clone()).unwrap_or_default(),
            nav,
        }
    }
}

pub(crate) fn signed_in(user: &MaybeUser) -> Result<&CurrentUser, WebError> {
    user.0.as_ref().ok_or(WebError::Unauthenticated)
}

pub fn url_encode(text: &str) -> String {
    serde_urlencoded::to_string([("", text)])
        .map(|s| s.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    layout: Layout,
    status: u16,
    message: String,
}

pub fn error_page(status: StatusCode, message: &str, user: Option<&CurrentUser>) -> Response {
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    ErrorPage {
        layout: Layout::new(title, user, ""),
        status: status.as_u16(),
        message: message.to_string(),
    }
    .into_response()
}

// ---------------------------------------------------------------------------------------
// Health and static files

pub async fn healthz(State(state): State<AppState>) -> Result<&'static str, WebError> {
    state.store.ping().await?;
    Ok("ok")
}

const ASSETS: &[(&str, &str, &str)] = &[
    (
        "app.css",
        "text/css; charset=utf-8",
        include_str!("../assets/app.css"),
    ),
    (
        "app.js",
        "text/javascript; charset=utf-8",
        include_str!("../assets/app.js"),
    ),
    (
        "favicon.svg",
        "image/svg+xml",
        include_str!("../assets/favicon.svg"),
    ),
];

pub async fn static_asset(Path(file): Path<String>) -> Result<Response, WebError> {
    let (_, media_type, body) = ASSETS
        .iter()
        .find(|(name, _, _)| *name == file)
        .ok_or(WebError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(media_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        *body,
    )
        .into_response())
}

pub async fn course_media(
    State(state): State<AppState>,
    Path((course_id, path)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let asset = state
        .store
        .course_asset(&course_id, course.version, &path)
        .await?
        .ok_or(WebError::NotFound)?;
    let media_type = HeaderValue::from_str(&asset.media_type)
        .unwrap_or(HeaderValue::from_static("application/octet-stream"));
    Ok((
        [
            (header::CONTENT_TYPE, media_type),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("private, max-age=3600"),
            ),
            // SVG from a course may not run script, even when opened on its own.
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_static("default-src 'none'; style-src 'unsafe-inline'"),
            ),
        ],
        asset.bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------------------------------
// Signing in and out

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    layout: Layout,
    login_csrf: String,
    next: String,
    username: String,
    error: String,
}

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Only local paths are followed after login, so the form cannot send people elsewhere.
fn safe_next(next: Option<&str>) -> Option<String> {
    next.filter(|n| n.starts_with('/') && !n.starts_with("//") && !n.contains('\\'))
        .map(str::to_string)
}

fn role_home(role: Role) -> &'static str {
    match role {
        Role::Student => "/learn",
        Role::Teacher => "/classes",
        Role::Guardian => "/family",
        Role::Admin => "/admin",
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    headers: HeaderMap,
    Query(query): Query<NextQuery>,
) -> Result<Response, WebError> {
    if let Some(current) = &user.0 {
        return Ok(Redirect::to(role_home(current.user.role)).into_response());
    }
    // Keep an existing token so several open login forms (tabs) all stay valid.
    let token = match auth::cookie_value(&headers, LOGIN_CSRF_COOKIE) {
        Some(token) if token.len() >= 32 => token,
        _ => auth::random_token()?,
    };
    let page = LoginPage {
        layout: Layout::new("Sign in", None, "/login"),
        login_csrf: token.clone(),
        next: safe_next(query.next.as_deref()).unwrap_or_default(),
        username: String::new(),
        error: String::new(),
    };
    let cookie = auth::set_cookie(
        LOGIN_CSRF_COOKIE,
        &token,
        3_600,
        auth::secure_request(&state, &headers),
    );
    Ok(([(header::SET_COOKIE, cookie)], page).into_response())
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: String,
}

pub async fn login_submit(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response, WebError> {
    let username = form.username.trim().to_string();
    match auth::login(&state, &username, &form.password).await? {
        Ok((user_now, token)) => {
            // Rotate: whatever session this browser had before is ended.
            if let Some(previous) = &user.0 {
                state.store.delete_session(&previous.token_hash).await?;
            }
            let secure = auth::secure_request(&state, &headers);
            let target =
                safe_next(Some(&form.next)).unwrap_or_else(|| role_home(user_now.role).to_string());
            let mut response = Redirect::to(&target).into_response();
            let cookies = response.headers_mut();
            cookies.append(
                header::SET_COOKIE,
                auth::set_cookie(
                    SESSION_COOKIE,
                    &token,
                    state.config.session_hours * 3_600,
                    secure,
                ),
            );
            cookies.append(
                header::SET_COOKIE,
                auth::set_cookie(LOGIN_CSRF_COOKIE, "", 0, secure),
            );
            Ok(response)
        }
        Err(refused) => {
            let (status, error) = match refused {
                LoginRefused::BadCredentials => (
                    StatusCode::UNAUTHORIZED,
                    "That username and password do not match.".to_string(),
                ),
                LoginRefused::Throttled { minutes } => (
                    StatusCode::TOO_MANY_REQUESTS,
                    format!(
                        "Too many failed attempts for this username. Try again in {minutes} minutes, or ask your teacher or administrator to reset your password."
                    ),
                ),
            };
            let page = LoginPage {
                layout: Layout::new("Sign in", None, "/login"),
                login_csrf: auth::cookie_value(&headers, LOGIN_CSRF_COOKIE).unwrap_or_default(),
                next: safe_next(Some(&form.next)).unwrap_or_default(),
                username,
                error,
            };
            Ok((status, page).into_response())
        }
    }
}

pub async fn logout(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    state.store.delete_session(&current.token_hash).await?;
    let cookie = auth::set_cookie(
        SESSION_COOKIE,
        "",
        0,
        auth::secure_request(&state, &headers),
    );
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
}

pub async fn home(Extension(user): Extension<MaybeUser>) -> Result<Redirect, WebError> {
    Ok(Redirect::to(role_home(signed_in(&user)?.user.role)))
}

// ---------------------------------------------------------------------------------------
// Students

struct CourseLink {
    id: String,
    title: String,
    class_name: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "student_home.html")]
struct StudentHome {
    layout: Layout,
    courses: Vec<CourseLink>,
}

pub async fn student_home(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let classes = state.store.classes_of_student(&current.user.id).await?;
    if let [only] = classes.as_slice() {
        return Ok(Redirect::to(&format!("/learn/{}", only.course_id)).into_response());
    }
    let mut courses = Vec::new();
    for class in classes {
        if let Some(course) = state.course(&class.course_id).await? {
            courses.push(CourseLink {
                id: class.course_id,
                title: course.course.title.clone(),
                class_name: class.name,
            });
        }
    }
    Ok(StudentHome {
        layout: Layout::new("My learning", Some(current), "/learn"),
        courses,
    }
    .into_response())
}

struct SkillCard {
    id: String,
    name: String,
    description: String,
    state: &'static str,
    state_label: &'static str,
    mastery: f64,
    mastery_text: String,
    attempts: u32,
    unlock_hint: String,
    lessons: Vec<LessonLink>,
}

pub(crate) struct LessonLink {
    pub id: String,
    pub title: String,
    pub modality: &'static str,
    pub minutes: u32,
    pub offline: bool,
}

pub(crate) fn lesson_links(course: &CourseVersion, skill_id: &str) -> Vec<LessonLink> {
    course
        .course
        .lessons_for_skill(skill_id)
        .map(|l| LessonLink {
            id: l.id.clone(),
            title: l.title.clone(),
            modality: l.modality.label(),
            minutes: l.minutes,
            offline: l.modality.is_offline(),
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "student_course.html")]
struct StudentCourse {
    layout: Layout,
    course_id: String,
    course_title: String,
    mastered_count: usize,
    skill_count: usize,
    continuing: Vec<SkillCard>,
    ready: Vec<SkillCard>,
    mastered: Vec<SkillCard>,
    locked: Vec<SkillCard>,
    path: crate::adaptive::HomePath,
}

pub async fn student_course(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(course_id): Path<String>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let path = crate::adaptive::home_path(&state, &current.user.id, &course).await?;
    let statuses = &path.statuses;
    let names: HashMap<&str, &str> = course
        .course
        .skills
        .iter()
        .map(|s| (s.id.as_str(), s.name.as_str()))
        .collect();
    let (mut continuing, mut ready, mut mastered, mut locked) = (vec![], vec![], vec![], vec![]);
    for skill in &course.course.skills {
        let Some(status) = statuses.get(&skill.id) else {
            continue;
        };
        let p = status.p_mastery;
        let unlock_hint = match &status.state {
            SkillState::Locked { missing } => format!(
                "Unlocks when you master: {}",
                missing
                    .iter()
                    .map(|m| names.get(m.as_str()).copied().unwrap_or(m))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            _ => String::new(),
        };
        let card = SkillCard {
            id: skill.id.clone(),
            name: skill.name.clone(),
            description: skill.description.clone(),
            state: views::state_css(&status.state),
            state_label: views::state_label(&status.state),
            mastery: p,
            mastery_text: percent(p),
            attempts: status.attempts,
            unlock_hint,
            lessons: lesson_links(&course, &skill.id),
        };
        match status.state {
            SkillState::InProgress => continuing.push(card),
            SkillState::Ready => ready.push(card),
            SkillState::Mastered => mastered.push(card),
            SkillState::Locked { .. } => locked.push(card),
        }
    }
    Ok(StudentCourse {
        layout: Layout::new(course.course.title.clone(), Some(current), "/learn"),
        course_id,
        course_title: course.course.title.clone(),
        mastered_count: mastered.len(),
        skill_count: course.course.skills.len(),
        continuing,
        ready,
        mastered,
        locked,
        path,
    }
    .into_response())
}

struct ChoiceView {
    index: usize,
    html: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "practice.html")]
struct PracticePage {
    layout: Layout,
    course_id: String,
    skill_id: String,
    skill_name: String,
    mastery: f64,
    mastery_text: String,
    item_id: String,
    prompt_html: String,
    choices: Vec<ChoiceView>,
    unit: String,
    hints_html: Vec<String>,
    more_hints: bool,
    key: String,
    shown_at: i64,
    error: String,
    locked_message: String,
    lessons: Vec<LessonLink>,
}

#[derive(Deserialize)]
pub struct PracticeQuery {
    item: Option<String>,
}

pub async fn practice(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path((course_id, skill_id)): Path<(String, String)>,
    Query(query): Query<PracticeQuery>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let skill = course.course.skill(&skill_id).ok_or(WebError::NotFound)?;
    let mastery = state
        .store
        .student_mastery(&current.user.id, &course_id)
        .await?;
    let statuses = crate::adaptive::statuses(&state, &course, &mastery);
    let status = statuses.get(&skill.id).ok_or(WebError::NotFound)?;
    let answered = state
        .store
        .answered_items(&current.user.id, &course_id)
        .await?;
    let item = match query.item.as_deref().and_then(|id| course.course.item(id)) {
        Some(item) if item.skills.contains(&skill_id) => Some(item),
        _ => practice::next_item(&course.course, &skill_id, &answered),
    };
    let mut page = practice_page(&state, current, &course, &skill_id, item, 0, None, "")?;
    page.mastery = status.p_mastery;
    page.mastery_text = percent(page.mastery);
    if let SkillState::Locked { missing } = &status.state {
        let names: Vec<&str> = missing
            .iter()
            .map(|m| {
                course
                    .course
                    .skill(m)
                    .map_or(m.as_str(), |s| s.name.as_str())
            })
            .collect();
        page.locked_message = format!(
            "This skill builds on {}. You can try it now, but mastering those first will make it easier.",
            names.join(", ")
        );
    }
    Ok(page.into_response())
}

/// Builds the practice page for one item; `key` and `shown_at` carry over when the page is
/// shown again (after a hint or an incomplete answer).
#[allow(clippy::too_many_arguments)]
fn practice_page(
    state: &AppState,
    current: &CurrentUser,
    course: &CourseVersion,
    skill_id: &str,
    item: Option<&Item>,
    hints_shown: usize,
    carried: Option<(&str, i64)>,
    error: &str,
) -> Result<PracticePage, WebError> {
    let skill = course.course.skill(skill_id).ok_or(WebError::NotFound)?;
    let md = |text: &str| views::markdown(&course.course.id, text);
    let (key, shown_at) = match carried {
        Some((key, at)) => (key.to_string(), at),
        None => (uuid::Uuid::new_v4().to_string(), state.now()),
    };
    let (item_id, prompt_html, choices, unit, hints_html, more_hints) = match item {
        None => (
            String::new(),
            String::new(),
            vec![],
            String::new(),
            vec![],
            false,
        ),
        Some(item) => {
            let choices = match &item.answer {
                AnswerSpec::Choice { choices } => choices
                    .iter()
                    .enumerate()
                    .map(|(index, c)| ChoiceView {
                        index,
                        html: md(&c.text),
                    })
                    .collect(),
                _ => vec![],
            };
            let unit = match &item.answer {
                AnswerSpec::Numeric {
                    unit: Some(unit), ..
                } => unit.clone(),
                _ => String::new(),
            };
            let shown = hints_shown.min(item.hints.len());
            (
                item.id.clone(),
                md(&item.prompt),
                choices,
                unit,
                item.hints[..shown].iter().map(|h| md(h)).collect(),
                shown < item.hints.len(),
            )
        }
    };
    Ok(PracticePage {
        layout: Layout::new(format!("Practice: {}", skill.name), Some(current), "/learn"),
        course_id: course.course.id.clone(),
        skill_id: skill_id.to_string(),
        skill_name: skill.name.clone(),
        mastery: 0.0,
        mastery_text: String::new(),
        item_id,
        prompt_html,
        choices,
        unit,
        hints_html,
        more_hints,
        key,
        shown_at,
        error: error.to_string(),
        locked_message: String::new(),
        lessons: lesson_links(course, skill_id),
    })
}

#[derive(Deserialize)]
pub struct AnswerForm {
    skill: String,
    key: String,
    shown_at: i64,
    #[serde(default)]
    hints: usize,
    #[serde(default)]
    response: String,
}

struct MasteryChange {
    skill_name: String,
    after: f64,
    before_text: String,
    after_text: String,
    now_mastered: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "feedback.html")]
struct FeedbackPage {
    layout: Layout,
    course_id: String,
    skill_id: String,
    correct: bool,
    feedback_html: String,
    your_answer: String,
    correct_answer: String,
    explanation_html: String,
    prompt_html: String,
    changes: Vec<MasteryChange>,
}

pub async fn answer(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path((course_id, item_id)): Path<(String, String)>,
    Form(form): Form<AnswerForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let item = course.course.item(&item_id).ok_or(WebError::NotFound)?;
    let skill_id = if item.skills.contains(&form.skill) {
        form.skill.clone()
    } else {
        item.skills[0].clone()
    };
    let response = match practice::parse_response(item, &form.response) {
        Ok(response) => response,
        Err(WebError::BadRequest(message)) => {
            let mut page = practice_page(
                &state,
                current,
                &course,
                &skill_id,
                Some(item),
                form.hints,
                Some((&form.key, form.shown_at)),
                &message,
            )?;
            let mastery = state
                .store
                .student_mastery(&current.user.id, &course_id)
                .await?;
            page.mastery = mastery
                .iter()
                .find(|m| m.skill_id == skill_id)
                .map_or(state.bkt_params(&skill_id).init, |m| m.progress.p_mastery);
            page.mastery_text = percent(page.mastery);
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
        Err(other) => return Err(other),
    };
    let outcome = practice::submit(
        &state,
        Submission {
            student_id: &current.user.id,
            course: &course,
            item,
            response,
            idempotency_key: &form.key,
            duration_ms: Some(state.now() - form.shown_at),
        },
    )
    .await?;
    let md = |text: &str| views::markdown(&course_id, text);
    let your_answer = match (&outcome.response, &item.answer) {
        (ItemResponse::Choice(i), AnswerSpec::Choice { choices }) => {
            choices.get(*i).map(|c| c.text.clone()).unwrap_or_default()
        }
        (ItemResponse::Text(text), _) => text.clone(),
        _ => String::new(),
    };
    let correct_answer = correct_answer_text(item);
    let changes = outcome
        .mastery
        .iter()
        .map(|(skill, before, after)| MasteryChange {
            skill_name: course
                .course
                .skill(skill)
                .map_or(skill.clone(), |s| s.name.clone()),
            after: after.p_mastery,
            before_text: percent(*before),
            after_text: percent(after.p_mastery),
            // Became mastered with this answer (rule v2: the record can complete above the
            // threshold, so `before` alone cannot tell).
            now_mastered: after.is_mastered() && after.mastered_at == Some(after.last_at),
        })
        .collect();
    Ok(FeedbackPage {
        layout: Layout::new(
            if outcome.grade.correct {
                "Correct"
            } else {
                "Not quite"
            },
            Some(current),
            "/learn",
        ),
        course_id: course_id.clone(),
        skill_id,
        correct: outcome.grade.correct,
        feedback_html: md(&outcome.grade.feedback),
        your_answer,
        correct_answer,
        explanation_html: md(&item.explanation),
        prompt_html: md(&item.prompt),
        changes,
    }
    .into_response())
}

fn correct_answer_text(item: &Item) -> String {
    match &item.answer {
        AnswerSpec::Choice { choices } => choices
            .iter()
            .find(|c| c.correct)
            .map(|c| c.text.clone())
            .unwrap_or_default(),
        AnswerSpec::Numeric { value, unit, .. } => {
            let number = if value.fract() == 0.0 {
                format!("{value:.0}")
            } else {
                format!("{value}")
            };
            match unit {
                Some(u) => format!("{number} {u}"),
                None => number,
            }
        }
        AnswerSpec::Text { accepted, .. } => accepted.first().cloned().unwrap_or_default(),
    }
}

#[derive(Deserialize)]
pub struct HintForm {
    skill: String,
    key: String,
    shown_at: i64,
    #[serde(default)]
    hints: usize,
}

pub async fn hint(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path((course_id, item_id)): Path<(String, String)>,
    Form(form): Form<HintForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let item = course.course.item(&item_id).ok_or(WebError::NotFound)?;
    let skill_id = if item.skills.contains(&form.skill) {
        form.skill.clone()
    } else {
        item.skills[0].clone()
    };
    let shown = (form.hints + 1).min(item.hints.len());
    practice::record_interaction(
        &state,
        &current.user.id,
        &course,
        practice::Interaction {
            kind: "hint",
            skills: &item.skills,
            item_id: Some(&item.id),
            idempotency_key: &format!("{}:hint:{shown}", form.key),
            duration_ms: None,
        },
    )
    .await?;
    let mut page = practice_page(
        &state,
        current,
        &course,
        &skill_id,
        Some(item),
        shown,
        Some((&form.key, form.shown_at)),
        "",
    )?;
    let mastery = state
        .store
        .student_mastery(&current.user.id, &course_id)
        .await?;
    page.mastery = mastery
        .iter()
        .find(|m| m.skill_id == skill_id)
        .map_or(state.bkt_params(&skill_id).init, |m| m.progress.p_mastery);
    page.mastery_text = percent(page.mastery);
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "lesson.html")]
struct LessonPage {
    layout: Layout,
    course_id: String,
    lesson_id: String,
    title: String,
    modality: &'static str,
    offline: bool,
    minutes: u32,
    body_html: String,
    media_url: String,
    media_is_video: bool,
    skills: Vec<(String, String)>,
    started_at: i64,
    key: String,
}

pub async fn lesson(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path((course_id, lesson_id)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let lesson = course.course.lesson(&lesson_id).ok_or(WebError::NotFound)?;
    let media = lesson.media.clone().unwrap_or_default();
    Ok(LessonPage {
        layout: Layout::new(lesson.title.clone(), Some(current), "/learn"),
        course_id: course_id.clone(),
        lesson_id,
        title: lesson.title.clone(),
        modality: lesson.modality.label(),
        offline: lesson.modality.is_offline(),
        minutes: lesson.minutes,
        body_html: views::markdown(&course_id, &lesson.body),
        media_is_video: media.ends_with(".mp4") || media.ends_with(".webm"),
        media_url: if media.is_empty() {
            media
        } else {
            format!("/courses/{course_id}/media/{media}")
        },
        skills: lesson
            .skills
            .iter()
            .map(|s| {
                (
                    s.clone(),
                    course.course.skill(s).map_or(s.clone(), |k| k.name.clone()),
                )
            })
            .collect(),
        started_at: state.now(),
        key: uuid::Uuid::new_v4().to_string(),
    }
    .into_response())
}

#[derive(Deserialize)]
pub struct LessonDoneForm {
    started_at: i64,
    key: String,
}

pub async fn lesson_done(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path((course_id, lesson_id)): Path<(String, String)>,
    Form(form): Form<LessonDoneForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let course = state.course(&course_id).await?.ok_or(WebError::NotFound)?;
    let lesson = course.course.lesson(&lesson_id).ok_or(WebError::NotFound)?;
    let kind = if lesson.modality == Modality::Group || lesson.modality == Modality::HandsOn {
        "offline-activity"
    } else {
        "lesson"
    };
    practice::record_interaction(
        &state,
        &current.user.id,
        &course,
        practice::Interaction {
            kind,
            skills: &lesson.skills,
            item_id: Some(&lesson.id),
            idempotency_key: &form.key,
            duration_ms: Some(state.now() - form.started_at),
        },
    )
    .await?;
    Ok(Redirect::to(&format!("/learn/{course_id}")).into_response())
}

// ---------------------------------------------------------------------------------------
// Teachers

struct ClassSummary {
    id: String,
    name: String,
    course_title: String,
    students: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "teacher_classes.html")]
struct TeacherClasses {
    layout: Layout,
    classes: Vec<ClassSummary>,
}

pub async fn teacher_classes(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let mut classes = Vec::new();
    for class in state.store.classes_taught_by(&current.user.id).await? {
        let course_title = state
            .course(&class.course_id)
            .await?
            .map(|c| c.course.title.clone())
            .unwrap_or_default();
        let students = state.store.class_students(&class.id).await?.len();
        classes.push(ClassSummary {
            id: class.id,
            name: class.name,
            course_title,
            students,
        });
    }
    Ok(TeacherClasses {
        layout: Layout::new("My classes", Some(current), "/classes"),
        classes,
    }
    .into_response())
}

struct HeatColumn {
    name: String,
    short: String,
    mean_text: String,
}

struct HeatCell {
    band: &'static str,
    value: String,
    label: String,
}

struct HeatRow {
    student_id: String,
    name: String,
    mastered: usize,
    cells: Vec<HeatCell>,
}

struct StuckEntry {
    student_id: String,
    name: String,
    /// "Skill: reason" for each skill the student is stuck on.
    skills: Vec<String>,
}

struct InactiveEntry {
    student_id: String,
    name: String,
    last_seen: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "class_dashboard.html")]
struct ClassDashboard {
    layout: Layout,
    class_name: String,
    course_title: String,
    columns: Vec<HeatColumn>,
    rows: Vec<HeatRow>,
    stuck: Vec<StuckEntry>,
    inactive: Vec<InactiveEntry>,
    inactive_days: i64,
    class_id: String,
    course_id: String,
    placement_questions: i64,
    activities: Vec<(String, String)>,
    class_overrides: Vec<(String, String, String)>,
}

/// Column headers for skills: up to four letters each, with a number added where two
/// skills would otherwise share one ("AASW", "AASW2").
fn short_names<'a>(names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    names
        .into_iter()
        .map(|name| {
            let short = short_name(name);
            let count = seen.entry(short.clone()).or_insert(0);
            *count += 1;
            if *count == 1 {
                short
            } else {
                format!("{short}{count}")
            }
        })
        .collect()
}

/// Up to four letters that tell skills apart in a narrow column header.
fn short_name(name: &str) -> String {
    let words: Vec<&str> = name
        .split_whitespace()
        .filter(|w| w.len() > 2 || w.chars().all(|c| c.is_ascii_digit()))
        .collect();
    let short: String = if words.len() >= 2 {
        words
            .iter()
            .take(4)
            .filter_map(|w| w.chars().next())
            .collect::<String>()
            .to_uppercase()
    } else {
        name.chars().take(4).collect()
    };
    short
}

pub async fn class_dashboard(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(class_id): Path<String>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let class = state
        .store
        .class(&class_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let course = state
        .course(&class.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let students = state.store.class_students(&class_id).await?;
    let mastery = state.store.class_mastery(&class_id).await?;
    let last_activity = state.store.class_last_activity(&class_id).await?;
    let now = state.now();
    let skills = &course.course.skills;

    let mut by_student: HashMap<&str, HashMap<&str, &ownpace_core::progress::SkillProgress>> =
        HashMap::new();
    for row in &mastery {
        by_student
            .entry(row.student_id.as_str())
            .or_default()
            .insert(row.skill_id.as_str(), &row.progress);
    }
    let shorts = short_names(skills.iter().map(|s| s.name.as_str()));
    let columns = skills
        .iter()
        .zip(shorts)
        .map(|(skill, short)| {
            let values: Vec<f64> = students
                .iter()
                .filter_map(|s| {
                    by_student
                        .get(s.id.as_str())
                        .and_then(|m| m.get(skill.id.as_str()))
                        .map(|p| p.p_mastery)
                })
                .collect();
            let mean_text = if values.is_empty() {
                "–".to_string()
            } else {
                percent(values.iter().sum::<f64>() / values.len() as f64)
            };
            HeatColumn {
                name: skill.name.clone(),
                short,
                mean_text,
            }
        })
        .collect();
    let mut rows = Vec::new();
    let mut stuck = Vec::new();
    let mut inactive = Vec::new();
    for student in &students {
        let progress = by_student.get(student.id.as_str());
        let mut mastered = 0;
        let mut stuck_on = Vec::new();
        let cells = skills
            .iter()
            .map(|skill| {
                let p = progress.and_then(|m| m.get(skill.id.as_str()));
                if p.is_some_and(|p| p.is_mastered()) {
                    mastered += 1;
                }
                if let Some(reason) = p.and_then(|p| p.stuck()) {
                    stuck_on.push(format!("{}: {}", skill.name, reason.describe()));
                }
                let value = p.map_or("–".to_string(), |p| percent(p.p_mastery));
                HeatCell {
                    band: band(p.map(|p| p.p_mastery)),
                    label: match p {
                        Some(p) => format!(
                            "{}, {}: {} mastery after {} answers",
                            student.display_name,
                            skill.name,
                            percent(p.p_mastery),
                            p.attempts
                        ),
                        None => format!("{}, {}: not started", student.display_name, skill.name),
                    },
                    value,
                }
            })
            .collect();
        if !stuck_on.is_empty() {
            stuck.push(StuckEntry {
                student_id: student.id.clone(),
                name: student.display_name.clone(),
                skills: stuck_on,
            });
        }
        rows.push(HeatRow {
            student_id: student.id.clone(),
            name: student.display_name.clone(),
            mastered,
            cells,
        });
        let last = last_activity.get(&student.id).copied();
        if last.is_none_or(|at| now - at > state.config.inactive_days * 86_400_000) {
            inactive.push(InactiveEntry {
                student_id: student.id.clone(),
                name: student.display_name.clone(),
                last_seen: last.map_or("never".to_string(), |at| ago(now, at)),
            });
        }
    }
    let ids: Vec<&str> = students.iter().map(|s| s.id.as_str()).collect();
    state
        .store
        .audit_many(&current.user.id, "viewed class mastery dashboard", &ids)
        .await?;
    let class_overrides = state
        .store
        .overrides_for_class(&class_id, &class.course_id)
        .await?
        .into_iter()
        .filter(|o| o.class_id.is_some())
        .map(|o| {
            let action = match o.action {
                ownpace_storage::OverrideAction::Pin => "Pinned",
                ownpace_storage::OverrideAction::Hide => "Hidden",
            };
            let label = crate::adaptive::activity_choices(&course)
                .into_iter()
                .find(|(value, _)| *value == o.activity)
                .map_or(o.activity.clone(), |(_, label)| label);
            (o.id, action.to_string(), label)
        })
        .collect();
    Ok(ClassDashboard {
        layout: Layout::new(
            format!("{}: dashboard", class.name),
            Some(current),
            "/classes",
        ),
        placement_questions: state.store.placement_questions(&class_id).await?,
        activities: crate::adaptive::activity_choices(&course),
        class_overrides,
        course_id: class.course_id.clone(),
        class_id: class_id.clone(),
        class_name: class.name,
        course_title: course.course.title.clone(),
        columns,
        rows,
        stuck,
        inactive,
        inactive_days: state.config.inactive_days,
    }
    .into_response())
}

struct HistoryRow {
    when: String,
    what: String,
    skill_names: String,
    detail: String,
    outcome: &'static str,
    duration: String,
}

struct SkillLine {
    name: String,
    state_label: &'static str,
    state: &'static str,
    mastery: f64,
    mastery_text: String,
    attempts: u32,
    accuracy: String,
}

struct CourseRecord {
    title: String,
    skills: Vec<SkillLine>,
    history: Vec<HistoryRow>,
    time_week: String,
}

async fn course_record(
    state: &AppState,
    student: &User,
    course: &CourseVersion,
    history: i64,
) -> Result<CourseRecord, WebError> {
    let now = state.now();
    let mastery = state
        .store
        .student_mastery(&student.id, &course.course.id)
        .await?;
    let statuses = crate::adaptive::statuses(state, course, &mastery);
    let correct_answers: HashMap<&str, u32> = mastery
        .iter()
        .map(|row| (row.skill_id.as_str(), row.progress.correct))
        .collect();
    let skills = course
        .course
        .skills
        .iter()
        .filter_map(|skill| statuses.get(&skill.id).map(|status| (skill, status)))
        .map(|(skill, status)| {
            let p = status.p_mastery;
            let attempts = status.attempts;
            let correct = correct_answers.get(skill.id.as_str()).copied().unwrap_or(0);
            SkillLine {
                name: skill.name.clone(),
                state_label: views::state_label(&status.state),
                state: views::state_css(&status.state),
                mastery: p,
                mastery_text: percent(p),
                attempts,
                accuracy: if attempts == 0 {
                    "–".into()
                } else {
                    percent(f64::from(correct) / f64::from(attempts))
                },
            }
        })
        .collect();
    let skill_name = |id: &str| {
        course
            .course
            .skill(id)
            .map_or(id.to_string(), |s| s.name.clone())
    };
    let history = state
        .store
        .student_events(&student.id, &course.course.id, history)
        .await?
        .into_iter()
        .map(|e| {
            let (what, detail) = match e.kind.as_str() {
                "answer" => {
                    let item = e.item_id.as_deref().and_then(|id| course.course.item(id));
                    let answer = e
                        .response
                        .as_deref()
                        .and_then(|r| serde_json::from_str::<ItemResponse>(r).ok())
                        .map(|r| match (r, item.map(|i| &i.answer)) {
                            (ItemResponse::Choice(i), Some(AnswerSpec::Choice { choices })) => {
                                choices.get(i).map_or(String::new(), |c| c.text.clone())
                            }
                            (ItemResponse::Text(t), _) => t,
                            _ => String::new(),
                        })
                        .unwrap_or_default();
                    (
                        "Answered".to_string(),
                        format!("{} → “{}”", e.item_id.clone().unwrap_or_default(), answer),
                    )
                }
                "hint" => (
                    "Asked for a hint".to_string(),
                    e.item_id.clone().unwrap_or_default(),
                ),
                "lesson" | "offline-activity" => (
                    "Finished a lesson".to_string(),
                    e.item_id
                        .as_deref()
                        .and_then(|id| course.course.lesson(id))
                        .map_or(String::new(), |l| l.title.clone()),
                ),
                other => (other.to_string(), String::new()),
            };
            HistoryRow {
                when: ago(now, e.occurred_at),
                what,
                skill_names: e
                    .skills
                    .iter()
                    .map(|s| skill_name(s))
                    .collect::<Vec<_>>()
                    .join(", "),
                detail,
                outcome: match e.correct {
                    Some(true) => "correct",
                    Some(false) => "incorrect",
                    None => "",
                },
                duration: e.duration_ms.map_or(String::new(), views::duration),
            }
        })
        .collect();
    let time_week = views::duration(
        state
            .store
            .time_spent_since(&student.id, &course.course.id, now - 7 * 86_400_000)
            .await?,
    );
    Ok(CourseRecord {
        title: course.course.title.clone(),
        skills,
        history,
        time_week,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "student_record.html")]
struct StudentRecord {
    layout: Layout,
    student_id: String,
    name: String,
    username: String,
    courses: Vec<CourseRecord>,
    paths: Vec<crate::adaptive::TeacherPathView>,
}

pub async fn student_record(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(student_id): Path<String>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let student = state
        .store
        .user(&student_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let taught: Vec<String> = state
        .store
        .classes_taught_by(&current.user.id)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let mut courses = Vec::new();
    let mut paths = Vec::new();
    for class in state.store.classes_of_student(&student_id).await? {
        if taught.contains(&class.id)
            && let Some(course) = state.course(&class.course_id).await?
        {
            courses.push(course_record(&state, &student, &course, 50).await?);
            paths.push(
                crate::adaptive::teacher_path_view(&state, &student_id, &class.id, &course).await?,
            );
        }
    }
    state
        .store
        .audit(&current.user.id, "viewed student record", Some(&student_id))
        .await?;
    Ok(StudentRecord {
        layout: Layout::new(student.display_name.clone(), Some(current), "/classes"),
        student_id,
        name: student.display_name,
        username: student.username,
        courses,
        paths,
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Guardians

struct ChildSummary {
    id: String,
    name: String,
    courses: Vec<(String, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "family.html")]
struct FamilyPage {
    layout: Layout,
    children: Vec<ChildSummary>,
}

pub async fn family(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let mut children = Vec::new();
    for child in state.store.children_of(&current.user.id).await? {
        let mut courses = Vec::new();
        for class in state.store.classes_of_student(&child.id).await? {
            if let Some(course) = state.course(&class.course_id).await? {
                let mastery = state
                    .store
                    .student_mastery(&child.id, &class.course_id)
                    .await?;
                let mastered = mastery.iter().filter(|m| m.progress.is_mastered()).count();
                let week = state
                    .store
                    .time_spent_since(&child.id, &class.course_id, state.now() - 7 * 86_400_000)
                    .await?;
                courses.push((
                    course.course.title.clone(),
                    format!(
                        "{mastered} of {} skills mastered",
                        course.course.skills.len()
                    ),
                    format!("{} this week", views::duration(week)),
                ));
            }
        }
        children.push(ChildSummary {
            id: child.id,
            name: child.display_name,
            courses,
        });
    }
    let ids: Vec<&str> = children.iter().map(|c| c.id.as_str()).collect();
    state
        .store
        .audit_many(&current.user.id, "guardian viewed progress summary", &ids)
        .await?;
    Ok(FamilyPage {
        layout: Layout::new("My family", Some(current), "/family"),
        children,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "child.html")]
struct ChildPage {
    layout: Layout,
    name: String,
    courses: Vec<CourseRecord>,
}

pub async fn child(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Path(student_id): Path<String>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let student = state
        .store
        .user(&student_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let mut courses = Vec::new();
    for class in state.store.classes_of_student(&student_id).await? {
        if let Some(course) = state.course(&class.course_id).await? {
            courses.push(course_record(&state, &student, &course, 20).await?);
        }
    }
    state
        .store
        .audit(
            &current.user.id,
            "guardian viewed child's progress",
            Some(&student_id),
        )
        .await?;
    Ok(ChildPage {
        layout: Layout::new(student.display_name.clone(), Some(current), "/family"),
        name: student.display_name,
        courses,
    }
    .into_response())
}

// ---------------------------------------------------------------------------------------
// Admins

struct AdminClass {
    name: String,
    course_id: String,
    teachers: String,
    students: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    users: Vec<(String, String, String)>,
    classes: Vec<AdminClass>,
    class_options: Vec<(String, String)>,
    courses: Vec<(String, String, i64)>,
    message: String,
}

async fn admin_page(
    state: &AppState,
    current: &CurrentUser,
    message: String,
) -> Result<AdminPage, WebError> {
    let users = state
        .store
        .users(None)
        .await?
        .into_iter()
        .map(|u| (u.display_name, u.username, u.role.to_string()))
        .collect();
    let mut classes = Vec::new();
    let mut class_options = Vec::new();
    for class in state.store.classes().await? {
        let teachers = state.store.class_teachers(&class.id).await?;
        let students = state.store.class_students(&class.id).await?.len();
        class_options.push((class.id.clone(), class.name.clone()));
        classes.push(AdminClass {
            name: class.name,
            course_id: class.course_id,
            teachers: teachers
                .into_iter()
                .map(|t| t.display_name)
                .collect::<Vec<_>>()
                .join(", "),
            students,
        });
    }
    let courses = state
        .store
        .current_courses()
        .await?
        .into_iter()
        .map(|c| (c.course.id.clone(), c.course.title.clone(), c.version))
        .collect();
    Ok(AdminPage {
        layout: Layout::new("Administration", Some(current), "/admin"),
        users,
        classes,
        class_options,
        courses,
        message,
    })
}

pub async fn admin(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    Ok(admin_page(&state, current, String::new())
        .await?
        .into_response())
}

/// Runs an admin action and shows the admin page again with its result.
async fn admin_result(
    state: &AppState,
    current: &CurrentUser,
    result: Result<String, WebError>,
) -> Result<Response, WebError> {
    match result {
        Ok(message) => Ok(admin_page(state, current, message).await?.into_response()),
        Err(error @ (WebError::BadRequest(_) | WebError::Store(_) | WebError::NotFound)) => {
            let status = error.status();
            let message = format!("Not done: {}", error.public_message());
            Ok((status, admin_page(state, current, message).await?).into_response())
        }
        Err(other) => Err(other),
    }
}

#[derive(Deserialize)]
pub struct NewUserForm {
    username: String,
    display_name: String,
    role: String,
    password: String,
}

/// Checks a new account's fields; the message says which field is wrong and how.
pub fn validate_new_user(
    username: &str,
    display_name: &str,
    password: &str,
) -> Result<(), WebError> {
    if username.len() < 3
        || username.len() > 40
        || !username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
    {
        return Err(WebError::BadRequest(
            "username: 3 to 40 letters, digits, dots, dashes or underscores".into(),
        ));
    }
    if display_name.trim().is_empty() || display_name.len() > 80 {
        return Err(WebError::BadRequest(
            "display name: 1 to 80 characters".into(),
        ));
    }
    if password.chars().count() < 8 {
        return Err(WebError::BadRequest(
            "password: at least 8 characters".into(),
        ));
    }
    Ok(())
}

pub async fn admin_create_user(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Form(form): Form<NewUserForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let result = async {
        let role: Role = form.role.parse().map_err(WebError::BadRequest)?;
        validate_new_user(form.username.trim(), &form.display_name, &form.password)?;
        let hash = auth::hash_password(form.password.clone()).await?;
        let created = state
            .store
            .create_user(ownpace_storage::NewUser {
                username: form.username.trim(),
                display_name: form.display_name.trim(),
                role,
                password_hash: &hash,
            })
            .await?;
        Ok(format!(
            "Created {} account `{}`.",
            created.role, created.username
        ))
    }
    .await;
    admin_result(&state, current, result).await
}

#[derive(Deserialize)]
pub struct NewClassForm {
    name: String,
    course_id: String,
}

pub async fn admin_create_class(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Form(form): Form<NewClassForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let result = async {
        if form.name.trim().is_empty() {
            return Err(WebError::BadRequest("class name: must not be empty".into()));
        }
        let class = state
            .store
            .create_class(form.name.trim(), form.course_id.trim())
            .await?;
        Ok(format!("Created class {}.", class.name))
    }
    .await;
    admin_result(&state, current, result).await
}

/// The account called `username`; when there is none, the error names the form `field`.
async fn account_named(state: &AppState, field: &str, username: &str) -> Result<User, WebError> {
    let username = username.trim();
    state
        .store
        .user_by_username(username)
        .await?
        .ok_or_else(|| WebError::BadRequest(format!("{field}: no account named `{username}`")))
}

#[derive(Deserialize)]
pub struct MemberForm {
    class_id: String,
    username: String,
}

pub async fn admin_add_member(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Form(form): Form<MemberForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let result = async {
        let member = account_named(&state, "username", &form.username).await?;
        state.store.add_to_class(&form.class_id, &member.id).await?;
        Ok(format!("Added {} to the class.", member.display_name))
    }
    .await;
    admin_result(&state, current, result).await
}

#[derive(Deserialize)]
pub struct GuardianForm {
    guardian: String,
    student: String,
}

pub async fn admin_add_guardian(
    State(state): State<AppState>,
    Extension(user): Extension<MaybeUser>,
    Form(form): Form<GuardianForm>,
) -> Result<Response, WebError> {
    let current = signed_in(&user)?;
    let result = async {
        let guardian = account_named(&state, "guardian", &form.guardian).await?;
        let student = account_named(&state, "student", &form.student).await?;
        state.store.add_guardian(&guardian.id, &student.id).await?;
        Ok(format!(
            "{} is now a guardian of {}.",
            guardian.display_name, student.display_name
        ))
    }
    .await;
    admin_result(&state, current, result).await
}

#[cfg(test)]
mod tests {
    use super::short_names;

    #[test]
    fn column_headers_are_unique_even_when_abbreviations_collide() {
        let names = [
            "Add and subtract with unlike denominators",
            "Add and subtract whole numbers",
            "Ratios",
            "Add and subtract with like denominators",
        ];
        let shorts = short_names(names);
        assert_eq!(shorts, ["AASW", "AASW2", "Rati", "AASW3"]);
    }
}

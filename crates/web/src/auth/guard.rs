//! The guard in front of every route, and the extractors that carry what it proved.
//!
//! [`guard`] runs before any handler: it finds the session (cookie for pages, bearer
//! token for `/api/`), checks the route's role, then the relation between the person and
//! the student, class or course named in the path. A relation that does not hold answers
//! 404, exactly like a missing record, so ids cannot be probed. State-changing page
//! requests must carry the session's CSRF token (or, for the login form, the
//! double-submit cookie) and, when the browser sends an `Origin`, come from this host.
//!
//! What the guard proved rides on the request as a [`Proof`], and handlers take it
//! through the extractors below ([`Student`], [`TeacherOfClass`], [`GuardianOf`],
//! [`CourseInPath`], …): a handler cannot run without the proof it names, and never
//! repeats the check. An extractor whose proof the route did not declare denies (404), so
//! a mismatch between table and handler fails closed and shows in the policy test.

use crate::AppState;
use crate::auth::{self, CurrentUser, LOGIN_CSRF_COOKIE};
use crate::error::WebError;
use crate::routing::{Access, RouteSpec, Subject};
use axum::body::Body;
use axum::extract::{FromRequestParts, RawPathParams, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::{ClassId, CourseId, UserId};
use ownpace_storage::{Class, CourseVersion, Role, StudentRelation, User};

/// The signed-in person, if any, as the guard found them. Also carried on the response,
/// so error pages can show the signed-in frame.
#[derive(Clone, Debug)]
pub struct MaybeUser(pub Option<CurrentUser>);

/// What the guard proved about the subject in the path.
#[derive(Clone, Debug)]
enum Proof {
    /// The caller relates to this student as `relation` (never `None`).
    Student {
        id: UserId,
        relation: StudentRelation,
    },
    /// The caller teaches (or, as a student, is enrolled in) this class.
    Class(ClassId),
    /// The caller teaches or takes this course in some class.
    Course(CourseId),
    /// The caller teaches the round's class, or (a student) is enrolled in it.
    Round(String),
    /// The caller relates to this group as `relation`.
    Group {
        id: String,
        relation: crate::projects::GroupRelation,
    },
}

/// The signed-in routes a user whose password an admin reset may still use: choosing a
/// new password, and signing out.
const WHILE_RESET: &[&str] = &[
    "/account",
    "/account/password",
    "/account/sessions/logout",
    "/logout",
    "/api/v1/logout",
];

/// Public routes that read no session, so fetching them writes nothing (calendar feeds,
/// a letter's one-click unsubscribe). Their secret path is the credential: no cookie
/// grants anything on them, so a POST to them needs no CSRF token (an RFC 8058 one-click
/// POST from a mail provider carries none).
const WITHOUT_SESSION: &[&str] = &[
    crate::calendar::FEED_PATH,
    crate::pages::letters::UNSUBSCRIBE_PATH,
];

/// Student routes a student who waits for a guardian's consent may still use: their own
/// access log (the privacy notice, their account and signing out are not student routes).
const WHILE_WAITING_FOR_CONSENT: &[&str] = &["/me/access-log"];

/// Whether a route is closed to a student who needs consent and has none: every route
/// that names the student role (practice, lessons, the API's learning routes, media).
fn waits_for_consent(spec: &RouteSpec) -> bool {
    matches!(spec.access, Access::Roles(roles, _) if roles.contains(&Role::Student))
        && !WHILE_WAITING_FOR_CONSENT.contains(&spec.path)
}

/// Enforces a route's [`Access`] and CSRF rules, and hands the handler the signed-in
/// person and the [`Proof`] of its relation to the path's subject.
pub(crate) async fn guard(
    State((state, spec)): State<(AppState, RouteSpec)>,
    params: RawPathParams,
    request: Request,
    next: Next,
) -> Response {
    // A calendar feed's secret is its credential: no session is looked up (or touched).
    let user = if WITHOUT_SESSION.contains(&spec.path) {
        None
    } else {
        match auth::session_of(&state, request.headers(), spec.is_api()).await {
            Ok(user) => user,
            Err(error) => return error.into_response(),
        }
    };
    let mut response = match authorize(&state, &spec, params, request, user.clone()).await {
        Ok(request) => next.run(request).await,
        Err(error) => {
            if let Some(current) = &user
                && matches!(error, WebError::Forbidden | WebError::NotFound)
                && let Err(failed) = crate::audit::staff_counted(
                    &state,
                    ownpace_storage::StaffAction::Denied,
                    Some(&current.user.id),
                    None,
                    &format!(
                        "{} {} answered {}",
                        spec.method,
                        spec.path,
                        error.status().as_u16()
                    ),
                    None,
                )
                .await
            {
                return failed.into_response();
            }
            error.into_response()
        }
    };
    response.extensions_mut().insert(MaybeUser(user));
    response
}

async fn authorize(
    state: &AppState,
    spec: &RouteSpec,
    params: RawPathParams,
    request: Request,
    user: Option<CurrentUser>,
) -> Result<Request, WebError> {
    let mut proof = None;
    if let Some(current) = &user
        && current.must_change_password
        && !WHILE_RESET.contains(&spec.path)
        && spec.access != Access::Public
    {
        return Err(WebError::PasswordChangeRequired);
    }
    if let Some(current) = &user
        && current.user.role == Role::Admin
        && state.config.admins_need_two_factor
        && !current.two_factor
        && !WHILE_RESET.contains(&spec.path)
        && !spec.path.starts_with("/account/two-factor")
        && spec.access != Access::Public
    {
        return Err(WebError::TwoFactorRequired);
    }
    match spec.access {
        Access::Public => {}
        Access::SignedIn => {
            if user.is_none() {
                return Err(WebError::Unauthenticated);
            }
        }
        Access::Roles(roles, subject) => {
            let Some(current) = &user else {
                return Err(WebError::Unauthenticated);
            };
            if !roles.contains(&current.user.role) {
                return Err(WebError::Forbidden);
            }
            let param = |name: &str| {
                params
                    .iter()
                    .find(|(key, _)| *key == name)
                    .map(|(_, value)| value.to_string())
                    .ok_or(WebError::NotFound)
            };
            proof = prove(state, current, subject, param).await?;
        }
    }
    if let Some(current) = &user
        && waits_for_consent(spec)
        && current.user.role == Role::Student
        && !crate::consent::may_use(state, &current.user.id).await?
    {
        return Err(WebError::ConsentRequired);
    }
    let mut request = if !spec.is_api()
        && !matches!(*request.method(), Method::GET | Method::HEAD)
        && !WITHOUT_SESSION.contains(&spec.path)
    {
        // A group's file upload may be as large as one file may be (and the route's
        // own body limit says the same); every other upload is a roster.
        let multipart_limit = if spec.path == crate::projects::UPLOAD_PATH {
            crate::projects::upload_body_limit(&state.config.uploads)
        } else {
            MULTIPART_LIMIT
        };
        check_csrf(state, request, user.as_ref(), multipart_limit).await?
    } else {
        request
    };
    if let Some(proof) = proof {
        request.extensions_mut().insert(proof);
    }
    request.extensions_mut().insert(MaybeUser(user));
    Ok(request)
}

/// The relation between the caller and the path's subject, or 404 when there is none.
async fn prove(
    state: &AppState,
    current: &CurrentUser,
    subject: Subject,
    param: impl Fn(&str) -> Result<String, WebError>,
) -> Result<Option<Proof>, WebError> {
    let store = &state.store;
    let user = &current.user;
    let proof = match subject {
        Subject::None => return Ok(None),
        Subject::Student(name) => {
            let id = UserId::new(param(name)?);
            let relation = store.student_relation(user, &id).await?;
            (relation != StudentRelation::None).then_some(Proof::Student { id, relation })
        }
        Subject::Class(name) => {
            let class = ClassId::new(param(name)?);
            let related = match user.role {
                Role::Teacher => store.teaches_class(&user.id, &class).await?,
                Role::Student => store.is_enrolled(&user.id, &class).await?,
                // Admin: any class that exists (only routes listing the admin role get here).
                Role::Admin => store.class(&class).await?.is_some(),
                Role::Guardian => false,
            };
            related.then_some(Proof::Class(class))
        }
        Subject::Course(name) => {
            let course = CourseId::new(param(name)?);
            let classes = match user.role {
                Role::Teacher => store.classes_taught_by(&user.id).await?,
                Role::Student => store.classes_of_student(&user.id).await?,
                _ => Vec::new(),
            };
            classes
                .iter()
                .any(|c| c.course_id == course)
                .then_some(Proof::Course(course))
        }
        Subject::Round(name) => {
            let id = param(name)?;
            match store.round(&id).await? {
                Some(round) => {
                    let related = match user.role {
                        Role::Teacher => store.teaches_class(&user.id, &round.class_id).await?,
                        Role::Student => store.is_enrolled(&user.id, &round.class_id).await?,
                        Role::Admin | Role::Guardian => false,
                    };
                    related.then_some(Proof::Round(round.id))
                }
                None => None,
            }
        }
        Subject::Group(name) => {
            let id = param(name)?;
            match store.group(&id).await? {
                Some(group) => crate::projects::group_relation(state, user, &group)
                    .await?
                    .map(|relation| Proof::Group {
                        id: group.id,
                        relation,
                    }),
                None => None,
            }
        }
    };
    proof.map(Some).ok_or(WebError::NotFound)
}

/// Checks the CSRF token of a page form, returning the request with its body intact.
/// Signed-in: the session's token. Signed out (the login form): the token in the form
/// must equal the cookie's *and* carry the server's signature, so a pair the client
/// made up (or a cookie planted from a sibling host) does not pass.
async fn check_csrf(
    state: &AppState,
    request: Request,
    user: Option<&CurrentUser>,
    multipart_limit: usize,
) -> Result<Request, WebError> {
    let (parts, body) = request.into_parts();
    if let Some(origin) = parts
        .headers
        .get(header::ORIGIN)
        .and_then(|o| o.to_str().ok())
    {
        let host = parts
            .headers
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .unwrap_or("");
        let origin_host = origin.split_once("://").map_or(origin, |(_, rest)| rest);
        if origin != "null" && origin_host != host {
            return Err(WebError::Csrf);
        }
    }
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|c| c.to_str().ok())
        .unwrap_or("")
        .to_string();
    let multipart = content_type.starts_with("multipart/form-data");
    // File uploads (roster CSV files) may be larger than a form of fields.
    let too_large = format!(
        "the upload is too large ({} at most)",
        ownpace_storage::projects::bytes_in_words(multipart_limit as i64)
    );
    let (limit, what) = if multipart {
        (multipart_limit, too_large.as_str())
    } else {
        (256 * 1024, "the form is too large (256 KiB at most)")
    };
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| WebError::BadRequest(what.into()))?;
    let sent = if multipart {
        multipart_csrf(&content_type, &bytes).await
    } else {
        let fields: Vec<(String, String)> =
            serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
        fields
            .into_iter()
            .find(|(k, _)| k == "_csrf")
            .map(|(_, v)| v)
            .unwrap_or_default()
    };
    let sent = sent.as_str();
    let expected = match user {
        Some(current) => Some(current.csrf_token.clone()),
        None => {
            let signer = state.signer().await?;
            auth::cookie_value(&parts.headers, LOGIN_CSRF_COOKIE)
                .filter(|token| signer.token_is_valid(auth::LOGIN_FORM, &[], token))
        }
    };
    match expected {
        Some(expected) if !sent.is_empty() && auth::tokens_match(sent, &expected) => {
            Ok(Request::from_parts(parts, Body::from(bytes)))
        }
        _ => Err(WebError::Csrf),
    }
}

/// The largest multipart body (two roster files of `ownpace_core::roster::MAX_BYTES`,
/// plus room for the form's other parts).
const MULTIPART_LIMIT: usize = 2 * ownpace_core::roster::MAX_BYTES + 64 * 1024;

/// The `_csrf` field of a `multipart/form-data` body, or empty.
async fn multipart_csrf(content_type: &str, bytes: &axum::body::Bytes) -> String {
    use axum::extract::{FromRequest, Multipart};
    let Ok(request) = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes.clone()))
    else {
        return String::new();
    };
    let Ok(mut multipart) = Multipart::from_request(request, &()).await else {
        return String::new();
    };
    while let Ok(Some(field)) = multipart.next_field().await {
        if field.name() == Some("_csrf") {
            return field.text().await.unwrap_or_default();
        }
    }
    String::new()
}

// ---------------------------------------------------------------------------------------
// Extractors

fn caller(parts: &Parts) -> Result<CurrentUser, WebError> {
    parts
        .extensions
        .get::<MaybeUser>()
        .and_then(|m| m.0.clone())
        .ok_or(WebError::Unauthenticated)
}

fn caller_with_role(parts: &Parts, role: Role) -> Result<CurrentUser, WebError> {
    let current = caller(parts)?;
    if current.user.role == role {
        Ok(current)
    } else {
        Err(WebError::Forbidden)
    }
}

fn proof(parts: &Parts) -> Result<&Proof, WebError> {
    parts.extensions.get::<Proof>().ok_or(WebError::NotFound)
}

/// The student in the path, when the guard proved the caller relates to them as `wanted`.
async fn student_related_as(
    parts: &Parts,
    state: &AppState,
    wanted: StudentRelation,
) -> Result<User, WebError> {
    match proof(parts)? {
        Proof::Student { id, relation } if *relation == wanted => {
            state.store.user(id).await?.ok_or(WebError::NotFound)
        }
        _ => Err(WebError::NotFound),
    }
}

/// Any signed-in person.
pub struct SignedIn(pub CurrentUser);

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        caller(parts).map(SignedIn)
    }
}

/// The person, if signed in: for public routes that look different to signed-in people.
impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, WebError> {
        Ok(parts
            .extensions
            .get::<MaybeUser>()
            .cloned()
            .unwrap_or(MaybeUser(None)))
    }
}

macro_rules! role_extractor {
    ($(#[$doc:meta])* $name:ident, $role:expr) => {
        $(#[$doc])*
        pub struct $name(pub CurrentUser);

        impl FromRequestParts<AppState> for $name {
            type Rejection = WebError;
            async fn from_request_parts(
                parts: &mut Parts,
                _: &AppState,
            ) -> Result<Self, WebError> {
                caller_with_role(parts, $role).map($name)
            }
        }
    };
}

role_extractor!(
    /// A signed-in student.
    Student,
    Role::Student
);
role_extractor!(
    /// A signed-in teacher.
    Teacher,
    Role::Teacher
);
role_extractor!(
    /// A signed-in guardian.
    Guardian,
    Role::Guardian
);
role_extractor!(
    /// A signed-in admin.
    Admin,
    Role::Admin
);

/// The course named in the path, which the guard proved the caller teaches or takes.
pub struct CourseInPath(pub CourseVersion);

impl FromRequestParts<AppState> for CourseInPath {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let Proof::Course(id) = proof(parts)? else {
            return Err(WebError::NotFound);
        };
        let course = state.course(id).await?.ok_or(WebError::NotFound)?;
        Ok(CourseInPath(course))
    }
}

/// A teacher and the class in the path, which the guard proved they teach.
pub struct TeacherOfClass {
    pub teacher: CurrentUser,
    pub class: Class,
}

impl FromRequestParts<AppState> for TeacherOfClass {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let teacher = caller_with_role(parts, Role::Teacher)?;
        let Proof::Class(id) = proof(parts)? else {
            return Err(WebError::NotFound);
        };
        let class = state.store.class(id).await?.ok_or(WebError::NotFound)?;
        Ok(TeacherOfClass { teacher, class })
    }
}

/// A teacher of the class in the path, or an admin (any class): on routes that list both
/// roles (pilot studies, issue 12 point 5: "admin or teacher"). `teacher` is the caller.
pub struct StaffOfClass {
    pub teacher: CurrentUser,
    pub class: Class,
}

impl FromRequestParts<AppState> for StaffOfClass {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let teacher = caller(parts)?;
        if !matches!(teacher.user.role, Role::Teacher | Role::Admin) {
            return Err(WebError::Forbidden);
        }
        let Proof::Class(id) = proof(parts)? else {
            return Err(WebError::NotFound);
        };
        let class = state.store.class(id).await?.ok_or(WebError::NotFound)?;
        Ok(StaffOfClass { teacher, class })
    }
}

/// A teacher and the student in the path, whom the guard proved they teach in some class.
pub struct TeacherOfStudent {
    pub teacher: CurrentUser,
    pub student: User,
}

impl FromRequestParts<AppState> for TeacherOfStudent {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        Ok(TeacherOfStudent {
            teacher: caller_with_role(parts, Role::Teacher)?,
            student: student_related_as(parts, state, StudentRelation::Teacher).await?,
        })
    }
}

impl TeacherOfStudent {
    /// A course id that arrived in a form body beside the student in the path: allowed
    /// only when the teacher teaches one class that holds both the student and the
    /// course, and otherwise answered 404 like a path id.
    pub async fn course_in_body(
        &self,
        state: &AppState,
        course_id: &CourseId,
    ) -> Result<CourseVersion, WebError> {
        if !state
            .store
            .teaches_student_in_course(&self.teacher.user.id, &self.student.id, course_id)
            .await?
        {
            return Err(WebError::NotFound);
        }
        state.course(course_id).await?.ok_or(WebError::NotFound)
    }
}

/// A guardian and the student in the path, whom the guard proved is their child.
pub struct GuardianOf {
    pub guardian: CurrentUser,
    pub student: User,
}

impl FromRequestParts<AppState> for GuardianOf {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        Ok(GuardianOf {
            guardian: caller_with_role(parts, Role::Guardian)?,
            student: student_related_as(parts, state, StudentRelation::Guardian).await?,
        })
    }
}

/// A teacher and the round in the path, whose class the guard proved they teach.
pub struct TeacherOfRound {
    pub teacher: CurrentUser,
    pub round: ownpace_storage::Round,
    pub class: Class,
}

async fn proved_round(parts: &Parts, state: &AppState) -> Result<ownpace_storage::Round, WebError> {
    let Proof::Round(id) = proof(parts)? else {
        return Err(WebError::NotFound);
    };
    state.store.round(id).await?.ok_or(WebError::NotFound)
}

impl FromRequestParts<AppState> for TeacherOfRound {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let teacher = caller_with_role(parts, Role::Teacher)?;
        let round = proved_round(parts, state).await?;
        let class = state
            .store
            .class(&round.class_id)
            .await?
            .ok_or(WebError::NotFound)?;
        Ok(TeacherOfRound {
            teacher,
            round,
            class,
        })
    }
}

/// A student and the round in the path, whose class the guard proved they are in.
pub struct StudentOfRound {
    pub student: CurrentUser,
    pub round: ownpace_storage::Round,
}

impl FromRequestParts<AppState> for StudentOfRound {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let student = caller_with_role(parts, Role::Student)?;
        let round = proved_round(parts, state).await?;
        Ok(StudentOfRound { student, round })
    }
}

async fn proved_group(
    parts: &Parts,
    state: &AppState,
) -> Result<(ownpace_storage::Group, crate::projects::GroupRelation), WebError> {
    let Proof::Group { id, relation } = proof(parts)? else {
        return Err(WebError::NotFound);
    };
    let group = state.store.group(id).await?.ok_or(WebError::NotFound)?;
    Ok((group, *relation))
}

/// Someone working in the group in the path: a member now, or a teacher of its class.
/// (A peer reviewer is not let in here: they read the submission on its review page.)
pub struct InGroup {
    pub user: CurrentUser,
    pub group: ownpace_storage::Group,
    pub relation: crate::projects::GroupRelation,
}

impl FromRequestParts<AppState> for InGroup {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let user = caller(parts)?;
        let (group, relation) = proved_group(parts, state).await?;
        if !relation.works_in_group() {
            return Err(WebError::NotFound);
        }
        Ok(InGroup {
            user,
            group,
            relation,
        })
    }
}

/// A student who is a member of the group in the path now.
pub struct MemberOfGroup {
    pub student: CurrentUser,
    pub group: ownpace_storage::Group,
}

impl FromRequestParts<AppState> for MemberOfGroup {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let student = caller_with_role(parts, Role::Student)?;
        let (group, relation) = proved_group(parts, state).await?;
        if relation != crate::projects::GroupRelation::Member {
            return Err(WebError::NotFound);
        }
        Ok(MemberOfGroup { student, group })
    }
}

/// A student assigned to review the group in the path, which has submitted.
pub struct ReviewerOfGroup {
    pub student: CurrentUser,
    pub group: ownpace_storage::Group,
}

impl FromRequestParts<AppState> for ReviewerOfGroup {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let student = caller_with_role(parts, Role::Student)?;
        let (group, relation) = proved_group(parts, state).await?;
        if relation != crate::projects::GroupRelation::Reviewer {
            return Err(WebError::NotFound);
        }
        Ok(ReviewerOfGroup { student, group })
    }
}

/// Someone who may read the group's files (`projects::may_read_group_files`).
pub struct GroupFileReader {
    pub user: CurrentUser,
    pub group: ownpace_storage::Group,
    pub relation: crate::projects::GroupRelation,
}

impl FromRequestParts<AppState> for GroupFileReader {
    type Rejection = WebError;
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, WebError> {
        let user = caller(parts)?;
        let (group, relation) = proved_group(parts, state).await?;
        if !crate::projects::may_read_group_files(relation, &group) {
            return Err(WebError::NotFound);
        }
        Ok(GroupFileReader {
            user,
            group,
            relation,
        })
    }
}

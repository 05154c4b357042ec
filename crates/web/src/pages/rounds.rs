//! Project rounds (issue 10, points 1-2). The teacher opens a round for a class (which
//! projects, the group size of each from the course or overridden, the ranking deadline
//! and the due date) and keeps pairs of students apart; students rank the projects with
//! their interests shown as hints, and may change their ranking until the deadline; the
//! teacher asks for a proposal (`core::grouping`, every placement with its reason), moves
//! students by hand, publishes (members get a notice) and later moves or removes a member
//! who left or is away.

use crate::auth::guard::{StudentOfRound, TeacherOfClass, TeacherOfRound};
use crate::flash::{self, Flash};
use crate::layout::Layout;
use crate::projects::{self, project_title, status_words};
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, get, post};
use crate::views;
use crate::{AppState, WebError};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Form, State};
use axum::response::{IntoResponse, Response};
use ownpace_core::ids::UserId;
use ownpace_storage::{AuditAction, Round, RoundProject, RoundStatus, User};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let class = Access::Roles(TEACHER, Subject::Class("class"));
    let teacher = Access::Roles(TEACHER, Subject::Round("round"));
    let student = Access::Roles(STUDENT, Subject::Round("round"));
    vec![
        get("/classes/{class}/rounds", class, class_rounds),
        post("/classes/{class}/rounds", class, open_round),
        post("/classes/{class}/keep-apart", class, keep_apart),
        get("/rounds/{round}", teacher, round_page),
        post("/rounds/{round}/propose", teacher, propose),
        post("/rounds/{round}/move", teacher, move_member),
        post("/rounds/{round}/publish", teacher, publish),
        post("/rounds/{round}/finish", teacher, finish),
        get("/rounds/{round}/rank", student, rank_page),
        post("/rounds/{round}/rank", student, save_ranking),
    ]
}

const DAY_MS: i64 = 86_400_000;

// ---------------------------------------------------------------------------------------
// The class's rounds and the form to open one

/// A project of the course as the "open a round" form offers it.
struct ProjectChoice {
    id: String,
    title: String,
    min: u32,
    max: u32,
}

#[derive(Template, WebTemplate)]
#[template(path = "rounds_class.html")]
struct ClassRoundsPage {
    layout: Layout,
    flash: Flash,
    class_id: String,
    /// (round id, title, status in words)
    rounds: Vec<(String, String, String)>,
    projects: Vec<ProjectChoice>,
    closes: String,
    due: String,
    /// (id, name) of the class's students, for the keep-apart form.
    students: Vec<(String, String)>,
    /// (student a id, a's name, student b id, b's name)
    apart: Vec<(String, String, String, String)>,
    max_title: usize,
}

pub async fn class_rounds(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
) -> Result<Response, WebError> {
    let page = format!("/classes/{}/rounds", class.id);
    let flash = flash::take(&state, &current, &page).await?;
    let now = state.now();
    let course = state.course(&class.course_id).await?;
    let students = state.store.class_students(&class.id).await?;
    let name = |id: &UserId| {
        students.iter().find(|s| &s.id == id).map_or_else(
            || "a former student".to_string(),
            |s| s.display_name.clone(),
        )
    };
    let apart = state
        .store
        .keep_apart_pairs(&class.id)
        .await?
        .into_iter()
        .map(|(a, b)| (a.to_string(), name(&a), b.to_string(), name(&b)))
        .collect();
    let class_href = format!("/classes/{}", class.id);
    Ok(ClassRoundsPage {
        layout: Layout::new(
            format!("Project rounds: {}", class.name),
            Some(&current),
            "/classes",
        )
        .with_crumbs([
            ("/classes", "My classes"),
            (class_href.as_str(), class.name.as_str()),
        ]),
        flash,
        class_id: class.id.to_string(),
        rounds: state
            .store
            .rounds_of_class(&class.id)
            .await?
            .iter()
            .map(|r| (r.id.clone(), r.title.clone(), status_words(r, now)))
            .collect(),
        projects: course
            .map(|c| {
                c.course
                    .projects
                    .iter()
                    .map(|p| ProjectChoice {
                        id: p.id.clone(),
                        title: p.title.clone(),
                        min: p.group_min,
                        max: p.group_max,
                    })
                    .collect()
            })
            .unwrap_or_default(),
        closes: views::date_input(now + 7 * DAY_MS),
        due: views::date_input(now + 28 * DAY_MS),
        students: students
            .iter()
            .map(|s| (s.id.to_string(), s.display_name.clone()))
            .collect(),
        apart,
        max_title: ownpace_storage::projects::MAX_ROUND_TITLE_CHARS,
    }
    .into_response())
}

fn bad(message: impl Into<String>) -> WebError {
    WebError::BadRequest(message.into())
}

/// The "open a round" form: `title`, `closes`, `due` (dates), and per project of the
/// course `project_<id>` (checked), `min_<id>`, `max_<id>`.
pub async fn open_round(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let field = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let title = field("title");
    let result = async {
        let course = state
            .course(&class.course_id)
            .await?
            .ok_or(WebError::NotFound)?;
        let mut chosen = Vec::new();
        for project in &course.course.projects {
            if field(&format!("project_{}", project.id)).is_empty() {
                continue;
            }
            let size = |name: &str, default: u32| -> Result<i64, WebError> {
                let text = field(&format!("{name}_{}", project.id));
                if text.is_empty() {
                    return Ok(i64::from(default));
                }
                text.parse::<i64>().map_err(|_| {
                    bad(format!(
                        "group size: {} needs whole numbers of students (like 2 and 4)",
                        project.title
                    ))
                })
            };
            chosen.push(RoundProject {
                project_id: project.id.clone(),
                group_min: size("min", project.group_min)?,
                group_max: size("max", project.group_max)?,
            });
        }
        let now = state.now();
        let day_end = |name: &str, what: &str| {
            views::parse_date(&field(name))
                .map(|day| day + DAY_MS - 1)
                .ok_or_else(|| bad(format!("{what}: choose a day")))
        };
        let closes_at = day_end("closes", "ranking deadline")?;
        let due_at = day_end("due", "due date")?;
        if closes_at < now {
            return Err(bad("ranking deadline: choose a day from today on"));
        }
        let round = state
            .store
            .create_round(
                &ownpace_storage::NewRound {
                    class_id: &class.id,
                    course_id: &class.course_id,
                    title: &title,
                    opened_by: &current.user.id,
                    opens_at: now,
                    closes_at,
                    due_at,
                    seed: now & 0x7FFF_FFFF,
                    projects: &chosen,
                },
                now,
            )
            .await?;
        Ok((
            format!("/rounds/{}", round.id),
            Flash::success(format!(
                "Opened {}: students can rank its {} projects until {}",
                round.title,
                chosen.len(),
                views::date(closes_at, now)
            )),
        ))
    }
    .await;
    match result {
        Ok((location, flash)) => flash::redirect(&state, &current, &location, flash).await,
        Err(error) => {
            let fields: Vec<(&str, &str)> = form
                .iter()
                .filter(|(k, _)| k != "_csrf")
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect();
            flash::finish(
                &state,
                &current,
                &format!("/classes/{}/rounds#open", class.id),
                Err(error),
                "open",
                fields,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
pub struct KeepApartForm {
    #[serde(default)]
    a: String,
    #[serde(default)]
    b: String,
    /// `remove` to let the pair share a group again.
    #[serde(default)]
    action: String,
}

pub async fn keep_apart(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Form(form): Form<KeepApartForm>,
) -> Result<Response, WebError> {
    let result = async {
        let (a, b) = (UserId::new(&form.a), UserId::new(&form.b));
        // Ids in a form body are checked like path ids.
        if !state.store.is_enrolled(&a, &class.id).await?
            || !state.store.is_enrolled(&b, &class.id).await?
        {
            return Err(bad("students: choose two students of this class"));
        }
        if form.action == "remove" {
            state.store.remove_keep_apart(&class.id, &a, &b).await?;
            return Ok(Flash::success("They may share a group again"));
        }
        state
            .store
            .set_keep_apart(&class.id, &a, &b, &current.user.id, state.now())
            .await?;
        Ok(Flash::success(
            "Kept apart: the next proposals never put them in one group",
        ))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &format!("/classes/{}/rounds#apart", class.id),
        result,
        "apart",
        [],
    )
    .await
}

// ---------------------------------------------------------------------------------------
// The teacher's round page

struct MemberRow {
    id: String,
    name: String,
    reason: String,
}

struct GroupRow {
    id: String,
    name: String,
    project: String,
    size: String,
    published: bool,
    submitted: bool,
    members: Vec<MemberRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "round_teacher.html")]
struct RoundPage {
    layout: Layout,
    flash: Flash,
    round_id: String,
    title: String,
    status: String,
    can_propose: bool,
    can_publish: bool,
    can_finish: bool,
    published: bool,
    dates: String,
    /// (name, ranking in words or "not ranked")
    rankings: Vec<(String, String)>,
    ranked: usize,
    groups: Vec<GroupRow>,
    /// (group id, group name) for the move forms.
    targets: Vec<(String, String)>,
    /// Students of the class in no group of the round (new, removed): (id, name).
    unplaced: Vec<(String, String)>,
}

pub async fn round_page(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        class,
    }: TeacherOfRound,
) -> Result<Response, WebError> {
    let page = format!("/rounds/{}", round.id);
    let flash = flash::take(&state, &current, &page).await?;
    let now = state.now();
    let course = state.course(&round.course_id).await?;
    let title_of = |id: &str| {
        course
            .as_ref()
            .map_or_else(|| id.to_string(), |c| project_title(&c.course, id))
    };
    let students = state.store.class_students(&class.id).await?;
    let rankings: HashMap<UserId, Vec<String>> =
        state.store.rankings(&round.id).await?.into_iter().collect();
    let mut groups = Vec::new();
    let mut placed = Vec::new();
    for group in state.store.groups_of_round(&round.id).await? {
        let members = state.store.group_members(&group.id).await?;
        placed.extend(members.iter().map(|m| m.student_id.clone()));
        let size = round
            .projects
            .iter()
            .find(|p| p.project_id == group.project_id)
            .map_or_else(String::new, |p| format!("{}–{}", p.group_min, p.group_max));
        groups.push(GroupRow {
            id: group.id.clone(),
            name: group.name.clone(),
            project: title_of(&group.project_id),
            size,
            published: group.published_at.is_some(),
            submitted: group.submitted_at.is_some(),
            members: members
                .into_iter()
                .map(|m| MemberRow {
                    id: m.student_id.to_string(),
                    name: m.display_name,
                    reason: m.reason,
                })
                .collect(),
        });
    }
    let ids: Vec<&UserId> = students.iter().map(|s| &s.id).collect();
    crate::audit::access(&state, &current, AuditAction::GroupsViewed, &ids, None).await?;
    let class_rounds = format!("/classes/{}/rounds", class.id);
    let layout = Layout::new(round.title.clone(), Some(&current), "/classes").with_crumbs([
        ("/classes", "My classes"),
        (class_rounds.as_str(), "Project rounds"),
    ]);
    Ok(RoundPage {
        layout,
        flash,
        round_id: round.id.clone(),
        title: round.title.clone(),
        status: status_words(&round, now),
        can_propose: matches!(round.status, RoundStatus::Ranking | RoundStatus::Proposed),
        can_publish: round.status == RoundStatus::Proposed && !groups.is_empty(),
        can_finish: round.status == RoundStatus::Published,
        published: matches!(round.status, RoundStatus::Published | RoundStatus::Finished),
        dates: format!(
            "Ranking until {}; work due {}",
            views::date(round.closes_at, now),
            views::date(round.due_at, now)
        ),
        ranked: students
            .iter()
            .filter(|s| rankings.contains_key(&s.id))
            .count(),
        rankings: students
            .iter()
            .map(|s| {
                let words = rankings.get(&s.id).map_or_else(
                    || "not ranked".to_string(),
                    |r| {
                        r.iter()
                            .enumerate()
                            .map(|(i, p)| format!("{}. {}", i + 1, title_of(p)))
                            .collect::<Vec<_>>()
                            .join(", ")
                    },
                );
                (s.display_name.clone(), words)
            })
            .collect(),
        targets: groups
            .iter()
            .filter(|g| !g.submitted)
            .map(|g| (g.id.clone(), g.name.clone()))
            .collect(),
        unplaced: students
            .iter()
            .filter(|s| !placed.contains(&s.id))
            .map(|s| (s.id.to_string(), s.display_name.clone()))
            .collect(),
        groups,
    }
    .into_response())
}

async fn course_of(
    state: &AppState,
    round: &Round,
) -> Result<ownpace_storage::CourseVersion, WebError> {
    state
        .course(&round.course_id)
        .await?
        .ok_or(WebError::NotFound)
}

pub async fn propose(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        ..
    }: TeacherOfRound,
) -> Result<Response, WebError> {
    let result = async {
        let course = course_of(&state, &round).await?;
        let proposal = projects::propose(&state, &round, &course.course).await?;
        let mut message = format!(
            "Proposed {} groups: check the reasons, move students if needed, then publish",
            proposal.groups.len()
        );
        for warning in &proposal.warnings {
            message.push(' ');
            message.push_str(warning);
        }
        Ok(Flash::success(message))
    }
    .await;
    let to = format!("/rounds/{}#groups", round.id);
    flash::finish(&state, &current, &to, result, "propose", []).await
}

#[derive(Deserialize)]
pub struct MoveForm {
    #[serde(default)]
    student: String,
    /// A group of the round, or `remove`.
    #[serde(default)]
    to: String,
}

pub async fn move_member(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        ..
    }: TeacherOfRound,
    Form(form): Form<MoveForm>,
) -> Result<Response, WebError> {
    let result = async {
        let student = projects::student_in_round(&state, &round, &form.student).await?;
        let now = state.now();
        let name = state
            .store
            .user(&student)
            .await?
            .map_or_else(String::new, |u: User| u.display_name);
        let detail;
        if form.to == "remove" {
            let group = state
                .store
                .group_of(&student, &round.id)
                .await?
                .ok_or_else(|| bad("student: they are in no group of this round"))?;
            state
                .store
                .remove_member(&group.id, &student, &current.user.id, now)
                .await?;
            detail = format!("removed from {}", group.name);
        } else {
            let group = projects::group_in_round(&state, &round, &form.to).await?;
            state
                .store
                .move_member(&student, &group.id, &current.user.id, "moved by hand", now)
                .await?;
            detail = format!("moved to {}", group.name);
        }
        crate::audit::access(
            &state,
            &current,
            AuditAction::GroupChanged,
            &[&student],
            Some(&detail),
        )
        .await?;
        Ok(Flash::success(format!("{name}: {detail}")))
    }
    .await;
    let to = format!("/rounds/{}#groups", round.id);
    flash::finish(&state, &current, &to, result, "move", []).await
}

pub async fn publish(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        ..
    }: TeacherOfRound,
) -> Result<Response, WebError> {
    let result = async {
        let course = course_of(&state, &round).await?;
        let notified = projects::publish(&state, &round, &course.course).await?;
        Ok(Flash::success(format!(
            "Published: {notified} students have a notice with a link to their group"
        )))
    }
    .await;
    let to = format!("/rounds/{}#groups", round.id);
    flash::finish(&state, &current, &to, result, "publish", []).await
}

pub async fn finish(
    State(state): State<AppState>,
    TeacherOfRound {
        teacher: current,
        round,
        ..
    }: TeacherOfRound,
) -> Result<Response, WebError> {
    let result = async {
        state.store.finish_round(&round.id, state.now()).await?;
        Ok(Flash::success("The round is finished"))
    }
    .await;
    let to = format!("/rounds/{}", round.id);
    flash::finish(&state, &current, &to, result, "finish", []).await
}

// ---------------------------------------------------------------------------------------
// The student's ranking

struct RankRow {
    id: String,
    title: String,
    href: String,
    size: String,
    skills: String,
    /// The student's interests the project matches (a hint).
    hint: String,
    /// The rank the student gave it (empty: none).
    rank: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "round_rank.html")]
struct RankPage {
    layout: Layout,
    flash: Flash,
    round_id: String,
    title: String,
    status: String,
    open: bool,
    projects: Vec<RankRow>,
    /// Rank choices 1..=n.
    places: Vec<String>,
    /// The student's group once published (empty: none).
    group_href: String,
    group_name: String,
}

pub async fn rank_page(
    State(state): State<AppState>,
    StudentOfRound {
        student: current,
        round,
    }: StudentOfRound,
) -> Result<Response, WebError> {
    let page = format!("/rounds/{}/rank", round.id);
    let flash = flash::take(&state, &current, &page).await?;
    let me = &current.user.id;
    let now = state.now();
    let course = course_of(&state, &round).await?;
    let mine = state.store.ranking(&round.id, me).await?;
    let interests = state.store.interests(me).await?;
    let skill_name = |id: &str| {
        course
            .course
            .skills
            .iter()
            .find(|s| s.id.as_str() == id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let projects = round
        .projects
        .iter()
        .map(|p| {
            let project = course.course.project(&p.project_id);
            let hint: Vec<String> = project
                .map(|pr| {
                    pr.interests
                        .iter()
                        .filter(|i| interests.iter().any(|mine| mine.eq_ignore_ascii_case(i)))
                        .cloned()
                        .collect()
                })
                .unwrap_or_default();
            RankRow {
                id: p.project_id.clone(),
                title: project_title(&course.course, &p.project_id),
                href: format!("/learn/{}/projects/{}", round.course_id, p.project_id),
                size: if p.group_min == p.group_max {
                    format!("groups of {}", p.group_min)
                } else {
                    format!("groups of {} to {}", p.group_min, p.group_max)
                },
                skills: project
                    .map(|pr| {
                        pr.skills
                            .iter()
                            .map(|s| skill_name(s))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .unwrap_or_default(),
                hint: if hint.is_empty() {
                    String::new()
                } else {
                    format!("matches your interests: {}", hint.join(", "))
                },
                rank: flash.value(
                    "rank",
                    &format!("rank_{}", p.project_id),
                    &mine
                        .iter()
                        .position(|m| *m == p.project_id)
                        .map_or_else(String::new, |i| (i + 1).to_string()),
                ),
            }
        })
        .collect::<Vec<_>>();
    let (group_href, group_name) = match state.store.group_of(me, &round.id).await? {
        Some(g) if g.published_at.is_some() => (format!("/groups/{}", g.id), g.name),
        _ => (String::new(), String::new()),
    };
    Ok(RankPage {
        layout: Layout::new(round.title.clone(), Some(&current), "/learn")
            .with_crumbs([("/learn", "My learning")]),
        flash,
        round_id: round.id.clone(),
        title: round.title.clone(),
        status: status_words(&round, now),
        open: round.ranking_open(now),
        places: (1..=projects.len()).map(|i| i.to_string()).collect(),
        projects,
        group_href,
        group_name,
    }
    .into_response())
}

/// The ranking form: `rank_<project id>` = 1, 2, … or empty for "not ranked".
pub async fn save_ranking(
    State(state): State<AppState>,
    StudentOfRound {
        student: current,
        round,
    }: StudentOfRound,
    Form(form): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let result = async {
        let mut ranked: Vec<(usize, String)> = Vec::new();
        for (key, value) in &form {
            let Some(project) = key.strip_prefix("rank_") else {
                continue;
            };
            if value.trim().is_empty() {
                continue;
            }
            let place: usize = value
                .trim()
                .parse()
                .map_err(|_| bad("ranking: choose a place (1, 2, …) for each project you want"))?;
            if ranked.iter().any(|(p, _)| *p == place) {
                return Err(bad(
                    "ranking: two projects have the same place; give each project its own",
                ));
            }
            ranked.push((place, project.to_string()));
        }
        ranked.sort();
        let ids: Vec<String> = ranked.into_iter().map(|(_, p)| p).collect();
        state
            .store
            .set_ranking(&round.id, &current.user.id, &ids, state.now())
            .await?;
        Ok(Flash::success(if ids.is_empty() {
            "Saved: you have not ranked any project, so you will be placed where there is room"
                .to_string()
        } else {
            format!(
                "Saved your ranking; you can change it until {}",
                views::date(round.closes_at, state.now())
            )
        }))
    }
    .await;
    let fields: Vec<(&str, &str)> = form
        .iter()
        .filter(|(k, _)| k.starts_with("rank_"))
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let to = format!("/rounds/{}/rank", round.id);
    flash::finish(&state, &current, &to, result, "rank", fields).await
}

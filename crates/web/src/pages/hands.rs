//! Learning together, the teacher's side of the day (issue 9): a student raises a hand
//! about a skill or an item, and the teacher's home ranks who needs them today, with a
//! stated reason each (raised a hand, stuck, behind a goal, check-in due, inactive, not
//! started yet).
//!
//! The ranking rule is the core's (`ownpace_core::needs`); this module gathers the facts
//! per class and carries the hand's three forms (raise, lower, answer or clear).

use crate::auth::CurrentUser;
use crate::auth::guard::{CourseInPath, Student, TeacherOfClass};
use crate::flash::{self, Flash};
use crate::routing::{Access, Route, STUDENT, Subject, TEACHER, post};
use crate::views::{self, ago};
use crate::{AppState, WebError};
use axum::extract::{Form, Path, State};
use axum::response::Response;
use ownpace_core::ids::{SkillId, UserId};
use ownpace_core::needs::{self, Need, StudentNeeds};
use ownpace_storage::{Class, CourseVersion, HelpRequest};
use serde::Deserialize;
use std::collections::HashMap;

pub(crate) fn routes() -> Vec<Route> {
    let of_course = Access::Roles(STUDENT, Subject::Course("course"));
    let of_class = Access::Roles(TEACHER, Subject::Class("class"));
    vec![
        post("/learn/{course}/hand", of_course, raise_hand),
        post("/learn/{course}/hand/lower", of_course, lower_hand),
        post("/classes/{class}/hands/{hand}/close", of_class, close_hand),
    ]
}

/// How long a teacher's reply stays on the student's course page.
const REPLY_SHOWN_MS: i64 = 14 * 86_400_000;

/// What a hand is about, in words: the skill's name, or "a question on <skill>".
fn about(course: &CourseVersion, hand: &HelpRequest) -> String {
    let skill_name = |id: &str| {
        course
            .course
            .skill(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    match (&hand.item_id, &hand.skill_id) {
        (Some(item), _) => match course.course.item(item.as_str()) {
            Some(found) => format!(
                "a question on {}",
                found
                    .skills
                    .first()
                    .map_or_else(|| "this course".to_string(), |s| skill_name(s))
            ),
            None => "a question".to_string(),
        },
        (None, Some(skill)) => skill_name(skill.as_str()),
        (None, None) => "this course".to_string(),
    }
}

// ---------------------------------------------------------------------------------------
// The student's side

/// The hand as the student's course page shows it.
pub struct HandView {
    /// Open: what it is about and since when ("Adding fractions, since 10:32 today").
    pub open: Option<String>,
    /// Replies from the last two weeks: (teacher, about, reply, when).
    pub replies: Vec<(String, String, String, String)>,
    /// The skills a hand can be about (id, name).
    pub skills: Vec<(String, String)>,
}

pub(crate) async fn hand_view(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
) -> Result<HandView, WebError> {
    let now = state.now();
    let open = state
        .store
        .open_hand(student_id)
        .await?
        .filter(|h| h.course_id == course.course.id)
        .map(|h| format!("{}, since {}", about(course, &h), ago(now, h.raised_at)));
    let mut replies = Vec::new();
    for hand in state
        .store
        .answered_hands(student_id, &course.course.id, now - REPLY_SHOWN_MS)
        .await?
    {
        let (Some(by), Some(at)) = (&hand.closed_by, hand.closed_at) else {
            continue;
        };
        if by == student_id || hand.reply.is_empty() {
            continue;
        }
        let teacher = state
            .store
            .user(by)
            .await?
            .map_or_else(|| "Your teacher".to_string(), |u| u.display_name);
        replies.push((
            teacher,
            about(course, &hand),
            hand.reply.clone(),
            ago(now, at),
        ));
    }
    Ok(HandView {
        open,
        replies,
        skills: course
            .course
            .skills
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
    })
}

#[derive(Deserialize)]
pub struct RaiseForm {
    /// A skill id, or empty for the course as a whole.
    #[serde(default)]
    skill: String,
    /// The item on screen, when raised from a question.
    #[serde(default)]
    item: String,
}

pub async fn raise_hand(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
    Form(form): Form<RaiseForm>,
) -> Result<Response, WebError> {
    let location = format!("/learn/{}#help", course.course.id);
    let result = async {
        let skill = match form.skill.trim() {
            "" => None,
            id => Some(
                course
                    .course
                    .skill(id)
                    .map(|s| SkillId::new(s.id.as_str()))
                    .ok_or_else(|| {
                        WebError::BadRequest("skill: choose a skill of this course".into())
                    })?,
            ),
        };
        let item = match form.item.trim() {
            "" => None,
            id => Some(
                course
                    .course
                    .item(id)
                    .map(|i| i.id.clone())
                    .ok_or_else(|| {
                        WebError::BadRequest("item: that question is not in this course".into())
                    })?,
            ),
        };
        let hand = state
            .store
            .raise_hand(
                &current.user.id,
                &course.course.id,
                skill.as_ref(),
                item.as_ref(),
                state.now(),
            )
            .await?;
        Ok(Flash::success(format!(
            "Your hand is up: your teacher sees that you would like help with {}",
            about(&course, &hand)
        )))
    }
    .await;
    flash::finish(
        &state,
        &current,
        &location,
        result,
        "hand",
        [("skill", form.skill.as_str())],
    )
    .await
}

pub async fn lower_hand(
    State(state): State<AppState>,
    Student(current): Student,
    CourseInPath(course): CourseInPath,
) -> Result<Response, WebError> {
    let location = format!("/learn/{}#help", course.course.id);
    let flash = match state.store.open_hand(&current.user.id).await? {
        // The one open hand is about another course: lowering it is done there, so a
        // form left open on this course's page cannot take down a newer question.
        Some(hand) if hand.course_id != course.course.id => {
            Flash::error("Your raised hand is about another course; lower it on that course's page")
        }
        Some(hand) => {
            state
                .store
                .close_hand(
                    &current.user.id,
                    &hand.id,
                    &current.user.id,
                    "",
                    state.now(),
                )
                .await?;
            Flash::success("Your hand is down")
        }
        None => Flash::success("Your hand was already down"),
    };
    flash::redirect(&state, &current, &location, flash).await
}

// ---------------------------------------------------------------------------------------
// The teacher's side

#[derive(Deserialize)]
pub struct CloseForm {
    /// A short answer the student reads; empty clears the hand without one.
    #[serde(default)]
    reply: String,
}

/// A teacher answers a raised hand of a student in this class (with a reply) or clears it.
pub async fn close_hand(
    State(state): State<AppState>,
    TeacherOfClass {
        teacher: current,
        class,
    }: TeacherOfClass,
    Path((_, hand_id)): Path<(String, String)>,
    Form(form): Form<CloseForm>,
) -> Result<Response, WebError> {
    let hands = state.store.open_hands_in_class(&class.id).await?;
    let Some(hand) = hands.into_iter().find(|h| h.id == hand_id) else {
        let gone = Flash::success("That hand was already answered or lowered");
        return flash::redirect(&state, &current, "/classes#needs", gone).await;
    };
    let now = state.now();
    let result = async {
        state
            .store
            .close_hand(
                &hand.student_id,
                &hand.id,
                &current.user.id,
                &form.reply,
                now,
            )
            .await?;
        state
            .store
            .audit(
                &current.user.id,
                "answered a raised hand",
                Some(&hand.student_id),
                now,
            )
            .await?;
        if !form.reply.trim().is_empty() {
            super::notices::hand_answered(
                &state,
                &hand.student_id,
                &current.user.display_name,
                &format!("/learn/{}#help", hand.course_id),
            )
            .await?;
        }
        let name = state
            .store
            .user(&hand.student_id)
            .await?
            .map(|u| u.display_name)
            .unwrap_or_default();
        Ok(Flash::success(if form.reply.trim().is_empty() {
            format!("Cleared {name}'s raised hand")
        } else {
            format!("Answered {name}: they see your reply on their course page")
        }))
    }
    .await;
    let form_name = format!("hand-{}", hand.id);
    flash::finish(
        &state,
        &current,
        "/classes#needs",
        result,
        &form_name,
        [("reply", form.reply.as_str())],
    )
    .await
}

/// One student on the teacher's "who needs me today" list.
pub struct NeedRow {
    pub student_id: String,
    pub name: String,
    pub class_id: String,
    pub class_name: String,
    /// The most urgent reason's label (a badge).
    pub first: &'static str,
    /// Every reason in words, most urgent first.
    pub reasons: Vec<String>,
    /// An open hand the teacher can answer here: its id.
    pub hand_id: String,
}

/// A student of one of the teacher's classes, as the list names them.
struct Who {
    student_id: String,
    name: String,
    class_id: String,
    class_name: String,
    hand_id: String,
}

/// Every student of the teacher's classes who needs them, most urgent first.
pub(crate) async fn needs_today(
    state: &AppState,
    teacher: &CurrentUser,
    classes: &[Class],
) -> Result<Vec<NeedRow>, WebError> {
    let now = state.now();
    let mut everyone: Vec<StudentNeeds<Who>> = Vec::new();
    for class in classes {
        let Some(course) = state.course(&class.course_id).await? else {
            continue;
        };
        let students = state.store.class_students(&class.id).await?;
        let hands: HashMap<UserId, HelpRequest> = state
            .store
            .open_hands_in_class(&class.id)
            .await?
            .into_iter()
            .map(|h| (h.student_id.clone(), h))
            .collect();
        let mastery = state.store.class_mastery(&class.id).await?;
        let (_, due) = crate::checkins::class_due(state, class).await?;
        let here = state.store.class_last_activity(&class.id).await?;
        let anywhere = state.store.class_last_activity_anywhere(&class.id).await?;
        let joined: HashMap<UserId, i64> = state
            .store
            .class_enrolments(&class.id)
            .await?
            .into_iter()
            .filter(|e| e.left_at.is_none())
            .map(|e| (e.student.id, e.joined_at))
            .collect();
        for student in &students {
            let mut list = Vec::new();
            if let Some(hand) = hands.get(&student.id) {
                list.push(Need::RaisedHand {
                    about: about(&course, hand),
                    since: hand.raised_at,
                });
            }
            for row in mastery.iter().filter(|r| r.student_id == student.id) {
                if let Some(reason) = row.progress.stuck() {
                    let skill = course
                        .course
                        .skill(row.skill_id.as_str())
                        .map_or_else(|| row.skill_id.to_string(), |s| s.name.clone());
                    list.push(Need::Stuck {
                        skill,
                        reason: reason.describe(),
                        since: row.progress.last_at,
                    });
                }
            }
            list.extend(goals_behind(state, &student.id, &course).await?);
            if let Some(row) = due.iter().find(|r| r.student_id == student.id)
                && let Some(since) = row.due_since
            {
                list.push(Need::CheckinDue {
                    since,
                    last: row.last_at,
                });
            }
            match (
                here.get(student.id.as_str()),
                anywhere.get(student.id.as_str()),
            ) {
                (None, _) => list.push(Need::NotStarted {
                    since: joined.get(&student.id).copied().unwrap_or(now),
                }),
                (Some(_), Some(&at))
                    if ownpace_core::practice::is_inactive(
                        Some(at),
                        now,
                        state.config.inactive_days,
                    ) =>
                {
                    list.push(Need::Inactive { since: at })
                }
                _ => {}
            }
            everyone.push(StudentNeeds {
                student: Who {
                    student_id: student.id.to_string(),
                    name: student.display_name.clone(),
                    class_id: class.id.to_string(),
                    class_name: class.name.clone(),
                    hand_id: hands
                        .get(&student.id)
                        .map(|h| h.id.clone())
                        .unwrap_or_default(),
                },
                needs: list,
            });
        }
        let ids: Vec<&UserId> = students.iter().map(|s| &s.id).collect();
        state
            .store
            .audit_many(&teacher.user.id, "viewed who needs help today", &ids, now)
            .await?;
    }
    Ok(needs::rank(everyone)
        .into_iter()
        .map(|s| NeedRow {
            first: s.needs[0].label(),
            reasons: s.needs.iter().map(|n| reason_text(n, now)).collect(),
            student_id: s.student.student_id,
            name: s.student.name,
            class_id: s.student.class_id,
            class_name: s.student.class_name,
            hand_id: s.student.hand_id,
        })
        .collect())
}

/// A reason in words, with its date.
fn reason_text(need: &Need, now: i64) -> String {
    match need {
        Need::RaisedHand { about, since } => {
            format!("raised a hand about {about} {}", ago(now, *since))
        }
        Need::Stuck {
            skill,
            reason,
            since,
        } => format!(
            "stuck on {skill}: {reason} (last answer {})",
            views::date(*since, now)
        ),
        Need::BehindGoal {
            goal,
            due,
            forecast,
        } => format!(
            "behind the goal {goal} (due {}): {forecast}",
            views::date(*due, now)
        ),
        Need::CheckinDue { since, last } => format!(
            "check-in due since {} (last one: {})",
            views::date(*since, now),
            last.map_or_else(|| "never".to_string(), |at| views::date(at, now))
        ),
        Need::Inactive { since } => format!(
            "inactive: last active {} ({})",
            ago(now, *since),
            views::date(*since, now)
        ),
        Need::NotStarted { since } => format!(
            "not started yet: in the class since {}",
            views::date(*since, now)
        ),
    }
}

/// The student's agreed or proposed goals whose forecast says late.
async fn goals_behind(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
) -> Result<Vec<Need>, WebError> {
    if state
        .store
        .open_goals(student_id, &course.course.id)
        .await?
        .iter()
        .all(|g| g.achieved_at.is_some())
    {
        return Ok(Vec::new());
    }
    let path = crate::path::student_path(state, student_id, course).await?;
    let views = crate::path::goal_views(course, &path, &HashMap::new(), state.now());
    Ok(path
        .goals
        .iter()
        .zip(views)
        .filter(|(_, view)| !view.on_time)
        .map(|(goal, view)| Need::BehindGoal {
            goal: view.title,
            due: goal.target_at,
            forecast: view.forecast,
        })
        .collect())
}

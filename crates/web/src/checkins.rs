//! Check-ins (issue 9, point 2), what the pages and the API share: the student's data
//! beside the prompts and the agenda (pace against goals, skills stuck, reviews due, time on
//! screen this week), who is due under the class's rhythm, and a held check-in in words
//! for each audience (the student and their teacher see it all; a guardian only the notes
//! the teacher marked shared).

use crate::path::GoalView;
use crate::views;
use crate::{AppState, WebError};
use ownpace_core::checkins;
use ownpace_core::ids::UserId;
use ownpace_storage::{ActionKind, Checkin, Class, CourseVersion, Rhythm};
use std::collections::HashMap;

/// The student's data beside the prompts (and on the teacher's agenda).
pub struct CheckinData {
    /// Open goals not declined, with their pace forecast.
    pub goals: Vec<GoalView>,
    /// "Adding fractions: 3 wrong answers in a row".
    pub stuck: Vec<String>,
    /// Names of mastered skills whose review is due.
    pub reviews_due: Vec<String>,
    /// Time on screen this week (the school's week), in words.
    pub week: String,
}

pub async fn data(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
) -> Result<CheckinData, WebError> {
    let path = crate::path::student_path(state, student_id, course).await?;
    let people = crate::path::goal_people(state, &path.goals, None).await?;
    let goals = crate::path::goal_views(course, &path, &people, state.now())
        .into_iter()
        .filter(|g| g.agreement != "declined")
        .collect();
    let name = |id: &str| {
        course
            .course
            .skill(id)
            .map_or_else(|| id.to_string(), |s| s.name.clone())
    };
    let mut stuck: Vec<String> = path
        .stuck
        .iter()
        .map(|(skill, reason)| format!("{}: {}", name(skill), reason.describe()))
        .collect();
    stuck.sort();
    let mut reviews_due: Vec<String> = path
        .statuses
        .iter()
        .filter(|(_, s)| s.review_due)
        .map(|(id, _)| name(id))
        .collect();
    reviews_due.sort();
    let standing = crate::screen::standing(state, student_id).await?;
    Ok(CheckinData {
        goals,
        stuck,
        reviews_due,
        week: ownpace_core::screen_time::minutes_phrase(standing.usage.week_ms),
    })
}

/// One student of a class and their check-in standing.
pub struct DueRow {
    pub student_id: UserId,
    pub name: String,
    pub last_at: Option<i64>,
    /// When the check-in became due (start of that school day); `None`: not due.
    pub due_since: Option<i64>,
}

impl DueRow {
    pub fn last_words(&self, now: i64) -> String {
        self.last_at
            .map_or_else(|| "never".to_string(), |at| views::date(at, now))
    }
}

/// The class's rhythm and each current student's standing, due first (longest due first).
pub async fn class_due(
    state: &AppState,
    class: &Class,
) -> Result<(Option<Rhythm>, Vec<DueRow>), WebError> {
    let rhythm = state.store.checkin_rhythm(&class.id).await?;
    let last = state.store.last_checkins_in_class(&class.id).await?;
    let joined: HashMap<UserId, i64> = state
        .store
        .class_enrolments(&class.id)
        .await?
        .into_iter()
        .filter(|e| e.left_at.is_none())
        .map(|e| (e.student.id, e.joined_at))
        .collect();
    let now = state.now();
    let mut rows: Vec<DueRow> = state
        .store
        .class_students(&class.id)
        .await?
        .into_iter()
        .map(|s| {
            let last_at = last.get(&s.id).copied();
            let due_since = rhythm.as_ref().and_then(|r| {
                let since = joined.get(&s.id).copied().unwrap_or(now).max(r.set_at);
                checkins::due_since(&state.config.timezone, r.every_days, last_at, since, now)
            });
            DueRow {
                student_id: s.id,
                name: s.display_name,
                last_at,
                due_since,
            }
        })
        .collect();
    rows.sort_by(|a, b| {
        (a.due_since.is_none(), a.due_since, &a.name).cmp(&(
            b.due_since.is_none(),
            b.due_since,
            &b.name,
        ))
    });
    Ok((rhythm, rows))
}

/// An agreed action as pages show it.
pub struct ActionView {
    pub id: String,
    pub text: String,
    pub kind: &'static str,
    /// What it asks for in words ("a goal on Adding fractions by 12 December").
    pub detail: String,
    /// What it became, or empty while not made yet.
    pub made: String,
    /// The button that makes it ("Make it a goal").
    pub button: &'static str,
}

/// A held check-in as pages show it.
pub struct CheckinView {
    pub id: String,
    pub when: String,
    pub teacher: String,
    pub class_name: String,
    pub went_well: String,
    pub was_hard: String,
    pub next_step: String,
    /// (text, shared with the guardian)
    pub notes: Vec<(String, bool)>,
    pub actions: Vec<ActionView>,
}

/// Who an action's kind is shown as, and its button.
pub fn kind_words(kind: ActionKind) -> (&'static str, &'static str) {
    match kind {
        ActionKind::Goal => ("goal", "Make it a goal"),
        ActionKind::Pin => ("pin", "Pin it first"),
        ActionKind::Assignment => ("assignment", "Make it an assignment"),
    }
}

/// The student's check-ins in words, newest first; `shared_only` for a guardian: only the
/// notes marked shared, no prepared answers or actions, and only check-ins with such a note.
pub async fn history(
    state: &AppState,
    held: Vec<Checkin>,
    shared_only: bool,
) -> Result<Vec<CheckinView>, WebError> {
    let now = state.now();
    let mut names: HashMap<UserId, String> = HashMap::new();
    let mut classes: HashMap<String, (String, Option<CourseVersion>)> = HashMap::new();
    let mut out = Vec::new();
    for c in held {
        if shared_only && !c.has_shared_note() {
            continue;
        }
        if !names.contains_key(&c.teacher_id) {
            let name = state
                .store
                .user(&c.teacher_id)
                .await?
                .map_or_else(|| "a former teacher".to_string(), |u| u.display_name);
            names.insert(c.teacher_id.clone(), name);
        }
        if !classes.contains_key(c.class_id.as_str()) {
            let class = state.store.class(&c.class_id).await?;
            let course = match &class {
                Some(class) => state.course(&class.course_id).await?,
                None => None,
            };
            classes.insert(
                c.class_id.to_string(),
                (class.map(|k| k.name).unwrap_or_default(), course),
            );
        }
        let (class_name, course) = &classes[c.class_id.as_str()];
        let skill_name = |id: &str| {
            course
                .as_ref()
                .and_then(|k| k.course.skill(id).map(|s| s.name.clone()))
                .unwrap_or_else(|| id.to_string())
        };
        let actions = if shared_only {
            Vec::new()
        } else {
            c.actions
                .iter()
                .map(|a| {
                    let (kind, button) = kind_words(a.kind);
                    let on = a
                        .skill_id
                        .as_ref()
                        .map(|s| format!(" on {}", skill_name(s.as_str())))
                        .unwrap_or_default();
                    let by = a
                        .due_at
                        .map(|d| format!(" by {}", views::date(d, now)))
                        .unwrap_or_default();
                    ActionView {
                        id: a.id.clone(),
                        text: a.text.clone(),
                        kind,
                        detail: format!("{kind}{on}{by}"),
                        made: a
                            .made_at
                            .map(|at| format!("made a {kind} {}", views::date(at, now)))
                            .unwrap_or_default(),
                        button,
                    }
                })
                .collect()
        };
        let (went_well, was_hard, next_step) = if shared_only {
            Default::default()
        } else {
            (c.prep.went_well, c.prep.was_hard, c.prep.next_step)
        };
        out.push(CheckinView {
            when: views::date(c.held_at, now),
            teacher: names[&c.teacher_id].clone(),
            class_name: class_name.clone(),
            notes: c
                .notes
                .into_iter()
                .filter(|n| !shared_only || n.shared)
                .map(|n| (n.text, n.shared))
                .collect(),
            actions,
            went_well,
            was_hard,
            next_step,
            id: c.id,
        });
    }
    Ok(out)
}

/// The rhythm in words, or that the class has none.
pub fn rhythm_words(rhythm: Option<&Rhythm>) -> String {
    rhythm.map_or_else(
        || "no rhythm set".to_string(),
        |r| checkins::rhythm_words(r.every_days),
    )
}

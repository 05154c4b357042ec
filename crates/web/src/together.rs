//! Working together in the web (issue 10, points 6 and 7): gathers what the solo/group
//! balance counts (`ownpace_core::balance`) from storage, decides whether a student's next
//! steps offer group work, and finds possible helpers for a stuck student.
//!
//! Time alone at a screen is the measured screen time. Time with others is: hands-on and
//! group lessons marked done (their minutes in the course), check-ins held and group
//! project work (each [`balance::ACTIVITY_MINUTES`]), and time recorded on the form.

use crate::{AppState, WebError};
use ownpace_core::balance::{self, ACTIVITY_MINUTES, Balance, Together, TogetherKind};
use ownpace_core::ids::{ClassId, CourseId, UserId};
use ownpace_core::screen_time::{self, RETURN_CAP_MS};
use ownpace_storage::{EVERY_SKILL, HelperOffer, MasteryRow};
use std::collections::HashMap;

const DAY_MS: i64 = 86_400_000;

/// Where the balance's period starts: the Monday of last week (minus the screen-time
/// measurement's reach back for a stretch across the boundary).
fn period_start(state: &AppState, now: i64) -> i64 {
    let zone = &state.config.timezone;
    screen_time::week_start(zone, now - 7 * DAY_MS) - RETURN_CAP_MS
}

/// The student's time with others since `since`.
pub async fn together_since(
    state: &AppState,
    student_id: &UserId,
    since: i64,
) -> Result<Vec<Together>, WebError> {
    let mut out = Vec::new();
    for entry in state.store.together_entries(student_id, since).await? {
        out.push(Together {
            at: entry.occurred_at,
            minutes: entry.minutes,
            kind: TogetherKind::Recorded,
        });
    }
    let mut courses: HashMap<CourseId, Option<ownpace_storage::CourseVersion>> = HashMap::new();
    for (course_id, lesson, at) in state.store.offline_lessons_since(student_id, since).await? {
        if !courses.contains_key(&course_id) {
            let course = state.course(&course_id).await?;
            courses.insert(course_id.clone(), course);
        }
        let minutes = courses
            .get(&course_id)
            .and_then(Option::as_ref)
            .and_then(|c| c.course.lesson(&lesson).map(|l| l.minutes))
            .unwrap_or(ACTIVITY_MINUTES);
        out.push(Together {
            at,
            minutes,
            kind: TogetherKind::OfflineLesson,
        });
    }
    for at in state.store.project_work_since(student_id, since).await? {
        out.push(Together {
            at,
            minutes: ACTIVITY_MINUTES,
            kind: TogetherKind::ProjectWork,
        });
    }
    for at in state.store.checkins_held_since(student_id, since).await? {
        out.push(Together {
            at,
            minutes: ACTIVITY_MINUTES,
            kind: TogetherKind::CheckIn,
        });
    }
    Ok(out)
}

/// The student's balance over the last two school weeks, and per week.
pub async fn student_balance(
    state: &AppState,
    student_id: &UserId,
) -> Result<(Balance, Vec<balance::WeekBalance>), WebError> {
    let now = state.now();
    let since = period_start(state, now);
    let stamps = state.store.screen_stamps(student_id, since).await?;
    let together = together_since(state, student_id, since).await?;
    let zone = &state.config.timezone;
    Ok((
        balance::recent(zone, &stamps, &together, now),
        balance::weeks(zone, &stamps, &together, now, balance::PERIOD_WEEKS),
    ))
}

/// The threshold that applies to a student in a course: the lowest set by a class of
/// theirs that follows the course (the default when none).
async fn threshold_for(
    state: &AppState,
    student_id: &UserId,
    course_id: &CourseId,
) -> Result<u8, WebError> {
    let mut lowest = balance::DEFAULT_THRESHOLD_PERCENT;
    for class in state.store.classes_of_student(student_id).await? {
        if &class.course_id == course_id {
            lowest = lowest.min(state.store.balance_threshold(&class.id).await?);
        }
    }
    Ok(lowest)
}

/// Whether the student's next steps in the course should offer group work: their share
/// alone at a screen in percent when it is above the threshold, else `None`.
pub async fn group_work_ask(
    state: &AppState,
    student_id: &UserId,
    course_id: &CourseId,
) -> Result<Option<u8>, WebError> {
    let threshold = threshold_for(state, student_id, course_id).await?;
    let (recent, _) = student_balance(state, student_id).await?;
    Ok(recent
        .asks_for_group_work(threshold)
        .then(|| recent.alone_percent())
        .flatten())
}

/// One row of the teacher's balance column.
pub struct BalanceRow {
    pub student_id: String,
    pub name: String,
    /// "85%" or "–" with no activity.
    pub alone: String,
    pub together: String,
    /// Above the class's threshold: group work is offered.
    pub asks: bool,
}

/// The balance column of a class: one row per student, in the roster's order.
pub async fn class_balance(
    state: &AppState,
    class_id: &ClassId,
    students: &[ownpace_storage::User],
) -> Result<(u8, Vec<BalanceRow>), WebError> {
    let threshold = state.store.balance_threshold(class_id).await?;
    let mut rows = Vec::new();
    for s in students {
        let (recent, _) = student_balance(state, &s.id).await?;
        rows.push(BalanceRow {
            student_id: s.id.to_string(),
            name: s.display_name.clone(),
            alone: recent
                .alone_percent()
                .map_or_else(|| "–".to_string(), |p| format!("{p}%")),
            together: screen_time::minutes_phrase(recent.together_ms),
            asks: recent.asks_for_group_work(threshold),
        });
    }
    Ok((threshold, rows))
}

/// A stuck student, the skill, and the classmates who could help with it.
pub struct HelpChoice {
    pub student_id: String,
    pub name: String,
    pub skill_id: String,
    pub skill_name: String,
    /// (id, name) of helpers who offered help on the skill and mastered it.
    pub helpers: Vec<(String, String)>,
}

/// Whether `offers` include help on `skill`.
fn offers_skill(offers: &[&HelperOffer], skill: &str) -> bool {
    offers
        .iter()
        .any(|o| o.skill_id == skill || o.skill_id == EVERY_SKILL)
}

/// For every stuck student and skill of the class: the possible helpers (never the
/// student themself; only those who offered help on it and mastered it). Shown to the
/// teacher only.
pub async fn help_choices(
    state: &AppState,
    class_id: &ClassId,
    course: &ownpace_core::course::Course,
    students: &[ownpace_storage::User],
    mastery: &[MasteryRow],
) -> Result<Vec<HelpChoice>, WebError> {
    let offers = state.store.class_helper_offers(class_id).await?;
    let mut by_helper: HashMap<&str, Vec<&HelperOffer>> = HashMap::new();
    for o in &offers {
        by_helper.entry(o.student_id.as_str()).or_default().push(o);
    }
    let names: HashMap<&str, &str> = students
        .iter()
        .map(|s| (s.id.as_str(), s.display_name.as_str()))
        .collect();
    let mastered = |student: &str, skill: &str| {
        mastery.iter().any(|r| {
            r.student_id.as_str() == student
                && r.skill_id.as_str() == skill
                && r.progress.is_mastered()
        })
    };
    let mut out = Vec::new();
    for row in mastery {
        if row.progress.stuck().is_none() {
            continue;
        }
        let Some(name) = names.get(row.student_id.as_str()) else {
            continue;
        };
        let skill = row.skill_id.as_str();
        let mut helpers: Vec<(String, String)> = by_helper
            .iter()
            .filter(|(helper, offers)| {
                *helper != &row.student_id.as_str()
                    && offers_skill(offers, skill)
                    && mastered(helper, skill)
            })
            .filter_map(|(helper, _)| {
                names
                    .get(helper)
                    .map(|n| ((*helper).to_string(), (*n).to_string()))
            })
            .collect();
        helpers.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));
        out.push(HelpChoice {
            student_id: row.student_id.to_string(),
            name: (*name).to_string(),
            skill_id: skill.to_string(),
            skill_name: course
                .skill(skill)
                .map_or_else(|| skill.to_string(), |s| s.name.clone()),
            helpers,
        });
    }
    out.sort_by(|a, b| a.name.cmp(&b.name).then(a.skill_name.cmp(&b.skill_name)));
    Ok(out)
}

/// Whether `helper` may be paired on `skill` in the class: enrolled, offered help on it
/// and mastered it.
pub async fn may_help(
    state: &AppState,
    class_id: &ClassId,
    helper: &UserId,
    skill: &str,
) -> Result<bool, WebError> {
    if !state.store.is_enrolled(helper, class_id).await? {
        return Ok(false);
    }
    let offers = state.store.helper_offers(helper, class_id).await?;
    if !offers.iter().any(|o| o == skill || o == EVERY_SKILL) {
        return Ok(false);
    }
    let Some(class) = state.store.class(class_id).await? else {
        return Ok(false);
    };
    Ok(state
        .store
        .student_mastery(helper, &class.course_id)
        .await?
        .iter()
        .any(|r| r.skill_id.as_str() == skill && r.progress.is_mastered()))
}

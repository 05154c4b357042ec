//! Goals and the forecast of whether they will be met (SPEC C7).
//!
//! A student and their teacher set a goal together: some skills (or a project's skills)
//! by a target date. The plan is only useful if it is honest, so the forecast uses the
//! student's own pace (minutes of practice per mastered skill, active minutes per day),
//! shrunk toward modest priors while there is little history, and says in plain words
//! whether the goal will be met and, if not, how much more a day would get there.
//!
//! The forecast uses the same evidence as the rest of the product: a goal that needs a
//! skill the student is stuck on ([`crate::progress::SkillProgress::stuck`]) is never
//! "on track", a goal without an answer on its skills for [`NO_PROGRESS_DAYS`] says so,
//! and a goal once achieved stays achieved with its date ([`achieved_at`]): later
//! forgetting shows as a review due on the skill, not as a re-opened goal.

use crate::course::Course;
use crate::progress::StuckReason;
use crate::recommend::dates::{self, DAY_MS};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// Minutes of practice a skill takes before we know anything about the student.
pub const PRIOR_MINUTES_PER_SKILL: f64 = 30.0;
/// How many mastered skills the prior counts for.
pub const PRIOR_WEIGHT_SKILLS: f64 = 2.0;
/// Active minutes a day before we know anything about the student.
pub const PRIOR_MINUTES_PER_DAY: f64 = 20.0;
/// How many days the prior counts for.
pub const PRIOR_WEIGHT_DAYS: f64 = 7.0;
/// Active minutes per day are measured over at most this many recent days.
pub const PACE_WINDOW_DAYS: i64 = 28;
/// One answer counts for at most this long: a long gap is a break, not practice.
pub const MAX_EVENT_MS: i64 = 10 * 60_000;
/// A skill already started still needs at least this share of a full skill's time.
pub const MIN_REMAINING_SHARE: f64 = 0.25;
/// A goal whose remaining skills got no answer for this many days says "no progress".
pub const NO_PROGRESS_DAYS: i64 = 7;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Goal {
    /// Shown to the student; when empty, the project's title or the first skill's name.
    pub name: String,
    pub target: GoalTarget,
    /// Target date, ms since the epoch.
    pub due: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum GoalTarget {
    Skills(Vec<String>),
    /// The project's skills.
    Project(String),
}

impl Goal {
    pub fn display_name(&self, course: &Course) -> String {
        if !self.name.trim().is_empty() {
            return self.name.trim().to_string();
        }
        match &self.target {
            GoalTarget::Project(id) => course
                .project(id)
                .map_or_else(|| id.clone(), |p| p.title.clone()),
            GoalTarget::Skills(ids) => ids.first().map_or_else(String::new, |id| {
                course
                    .skill(id)
                    .map_or_else(|| id.clone(), |s| s.name.clone())
            }),
        }
    }

    /// The skills the goal names directly (prerequisites not included).
    pub fn skill_ids<'a>(&'a self, course: &'a Course) -> Vec<&'a str> {
        match &self.target {
            GoalTarget::Skills(ids) => ids.iter().map(String::as_str).collect(),
            GoalTarget::Project(id) => course
                .project(id)
                .map(|p| p.skills.iter().map(String::as_str).collect())
                .unwrap_or_default(),
        }
    }
}

/// One answer, as summarised by the caller from the event log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PracticeEvent {
    /// ms since the epoch.
    pub at: i64,
    /// Time spent on the answer; for an item with several skills, give each skill its share.
    pub duration_ms: i64,
    pub skill: String,
    pub correct: bool,
}

/// How fast a student goes.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pace {
    pub minutes_per_skill: f64,
    pub minutes_per_day: f64,
}

fn minutes(e: &PracticeEvent) -> f64 {
    e.duration_ms.clamp(0, MAX_EVENT_MS) as f64 / 60_000.0
}

/// The student's pace from their history. `mastered_at` holds the skills mastered now and
/// when they became mastered.
///
/// Minutes per skill average the practice time before mastery over mastered skills that
/// were practised at all (a skill placed as mastered says nothing about pace), with
/// [`PRIOR_MINUTES_PER_SKILL`] counted as [`PRIOR_WEIGHT_SKILLS`] skills. Minutes per day
/// average the last [`PACE_WINDOW_DAYS`] days (fewer for a new student, counting from
/// their first answer) with [`PRIOR_MINUTES_PER_DAY`] counted as [`PRIOR_WEIGHT_DAYS`] days.
pub fn pace(events: &[PracticeEvent], mastered_at: &HashMap<String, i64>, now: i64) -> Pace {
    let mut per_skill: HashMap<&str, f64> = HashMap::new();
    for e in events {
        if mastered_at.get(&e.skill).is_some_and(|&m| e.at <= m) {
            *per_skill.entry(e.skill.as_str()).or_default() += minutes(e);
        }
    }
    let practised = per_skill.len() as f64;
    let total: f64 = per_skill.values().sum();
    let minutes_per_skill =
        (PRIOR_MINUTES_PER_SKILL * PRIOR_WEIGHT_SKILLS + total) / (PRIOR_WEIGHT_SKILLS + practised);

    let today = dates::day_number(now);
    let first = events.iter().filter(|e| e.at <= now).map(|e| e.at).min();
    let minutes_per_day = match first {
        None => PRIOR_MINUTES_PER_DAY,
        Some(first) => {
            let days = (today - dates::day_number(first) + 1).clamp(1, PACE_WINDOW_DAYS);
            let start = today - days + 1;
            let active: f64 = events
                .iter()
                .filter(|e| e.at <= now && dates::day_number(e.at) >= start)
                .map(minutes)
                .sum();
            (PRIOR_MINUTES_PER_DAY * PRIOR_WEIGHT_DAYS + active) / (PRIOR_WEIGHT_DAYS + days as f64)
        }
    };
    Pace {
        minutes_per_skill,
        minutes_per_day,
    }
}

/// A skill a goal needs on which the student is stuck.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StuckSkill {
    pub id: String,
    pub name: String,
    pub reason: StuckReason,
}

/// Whether a goal will be met at the student's pace.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Forecast {
    /// When the goal was achieved (every skill mastered), if it ever was: it stays achieved.
    pub achieved_at: Option<i64>,
    /// Remaining skills the student is stuck on, in course order: the goal is not on track
    /// while any is.
    pub stuck: Vec<StuckSkill>,
    /// Whole days since the last answer on a remaining skill, when that is at least
    /// [`NO_PROGRESS_DAYS`] (and there was one).
    pub idle_days: Option<i64>,
    /// Skills still to master: the goal's skills and their prerequisites, not mastered.
    pub remaining: Vec<String>,
    pub minutes_needed: f64,
    pub pace: Pace,
    /// Start (00:00 UTC) of the day the student should finish; `now` when nothing remains.
    pub finish: i64,
    pub due: i64,
    pub now: i64,
    /// Finish day minus target day: positive when late, negative when early.
    pub days_late: i64,
    /// When late and the target day is still ahead: the extra minutes a day that would
    /// meet it.
    pub extra_minutes_per_day: Option<f64>,
}

impl Forecast {
    /// Achieved, or on track: finishing by the target date at the student's pace, stuck on
    /// none of its skills and with recent progress.
    pub fn on_time(&self) -> bool {
        self.achieved_at.is_some()
            || (self.days_late <= 0 && self.stuck.is_empty() && self.idle_days.is_none())
    }

    /// E.g. "on track: about 3 March, 4 days early".
    pub fn text(&self) -> String {
        if let Some(at) = self.achieved_at {
            return format!(
                "done on {}: every skill for this goal was mastered",
                dates::day_month(at, self.now)
            );
        }
        if self.remaining.is_empty() {
            return "done: every skill for this goal is mastered".to_string();
        }
        if let Some(first) = self.stuck.first() {
            let more = match self.stuck.len() - 1 {
                0 => String::new(),
                n => format!(" and {}", plural(n as i64, "more skill")),
            };
            return format!(
                "not on track: stuck on {} ({}){more}, so ask your teacher for help first",
                first.name,
                first.reason.describe()
            );
        }
        let finish = dates::day_month(self.finish, self.now);
        if let Some(days) = self.idle_days {
            return format!(
                "no progress in the last {}: at the pace so far you would finish around \
                 {finish}, and only practice on this goal's skills moves it",
                plural(days, "day")
            );
        }
        if self.on_time() {
            return match -self.days_late {
                0 => format!("on track: about {finish}, right on the target date"),
                n => format!("on track: about {finish}, {} early", plural(n, "day")),
            };
        }
        let late = plural(self.days_late, "day");
        match self.extra_minutes_per_day {
            Some(extra) => {
                let extra = ((extra / 5.0).ceil() * 5.0).max(5.0) as i64;
                format!(
                    "at your pace you will finish around {finish}, {late} late: \
                     about {extra} more minutes a day gets you there"
                )
            }
            None => format!(
                "at your pace you will finish around {finish}, {late} late: the target date \
                 is too close to catch up, so talk to your teacher about a new one"
            ),
        }
    }
}

fn plural(n: i64, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Whether every skill `goal` needs (its skills and their prerequisites) counts as known
/// now; `known` says which skills do (mastered, placed or due for a review). Storage
/// records the moment this first holds as the goal's `achieved_at`.
pub fn is_achieved(course: &Course, goal: &Goal, known: impl Fn(&str) -> bool) -> bool {
    remaining_skills(course, &goal.skill_ids(course), known).is_empty()
}

/// When a goal counts as achieved: once achieved (`previous`), always; otherwise now, when
/// the forecast has nothing remaining. Storage keeps the result with the goal.
pub fn achieved_at(previous: Option<i64>, forecast: &Forecast) -> Option<i64> {
    previous.or_else(|| forecast.remaining.is_empty().then_some(forecast.now))
}

/// Forecasts `goal` from the student's answers and known skills (see [`pace`]).
///
/// `mastered_at` holds the skills that count as known now (mastered, placed or due for a
/// review) with when they became so; `stuck` the skills the student is stuck on now
/// (from [`crate::progress::SkillProgress::stuck`]); `achieved_at` when the goal was
/// achieved, if it ever was ([`achieved_at`]).
///
/// Each remaining skill needs the student's minutes per skill, less what they have already
/// spent on it but at least [`MIN_REMAINING_SHARE`] of it; the student finishes after
/// as many whole days at their minutes per day as that takes, counting from tomorrow.
pub fn forecast(
    course: &Course,
    goal: &Goal,
    events: &[PracticeEvent],
    mastered_at: &HashMap<String, i64>,
    stuck: &HashMap<String, StuckReason>,
    achieved_at: Option<i64>,
    now: i64,
) -> Forecast {
    let pace = pace(events, mastered_at, now);
    let remaining = remaining_skills(course, &goal.skill_ids(course), |id| {
        mastered_at.contains_key(id)
    });
    let stuck: Vec<StuckSkill> = remaining
        .iter()
        .filter_map(|id| {
            let reason = *stuck.get(id)?;
            let name = course
                .skill(id)
                .map_or_else(|| id.clone(), |s| s.name.clone());
            Some(StuckSkill {
                id: id.clone(),
                name,
                reason,
            })
        })
        .collect();
    let last_answer = events
        .iter()
        .filter(|e| e.at <= now && remaining.contains(&e.skill))
        .map(|e| e.at)
        .max();
    let idle_days = last_answer
        .map(|at| dates::day_number(now) - dates::day_number(at))
        .filter(|&days| days >= NO_PROGRESS_DAYS);
    let mut spent: HashMap<&str, f64> = HashMap::new();
    for e in events.iter().filter(|e| e.at <= now) {
        *spent.entry(e.skill.as_str()).or_default() += minutes(e);
    }
    let per_skill = pace.minutes_per_skill;
    let minutes_needed: f64 = remaining
        .iter()
        .map(|id| {
            let done = spent.get(id.as_str()).copied().unwrap_or(0.0);
            (per_skill - done).max(MIN_REMAINING_SHARE * per_skill)
        })
        .sum();

    let today = dates::day_number(now);
    let due_day = dates::day_number(goal.due);
    let per_day = pace.minutes_per_day.max(1.0);
    let (finish, days_late, extra_minutes_per_day) = if remaining.is_empty() {
        (now, (today - due_day).min(0), None)
    } else {
        let days_needed = (minutes_needed / per_day).ceil().max(1.0) as i64;
        let finish_day = today + days_needed;
        let days_late = finish_day - due_day;
        let available = due_day - today;
        let extra =
            (days_late > 0 && available > 0).then(|| minutes_needed / available as f64 - per_day);
        (finish_day * DAY_MS, days_late, extra)
    };
    Forecast {
        achieved_at,
        stuck,
        idle_days,
        remaining,
        minutes_needed,
        pace,
        finish,
        due: goal.due,
        now,
        days_late,
        extra_minutes_per_day,
    }
}

/// `targets` and their transitive prerequisites that are not mastered, in course order.
fn remaining_skills(
    course: &Course,
    targets: &[&str],
    mastered: impl Fn(&str) -> bool,
) -> Vec<String> {
    let mut needed: Vec<&str> = Vec::new();
    let mut stack: Vec<&str> = targets.to_vec();
    while let Some(id) = stack.pop() {
        if needed.contains(&id) {
            continue;
        }
        let Some(skill) = course.skill(id) else {
            continue;
        };
        needed.push(id);
        stack.extend(skill.prerequisites.iter().map(String::as_str));
    }
    course
        .skills
        .iter()
        .filter(|s| needed.contains(&s.id.as_str()) && !mastered(&s.id))
        .map(|s| s.id.clone())
        .collect()
}

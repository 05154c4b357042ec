//! Assignments as people see them (issue 9, point 4): where a student stands on each
//! assignment, gathered from their own facts (mastery through the one state function,
//! lessons finished, projects the teacher marked done) and worded with the school's time
//! zone. The pages (`pages::assignments`), the student's course page, next steps
//! (`path::student_path`), the API (`assignments_api`) and the calendars (`calendar`) all
//! read it from here.

use crate::{AppState, WebError};
use ownpace_core::assignments::{self, Status, TargetKind};
use ownpace_core::ids::UserId;
use ownpace_core::recommend::{AssignedWork, SkillState, SkillStatus};
use ownpace_storage::{Assignment, CourseVersion};
use std::collections::{HashMap, HashSet};

/// What decides one student's status on their assignments in one course.
#[derive(Debug, Default)]
pub struct Facts {
    /// Per skill: (mastered, started).
    pub skills: HashMap<String, (bool, bool)>,
    pub lessons_done: HashSet<String>,
    /// Assignment ids whose project the teacher marked done for the student.
    pub marked_done: HashSet<String>,
}

impl Facts {
    /// From the skill statuses of the path (the one state function's states).
    pub fn from_statuses(
        statuses: &HashMap<String, SkillStatus>,
        lessons_done: HashSet<String>,
        marked_done: HashSet<String>,
    ) -> Facts {
        Facts {
            skills: statuses
                .iter()
                .map(|(id, s)| {
                    let mastered = s.state == SkillState::Mastered;
                    let started = mastered || s.attempts > 0 || s.state == SkillState::InProgress;
                    (id.clone(), (mastered, started))
                })
                .collect(),
            lessons_done,
            marked_done,
        }
    }

    /// (done, started) for an assignment.
    pub fn progress(&self, assignment: &Assignment) -> (bool, bool) {
        match assignment.kind {
            TargetKind::Skill => self
                .skills
                .get(&assignment.target_id)
                .copied()
                .unwrap_or((false, false)),
            TargetKind::Lesson => {
                let done = self.lessons_done.contains(&assignment.target_id);
                (done, done)
            }
            TargetKind::Project => {
                let done = self.marked_done.contains(&assignment.id);
                (done, done)
            }
        }
    }

    pub fn status(&self, assignment: &Assignment, now: i64) -> Status {
        let (done, started) = self.progress(assignment);
        assignments::status(done, started, assignment.due_at, now)
    }
}

/// One student's facts in one course, read from storage.
pub async fn facts(
    state: &AppState,
    student: &UserId,
    course: &CourseVersion,
) -> Result<Facts, WebError> {
    let mastery = state
        .store
        .student_mastery(student, &course.course.id)
        .await?;
    let statuses = crate::path::statuses(state, course, &mastery);
    facts_with(state, student, course, &statuses).await
}

/// As [`facts`], with the statuses the caller already has.
pub async fn facts_with(
    state: &AppState,
    student: &UserId,
    course: &CourseVersion,
    statuses: &HashMap<String, SkillStatus>,
) -> Result<Facts, WebError> {
    let lessons_done = state
        .store
        .lessons_done(student, &course.course.id)
        .await?
        .into_iter()
        .map(|(id, _)| id)
        .collect();
    let marked = state
        .store
        .assignments_marked_done(student)
        .await?
        .into_iter()
        .collect();
    Ok(Facts::from_statuses(statuses, lessons_done, marked))
}

/// What an assignment is about, in words: the skill's, lesson's or project's title.
pub fn target_title(course: &CourseVersion, assignment: &Assignment) -> String {
    let id = assignment.target_id.as_str();
    let found = match assignment.kind {
        TargetKind::Skill => course.course.skill(id).map(|s| s.name.clone()),
        TargetKind::Lesson => course.course.lesson(id).map(|l| l.title.clone()),
        TargetKind::Project => course.course.project(id).map(|p| p.title.clone()),
    };
    found.unwrap_or_else(|| id.to_string())
}

/// Where the student works on an assignment.
pub fn target_href(course: &CourseVersion, assignment: &Assignment) -> String {
    let course_id = course.course.id.as_str();
    let id = &assignment.target_id;
    match assignment.kind {
        TargetKind::Skill => format!("/learn/{course_id}/skills/{id}"),
        TargetKind::Lesson => format!("/learn/{course_id}/lessons/{id}"),
        TargetKind::Project => format!("/learn/{course_id}/projects/{id}"),
    }
}

/// One assignment as a student (or their guardian) reads it.
pub struct StudentAssignment {
    pub id: String,
    pub kind: &'static str,
    pub title: String,
    pub href: String,
    pub due_at: i64,
    /// "due Friday 6 March".
    pub due: String,
    pub status: Status,
}

/// The student's assignments in one course whose start has come, newest first.
pub async fn student_list(
    state: &AppState,
    student: &UserId,
    course: &CourseVersion,
    facts: &Facts,
) -> Result<Vec<StudentAssignment>, WebError> {
    let now = state.now();
    let zone = &state.config.timezone;
    Ok(state
        .store
        .student_assignments(student, Some(&course.course.id), Some(now))
        .await?
        .into_iter()
        .map(|a| StudentAssignment {
            id: a.id.clone(),
            kind: a.kind.as_str(),
            title: target_title(course, &a),
            href: target_href(course, &a),
            due_at: a.due_at,
            due: assignments::due_words(zone, a.due_at, now),
            status: facts.status(&a, now),
        })
        .collect())
}

/// The student's open assignments in a course as next-step inputs: skills (with the
/// prerequisites they need) and lessons or projects, each with its due time and whether
/// it is pressing (CONTRACTS' precedence).
pub async fn next_step_inputs(
    state: &AppState,
    student: &UserId,
    course: &CourseVersion,
    statuses: &HashMap<String, SkillStatus>,
) -> Result<(Vec<ownpace_core::recommend::Assignment>, Vec<AssignedWork>), WebError> {
    let now = state.now();
    let list = state
        .store
        .student_assignments(student, Some(&course.course.id), Some(now))
        .await?;
    if list.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let facts = facts_with(state, student, course, statuses).await?;
    let zone = &state.config.timezone;
    let mut skills = Vec::new();
    let mut work = Vec::new();
    for a in list {
        if facts.status(&a, now) == Status::Done {
            continue;
        }
        let pressing = assignments::pressing(zone, a.due_at, now);
        match a.kind {
            TargetKind::Skill => skills.push(ownpace_core::recommend::Assignment {
                skill: a.target_id,
                due: a.due_at,
                pressing,
            }),
            kind => work.push(AssignedWork {
                activity: kind.activity(&a.target_id),
                due: a.due_at,
                pressing,
            }),
        }
    }
    Ok((skills, work))
}

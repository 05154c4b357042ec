//! A student's adaptive path as the web shows it (SPEC C3, C4, C6, C7): next steps with
//! reasons, goals with their forecast, the placement summary, and what a teacher sees of
//! it. Everything a decision needs is gathered here from storage into the core's plain
//! inputs ([`ownpace_core::recommend::Situation`], the goal's practice history) and handed
//! to the pure functions in `ownpace-core`; this module only fetches, calls and shapes.

use crate::views;
use crate::{AppState, WebError};
use ownpace_core::course::Modality;
use ownpace_core::goals::{self, Goal as CoreGoal, GoalTarget, PracticeEvent};
use ownpace_core::ids::{CourseId, UserId};
use ownpace_core::placement;
use ownpace_core::progress::{SkillProgress, StuckReason, skill_statuses};
use ownpace_core::recommend::{self, Activity, Recommendation, Situation, SkillStatus};
use ownpace_core::review::{DEFAULT_TARGET_RETENTION, Fsrs};
use ownpace_core::standing::{self, SkillView};
use ownpace_storage::{CourseVersion, GoalAgreement, MasteryRow, NewGoal, OverrideAction};
use serde::Deserialize;
use std::collections::{HashMap, HashSet};

/// Per skill, the student's status now (state, mastery, recall, review due).
pub fn statuses(
    state: &AppState,
    course: &CourseVersion,
    mastery: &[MasteryRow],
) -> HashMap<String, SkillStatus> {
    let by_skill: HashMap<&str, &SkillProgress> = mastery
        .iter()
        .map(|row| (row.skill_id.as_str(), &row.progress))
        .collect();
    skill_statuses(
        &course.course,
        &by_skill,
        |skill| state.bkt_params(skill).init,
        &Fsrs::default(),
        state.now(),
        DEFAULT_TARGET_RETENTION,
    )
}

/// What people see of one skill now (the core's one state function): `row` is the
/// student's projection row for it, `None` when the skill was never touched.
pub fn skill_view(state: &AppState, row: Option<&MasteryRow>) -> SkillView {
    standing::view(
        row.map(|r| &r.progress),
        &Fsrs::default(),
        state.now(),
        DEFAULT_TARGET_RETENTION,
    )
}

fn activity_href(course_id: &str, activity: &Activity) -> String {
    match activity {
        Activity::PracticeSkill(id) | Activity::Review(id) => {
            format!("/learn/{course_id}/skills/{id}")
        }
        Activity::Lesson(id) => format!("/learn/{course_id}/lessons/{id}"),
        Activity::Project(id) => format!("/learn/{course_id}/projects/{id}"),
        Activity::PracticeSheet => format!("/learn/{course_id}/sheets"),
    }
}

fn activity_kind(activity: &Activity) -> &'static str {
    match activity {
        Activity::PracticeSkill(_) => "Practice",
        Activity::Review(_) => "Review",
        Activity::Lesson(_) => "Lesson",
        Activity::Project(_) => "Project",
        Activity::PracticeSheet => "On paper",
    }
}

/// A stored goal in the core's terms.
fn core_goal(g: &ownpace_storage::Goal) -> CoreGoal {
    CoreGoal {
        name: g.title.clone(),
        target: match &g.project_id {
            Some(project) => GoalTarget::Project(project.clone()),
            None => GoalTarget::Skills(g.skills.clone()),
        },
        due: g.target_at,
    }
}

/// The student's goals in the core's terms.
fn core_goals(goals: &[ownpace_storage::Goal]) -> Vec<CoreGoal> {
    goals.iter().map(core_goal).collect()
}

/// The skills that count as known now (mastered, placed or due for a review), with when
/// they became so.
fn known_since(mastery: &[MasteryRow]) -> HashMap<String, i64> {
    mastery
        .iter()
        .filter_map(|row| {
            row.progress
                .mastered_at
                .map(|at| (row.skill_id.to_string(), at))
        })
        .collect()
}

/// Records, for each goal not achieved yet whose skills (and their prerequisites) all
/// count as known, that it was achieved: when the last of its own skills became known.
/// From then on it stays achieved (`goals::achieved_at`), whatever is forgotten later.
async fn record_achieved(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
    goals: &mut [ownpace_storage::Goal],
    known: &HashMap<String, i64>,
) -> Result<(), WebError> {
    for goal in goals.iter_mut().filter(|g| g.achieved_at.is_none()) {
        let core = core_goal(goal);
        if !goals::is_achieved(&course.course, &core, |id| known.contains_key(id)) {
            continue;
        }
        let at = core
            .skill_ids(&course.course)
            .iter()
            .filter_map(|id| known.get(*id).copied())
            .max()
            .unwrap_or_else(|| state.now())
            .min(state.now());
        state
            .store
            .set_goal_achieved(student_id, &goal.id, at)
            .await?;
        goal.achieved_at = Some(at);
    }
    Ok(())
}

/// After an answer that left a skill known: records the goals it completed, so that a
/// goal done stays done even if the student forgets before anyone opens a page.
pub async fn record_achieved_goals(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
) -> Result<(), WebError> {
    let course_id = &course.course.id;
    let mut goals = state.store.open_goals(student_id, course_id).await?;
    if goals.iter().all(|g| g.achieved_at.is_some()) {
        return Ok(());
    }
    let mastery = state.store.student_mastery(student_id, course_id).await?;
    record_achieved(
        state,
        student_id,
        course,
        &mut goals,
        &known_since(&mastery),
    )
    .await
}

/// The most answers a goal forecast reads, newest first: the forecast is about the
/// student's current pace, and 1,000 answers are six weeks or more of steady practice. It
/// bounds the record page's cost however long the year has been (issue 16).
pub const PRACTICE_HISTORY: i64 = 1_000;

/// A student's answers in a course, oldest first, as the goal forecast reads them (each
/// skill of an item gets its share of the time).
async fn practice_history(
    state: &AppState,
    student_id: &UserId,
    course_id: &CourseId,
) -> Result<Vec<PracticeEvent>, WebError> {
    let mut practice = Vec::new();
    for event in state
        .store
        .student_answers(student_id, course_id, PRACTICE_HISTORY)
        .await?
        .iter()
        .rev()
    {
        let share = event.duration_ms.unwrap_or(0) / event.skills.len().max(1) as i64;
        for skill in &event.skills {
            practice.push(PracticeEvent {
                at: event.occurred_at,
                duration_ms: share,
                skill: skill.clone(),
                correct: event.correct.unwrap_or(false),
            });
        }
    }
    Ok(practice)
}

/// Everything about a student that shapes their next steps.
pub struct StudentPath {
    pub statuses: HashMap<String, SkillStatus>,
    pub situation: Situation,
    pub goals: Vec<ownpace_storage::Goal>,
    pub practice: Vec<PracticeEvent>,
    pub mastered_at: HashMap<String, i64>,
    pub stuck: HashMap<String, StuckReason>,
}

pub async fn student_path(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
) -> Result<StudentPath, WebError> {
    let course_id = &course.course.id;
    let mastery = state.store.student_mastery(student_id, course_id).await?;
    let statuses = statuses(state, course, &mastery);
    let mut goals = state.store.open_goals(student_id, course_id).await?;
    let mut modality_last_used: HashMap<Modality, i64> = HashMap::new();
    let mut lessons_done = HashSet::new();
    for (id, at) in state.store.lessons_done(student_id, course_id).await? {
        if let Some(lesson) = course.course.lesson(&id) {
            let last = modality_last_used.entry(lesson.modality).or_insert(at);
            *last = (*last).max(at);
            lessons_done.insert(lesson.id.clone());
        }
    }
    let mastered_at = known_since(&mastery);
    record_achieved(state, student_id, course, &mut goals, &mastered_at).await?;
    // Only a goal not achieved yet has a forecast that reads the answers (the pace): a
    // student without one costs no history at all, and one with costs a bounded read.
    let practice = if goals.iter().any(|g| g.achieved_at.is_none()) {
        practice_history(state, student_id, course_id).await?
    } else {
        Vec::new()
    };
    let mut pinned = Vec::new();
    let mut hidden = Vec::new();
    for o in state
        .store
        .overrides_for_student(student_id, course_id)
        .await?
    {
        let Some(activity) = Activity::parse(&o.activity) else {
            continue;
        };
        match o.action {
            OverrideAction::Pin => pinned.push(activity),
            OverrideAction::Hide => {
                if let Activity::PracticeSkill(id) = &activity {
                    hidden.push(Activity::Review(id.clone()));
                }
                hidden.push(activity);
            }
        }
    }
    // A running pilot's condition may turn spaced review off for this student
    // (issue 12, point 5); an opted-out student gets the default experience.
    let (spaced_review, _) = crate::pilots::condition_now(state, student_id).await?;
    // ... and set the recommendation policy and the lesson variant in its course.
    let (policy, lesson_variant) =
        crate::pilots::path_condition(state, student_id, course_id).await?;
    if !spaced_review {
        hidden.extend(
            course
                .course
                .skills
                .iter()
                .map(|s| Activity::Review(s.id.clone())),
        );
    }
    let stuck = mastery
        .iter()
        .filter_map(|row| row.progress.stuck().map(|r| (row.skill_id.to_string(), r)))
        .collect();
    // The screen-time budget comes first (CONTRACTS): near or past it, every next step
    // is an offline one.
    let screen_time = crate::screen::standing(state, student_id).await?.level;
    // Assignments not done yet, pressing ones ranked after pins (CONTRACTS).
    let (assignments, assigned_work) =
        crate::assignments::next_step_inputs(state, student_id, course, &statuses).await?;
    let situation = Situation {
        skills: statuses.clone(),
        goals: core_goals(&goals),
        assignments,
        assigned_work,
        modality_last_used,
        interests: state.store.interests(student_id).await?,
        pinned,
        lessons_done,
        hidden,
        screen_time,
        policy,
        lesson_variant,
        // The solo/group balance (issue 10, point 6): group work at precedence 5.
        group_work: crate::together::group_work_ask(state, student_id, course_id).await?,
        now: state.now(),
    };
    Ok(StudentPath {
        statuses,
        situation,
        goals,
        practice,
        mastered_at,
        stuck,
    })
}

pub struct OptionView {
    pub kind: &'static str,
    pub title: String,
    pub href: String,
    pub reason: String,
}

pub fn option_views(course: &CourseVersion, recommendations: &[Recommendation]) -> Vec<OptionView> {
    recommendations
        .iter()
        .map(|r| OptionView {
            kind: activity_kind(&r.activity),
            title: r.activity.title(&course.course),
            href: activity_href(course.course.id.as_str(), &r.activity),
            reason: r.reason.text(&course.course),
        })
        .collect()
}

pub struct GoalView {
    pub id: String,
    pub title: String,
    pub due: String,
    pub forecast: String,
    pub on_time: bool,
    /// `proposed` or `agreed` (a CSS class and a data attribute for tests).
    pub agreement: &'static str,
    /// Who set it and where it stands, in words: "Proposed by you on 3 March: waiting for
    /// your teacher", "Agreed with Ms. Rivera on 4 March", "Set by Ms. Rivera on 4 March".
    pub standing: String,
    /// The teacher's comment when they agreed or adjusted it.
    pub comment: String,
    /// The end of the target day, as `YYYY-MM-DD` (the adjust form's default).
    pub due_input: String,
}

/// Display names of the people who set or reviewed these goals, `you` for the viewer
/// (none when the page is not the goal owner's or a family member's own).
pub async fn goal_people(
    state: &AppState,
    goals: &[ownpace_storage::Goal],
    viewer: Option<&UserId>,
) -> Result<HashMap<UserId, String>, WebError> {
    let mut people: Vec<UserId> = Vec::new();
    for goal in goals {
        people.push(goal.created_by.clone());
        if let Some(review) = &goal.review {
            people.push(review.by.clone());
        }
    }
    let mut names = HashMap::new();
    for id in people {
        if names.contains_key(&id) {
            continue;
        }
        let name = if viewer == Some(&id) {
            "you".to_string()
        } else {
            state
                .store
                .user(&id)
                .await?
                .map_or_else(|| "a former teacher".to_string(), |u| u.display_name)
        };
        names.insert(id, name);
    }
    Ok(names)
}

/// Who set a goal and where it stands between the student and their teacher, in words.
pub fn goal_standing(
    goal: &ownpace_storage::Goal,
    names: &HashMap<UserId, String>,
    now: i64,
) -> String {
    let name = |id: &UserId| names.get(id).map_or("someone", String::as_str);
    let set_by_student = goal.created_by == goal.student_id;
    match (goal.agreement, &goal.review) {
        (GoalAgreement::Proposed, _) => format!(
            "Proposed by {} on {}: waiting for the teacher's answer",
            name(&goal.created_by),
            views::date(goal.created_at, now)
        ),
        (GoalAgreement::Declined, Some(review)) => format!(
            "Declined by {} on {}",
            name(&review.by),
            views::date(review.at, now)
        ),
        (GoalAgreement::Agreed, Some(review)) if set_by_student => format!(
            "Proposed by {}, agreed with {} on {}",
            name(&goal.created_by),
            name(&review.by),
            views::date(review.at, now)
        ),
        _ => format!(
            "Set by {} on {}",
            name(&goal.created_by),
            views::date(goal.created_at, now)
        ),
    }
}

pub fn goal_views(
    course: &CourseVersion,
    path: &StudentPath,
    names: &HashMap<UserId, String>,
    now: i64,
) -> Vec<GoalView> {
    path.goals
        .iter()
        .zip(&path.situation.goals)
        .map(|(stored, goal)| {
            let forecast = goals::forecast(
                &course.course,
                goal,
                &path.practice,
                &path.mastered_at,
                &path.stuck,
                stored.achieved_at,
                now,
            );
            GoalView {
                id: stored.id.to_string(),
                title: goal.display_name(&course.course),
                due: views::date(stored.target_at, now),
                forecast: forecast.text(),
                on_time: forecast.on_time(),
                agreement: match stored.agreement {
                    GoalAgreement::Proposed => "proposed",
                    GoalAgreement::Agreed => "agreed",
                    GoalAgreement::Declined => "declined",
                },
                standing: goal_standing(stored, names, now),
                comment: stored
                    .review
                    .as_ref()
                    .map(|r| r.comment.clone())
                    .unwrap_or_default(),
                due_input: views::date_input(stored.target_at),
            }
        })
        .collect()
}

/// What the student home shows above the full list of skills.
pub struct HomePath {
    /// Every skill's status now (the course page lists them below the next steps).
    pub statuses: HashMap<String, SkillStatus>,
    pub needs_placement: bool,
    pub placement_summary: String,
    pub options: Vec<OptionView>,
    pub goals: Vec<GoalView>,
    /// The calm screen-time meter (shown when a budget applies).
    pub meter: crate::screen::Meter,
    pub interests: Vec<(String, bool)>,
    pub goal_skills: Vec<(String, String)>,
    pub projects: Vec<(String, String)>,
}

pub async fn home_path(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
) -> Result<HomePath, WebError> {
    let path = student_path(state, student_id, course).await?;
    let options = option_views(
        course,
        &recommend::recommend(&course.course, &path.situation, recommend::DEFAULT_COUNT),
    );
    let placement = state
        .store
        .placement_result(student_id, &course.course.id)
        .await?;
    let practised = path.statuses.values().any(|s| s.attempts > 0);
    // A running pilot's condition may turn the placement check off (issue 12, point 5).
    let offered = crate::pilots::placement_offered(state, student_id).await?;
    let placement_summary = placement.as_ref().map_or_else(String::new, |result| {
        placement::summary_from_beliefs(&course.course, &result.beliefs).text
    });
    let mut tags: Vec<String> = course
        .course
        .projects
        .iter()
        .flat_map(|p| p.interests.iter().cloned())
        .collect();
    tags.sort();
    tags.dedup();
    let mine = &path.situation.interests;
    let meter = crate::screen::meter(&crate::screen::standing(state, student_id).await?);
    Ok(HomePath {
        meter,
        needs_placement: offered && placement.is_none() && !practised,
        placement_summary,
        options,
        goals: goal_views(
            course,
            &path,
            &goal_people(state, &path.goals, Some(student_id)).await?,
            state.now(),
        ),
        interests: tags
            .into_iter()
            .map(|t| {
                let on = mine.contains(&t);
                (t, on)
            })
            .collect(),
        goal_skills: course
            .course
            .skills
            .iter()
            .map(|s| (s.id.clone(), s.name.clone()))
            .collect(),
        projects: course
            .course
            .projects
            .iter()
            .map(|p| (p.id.clone(), p.title.clone()))
            .collect(),
        statuses: path.statuses,
    })
}

// ---------------------------------------------------------------------------------------
// Goals and interests

#[derive(Deserialize)]
pub struct GoalForm {
    #[serde(default)]
    title: String,
    /// `skill:ID` or `project:ID`.
    target: String,
    /// `YYYY-MM-DD`.
    due: String,
}

impl GoalForm {
    /// The form's input as typed (title, target, due), to put back after an error.
    pub(crate) fn input(&self) -> (&str, &str, &str) {
        (&self.title, &self.target, &self.due)
    }
}

/// Validates a goal form into (title, skills, project, target time).
pub(crate) fn goal_from_form(
    course: &CourseVersion,
    form: &GoalForm,
    now: i64,
) -> Result<(String, Vec<String>, Option<String>, i64), WebError> {
    let due = views::parse_date(form.due.trim()).ok_or_else(|| {
        WebError::BadRequest(
            "target date: choose a day (the form YYYY-MM-DD, for example 2026-12-18)".into(),
        )
    })?;
    // The goal is due at the end of its day.
    let due = due + 86_400_000 - 1;
    if due < now {
        return Err(WebError::BadRequest(
            "target date: choose a day from today on".into(),
        ));
    }
    let (skills, project, default_title) = match form.target.split_once(':') {
        Some(("skill", id)) => {
            let skill = course.course.skill(id).ok_or_else(|| {
                WebError::BadRequest(format!("goal: the skill {id} is not in this course"))
            })?;
            (vec![skill.id.clone()], None, skill.name.clone())
        }
        Some(("project", id)) => {
            let project = course.course.project(id).ok_or_else(|| {
                WebError::BadRequest(format!("goal: the project {id} is not in this course"))
            })?;
            (
                project.skills.clone(),
                Some(project.id.clone()),
                project.title.clone(),
            )
        }
        _ => {
            return Err(WebError::BadRequest(
                "goal: choose a skill or a project".into(),
            ));
        }
    };
    let title = if form.title.trim().is_empty() {
        default_title
    } else {
        form.title.trim().chars().take(80).collect()
    };
    Ok((title, skills, project, due))
}

pub(crate) async fn create_goal(
    state: &AppState,
    course: &CourseVersion,
    student_id: &UserId,
    created_by: &UserId,
    form: &GoalForm,
) -> Result<(), WebError> {
    let (title, skills, project, due) = goal_from_form(course, form, state.now())?;
    state
        .store
        .create_goal(NewGoal {
            student_id,
            course_id: &course.course.id,
            title: &title,
            skills: &skills,
            project_id: project.as_deref(),
            target_at: due,
            created_by,
            created_at: state.now(),
        })
        .await?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Teachers

/// A pin or hide as a student's record lists it. A class-wide one is changed on the class
/// page only, so one student's record cannot silently change it for the whole class.
pub struct OverrideView {
    pub id: String,
    pub scope: String,
    pub what: String,
    pub class_wide: bool,
}

/// What a teacher sees of a student's path, and can change.
pub struct TeacherPathView {
    pub course_id: String,
    pub placement: String,
    pub options: Vec<OptionView>,
    pub goals: Vec<GoalView>,
    pub overrides: Vec<OverrideView>,
    pub activities: Vec<(String, String)>,
}

/// Every activity a teacher can pin or hide, as (`kind:id`, label).
pub fn activity_choices(course: &CourseVersion) -> Vec<(String, String)> {
    let c = &course.course;
    c.skills
        .iter()
        .map(|s| (format!("skill:{}", s.id), format!("Practice: {}", s.name)))
        .chain(c.lessons.iter().map(|l| {
            (
                format!("lesson:{}", l.id),
                format!("Lesson ({}): {}", l.modality.label(), l.title),
            )
        }))
        .chain(
            c.projects
                .iter()
                .map(|p| (format!("project:{}", p.id), format!("Project: {}", p.title))),
        )
        .collect()
}

fn describe_activity(course: &CourseVersion, activity: &str) -> String {
    Activity::parse(activity)
        .map(|a| format!("{}: {}", activity_kind(&a), a.title(&course.course)))
        .unwrap_or_else(|| activity.to_string())
}

pub async fn teacher_path_view(
    state: &AppState,
    student_id: &UserId,
    course: &CourseVersion,
) -> Result<TeacherPathView, WebError> {
    let path = student_path(state, student_id, course).await?;
    let options = option_views(
        course,
        &recommend::recommend(&course.course, &path.situation, recommend::DEFAULT_COUNT),
    );
    let placement = match state
        .store
        .placement_result(student_id, &course.course.id)
        .await?
    {
        Some(result) => {
            let known = result.beliefs.iter().filter(|(_, b)| *b >= 0.5).count();
            format!(
                "Placement check {}: {} questions; likely knew {} of {} skills.",
                views::ago(state.now(), result.at),
                result.questions,
                known,
                result.beliefs.len()
            )
        }
        None => "No placement check yet.".to_string(),
    };
    let overrides = state
        .store
        .overrides_for_student(student_id, &course.course.id)
        .await?
        .into_iter()
        .map(|o| {
            let scope = if o.student_id.is_some() {
                "this student"
            } else {
                "the whole class"
            };
            let action = match o.action {
                OverrideAction::Pin => "Pinned",
                OverrideAction::Hide => "Hidden",
            };
            let mut what = describe_activity(course, &o.activity);
            if let Some(Activity::Lesson(id)) = Activity::parse(&o.activity)
                && path.situation.lessons_done.contains(&id)
            {
                what.push_str(" (done)");
            }
            OverrideView {
                class_wide: o.student_id.is_none(),
                id: o.id.into_string(),
                scope: format!("{action} for {scope}"),
                what,
            }
        })
        .collect();
    Ok(TeacherPathView {
        course_id: course.course.id.to_string(),
        placement,
        options,
        goals: goal_views(
            course,
            &path,
            &goal_people(state, &path.goals, None).await?,
            state.now(),
        ),
        overrides,
        activities: activity_choices(course),
    })
}

#[derive(Deserialize)]
pub struct OverrideForm {
    pub course_id: String,
    pub activity: String,
    pub action: String,
}

pub(crate) fn override_action(text: &str) -> Result<OverrideAction, WebError> {
    match text {
        "pin" => Ok(OverrideAction::Pin),
        "hide" => Ok(OverrideAction::Hide),
        other => Err(WebError::BadRequest(format!(
            "action `{other}`: use pin or hide"
        ))),
    }
}

/// Checks that `activity` (`kind:id`) names something in `course`.
pub(crate) fn check_activity(course: &CourseVersion, activity: &str) -> Result<(), WebError> {
    match Activity::parse(activity) {
        Some(a)
            if !a.title(&course.course).is_empty()
                && activity_choices(course).iter().any(|(v, _)| v == activity) =>
        {
            Ok(())
        }
        _ => Err(WebError::BadRequest(format!(
            "activity `{activity}` is not in course `{}`",
            course.course.id
        ))),
    }
}

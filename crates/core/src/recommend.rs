//! The adaptive path with reasons (SPEC C4, C6, C12).
//!
//! The student chooses among a few options rather than being told what to do next, so
//! each option must say, in plain words, why it is offered. [`recommend`] turns plain data
//! that the web gathers (the [`Situation`]) into a short, diverse list of
//! [`Recommendation`]s; [`overview`] lists every skill with its state and, for locked
//! skills, what unlocks them, so the student can also pick anything they are ready for.
//!
//! Nothing here reads a clock or a database: the memory model's predicted recall, the
//! screen-time budget and `now` all arrive as inputs.

use crate::course::{Course, Modality, PrerequisiteGraph, Skill};
use crate::goals::{Goal, GoalTarget};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};

/// How many options a student is offered unless the caller says otherwise.
pub const DEFAULT_COUNT: usize = 3;
/// A lesson modality unused for this many days earns a "haven't … in a while" option.
pub const MODALITY_STALE_DAYS: i64 = 7;

/// Where a student stands on one skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SkillState {
    Mastered,
    /// Practised, not yet mastered.
    InProgress,
    /// Not started; every prerequisite is mastered.
    Ready,
    /// Not started; these direct prerequisites are not mastered yet.
    Locked {
        missing: Vec<String>,
    },
}

impl SkillState {
    /// The state of a skill the student has not started: ready when every prerequisite
    /// is mastered, otherwise locked with the prerequisites still missing.
    pub fn not_started(skill: &Skill, is_mastered: impl Fn(&str) -> bool) -> SkillState {
        let missing: Vec<String> = skill
            .prerequisites
            .iter()
            .filter(|pre| !is_mastered(pre))
            .cloned()
            .collect();
        if missing.is_empty() {
            SkillState::Ready
        } else {
            SkillState::Locked { missing }
        }
    }

    pub fn label(&self) -> &'static str {
        match self {
            SkillState::Mastered => "mastered",
            SkillState::InProgress => "in progress",
            SkillState::Ready => "ready",
            SkillState::Locked { .. } => "locked",
        }
    }
    fn actionable(&self) -> bool {
        matches!(self, SkillState::InProgress | SkillState::Ready)
    }
}

/// What the web knows about one skill of one student.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillStatus {
    pub state: SkillState,
    pub p_mastery: f64,
    pub attempts: u32,
    /// Time of the last answer on this skill (ms since the epoch).
    pub last_practised: Option<i64>,
    /// Mastered skills: the memory model's predicted recall now, in `[0, 1]`.
    pub recall: Option<f64>,
    /// Mastered skills: the memory model says a review is due.
    pub review_due: bool,
    /// What people see of the skill: its one state, number and phrase
    /// ([`crate::standing::view`]). Pages and the API show this, never `p_mastery`.
    #[serde(default)]
    pub view: crate::standing::SkillView,
}

/// A skill assigned by the teacher, due at `due` (ms since the epoch).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assignment {
    pub skill: String,
    pub due: i64,
    /// Due within two school days or late ([`crate::assignments::pressing`], decided by
    /// the caller in the school's time zone): ranks after pins, before reviews.
    #[serde(default)]
    pub pressing: bool,
}

/// A lesson or project assigned by the teacher and not done yet.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AssignedWork {
    /// [`Activity::Lesson`] or [`Activity::Project`].
    pub activity: Activity,
    pub due: i64,
    /// As [`Assignment::pressing`].
    #[serde(default)]
    pub pressing: bool,
}

/// How next steps are chosen (a pilot's condition may set it; issue 12, point 5).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Policy {
    /// Ownpace's adaptive next steps: goals, readiness, keep-going, modalities, interests.
    #[default]
    Adaptive,
    /// The course's fixed order, the "matched fixed sequence" `ownpace simulate` compares
    /// against: skills in the course's (topological) order, practise the first one not
    /// mastered and its lessons; reviews when due (unless spaced review is off). Pins,
    /// assignments and the screen-time budget still come first (CONTRACTS' precedence).
    FixedSequence,
}

impl Policy {
    pub const ALL: [Policy; 2] = [Policy::Adaptive, Policy::FixedSequence];
    /// The name stored with a pilot's condition and sent by forms.
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Adaptive => "adaptive",
            Policy::FixedSequence => "fixed-sequence",
        }
    }
    pub fn parse(text: &str) -> Option<Policy> {
        Policy::ALL.into_iter().find(|p| p.as_str() == text)
    }
    pub fn words(self) -> &'static str {
        match self {
            Policy::Adaptive => "adaptive next steps",
            Policy::FixedSequence => "the course's fixed order",
        }
    }
}

/// The first skill in the course's order (its topological order) that is not mastered
/// and has items to practise: what [`Policy::FixedSequence`] offers next. Placed skills
/// count as mastered (their state is `Mastered`). `None` when every such skill is.
pub fn course_order_next(course: &Course, skills: &HashMap<String, SkillStatus>) -> Option<usize> {
    (0..course.skills.len()).find(|&i| {
        let id = &course.skills[i].id;
        let mastered = skills
            .get(id)
            .is_some_and(|s| s.state == SkillState::Mastered);
        !mastered && course.items_for_skill(id).next().is_some()
    })
}

/// Everything [`recommend`] needs to know about the student, gathered by the caller.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Situation {
    /// Per skill id. A skill missing here counts as not started, and is ready or locked
    /// according to its prerequisites.
    pub skills: HashMap<String, SkillStatus>,
    pub goals: Vec<Goal>,
    pub assignments: Vec<Assignment>,
    /// Lessons and projects assigned and not done yet.
    #[serde(default)]
    pub assigned_work: Vec<AssignedWork>,
    /// When the student last finished a lesson of each modality (ms since the epoch).
    pub modality_last_used: HashMap<Modality, i64>,
    /// The student's interest tags; matched to project tags ignoring case.
    pub interests: Vec<String>,
    /// Teacher overrides: shown first, in this order (a pinned lesson the student has
    /// finished leaves the top: it is done).
    pub pinned: Vec<Activity>,
    /// Ids of the lessons the student has finished.
    pub lessons_done: HashSet<String>,
    /// Teacher overrides: never shown, even when pinned.
    pub hidden: Vec<Activity>,
    /// Where the student stands against the screen-time budget (SPEC C12). Near or past
    /// it, every option is an offline one (CONTRACTS' precedence: this comes first).
    #[serde(default)]
    pub screen_time: crate::screen_time::Level,
    /// How the options are chosen (a running pilot's condition may set it).
    #[serde(default)]
    pub policy: Policy,
    /// The lesson variant the student is shown (a running pilot's condition may name
    /// one): [`Course::lesson_shown`] decides which lessons are offered.
    #[serde(default)]
    pub lesson_variant: Option<String>,
    /// Set when the solo/group balance asks for group work ([`crate::balance`]): the
    /// student's share alone at a screen over the last two weeks, in percent. Group
    /// projects and group lessons are then offered with that reason (precedence 5).
    #[serde(default)]
    pub group_work: Option<u8>,
    /// ms since the epoch.
    pub now: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "id", rename_all = "kebab-case")]
pub enum Activity {
    PracticeSkill(String),
    Review(String),
    Lesson(String),
    Project(String),
    /// A printable practice sheet on the student's current skills (done on paper).
    PracticeSheet,
}

impl Activity {
    /// Reads the `kind:id` form a teacher's pin or hide is stored in (`skill:…`,
    /// `review:…`, `lesson:…`, `project:…`); `None` for anything else.
    pub fn parse(text: &str) -> Option<Activity> {
        let (kind, id) = text.split_once(':')?;
        if id.is_empty() {
            return None;
        }
        let id = id.to_string();
        match kind {
            "skill" => Some(Activity::PracticeSkill(id)),
            "review" => Some(Activity::Review(id)),
            "lesson" => Some(Activity::Lesson(id)),
            "project" => Some(Activity::Project(id)),
            _ => None,
        }
    }

    /// The `kind:id` form [`Activity::parse`] reads.
    pub fn key(&self) -> String {
        match self {
            Activity::PracticeSkill(id) => format!("skill:{id}"),
            Activity::Review(id) => format!("review:{id}"),
            Activity::Lesson(id) => format!("lesson:{id}"),
            Activity::Project(id) => format!("project:{id}"),
            Activity::PracticeSheet => "sheet:practice".to_string(),
        }
    }

    fn kind(&self) -> usize {
        match self {
            Activity::PracticeSkill(_) => 0,
            Activity::Review(_) => 1,
            Activity::Lesson(_) => 2,
            Activity::Project(_) => 3,
            Activity::PracticeSheet => 4,
        }
    }
    /// Whether the activity happens away from the screen: hands-on and group lessons,
    /// projects for groups, printable sheets.
    pub fn is_offline(&self, course: &Course) -> bool {
        match self {
            Activity::PracticeSkill(_) | Activity::Review(_) => false,
            Activity::Lesson(id) => course.lesson(id).is_some_and(|l| l.modality.is_offline()),
            Activity::Project(id) => course.project(id).is_some_and(|p| p.group_min >= 2),
            Activity::PracticeSheet => true,
        }
    }

    fn exists(&self, course: &Course) -> bool {
        match self {
            Activity::PracticeSkill(id) | Activity::Review(id) => course.skill(id).is_some(),
            Activity::Lesson(id) => course.lesson(id).is_some(),
            Activity::Project(id) => course.project(id).is_some(),
            Activity::PracticeSheet => !course.items.is_empty(),
        }
    }
    /// The activity's title as the student sees it.
    pub fn title(&self, course: &Course) -> String {
        match self {
            Activity::PracticeSkill(id) | Activity::Review(id) => skill_name(course, id),
            Activity::Lesson(id) => course
                .lesson(id)
                .map_or_else(|| id.clone(), |l| l.title.clone()),
            Activity::Project(id) => course
                .project(id)
                .map_or_else(|| id.clone(), |p| p.title.clone()),
            Activity::PracticeSheet => "A practice sheet to print".to_string(),
        }
    }
}

/// Why an option is offered. Ids refer to the course; [`Reason::text`] words it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Reason {
    Pinned,
    /// `step` is a skill toward the assigned `skill` (possibly the skill itself).
    Assignment {
        skill: String,
        step: String,
        due: i64,
        now: i64,
    },
    /// A lesson or project the teacher assigned (the activity itself).
    AssignedWork {
        due: i64,
        now: i64,
    },
    /// `goal` is the goal's display name.
    Goal {
        goal: String,
        due: i64,
        now: i64,
    },
    ReviewDue {
        days_since: Option<i64>,
        recall: Option<f64>,
    },
    KeepGoing {
        p_mastery: f64,
    },
    /// Every prerequisite is mastered; these are they (skill ids).
    Ready {
        builds_on: Vec<String>,
    },
    Interest {
        interest: String,
        project: String,
    },
    /// A lesson in a modality the student has not used for a while (or ever).
    Modality {
        modality: Modality,
        lesson: String,
        days_since: Option<i64>,
    },
    /// The student spent most of the last two weeks alone at a screen (`alone_percent`,
    /// above the class's threshold), and this is work with others.
    GroupWork {
        alone_percent: u8,
    },
    /// Screen time is near its budget or spent, and this activity happens away from the
    /// screen.
    ScreenTime {
        activity: Activity,
        #[serde(default)]
        spent: bool,
    },
    /// [`Policy::FixedSequence`]: the next skill in the course's order (or a lesson on it).
    CourseOrder,
}

impl Reason {
    /// The reason in plain words, e.g. "keep going: 62% mastered".
    pub fn text(&self, course: &Course) -> String {
        match self {
            Reason::Pinned => "pinned by your teacher".to_string(),
            Reason::Assignment {
                skill,
                step,
                due,
                now,
            } => {
                let due = dates::due_phrase(*due, *now);
                if skill == step {
                    format!(
                        "assigned by your teacher: “{}” {due}",
                        skill_name(course, skill)
                    )
                } else {
                    format!(
                        "needed for your assignment “{}”, {due}",
                        skill_name(course, skill)
                    )
                }
            }
            Reason::AssignedWork { due, now } => {
                format!(
                    "assigned by your teacher, {}",
                    dates::due_phrase(*due, *now)
                )
            }
            Reason::Goal { goal, due, now } => format!(
                "next step toward your goal “{goal}” {}",
                dates::due_phrase(*due, *now)
            ),
            Reason::ReviewDue { days_since, recall } => {
                let mut parts = Vec::new();
                if let Some(days) = days_since {
                    parts.push(format!("last practised {}", dates::days_ago(*days)));
                }
                if let Some(recall) = recall {
                    parts.push(format!(
                        "recall now about {}%",
                        round_to(*recall * 100.0, 5)
                    ));
                }
                if parts.is_empty() {
                    "due for review".to_string()
                } else {
                    format!("due for review: {}", parts.join(", "))
                }
            }
            Reason::KeepGoing { p_mastery } => {
                format!("keep going: {}% mastered", round_to(*p_mastery * 100.0, 1))
            }
            Reason::Ready { builds_on } => {
                if builds_on.is_empty() {
                    "ready: a starting point, nothing needs to come first".to_string()
                } else {
                    let names: Vec<String> = builds_on
                        .iter()
                        .map(|id| format!("“{}”", skill_name(course, id)))
                        .collect();
                    format!(
                        "ready: you mastered {}, which this builds on",
                        and_list(&names)
                    )
                }
            }
            Reason::Interest { interest, project } => format!(
                "you like {interest}: project “{}”",
                Activity::Project(project.clone()).title(course)
            ),
            Reason::Modality {
                modality,
                lesson,
                days_since,
            } => {
                let verb = match modality {
                    Modality::Read => "read a lesson",
                    Modality::Watch => "watched a lesson",
                    Modality::HandsOn => "done a hands-on lesson",
                    Modality::Group => "done a group lesson",
                };
                let when = if days_since.is_some() {
                    "in a while"
                } else {
                    "yet"
                };
                format!(
                    "you haven't {verb} {when}: “{}”",
                    Activity::Lesson(lesson.clone()).title(course)
                )
            }
            Reason::GroupWork { alone_percent } => format!(
                "work with others: {alone_percent}% of your last two weeks was alone at a screen"
            ),
            Reason::ScreenTime { activity, spent } => {
                let what = match activity {
                    Activity::Lesson(id) => match course.lesson(id).map(|l| l.modality) {
                        Some(Modality::Group) => "a group activity away from the screen",
                        _ => "a hands-on activity away from the screen",
                    },
                    Activity::PracticeSheet => {
                        "practice on paper for the skills you are working on"
                    }
                    _ => "work with a group, away from the screen",
                };
                let when = if *spent {
                    "screen time is done for now"
                } else {
                    "screen time is nearly used up"
                };
                format!("{when}: “{}” is {what}", activity.title(course))
            }
            Reason::CourseOrder => "next in the course order".to_string(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Recommendation {
    pub activity: Activity,
    pub reason: Reason,
    /// Higher is more urgent; only the order matters.
    pub score: f64,
}

/// One skill of the full skill map a student may browse and pick from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SkillOverview {
    pub skill: String,
    pub state: SkillState,
    pub p_mastery: f64,
    pub review_due: bool,
    /// Locked skills: the ready or in-progress skills that lead to this one, i.e. what
    /// the student can work on now to unlock it. Empty otherwise.
    pub start_with: Vec<String>,
}

/// Every skill of `course` in course (topological) order with its state.
pub fn overview(course: &Course, skills: &HashMap<String, SkillStatus>) -> Vec<SkillOverview> {
    let graph = Graph::new(course, skills);
    (0..course.skills.len())
        .map(|i| {
            let start_with = if matches!(graph.states[i], SkillState::Locked { .. }) {
                graph
                    .dag
                    .ancestors(i)
                    .into_iter()
                    .filter(|&a| graph.states[a].actionable())
                    .map(|a| course.skills[a].id.clone())
                    .collect()
            } else {
                Vec::new()
            };
            SkillOverview {
                skill: course.skills[i].id.clone(),
                state: graph.states[i].clone(),
                p_mastery: graph.p_mastery(i),
                review_due: graph.review_due(i),
                start_with,
            }
        })
        .collect()
}

/// The `count` options to offer now, best first: teacher pins, then (offline first when
/// screen time is spent) the highest-scoring options, at most one per skill and no more
/// than half of one kind while other kinds are available.
pub fn recommend(course: &Course, situation: &Situation, count: usize) -> Vec<Recommendation> {
    let graph = Graph::with_targets(
        course,
        &situation.skills,
        &situation.goals,
        &situation.assignments,
    );
    let hidden = |a: &Activity| situation.hidden.contains(a);
    let offline_only = situation.screen_time.offline();

    let mut picked: Vec<Recommendation> = Vec::new();
    let mut used_skills: Vec<usize> = Vec::new();
    for (i, activity) in situation.pinned.iter().enumerate() {
        if picked.len() == count {
            break;
        }
        let done = matches!(activity, Activity::Lesson(id) if situation.lessons_done.contains(id));
        if done
            || hidden(activity)
            || !activity.exists(course)
            || (offline_only && !activity.is_offline(course))
            || picked.iter().any(|r| &r.activity == activity)
        {
            continue;
        }
        if let Some(s) = graph.focus_skill(course, activity) {
            used_skills.push(s);
        }
        picked.push(Recommendation {
            activity: activity.clone(),
            reason: Reason::Pinned,
            score: 1000.0 - i as f64,
        });
    }

    let mut candidates: Vec<Candidate> = candidates(course, situation, &graph)
        .into_iter()
        .filter(|c| !hidden(&c.activity) && !picked.iter().any(|r| r.activity == c.activity))
        .collect();
    candidates.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.activity.kind().cmp(&b.activity.kind()))
            .then(a.order.cmp(&b.order))
    });

    let kind_cap = count.div_ceil(2).max(1);
    // Near or past the budget every option is an offline one: nothing on screen fills
    // the remaining slots.
    let tiers: &[Option<bool>] = if offline_only { &[Some(true)] } else { &[None] };
    let mut taken = vec![false; candidates.len()];
    for tier in tiers {
        for capped in [true, false] {
            for (c, taken) in candidates.iter().zip(taken.iter_mut()) {
                if picked.len() == count {
                    return picked;
                }
                if *taken || tier.is_some_and(|offline| offline != c.offline) {
                    continue;
                }
                if c.skill.is_some_and(|s| used_skills.contains(&s)) {
                    continue;
                }
                let kind = c.activity.kind();
                let same_kind = picked.iter().filter(|r| r.activity.kind() == kind).count();
                if capped && same_kind >= kind_cap {
                    continue;
                }
                *taken = true;
                used_skills.extend(c.skill);
                picked.push(Recommendation {
                    activity: c.activity.clone(),
                    reason: c.reason.clone(),
                    score: c.score,
                });
            }
        }
    }
    picked
}

struct Candidate {
    activity: Activity,
    /// The skill this option is about, for the one-option-per-skill rule.
    skill: Option<usize>,
    reason: Reason,
    score: f64,
    offline: bool,
    order: usize,
}

/// Urgency bonus in `[0, 20]` for a deadline: full when due within a day or overdue,
/// fading to nothing two weeks out.
fn urgency(due: i64, now: i64) -> f64 {
    let days = (due - now) as f64 / dates::DAY_MS as f64;
    20.0 * (1.0 - (days - 1.0) / 13.0).clamp(0.0, 1.0)
}

/// An assignment's score. A pressing one (due within two school days, or late) ranks
/// above every review (at most 90) and goal (at most 100), below pins and the screen-time
/// budget (CONTRACTS' precedence); a later one ranks like a near goal.
fn assignment_score(pressing: bool, due: i64, now: i64) -> f64 {
    if pressing {
        150.0 + urgency(due, now)
    } else {
        90.0 + urgency(due, now)
    }
}

/// The score of group work the solo/group balance asks for (CONTRACTS' precedence 5): 90,
/// the top of the review band (70–90), so no review ranks below it (a tie goes to the
/// review by kind order), and above every goal due more than about a week out. Goals due
/// within a week (80 plus an urgency of up to 20) may still rank above it: the review and
/// goal bands overlap by design of the earlier issues.
const GROUP_WORK_SCORE: f64 = 90.0;

/// The group-work reason (and its score) when the balance asks for it and `activity` is
/// work with others (a group project, a group lesson).
fn group_reason(situation: &Situation, with_others: bool) -> Option<(Reason, f64)> {
    let alone_percent = situation.group_work?;
    with_others.then_some((Reason::GroupWork { alone_percent }, GROUP_WORK_SCORE))
}

/// The assignment reason (and its score) for a lesson or project the teacher assigned.
fn assigned_reason(situation: &Situation, activity: &Activity) -> Option<(Reason, f64)> {
    situation
        .assigned_work
        .iter()
        .filter(|w| &w.activity == activity)
        .map(|w| {
            (
                Reason::AssignedWork {
                    due: w.due,
                    now: situation.now,
                },
                assignment_score(w.pressing, w.due, situation.now),
            )
        })
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The best reason (and its score) to work on skill `i` now, if it is actionable.
fn skill_reason(
    course: &Course,
    situation: &Situation,
    graph: &Graph,
    i: usize,
) -> Option<(Reason, f64)> {
    let now = situation.now;
    let state = &graph.states[i];
    if state == &SkillState::Mastered {
        if !graph.review_due(i) {
            return None;
        }
        let status = graph.status(i);
        let recall = status.and_then(|s| s.recall).map(unit);
        let days_since = status
            .and_then(|s| s.last_practised)
            .map(|t| dates::day_number(now) - dates::day_number(t));
        let score = 70.0 + 20.0 * (1.0 - recall.unwrap_or(0.5));
        return Some((Reason::ReviewDue { days_since, recall }, score));
    }
    if !state.actionable() {
        return None;
    }
    let mut best: Option<(Reason, f64)> = None;
    let mut consider = |reason: Reason, score: f64| {
        if best.as_ref().is_none_or(|(_, s)| score > *s) {
            best = Some((reason, score));
        }
    };
    for (a, closure) in situation.assignments.iter().zip(&graph.assignment_closures) {
        if closure.binary_search(&i).is_ok() {
            consider(
                Reason::Assignment {
                    skill: a.skill.clone(),
                    step: course.skills[i].id.clone(),
                    due: a.due,
                    now,
                },
                assignment_score(a.pressing, a.due, now),
            );
        }
    }
    for (g, closure) in situation.goals.iter().zip(&graph.goal_closures) {
        if closure.binary_search(&i).is_ok() {
            consider(
                Reason::Goal {
                    goal: g.display_name(course),
                    due: g.due,
                    now,
                },
                80.0 + urgency(g.due, now),
            );
        }
    }
    match state {
        SkillState::InProgress => {
            let p = graph.p_mastery(i);
            consider(Reason::KeepGoing { p_mastery: p }, 60.0 + 10.0 * p);
        }
        SkillState::Ready => {
            let builds_on = course.skills[i]
                .prerequisites
                .iter()
                .filter(|p| {
                    graph
                        .dag
                        .index_of(p)
                        .is_some_and(|j| graph.states[j] == SkillState::Mastered)
                })
                .cloned()
                .collect();
            let unlocks = graph.dag.dependents(i).len().min(5) as f64;
            consider(Reason::Ready { builds_on }, 50.0 + unlocks);
        }
        _ => {}
    }
    best
}

fn candidates(course: &Course, situation: &Situation, graph: &Graph) -> Vec<Candidate> {
    let now = situation.now;
    let mut reasons: Vec<Option<(Reason, f64)>> = (0..course.skills.len())
        .map(|i| skill_reason(course, situation, graph, i))
        .collect();
    let fixed = situation.policy == Policy::FixedSequence;
    if fixed {
        // The course's order replaces the adaptive reasons (goals, readiness, keep
        // going); assignments and due reviews keep theirs (CONTRACTS' precedence).
        let next = course_order_next(course, &situation.skills);
        for (i, reason) in reasons.iter_mut().enumerate() {
            let keep = matches!(
                reason,
                Some((Reason::Assignment { .. } | Reason::ReviewDue { .. }, _))
            );
            if Some(i) == next {
                if !keep {
                    *reason = Some((Reason::CourseOrder, 85.0));
                }
            } else if !keep {
                *reason = None;
            }
        }
    }
    let variant = situation.lesson_variant.as_deref();
    let mut has_items = vec![false; course.skills.len()];
    for item in &course.items {
        for s in &item.skills {
            if let Some(i) = graph.dag.index_of(s) {
                has_items[i] = true;
            }
        }
    }
    let spent = situation.screen_time == crate::screen_time::Level::Spent;
    let screen = |activity: &Activity, best: Option<(Reason, f64)>| -> Option<(Reason, f64)> {
        let base = best.map_or(0.0, |(_, s)| s);
        Some((
            Reason::ScreenTime {
                activity: activity.clone(),
                spent,
            },
            200.0 + base,
        ))
    };

    let mut out = Vec::new();
    for (i, reason) in reasons.iter().enumerate() {
        let Some((reason, score)) = reason else {
            continue;
        };
        if !has_items[i] {
            continue;
        }
        let id = course.skills[i].id.clone();
        let activity = if graph.states[i] == SkillState::Mastered {
            Activity::Review(id)
        } else {
            Activity::PracticeSkill(id)
        };
        out.push(Candidate {
            activity,
            skill: Some(i),
            reason: reason.clone(),
            score: *score,
            offline: false,
            order: i,
        });
    }

    for (order, lesson) in course.lessons.iter().enumerate() {
        if !course.lesson_shown(lesson, variant) {
            continue;
        }
        // The lesson's most urgent actionable skill decides what it is about; an
        // assigned lesson is offered even when none of its skills is actionable.
        let activity = Activity::Lesson(lesson.id.clone());
        let assigned = assigned_reason(situation, &activity);
        let inherited = lesson
            .skills
            .iter()
            .filter_map(|s| graph.dag.index_of(s))
            .filter_map(|i| reasons[i].as_ref().map(|(r, s)| (i, (r.clone(), s - 8.0))))
            .max_by(|a, b| a.1.1.total_cmp(&b.1.1));
        let (skill, mut best) = match (inherited, assigned) {
            (Some((i, inherited)), assigned) => (
                Some(i),
                match assigned {
                    Some(a) if a.1 > inherited.1 => Some(a),
                    _ => Some(inherited),
                },
            ),
            (None, Some(assigned)) => (
                lesson.skills.first().and_then(|s| graph.dag.index_of(s)),
                Some(assigned),
            ),
            (None, None) => continue,
        };
        let last = situation.modality_last_used.get(&lesson.modality).copied();
        let days_since = last.map(|t| dates::day_number(now) - dates::day_number(t));
        if !fixed && days_since.is_none_or(|d| d >= MODALITY_STALE_DAYS) {
            let score = 45.0 + days_since.map_or(10.0, |d| (d.min(30) as f64) / 3.0);
            if best.as_ref().is_none_or(|(_, s)| score > *s) {
                best = Some((
                    Reason::Modality {
                        modality: lesson.modality,
                        lesson: lesson.id.clone(),
                        days_since,
                    },
                    score,
                ));
            }
        }
        if let Some(group) = group_reason(situation, lesson.modality == Modality::Group)
            && best.as_ref().is_none_or(|(_, s)| group.1 > *s)
        {
            best = Some(group);
        }
        let offline = lesson.modality.is_offline();
        if offline && situation.screen_time.offline() {
            best = screen(&activity, best);
        }
        if let Some((reason, score)) = best {
            out.push(Candidate {
                activity,
                skill,
                reason,
                score,
                offline,
                order,
            });
        }
    }

    for (order, project) in course.projects.iter().enumerate() {
        let indices: Vec<usize> = project
            .skills
            .iter()
            .filter_map(|s| graph.dag.index_of(s))
            .collect();
        let assigned = assigned_reason(situation, &Activity::Project(project.id.clone()));
        if assigned.is_none()
            && (indices.len() != project.skills.len()
                || indices
                    .iter()
                    .any(|&i| matches!(graph.states[i], SkillState::Locked { .. })))
        {
            continue;
        }
        let mut best: Option<(Reason, f64)> = assigned;
        if let Some(interest) = project.interests.iter().filter(|_| !fixed).find(|tag| {
            situation
                .interests
                .iter()
                .any(|mine| mine.trim().eq_ignore_ascii_case(tag.trim()))
        }) {
            best = Some((
                Reason::Interest {
                    interest: interest.clone(),
                    project: project.id.clone(),
                },
                55.0,
            ));
        }
        for (g, closure) in situation.goals.iter().zip(&graph.goal_closures) {
            let mine = matches!(&g.target, GoalTarget::Project(p) if p == &project.id);
            let score = 80.0 + urgency(g.due, now);
            if !fixed && mine && closure.is_empty() && best.as_ref().is_none_or(|(_, s)| score > *s)
            {
                best = Some((
                    Reason::Goal {
                        goal: g.display_name(course),
                        due: g.due,
                        now,
                    },
                    score,
                ));
            }
        }
        if let Some(group) = group_reason(situation, project.group_min >= 2)
            && best.as_ref().is_none_or(|(_, s)| group.1 > *s)
        {
            best = Some(group);
        }
        let activity = Activity::Project(project.id.clone());
        let offline = project.group_min >= 2;
        if offline && situation.screen_time.offline() {
            best = screen(&activity, best);
        }
        if let Some((reason, score)) = best {
            out.push(Candidate {
                activity,
                skill: None,
                reason,
                score,
                offline,
                order,
            });
        }
    }

    // A printable sheet on the skills the student would practise on screen: offered
    // only when the path is offline, first among the offline options.
    if situation.screen_time.offline() {
        let best = out
            .iter()
            .filter(|c| !c.offline && c.skill.is_some())
            .map(|c| c.score)
            .max_by(f64::total_cmp);
        if let Some(best) = best {
            let activity = Activity::PracticeSheet;
            if let Some((reason, _)) = screen(&activity, None) {
                out.push(Candidate {
                    activity,
                    skill: None,
                    reason,
                    score: 300.0 + best,
                    offline: true,
                    order: 0,
                });
            }
        }
    }
    out
}

/// The skills a printable practice sheet covers: those the student would practise on
/// screen now (in progress, ready, or due for review, with items), most urgent first, at
/// most `max`. Empty when nothing is actionable.
pub fn sheet_skills(course: &Course, situation: &Situation, max: usize) -> Vec<String> {
    let graph = Graph::with_targets(
        course,
        &situation.skills,
        &situation.goals,
        &situation.assignments,
    );
    let mut scored: Vec<(f64, usize)> = (0..course.skills.len())
        .filter(|&i| {
            course
                .items_for_skill(&course.skills[i].id)
                .next()
                .is_some()
        })
        .filter_map(|i| skill_reason(course, situation, &graph, i).map(|(_, s)| (s, i)))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    scored
        .into_iter()
        .take(max)
        .map(|(_, i)| course.skills[i].id.clone())
        .collect()
}

/// The course's prerequisite graph with the student's resolved states.
struct Graph<'a> {
    dag: PrerequisiteGraph,
    states: Vec<SkillState>,
    statuses: Vec<Option<&'a SkillStatus>>,
    /// Per goal / assignment: the not-mastered skills it still needs (prerequisites included).
    goal_closures: Vec<Vec<usize>>,
    assignment_closures: Vec<Vec<usize>>,
}

impl<'a> Graph<'a> {
    fn new(course: &'a Course, skills: &'a HashMap<String, SkillStatus>) -> Self {
        Self::with_targets(course, skills, &[], &[])
    }

    fn with_targets(
        course: &'a Course,
        skills: &'a HashMap<String, SkillStatus>,
        goals: &[Goal],
        assignments: &[Assignment],
    ) -> Self {
        let statuses: Vec<Option<&SkillStatus>> =
            course.skills.iter().map(|s| skills.get(&s.id)).collect();
        let mastered = |id: &str| {
            skills
                .get(id)
                .is_some_and(|s| s.state == SkillState::Mastered)
        };
        let states = course
            .skills
            .iter()
            .zip(&statuses)
            .map(|(skill, status)| match status {
                Some(s) => s.state.clone(),
                None => SkillState::not_started(skill, mastered),
            })
            .collect();
        let mut graph = Graph {
            dag: PrerequisiteGraph::of(course),
            states,
            statuses,
            goal_closures: Vec::new(),
            assignment_closures: Vec::new(),
        };
        graph.goal_closures = goals
            .iter()
            .map(|g| graph.remaining(&g.skill_ids(course)))
            .collect();
        graph.assignment_closures = assignments
            .iter()
            .map(|a| graph.remaining(std::slice::from_ref(&a.skill.as_str())))
            .collect();
        graph
    }

    fn status(&self, i: usize) -> Option<&SkillStatus> {
        self.statuses[i]
    }
    fn p_mastery(&self, i: usize) -> f64 {
        self.status(i).map_or(0.0, |s| unit(s.p_mastery))
    }
    fn review_due(&self, i: usize) -> bool {
        self.states[i] == SkillState::Mastered && self.status(i).is_some_and(|s| s.review_due)
    }

    /// `targets` and all their prerequisites, transitively, that are not mastered.
    fn remaining(&self, targets: &[&str]) -> Vec<usize> {
        let start: Vec<usize> = targets
            .iter()
            .filter_map(|t| self.dag.index_of(t))
            .collect();
        let mut all = self.dag.with_ancestors(&start);
        all.retain(|&i| self.states[i] != SkillState::Mastered);
        all
    }

    fn focus_skill(&self, course: &Course, activity: &Activity) -> Option<usize> {
        match activity {
            Activity::PracticeSkill(id) | Activity::Review(id) => self.dag.index_of(id),
            Activity::Lesson(id) => course
                .lesson(id)
                .and_then(|l| l.skills.first())
                .and_then(|s| self.dag.index_of(s)),
            Activity::Project(_) | Activity::PracticeSheet => None,
        }
    }
}

fn skill_name(course: &Course, id: &str) -> String {
    course
        .skill(id)
        .map_or_else(|| id.to_string(), |s| s.name.clone())
}

/// `x` clamped to `[0, 1]`, with anything not finite read as 0.
fn unit(x: f64) -> f64 {
    if x.is_finite() {
        x.clamp(0.0, 1.0)
    } else {
        0.0
    }
}

fn round_to(x: f64, step: i64) -> i64 {
    let step = step.max(1) as f64;
    ((x / step).round() * step) as i64
}

/// "A", "A and B", "A, B and C".
fn and_list(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// Calendar wording of ms timestamps, in UTC.
pub mod dates {
    pub const DAY_MS: i64 = 86_400_000;

    const WEEKDAYS: [&str; 7] = [
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ];
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];

    /// Days since 1970-01-01 (UTC) of the day containing `ms`.
    pub fn day_number(ms: i64) -> i64 {
        ms.div_euclid(DAY_MS)
    }

    /// (year, month 1–12, day 1–31) of the UTC day containing `ms`.
    pub fn civil(ms: i64) -> (i64, u32, u32) {
        // Howard Hinnant's days-to-civil algorithm.
        let z = day_number(ms) + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = yoe + era * 400 + i64::from(month <= 2);
        (year, month, day)
    }

    /// "Monday" … "Sunday".
    pub fn weekday(ms: i64) -> &'static str {
        // 1970-01-01 was a Thursday.
        WEEKDAYS[(day_number(ms) + 3).rem_euclid(7) as usize]
    }

    /// "12 March", with the year when it differs from `now`'s: "12 March 2027".
    pub fn day_month(ms: i64, now: i64) -> String {
        let (year, month, day) = civil(ms);
        let name = MONTHS[(month as usize).saturating_sub(1).min(11)];
        if year == civil(now).0 {
            format!("{day} {name}")
        } else {
            format!("{day} {name} {year}")
        }
    }

    /// "due today", "due tomorrow", "due Friday" (within a week), "due on 12 March",
    /// "was due yesterday", "was due on 3 March".
    pub fn due_phrase(due: i64, now: i64) -> String {
        match day_number(due) - day_number(now) {
            0 => "due today".to_string(),
            1 => "due tomorrow".to_string(),
            2..=6 => format!("due {}", weekday(due)),
            -1 => "was due yesterday".to_string(),
            d if d < 0 => format!("was due on {}", day_month(due, now)),
            _ => format!("due on {}", day_month(due, now)),
        }
    }

    /// "today", "yesterday", "12 days ago" for a whole number of days.
    pub fn days_ago(days: i64) -> String {
        match days {
            i64::MIN..=0 => "today".to_string(),
            1 => "yesterday".to_string(),
            d => format!("{d} days ago"),
        }
    }
}

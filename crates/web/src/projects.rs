//! Projects together (issue 10, points 1-4), what pages and the API share: who relates to
//! a group and how ([`group_relation`], the one place the guard asks: members, teachers,
//! and assigned peer reviewers once the group submitted), who may read a group's files
//! ([`may_read_group_files`], [`may_read_group_file`]), the grouping
//! input gathered from the store (rankings, the one state number of each project skill,
//! earlier partners, pairs kept apart) for `core::grouping`, and the notices sent when
//! groups are published.

use crate::{AppState, WebError};
use ownpace_core::course::Course;
use ownpace_core::grouping::{self, GroupingInput, ProjectSlot, Proposal, StudentInput};
use ownpace_core::ids::UserId;
use ownpace_storage::{Group, ProposedGroup, Role, Round, RoundStatus, User};
use std::collections::{BTreeMap, HashMap};

/// The upload route: its body limit and the guard's CSRF read are [`upload_body_limit`].
pub(crate) const UPLOAD_PATH: &str = "/groups/{group}/files";

/// The largest upload body under the settings' limits: one file at the per-file limit
/// (`upload_file_mb`) and the form's other fields.
pub fn upload_body_limit(quota: &ownpace_storage::FileQuota) -> usize {
    usize::try_from(quota.max_file_bytes)
        .unwrap_or(usize::MAX)
        .saturating_add(64 * 1024)
}

/// How someone relates to a group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRelation {
    /// A student in the group now (the groups published).
    Member,
    /// A teacher of the group's class.
    Teacher,
    /// A student assigned to review the group's work, once the group submitted: they
    /// read the submission (its text, link and files) and nothing else of the group.
    Reviewer,
}

impl GroupRelation {
    /// Whether the relation lets one into the group space (posts, milestones, uploads).
    pub fn works_in_group(self) -> bool {
        matches!(self, GroupRelation::Member | GroupRelation::Teacher)
    }
}

/// How `user` relates to `group`, if at all (the guard's `Subject::Group`). A student
/// sees nothing of a proposal before it is published, and nothing of a group they left.
pub(crate) async fn group_relation(
    state: &AppState,
    user: &User,
    group: &Group,
) -> Result<Option<GroupRelation>, WebError> {
    Ok(match user.role {
        Role::Teacher => state
            .store
            .teaches_class(&user.id, &group.class_id)
            .await?
            .then_some(GroupRelation::Teacher),
        Role::Student if group.published_at.is_none() => None,
        Role::Student => {
            if state.store.is_group_member(&group.id, &user.id).await? {
                Some(GroupRelation::Member)
            } else if group.is_submitted()
                && state.store.is_reviewer_of(&group.id, &user.id).await?
            {
                Some(GroupRelation::Reviewer)
            } else {
                None
            }
        }
        Role::Admin | Role::Guardian => None,
    })
}

/// Who may read (some of) a group's files: its members and teachers, and its assigned
/// peer reviewers after the group submitted ([`may_read_group_file`] says which file).
pub fn may_read_group_files(relation: GroupRelation, group: &Group) -> bool {
    match relation {
        GroupRelation::Member | GroupRelation::Teacher => true,
        GroupRelation::Reviewer => group.is_submitted(),
    }
}

/// Whether `relation` may read this file of the group: reviewers only the files of the
/// submission, never the rest of the group's work.
pub fn may_read_group_file(
    relation: GroupRelation,
    group: &Group,
    file: &ownpace_storage::GroupFile,
) -> bool {
    may_read_group_files(relation, group)
        && (relation != GroupRelation::Reviewer || file.in_submission)
}

/// A group's round and its project in the round's course (`NotFound` when the course or
/// project is gone).
pub(crate) async fn round_and_project(
    state: &AppState,
    group: &Group,
) -> Result<(Round, ownpace_core::course::Project), WebError> {
    let round = state
        .store
        .round(&group.round_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let course = state
        .course(&round.course_id)
        .await?
        .ok_or(WebError::NotFound)?;
    let project = course
        .course
        .project(&group.project_id)
        .cloned()
        .ok_or(WebError::NotFound)?;
    Ok((round, project))
}

/// A round's status in words for pages.
pub(crate) fn status_words(round: &Round, now: i64) -> String {
    match round.status {
        RoundStatus::Ranking if now > round.closes_at => {
            "ranking closed: groups to propose".to_string()
        }
        RoundStatus::Ranking => format!(
            "open to rank until {}",
            crate::views::date(round.closes_at, now)
        ),
        RoundStatus::Proposed => "groups proposed, not yet published".to_string(),
        RoundStatus::Published => format!(
            "groups working, due {}",
            crate::views::date(round.due_at, now)
        ),
        RoundStatus::Finished => "finished".to_string(),
    }
}

/// A project's title in the course (its id when the course no longer has it).
pub(crate) fn project_title(course: &Course, project_id: &str) -> String {
    course
        .project(project_id)
        .map_or_else(|| project_id.to_string(), |p| p.title.clone())
}

/// Everything the grouping reads for a round, from the store, and the class's students.
pub(crate) async fn grouping_input(
    state: &AppState,
    round: &Round,
    course: &Course,
) -> Result<(GroupingInput, Vec<User>), WebError> {
    let students = state.store.class_students(&round.class_id).await?;
    let rankings: HashMap<UserId, Vec<String>> =
        state.store.rankings(&round.id).await?.into_iter().collect();
    let mut mastery: HashMap<UserId, HashMap<String, f64>> = HashMap::new();
    for row in state.store.class_mastery(&round.class_id).await? {
        let view = crate::path::skill_view(state, Some(&row));
        mastery
            .entry(row.student_id.clone())
            .or_default()
            .insert(row.skill_id.to_string(), view.value.unwrap_or(0.0));
    }
    let projects: Vec<ProjectSlot> = round
        .projects
        .iter()
        .map(|p| ProjectSlot {
            id: p.project_id.clone(),
            min: usize::try_from(p.group_min).unwrap_or(1),
            max: usize::try_from(p.group_max).unwrap_or(1),
        })
        .collect();
    let inputs = students
        .iter()
        .map(|s| {
            let levels: BTreeMap<String, f64> = round
                .projects
                .iter()
                .map(|p| {
                    let skills = course
                        .project(&p.project_id)
                        .map(|p| p.skills.clone())
                        .unwrap_or_default();
                    let of = mastery.get(&s.id);
                    let level = if skills.is_empty() {
                        0.0
                    } else {
                        skills
                            .iter()
                            .map(|k| of.and_then(|m| m.get(k)).copied().unwrap_or(0.0))
                            .sum::<f64>()
                            / skills.len() as f64
                    };
                    (p.project_id.clone(), level)
                })
                .collect();
            StudentInput {
                id: s.id.clone(),
                ranking: rankings.get(&s.id).cloned().unwrap_or_default(),
                levels,
            }
        })
        .collect();
    let input = GroupingInput {
        projects,
        students: inputs,
        past_partners: state
            .store
            .past_partners(&round.class_id, &round.id)
            .await?,
        keep_apart: state.store.keep_apart_pairs(&round.class_id).await?,
        seed: round.seed as u64,
    };
    Ok((input, students))
}

/// Proposes groups for the round and saves them as its proposal (replacing an earlier
/// one); returns the core's proposal (with its warnings).
pub async fn propose(
    state: &AppState,
    round: &Round,
    course: &Course,
) -> Result<Proposal, WebError> {
    let (input, _) = grouping_input(state, round, course).await?;
    let proposal = grouping::propose(&input);
    let mut counts: HashMap<&str, usize> = HashMap::new();
    let groups: Vec<ProposedGroup> = proposal
        .groups
        .iter()
        .map(|g| {
            let n = counts.entry(g.project_id.as_str()).or_insert(0);
            *n += 1;
            let title = project_title(course, &g.project_id);
            let name: String = format!("{title} {n}").chars().take(70).collect();
            ProposedGroup {
                project_id: g.project_id.clone(),
                name,
                members: g
                    .members
                    .iter()
                    .map(|m| (m.student.clone(), m.reason.clone()))
                    .collect(),
            }
        })
        .collect();
    state
        .store
        .save_proposal(&round.id, &groups, state.now())
        .await?;
    Ok(proposal)
}

/// Publishes the round's groups and leaves each member a notice with a link to their
/// group's space.
pub async fn publish(state: &AppState, round: &Round, course: &Course) -> Result<usize, WebError> {
    let now = state.now();
    let published = state.store.publish_groups(&round.id, now).await?;
    let mut notified = 0;
    for (group, members) in &published {
        let title = project_title(course, &group.project_id);
        for member in members {
            let others: Vec<&str> = members
                .iter()
                .filter(|m| m.student_id != member.student_id)
                .map(|m| m.display_name.as_str())
                .collect();
            let with = if others.is_empty() {
                String::new()
            } else {
                format!(" with {}", others.join(", "))
            };
            state
                .store
                .notify(
                    &member.student_id,
                    &member.student_id,
                    "group_published",
                    &format!("Your project group is ready: {title}{with}"),
                    &format!("/groups/{}", group.id),
                    now,
                )
                .await?;
            notified += 1;
        }
    }
    Ok(notified)
}

/// Whether `current` (a teacher) may act on `student` in the round's class: the student is
/// enrolled there now. Ids in a form body are checked like path ids: 404 otherwise.
pub(crate) async fn student_in_round(
    state: &AppState,
    round: &Round,
    student: &str,
) -> Result<UserId, WebError> {
    let id = UserId::new(student);
    if state.store.is_enrolled(&id, &round.class_id).await? {
        Ok(id)
    } else {
        Err(WebError::NotFound)
    }
}

/// A group of the round, from a form body (404 when it is another round's).
pub(crate) async fn group_in_round(
    state: &AppState,
    round: &Round,
    group: &str,
) -> Result<Group, WebError> {
    match state.store.group(group).await? {
        Some(g) if g.round_id == round.id => Ok(g),
        _ => Err(WebError::NotFound),
    }
}

/// The members' ids, for the access log.
pub(crate) fn ids(members: &[ownpace_storage::GroupMember]) -> Vec<&UserId> {
    members.iter().map(|m| &m.student_id).collect()
}

/// The student's rounds in a course as links for their course page, newest first: their
/// group once published, else the ranking page (with the deadline while it is open).
pub(crate) async fn student_round_links(
    state: &AppState,
    student: &UserId,
    course_id: &ownpace_core::ids::CourseId,
) -> Result<Vec<(String, String)>, WebError> {
    let now = state.now();
    let mut links = Vec::new();
    for round in state.store.rounds_of_student(student).await? {
        if &round.course_id != course_id {
            continue;
        }
        let link = match state.store.group_of(student, &round.id).await? {
            Some(g) if g.published_at.is_some() => (
                format!("/groups/{}", g.id),
                format!("My project group: {} ({})", g.name, round.title),
            ),
            _ if round.ranking_open(now) => (
                format!("/rounds/{}/rank", round.id),
                format!(
                    "Rank the projects of {} (until {})",
                    round.title,
                    crate::views::date(round.closes_at, now)
                ),
            ),
            _ => (
                format!("/rounds/{}/rank", round.id),
                format!("{}: {}", round.title, status_words(&round, now)),
            ),
        };
        links.push(link);
    }
    Ok(links)
}

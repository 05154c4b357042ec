//! Recommendation rules (SPEC C4, C6, C12): each reason appears exactly when its condition
//! holds, teacher pins come first, hidden activities never appear, options are diverse and
//! a spent screen-time budget puts offline activities first.

use crate::support::TestCourse;
use ownpace_core::course::{Course, Lesson, Modality, Project};
use ownpace_core::goals::{Goal, GoalTarget};
use ownpace_core::recommend::{
    Activity, Assignment, Reason, Recommendation, Situation, SkillState, SkillStatus, dates,
    overview, recommend,
};
use std::collections::HashSet;

const DAY: i64 = 86_400_000;
/// Monday 2 March 2026, 10:00 UTC.
const NOW: i64 = 1_772_445_600_000;
/// Friday 6 March 2026, 17:00 UTC.
const FRIDAY: i64 = 1_772_816_400_000;
/// Thursday 12 March 2026, 09:00 UTC.
const MARCH_12: i64 = 1_773_306_000_000;
const ALL: usize = 100;

fn lesson(id: &str, title: &str, skill: &str, modality: Modality) -> Lesson {
    Lesson {
        id: id.into(),
        title: title.into(),
        skills: vec![skill.into()],
        modality,
        minutes: 10,
        body: String::new(),
        media: None,
        variant: None,
        variant_of: None,
    }
}

fn project(id: &str, title: &str, interest: &str, skill: &str, group_min: u32) -> Project {
    Project {
        id: id.into(),
        title: title.into(),
        body: String::new(),
        interests: vec![interest.into()],
        skills: vec![skill.into()],
        group_min,
        group_max: group_min.max(1) + 2,
        rubric: Vec::new(),
    }
}

/// frac → compare, frac → ratio → rate, (ratio, compare) → percent; add stands alone.
fn course() -> Course {
    TestCourse::new("test")
        .title("Test course")
        .skill("frac", "Equivalent fractions", &[])
        .skill("add", "Adding fractions", &[])
        .skill("compare", "Comparing fractions", &["frac"])
        .skill("ratio", "Ratios", &["frac"])
        .skill("rate", "Rates", &["ratio"])
        .skill("percent", "Percent", &["ratio", "compare"])
        .an_item_per_skill()
        .lesson(lesson("frac-read", "Equal parts", "frac", Modality::Read))
        .lesson(lesson(
            "ratio-watch",
            "Ratio tables",
            "ratio",
            Modality::Watch,
        ))
        .lesson(lesson(
            "ratio-hands",
            "Mixing paint",
            "ratio",
            Modality::HandsOn,
        ))
        .lesson(lesson(
            "compare-group",
            "Fraction line-up",
            "compare",
            Modality::Group,
        ))
        .project(project("box", "Box scores", "sport", "ratio", 2))
        .project(project("music", "Beats per minute", "music", "rate", 1))
        .build()
}

fn status(state: SkillState, p_mastery: f64) -> SkillStatus {
    SkillStatus {
        state,
        p_mastery,
        attempts: 5,
        last_practised: Some(NOW - DAY),
        recall: None,
        review_due: false,
        view: Default::default(),
    }
}

/// `frac` mastered (so compare and ratio are ready), every modality used today.
fn situation() -> Situation {
    let mut s = Situation {
        now: NOW,
        ..Situation::default()
    };
    s.skills
        .insert("frac".into(), status(SkillState::Mastered, 0.97));
    for m in [
        Modality::Read,
        Modality::Watch,
        Modality::HandsOn,
        Modality::Group,
    ] {
        s.modality_last_used.insert(m, NOW);
    }
    s
}

fn texts(course: &Course, recs: &[Recommendation]) -> Vec<String> {
    recs.iter().map(|r| r.reason.text(course)).collect()
}

fn find<'a>(recs: &'a [Recommendation], activity: &Activity) -> Option<&'a Recommendation> {
    recs.iter().find(|r| &r.activity == activity)
}

fn practice(id: &str) -> Activity {
    Activity::PracticeSkill(id.into())
}

#[test]
fn review_is_offered_exactly_when_due() {
    let c = course();
    let mut s = situation();
    if let Some(frac) = s.skills.get_mut("frac") {
        frac.recall = Some(0.62);
        frac.last_practised = Some(NOW - 12 * DAY);
    }
    let recs = recommend(&c, &s, ALL);
    assert!(
        !recs
            .iter()
            .any(|r| matches!(r.reason, Reason::ReviewDue { .. }))
    );
    assert!(find(&recs, &Activity::Review("frac".into())).is_none());

    if let Some(frac) = s.skills.get_mut("frac") {
        frac.review_due = true;
    }
    let recs = recommend(&c, &s, ALL);
    let review = find(&recs, &Activity::Review("frac".into())).expect("review offered");
    assert_eq!(
        review.reason.text(&c),
        "due for review: last practised 12 days ago, recall now about 60%"
    );
    // A review is never offered for a skill that is not mastered, even if flagged.
    let mut s = situation();
    let mut ratio = status(SkillState::InProgress, 0.5);
    ratio.review_due = true;
    s.skills.insert("ratio".into(), ratio);
    let recs = recommend(&c, &s, ALL);
    assert!(find(&recs, &Activity::Review("ratio".into())).is_none());
}

#[test]
fn keep_going_exactly_for_skills_in_progress() {
    let c = course();
    let mut s = situation();
    s.skills
        .insert("ratio".into(), status(SkillState::InProgress, 0.62));
    let recs = recommend(&c, &s, ALL);
    let ratio = find(&recs, &practice("ratio")).expect("ratio offered");
    assert_eq!(ratio.reason.text(&c), "keep going: 62% mastered");
    let keep_going: Vec<_> = recs
        .iter()
        .filter(|r| matches!(r.reason, Reason::KeepGoing { .. }))
        .collect();
    assert_eq!(keep_going.len(), 1, "{:?}", texts(&c, &recs));
}

#[test]
fn ready_names_the_mastered_prerequisites_and_locked_skills_are_not_offered() {
    let c = course();
    let recs = recommend(&c, &situation(), ALL);
    let compare = find(&recs, &practice("compare")).expect("compare offered");
    assert_eq!(
        compare.reason.text(&c),
        "ready: you mastered “Equivalent fractions”, which this builds on"
    );
    let add = find(&recs, &practice("add")).expect("add offered");
    assert_eq!(
        add.reason.text(&c),
        "ready: a starting point, nothing needs to come first"
    );
    for locked in ["rate", "percent"] {
        assert!(find(&recs, &practice(locked)).is_none(), "{locked} offered");
    }
    // Mastered without a due review: nothing to do.
    assert!(find(&recs, &practice("frac")).is_none());
    let ready = recs
        .iter()
        .filter(|r| matches!(r.reason, Reason::Ready { .. }))
        .count();
    assert_eq!(ready, 3, "compare, ratio, add: {:?}", texts(&c, &recs));
}

#[test]
fn goal_reason_exactly_for_next_steps_toward_the_goal() {
    let c = course();
    let mut s = situation();
    let recs = recommend(&c, &s, ALL);
    assert!(!recs.iter().any(|r| matches!(r.reason, Reason::Goal { .. })));

    s.goals.push(Goal {
        name: "Ratios".into(),
        target: GoalTarget::Skills(vec!["rate".into()]),
        due: FRIDAY,
    });
    let recs = recommend(&c, &s, ALL);
    let goal: Vec<_> = recs
        .iter()
        .filter(|r| matches!(r.reason, Reason::Goal { .. }))
        .collect();
    assert_eq!(goal.len(), 1, "{:?}", texts(&c, &recs));
    assert_eq!(goal[0].activity, practice("ratio"));
    assert_eq!(
        goal[0].reason.text(&c),
        "next step toward your goal “Ratios” due Friday"
    );
    // The goal's step is the most urgent option.
    assert_eq!(recs[0].activity, practice("ratio"));
}

#[test]
fn project_goal_offers_the_project_once_its_skills_are_mastered() {
    let c = course();
    let mut s = situation();
    s.goals.push(Goal {
        name: String::new(),
        target: GoalTarget::Project("music".into()),
        due: MARCH_12,
    });
    let recs = recommend(&c, &s, ALL);
    assert_eq!(
        find(&recs, &practice("ratio")).map(|r| r.reason.text(&c)),
        Some("next step toward your goal “Beats per minute” due on 12 March".to_string())
    );
    assert!(find(&recs, &Activity::Project("music".into())).is_none());

    s.skills
        .insert("ratio".into(), status(SkillState::Mastered, 0.97));
    s.skills
        .insert("rate".into(), status(SkillState::Mastered, 0.97));
    let recs = recommend(&c, &s, ALL);
    let music = find(&recs, &Activity::Project("music".into())).expect("project offered");
    assert!(matches!(music.reason, Reason::Goal { .. }));
}

#[test]
fn assignment_reason_for_the_assigned_skill_and_what_it_needs() {
    let c = course();
    let mut s = situation();
    s.assignments.push(Assignment {
        skill: "percent".into(),
        due: MARCH_12,
        pressing: false,
    });
    let recs = recommend(&c, &s, ALL);
    let assigned: HashSet<_> = recs
        .iter()
        .filter(|r| matches!(r.reason, Reason::Assignment { .. }))
        .map(|r| r.activity.clone())
        .collect();
    assert_eq!(
        assigned,
        HashSet::from([practice("ratio"), practice("compare")]),
        "{:?}",
        texts(&c, &recs)
    );
    assert_eq!(
        find(&recs, &practice("ratio")).map(|r| r.reason.text(&c)),
        Some("needed for your assignment “Percent”, due on 12 March".to_string())
    );
    assert_eq!(
        find(&recs, &practice("add")).map(|r| r.reason.clone()),
        Some(Reason::Ready {
            builds_on: Vec::new()
        })
    );

    s.assignments[0].skill = "compare".into();
    s.assignments[0].due = NOW + 3_600_000;
    let recs = recommend(&c, &s, 1);
    assert_eq!(recs[0].activity, practice("compare"));
    assert_eq!(
        recs[0].reason.text(&c),
        "assigned by your teacher: “Comparing fractions” due today"
    );
}

#[test]
fn interest_reason_exactly_for_matching_unlocked_projects() {
    let c = course();
    let mut s = situation();
    let recs = recommend(&c, &s, ALL);
    assert!(
        !recs
            .iter()
            .any(|r| matches!(r.activity, Activity::Project(_)))
    );

    s.interests = vec!["Sport".into(), "music".into()];
    let recs = recommend(&c, &s, ALL);
    let box_scores = find(&recs, &Activity::Project("box".into())).expect("project offered");
    assert_eq!(
        box_scores.reason.text(&c),
        "you like sport: project “Box scores”"
    );
    // "music" matches, but its skill (rate) is still locked.
    assert!(find(&recs, &Activity::Project("music".into())).is_none());

    // Before fractions are mastered, ratio is locked: no sport project either.
    s.skills.clear();
    let recs = recommend(&c, &s, ALL);
    assert!(find(&recs, &Activity::Project("box".into())).is_none());
}

#[test]
fn modality_reason_exactly_when_unused_for_a_while() {
    let c = course();
    let mut s = situation();
    // Practising ratio would take the ratio slot; hide it and the hands-on ratio lesson.
    s.hidden = vec![practice("ratio"), Activity::Lesson("ratio-hands".into())];
    s.modality_last_used.insert(Modality::Watch, NOW - 6 * DAY);
    let recs = recommend(&c, &s, ALL);
    assert!(
        !recs
            .iter()
            .any(|r| matches!(r.reason, Reason::Modality { .. })),
        "{:?}",
        texts(&c, &recs)
    );

    s.modality_last_used.insert(Modality::Watch, NOW - 10 * DAY);
    let recs = recommend(&c, &s, ALL);
    let watch = find(&recs, &Activity::Lesson("ratio-watch".into())).expect("lesson offered");
    assert_eq!(
        watch.reason.text(&c),
        "you haven't watched a lesson in a while: “Ratio tables”"
    );

    s.modality_last_used.remove(&Modality::Watch);
    let recs = recommend(&c, &s, ALL);
    let watch = find(&recs, &Activity::Lesson("ratio-watch".into())).expect("lesson offered");
    assert_eq!(
        watch.reason.text(&c),
        "you haven't watched a lesson yet: “Ratio tables”"
    );
}

#[test]
fn a_finished_pinned_lesson_leaves_the_top() {
    let c = course();
    let mut s = situation();
    s.pinned = vec![Activity::Lesson("frac-read".into()), practice("rate")];
    let recs = recommend(&c, &s, ALL);
    assert_eq!(recs[0].activity, Activity::Lesson("frac-read".into()));
    s.lessons_done.insert("frac-read".into());
    let recs = recommend(&c, &s, ALL);
    assert_eq!(recs[0].activity, practice("rate"));
    assert!(
        !recs
            .iter()
            .any(|r| r.activity == Activity::Lesson("frac-read".into())
                && r.reason == Reason::Pinned),
        "a finished lesson is no longer offered as pinned"
    );
}

#[test]
fn pins_come_first_in_order_and_hidden_never_appear() {
    let c = course();
    let mut s = situation();
    s.pinned = vec![
        practice("rate"),
        Activity::Lesson("frac-read".into()),
        Activity::Project("nope".into()),
        practice("add"),
    ];
    s.hidden = vec![practice("add"), practice("ratio")];
    for count in [1, 2, 3, ALL] {
        let recs = recommend(&c, &s, count);
        assert_eq!(recs.len(), count.min(recs.len()));
        assert_eq!(recs[0].activity, practice("rate"));
        assert_eq!(recs[0].reason.text(&c), "pinned by your teacher");
        if count >= 2 {
            assert_eq!(recs[1].activity, Activity::Lesson("frac-read".into()));
            assert_eq!(recs[1].reason, Reason::Pinned);
        }
        for r in &recs[count.min(2)..] {
            assert_ne!(r.reason, Reason::Pinned);
        }
        for hidden in &s.hidden {
            assert!(find(&recs, hidden).is_none(), "{hidden:?} shown");
        }
    }
}

#[test]
fn options_are_diverse_in_kind_and_skill() {
    let c = course();
    let mut s = situation();
    s.interests = vec!["sport".into()];
    let recs = recommend(&c, &s, 3);
    assert_eq!(recs.len(), 3);
    let kinds: HashSet<_> = recs
        .iter()
        .map(|r| std::mem::discriminant(&r.activity))
        .collect();
    assert!(kinds.len() >= 2, "{recs:?}");

    // Not two options for the same skill, whatever the count.
    let recs = recommend(&c, &s, ALL);
    let mut skills = HashSet::new();
    for r in &recs {
        let skill = match &r.activity {
            Activity::PracticeSkill(id) | Activity::Review(id) => id.clone(),
            Activity::Lesson(id) => c
                .lesson(id)
                .map(|l| l.skills[0].clone())
                .unwrap_or_default(),
            Activity::Project(id) => format!("project {id}"),
            Activity::PracticeSheet => "sheet".to_string(),
        };
        assert!(skills.insert(skill.clone()), "two options for {skill}");
    }

    // Only one kind available: all three are practice.
    let mut bare = course();
    bare.lessons.clear();
    bare.projects.clear();
    let recs = recommend(&bare, &situation(), 3);
    assert_eq!(recs.len(), 3);
    assert!(
        recs.iter()
            .all(|r| matches!(r.activity, Activity::PracticeSkill(_)))
    );
}

#[test]
fn near_or_past_the_budget_every_option_is_offline() {
    use ownpace_core::screen_time::Level;
    let c = course();
    let mut s = situation();
    s.interests = vec!["sport".into()];
    let recs = recommend(&c, &s, ALL);
    assert!(
        !recs
            .iter()
            .any(|r| matches!(r.reason, Reason::ScreenTime { .. })
                || r.activity == Activity::PracticeSheet)
    );

    s.screen_time = Level::Near;
    // An on-screen pin gives way to the budget (CONTRACTS: the budget comes first).
    s.pinned = vec![practice("add")];
    let recs = recommend(&c, &s, ALL);
    assert_eq!(recs.len(), 4, "{:?}", texts(&c, &recs));
    for r in &recs {
        assert!(
            matches!(r.reason, Reason::ScreenTime { spent: false, .. }),
            "{:?}",
            texts(&c, &recs)
        );
        assert!(r.activity.is_offline(&c));
    }
    let offline: HashSet<_> = recs.iter().map(|r| r.activity.clone()).collect();
    assert_eq!(
        offline,
        HashSet::from([
            Activity::PracticeSheet,
            Activity::Lesson("ratio-hands".into()),
            Activity::Lesson("compare-group".into()),
            Activity::Project("box".into()),
        ])
    );
    // The sheet comes first: it is offline practice on the skills at hand.
    assert_eq!(recs[0].activity, Activity::PracticeSheet);
    assert_eq!(
        find(&recs, &Activity::Lesson("ratio-hands".into())).map(|r| r.reason.text(&c)),
        Some(
            "screen time is nearly used up: “Mixing paint” is a hands-on activity away from the screen"
                .to_string()
        )
    );
    // With three slots, still only offline options.
    let three = recommend(&c, &s, 3);
    assert_eq!(three.len(), 3);
    assert!(three.iter().all(|r| r.activity.is_offline(&c)));

    // Spent: the same options, worded as done.
    s.screen_time = Level::Spent;
    let recs = recommend(&c, &s, 3);
    assert!(
        recs.iter()
            .all(|r| matches!(r.reason, Reason::ScreenTime { spent: true, .. }))
    );
    assert!(
        recs[0]
            .reason
            .text(&c)
            .starts_with("screen time is done for now")
    );

    // An offline pin stays first, as pinned.
    s.pinned = vec![Activity::Lesson("compare-group".into())];
    let recs = recommend(&c, &s, 3);
    assert_eq!(recs[0].activity, Activity::Lesson("compare-group".into()));
    assert_eq!(recs[0].reason, Reason::Pinned);

    // Within the budget nothing changes.
    s.screen_time = Level::Within;
    s.pinned.clear();
    assert!(
        recommend(&c, &s, ALL)
            .iter()
            .all(|r| !matches!(r.reason, Reason::ScreenTime { .. }))
    );
}

#[test]
fn a_sheet_covers_the_skills_the_student_would_practise_most_urgently_first() {
    use ownpace_core::recommend::sheet_skills;
    let c = course();
    let s = situation();
    let on_screen: Vec<String> = recommend(&c, &s, ALL)
        .iter()
        .filter_map(|r| match &r.activity {
            Activity::PracticeSkill(id) | Activity::Review(id) => Some(id.clone()),
            _ => None,
        })
        .collect();
    let skills = sheet_skills(&c, &s, 10);
    assert!(!skills.is_empty());
    for skill in &on_screen {
        assert!(skills.contains(skill), "{skill} missing from {skills:?}");
    }
    assert_eq!(sheet_skills(&c, &s, 1).len(), 1);
    assert_eq!(sheet_skills(&c, &s, 1)[0], skills[0]);
}

#[test]
fn overview_lists_every_skill_and_what_unlocks_locked_ones() {
    let c = course();
    let s = situation();
    let all = overview(&c, &s.skills);
    assert_eq!(all.len(), c.skills.len());
    let get = |id: &str| all.iter().find(|o| o.skill == id).expect("listed");
    assert_eq!(get("frac").state, SkillState::Mastered);
    assert_eq!(get("ratio").state, SkillState::Ready);
    assert_eq!(
        get("percent").state,
        SkillState::Locked {
            missing: vec!["ratio".into(), "compare".into()]
        }
    );
    assert_eq!(get("percent").start_with, vec!["compare", "ratio"]);
    assert_eq!(get("rate").start_with, vec!["ratio"]);
    assert!(get("ratio").start_with.is_empty());
}

#[test]
fn dates_are_worded_relative_to_now() {
    assert_eq!(dates::weekday(NOW), "Monday");
    assert_eq!(dates::weekday(FRIDAY), "Friday");
    assert_eq!(dates::weekday(0), "Thursday");
    assert_eq!(dates::civil(0), (1970, 1, 1));
    assert_eq!(dates::civil(NOW), (2026, 3, 2));
    assert_eq!(dates::civil(-1), (1969, 12, 31));
    assert_eq!(dates::day_month(MARCH_12, NOW), "12 March");
    assert_eq!(dates::day_month(1_799_107_200_000, NOW), "5 January 2027");
    assert_eq!(dates::due_phrase(NOW + 3_600_000, NOW), "due today");
    assert_eq!(dates::due_phrase(NOW + 22 * 3_600_000, NOW), "due tomorrow");
    assert_eq!(dates::due_phrase(FRIDAY, NOW), "due Friday");
    assert_eq!(dates::due_phrase(NOW + 6 * DAY, NOW), "due Sunday");
    assert_eq!(dates::due_phrase(NOW + 7 * DAY, NOW), "due on 9 March");
    assert_eq!(dates::due_phrase(NOW - DAY, NOW), "was due yesterday");
    assert_eq!(
        dates::due_phrase(NOW - 5 * DAY, NOW),
        "was due on 25 February"
    );
    assert_eq!(dates::days_ago(0), "today");
    assert_eq!(dates::days_ago(1), "yesterday");
    assert_eq!(dates::days_ago(12), "12 days ago");
}

/// CONTRACTS' precedence: a pressing assignment (due within two school days, or late)
/// comes after pins and before reviews and goals; a later one does not jump a due review.
#[test]
fn a_pressing_assignment_comes_after_pins_before_reviews_and_goals() {
    let c = course();
    let mut s = situation();
    // frac is due for review with almost nothing left in memory (the strongest review).
    s.skills.get_mut("frac").unwrap().review_due = true;
    s.skills.get_mut("frac").unwrap().recall = Some(0.0);
    // A goal due today on rate (through ratio).
    s.goals.push(Goal {
        name: "Rates".into(),
        target: GoalTarget::Skills(vec!["rate".into()]),
        due: NOW,
    });
    s.assignments.push(Assignment {
        skill: "compare".into(),
        due: NOW + 20 * DAY,
        pressing: false,
    });
    let recs = recommend(&c, &s, ALL);
    let first_kinds: Vec<&Reason> = recs.iter().map(|r| &r.reason).take(2).collect();
    assert!(
        !matches!(first_kinds[0], Reason::Assignment { .. }),
        "a far assignment does not come first: {:?}",
        texts(&c, &recs)
    );

    // The same assignment, now pressing: first, before the review and the goal.
    s.assignments[0].pressing = true;
    s.assignments[0].due = NOW + DAY;
    let recs = recommend(&c, &s, ALL);
    assert_eq!(
        recs[0].activity,
        practice("compare"),
        "{:?}",
        texts(&c, &recs)
    );
    assert!(matches!(recs[0].reason, Reason::Assignment { .. }));
    let review_at = recs
        .iter()
        .position(|r| matches!(r.reason, Reason::ReviewDue { .. }))
        .expect("the review is still offered");
    let goal_at = recs
        .iter()
        .position(|r| matches!(r.reason, Reason::Goal { .. }))
        .expect("the goal is still offered");
    assert!(review_at > 0 && goal_at > 0);

    // A pin still comes first.
    s.pinned.push(Activity::PracticeSkill("add".into()));
    let recs = recommend(&c, &s, ALL);
    assert_eq!(recs[0].reason, Reason::Pinned);
    assert_eq!(recs[1].activity, practice("compare"));
}

/// CONTRACTS' precedence 5: when the solo/group balance asks for it, group work (group
/// projects and group lessons) is offered with that reason, after a due review and after
/// a pressing assignment, before a goal that is not due within the week; never without
/// the balance asking, and never for work done alone.
#[test]
fn group_work_comes_after_reviews_and_before_goals_when_the_balance_asks() {
    let c = course();
    let mut s = situation();
    s.skills.get_mut("frac").unwrap().review_due = true;
    s.skills.get_mut("frac").unwrap().recall = Some(0.0);
    s.goals.push(Goal {
        name: "Percent".into(),
        target: GoalTarget::Skills(vec!["percent".into()]),
        due: NOW + 20 * DAY,
    });
    let recs = recommend(&c, &s, ALL);
    assert!(
        !recs
            .iter()
            .any(|r| matches!(r.reason, Reason::GroupWork { .. })),
        "no group work unless the balance asks: {:?}",
        texts(&c, &recs)
    );

    s.group_work = Some(92);
    let recs = recommend(&c, &s, ALL);
    let at = |f: &dyn Fn(&Reason) -> bool| recs.iter().position(|r| f(&r.reason));
    let group = at(&|r| matches!(r, Reason::GroupWork { .. })).expect("group work offered");
    let review = at(&|r| matches!(r, Reason::ReviewDue { .. })).expect("review offered");
    let goal = at(&|r| matches!(r, Reason::Goal { .. })).expect("goal offered");
    assert!(review < group, "{:?}", texts(&c, &recs));
    assert!(group < goal, "{:?}", texts(&c, &recs));
    let grouped: Vec<&Activity> = recs
        .iter()
        .filter(|r| matches!(r.reason, Reason::GroupWork { .. }))
        .map(|r| &r.activity)
        .collect();
    assert!(
        grouped.contains(&&Activity::Project("box".into())),
        "{grouped:?}"
    );
    // "music" is a project for one: never offered as work with others.
    assert!(!grouped.contains(&&Activity::Project("music".into())));
    assert!(
        texts(&c, &recs)
            .iter()
            .any(|t| t.contains("92% of your last two weeks was alone at a screen"))
    );

    // A pressing assignment still comes before it.
    s.assignments.push(Assignment {
        skill: "add".into(),
        due: NOW + DAY,
        pressing: true,
    });
    let recs = recommend(&c, &s, ALL);
    assert!(matches!(recs[0].reason, Reason::Assignment { .. }));
}

/// An assigned lesson or project is offered with its own reason and date, even when none
/// of its skills would be offered otherwise.
#[test]
fn an_assigned_lesson_is_offered_with_its_due_date() {
    let c = course();
    let mut s = situation();
    // frac is mastered and not due for review: "Equal parts" would not be offered.
    let recs = recommend(&c, &s, ALL);
    assert!(find(&recs, &Activity::Lesson("frac-read".into())).is_none());
    s.assigned_work.push(ownpace_core::recommend::AssignedWork {
        activity: Activity::Lesson("frac-read".into()),
        due: NOW + DAY,
        pressing: true,
    });
    let recs = recommend(&c, &s, ALL);
    let lesson = find(&recs, &Activity::Lesson("frac-read".into())).expect("offered");
    assert_eq!(
        lesson.reason.text(&c),
        "assigned by your teacher, due tomorrow"
    );
    assert_eq!(recs[0].activity, Activity::Lesson("frac-read".into()));
}

#[test]
fn fixed_sequence_offers_the_next_skill_in_course_order_and_nothing_adaptive() {
    use ownpace_core::recommend::{Policy, course_order_next};
    let c = course();
    let mut s = situation();
    // An adaptive student gets several ready skills with adaptive reasons.
    let adaptive = recommend(&c, &s, ALL);
    assert!(
        adaptive
            .iter()
            .any(|r| matches!(r.reason, Reason::Ready { .. }))
    );
    s.policy = Policy::FixedSequence;
    // frac is mastered: the course's order (frac, add, compare, ratio, …) goes on with add.
    assert_eq!(course_order_next(&c, &s.skills), Some(1));
    let fixed = recommend(&c, &s, ALL);
    assert_eq!(fixed[0].activity, practice("add"));
    assert_eq!(fixed[0].reason, Reason::CourseOrder);
    assert_eq!(fixed[0].reason.text(&c), "next in the course order");
    // No other skill, no interest project, no modality nudge: only the course's order.
    assert!(
        fixed
            .iter()
            .all(|r| matches!(r.reason, Reason::CourseOrder)),
        "{fixed:?}"
    );
    // Once add is mastered, compare is next even though ratio unlocks more.
    s.skills
        .insert("add".into(), status(SkillState::Mastered, 0.97));
    let fixed = recommend(&c, &s, ALL);
    assert_eq!(fixed[0].activity, practice("compare"));
    // A due review still appears (spaced review on), and an assignment and a pin still
    // come first (CONTRACTS' precedence).
    let mut due = status(SkillState::Mastered, 0.97);
    due.review_due = true;
    due.recall = Some(0.6);
    s.skills.insert("frac".into(), due);
    s.assignments.push(Assignment {
        skill: "rate".into(),
        due: NOW + DAY,
        pressing: true,
    });
    s.pinned.push(Activity::Project("music".into()));
    let fixed = recommend(&c, &s, ALL);
    assert_eq!(fixed[0].reason, Reason::Pinned);
    assert!(matches!(fixed[1].reason, Reason::Assignment { .. }));
    assert!(find(&fixed, &Activity::Review("frac".into())).is_some());
    assert!(find(&fixed, &practice("compare")).is_some());
}

#[test]
fn a_lesson_variant_stands_in_for_its_default_lesson_for_its_students_only() {
    let mut worked = lesson("frac-worked", "Worked examples", "frac", Modality::Read);
    worked.variant = Some("worked-examples".into());
    worked.variant_of = Some("frac-read".into());
    let c = TestCourse::new("v")
        .skill("frac", "Equivalent fractions", &[])
        .skill("add", "Adding fractions", &[])
        .an_item_per_skill()
        .lesson(lesson("frac-read", "Equal parts", "frac", Modality::Read))
        .lesson(lesson("add-hands", "Fold paper", "add", Modality::HandsOn))
        .lesson(worked)
        .build();
    let shown = |variant: Option<&str>| -> Vec<&str> {
        c.lessons
            .iter()
            .filter(|l| c.lesson_shown(l, variant))
            .map(|l| l.id.as_str())
            .collect()
    };
    assert_eq!(shown(None), ["frac-read", "add-hands"]);
    assert_eq!(shown(Some("worked-examples")), ["add-hands", "frac-worked"]);
    // A variant the course does not declare changes nothing.
    assert_eq!(shown(Some("other")), ["frac-read", "add-hands"]);
    assert_eq!(c.lesson_variants(), ["worked-examples"]);
    // Next steps follow the variant.
    let mut s = Situation {
        now: NOW,
        ..Situation::default()
    };
    let offered = |s: &Situation| -> HashSet<Activity> {
        recommend(&c, s, ALL)
            .into_iter()
            .map(|r| r.activity)
            .collect()
    };
    assert!(offered(&s).contains(&Activity::Lesson("frac-read".into())));
    assert!(!offered(&s).contains(&Activity::Lesson("frac-worked".into())));
    s.lesson_variant = Some("worked-examples".into());
    assert!(offered(&s).contains(&Activity::Lesson("frac-worked".into())));
    assert!(!offered(&s).contains(&Activity::Lesson("frac-read".into())));
}

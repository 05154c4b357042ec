//! Goal forecasts (SPEC C7) against hand-computed cases.

use crate::support::TestCourse;
use ownpace_core::course::{Course, Project};
use ownpace_core::goals::{
    Goal, GoalTarget, PRIOR_MINUTES_PER_DAY, PRIOR_MINUTES_PER_SKILL, PracticeEvent, forecast, pace,
};
use std::collections::HashMap;

const DAY: i64 = 86_400_000;
const MIN: i64 = 60_000;
/// Monday 2 March 2026, 10:00 UTC.
const NOW: i64 = 1_772_445_600_000;

/// a, b → c (needs a) → d (needs c and b) → e (needs d); project "p" needs d.
fn course() -> Course {
    TestCourse::new("c")
        .title("C")
        .skill("a", "A", &[])
        .skill("b", "B", &[])
        .skill("c", "C", &["a"])
        .skill("d", "D", &["c", "b"])
        .skill("e", "E", &["d"])
        .project(Project {
            id: "p".into(),
            title: "Poster".into(),
            body: String::new(),
            interests: Vec::new(),
            skills: vec!["d".into()],
            group_min: 1,
            group_max: 1,
            rubric: Vec::new(),
        })
        .build()
}

fn event(at: i64, minutes: i64, skill: &str) -> PracticeEvent {
    PracticeEvent {
        at,
        duration_ms: minutes * MIN,
        skill: skill.into(),
        correct: true,
    }
}

/// a mastered 9 days ago after 3 × 2 min; b mastered 8 days ago after 2 × 5 min; 4 more
/// minutes on b yesterday; one 30-minute answer on c two days ago (counted as 10).
fn history() -> (Vec<PracticeEvent>, HashMap<String, i64>) {
    let day9 = NOW - 9 * DAY;
    let day8 = NOW - 8 * DAY;
    let events = vec![
        event(day9, 2, "a"),
        event(day9 + MIN, 2, "a"),
        event(day9 + 2 * MIN, 2, "a"),
        event(day8, 5, "b"),
        event(day8 + MIN, 5, "b"),
        event(NOW - DAY, 4, "b"),
        event(NOW - 2 * DAY, 30, "c"),
        // In the future (a clock skew): ignored.
        event(NOW + DAY, 10, "c"),
    ];
    let mastered = HashMap::from([
        ("a".to_string(), day9 + 30 * MIN),
        ("b".to_string(), day8 + 60 * MIN),
    ]);
    (events, mastered)
}

fn goal(target: GoalTarget, due: i64) -> Goal {
    Goal {
        name: "Big goal".into(),
        target,
        due,
    }
}

fn skills(ids: &[&str]) -> GoalTarget {
    GoalTarget::Skills(ids.iter().map(|s| s.to_string()).collect())
}

#[test]
fn pace_shrinks_the_students_history_toward_the_priors() {
    let (events, mastered) = history();
    let p = pace(&events, &mastered, NOW);
    // Per skill: (30 × 2 + 6 + 10) / (2 + 2) = 19.
    assert!((p.minutes_per_skill - 19.0).abs() < 1e-9, "{p:?}");
    // Per day: 10 days since the first answer, 6 + 10 + 4 + 10 = 30 active minutes:
    // (20 × 7 + 30) / (7 + 10) = 10.
    assert!((p.minutes_per_day - 10.0).abs() < 1e-9, "{p:?}");

    let fresh = pace(&[], &HashMap::new(), NOW);
    assert_eq!(fresh.minutes_per_skill, PRIOR_MINUTES_PER_SKILL);
    assert_eq!(fresh.minutes_per_day, PRIOR_MINUTES_PER_DAY);

    // A skill placed as mastered without practice says nothing about pace.
    let placed = HashMap::from([("e".to_string(), NOW - DAY)]);
    assert_eq!(
        pace(&[], &placed, NOW).minutes_per_skill,
        PRIOR_MINUTES_PER_SKILL
    );
}

#[test]
fn early_forecast() {
    let (events, mastered) = history();
    // Remaining c, d, e: c needs 19 − 10 = 9, d and e 19 each: 47 minutes, at 10 a day
    // 5 days: Saturday 7 March. Due Thursday 12 March: 5 days early.
    let f = forecast(
        &course(),
        &goal(skills(&["e"]), NOW + 10 * DAY),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(f.remaining, vec!["c", "d", "e"]);
    assert!((f.minutes_needed - 47.0).abs() < 1e-9, "{f:?}");
    assert_eq!(f.days_late, -5);
    assert!(f.on_time());
    assert_eq!(f.extra_minutes_per_day, None);
    assert_eq!(f.text(), "on track: about 7 March, 5 days early");

    let f = forecast(
        &course(),
        &goal(skills(&["e"]), NOW + 5 * DAY + 3_600_000),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(
        f.text(),
        "on track: about 7 March, right on the target date"
    );
}

#[test]
fn late_forecast_says_how_much_more_a_day_gets_there() {
    let (events, mastered) = history();
    // Due Wednesday 4 March: 3 days late; 47 minutes over 2 days is 23.5 a day, 13.5 more
    // than now, rounded up to 15.
    let f = forecast(
        &course(),
        &goal(skills(&["e"]), NOW + 2 * DAY),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(f.days_late, 3);
    assert!(!f.on_time());
    let extra = f.extra_minutes_per_day.expect("catch-up figure");
    assert!((extra - 13.5).abs() < 1e-9, "{extra}");
    assert_eq!(
        f.text(),
        "at your pace you will finish around 7 March, 3 days late: \
         about 15 more minutes a day gets you there"
    );

    // Due today: no number of minutes a day helps.
    let f = forecast(
        &course(),
        &goal(skills(&["e"]), NOW),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(f.days_late, 5);
    assert_eq!(f.extra_minutes_per_day, None);
    assert!(f.text().starts_with(
        "at your pace you will finish around 7 March, 5 days late: the target date is too close"
    ));
}

#[test]
fn new_student_uses_the_priors() {
    // One skill at 30 minutes, 20 a day: 2 days, Wednesday 4 March. Due tomorrow: 1 day
    // late; 30 minutes in 1 day is 10 more than 20.
    let f = forecast(
        &course(),
        &goal(skills(&["a"]), NOW + DAY),
        &[],
        &HashMap::new(),
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(f.remaining, vec!["a"]);
    assert_eq!(f.days_late, 1);
    assert_eq!(
        f.text(),
        "at your pace you will finish around 4 March, 1 day late: \
         about 10 more minutes a day gets you there"
    );
}

#[test]
fn project_goals_need_the_projects_skills_and_their_prerequisites() {
    let (events, mastered) = history();
    // c (9) and d (19): 28 minutes, 3 days: Thursday 5 March.
    let f = forecast(
        &course(),
        &goal(GoalTarget::Project("p".into()), NOW + 4 * DAY),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(f.remaining, vec!["c", "d"]);
    assert!((f.minutes_needed - 28.0).abs() < 1e-9);
    assert_eq!(f.text(), "on track: about 5 March, 1 day early");
}

#[test]
fn a_met_goal_is_done() {
    let (events, mut mastered) = history();
    for s in ["c", "d"] {
        mastered.insert(s.to_string(), NOW - DAY);
    }
    let f = forecast(
        &course(),
        &goal(GoalTarget::Project("p".into()), NOW - 3 * DAY),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert!(f.remaining.is_empty());
    assert!(f.on_time());
    assert_eq!(f.text(), "done: every skill for this goal is mastered");
}

#[test]
fn goal_names_fall_back_to_the_target() {
    let c = course();
    let mut g = goal(GoalTarget::Project("p".into()), NOW);
    assert_eq!(g.display_name(&c), "Big goal");
    g.name = "  ".into();
    assert_eq!(g.display_name(&c), "Poster");
    g.target = skills(&["d", "e"]);
    assert_eq!(g.display_name(&c), "D");
    g.target = GoalTarget::Project("unknown".into());
    assert!(g.skill_ids(&c).is_empty());
}

#[test]
fn a_goal_needing_a_stuck_skill_is_never_on_track() {
    use ownpace_core::progress::StuckReason;
    let (events, mastered) = history();
    // Far enough away to be "5 days early" on pace alone; c is stuck.
    let stuck = HashMap::from([(
        "c".to_string(),
        StuckReason::RepeatedFailure {
            consecutive_wrong: 5,
        },
    )]);
    let f = forecast(
        &course(),
        &goal(skills(&["e"]), NOW + 10 * DAY),
        &events,
        &mastered,
        &stuck,
        None,
        NOW,
    );
    assert_eq!(f.days_late, -5);
    assert!(!f.on_time());
    assert_eq!(
        f.text(),
        "not on track: stuck on C (5 wrong answers in a row), so ask your teacher for help first"
    );
    // Stuck on a skill the goal does not need: no effect.
    let other = HashMap::from([("z".to_string(), StuckReason::WheelSpinning { attempts: 12 })]);
    let f = forecast(
        &course(),
        &goal(skills(&["e"]), NOW + 10 * DAY),
        &events,
        &mastered,
        &other,
        None,
        NOW,
    );
    assert!(f.on_time() && f.stuck.is_empty());
}

#[test]
fn no_recent_answer_on_the_goals_skills_says_so() {
    // The last answer on c (the only remaining skill's history) was 9 days ago.
    let events = vec![event(NOW - 9 * DAY, 5, "c"), event(NOW - DAY, 5, "a")];
    let mastered = HashMap::from([("a".to_string(), NOW - 20 * DAY)]);
    let f = forecast(
        &course(),
        &goal(skills(&["c"]), NOW + 30 * DAY),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(f.idle_days, Some(9));
    assert!(!f.on_time());
    assert!(
        f.text().starts_with("no progress in the last 9 days: "),
        "{}",
        f.text()
    );
    // Six days is still recent.
    let events = vec![event(NOW - 6 * DAY, 5, "c")];
    let f = forecast(
        &course(),
        &goal(skills(&["c"]), NOW + 30 * DAY),
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    assert_eq!(f.idle_days, None);
    assert!(f.on_time());
}

#[test]
fn an_achieved_goal_stays_achieved_after_forgetting() {
    use ownpace_core::goals::achieved_at;
    let (events, mut mastered) = history();
    for s in ["c", "d"] {
        mastered.insert(s.to_string(), NOW - DAY);
    }
    let g = goal(GoalTarget::Project("p".into()), NOW + 3 * DAY);
    let f = forecast(
        &course(),
        &g,
        &events,
        &mastered,
        &HashMap::new(),
        None,
        NOW,
    );
    let achieved = achieved_at(None, &f);
    assert_eq!(achieved, Some(NOW));
    // Two days later a failed review ends mastery of c: the goal stays done, with its date.
    mastered.remove("c");
    let later = NOW + 2 * DAY;
    let f = forecast(
        &course(),
        &g,
        &events,
        &mastered,
        &HashMap::new(),
        achieved,
        later,
    );
    assert_eq!(f.remaining, vec!["c"]);
    assert!(f.on_time());
    assert_eq!(achieved_at(achieved, &f), Some(NOW));
    assert_eq!(
        f.text(),
        "done on 2 March: every skill for this goal was mastered"
    );
    // Never achieved and not done: nothing to keep.
    let open = forecast(
        &course(),
        &g,
        &events,
        &mastered,
        &HashMap::new(),
        None,
        later,
    );
    assert_eq!(achieved_at(None, &open), None);
}

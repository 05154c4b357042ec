//! Who needs the teacher today (issue 9): each student of a class with the reasons a
//! teacher should go to them, ranked so the most urgent comes first.
//!
//! The web gathers the facts (raised hands, stuck skills, goals behind, last activity);
//! this module only orders them, so the ranking is one rule, tested here: a raised hand
//! first (the one who waited longest first), then stuck, then behind a goal, then a
//! check-in due, then inactive, then not started yet; among students with the same most urgent reason, more reasons
//! first, then whoever has waited longest.

/// One reason a student needs their teacher, with the time it began (ms).
#[derive(Debug, Clone, PartialEq)]
pub enum Need {
    /// The student asked for help (about a skill or item, in words).
    RaisedHand { about: String, since: i64 },
    /// Stuck on a skill (its name and the stuck rule's reason), last answer at `since`.
    Stuck {
        skill: String,
        reason: String,
        since: i64,
    },
    /// A goal whose forecast says it will be late (its title and target date).
    BehindGoal {
        goal: String,
        due: i64,
        forecast: String,
    },
    /// The class's check-in rhythm says a check-in is due (since that school day); `last`
    /// is the last check-in held, if any.
    CheckinDue { since: i64, last: Option<i64> },
    /// No activity in any course since `since`.
    Inactive { since: i64 },
    /// Has not begun this course; in the class since `since`.
    NotStarted { since: i64 },
}

impl Need {
    /// Lower is more urgent.
    pub fn urgency(&self) -> u8 {
        match self {
            Need::RaisedHand { .. } => 0,
            Need::Stuck { .. } => 1,
            Need::BehindGoal { .. } => 2,
            Need::CheckinDue { .. } => 3,
            Need::Inactive { .. } => 4,
            Need::NotStarted { .. } => 5,
        }
    }

    /// When the reason began: the longer ago, the sooner the student is seen.
    pub fn since(&self) -> i64 {
        match self {
            Need::RaisedHand { since, .. }
            | Need::Stuck { since, .. }
            | Need::CheckinDue { since, .. }
            | Need::Inactive { since }
            | Need::NotStarted { since } => *since,
            Need::BehindGoal { due, .. } => *due,
        }
    }

    /// A short label of the kind of reason, for a badge.
    pub fn label(&self) -> &'static str {
        match self {
            Need::RaisedHand { .. } => "raised a hand",
            Need::Stuck { .. } => "stuck",
            Need::BehindGoal { .. } => "behind a goal",
            Need::CheckinDue { .. } => "check-in due",
            Need::Inactive { .. } => "inactive",
            Need::NotStarted { .. } => "not started yet",
        }
    }
}

/// A student and every reason they need the teacher.
#[derive(Debug, Clone, PartialEq)]
pub struct StudentNeeds<S> {
    pub student: S,
    pub needs: Vec<Need>,
}

/// Orders each student's reasons by urgency and the students by their most urgent reason;
/// students without a reason are left out.
pub fn rank<S>(students: Vec<StudentNeeds<S>>) -> Vec<StudentNeeds<S>> {
    let mut ranked: Vec<StudentNeeds<S>> = students
        .into_iter()
        .filter(|s| !s.needs.is_empty())
        .map(|mut s| {
            s.needs.sort_by_key(|n| (n.urgency(), n.since()));
            s
        })
        .collect();
    ranked.sort_by_key(|s| {
        let first = &s.needs[0];
        (
            first.urgency(),
            std::cmp::Reverse(s.needs.len()),
            first.since(),
        )
    });
    ranked
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hand(since: i64) -> Need {
        Need::RaisedHand {
            about: "Adding fractions".into(),
            since,
        }
    }

    fn stuck(since: i64) -> Need {
        Need::Stuck {
            skill: "Unit rates".into(),
            reason: "3 wrong answers in a row".into(),
            since,
        }
    }

    fn names(ranked: &[StudentNeeds<&'static str>]) -> Vec<&'static str> {
        ranked.iter().map(|s| s.student).collect()
    }

    #[test]
    fn a_raised_hand_comes_first_and_the_longest_wait_first_among_hands() {
        let ranked = rank(vec![
            StudentNeeds {
                student: "stuck twice",
                needs: vec![stuck(5), stuck(6)],
            },
            StudentNeeds {
                student: "late hand",
                needs: vec![hand(20)],
            },
            StudentNeeds {
                student: "early hand",
                needs: vec![Need::Inactive { since: 1 }, hand(10)],
            },
            StudentNeeds {
                student: "fine",
                needs: vec![],
            },
        ]);
        assert_eq!(names(&ranked), ["early hand", "late hand", "stuck twice"]);
        assert_eq!(
            ranked[0].needs[0].label(),
            "raised a hand",
            "a student's reasons are ordered too"
        );
    }

    #[test]
    fn among_equals_more_reasons_then_the_older_reason_come_first() {
        let behind = Need::BehindGoal {
            goal: "Ratios".into(),
            due: 100,
            forecast: "late by 3 days".into(),
        };
        let ranked = rank(vec![
            StudentNeeds {
                student: "one stuck, recent",
                needs: vec![stuck(50)],
            },
            StudentNeeds {
                student: "one stuck, older",
                needs: vec![stuck(40)],
            },
            StudentNeeds {
                student: "stuck and behind",
                needs: vec![behind.clone(), stuck(60)],
            },
            StudentNeeds {
                student: "not started",
                needs: vec![Need::NotStarted { since: 0 }],
            },
            StudentNeeds {
                student: "behind",
                needs: vec![behind],
            },
        ]);
        assert_eq!(
            names(&ranked),
            [
                "stuck and behind",
                "one stuck, older",
                "one stuck, recent",
                "behind",
                "not started"
            ]
        );
    }

    #[test]
    fn a_check_in_due_comes_after_a_goal_behind_and_before_inactive() {
        let due = |since| Need::CheckinDue { since, last: None };
        let ranked = rank(vec![
            StudentNeeds {
                student: "inactive",
                needs: vec![Need::Inactive { since: 1 }],
            },
            StudentNeeds {
                student: "due later",
                needs: vec![due(30)],
            },
            StudentNeeds {
                student: "due earlier",
                needs: vec![due(20)],
            },
            StudentNeeds {
                student: "behind",
                needs: vec![Need::BehindGoal {
                    goal: "Ratios".into(),
                    due: 100,
                    forecast: "late".into(),
                }],
            },
            StudentNeeds {
                student: "due and inactive",
                needs: vec![Need::Inactive { since: 2 }, due(40)],
            },
        ]);
        assert_eq!(
            names(&ranked),
            [
                "behind",
                "due and inactive",
                "due earlier",
                "due later",
                "inactive"
            ]
        );
        assert_eq!(ranked[1].needs[0].label(), "check-in due");
    }
}

//! The mastery rule's promises, checked on random answer streams with random (valid) BKT
//! parameters, random gaps between answers (minutes to months, so reviews fall due) and
//! an optional placement first: what the student sees moves with each answer, the one
//! state function agrees with `is_mastered`, "mastered" always has its record behind it,
//! and replaying a stream gives what applying it answer by answer gave.

use ownpace_core::learner::bkt::BktParams;
use ownpace_core::progress::{MASTERY_STREAK, MASTERY_THRESHOLD, SkillProgress};
use ownpace_core::review::Fsrs;
use ownpace_core::standing::{SkillView, Standing, view};
use proptest::prelude::*;

const DAY: i64 = 86_400_000;
const START: i64 = 1_772_445_600_000;

fn params() -> impl Strategy<Value = BktParams> {
    (
        0.01f64..0.9,
        0.0f64..0.5,
        0.0f64..0.3,
        0.01f64..0.5,
        0.01f64..0.5,
    )
        .prop_map(|(init, learn, forget, guess, slip)| BktParams {
            init,
            learn,
            forget,
            guess,
            slip,
        })
}

/// Answers as (correct, ms since the previous one). Mostly-correct and mostly-wrong runs
/// both occur, so skills get mastered, due, lapsed and relearnt.
fn answers() -> impl Strategy<Value = Vec<(bool, i64)>> {
    let gap = prop_oneof![
        4 => 0i64..600_000,
        2 => 0i64..3 * DAY,
        1 => 0i64..120 * DAY,
    ];
    let bias = 0.05f64..0.95;
    (bias, 1usize..60).prop_flat_map(move |(p, n)| {
        proptest::collection::vec((proptest::bool::weighted(p), gap.clone()), n)
    })
}

fn placement() -> impl Strategy<Value = Option<f64>> {
    prop_oneof![2 => Just(None), 1 => (0.0f64..1.0).prop_map(Some), 1 => Just(Some(0.99))]
}

/// The progress after a stream, from scratch: placement (if any) then every answer.
fn replay(
    params: &BktParams,
    fsrs: &Fsrs,
    placed: Option<f64>,
    stream: &[(bool, i64)],
) -> Option<SkillProgress> {
    let mut progress = placed.map(|b| SkillProgress::placed(b, START, fsrs));
    let mut at = START;
    for &(correct, gap) in stream {
        at += gap;
        progress
            .get_or_insert_with(|| SkillProgress::initial(params))
            .record(params, fsrs, correct, at);
    }
    progress
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn what_the_student_sees_moves_with_each_answer(
        params in params(),
        placed in placement(),
        stream in answers(),
        target in 0.7f64..0.97,
    ) {
        let fsrs = Fsrs::default();
        let mut progress = placed.map(|b| SkillProgress::placed(b, START, &fsrs));
        let mut at = START;
        for (i, &(correct, gap)) in stream.iter().enumerate() {
            at += gap;
            let before_progress = progress
                .clone()
                .unwrap_or_else(|| SkillProgress::initial(&params));
            let before = view(progress.as_ref(), &fsrs, at, target);
            // Not started shows no number; the model's prior stands in for it.
            let before_value = before.value.unwrap_or(before_progress.p_mastery);
            let mut next = before_progress.clone();
            next.record(&params, &fsrs, correct, at);
            let after = view(Some(&next), &fsrs, at, target);
            let after_value = after.value.expect("an answered skill shows a number");
            if correct {
                prop_assert!(
                    after_value >= before_value,
                    "answer {i} correct lowered {before_value} to {after_value}: {before:?} -> {after:?}"
                );
                prop_assert!(after.percent() >= before.percent().or(Some(0)));
            } else {
                prop_assert!(
                    after_value <= before_value,
                    "answer {i} wrong raised {before_value} to {after_value}: {before:?} -> {after:?}"
                );
                prop_assert!(!next.is_mastered(), "a wrong answer ends mastery");
            }
            // A correct answer on a known skill (mastered, placed or due) keeps it mastered.
            if correct && before.standing.is_known() {
                prop_assert_eq!(after.standing, Standing::Mastered);
            }
            progress = Some(next);
        }
    }

    #[test]
    fn the_state_function_agrees_with_is_mastered_at_any_time(
        params in params(),
        placed in placement(),
        stream in answers(),
        later in 0i64..400 * DAY,
    ) {
        let fsrs = Fsrs::default();
        let mut progress = placed.map(|b| SkillProgress::placed(b, START, &fsrs));
        let mut at = START;
        let check = |p: Option<&SkillProgress>, now: i64| -> Result<SkillView, TestCaseError> {
            let v = view(p, &fsrs, now, 0.9);
            let mastered = p.is_some_and(SkillProgress::is_mastered);
            prop_assert_eq!(v.standing.is_known(), mastered, "{:?} {:?}", v, p);
            prop_assert_eq!(v.value.is_none(), v.standing == Standing::NotStarted);
            prop_assert!(v.value.is_none_or(|x| (0.0..=1.0).contains(&x)));
            prop_assert_eq!(
                v.standing == Standing::ReviewDue,
                p.is_some_and(|p| p.review_due(&fsrs, now, 0.9))
            );
            if let Some(n) = v.needs_in_a_row {
                let wanted = format!("{n} more correct in a row");
                prop_assert!(v.phrase.contains(&wanted), "{}", v.phrase);
            }
            Ok(v)
        };
        check(progress.as_ref(), at)?;
        for (i, &(correct, gap)) in stream.iter().enumerate() {
            at += gap;
            let p = progress.get_or_insert_with(|| SkillProgress::initial(&params));
            p.record(&params, &fsrs, correct, at);
            check(Some(p), at)?;
            check(Some(p), at + later)?;
            // Mastered means the probability and the record: the last three answers right,
            // or a placement as known with no wrong answer since.
            if p.is_mastered() {
                prop_assert!(p.p_mastery >= MASTERY_THRESHOLD);
                let streak = MASTERY_STREAK as usize;
                let recent = &stream[(i + 1).saturating_sub(streak)..=i];
                let placed_known = placed.is_some_and(|b| b >= MASTERY_THRESHOLD);
                prop_assert!(
                    recent.iter().all(|a| a.0) && (recent.len() == streak || placed_known),
                    "mastered after {:?}", &stream[..=i]
                );
                prop_assert_eq!(p.mastered_at.is_some(), true);
            } else {
                prop_assert_eq!(p.mastered_at, None);
            }
        }
    }

    #[test]
    fn replaying_a_stream_gives_what_applying_it_answer_by_answer_gave(
        params in params(),
        placed in placement(),
        stream in answers(),
    ) {
        let fsrs = Fsrs::default();
        let mut progress = placed.map(|b| SkillProgress::placed(b, START, &fsrs));
        let mut at = START;
        for (i, &(correct, gap)) in stream.iter().enumerate() {
            at += gap;
            // Pages read the state between answers; that must not change the state.
            let _ = view(progress.as_ref(), &fsrs, at, 0.9);
            progress
                .get_or_insert_with(|| SkillProgress::initial(&params))
                .record(&params, &fsrs, correct, at);
            let replayed = replay(&params, &fsrs, placed, &stream[..=i]);
            prop_assert_eq!(&replayed, &progress);
            prop_assert_eq!(
                view(replayed.as_ref(), &fsrs, at + DAY, 0.9),
                view(progress.as_ref(), &fsrs, at + DAY, 0.9)
            );
        }
    }
}

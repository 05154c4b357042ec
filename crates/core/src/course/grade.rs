//! Grading of a response against an item's answer specification (SPEC C5).
//!
//! Grading must never fail: whatever a student types gets a verdict and feedback that
//! helps. Numeric answers are read the ways students write numbers — decimals with `.`
//! or `,`, fractions, mixed numbers, negatives, percentages (`75%` is 0.75) and a
//! trailing unit — so a right answer is never marked wrong for its notation.
//!
//! An answer that cannot be read for the item's kind at all ("forty" for a number, an
//! empty box, a choice that does not exist) is not an answer: [`assess`] returns it as
//! [`NotUnderstood`] with the form expected, so the practice loop asks again without
//! grading it or revealing anything, and mastery does not move.

use super::{AnswerSpec, Item, Response};
use serde::{Deserialize, Serialize};

/// The outcome of grading one response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Grade {
    pub correct: bool,
    /// Distractor-specific or kind-specific feedback (Markdown); may be empty.
    pub feedback: String,
}

/// Feedback when a right answer has none of its own.
pub const CORRECT: &str = "Correct!";
/// Feedback when a wrong answer has none of its own.
pub const INCORRECT: &str = "Not quite. Read the explanation, then try the next one.";
/// Feedback for a numeric item when the response is not a number.
pub const NOT_A_NUMBER: &str = "Type a number such as 0.75 or 3/4.";

/// Absolute slack added to every numeric tolerance, so that float rounding (0.1 + 0.2)
/// never turns a right answer wrong.
const EPSILON: f64 = 1e-9;

/// An answer that cannot be read for the item's kind: not graded, reveals nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NotUnderstood {
    /// What went wrong and what to do, e.g. "Not understood — try again: type a number
    /// such as 0.75 or 3/4."
    pub message: String,
    /// The expected form, e.g. "a number such as 0.75 or 3/4".
    pub expected: String,
}

/// The start of every [`NotUnderstood::message`].
pub const NOT_UNDERSTOOD: &str = "Not understood — try again";

fn not_understood(expected: String, instruction: &str) -> NotUnderstood {
    NotUnderstood {
        message: format!("{NOT_UNDERSTOOD}: {instruction}."),
        expected,
    }
}

/// What a numeric item expects, with its unit when it has one.
fn number_form(unit: Option<&str>) -> String {
    match unit.map(str::trim).filter(|u| !u.is_empty()) {
        Some(u) => format!("a number such as 0.75 or 3/4 (in {u})"),
        None => "a number such as 0.75 or 3/4".to_string(),
    }
}

/// Grades `response` for `item`, or says it cannot be read for the item's kind: a number
/// item given text that is not a number (or nothing), a text item given an empty answer,
/// a choice item given an option that does not exist, or a response of the wrong shape.
pub fn assess(item: &Item, response: &Response) -> Result<Grade, NotUnderstood> {
    match (&item.answer, response) {
        (AnswerSpec::Choice { choices }, Response::Choice(i)) if *i < choices.len() => {}
        (AnswerSpec::Choice { choices }, _) => {
            let n = choices.len();
            return Err(not_understood(
                format!("one of the {n} options"),
                &format!("pick one of the {n} options"),
            ));
        }
        (AnswerSpec::Numeric { unit, .. }, Response::Text(t))
            if parse_number(t, unit.as_deref()).is_some() => {}
        (AnswerSpec::Numeric { unit, .. }, _) => {
            let form = number_form(unit.as_deref());
            let instruction = format!("type {form}");
            return Err(not_understood(form, &instruction));
        }
        (AnswerSpec::Text { case_sensitive, .. }, Response::Text(t))
            if !normalize(t, *case_sensitive).is_empty() => {}
        (AnswerSpec::Text { .. }, _) => {
            return Err(not_understood(
                "a word or phrase".to_string(),
                "type your answer in the box",
            ));
        }
    }
    Ok(grade(item, response))
}

fn verdict(correct: bool, own: &str) -> Grade {
    let feedback = if own.trim().is_empty() {
        if correct { CORRECT } else { INCORRECT }.to_string()
    } else {
        own.to_string()
    };
    Grade { correct, feedback }
}

fn wrong(message: impl Into<String>) -> Grade {
    Grade {
        correct: false,
        feedback: message.into(),
    }
}

/// Grades `response` for `item`, always with a verdict. A response of the wrong shape (a
/// choice index out of range, text that is not a number for a numeric item) is graded
/// incorrect with feedback saying what was expected, never a panic. The practice loop
/// uses [`assess`], which refuses such responses instead of marking them wrong; this
/// verdict is for callers that must score every response (placement, replays).
pub fn grade(item: &Item, response: &Response) -> Grade {
    match (&item.answer, response) {
        (AnswerSpec::Choice { choices }, Response::Choice(i)) => match choices.get(*i) {
            Some(c) => verdict(c.correct, &c.feedback),
            None => wrong(format!(
                "That option does not exist; pick one of the {} options.",
                choices.len()
            )),
        },
        (AnswerSpec::Choice { choices }, Response::Text(_)) => {
            wrong(format!("Pick one of the {} options.", choices.len()))
        }
        (
            AnswerSpec::Numeric {
                value,
                tolerance,
                unit,
            },
            Response::Text(t),
        ) => match parse_number(t, unit.as_deref()) {
            Some(x) => verdict(
                (x - value).abs() <= tolerance + EPSILON * value.abs().max(1.0),
                "",
            ),
            None => wrong(NOT_A_NUMBER),
        },
        (AnswerSpec::Numeric { .. }, Response::Choice(_)) => wrong(NOT_A_NUMBER),
        (
            AnswerSpec::Text {
                accepted,
                case_sensitive,
            },
            Response::Text(t),
        ) => {
            let given = normalize(t, *case_sensitive);
            if given.is_empty() {
                return wrong("Type your answer in the box.");
            }
            let ok = accepted
                .iter()
                .any(|a| normalize(a, *case_sensitive) == given);
            verdict(ok, "")
        }
        (AnswerSpec::Text { .. }, Response::Choice(_)) => wrong("Type your answer in the box."),
    }
}

/// Trims, collapses runs of whitespace to one space, and lowercases unless
/// `case_sensitive`.
pub fn normalize(s: &str, case_sensitive: bool) -> String {
    let joined = s.split_whitespace().collect::<Vec<_>>().join(" ");
    if case_sensitive {
        joined
    } else {
        joined.to_lowercase()
    }
}

/// Reads a number the way students write it: `0.75`, `0,75`, `.5`, `3/4`, `1 1/2`,
/// `-2`, `−2` (Unicode minus), `75%` (= 0.75), optionally with the item's unit before
/// or after (`$3`, `3 cm`) or any trailing unit word (`12 pencils`). Thousands
/// separators are not supported: `,` is always the decimal separator.
pub fn parse_number(input: &str, unit: Option<&str>) -> Option<f64> {
    let mut s = input.trim().replace('\u{2212}', "-");
    if let Some(u) = unit.map(str::trim).filter(|u| !u.is_empty()) {
        s = strip_unit(&s, u).trim().to_string();
    }
    // A trailing unit word: "3 cm", "12 pencils", "5m".
    let trimmed = s.trim_end_matches(|c: char| c.is_alphabetic()).trim_end();
    if trimmed.len() < s.len() && trimmed.ends_with(|c: char| c.is_ascii_digit() || c == '%') {
        s = trimmed.to_string();
    }
    let (s, scale) = match s.strip_suffix('%') {
        Some(rest) => (rest.trim_end().to_string(), 0.01),
        None => (s, 1.0),
    };
    let (negative, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, s.strip_prefix('+').unwrap_or(&s).trim_start()),
    };
    // "3 / 4" → "3/4"; the remaining spaces separate a mixed number's parts.
    let compact = body.split('/').map(str::trim).collect::<Vec<_>>().join("/");
    let parts: Vec<&str> = compact.split_whitespace().collect();
    let magnitude = match parts.as_slice() {
        [one] => number_or_fraction(one)?,
        [whole, frac] if frac.contains('/') && !whole.contains(['/', '.', ',']) => {
            let w = decimal(whole)?;
            let f = fraction(frac)?;
            if !(0.0..1.0).contains(&f) {
                return None;
            }
            w + f
        }
        _ => return None,
    };
    let v = if negative { -magnitude } else { magnitude } * scale;
    v.is_finite().then_some(v)
}

/// Removes `unit` from the end or the start of `s` (also after a minus sign), ignoring
/// ASCII case.
fn strip_unit(s: &str, unit: &str) -> String {
    let n = unit.len();
    let matches = |part: Option<&str>| part.is_some_and(|p| p.eq_ignore_ascii_case(unit));
    if s.len() > n && s.is_char_boundary(s.len() - n) && matches(s.get(s.len() - n..)) {
        return s[..s.len() - n].to_string();
    }
    if s.len() > n && matches(s.get(..n)) {
        return s[n..].to_string();
    }
    if let Some(rest) = s.strip_prefix('-')
        && rest.len() > n
        && matches(rest.get(..n))
    {
        return format!("-{}", &rest[n..]);
    }
    s.to_string()
}

fn number_or_fraction(s: &str) -> Option<f64> {
    if s.contains('/') {
        fraction(s)
    } else {
        decimal(s)
    }
}

fn fraction(s: &str) -> Option<f64> {
    let (n, d) = s.split_once('/')?;
    let (n, d) = (decimal(n)?, decimal(d)?);
    (d != 0.0).then(|| n / d)
}

/// Unsigned decimal with `.` or `,` as separator: digits, at most one separator, at
/// least one digit.
fn decimal(s: &str) -> Option<f64> {
    let s = s.replace(',', ".");
    let digits = s.chars().filter(char::is_ascii_digit).count();
    let dots = s.chars().filter(|&c| c == '.').count();
    if digits == 0 || dots > 1 || digits + dots != s.chars().count() {
        return None;
    }
    s.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::super::Choice;
    use super::*;

    fn item(answer: AnswerSpec) -> Item {
        Item {
            id: "i".into(),
            skills: vec!["s".into()],
            prompt: "?".into(),
            answer,
            hints: Vec::new(),
            explanation: String::new(),
            template: None,
        }
    }

    fn numeric(value: f64, tolerance: f64, unit: Option<&str>) -> Item {
        item(AnswerSpec::Numeric {
            value,
            tolerance,
            unit: unit.map(String::from),
        })
    }

    fn text(t: &str) -> Response {
        Response::Text(t.into())
    }

    #[test]
    fn choice_by_index_with_distractor_feedback() {
        let it = item(AnswerSpec::Choice {
            choices: vec![
                Choice {
                    text: "4/6".into(),
                    correct: true,
                    feedback: "Yes: both doubled.".into(),
                },
                Choice {
                    text: "3/4".into(),
                    correct: false,
                    feedback: "Adding 1 changes the amount.".into(),
                },
                Choice {
                    text: "2/6".into(),
                    correct: false,
                    feedback: String::new(),
                },
            ],
        });
        assert_eq!(
            grade(&it, &Response::Choice(0)),
            Grade {
                correct: true,
                feedback: "Yes: both doubled.".into()
            }
        );
        let g = grade(&it, &Response::Choice(1));
        assert!(!g.correct);
        assert_eq!(g.feedback, "Adding 1 changes the amount.");
        assert_eq!(grade(&it, &Response::Choice(2)).feedback, INCORRECT);
        let g = grade(&it, &Response::Choice(3));
        assert!(!g.correct);
        assert!(g.feedback.contains("does not exist"));
        assert!(!grade(&it, &text("4/6")).correct);
    }

    #[test]
    fn numeric_notations() {
        let it = numeric(0.75, 0.0, None);
        for ok in [
            "0.75", " .75 ", "0,75", "3/4", "3 / 4", "75%", "75 %", "6/8", "+0.75",
        ] {
            let g = grade(&it, &text(ok));
            assert!(g.correct, "{ok}");
            assert_eq!(g.feedback, CORRECT);
        }
        for bad in ["0.7", "4/3", "7.5%", "-0.75"] {
            assert!(!grade(&it, &text(bad)).correct, "{bad}");
        }
        let mixed = numeric(1.5, 0.0, None);
        assert!(grade(&mixed, &text("1 1/2")).correct);
        assert!(grade(&mixed, &text("3/2")).correct);
        let neg = numeric(-1.5, 0.0, None);
        assert!(grade(&neg, &text("-1 1/2")).correct);
        assert!(grade(&neg, &text("\u{2212}1.5")).correct);
        assert!(grade(&neg, &text("-3/2")).correct);
        let third = numeric(1.0 / 3.0, 0.0, None);
        assert!(grade(&third, &text("1/3")).correct);
        assert!(!grade(&third, &text("0.33")).correct);
        assert!(grade(&numeric(0.3, 0.0, None), &text("0.3")).correct);
    }

    #[test]
    fn numeric_tolerance_is_inclusive() {
        let it = numeric(0.25, 0.01, Some("$"));
        assert!(grade(&it, &text("0.26")).correct);
        assert!(grade(&it, &text("0.24")).correct);
        assert!(!grade(&it, &text("0.27")).correct);
    }

    #[test]
    fn numeric_units() {
        let it = numeric(0.25, 0.0, Some("$"));
        assert!(grade(&it, &text("$0.25")).correct);
        assert!(grade(&it, &text("0.25$")).correct);
        assert!(grade(&it, &text("0.25 $")).correct);
        let cm = numeric(12.0, 0.0, Some("cm"));
        assert!(grade(&cm, &text("12 cm")).correct);
        assert!(grade(&cm, &text("12CM")).correct);
        assert!(grade(&cm, &text("12 centimetres")).correct);
        assert!(grade(&numeric(12.0, 0.0, None), &text("12 pencils")).correct);
    }

    #[test]
    fn numeric_garbage_is_wrong_with_guidance() {
        let it = numeric(0.75, 0.0, None);
        for bad in [
            "",
            "   ",
            "abc",
            "three quarters",
            "1/0",
            "1.2.3",
            "1 2",
            "1/2/3",
            "1e5",
            "inf",
            "NaN",
            "1 3/2",
            "1.5 1/2",
            "--1",
            "%",
        ] {
            let g = grade(&it, &text(bad));
            assert!(!g.correct, "{bad}");
            assert_eq!(g.feedback, NOT_A_NUMBER, "{bad}");
        }
        assert_eq!(grade(&it, &Response::Choice(0)).feedback, NOT_A_NUMBER);
    }

    #[test]
    fn text_answers() {
        let it = item(AnswerSpec::Text {
            accepted: vec!["denominator".into(), "the  denominator".into()],
            case_sensitive: false,
        });
        assert!(grade(&it, &text("Denominator")).correct);
        assert!(grade(&it, &text("  the   DENOMINATOR ")).correct);
        assert!(!grade(&it, &text("numerator")).correct);
        let g = grade(&it, &text("   "));
        assert!(!g.correct);
        assert!(g.feedback.contains("Type your answer"));
        assert!(!grade(&it, &Response::Choice(0)).correct);

        let cs = item(AnswerSpec::Text {
            accepted: vec!["NaCl".into()],
            case_sensitive: true,
        });
        assert!(grade(&cs, &text(" NaCl ")).correct);
        assert!(!grade(&cs, &text("nacl")).correct);
    }

    #[test]
    fn unreadable_answers_are_not_understood_and_reveal_nothing() {
        // The issue: "forty" in a numeric item was marked wrong and revealed the answer.
        let it = numeric(40.0, 0.0, None);
        for unreadable in ["forty", "", "   ", "1.2.3", "--1"] {
            let n = assess(&it, &text(unreadable)).expect_err(unreadable);
            assert_eq!(n.expected, "a number such as 0.75 or 3/4");
            assert_eq!(
                n.message,
                "Not understood — try again: type a number such as 0.75 or 3/4."
            );
            assert!(!n.message.contains("40"), "{unreadable}");
        }
        assert_eq!(
            assess(&numeric(12.0, 0.0, Some("cm")), &text("twelve"))
                .expect_err("words")
                .expected,
            "a number such as 0.75 or 3/4 (in cm)"
        );
        assert!(assess(&it, &Response::Choice(0)).is_err());
        // Readable answers are graded as before, right or wrong.
        assert_eq!(assess(&it, &text("40")), Ok(grade(&it, &text("40"))));
        assert_eq!(assess(&it, &text("41")).map(|g| g.correct), Ok(false));

        let words = item(AnswerSpec::Text {
            accepted: vec!["denominator".into()],
            case_sensitive: false,
        });
        let n = assess(&words, &text("  ")).expect_err("empty");
        assert_eq!(n.expected, "a word or phrase");
        assert!(!n.message.contains("denominator"));
        assert_eq!(
            assess(&words, &text("numerator")).map(|g| g.correct),
            Ok(false)
        );

        let choice = item(AnswerSpec::Choice {
            choices: vec![
                Choice {
                    text: "a".into(),
                    correct: true,
                    feedback: String::new(),
                },
                Choice {
                    text: "b".into(),
                    correct: false,
                    feedback: String::new(),
                },
            ],
        });
        let n = assess(&choice, &Response::Choice(2)).expect_err("no such option");
        assert_eq!(n.expected, "one of the 2 options");
        assert!(n.message.starts_with(NOT_UNDERSTOOD));
        assert!(assess(&choice, &text("a")).is_err());
        assert_eq!(
            assess(&choice, &Response::Choice(1)).map(|g| g.correct),
            Ok(false)
        );
    }
}

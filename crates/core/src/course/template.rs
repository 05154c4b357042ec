//! Parametric item templates: one `[[template]]` yields `count` concrete items.
//!
//! Expansion happens at import time so the rest of the product only ever sees plain
//! [`Item`]s with stable ids (`<template-id>-1` … `-N`): the event log refers to them,
//! so the same file must always give the same items. Hence the generator is seeded from
//! a hash of the template id that is stable across Rust versions and platforms (FNV-1a,
//! not std's `DefaultHasher`), draws with ChaCha8, and maps random words to ranges
//! itself instead of relying on `rand`'s range sampling, whose algorithm may change.

use super::expr::{Expr, Scope, Text};
use super::fields::{Errors, L};
use super::{AnswerSpec, Choice, Item};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::HashSet;

/// How a template variable is drawn.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Var {
    /// Inclusive integer range.
    Range(i64, i64),
    /// One of these values, equally likely.
    Values(Vec<i64>),
}

#[derive(Debug, Clone)]
pub(crate) struct ChoiceSpec {
    pub text: L<String>,
    pub correct: bool,
    pub feedback: L<String>,
}

/// The kind-specific part of a template, as written.
#[derive(Debug, Clone)]
pub(crate) enum AnswerTemplate {
    Choice(Vec<ChoiceSpec>),
    Numeric {
        answer: L<String>,
        tolerance: f64,
        unit: Option<L<String>>,
    },
    Text {
        accepted: L<Vec<String>>,
        case_sensitive: bool,
    },
}

/// A template as read from its file, already checked for shape.
#[derive(Debug, Clone)]
pub(crate) struct TemplateSpec {
    pub file: String,
    pub id: String,
    pub skills: Vec<String>,
    pub count: L<usize>,
    pub prompt: L<String>,
    pub hints: L<Vec<String>>,
    pub explanation: L<String>,
    pub constraints: L<Vec<String>>,
    /// Name, how to draw it, line.
    pub variables: Vec<(String, Var, usize)>,
    pub answer: AnswerTemplate,
}

/// Most draws a template may take per requested instance before giving up.
const TRIES_PER_INSTANCE: usize = 200;
const MIN_TRIES: usize = 2_000;

/// FNV-1a, 64 bit: a tiny hash whose output never changes.
pub(crate) fn fnv1a(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// Uniform index below `n` (n > 0) from one random word (Lemire's multiply-shift).
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

fn draw(rng: &mut ChaCha8Rng, var: &Var) -> i64 {
    match var {
        Var::Range(lo, hi) => {
            let span = hi.abs_diff(*lo).saturating_add(1);
            lo.wrapping_add(below(rng, span) as i64)
        }
        Var::Values(vs) => vs[below(rng, vs.len() as u64) as usize],
    }
}

struct Compiled {
    prompt: Text,
    hints: Vec<Text>,
    explanation: Text,
    constraints: Vec<Expr>,
    answer: CompiledAnswer,
}

enum CompiledAnswer {
    Choice(Vec<(Text, bool, Text)>),
    Numeric {
        answer: Expr,
        tolerance: f64,
        unit: Option<Text>,
    },
    Text {
        accepted: Vec<Text>,
        case_sensitive: bool,
    },
}

fn compile(t: &TemplateSpec, errors: &mut Errors) -> Option<Compiled> {
    let names: Vec<String> = t.variables.iter().map(|v| v.0.clone()).collect();
    let before = errors.len();
    let mut text = |s: &str, line: usize, field: &str| -> Option<Text> {
        Text::compile(s, &names)
            .map_err(|m| {
                errors.at(
                    &t.file,
                    Some(line),
                    format!("in `{field}` of template `{}`: {m}", t.id),
                )
            })
            .ok()
    };
    let prompt = text(&t.prompt.v, t.prompt.line, "prompt");
    let hints: Vec<Option<Text>> = t
        .hints
        .v
        .iter()
        .map(|h| text(h, t.hints.line, "hints"))
        .collect();
    let explanation = text(&t.explanation.v, t.explanation.line, "explanation");
    let answer = match &t.answer {
        AnswerTemplate::Choice(cs) => {
            let mut out = Vec::new();
            for c in cs {
                let tx = text(&c.text.v, c.text.line, "choices.text");
                let fb = text(&c.feedback.v, c.feedback.line, "choices.feedback");
                if let (Some(tx), Some(fb)) = (tx, fb) {
                    out.push((tx, c.correct, fb));
                }
            }
            Some(CompiledAnswer::Choice(out))
        }
        AnswerTemplate::Numeric {
            answer,
            tolerance,
            unit,
        } => {
            let unit = unit.as_ref().map(|u| text(&u.v, u.line, "unit"));
            let answer = Expr::compile(&answer.v, &names)
                .map_err(|m| {
                    errors.at(
                        &t.file,
                        Some(answer.line),
                        format!("in `answer` of template `{}`: {m}", t.id),
                    )
                })
                .ok();
            match (answer, unit) {
                (Some(answer), None) => Some(CompiledAnswer::Numeric {
                    answer,
                    tolerance: *tolerance,
                    unit: None,
                }),
                (Some(answer), Some(Some(unit))) => Some(CompiledAnswer::Numeric {
                    answer,
                    tolerance: *tolerance,
                    unit: Some(unit),
                }),
                _ => None,
            }
        }
        AnswerTemplate::Text {
            accepted,
            case_sensitive,
        } => {
            let mut text = |s: &str| {
                Text::compile(s, &names)
                    .map_err(|m| {
                        errors.at(
                            &t.file,
                            Some(accepted.line),
                            format!("in `accepted` of template `{}`: {m}", t.id),
                        )
                    })
                    .ok()
            };
            let acc: Vec<Option<Text>> = accepted.v.iter().map(|a| text(a)).collect();
            Some(CompiledAnswer::Text {
                accepted: acc.into_iter().flatten().collect(),
                case_sensitive: *case_sensitive,
            })
        }
    };
    let mut constraints = Vec::new();
    for c in &t.constraints.v {
        match Expr::compile(c, &names) {
            Ok(e) => constraints.push(e),
            Err(m) => errors.at(
                &t.file,
                Some(t.constraints.line),
                format!("in `constraints` of template `{}`: {m}", t.id),
            ),
        }
    }
    if errors.len() > before {
        return None;
    }
    Some(Compiled {
        prompt: prompt?,
        hints: hints.into_iter().collect::<Option<Vec<_>>>()?,
        explanation: explanation?,
        constraints,
        answer: answer?,
    })
}

/// Expands a template into its items, or records why it cannot be expanded.
pub(crate) fn expand(t: &TemplateSpec, errors: &mut Errors) -> Vec<Item> {
    let Some(c) = compile(t, errors) else {
        return Vec::new();
    };
    let count = t.count.v;
    let mut rng = ChaCha8Rng::seed_from_u64(fnv1a(&t.id));
    let mut scope = Scope::new();
    let mut seen: HashSet<String> = HashSet::new();
    let mut items = Vec::with_capacity(count);
    let (mut failed_constraints, mut duplicates, mut coinciding) = (0usize, 0usize, 0usize);
    let tries = (count * TRIES_PER_INSTANCE).max(MIN_TRIES);
    let fail = |errors: &mut Errors, line: usize, m: String| {
        errors.at(&t.file, Some(line), format!("template `{}`: {m}", t.id));
    };
    for _ in 0..tries {
        if items.len() == count {
            break;
        }
        for (name, var, _) in &t.variables {
            scope.set(name, draw(&mut rng, var));
        }
        let mut ok = true;
        for e in &c.constraints {
            match e.boolean(&scope) {
                Ok(true) => {}
                Ok(false) => {
                    ok = false;
                    break;
                }
                Err(m) => {
                    fail(errors, t.constraints.line, m);
                    return Vec::new();
                }
            }
        }
        if !ok {
            failed_constraints += 1;
            continue;
        }
        let prompt = match c.prompt.render(&scope) {
            Ok(p) => p,
            Err(m) => {
                fail(errors, t.prompt.line, m);
                return Vec::new();
            }
        };
        if seen.contains(&prompt) {
            duplicates += 1;
            continue;
        }
        let rendered = (|| -> Result<(Vec<String>, String, AnswerSpec), (usize, String)> {
            let hints = c
                .hints
                .iter()
                .map(|h| h.render(&scope))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|m| (t.hints.line, m))?;
            let explanation = c
                .explanation
                .render(&scope)
                .map_err(|m| (t.explanation.line, m))?;
            let answer = match (&c.answer, &t.answer) {
                (CompiledAnswer::Choice(cs), AnswerTemplate::Choice(specs)) => {
                    let mut choices = Vec::new();
                    for ((text, correct, feedback), spec) in cs.iter().zip(specs) {
                        choices.push(Choice {
                            text: text.render(&scope).map_err(|m| (spec.text.line, m))?,
                            correct: *correct,
                            feedback: feedback
                                .render(&scope)
                                .map_err(|m| (spec.feedback.line, m))?,
                        });
                    }
                    AnswerSpec::Choice { choices }
                }
                (
                    CompiledAnswer::Numeric {
                        answer,
                        tolerance,
                        unit,
                    },
                    AnswerTemplate::Numeric { answer: a, .. },
                ) => AnswerSpec::Numeric {
                    value: answer.number(&scope).map_err(|m| (a.line, m))?,
                    tolerance: *tolerance,
                    unit: match unit {
                        Some(u) => Some(u.render(&scope).map_err(|m| (a.line, m))?),
                        None => None,
                    },
                },
                (
                    CompiledAnswer::Text {
                        accepted,
                        case_sensitive,
                    },
                    AnswerTemplate::Text { accepted: a, .. },
                ) => AnswerSpec::Text {
                    accepted: accepted
                        .iter()
                        .map(|x| x.render(&scope))
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|m| (a.line, m))?,
                    case_sensitive: *case_sensitive,
                },
                _ => unreachable!("compiled answer matches its spec"),
            };
            Ok((hints, explanation, answer))
        })();
        let (hints, explanation, answer) = match rendered {
            Ok(r) => r,
            Err((line, m)) => {
                fail(errors, line, m);
                return Vec::new();
            }
        };
        if let AnswerSpec::Choice { choices } = &answer {
            let texts: HashSet<&str> = choices.iter().map(|c| c.text.trim()).collect();
            if texts.len() != choices.len() {
                coinciding += 1;
                continue;
            }
        }
        seen.insert(prompt.clone());
        items.push(Item {
            id: format!("{}-{}", t.id, items.len() + 1).into(),
            skills: t.skills.clone(),
            prompt,
            answer,
            hints,
            explanation,
            template: Some(t.id.clone()),
        });
    }
    if items.len() < count {
        let mut why = Vec::new();
        if failed_constraints > 0 {
            why.push(format!("{failed_constraints} broke the constraints"));
        }
        if duplicates > 0 {
            why.push(format!("{duplicates} repeated an earlier prompt"));
        }
        if coinciding > 0 {
            why.push(format!("{coinciding} had two identical choices"));
        }
        errors.at(
            &t.file,
            Some(t.count.line),
            format!(
                "template `{}` could only make {} distinct items of the {count} asked for ({tries} draws: {}); widen the variable ranges, relax the constraints or lower `count`",
                t.id,
                items.len(),
                why.join(", ")
            ),
        );
        return Vec::new();
    }
    items
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(count: usize, constraints: &[&str], vars: Vec<(&str, Var)>) -> TemplateSpec {
        let l = |s: &str| L {
            v: s.to_string(),
            line: 1,
        };
        TemplateSpec {
            file: "items/t.toml".into(),
            id: "scale".into(),
            skills: vec!["s".into()],
            count: L { v: count, line: 5 },
            prompt: l("{a}/{b} = ?/{b*k}"),
            hints: L {
                v: vec!["times {k}".into()],
                line: 2,
            },
            explanation: l("{a*k}"),
            constraints: L {
                v: constraints.iter().map(|s| s.to_string()).collect(),
                line: 7,
            },
            variables: vars
                .into_iter()
                .map(|(n, v)| (n.to_string(), v, 9))
                .collect(),
            answer: AnswerTemplate::Numeric {
                answer: L {
                    v: "a*k".into(),
                    line: 4,
                },
                tolerance: 0.0,
                unit: None,
            },
        }
    }

    fn vars() -> Vec<(&'static str, Var)> {
        vec![
            ("a", Var::Range(1, 9)),
            ("b", Var::Range(2, 12)),
            ("k", Var::Values(vec![2, 3, 4, 5])),
        ]
    }

    #[test]
    fn fnv_is_stable() {
        assert_eq!(fnv1a(""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a("a"), 0xaf63_dc4c_8601_ec8c);
    }

    #[test]
    fn deterministic_distinct_and_constrained() {
        let t = spec(12, &["a < b", "gcd(a, b) == 1"], vars());
        let mut e = Errors::default();
        let first = expand(&t, &mut e);
        let second = expand(&t, &mut e);
        assert!(e.0.is_empty(), "{:?}", e.0);
        assert_eq!(first, second);
        assert_eq!(first.len(), 12);
        let prompts: HashSet<&str> = first.iter().map(|i| i.prompt.as_str()).collect();
        assert_eq!(prompts.len(), 12);
        for (n, item) in first.iter().enumerate() {
            assert_eq!(item.id, format!("scale-{}", n + 1));
            assert_eq!(item.template.as_deref(), Some("scale"));
            let nums: Vec<f64> = item
                .prompt
                .split(|c: char| !c.is_ascii_digit())
                .filter(|s| !s.is_empty())
                .map(|s| s.parse().unwrap())
                .collect();
            let (a, b) = (nums[0], nums[1]);
            assert!(a < b);
            let AnswerSpec::Numeric { value, .. } = item.answer else {
                panic!("numeric")
            };
            let k = nums[2] / b;
            assert_eq!(value, a * k);
            assert_eq!(item.hints, vec![format!("times {k}")]);
        }
    }

    #[test]
    fn different_ids_give_different_instances() {
        let t = spec(5, &[], vars());
        let mut u = t.clone();
        u.id = "other".into();
        let mut e = Errors::default();
        let a: Vec<String> = expand(&t, &mut e).into_iter().map(|i| i.prompt).collect();
        let b: Vec<String> = expand(&u, &mut e).into_iter().map(|i| i.prompt).collect();
        assert_ne!(a, b);
    }

    #[test]
    fn impossible_constraints_are_an_error_on_the_count_line() {
        let t = spec(3, &["a > 100"], vars());
        let mut e = Errors::default();
        assert!(expand(&t, &mut e).is_empty());
        assert_eq!(e.0.len(), 1);
        assert_eq!(e.0[0].line, Some(5));
        assert!(e.0[0].message.contains("could only make 0 distinct items"));
        assert!(e.0[0].message.contains("broke the constraints"));
    }

    #[test]
    fn too_few_distinct_values() {
        let t = spec(
            5,
            &[],
            vec![
                ("a", Var::Range(1, 2)),
                ("b", Var::Values(vec![3])),
                ("k", Var::Values(vec![2])),
            ],
        );
        let mut e = Errors::default();
        assert!(expand(&t, &mut e).is_empty());
        assert!(e.0[0].message.contains("could only make 2 distinct items"));
        assert!(e.0[0].message.contains("repeated an earlier prompt"));
    }

    #[test]
    fn evaluation_error_names_expression_and_line() {
        let mut t = spec(2, &[], vars());
        t.answer = AnswerTemplate::Numeric {
            answer: L {
                v: "a / (k - k)".into(),
                line: 4,
            },
            tolerance: 0.0,
            unit: None,
        };
        let mut e = Errors::default();
        assert!(expand(&t, &mut e).is_empty());
        assert_eq!(e.0[0].line, Some(4));
        assert!(
            e.0[0].message.contains("`a / (k - k)`"),
            "{}",
            e.0[0].message
        );
    }

    #[test]
    fn choice_instances_with_coinciding_choices_are_skipped() {
        let mut t = spec(
            3,
            &[],
            vec![
                ("a", Var::Range(1, 6)),
                ("b", Var::Values(vec![1])),
                ("k", Var::Values(vec![1])),
            ],
        );
        let l = |s: &str| L {
            v: s.to_string(),
            line: 3,
        };
        t.answer = AnswerTemplate::Choice(vec![
            ChoiceSpec {
                text: l("{a}"),
                correct: true,
                feedback: l(""),
            },
            ChoiceSpec {
                text: l("{min(a, 3)}"),
                correct: false,
                feedback: l("no"),
            },
        ]);
        let mut e = Errors::default();
        let items = expand(&t, &mut e);
        assert!(e.0.is_empty(), "{:?}", e.0);
        assert_eq!(items.len(), 3);
        for i in items {
            let AnswerSpec::Choice { choices } = i.answer else {
                panic!()
            };
            assert_ne!(choices[0].text, choices[1].text);
        }
    }
}

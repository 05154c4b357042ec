//! Readers for the public knowledge-tracing datasets and for Ownpace's own event export.
//!
//! They exist so the evaluation and the product's `fit` share one parser and one notion of
//! [`Sequence`]. They take `(file_name, text)` and never touch the file system: the caller
//! reads the file, the core parses it. Every malformed input is a [`DatasetError`] naming
//! the file, the 1-based line and the reason.
//!
//! Formats:
//! * **AKT 4-line** (`assist2009_pid`): a header `student index,original user id`, problem
//!   ids, skill ids, correctness. Each row is one (problem, skill) pair.
//! * **AKT/DKT 3-line** (`statics`, `assist2009_dkt`): the sequence length, ids,
//!   correctness; lines may end with a trailing comma. There is a single id per row, used
//!   as both item and skill.
//! * **AKT 3-line with header** (skill-only files of the AKT repository): a header
//!   `student index,user id`, skill ids, correctness; no problem line, so the skill id is
//!   also the item.
//!
//! [`read_akt_detected`] tells the AKT/DKT layouts apart by the shape of the whole file:
//! it parses the text in every layout and keeps the one that reads every group; a text
//! that two layouts read completely is refused as ambiguous (the caller then names the
//! layout).
//! * **Event export CSV**: `student,item,skills,correct,timestamp` with `;`-separated
//!   skills, correctness 0/1 and unix seconds, an optional header row, and simple
//!   double-quoted fields. Rows are grouped by student (first appearance order) and sorted
//!   by timestamp (stable). String ids become numbers through an [`IdMap`].

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

use super::{Attempt, Sequence};

/// A malformed dataset file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {reason}")]
pub struct DatasetError {
    pub file: String,
    /// 1-based line number.
    pub line: usize,
    pub reason: Reason,
}

/// Why a dataset line was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Reason {
    #[error("expected a non-negative integer id, found {0:?}")]
    BadId(String),
    #[error("expected correctness 0 or 1, found {0:?}")]
    BadCorrectness(String),
    #[error("expected a sequence length, found {0:?}")]
    BadLength(String),
    #[error("expected a header `student index,user id`, found {0:?}")]
    BadHeader(String),
    #[error("expected {expected} values, found {found}")]
    CountMismatch { expected: usize, found: usize },
    #[error("empty value")]
    EmptyValue,
    #[error("the file ends in the middle of a student's group of lines")]
    Truncated,
    #[error("expected 5 columns (student,item,skills,correct,timestamp), found {0}")]
    ColumnCount(usize),
    #[error("expected a unix timestamp in seconds, found {0:?}")]
    BadTimestamp(String),
    #[error("unterminated quoted field")]
    UnterminatedQuote,
    #[error("the file holds no answers")]
    NoData,
    #[error("the file reads completely in several layouts ({0}); name the layout (`--layout`)")]
    AmbiguousLayout(String),
}

/// Which AKT/DKT layout a text uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AktLayout {
    /// Header, problem ids, skill ids, correctness.
    FourLine,
    /// Length, ids, correctness.
    ThreeLine,
    /// Header, skill ids, correctness.
    HeaderThreeLine,
}

impl AktLayout {
    /// Every layout, in the order detection reports them.
    pub const ALL: [AktLayout; 3] = [
        AktLayout::FourLine,
        AktLayout::ThreeLine,
        AktLayout::HeaderThreeLine,
    ];

    /// A short name for messages and the command line.
    pub fn name(self) -> &'static str {
        match self {
            AktLayout::FourLine => "header-problems-skills",
            AktLayout::ThreeLine => "length-ids",
            AktLayout::HeaderThreeLine => "header-skills",
        }
    }

    /// The layout whose parse reads the whole text; when none or several do, a guess from
    /// the first non-empty line (a two-field header means the 4-line layout, a bare number
    /// the 3-line one). Prefer [`read_akt_detected`], which reports those cases.
    pub fn detect(text: &str) -> AktLayout {
        match read_akt_detected("", text) {
            Ok((layout, _)) => layout,
            Err(_) => {
                let first = text
                    .lines()
                    .map(str::trim)
                    .find(|l| !l.is_empty())
                    .unwrap_or("");
                if first.trim_end_matches(',').contains(',') {
                    AktLayout::FourLine
                } else {
                    AktLayout::ThreeLine
                }
            }
        }
    }
}

/// Reads an AKT/DKT file in whichever layout reads all of it (see the module docs).
///
/// When no layout fits, the error is the one from the layout that read furthest into the
/// file, so it points at the line that most likely breaks the intended layout.
pub fn read_akt_detected(
    file: &str,
    text: &str,
) -> Result<(AktLayout, Vec<Sequence>), DatasetError> {
    let mut fits: Vec<(AktLayout, Vec<Sequence>)> = Vec::new();
    let mut furthest: Option<DatasetError> = None;
    for layout in AktLayout::ALL {
        match read_akt(file, text, layout) {
            Ok(seqs) => fits.push((layout, seqs)),
            Err(e) => {
                if furthest.as_ref().is_none_or(|f| e.line > f.line) {
                    furthest = Some(e);
                }
            }
        }
    }
    match fits.len() {
        1 => Ok(fits.remove(0)),
        0 => Err(furthest.unwrap_or(DatasetError {
            file: file.to_string(),
            line: 1,
            reason: Reason::NoData,
        })),
        _ => Err(DatasetError {
            file: file.to_string(),
            line: 1,
            reason: Reason::AmbiguousLayout(
                fits.iter()
                    .map(|(l, _)| l.name())
                    .collect::<Vec<_>>()
                    .join(", "),
            ),
        }),
    }
}

/// Reads an AKT/DKT file in the given layout.
pub fn read_akt(file: &str, text: &str, layout: AktLayout) -> Result<Vec<Sequence>, DatasetError> {
    let err = |line: usize, reason: Reason| DatasetError {
        file: file.to_string(),
        line,
        reason,
    };
    let group = match layout {
        AktLayout::FourLine => 4,
        AktLayout::ThreeLine | AktLayout::HeaderThreeLine => 3,
    };
    // Blank lines carry nothing; keep real line numbers for messages.
    let lines: Vec<(usize, &str)> = text
        .lines()
        .enumerate()
        .map(|(i, l)| (i + 1, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let mut out = Vec::with_capacity(lines.len() / group);
    for (g, chunk) in lines.chunks(group).enumerate() {
        if chunk.len() < group {
            return Err(err(chunk[0].0, Reason::Truncated));
        }
        let header_student = |(n, header): (usize, &str)| {
            let fields = split_fields(header);
            if fields.len() != 2 || fields.iter().any(|f| f.parse::<u64>().is_err()) {
                return Err(err(n, Reason::BadHeader(header.to_string())));
            }
            Ok(fields[1].to_string())
        };
        let (student, ids_at, skills_at, correct_at, expected) = match layout {
            AktLayout::FourLine => (
                header_student(chunk[0])?,
                chunk[1],
                Some(chunk[2]),
                chunk[3],
                None,
            ),
            AktLayout::HeaderThreeLine => {
                (header_student(chunk[0])?, chunk[1], None, chunk[2], None)
            }
            AktLayout::ThreeLine => {
                let (n, len) = chunk[0];
                let len_text = len.trim_end_matches(',').trim();
                let expected = len_text
                    .parse::<usize>()
                    .map_err(|_| err(n, Reason::BadLength(len.to_string())))?;
                (
                    format!("{file}#{}", g + 1),
                    chunk[1],
                    None,
                    chunk[2],
                    Some(expected),
                )
            }
        };
        let items = parse_ids(ids_at).map_err(|r| err(ids_at.0, r))?;
        if let Some(expected) = expected
            && items.len() != expected
        {
            return Err(err(
                ids_at.0,
                Reason::CountMismatch {
                    expected,
                    found: items.len(),
                },
            ));
        }
        let skills = match skills_at {
            Some(at) => {
                let s = parse_ids(at).map_err(|r| err(at.0, r))?;
                if s.len() != items.len() {
                    return Err(err(
                        at.0,
                        Reason::CountMismatch {
                            expected: items.len(),
                            found: s.len(),
                        },
                    ));
                }
                s
            }
            None => items.clone(),
        };
        let correct = parse_correct(correct_at).map_err(|r| err(correct_at.0, r))?;
        if correct.len() != items.len() {
            return Err(err(
                correct_at.0,
                Reason::CountMismatch {
                    expected: items.len(),
                    found: correct.len(),
                },
            ));
        }
        let attempts = items
            .iter()
            .zip(&skills)
            .zip(&correct)
            .map(|((&item, &skill), &correct)| Attempt {
                item,
                skills: vec![skill],
                correct,
                timestamp: None,
            })
            .collect();
        out.push(Sequence { student, attempts });
    }
    if out.is_empty() {
        return Err(err(1, Reason::NoData));
    }
    Ok(out)
}

/// Splits a comma-separated line, dropping one trailing empty field (DKT lines end in `,`).
fn split_fields(line: &str) -> Vec<&str> {
    let line = line.strip_suffix(',').unwrap_or(line);
    line.split(',').map(str::trim).collect()
}

fn parse_ids((_, line): (usize, &str)) -> Result<Vec<u32>, Reason> {
    split_fields(line)
        .into_iter()
        .map(|f| {
            if f.is_empty() {
                Err(Reason::EmptyValue)
            } else {
                f.parse::<u32>().map_err(|_| Reason::BadId(f.to_string()))
            }
        })
        .collect()
}

fn parse_correct((_, line): (usize, &str)) -> Result<Vec<bool>, Reason> {
    split_fields(line).into_iter().map(parse_bit).collect()
}

fn parse_bit(f: &str) -> Result<bool, Reason> {
    match f {
        "0" => Ok(false),
        "1" => Ok(true),
        "" => Err(Reason::EmptyValue),
        other => Err(Reason::BadCorrectness(other.to_string())),
    }
}

/// Maps the product's string ids (items, skills) to the numeric ids the models use. Store
/// it beside fitted parameters so the numbers keep their meaning.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdMap {
    pub items: Vec<String>,
    pub skills: Vec<String>,
    #[serde(skip)]
    item_index: HashMap<String, u32>,
    #[serde(skip)]
    skill_index: HashMap<String, u32>,
}

impl IdMap {
    /// Rebuilds the lookup tables after deserializing.
    pub fn reindex(&mut self) {
        self.item_index = self
            .items
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
        self.skill_index = self
            .skills
            .iter()
            .enumerate()
            .map(|(i, s)| (s.clone(), i as u32))
            .collect();
    }

    pub fn item(&mut self, name: &str) -> u32 {
        intern(&mut self.items, &mut self.item_index, name)
    }

    pub fn skill(&mut self, name: &str) -> u32 {
        intern(&mut self.skills, &mut self.skill_index, name)
    }

    pub fn find_item(&self, name: &str) -> Option<u32> {
        self.item_index.get(name).copied()
    }

    pub fn find_skill(&self, name: &str) -> Option<u32> {
        self.skill_index.get(name).copied()
    }
}

fn intern(names: &mut Vec<String>, index: &mut HashMap<String, u32>, name: &str) -> u32 {
    if let Some(&i) = index.get(name) {
        return i;
    }
    let i = names.len() as u32;
    names.push(name.to_string());
    index.insert(name.to_string(), i);
    i
}

/// Reads Ownpace's event export (see the module docs), interning ids into `ids`.
pub fn read_events(file: &str, text: &str, ids: &mut IdMap) -> Result<Vec<Sequence>, DatasetError> {
    let err = |line: usize, reason: Reason| DatasetError {
        file: file.to_string(),
        line,
        reason,
    };
    let mut order: Vec<String> = Vec::new();
    let mut by_student: HashMap<String, Vec<Attempt>> = HashMap::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        let fields = split_csv(line).map_err(|r| err(n, r))?;
        if fields.len() != 5 {
            return Err(err(n, Reason::ColumnCount(fields.len())));
        }
        if order.is_empty() && by_student.is_empty() && fields[0].eq_ignore_ascii_case("student") {
            continue;
        }
        let student = fields[0].trim();
        let item = fields[1].trim();
        if student.is_empty() || item.is_empty() {
            return Err(err(n, Reason::EmptyValue));
        }
        let mut skills = Vec::new();
        for s in fields[2].split(';').map(str::trim) {
            if s.is_empty() {
                return Err(err(n, Reason::EmptyValue));
            }
            let id = ids.skill(s);
            if !skills.contains(&id) {
                skills.push(id);
            }
        }
        let correct = parse_bit(fields[3].trim()).map_err(|r| err(n, r))?;
        let ts = fields[4].trim();
        let timestamp = ts
            .parse::<i64>()
            .map_err(|_| err(n, Reason::BadTimestamp(ts.to_string())))?;
        let attempt = Attempt {
            item: ids.item(item),
            skills,
            correct,
            timestamp: Some(timestamp),
        };
        match by_student.get_mut(student) {
            Some(v) => v.push(attempt),
            None => {
                order.push(student.to_string());
                by_student.insert(student.to_string(), vec![attempt]);
            }
        }
    }
    if order.is_empty() {
        return Err(err(1, Reason::NoData));
    }
    Ok(order
        .into_iter()
        .map(|student| {
            let mut attempts = by_student.remove(&student).unwrap_or_default();
            attempts.sort_by_key(|a| a.timestamp);
            Sequence { student, attempts }
        })
        .collect())
}

/// Splits one CSV line with optional `"..."` fields (`""` escapes a quote).
fn split_csv(line: &str) -> Result<Vec<String>, Reason> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut chars = line.chars().peekable();
    let mut quoted = false;
    let mut at_start = true;
    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    field.push('"');
                    chars.next();
                }
                '"' => quoted = false,
                _ => field.push(c),
            }
        } else {
            match c {
                '"' if at_start => {
                    quoted = true;
                    at_start = false;
                }
                ',' => {
                    fields.push(std::mem::take(&mut field));
                    at_start = true;
                }
                _ => {
                    field.push(c);
                    if !c.is_whitespace() {
                        at_start = false;
                    }
                }
            }
        }
    }
    if quoted {
        return Err(Reason::UnterminatedQuote);
    }
    fields.push(field);
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PID: &str = "1,100\n5,5,6\n1,2,1\n1,1,0\n2,200\n7\n3\n0\n";

    #[test]
    fn reads_four_line_files() {
        let seqs = read_akt("pid.csv", PID, AktLayout::FourLine).unwrap();
        assert_eq!(seqs.len(), 2);
        assert_eq!(seqs[0].student, "100");
        assert_eq!(
            seqs[0].attempts[1],
            Attempt {
                item: 5,
                skills: vec![2],
                correct: true,
                timestamp: None
            }
        );
        assert!(!seqs[1].attempts[0].correct);
        assert_eq!(AktLayout::detect(PID), AktLayout::FourLine);
    }

    #[test]
    fn reads_three_line_files_with_trailing_commas() {
        let text = "4\n51,51,52,51,\n0,1,1,1,\n1\n9,\n1,\n";
        assert_eq!(AktLayout::detect(text), AktLayout::ThreeLine);
        let seqs = read_akt("dkt.csv", text, AktLayout::ThreeLine).unwrap();
        assert_eq!(seqs.len(), 2);
        assert_eq!(seqs[0].attempts[2].skills, vec![52]);
        assert_eq!(seqs[0].attempts[2].item, 52);
        assert!(seqs[1].attempts[0].correct);
    }

    fn fails(text: &str, layout: AktLayout) -> DatasetError {
        read_akt("f.csv", text, layout).unwrap_err()
    }

    #[test]
    fn rejects_malformed_akt_files_with_line_numbers() {
        let e = fails("1,100\n5,x,6\n1,2,1\n1,1,0\n", AktLayout::FourLine);
        assert_eq!((e.line, e.reason), (2, Reason::BadId("x".into())));
        let e = fails("1,100\n5,5,6\n1,2\n1,1,0\n", AktLayout::FourLine);
        assert_eq!(
            (e.line, e.reason),
            (
                3,
                Reason::CountMismatch {
                    expected: 3,
                    found: 2
                }
            )
        );
        let e = fails("1,100\n5,5,6\n1,2,1\n1,2,0\n", AktLayout::FourLine);
        assert_eq!((e.line, e.reason), (4, Reason::BadCorrectness("2".into())));
        let e = fails("1,100\n5,5,6\n1,2,1\n1,1,0\nfoo\n", AktLayout::FourLine);
        assert_eq!((e.line, e.reason), (5, Reason::Truncated));
        let e = fails(
            "1,100\n5,5,6\n1,2,1\n1,1,0\nfoo\n1\n1\n1\n",
            AktLayout::FourLine,
        );
        assert_eq!((e.line, e.reason), (5, Reason::BadHeader("foo".into())));
        let e = fails("3\n1,2\n1,1\n", AktLayout::ThreeLine);
        assert_eq!(
            (e.line, e.reason),
            (
                2,
                Reason::CountMismatch {
                    expected: 3,
                    found: 2
                }
            )
        );
        let e = fails("x\n1,2\n1,1\n", AktLayout::ThreeLine);
        assert_eq!((e.line, e.reason), (1, Reason::BadLength("x".into())));
        let e = fails("2\n1,,\n1,1\n", AktLayout::ThreeLine);
        assert_eq!((e.line, e.reason), (2, Reason::EmptyValue));
        let e = fails("\n\n", AktLayout::ThreeLine);
        assert_eq!(e.reason, Reason::NoData);
        assert_eq!(e.to_string(), "f.csv:1: the file holds no answers");
    }

    /// Every layout the readers accept, as a file in `tests/fixtures/datasets`, with the
    /// layout detection must find and (student, items, skills, correctness) of its groups.
    #[allow(clippy::type_complexity)]
    const FIXTURES: [(&str, &str, AktLayout, &[(&str, &[u32], &[u32], &[bool])]); 4] = [
        (
            "akt_four_line.csv",
            include_str!("../../tests/fixtures/datasets/akt_four_line.csv"),
            AktLayout::FourLine,
            &[
                ("100", &[5, 5, 6], &[1, 2, 1], &[true, true, false]),
                ("200", &[7], &[3], &[false]),
            ],
        ),
        (
            "akt_three_line.csv",
            include_str!("../../tests/fixtures/datasets/akt_three_line.csv"),
            AktLayout::ThreeLine,
            &[
                (
                    "akt_three_line.csv#1",
                    &[12, 13, 12],
                    &[12, 13, 12],
                    &[true, false, true],
                ),
                (
                    "akt_three_line.csv#2",
                    &[13, 14],
                    &[13, 14],
                    &[false, false],
                ),
            ],
        ),
        (
            "dkt_three_line.csv",
            include_str!("../../tests/fixtures/datasets/dkt_three_line.csv"),
            AktLayout::ThreeLine,
            &[
                (
                    "dkt_three_line.csv#1",
                    &[51, 51, 52, 51],
                    &[51, 51, 52, 51],
                    &[false, true, true, true],
                ),
                ("dkt_three_line.csv#2", &[9], &[9], &[true]),
            ],
        ),
        (
            "akt_header_three_line.csv",
            include_str!("../../tests/fixtures/datasets/akt_header_three_line.csv"),
            AktLayout::HeaderThreeLine,
            &[
                ("1001", &[3, 3, 7], &[3, 3, 7], &[true, false, true]),
                ("1002", &[4, 7], &[4, 7], &[false, true]),
            ],
        ),
    ];

    #[test]
    fn detects_and_reads_every_layout_fixture() {
        for (file, text, layout, expected) in FIXTURES {
            let (found, seqs) =
                read_akt_detected(file, text).unwrap_or_else(|e| panic!("{file}: {e}"));
            assert_eq!(found, layout, "{file}");
            assert_eq!(AktLayout::detect(text), layout, "{file}");
            assert_eq!(read_akt(file, text, layout).as_ref(), Ok(&seqs), "{file}");
            let got: Vec<_> = seqs
                .iter()
                .map(|s| {
                    (
                        s.student.as_str(),
                        s.attempts.iter().map(|a| a.item).collect::<Vec<_>>(),
                        s.attempts.iter().map(|a| a.skills[0]).collect::<Vec<_>>(),
                        s.attempts.iter().map(|a| a.correct).collect::<Vec<_>>(),
                    )
                })
                .collect();
            let want: Vec<_> = expected
                .iter()
                .map(|&(st, i, k, c)| (st, i.to_vec(), k.to_vec(), c.to_vec()))
                .collect();
            assert_eq!(got, want, "{file}");
        }
        let mut ids = IdMap::default();
        let events = read_events(
            "events.csv",
            include_str!("../../tests/fixtures/datasets/events.csv"),
            &mut ids,
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let students: Vec<_> = events.iter().map(|s| s.student.as_str()).collect();
        assert_eq!(students, ["ann", "bob"]);
        assert_eq!(ids.items[events[0].attempts[0].item as usize], "q3");
    }

    #[test]
    fn the_header_three_line_layout_is_not_read_as_four_lines() {
        // The shape the 4-line-only reader stopped on: line 4 is the next header.
        let text = FIXTURES[3].1;
        let e = read_akt("h.csv", text, AktLayout::FourLine).unwrap_err();
        assert_eq!(e.line, 4);
        assert!(matches!(e.reason, Reason::BadCorrectness(_)));
    }

    #[test]
    fn detection_reports_the_furthest_error_and_ambiguity() {
        // Header-skills text broken on its last line: that layout read furthest.
        let e = read_akt_detected("h.csv", "0,1001\n3,3,7\n1,0,1\n1,1002\n4,7\n0,2\n").unwrap_err();
        assert_eq!((e.line, e.reason), (6, Reason::BadCorrectness("2".into())));
        assert_eq!(e.file, "h.csv");
        // Twelve `1,1` lines read in full as three 4-line and as four 3-line groups.
        let text = "1,1\n".repeat(12);
        let e = read_akt_detected("a.csv", &text).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(matches!(e.reason, Reason::AmbiguousLayout(_)), "{e}");
        assert!(e.to_string().contains("--layout"), "{e}");
        let e = read_akt_detected("n.csv", "\n").unwrap_err();
        assert_eq!(e.reason, Reason::NoData);
    }

    #[test]
    fn reads_event_exports() {
        let text = "student,item,skills,correct,timestamp\n\
                    ann,q1,add;sub,1,200\n\
                    bob,q2,add,0,100\n\
                    ann,\"q,2\",sub,0,100\n";
        let mut ids = IdMap::default();
        let seqs = read_events("events.csv", text, &mut ids).unwrap();
        assert_eq!(seqs.len(), 2);
        assert_eq!(seqs[0].student, "ann");
        // Sorted by time: q,2 (t=100) before q1 (t=200).
        assert_eq!(ids.items[seqs[0].attempts[0].item as usize], "q,2");
        assert_eq!(
            seqs[0].attempts[1].skills,
            vec![
                ids.find_skill("add").unwrap(),
                ids.find_skill("sub").unwrap()
            ]
        );
        assert_eq!(seqs[1].attempts[0].timestamp, Some(100));
    }

    #[test]
    fn rejects_malformed_event_exports_with_line_numbers() {
        let cases = [
            (
                "student,item,skills,correct,timestamp\na,q,s,1,5\na,q,s,1\n",
                3,
                Reason::ColumnCount(4),
            ),
            (
                "a,q,s,1,5\na,q,s,yes,6\n",
                2,
                Reason::BadCorrectness("yes".into()),
            ),
            (
                "a,q,s,1,5\na,q,s,1,later\n",
                2,
                Reason::BadTimestamp("later".into()),
            ),
            ("a,q,s;;t,1,5\n", 1, Reason::EmptyValue),
            ("a,\"q,s,1,5\n", 1, Reason::UnterminatedQuote),
            ("student,item,skills,correct,timestamp\n", 1, Reason::NoData),
        ];
        for (text, line, reason) in cases {
            let e = read_events("e.csv", text, &mut IdMap::default()).unwrap_err();
            assert_eq!((e.line, e.reason), (line, reason), "{text:?}");
        }
    }
}

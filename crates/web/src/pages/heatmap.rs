//! The class heatmap (students × skills) as the dashboard shows it: every cell's colour,
//! mark and words come from the core's one state function (`standing::view`), the skills
//! are grouped by prerequisite steps with their full names, class figures say their base,
//! and a phone gets one card per student instead of a squeezed grid.
//!
//! Pure: it takes the projection's rows and returns what the template prints.

use crate::views::percent;
use ownpace_core::course::{Course, PrerequisiteGraph};
use ownpace_core::progress::SkillProgress;
use ownpace_core::review::Fsrs;
use ownpace_core::standing::{self, SkillView, Standing};
use std::collections::HashMap;

/// A colour band of the heatmap, ordered by urgency: the first is the most urgent and
/// the most salient. The legend lists them in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Band {
    /// In progress, under 40%.
    Low,
    /// In progress, 40–69%.
    Mid,
    /// In progress, 70% or more (not yet mastered).
    High,
    /// Mastered, but recall has fallen below the target.
    ReviewDue,
    /// Mastered or placed.
    Mastered,
    /// No answer yet: no number.
    NotStarted,
}

impl Band {
    pub const ALL: [Band; 6] = [
        Band::Low,
        Band::Mid,
        Band::High,
        Band::ReviewDue,
        Band::Mastered,
        Band::NotStarted,
    ];

    /// The band of a skill as shown.
    pub fn of(view: &SkillView) -> Band {
        match (view.standing, view.value) {
            (Standing::NotStarted, _) | (_, None) => Band::NotStarted,
            (Standing::ReviewDue, _) => Band::ReviewDue,
            (Standing::Mastered | Standing::Placed, _) => Band::Mastered,
            (Standing::InProgress, Some(v)) if v < 0.4 => Band::Low,
            (Standing::InProgress, Some(v)) if v < 0.7 => Band::Mid,
            (Standing::InProgress, Some(_)) => Band::High,
        }
    }

    /// The CSS class.
    pub fn css(self) -> &'static str {
        match self {
            Band::Low => "band-low",
            Band::Mid => "band-mid",
            Band::High => "band-high",
            Band::ReviewDue => "band-due",
            Band::Mastered => "band-mastered",
            Band::NotStarted => "band-none",
        }
    }

    /// The mark printed in the cell before the number, so that bands read without
    /// colour. A cell not started has no number: its "–" is its mark.
    pub fn mark(self) -> &'static str {
        match self {
            Band::Low => "!",
            Band::Mid | Band::High | Band::NotStarted => "",
            Band::ReviewDue => "↻",
            Band::Mastered => "✓",
        }
    }

    /// The legend's sample of the band: its mark, or "–" for not started.
    pub fn sample(self) -> &'static str {
        match self {
            Band::NotStarted => "–",
            other => other.mark(),
        }
    }

    /// The legend's words.
    pub fn legend(self) -> &'static str {
        match self {
            Band::Low => "in progress, under 40%",
            Band::Mid => "in progress, 40–69%",
            Band::High => "in progress, 70% or more",
            Band::ReviewDue => "review due (recall fell below 90%)",
            Band::Mastered => "mastered",
            Band::NotStarted => "not started",
        }
    }
}

pub struct LegendEntry {
    pub css: &'static str,
    pub mark: &'static str,
    pub words: &'static str,
}

/// The legend, in urgency order (the order of [`Band::ALL`]).
pub fn legend() -> Vec<LegendEntry> {
    Band::ALL
        .iter()
        .map(|b| LegendEntry {
            css: b.css(),
            mark: b.sample(),
            words: b.legend(),
        })
        .collect()
}

pub struct Column {
    pub id: String,
    pub name: String,
    /// The class figure with its base, e.g. "88%" and "of 4".
    pub mean_text: String,
    pub base_text: String,
    /// The same in one sentence, e.g. "88% on average among the 4 of 25 students who
    /// started; 2 mastered".
    pub summary: String,
}

/// A group of columns: the skills of one prerequisite step.
pub struct Group {
    pub label: String,
    pub span: usize,
}

pub struct Cell {
    pub skill: String,
    pub css: &'static str,
    pub mark: &'static str,
    /// The number, or "–" when not started.
    pub value: String,
    /// The state's word, for screen readers (the mark is hidden from them).
    pub word: &'static str,
    /// Student, skill, state and number in words (the cell's tooltip).
    pub label: String,
}

pub struct Row {
    pub student_id: String,
    pub name: String,
    pub mastered: usize,
    pub cells: Vec<Cell>,
}

/// One line of a student's phone card.
pub struct CardLine {
    pub css: &'static str,
    pub mark: &'static str,
    pub skill: String,
    pub text: String,
}

/// A student as a card (the phone layout): what needs attention first.
pub struct Card {
    pub student_id: String,
    pub name: String,
    pub summary: String,
    /// Skills started and not mastered, weakest first.
    pub lines: Vec<CardLine>,
    /// "Review due: A, B" (one line, however many), empty when none.
    pub due: String,
    /// "Not started: 14 skills", "Mastered: 9 skills".
    pub rest: Vec<String>,
}

pub struct Heatmap {
    pub groups: Vec<Group>,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
    pub cards: Vec<Card>,
    pub legend: Vec<LegendEntry>,
}

/// A student of the class, with their projection rows by skill id.
pub struct StudentProgress<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub progress: HashMap<&'a str, &'a SkillProgress>,
}

/// Skill indices of `course` grouped by prerequisite step (every skill after its
/// prerequisites), and the order of the columns.
fn steps(course: &Course) -> Vec<Vec<usize>> {
    let graph = PrerequisiteGraph::of(course);
    let layers = graph.layers();
    if layers.iter().map(Vec::len).sum::<usize>() == course.skills.len() {
        layers
    } else {
        vec![(0..course.skills.len()).collect()]
    }
}

/// Builds the heatmap of `students` on `course` at `now`, reviews due below `target`.
pub fn build(course: &Course, students: &[StudentProgress<'_>], now: i64, target: f64) -> Heatmap {
    let fsrs = Fsrs::default();
    let steps = steps(course);
    let order: Vec<usize> = steps.iter().flatten().copied().collect();
    let groups = steps
        .iter()
        .enumerate()
        .map(|(i, step)| Group {
            label: if steps.len() == 1 {
                "Skills".to_string()
            } else if i == 0 {
                "Step 1: starting skills".to_string()
            } else {
                format!("Step {}: builds on earlier steps", i + 1)
            },
            span: step.len(),
        })
        .collect();
    // views[s][c]: student s, column c.
    let views: Vec<Vec<SkillView>> = students
        .iter()
        .map(|s| {
            order
                .iter()
                .map(|&k| {
                    let p = s.progress.get(course.skills[k].id.as_str()).copied();
                    standing::view(p, &fsrs, now, target)
                })
                .collect()
        })
        .collect();
    let total = students.len();
    let columns = order
        .iter()
        .enumerate()
        .map(|(c, &k)| {
            let skill = &course.skills[k];
            let started: Vec<f64> = views.iter().filter_map(|v| v[c].value).collect();
            let known = views.iter().filter(|v| v[c].standing.is_known()).count();
            let n = started.len();
            let (mean_text, base_text, summary) = if n == 0 {
                (
                    "–".to_string(),
                    "none started".to_string(),
                    format!("{}: none of the {total} students has started", skill.name),
                )
            } else {
                let mean = percent(started.iter().sum::<f64>() / n as f64);
                (
                    mean.clone(),
                    format!("of {n}"),
                    format!(
                        "{}: {mean} on average among the {n} of {total} students who started; \
                         {known} mastered",
                        skill.name
                    ),
                )
            };
            Column {
                id: skill.id.clone(),
                name: skill.name.clone(),
                mean_text,
                base_text,
                summary,
            }
        })
        .collect::<Vec<_>>();
    let mut rows = Vec::new();
    let mut cards = Vec::new();
    for (s, student) in students.iter().enumerate() {
        let mut cells = Vec::new();
        let mut lines: Vec<(Band, f64, CardLine)> = Vec::new();
        let (mut mastered, mut due, mut not_started) = (0, 0, 0);
        let mut due_names: Vec<&str> = Vec::new();
        for (c, &k) in order.iter().enumerate() {
            let skill = &course.skills[k];
            let view = &views[s][c];
            let band = Band::of(view);
            let attempts = student
                .progress
                .get(skill.id.as_str())
                .map_or(0, |p| p.attempts);
            let value = view.value.map_or_else(|| "–".to_string(), percent);
            let label = match view.value {
                Some(_) => format!(
                    "{}, {}: {}, {value} after {attempts} answers",
                    student.name, skill.name, view.phrase
                ),
                None => format!("{}, {}: not started", student.name, skill.name),
            };
            if view.standing.is_known() {
                mastered += 1;
            }
            match band {
                Band::NotStarted => not_started += 1,
                Band::Mastered => {}
                Band::ReviewDue => {
                    due += 1;
                    due_names.push(skill.name.as_str());
                }
                _ => lines.push((
                    band,
                    view.value.unwrap_or(0.0),
                    card_line(band, skill, view),
                )),
            }
            cells.push(Cell {
                skill: skill.id.clone(),
                css: band.css(),
                mark: band.mark(),
                value,
                word: view.standing.word(),
                label,
            });
        }
        lines.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let low = lines.iter().filter(|l| l.0 == Band::Low).count();
        let mut summary = format!("{mastered} of {} mastered", course.skills.len());
        if low > 0 {
            summary.push_str(&format!(", {low} under 40%"));
        }
        if due > 0 {
            summary.push_str(&format!(", {due} review due"));
        }
        let mut rest = Vec::new();
        let known_only = mastered - due;
        if known_only > 0 {
            rest.push(format!("Mastered: {}", skills_word(known_only)));
        }
        if not_started > 0 {
            rest.push(format!("Not started: {}", skills_word(not_started)));
        }
        cards.push(Card {
            student_id: student.id.to_string(),
            name: student.name.to_string(),
            summary,
            lines: lines.into_iter().map(|l| l.2).collect(),
            due: if due_names.is_empty() {
                String::new()
            } else {
                format!("Review due ({due}): {}", due_names.join(", "))
            },
            rest,
        });
        rows.push(Row {
            student_id: student.id.to_string(),
            name: student.name.to_string(),
            mastered,
            cells,
        });
    }
    Heatmap {
        groups,
        columns,
        rows,
        cards,
        legend: legend(),
    }
}

fn skills_word(n: usize) -> String {
    if n == 1 {
        "1 skill".to_string()
    } else {
        format!("{n} skills")
    }
}

fn card_line(band: Band, skill: &ownpace_core::course::Skill, view: &SkillView) -> CardLine {
    let text = format!(
        "{} {}",
        view.value.map_or_else(String::new, percent),
        view.phrase
    );
    CardLine {
        css: band.css(),
        mark: band.mark(),
        skill: skill.name.clone(),
        text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ownpace_core::course::Skill;
    use ownpace_core::learner::bkt::BktParams;

    const PARAMS: BktParams = BktParams {
        init: 0.2,
        learn: 0.15,
        forget: 0.0,
        guess: 0.2,
        slip: 0.1,
    };

    fn course() -> Course {
        let skill = |id: &str, name: &str, pre: &[&str]| Skill {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            prerequisites: pre.iter().map(|s| s.to_string()).collect(),
            standards: vec![],
        };
        Course {
            id: "c".into(),
            title: "c".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            // Listed out of order: the columns put "b" (which needs "a") after "a".
            skills: vec![
                skill("b", "Builds on A", &["a"]),
                skill("a", "A first", &[]),
                skill("z", "Another start", &[]),
            ],
            lessons: vec![],
            items: vec![],
            projects: vec![],
            assets: vec![],
        }
    }

    fn answered(answers: &[bool]) -> SkillProgress {
        let fsrs = Fsrs::default();
        let mut p = SkillProgress::initial(&PARAMS);
        for (t, &c) in answers.iter().enumerate() {
            p.record(&PARAMS, &fsrs, c, t as i64 * 60_000);
        }
        p
    }

    #[test]
    fn the_legend_orders_bands_by_urgency_and_every_band_has_its_own_look() {
        let words: Vec<&str> = legend().iter().map(|l| l.words).collect();
        assert_eq!(words[0], "in progress, under 40%");
        assert_eq!(words[words.len() - 1], "not started");
        let mut css: Vec<&str> = Band::ALL.iter().map(|b| b.css()).collect();
        css.dedup();
        assert_eq!(css.len(), Band::ALL.len());
        // Readable without colour: every band but two neighbours has its own mark, and
        // those two differ by the number printed (the legend gives the ranges).
        assert_ne!(Band::Low.mark(), Band::Mid.mark());
        assert_ne!(Band::NotStarted.sample(), Band::Mastered.sample());
        assert_eq!(Band::NotStarted.sample(), "–");
        assert_ne!(Band::ReviewDue.mark(), Band::Mastered.mark());
    }

    #[test]
    fn cells_columns_and_cards_follow_the_one_state_function() {
        let c = course();
        let weak = answered(&[false, false]);
        let mastered = answered(&[true, true, true, true]);
        assert!(mastered.is_mastered());
        let ana = StudentProgress {
            id: "ana",
            name: "Ana",
            progress: [("a", &mastered), ("b", &weak)].into_iter().collect(),
        };
        let ben = StudentProgress {
            id: "ben",
            name: "Ben",
            progress: HashMap::new(),
        };
        let now = 10 * 60_000;
        let map = build(&c, &[ana, ben], now, 0.9);
        // Columns in prerequisite steps: a and z first, then b.
        let ids: Vec<&str> = map.columns.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["a", "z", "b"]);
        assert_eq!(
            map.groups.iter().map(|g| g.span).collect::<Vec<_>>(),
            [2, 1]
        );
        // Ana: a mastered, z not started, b weak.
        let cells = &map.rows[0].cells;
        assert_eq!(cells[0].css, "band-mastered");
        assert_eq!(
            (cells[1].css, cells[1].mark, cells[1].value.as_str()),
            ("band-none", "", "–")
        );
        assert_eq!(cells[2].css, "band-low");
        assert_eq!(
            cells[2].value,
            percent(
                standing::view(Some(&weak), &Fsrs::default(), now, 0.9)
                    .value
                    .unwrap()
            )
        );
        assert_eq!(map.rows[0].mastered, 1);
        // Ben started nothing: every cell "not started", no number anywhere.
        assert!(map.rows[1].cells.iter().all(|c| c.value == "–"));
        // Class figures say their base.
        assert_eq!(map.columns[0].base_text, "of 1");
        assert!(
            map.columns[0]
                .summary
                .contains("on average among the 1 of 2 students who started; 1 mastered"),
            "{}",
            map.columns[0].summary
        );
        assert_eq!(map.columns[1].mean_text, "–");
        assert_eq!(map.columns[1].base_text, "none started");
        // The card puts the weak skill first and counts the rest.
        let card = &map.cards[0];
        assert_eq!(card.lines[0].skill, "Builds on A");
        assert_eq!(card.summary, "1 of 3 mastered, 1 under 40%");
        assert_eq!(card.rest, ["Mastered: 1 skill", "Not started: 1 skill"]);
    }

    #[test]
    fn a_skill_whose_recall_fell_below_the_target_is_marked_review_due() {
        let c = course();
        let mastered = answered(&[true, true, true]);
        let memory = mastered.memory.expect("mastery starts a memory");
        let late = Fsrs::default().due_at(&memory, 0.9) + 86_400_000;
        let ana = StudentProgress {
            id: "ana",
            name: "Ana",
            progress: [("a", &mastered)].into_iter().collect(),
        };
        let map = build(&c, &[ana], late, 0.9);
        let cell = &map.rows[0].cells[0];
        assert_eq!(
            (cell.css, cell.mark, cell.word),
            ("band-due", "↻", "review due")
        );
        assert_eq!(map.cards[0].due, "Review due (1): A first");
        assert!(map.cards[0].lines.is_empty());
        assert!(
            cell.label.contains("review due, recall about"),
            "{}",
            cell.label
        );
        // Forgetting does not un-master: still counted as mastered.
        assert_eq!(map.rows[0].mastered, 1);
        assert_eq!(map.cards[0].summary, "1 of 3 mastered, 1 review due");
    }
}

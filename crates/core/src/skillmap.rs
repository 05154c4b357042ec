//! The skill map as an accessible SVG picture (SPEC C4 agency, issue 3 item 5).
//!
//! Students choose what to work on, so they need to see the whole course: what they have
//! mastered, what they are ready for and what each locked skill waits on. The prerequisite
//! DAG is drawn in layers (a skill sits below everything it builds on), with the order
//! inside each layer chosen to reduce crossing lines. The SVG is self-contained (no
//! scripts, styles or external references, so it passes a strict Content-Security-Policy)
//! and usable without colour or a mouse: every skill is a link with a spoken label, a text
//! marker of its state, and a tab order that follows the layers.

use crate::course::{Course, PrerequisiteGraph};
use crate::recommend::{SkillOverview, SkillState};
use std::collections::HashMap;
use std::fmt::Write;

const NODE_W: f64 = 176.0;
/// Height of a box with two lines of name; each further line adds [`LINE_H`].
const NODE_H: f64 = 64.0;
const LINE_H: f64 = 16.0;
const GAP_X: f64 = 24.0;
const GAP_Y: f64 = 48.0;
const MARGIN: f64 = 16.0;
/// Characters per line of a skill name in bold 13px in a 176px box.
const LINE_CHARS: usize = 19;
const SWEEPS: usize = 4;
const EDGE_COLOUR: &str = "#767676";

/// Fill, border and text colours (text on fill ≥ 4.5:1) and the text marker of a state.
pub(crate) struct Look {
    pub fill: &'static str,
    pub stroke: &'static str,
    pub text: &'static str,
    pub marker: &'static str,
}

pub(crate) fn look(state: &SkillState) -> Look {
    match state {
        SkillState::Mastered => Look {
            fill: "#d8f0dc",
            stroke: "#1e6b34",
            text: "#0f3d1c",
            marker: "✓ Mastered",
        },
        SkillState::InProgress => Look {
            fill: "#fff1c2",
            stroke: "#8a6100",
            text: "#3d2b00",
            marker: "◐ In progress",
        },
        SkillState::Ready => Look {
            fill: "#dbeafe",
            stroke: "#1d4ed8",
            text: "#0b2a5c",
            marker: "▶ Ready",
        },
        SkillState::Locked { .. } => Look {
            fill: "#eeeeee",
            stroke: "#6b6b6b",
            text: "#333333",
            marker: "⊘ Locked",
        },
    }
}

/// Border of a mastered skill that is due for review (with "review due" in its text).
pub(crate) const REVIEW_STROKE: &str = "#b45309";

/// Skills (indices into `course.skills`) by layer: a skill's layer is the length of the
/// longest prerequisite chain below it, so it always sits below all its prerequisites.
/// Within a layer, skills are ordered to reduce crossing edges.
pub fn layers(course: &Course) -> Vec<Vec<usize>> {
    ordered_layers(&PrerequisiteGraph::of(course))
}

/// [`layers`] of a course's graph.
fn ordered_layers(graph: &PrerequisiteGraph) -> Vec<Vec<usize>> {
    let n = graph.len();
    // Skills on a cycle (an invalid course) go last.
    let mut layers = graph.layers();
    let layer_of = {
        let mut v = vec![0; n];
        for (l, nodes) in layers.iter().enumerate() {
            for &i in nodes {
                v[i] = l;
            }
        }
        v
    };

    // Barycenter sweeps, down then up, keeping the order with the fewest crossings.
    let edges: Vec<(usize, usize)> = (0..n)
        .flat_map(|i| graph.prerequisites(i).iter().map(move |&p| (p, i)))
        .collect();
    let mut best = layers.clone();
    let mut best_crossings = crossings(&layers, &layer_of, &edges);
    for sweep in 0..SWEEPS * 2 {
        let down = sweep % 2 == 0;
        let order: Vec<usize> = if down {
            (1..layers.len()).collect()
        } else {
            (0..layers.len().saturating_sub(1)).rev().collect()
        };
        for l in order {
            let pos = positions(&layers);
            let mut keyed: Vec<(f64, usize)> = layers[l]
                .iter()
                .map(|&v| {
                    let near = if down {
                        graph.prerequisites(v)
                    } else {
                        graph.dependents(v)
                    };
                    let key = if near.is_empty() {
                        pos[v]
                    } else {
                        near.iter().map(|&u| pos[u]).sum::<f64>() / near.len() as f64
                    };
                    (key, v)
                })
                .collect();
            keyed.sort_by(|a, b| a.0.total_cmp(&b.0));
            layers[l] = keyed.into_iter().map(|(_, v)| v).collect();
        }
        let c = crossings(&layers, &layer_of, &edges);
        if c < best_crossings {
            best_crossings = c;
            best = layers.clone();
        }
    }
    best
}

/// Horizontal centre of every node in drawing units.
fn positions(layers: &[Vec<usize>]) -> Vec<f64> {
    let n = layers.iter().map(Vec::len).sum();
    let widest = layers.iter().map(Vec::len).max().unwrap_or(0) as f64;
    let mut pos = vec![0.0; n];
    for nodes in layers {
        let offset = (widest - nodes.len() as f64) / 2.0;
        for (k, &v) in nodes.iter().enumerate() {
            pos[v] = offset + k as f64 + 0.5;
        }
    }
    pos
}

/// Pairs of edges whose straight segments cross.
fn crossings(layers: &[Vec<usize>], layer_of: &[usize], edges: &[(usize, usize)]) -> usize {
    let pos = positions(layers);
    let seg = |&(a, b): &(usize, usize)| (pos[a], layer_of[a] as f64, pos[b], layer_of[b] as f64);
    let mut count = 0;
    for (k, e) in edges.iter().enumerate() {
        let (ax, ay, bx, by) = seg(e);
        for f in &edges[k + 1..] {
            if e.0 == f.0 || e.1 == f.1 || e.0 == f.1 || e.1 == f.0 {
                continue;
            }
            let (cx, cy, dx, dy) = seg(f);
            if ay.max(by) <= cy.min(dy) || cy.max(dy) <= ay.min(by) {
                continue;
            }
            let side = |px: f64, py: f64, qx: f64, qy: f64, rx: f64, ry: f64| {
                (qx - px) * (ry - py) - (qy - py) * (rx - px)
            };
            let d1 = side(ax, ay, bx, by, cx, cy);
            let d2 = side(ax, ay, bx, by, dx, dy);
            let d3 = side(cx, cy, dx, dy, ax, ay);
            let d4 = side(cx, cy, dx, dy, bx, by);
            if d1 * d2 < 0.0 && d3 * d4 < 0.0 {
                count += 1;
            }
        }
    }
    count
}

/// The course's skill map as a standalone SVG element. `skills` gives each skill's state
/// (from [`crate::recommend::overview`]; a skill missing there is drawn as locked);
/// `href` gives the link of a skill id.
pub fn render_svg(
    course: &Course,
    skills: &[SkillOverview],
    href: &dyn Fn(&str) -> String,
) -> String {
    let by_id: HashMap<&str, &SkillOverview> =
        skills.iter().map(|s| (s.skill.as_str(), s)).collect();
    let graph = PrerequisiteGraph::of(course);
    let layers = ordered_layers(&graph);
    let (labels, max_lines) = distinct_labels(course);
    let node_h = NODE_H + (max_lines.saturating_sub(2)) as f64 * LINE_H;
    let widest = layers.iter().map(Vec::len).max().unwrap_or(0) as f64;
    let width = (2.0 * MARGIN + widest * NODE_W + (widest - 1.0).max(0.0) * GAP_X).max(NODE_W);
    let height = 2.0 * MARGIN + layers.len() as f64 * (node_h + GAP_Y) - GAP_Y;
    let height = height.max(node_h);

    let mut at: HashMap<usize, (f64, f64)> = HashMap::new();
    for (l, nodes) in layers.iter().enumerate() {
        let row = nodes.len() as f64 * NODE_W + (nodes.len() as f64 - 1.0).max(0.0) * GAP_X;
        let left = (width - row) / 2.0;
        for (k, &i) in nodes.iter().enumerate() {
            at.insert(
                i,
                (
                    left + k as f64 * (NODE_W + GAP_X),
                    MARGIN + l as f64 * (node_h + GAP_Y),
                ),
            );
        }
    }

    let locked = SkillState::Locked {
        missing: Vec::new(),
    };
    let state_of = |id: &str| by_id.get(id).map_or(&locked, |s| &s.state);
    let (mut mastered, mut due, mut progress, mut ready, mut locked_n) = (0, 0, 0, 0, 0);
    for s in &course.skills {
        match state_of(&s.id) {
            SkillState::Mastered => mastered += 1,
            SkillState::InProgress => progress += 1,
            SkillState::Ready => ready += 1,
            SkillState::Locked { .. } => locked_n += 1,
        }
        if by_id.get(s.id.as_str()).is_some_and(|o| o.review_due) {
            due += 1;
        }
    }

    let id = format!("skillmap-{}", slug(course.id.as_str()));
    let mut svg = String::with_capacity(600 * course.skills.len() + 1000);
    let _ = write!(
        svg,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"skillmap\" role=\"group\" \
         viewBox=\"0 0 {width} {height}\" width=\"{width}\" height=\"{height}\" \
         aria-labelledby=\"{id}-title {id}-desc\" font-family=\"system-ui, sans-serif\">\
         <title id=\"{id}-title\">Skill map: {}</title>\
         <desc id=\"{id}-desc\">{} skills in {} layers; each skill sits below the skills it \
         builds on, and lines run from a skill to the skills that build on it. {mastered} \
         mastered ({due} due for review), {progress} in progress, {ready} ready, {locked_n} \
         locked.</desc>",
        escape(&course.title),
        course.skills.len(),
        layers.len(),
    );

    svg.push_str("<g class=\"edges\" aria-hidden=\"true\" fill=\"none\">");
    for (i, skill) in course.skills.iter().enumerate() {
        for p in &skill.prerequisites {
            let Some(p) = graph.index_of(p) else {
                continue;
            };
            if !at.contains_key(&i) || !at.contains_key(&p) {
                continue;
            }
            let route = edge_route(&layers, &at, node_h, p, i);
            let (x1, y1) = route[0];
            let mut d = format!("M{x1} {y1}");
            for pair in route.windows(2) {
                let ((ax, ay), (bx, by)) = (pair[0], pair[1]);
                if (ax - bx).abs() < f64::EPSILON {
                    // Straight down through a row, in the gap between its boxes.
                    let _ = write!(d, " L{bx} {by}");
                } else {
                    let mid = (ay + by) / 2.0;
                    let _ = write!(d, " C{ax} {mid} {bx} {mid} {bx} {by}");
                }
            }
            let (x2, y2) = route[route.len() - 1];
            let _ = write!(
                svg,
                "<path d=\"{d} M{} {} L{x2} {y2} L{} {}\" \
                 stroke=\"{EDGE_COLOUR}\" stroke-width=\"1.5\"/>",
                x2 - 4.0,
                y2 - 7.0,
                x2 + 4.0,
                y2 - 7.0,
            );
        }
    }
    svg.push_str("</g><g class=\"skills\">");

    for nodes in &layers {
        for &i in nodes {
            let skill = &course.skills[i];
            let Some(&(x, y)) = at.get(&i) else { continue };
            let overview = by_id.get(skill.id.as_str());
            let state = state_of(&skill.id);
            let review_due = overview.is_some_and(|o| o.review_due);
            let look = look(state);
            let mut spoken = format!("{}: {}", skill.name, state.label());
            let mut marker = look.marker.to_string();
            match state {
                SkillState::Mastered if review_due => {
                    spoken.push_str(", review due");
                    marker.push_str(", review due");
                }
                SkillState::InProgress => {
                    let p = overview.map_or(0.0, |o| o.p_mastery);
                    let p = if p.is_finite() {
                        p.clamp(0.0, 1.0)
                    } else {
                        0.0
                    };
                    let _ = write!(spoken, ", {}% mastered", (p * 100.0).round() as i64);
                }
                SkillState::Locked { missing } if !missing.is_empty() => {
                    let names: Vec<&str> = missing
                        .iter()
                        .map(|m| course.skill(m).map_or(m.as_str(), |s| s.name.as_str()))
                        .collect();
                    let _ = write!(spoken, ", needs {}", names.join(", "));
                }
                _ => {}
            }
            let stroke = if review_due {
                REVIEW_STROKE
            } else {
                look.stroke
            };
            let dash = if matches!(state, SkillState::Locked { .. }) {
                " stroke-dasharray=\"5 3\""
            } else {
                ""
            };
            let width = if review_due { 3 } else { 2 };
            // The link's visible text is the skill's name alone, its lines separated by a
            // space, so that its accessible name (the spoken label) contains it even when the
            // name is cut short with "…" (WCAG 2.5.3, Label in Name). The state marker is
            // drawn over the box after the link, hidden from assistive technology (the spoken
            // label says the state) and from the pointer (a click goes to the link below).
            let _ = write!(
                svg,
                "<a href=\"{}\" role=\"link\" tabindex=\"0\" aria-label=\"{}\" class=\"skill {}\">\
                 <title>{}</title>\
                 <rect x=\"{x}\" y=\"{y}\" width=\"{NODE_W}\" height=\"{node_h}\" rx=\"8\" \
                 fill=\"{}\" stroke=\"{stroke}\" stroke-width=\"{width}\"{dash}/>\
                 <text x=\"{}\" font-size=\"13\" font-weight=\"600\" fill=\"{}\" \
                 text-anchor=\"middle\">",
                escape(&href(&skill.id)),
                escape(&spoken),
                css_class(state),
                escape(&spoken),
                look.fill,
                x + NODE_W / 2.0,
                look.text,
            );
            let lines = &labels[i];
            let first = if lines.len() > 1 { y + 20.0 } else { y + 27.0 };
            for (k, line) in lines.iter().enumerate() {
                if k > 0 {
                    svg.push(' ');
                }
                let _ = write!(
                    svg,
                    "<tspan x=\"{}\" y=\"{}\">{}</tspan>",
                    x + NODE_W / 2.0,
                    first + 16.0 * k as f64,
                    escape(line)
                );
            }
            let _ = write!(
                svg,
                "</text></a><text x=\"{}\" y=\"{}\" font-size=\"11\" fill=\"{}\" \
                 text-anchor=\"middle\" aria-hidden=\"true\" pointer-events=\"none\">{}</text>",
                x + NODE_W / 2.0,
                y + node_h - 9.0,
                look.text,
                escape(&marker)
            );
        }
    }
    svg.push_str("</g></svg>");
    svg
}

/// Each skill's name as drawn: wrapped to two lines, or to as many more as it takes for no
/// two boxes to read the same (two names that start alike, cut short with "…", would).
/// Returns the lines per skill and the most lines any box needs.
fn distinct_labels(course: &Course) -> (Vec<Vec<String>>, usize) {
    let mut max_lines = 2;
    loop {
        let labels: Vec<Vec<String>> = course
            .skills
            .iter()
            .map(|s| wrap_lines(&s.name, LINE_CHARS, max_lines))
            .collect();
        let mut seen: HashMap<&[String], usize> = HashMap::new();
        let mut clash = false;
        for (i, label) in labels.iter().enumerate() {
            if let Some(&j) = seen.get(label.as_slice())
                && course.skills[j].name != course.skills[i].name
            {
                clash = true;
            }
            seen.insert(label.as_slice(), i);
        }
        // Six lines hold any name a skill should have; stop there.
        if !clash || max_lines >= 6 {
            let used = labels.iter().map(Vec::len).max().unwrap_or(1).max(2);
            return (labels, used);
        }
        max_lines += 1;
    }
}

/// The points an edge from skill `from` (a prerequisite) to skill `to` passes: the bottom
/// centre of `from`, then for every row in between a way down through a gap between its
/// boxes (so that a long edge never runs behind a box and suggests a prerequisite that is
/// not there), then the top centre of `to`.
pub(crate) fn edge_route(
    layers: &[Vec<usize>],
    at: &HashMap<usize, (f64, f64)>,
    node_h: f64,
    from: usize,
    to: usize,
) -> Vec<(f64, f64)> {
    let layer_of = |v: usize| layers.iter().position(|l| l.contains(&v)).unwrap_or(0);
    let (lf, lt) = (layer_of(from), layer_of(to));
    let (fx, fy) = at.get(&from).copied().unwrap_or_default();
    let (tx, ty) = at.get(&to).copied().unwrap_or_default();
    let start = (fx + NODE_W / 2.0, fy + node_h);
    let end = (tx + NODE_W / 2.0, ty);
    let mut route = vec![start];
    for (l, row) in layers.iter().enumerate().take(lt).skip(lf + 1) {
        let share = (l - lf) as f64 / (lt - lf) as f64;
        let want = start.0 + (end.0 - start.0) * share;
        let row_top = MARGIN + l as f64 * (node_h + GAP_Y);
        let x = gap_near(row, at, want);
        route.push((x, row_top - 4.0));
        route.push((x, row_top + node_h + 4.0));
    }
    route.push(end);
    route
}

/// The x nearest `want` that lies outside every box of a row (at least a few units clear):
/// `want` itself when it is clear, else the middle of the nearest gap or a row's end.
fn gap_near(row: &[usize], at: &HashMap<usize, (f64, f64)>, want: f64) -> f64 {
    const CLEAR: f64 = 6.0;
    let lefts: Vec<f64> = row.iter().filter_map(|v| at.get(v).map(|p| p.0)).collect();
    let inside = |x: f64| {
        lefts
            .iter()
            .any(|&l| x > l - CLEAR && x < l + NODE_W + CLEAR)
    };
    if !inside(want) {
        return want;
    }
    let mut candidates = Vec::new();
    for &l in &lefts {
        candidates.push(l - GAP_X / 2.0);
        candidates.push(l + NODE_W + GAP_X / 2.0);
    }
    candidates
        .into_iter()
        .filter(|&x| !inside(x))
        .min_by(|a, b| (a - want).abs().total_cmp(&(b - want).abs()))
        .unwrap_or(want)
}

fn css_class(state: &SkillState) -> &'static str {
    match state {
        SkillState::Mastered => "mastered",
        SkillState::InProgress => "in-progress",
        SkillState::Ready => "ready",
        SkillState::Locked { .. } => "locked",
    }
}

/// Greedy word wrap to at most two lines of `width` characters; the rest is cut with "…"
/// (after the last whole word that fits, unless one word is longer than a line).
#[cfg(test)]
fn wrap(text: &str, width: usize) -> Vec<String> {
    wrap_lines(text, width, 2)
}

/// [`wrap`] to at most `max_lines` lines.
fn wrap_lines(text: &str, width: usize, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = vec![String::new()];
    let mut cut = false;
    for word in text.split_whitespace() {
        let Some(line) = lines.last_mut() else { break };
        let len = line.chars().count();
        if len == 0 || len + 1 + word.chars().count() <= width {
            if len > 0 {
                line.push(' ');
            }
            line.push_str(word);
        } else if lines.len() < max_lines {
            lines.push(word.to_string());
        } else {
            cut = true;
            break;
        }
    }
    for line in &mut lines {
        if line.chars().count() > width {
            *line = line.chars().take(width - 1).collect();
            line.push('…');
        }
    }
    if cut && let Some(last) = lines.last_mut() {
        // Whole words before the "…", so that what is shown is the start of the name word
        // for word (a screen-reader or voice user hears and says the full name).
        while last.chars().count() > width - 1 {
            match last.rfind(' ') {
                Some(space) => last.truncate(space),
                None => {
                    *last = last.chars().take(width - 1).collect();
                }
            }
        }
        last.push('…');
    }
    lines
}

/// Text safe inside XML content and double- or single-quoted attributes; characters XML
/// 1.0 forbids are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// An id-safe form of `text`: ASCII letters, digits and `-`.
fn slug(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn luminance(hex: &str) -> f64 {
        let v = u32::from_str_radix(hex.trim_start_matches('#'), 16).unwrap_or(0);
        let channel = |shift: u32| {
            let c = f64::from((v >> shift) & 0xff) / 255.0;
            if c <= 0.040_45 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(16) + 0.7152 * channel(8) + 0.0722 * channel(0)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (a, b) = (luminance(a), luminance(b));
        (a.max(b) + 0.05) / (a.min(b) + 0.05)
    }

    #[test]
    fn text_contrast_is_at_least_4_5_and_borders_3() {
        let states = [
            SkillState::Mastered,
            SkillState::InProgress,
            SkillState::Ready,
            SkillState::Locked {
                missing: Vec::new(),
            },
        ];
        let mut markers = Vec::new();
        for s in &states {
            let l = look(s);
            assert!(contrast(l.text, l.fill) >= 4.5, "{}", l.marker);
            assert!(contrast(l.stroke, "#ffffff") >= 3.0, "{}", l.marker);
            markers.push(l.marker);
        }
        assert!(contrast(REVIEW_STROKE, "#ffffff") >= 3.0);
        assert!(contrast(EDGE_COLOUR, "#ffffff") >= 3.0);
        markers.sort_unstable();
        markers.dedup();
        assert_eq!(
            markers.len(),
            states.len(),
            "every state has its own marker"
        );
    }

    #[test]
    fn names_that_start_alike_read_differently() {
        let skill = |id: &str, name: &str, pre: &[&str]| crate::course::Skill {
            id: id.into(),
            name: name.into(),
            description: String::new(),
            prerequisites: pre.iter().map(|p| p.to_string()).collect(),
            standards: vec![],
        };
        let course = Course {
            id: "c".into(),
            title: "C".into(),
            description: String::new(),
            level: String::new(),
            language: "en".into(),
            skills: vec![
                skill("a", "Adding and subtracting with like denominators", &[]),
                skill(
                    "b",
                    "Adding and subtracting with unlike denominators",
                    &["a"],
                ),
            ],
            lessons: vec![],
            items: vec![],
            projects: vec![],
            assets: vec![],
        };
        let (labels, lines) = distinct_labels(&course);
        assert_ne!(labels[0], labels[1], "{labels:?}");
        assert!(lines > 2);
        // Each label is the start of its name, word for word (label in name).
        for (label, skill) in labels.iter().zip(&course.skills) {
            let shown = label.join(" ");
            let shown = shown.trim_end_matches('…');
            assert!(skill.name.starts_with(shown), "{shown}");
        }
    }

    #[test]
    fn long_edges_pass_rows_between_boxes() {
        // a → c skips the row of b, whose box sits right under a.
        let layers = vec![vec![0], vec![1, 3], vec![2]];
        let at: HashMap<usize, (f64, f64)> = [
            (0, (100.0, 16.0)),
            (1, (100.0, 128.0)),
            (3, (300.0, 128.0)),
            (2, (100.0, 240.0)),
        ]
        .into_iter()
        .collect();
        let route = edge_route(&layers, &at, NODE_H, 0, 2);
        assert_eq!(route.len(), 4);
        let x = route[1].0;
        assert_eq!(route[1].0, route[2].0, "straight down through the row");
        for left in [100.0, 300.0] {
            assert!(
                x <= left - 6.0 || x >= left + NODE_W + 6.0,
                "{x} runs behind a box"
            );
        }
    }

    #[test]
    fn names_wrap_to_two_lines() {
        assert_eq!(wrap("Ratios", 21), vec!["Ratios"]);
        assert_eq!(
            wrap("Comparing fractions with unlike denominators", 19),
            vec!["Comparing fractions", "with unlike…"]
        );
        assert_eq!(
            wrap("Multiplying a fraction by a whole number", 19),
            vec!["Multiplying a", "fraction by a…"],
            "a cut name ends on a whole word"
        );
        assert_eq!(
            wrap("Supercalifragilisticexpialidocious", 10),
            vec!["Supercali…"]
        );
        assert_eq!(wrap("", 10), vec![""]);
    }
}

//! A pilot report's plots as accessible SVG drawn by Ownpace (no scripts, no other
//! hosts): a forest plot of each comparison's g with its 95% interval, and the
//! distribution of the outcome in each condition (every analysed student as a dot, the
//! mean as a bar). Each plot carries a `<title>` and a `<desc>` that say in words what it
//! draws, so the page's tables and the plot tell the same story.

/// One row of a forest plot: a comparison's label, g and its 95% interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ForestRow {
    pub label: String,
    pub g: f64,
    pub low: f64,
    pub high: f64,
}

const WIDTH: f64 = 360.0;
const LEFT: f64 = 120.0;
const RIGHT: f64 = 12.0;

/// The forest plot: one row per comparison, a line at 0 (no effect) and dashed lines at
/// ±0.25 (What Works Clearinghouse's "substantively important").
pub fn forest_svg(rows: &[ForestRow], title: &str) -> String {
    const ROW: f64 = 28.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 26.0;
    let height = TOP + BOTTOM + ROW * rows.len().max(1) as f64;
    let reach = rows
        .iter()
        .flat_map(|r| [r.low.abs(), r.high.abs(), r.g.abs()])
        .filter(|v| v.is_finite())
        .fold(0.5_f64, f64::max);
    // A round half-width: the next multiple of 0.25.
    let reach = (reach / 0.25).ceil() * 0.25;
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |g: f64| LEFT + plot_w * (g.clamp(-reach, reach) + reach) / (2.0 * reach);
    let axis_y = height - BOTTOM;
    let mut body = String::new();
    for (line, g) in [("zero", 0.0), ("wwc", -0.25), ("wwc", 0.25)] {
        let dash = if line == "wwc" {
            " stroke-dasharray=\"3 3\""
        } else {
            ""
        };
        body.push_str(&format!(
            "<line class=\"{line}\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{TOP}\" y2=\"{axis_y:.1}\"{dash}/>",
            x(g)
        ));
    }
    body.push_str(&format!(
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{axis_y:.1}\" y2=\"{axis_y:.1}\"/>",
        WIDTH - RIGHT
    ));
    for tick in [-reach, -reach / 2.0, 0.0, reach / 2.0, reach] {
        body.push_str(&format!(
            "<text class=\"scale\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{tick:.2}</text>",
            x(tick),
            axis_y + 12.0
        ));
    }
    body.push_str(&format!(
        "<text class=\"scale\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">Hedges' g (95% CI)</text>",
        LEFT + plot_w / 2.0,
        height - 3.0
    ));
    let mut desc = Vec::new();
    for (i, r) in rows.iter().enumerate() {
        let cy = TOP + ROW * (i as f64 + 0.5);
        let words = format!(
            "{}: g = {:.2}, 95% interval {:.2} to {:.2}",
            r.label, r.g, r.low, r.high
        );
        body.push_str(&format!(
            "<g class=\"comparison\"><title>{}</title>\
             <text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\
             <line class=\"ci\" x1=\"{:.1}\" x2=\"{:.1}\" y1=\"{cy:.1}\" y2=\"{cy:.1}\"/>\
             <rect class=\"point\" x=\"{:.1}\" y=\"{:.1}\" width=\"8\" height=\"8\"/></g>",
            escape(&words),
            LEFT - 6.0,
            cy + 3.0,
            escape(&shorten(&r.label, 22)),
            x(r.low),
            x(r.high),
            x(r.g) - 4.0,
            cy - 4.0,
        ));
        desc.push(words);
    }
    if rows.is_empty() {
        desc.push("no comparison to draw".to_string());
    }
    desc.push("the solid line is no effect, the dashed lines ±0.25".to_string());
    svg("forest-plot", height, title, &desc.join("; "), &body)
}

/// The outcome's distribution per condition: each value a dot on its condition's row,
/// the condition's mean a bar.
pub fn distribution_svg(groups: &[(String, Vec<f64>)], outcome: &str, title: &str) -> String {
    const ROW: f64 = 30.0;
    const TOP: f64 = 10.0;
    const BOTTOM: f64 = 26.0;
    let height = TOP + BOTTOM + ROW * groups.len().max(1) as f64;
    let values = groups
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|v| v.is_finite());
    let (mut low, mut high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
        (l.min(v), h.max(v))
    });
    if !low.is_finite() {
        (low, high) = (0.0, 1.0);
    }
    if high - low < 1e-9 {
        (low, high) = (low - 0.5, high + 0.5);
    }
    let plot_w = WIDTH - LEFT - RIGHT;
    let x = |v: f64| LEFT + plot_w * (v - low) / (high - low);
    let axis_y = height - BOTTOM;
    let mut body = format!(
        "<line class=\"axis\" x1=\"{LEFT}\" x2=\"{:.1}\" y1=\"{axis_y:.1}\" y2=\"{axis_y:.1}\"/>",
        WIDTH - RIGHT
    );
    for tick in [low, (low + high) / 2.0, high] {
        body.push_str(&format!(
            "<text class=\"scale\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x(tick),
            axis_y + 12.0,
            number(tick)
        ));
    }
    body.push_str(&format!(
        "<text class=\"scale\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        LEFT + plot_w / 2.0,
        height - 3.0,
        escape(&shorten(outcome, 60))
    ));
    let mut desc = Vec::new();
    for (i, (label, values)) in groups.iter().enumerate() {
        let cy = TOP + ROW * (i as f64 + 0.5);
        let finite: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        let mean = (!finite.is_empty()).then(|| finite.iter().sum::<f64>() / finite.len() as f64);
        let words = match mean {
            Some(m) => format!("{label}: {} students, mean {}", finite.len(), number(m)),
            None => format!("{label}: no analysed students"),
        };
        body.push_str(&format!(
            "<g class=\"condition\"><title>{}</title><text class=\"label\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            escape(&words),
            LEFT - 6.0,
            cy + 3.0,
            escape(&shorten(label, 22)),
        ));
        for (k, v) in finite.iter().enumerate() {
            // A small fixed jitter by position keeps equal values apart, deterministically.
            let jitter = ((k % 5) as f64 - 2.0) * 2.5;
            body.push_str(&format!(
                "<circle class=\"dot\" cx=\"{:.1}\" cy=\"{:.1}\" r=\"2.5\"/>",
                x(*v),
                cy + jitter
            ));
        }
        if let Some(m) = mean {
            body.push_str(&format!(
                "<line class=\"mean\" x1=\"{0:.1}\" x2=\"{0:.1}\" y1=\"{1:.1}\" y2=\"{2:.1}\"/>",
                x(m),
                cy - 10.0,
                cy + 10.0
            ));
        }
        body.push_str("</g>");
        desc.push(words);
    }
    svg("distribution-plot", height, title, &desc.join("; "), &body)
}

fn svg(class: &str, height: f64, title: &str, desc: &str, body: &str) -> String {
    format!(
        "<svg class=\"pilot-plot {class}\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height:.0}\" role=\"img\" aria-labelledby=\"{class}-title {class}-desc\">\
         <title id=\"{class}-title\">{}</title><desc id=\"{class}-desc\">{}</desc>{body}</svg>",
        escape(title),
        escape(desc)
    )
}

fn number(v: f64) -> String {
    if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut s: String = text.chars().take(max - 1).collect();
        s.push('…');
        s
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attr(svg: &str, after: &str, name: &str) -> f64 {
        let at = svg.find(after).expect("element present");
        let rest = &svg[at..];
        let start = rest.find(&format!("{name}=\"")).expect("attribute") + name.len() + 2;
        let end = start + rest[start..].find('"').expect("closing quote");
        rest[start..end].parse().expect("a number")
    }

    #[test]
    fn the_forest_plot_puts_the_interval_where_the_numbers_are() {
        let rows = [ForestRow {
            label: "Review on vs Review off".into(),
            g: 0.3,
            low: -0.1,
            high: 0.7,
        }];
        let svg = forest_svg(&rows, "Effect");
        // reach = 0.75; x(g) = 120 + 228 * (g + 0.75) / 1.5
        let x = |g: f64| 120.0 + 228.0 * (g + 0.75) / 1.5;
        assert!((attr(&svg, "class=\"ci\"", "x1") - x(-0.1)).abs() < 0.1);
        assert!((attr(&svg, "class=\"ci\"", "x2") - x(0.7)).abs() < 0.1);
        assert!((attr(&svg, "class=\"point\"", "x") + 4.0 - x(0.3)).abs() < 0.1);
        assert!((attr(&svg, "class=\"zero\"", "x1") - x(0.0)).abs() < 0.1);
        assert!(svg.contains("g = 0.30, 95% interval -0.10 to 0.70"));
        assert!(svg.contains("role=\"img\""));
    }

    #[test]
    fn the_distribution_draws_every_value_and_escapes_labels() {
        let groups = vec![
            ("A <b>".to_string(), vec![1.0, 2.0, 3.0]),
            ("B".to_string(), vec![5.0]),
        ];
        let svg = distribution_svg(&groups, "score", "Scores");
        assert_eq!(svg.matches("<circle").count(), 4);
        assert_eq!(svg.matches("class=\"mean\"").count(), 2);
        assert!(svg.contains("A &lt;b&gt;: 3 students, mean 2.00"));
        assert!(!svg.contains("<b>"));
        // The highest value sits at the right end of the axis.
        assert!(svg.contains("cx=\"348.0\""));
    }
}

//! The skill map: layering respects prerequisites, barycenter ordering removes avoidable
//! crossings, and the SVG is well-formed XML that names every skill, escapes text and
//! tabs through skills layer by layer.

use crate::support::{TestCourse, skill};
use ownpace_core::course::{Course, Skill};
use ownpace_core::recommend::{SkillState, SkillStatus, overview};
use ownpace_core::skillmap::{escape, layers, render_svg};
use std::collections::HashMap;

fn course(skills: Vec<Skill>) -> Course {
    TestCourse::new("demo course")
        .title("Fractions & <ratios>")
        .skills(skills)
        .build()
}

fn sample() -> Course {
    course(vec![
        skill("frac", "Equivalent fractions", &[]),
        skill("add", "Adding & subtracting \"unlike\" fractions", &[]),
        skill("compare", "Comparing <fractions>", &["frac"]),
        skill("ratio", "Ratios", &["frac"]),
        skill("rate", "Rates", &["ratio"]),
        skill("percent", "Percent", &["ratio", "compare", "frac"]),
        skill("mix", "Mixed problems", &["percent", "add"]),
    ])
}

/// A minimal XML well-formedness check: balanced and properly nested elements, quoted
/// attributes without raw `<` or `&`, known entities only, exactly one root element.
fn well_formed(xml: &str) -> Result<(), String> {
    let mut stack: Vec<String> = Vec::new();
    let mut roots = 0;
    let mut rest = xml;
    let check_text = |text: &str| -> Result<(), String> {
        let mut t = text;
        while let Some(i) = t.find('&') {
            let after = &t[i + 1..];
            let end = after.find(';').ok_or("unterminated entity")?;
            let name = &after[..end];
            let ok = matches!(name, "amp" | "lt" | "gt" | "quot" | "apos")
                || name
                    .strip_prefix("#x")
                    .is_some_and(|h| u32::from_str_radix(h, 16).is_ok())
                || name
                    .strip_prefix('#')
                    .is_some_and(|d| d.parse::<u32>().is_ok());
            if !ok {
                return Err(format!("bad entity &{name};"));
            }
            t = &after[end + 1..];
        }
        Ok(())
    };
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        if !text.trim().is_empty() && stack.is_empty() {
            return Err("text outside the root".into());
        }
        check_text(text)?;
        let close = rest[open..].find('>').ok_or("unterminated tag")? + open;
        let tag = &rest[open + 1..close];
        rest = &rest[close + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            match stack.pop() {
                Some(top) if top == name.trim() => {}
                other => return Err(format!("</{name}> closes {other:?}")),
            }
            continue;
        }
        let self_closing = tag.ends_with('/');
        let body = tag.trim_end_matches('/');
        let name_end = body.find(char::is_whitespace).unwrap_or(body.len());
        let name = &body[..name_end];
        if name.is_empty()
            || !name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == ':' || c == '-')
        {
            return Err(format!("bad element name {name:?}"));
        }
        // Attributes: name="value" pairs.
        let mut attrs = body[name_end..].trim();
        let mut seen = Vec::new();
        while !attrs.is_empty() {
            let eq = attrs
                .find('=')
                .ok_or(format!("attribute without value in <{name}>"))?;
            let attr = attrs[..eq].trim();
            if seen.contains(&attr) {
                return Err(format!("duplicate attribute {attr} in <{name}>"));
            }
            seen.push(attr);
            let value = &attrs[eq + 1..];
            let quote = value.chars().next().ok_or("missing quote")?;
            if quote != '"' && quote != '\'' {
                return Err(format!("unquoted attribute {attr}"));
            }
            let end = value[1..].find(quote).ok_or("unterminated attribute")? + 1;
            let v = &value[1..end];
            if v.contains('<') {
                return Err(format!("raw < in attribute {attr}"));
            }
            check_text(v)?;
            attrs = value[end + 1..].trim_start();
        }
        if stack.is_empty() {
            roots += 1;
        }
        if !self_closing {
            stack.push(name.to_string());
        }
    }
    if !rest.trim().is_empty() {
        return Err("text after the root".into());
    }
    check_text(rest)?;
    match (stack.is_empty(), roots) {
        (true, 1) => Ok(()),
        (false, _) => Err(format!("unclosed {stack:?}")),
        (_, n) => Err(format!("{n} root elements")),
    }
}

#[test]
fn the_checker_rejects_broken_xml() {
    assert!(well_formed("<a><b x=\"1\"/>t &amp; u</a>").is_ok());
    for bad in [
        "<a><b></a></b>",
        "<a>",
        "<a>x & y</a>",
        "<a x=\"<\"/>",
        "<a x=1/>",
        "<a/><b/>",
        "<a>&nbsp;</a>",
    ] {
        assert!(well_formed(bad).is_err(), "{bad}");
    }
}

#[test]
fn every_skill_sits_below_its_prerequisites() {
    let c = sample();
    let layers = layers(&c);
    let mut layer_of = HashMap::new();
    for (l, nodes) in layers.iter().enumerate() {
        for &i in nodes {
            assert!(layer_of.insert(c.skills[i].id.as_str(), l).is_none());
        }
    }
    assert_eq!(layer_of.len(), c.skills.len());
    for s in &c.skills {
        for p in &s.prerequisites {
            assert!(
                layer_of[p.as_str()] < layer_of[s.id.as_str()],
                "{} before {}",
                p,
                s.id
            );
        }
    }
    // Longest path: percent needs ratio (layer 1), so it sits in layer 2; mix in 3.
    assert_eq!(layer_of["frac"], 0);
    assert_eq!(layer_of["percent"], 2);
    assert_eq!(layer_of["mix"], 3);
}

#[test]
fn barycenter_ordering_uncrosses_two_chains() {
    // a → d and b → c, with the second layer listed as (c, d): crossing unless reordered.
    let c = course(vec![
        skill("a", "A", &[]),
        skill("b", "B", &[]),
        skill("c", "C", &["b"]),
        skill("d", "D", &["a"]),
    ]);
    let layers = layers(&c);
    let ids = |l: &Vec<usize>| {
        l.iter()
            .map(|&i| c.skills[i].id.clone())
            .collect::<Vec<_>>()
    };
    let top = ids(&layers[0]);
    let bottom = ids(&layers[1]);
    let pos = |v: &Vec<String>, id: &str| v.iter().position(|x| x == id);
    assert_eq!(
        pos(&top, "a") < pos(&top, "b"),
        pos(&bottom, "d") < pos(&bottom, "c"),
        "{top:?} over {bottom:?}"
    );
}

#[test]
fn svg_is_well_formed_names_every_skill_and_escapes_text() {
    let c = sample();
    let mut statuses = HashMap::new();
    let status = |state, review_due| SkillStatus {
        state,
        p_mastery: 0.62,
        attempts: 3,
        last_practised: None,
        recall: None,
        review_due,
        view: Default::default(),
    };
    statuses.insert("frac".to_string(), status(SkillState::Mastered, true));
    statuses.insert("ratio".to_string(), status(SkillState::InProgress, false));
    let skills = overview(&c, &statuses);
    let svg = render_svg(&c, &skills, &|id| format!("/skills/{id}?a=1&b=2"));
    well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
    assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
    assert!(svg.contains(
        "<title id=\"skillmap-demo-course-title\">Skill map: Fractions &amp; &lt;ratios&gt;</title>"
    ));
    assert!(svg.contains("href=\"/skills/frac?a=1&amp;b=2\""));
    for s in &c.skills {
        assert!(
            svg.contains(&format!("href=\"/skills/{}?", s.id)),
            "{}",
            s.id
        );
        assert!(
            svg.contains(&format!("aria-label=\"{}: ", escape(&s.name))),
            "{}",
            s.id
        );
    }
    assert!(svg.contains("aria-label=\"Equivalent fractions: mastered, review due\""));
    assert!(svg.contains("aria-label=\"Ratios: in progress, 62% mastered\""));
    assert!(svg.contains("aria-label=\"Rates: locked, needs Ratios\""));
    assert!(svg.contains("aria-label=\"Comparing &lt;fractions&gt;: ready\""));
    assert!(svg.contains("Adding &amp; subtracting &quot;unlike&quot; fractions: ready"));
    for marker in [
        "✓ Mastered, review due",
        "◐ In progress",
        "▶ Ready",
        "⊘ Locked",
    ] {
        assert!(svg.contains(marker), "{marker}");
    }
    // Self-contained: nothing fetched, nothing run, nothing styled inline.
    for banned in [
        "<script", "<style", "style=", "http://", "https://", "url(", "<image", "<use",
    ] {
        let hits = svg.matches(banned).count();
        let allowed = usize::from(banned == "http://"); // the xmlns
        assert_eq!(hits, allowed, "{banned}");
    }
}

#[test]
fn tab_order_follows_the_layers() {
    let c = sample();
    let skills = overview(&c, &HashMap::new());
    let svg = render_svg(&c, &skills, &|id| format!("#{id}"));
    let order: Vec<&str> = svg
        .split("<a href=\"#")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .collect();
    assert_eq!(order.len(), c.skills.len());
    let flat: Vec<&str> = layers(&c)
        .into_iter()
        .flatten()
        .map(|i| c.skills[i].id.as_str())
        .collect();
    assert_eq!(order, flat);
    assert_eq!(svg.matches("tabindex=\"0\"").count(), c.skills.len());
}

#[test]
fn escape_covers_markup_quotes_and_forbidden_characters() {
    assert_eq!(
        escape("a<b>&\"c'\u{0}\u{7}d\té"),
        "a&lt;b&gt;&amp;&quot;c&apos;d\té"
    );
}

#[test]
fn empty_and_cyclic_courses_still_render() {
    let empty = course(Vec::new());
    assert!(layers(&empty).is_empty());
    let svg = render_svg(&empty, &[], &|id| id.to_string());
    well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));

    let cyclic = course(vec![
        skill("a", "A", &["b"]),
        skill("b", "B", &["a"]),
        skill("c", "C", &[]),
    ]);
    let l = layers(&cyclic);
    assert_eq!(l.iter().map(Vec::len).sum::<usize>(), 3);
    let svg = render_svg(&cyclic, &[], &|id| id.to_string());
    well_formed(&svg).unwrap_or_else(|e| panic!("{e}\n{svg}"));
}

//! Small helpers for what pages show: Markdown from courses as safe HTML, percentages,
//! times and lesson links. The heatmap's bands are `pages::heatmap`'s.

use ownpace_core::recommend::SkillState;
use ownpace_storage::CourseVersion;
use std::borrow::Cow;

/// Renders course Markdown to HTML, sanitised (course files are teacher-written text, not
/// trusted markup), with relative links and images pointing at the course's media route.
pub fn markdown(course_id: &str, text: &str) -> String {
    let mut html = String::new();
    let options = pulldown_cmark::Options::ENABLE_TABLES
        | pulldown_cmark::Options::ENABLE_STRIKETHROUGH
        | pulldown_cmark::Options::ENABLE_SMART_PUNCTUATION;
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new_ext(text, options));
    ammonia::Builder::default()
        .url_relative(ammonia::UrlRelative::Custom(Box::new(MediaPrefix(
            format!("/courses/{course_id}/media/"),
        ))))
        .clean(&html)
        .to_string()
}

/// Points relative URLs in course Markdown at the course's media route.
struct MediaPrefix(String);

impl ammonia::UrlRelativeEvaluate<'_> for MediaPrefix {
    fn evaluate<'url>(&self, url: &'url str) -> Option<Cow<'url, str>> {
        Some(Cow::Owned(format!(
            "{}{}",
            self.0,
            url.trim_start_matches("./")
        )))
    }
}

/// `0.617` → `"62%"`, rounded as the core's one state function rounds
/// (`ownpace_core::standing::percent`).
pub fn percent(p: f64) -> String {
    format!("{}%", ownpace_core::standing::percent(p))
}

/// A relative time such as "3 days ago", from two times in ms.
pub fn ago(now: i64, then: i64) -> String {
    let minutes = (now - then).max(0) / 60_000;
    match minutes {
        0 => "just now".to_string(),
        1 => "1 minute ago".to_string(),
        m if m < 60 => format!("{m} minutes ago"),
        m if m < 120 => "1 hour ago".to_string(),
        m if m < 60 * 24 => format!("{} hours ago", m / 60),
        m if m < 60 * 48 => "yesterday".to_string(),
        m => format!("{} days ago", m / (60 * 24)),
    }
}

/// A duration in ms as "12 min" or "1 h 5 min".
pub fn duration(ms: i64) -> String {
    let minutes = (ms.max(0) + 30_000) / 60_000;
    if minutes < 60 {
        format!("{minutes} min")
    } else {
        format!("{} h {} min", minutes / 60, minutes % 60)
    }
}

/// A day as people write it: "12 March", with the year when it is not this year's.
pub fn date(ms: i64, now: i64) -> String {
    ownpace_core::recommend::dates::day_month(ms, now)
}

/// The day of `ms` as an HTML date input's value, `YYYY-MM-DD` (UTC, as [`parse_date`]).
pub fn date_input(ms: i64) -> String {
    let (year, month, day) = ownpace_core::recommend::dates::civil(ms);
    format!("{year:04}-{month:02}-{day:02}")
}

/// `YYYY-MM-DD` (an HTML date input) as the start of that day in ms since the epoch (UTC).
pub fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: i64 = parts.next()?.parse().ok()?;
    let day: i64 = parts.next()?.parse().ok()?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || !(1970..=9999).contains(&year) {
        return None;
    }
    // Howard Hinnant's days-from-civil.
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let ms = days * 86_400_000;
    // Reject days that do not exist (31 April): they round-trip to another date.
    (ownpace_core::recommend::dates::civil(ms) == (year, month as u32, day as u32)).then_some(ms)
}

/// A skill state as a heading-style label.
pub fn state_label(state: &SkillState) -> &'static str {
    match state {
        SkillState::Mastered => "Mastered",
        SkillState::InProgress => "In progress",
        SkillState::Ready => "Ready",
        SkillState::Locked { .. } => "Locked",
    }
}

/// The CSS class of a skill state.
pub fn state_css(state: &SkillState) -> &'static str {
    match state {
        SkillState::Mastered => "mastered",
        SkillState::InProgress => "in-progress",
        SkillState::Ready => "ready",
        SkillState::Locked { .. } => "locked",
    }
}

/// A lesson as linked from a skill or project.
pub(crate) struct LessonLink {
    pub id: String,
    pub title: String,
    pub modality: &'static str,
    pub minutes: u32,
    pub offline: bool,
}

/// The lessons that teach a skill, as links, for a student shown lesson variant
/// `variant` (a pilot's condition; `None`: the default lessons).
pub(crate) fn lesson_links(
    course: &CourseVersion,
    skill_id: &str,
    variant: Option<&str>,
) -> Vec<LessonLink> {
    course
        .course
        .lessons_for_skill(skill_id)
        .filter(|l| course.course.lesson_shown(l, variant))
        .map(|l| LessonLink {
            id: l.id.clone(),
            title: l.title.clone(),
            modality: l.modality.label(),
            minutes: l.minutes,
            offline: l.modality.is_offline(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_sanitised_and_media_links_are_rewritten() {
        let html = markdown(
            "c1",
            "Hi <script>alert(1)</script>\n\n![bar](media/bar.svg)",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(
            html.contains(r#"src="/courses/c1/media/media/bar.svg""#),
            "{html}"
        );
    }

    #[test]
    fn dates_parse_and_print() {
        let ms = parse_date("2026-03-12").expect("a valid date");
        assert_eq!(ms, 1_773_273_600_000);
        assert_eq!(date(ms, ms), "12 March");
        assert_eq!(parse_date("2026-04-31"), None);
        assert_eq!(parse_date("12/03/2026"), None);
    }

    #[test]
    fn times_read_naturally() {
        assert_eq!(ago(10 * 86_400_000, 7 * 86_400_000), "3 days ago");
        assert_eq!(ago(1_000, 0), "just now");
        assert_eq!(duration(65 * 60_000), "1 h 5 min");
        assert_eq!(percent(0.617), "62%");
    }
}

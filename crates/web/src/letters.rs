//! The weekly letter to guardians (issue 9, point 7): the data of a child's week gathered
//! for the core's digest (`ownpace_core::letters`), the e-mail (plain text and HTML,
//! `multipart/alternative`, RFC 8058 one-click unsubscribe headers) sent over SMTP with
//! `lettre`, and the job that sends each letter once across servers.
//!
//! Sending, in order, for every guardian with an address and a child with an open
//! enrolment whose letter they did not turn off (`Store::letter_recipients`):
//! 1. `consent::may_send_outside` must allow it (otherwise nothing is claimed, so the
//!    letter still goes out if consent comes later that week);
//! 2. the letter (guardian, child, week) is claimed with an insert that only one server
//!    can win (`Store::claim_letter`), before anything is sent;
//! 3. the e-mail is sent and the row marked `sent`, or `failed` with a short reason and a
//!    retry time (at most `MAX_ATTEMPTS` tries). A row a crash left `sending` is never
//!    retried: a letter goes out at most once.
//!
//! Without `smtp_url` nothing is sent; the guardian's page still shows the digest.
//! The SMTP URL's password never reaches a log or an error message ([`SmtpUrl`]).

use crate::{AppState, WebError};
use askama::Template;
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use ownpace_core::ids::UserId;
use ownpace_core::letters::{self as rules, Digest, Facts, LetterWeek, Links, Schedule};
use ownpace_storage::User;
use std::fmt;

/// The settings of letters (`smtp_url`, `mail_from`, `public_url`, `letter_weekday`,
/// `letter_hour`).
#[derive(Debug, Clone, Default)]
pub struct LetterSettings {
    /// Where letters are sent from; `None`: no letter is sent.
    pub smtp: Option<SmtpUrl>,
    /// The `From` of every letter, e.g. `Ownpace <ownpace@school.example>`.
    pub from: Option<String>,
    /// The school's Ownpace address for links in letters, e.g. `https://ownpace.school.example`.
    pub public_url: Option<String>,
    pub schedule: Schedule,
}

/// An SMTP URL (`smtp://host:2525`, `smtps://user:pass@host`), shown without its
/// password wherever it is printed.
#[derive(Clone)]
pub struct SmtpUrl(String);

impl SmtpUrl {
    /// Checks the URL as `lettre` reads it; the error never quotes the password.
    pub fn parse(text: &str) -> Result<SmtpUrl, String> {
        let text = text.trim();
        let shown = redact_url(text);
        if !(text.starts_with("smtp://") || text.starts_with("smtps://")) {
            return Err(format!(
                "{shown} is not an SMTP URL: use smtp://host:port or smtps://user:password@host"
            ));
        }
        AsyncSmtpTransport::<Tokio1Executor>::from_url(text)
            .map(|_| SmtpUrl(text.to_string()))
            .map_err(|_| {
                format!(
                    "{shown} is not a usable SMTP URL: use smtp://host:port or smtps://user:password@host"
                )
            })
    }

    /// The URL without its password, for messages.
    pub fn redacted(&self) -> String {
        redact_url(&self.0)
    }
}

impl fmt::Debug for SmtpUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SmtpUrl({})", self.redacted())
    }
}

/// A URL with `user:password@` shown as `user:***@`.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            let user = credentials.split(':').next().unwrap_or("");
            let hidden = if credentials.contains(':') {
                ":***"
            } else {
                ""
            };
            format!("{}{user}{hidden}@{}", &url[..scheme + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Checks a sender such as `Ownpace <ownpace@school.example>`.
pub fn parse_mail_from(text: &str) -> Result<String, String> {
    let text = text.trim();
    text.parse::<Mailbox>().map(|_| text.to_string()).map_err(|_| {
        format!("{text:?} is not a sender address: use Name <address@school.example> or address@school.example")
    })
}

/// Checks the school's public address: `http(s)://host[:port][/path]`, no query; the
/// trailing `/` is dropped.
pub fn parse_public_url(text: &str) -> Result<String, String> {
    let text = text.trim().trim_end_matches('/');
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    match rest {
        Some(rest)
            if !rest.is_empty()
                && !rest.starts_with('/')
                && !rest.contains(['?', '#', '@'])
                && !text.chars().any(|c| c.is_whitespace() || c.is_control()) =>
        {
            Ok(text.to_string())
        }
        _ => Err(format!(
            "{text:?} is not the school's Ownpace address: use https://ownpace.school.example"
        )),
    }
}

/// The longest address a guardian may give.
pub const MAX_ADDRESS_CHARS: usize = ownpace_storage::MAX_ADDRESS_CHARS;

/// Checks a guardian's e-mail address: its length and its syntax (`lettre::Address`).
pub fn check_address(text: &str) -> Result<String, WebError> {
    let text = text.trim();
    if text.is_empty() || text.chars().count() > MAX_ADDRESS_CHARS {
        return Err(WebError::BadRequest(format!(
            "address: give an e-mail address of 1 to {MAX_ADDRESS_CHARS} characters, such as name@example.org"
        )));
    }
    text.parse::<lettre::Address>()
        .map(|a| a.to_string())
        .map_err(|_| {
            WebError::BadRequest(
                "address: this is not an e-mail address; write it as name@example.org".into(),
            )
        })
}

/// The secret of a guardian's unsubscribe link for a child: the same in every letter
/// (signed with the install's secret), stored only as its SHA-256.
pub async fn unsubscribe_token(
    state: &AppState,
    guardian: &UserId,
    student: &UserId,
) -> Result<String, WebError> {
    Ok(state
        .signer()
        .await?
        .sign("letter-unsubscribe", &[guardian.as_str(), student.as_str()]))
}

/// The facts of a child's week for the letter: only what a guardian may see (agreed
/// goals, shared notes).
pub async fn facts(state: &AppState, student: &User, week: LetterWeek) -> Result<Facts, WebError> {
    let zone = &state.config.timezone;
    let now = state.now();
    let in_week = |at: i64| at >= week.start && at < week.end;
    let next = week.next(zone);
    let mut facts = Facts {
        child: student.display_name.clone(),
        week,
        mastered: Vec::new(),
        screen_ms: 0,
        done: Vec::new(),
        open: Vec::new(),
        notes: Vec::new(),
        goals: Vec::new(),
    };
    for class in state.store.classes_of_student(&student.id).await? {
        let Some(course) = state.course(&class.course_id).await? else {
            continue;
        };
        let title = course.course.title.clone();
        let mastery = state
            .store
            .student_mastery(&student.id, &course.course.id)
            .await?;
        for m in &mastery {
            if m.progress.is_mastered() && m.progress.mastered_at.is_some_and(in_week) {
                let name = course
                    .course
                    .skill(m.skill_id.as_str())
                    .map_or_else(|| m.skill_id.to_string(), |s| s.name.clone());
                facts.mastered.push((title.clone(), name));
            }
        }
        let held = crate::assignments::facts(state, &student.id, &course).await?;
        for a in crate::assignments::student_list(state, &student.id, &course, &held).await? {
            let work = rules::Work {
                course: title.clone(),
                title: a.title.clone(),
                due: a.due.clone(),
            };
            if a.status == ownpace_core::assignments::Status::Done {
                if a.due_at >= week.start {
                    facts.done.push(work);
                }
            } else if a.due_at < next.end {
                facts.open.push(rules::Work {
                    due: format!("{}, {}", work.due, a.status.words()),
                    ..work
                });
            }
        }
        let path = crate::path::student_path(state, &student.id, &course).await?;
        let people = crate::path::goal_people(state, &path.goals, None).await?;
        facts.goals.extend(
            crate::path::goal_views(&course, &path, &people, now)
                .into_iter()
                .filter(|g| g.agreement == "agreed")
                .map(|g| rules::Goal {
                    course: title.clone(),
                    title: g.title,
                    due: g.due,
                    forecast: g.forecast,
                }),
        );
    }
    let stamps = state
        .store
        .screen_stamps(
            &student.id,
            week.start - ownpace_core::screen_time::RETURN_CAP_MS,
        )
        .await?;
    facts.screen_ms = ownpace_core::screen_time::per_week(zone, &stamps)
        .get(&week.monday)
        .copied()
        .unwrap_or(0);
    let held: Vec<_> = state
        .store
        .checkins_of_student(&student.id, None, 200)
        .await?
        .into_iter()
        .filter(|c| in_week(c.held_at))
        .collect();
    for view in crate::checkins::history(state, held, true).await? {
        for (text, shared) in view.notes {
            if shared {
                facts.notes.push(rules::Note {
                    when: view.when.clone(),
                    teacher: view.teacher.clone(),
                    text,
                });
            }
        }
    }
    Ok(facts)
}

/// A child's letter for a week, assembled by the core.
pub async fn digest(
    state: &AppState,
    student: &User,
    week: LetterWeek,
) -> Result<Digest, WebError> {
    Ok(rules::assemble(&facts(state, student, week).await?))
}

/// The HTML part: the same digest as the plain text.
#[derive(Template)]
#[template(path = "letter_email.html")]
struct LetterEmail<'a> {
    digest: &'a Digest,
    links: &'a Links,
}

/// `List-Unsubscribe: <https://…/letters/unsubscribe/…>` (RFC 2369).
#[derive(Clone)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_string()))
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058).
#[derive(Clone)]
struct ListUnsubscribePost;

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(_: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribePost)
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), "List-Unsubscribe=One-Click".to_string())
    }
}

/// The e-mail of one letter.
fn message(from: &str, to: &str, digest: &Digest, links: &Links) -> Result<Message, String> {
    let html = LetterEmail { digest, links }
        .render()
        .map_err(|e| format!("the letter's HTML could not be made: {e}"))?;
    let text = rules::plain_text(digest, links);
    Message::builder()
        .from(
            from.parse::<Mailbox>()
                .map_err(|_| "mail_from is not an address")?,
        )
        .to(to
            .parse::<Mailbox>()
            .map_err(|_| "the guardian's address is not valid")?)
        .subject(digest.subject.clone())
        .header(ListUnsubscribe(format!("<{}>", links.unsubscribe)))
        .header(ListUnsubscribePost)
        .multipart(MultiPart::alternative_plain_html(text, html))
        .map_err(|e| format!("the letter could not be built: {e}"))
}

/// What one run of the job did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunReport {
    /// The week's key (`YYYY-MM-DD`, its Monday); empty when nothing could be sent.
    pub week: String,
    pub sent: usize,
    pub failed: usize,
    /// Letters another run (or server) already claimed.
    pub already_claimed: usize,
    /// Children whose data may not leave the server (consent).
    pub without_consent: usize,
    /// Why nothing was sent at all (no mail server configured), if so.
    pub off: Option<&'static str>,
}

/// Why letters are off, in words, or `None` when they are sent.
pub fn off_reason(state: &AppState) -> Option<&'static str> {
    let settings = &state.config.letters;
    if settings.smtp.is_none() {
        Some("letters are not sent: no mail server is configured")
    } else if settings.from.is_none() || settings.public_url.is_none() {
        Some("letters are not sent: the mail settings are incomplete (mail_from, public_url)")
    } else {
        None
    }
}

/// Sends the letters of `week` (default: the one due now, see
/// `ownpace_core::letters::due_week`) and retries failed ones whose time has come.
/// `holder` names this server in the claim rows.
pub async fn run(
    state: &AppState,
    week: Option<LetterWeek>,
    holder: &str,
) -> Result<RunReport, WebError> {
    let mut report = RunReport::default();
    if let Some(off) = off_reason(state) {
        report.off = Some(off);
        return Ok(report);
    }
    let settings = &state.config.letters;
    let (Some(smtp), Some(from), Some(public_url)) =
        (&settings.smtp, &settings.from, &settings.public_url)
    else {
        return Ok(report);
    };
    let zone = &state.config.timezone;
    let week = week.unwrap_or_else(|| rules::due_week(zone, settings.schedule, state.now()).0);
    report.week = week.key();
    let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&smtp.0)
        .map_err(|_| WebError::Internal(format!("cannot use {}", smtp.redacted())))?
        .timeout(Some(std::time::Duration::from_secs(30)))
        .build();
    let recipients = state.store.letter_recipients().await?;
    let mut jobs: Vec<(&ownpace_storage::Recipient, LetterWeek)> =
        recipients.iter().map(|r| (r, week)).collect();
    for (guardian, student, key) in state.store.letters_to_retry(state.now()).await? {
        if key == report.week {
            continue;
        }
        let Ok(retry_week) = rules::parse_week(zone, &key) else {
            continue;
        };
        if let Some(r) = recipients
            .iter()
            .find(|r| r.guardian_id == guardian && r.student_id == student)
        {
            jobs.push((r, retry_week));
        }
    }
    for (recipient, week) in jobs {
        let student = &recipient.student_id;
        if !crate::consent::may_send_outside(state, student).await? {
            report.without_consent += 1;
            continue;
        }
        let Some(child) = state.store.user(student).await? else {
            continue;
        };
        let key = week.key();
        if !state
            .store
            .claim_letter(&recipient.guardian_id, student, &key, holder, state.now())
            .await?
        {
            report.already_claimed += 1;
            continue;
        }
        let outcome = send_one(state, &transport, from, public_url, recipient, &child, week).await;
        let now = state.now();
        match &outcome {
            Ok(()) => report.sent += 1,
            Err(reason) => {
                report.failed += 1;
                tracing::warn!(week = %key, %reason, "a weekly letter could not be sent");
            }
        }
        state
            .store
            .finish_letter(
                &recipient.guardian_id,
                student,
                &key,
                outcome.as_ref().map(|_| ()).map_err(String::as_str),
                now,
                now + RETRY_AFTER_MS,
            )
            .await?;
    }
    Ok(report)
}

/// An error as a send's stored reason: a database's own message is left out.
fn quiet(error: &WebError) -> String {
    match error {
        WebError::Store(store) => store.redacted(),
        other => other.to_string(),
    }
}

/// How long a failed letter waits before the next try.
pub const RETRY_AFTER_MS: i64 = 30 * 60_000;

async fn send_one(
    state: &AppState,
    transport: &AsyncSmtpTransport<Tokio1Executor>,
    from: &str,
    public_url: &str,
    recipient: &ownpace_storage::Recipient,
    child: &User,
    week: LetterWeek,
) -> Result<(), String> {
    let token = unsubscribe_token(state, &recipient.guardian_id, &child.id)
        .await
        .map_err(|e| quiet(&e))?;
    state
        .store
        .remember_letter_token(
            &recipient.guardian_id,
            &child.id,
            &crate::auth::token_hash(&token),
            state.now(),
        )
        .await
        .map_err(|e| e.redacted())?;
    let digest = digest(state, child, week).await.map_err(|e| quiet(&e))?;
    let links = Links {
        page: format!("{public_url}/family/{}", child.id),
        unsubscribe: format!("{public_url}/letters/unsubscribe/{token}"),
    };
    let email = message(from, &recipient.address, &digest, &links)?;
    transport
        .send(email)
        .await
        .map(|_| ())
        .map_err(|e| smtp_failure(&e))
}

/// What a failed send is logged as: the reply code and kind only. A mail server's reply
/// text may echo the guardian's address, which must not reach the log.
fn smtp_failure(e: &lettre::transport::smtp::Error) -> String {
    let kind = if e.is_permanent() {
        "refused permanently"
    } else if e.is_transient() {
        "refused for now"
    } else if e.is_timeout() {
        "did not answer in time"
    } else if e.is_tls() {
        "could not agree on TLS"
    } else {
        "could not be reached or did not follow SMTP"
    };
    match e.status() {
        Some(code) => format!("the mail server {kind} (reply code {code})"),
        None => format!("the mail server {kind}"),
    }
}

//! Consent rules: which students need a guardian's consent before they use Ownpace, and
//! what a recorded consent allows (SPEC C13; COPPA, GDPR art. 8).
//!
//! A school sets an age (`consent_age`; 0 turns consent off) and what happens when a
//! student's age is unknown (`consent_when_age_unknown`). Ownpace keeps only a birth
//! *year*, so a student's age is known to within one year; the rule reads the year the
//! careful way: a student born in 2014 is taken to be 11 all through 2026, until the year
//! ends (they may have their birthday on 31 December), and needs consent until then when
//! the age is 12.
//!
//! Consent has two scopes: using Ownpace at all, and features that send the student's
//! data outside the server (e-mail and anything like it). Every such feature asks
//! [`allows`] with [`Scope::Outside`] first and stays off while it answers `false`.

/// What a school does when it does not know a student's birth year.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WhenAgeUnknown {
    /// Treat the student as young enough to need consent (the careful default).
    Required,
    /// Treat the student as old enough.
    NotRequired,
}

impl WhenAgeUnknown {
    pub fn as_str(self) -> &'static str {
        match self {
            WhenAgeUnknown::Required => "required",
            WhenAgeUnknown::NotRequired => "not_required",
        }
    }

    pub fn parse(text: &str) -> Option<WhenAgeUnknown> {
        match text {
            "required" => Some(WhenAgeUnknown::Required),
            "not_required" => Some(WhenAgeUnknown::NotRequired),
            _ => None,
        }
    }
}

/// The school's consent policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    /// Students younger than this need a guardian's consent; 0 turns consent off.
    pub age: u32,
    pub when_unknown: WhenAgeUnknown,
}

impl Policy {
    pub const OFF: Policy = Policy {
        age: 0,
        when_unknown: WhenAgeUnknown::Required,
    };
}

/// What a consent covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    /// Using Ownpace: practice, lessons, the learning record.
    Use,
    /// Features that send data outside the server (e-mail, …).
    Outside,
}

impl Scope {
    pub const ALL: [Scope; 2] = [Scope::Use, Scope::Outside];

    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Use => "use",
            Scope::Outside => "outside",
        }
    }

    pub fn parse(text: &str) -> Option<Scope> {
        match text {
            "use" => Some(Scope::Use),
            "outside" => Some(Scope::Outside),
            _ => None,
        }
    }

    /// What the scope covers, in words for a family.
    pub fn covers(self) -> &'static str {
        match self {
            Scope::Use => {
                "your child may sign in and use Ownpace: practice, lessons and projects, and the learning record the school keeps about them (listed on the privacy page)"
            }
            Scope::Outside => {
                "features that send your child's name or progress outside the school's server, such as e-mail; none is on until you agree"
            }
        }
    }
}

/// The earliest birth year Ownpace accepts.
pub const MIN_BIRTH_YEAR: i64 = 1900;

/// Checks a birth year against the current year; the message says the range.
pub fn check_birth_year(year: i64, current_year: i64) -> Result<i64, String> {
    if (MIN_BIRTH_YEAR..=current_year).contains(&year) {
        Ok(year)
    } else {
        Err(format!(
            "birth year: a year from {MIN_BIRTH_YEAR} to {current_year}"
        ))
    }
}

/// Reads a birth year typed into a form or a command: empty means unknown.
pub fn parse_birth_year(text: &str, current_year: i64) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() > 4 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!(
            "birth year: a year from {MIN_BIRTH_YEAR} to {current_year}, or empty when unknown"
        ));
    }
    let year: i64 = text
        .parse()
        .map_err(|_| format!("birth year: a year from {MIN_BIRTH_YEAR} to {current_year}"))?;
    check_birth_year(year, current_year).map(Some)
}

/// The year of a OneRoster `birthDate` (`YYYY-MM-DD`, or just `YYYY`), keeping only the
/// year; `None` for an empty value, an error for anything else.
pub fn year_of_birth_date(text: &str, current_year: i64) -> Result<Option<i64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let year = text
        .get(..4)
        .filter(|y| y.bytes().all(|b| b.is_ascii_digit()));
    let rest_ok = text.len() == 4
        || (text.len() == 10
            && text.as_bytes()[4] == b'-'
            && text.as_bytes()[7] == b'-'
            && text[5..7].bytes().all(|b| b.is_ascii_digit())
            && text[8..10].bytes().all(|b| b.is_ascii_digit()));
    match year {
        Some(year) if rest_ok => parse_birth_year(year, current_year),
        _ => Err("birthDate: use YYYY-MM-DD (only the year is kept)".into()),
    }
}

/// Whether a student needs a guardian's consent under `policy`, from their birth year (if
/// known) and the current year.
pub fn needs_consent(policy: Policy, birth_year: Option<i64>, current_year: i64) -> bool {
    if policy.age == 0 {
        return false;
    }
    match birth_year {
        // The youngest they can be this year: their birthday may still be to come.
        Some(year) => current_year - year - 1 < i64::from(policy.age),
        None => policy.when_unknown == WhenAgeUnknown::Required,
    }
}

/// Whether `scope` is allowed for a student: always when they need no consent, otherwise
/// only when a guardian's consent covers it (and, for [`Scope::Outside`], using Ownpace
/// too: withdrawing the consent to use Ownpace stops everything).
pub fn allows(
    policy: Policy,
    birth_year: Option<i64>,
    current_year: i64,
    given: &[Scope],
    scope: Scope,
) -> bool {
    if !needs_consent(policy, birth_year, current_year) {
        return true;
    }
    given.contains(&Scope::Use) && given.contains(&scope)
}

#[cfg(test)]
mod tests {
    use super::*;

    const THIRTEEN: Policy = Policy {
        age: 13,
        when_unknown: WhenAgeUnknown::Required,
    };

    #[test]
    fn off_means_nobody_needs_consent() {
        assert!(!needs_consent(Policy::OFF, Some(2020), 2026));
        assert!(!needs_consent(Policy::OFF, None, 2026));
        assert!(allows(Policy::OFF, None, 2026, &[], Scope::Outside));
    }

    #[test]
    fn the_year_is_read_the_careful_way() {
        // Born 2013: 12 or 13 during 2026, so still needs consent; 13 or 14 in 2027.
        assert!(needs_consent(THIRTEEN, Some(2013), 2026));
        assert!(!needs_consent(THIRTEEN, Some(2013), 2027));
        assert!(!needs_consent(THIRTEEN, Some(2012), 2026));
        assert!(needs_consent(THIRTEEN, Some(2020), 2026));
    }

    #[test]
    fn an_unknown_age_follows_the_school() {
        assert!(needs_consent(THIRTEEN, None, 2026));
        let lenient = Policy {
            when_unknown: WhenAgeUnknown::NotRequired,
            ..THIRTEEN
        };
        assert!(!needs_consent(lenient, None, 2026));
        assert!(needs_consent(lenient, Some(2018), 2026));
    }

    #[test]
    fn outside_features_need_their_own_consent_and_the_use_consent() {
        let young = Some(2016);
        assert!(!allows(THIRTEEN, young, 2026, &[], Scope::Use));
        assert!(allows(THIRTEEN, young, 2026, &[Scope::Use], Scope::Use));
        assert!(!allows(
            THIRTEEN,
            young,
            2026,
            &[Scope::Use],
            Scope::Outside
        ));
        assert!(!allows(
            THIRTEEN,
            young,
            2026,
            &[Scope::Outside],
            Scope::Outside
        ));
        assert!(allows(
            THIRTEEN,
            young,
            2026,
            &[Scope::Use, Scope::Outside],
            Scope::Outside
        ));
        // Old enough: no consent needed for anything.
        assert!(allows(THIRTEEN, Some(2000), 2026, &[], Scope::Outside));
    }

    #[test]
    fn birth_years_and_dates_are_checked() {
        assert_eq!(parse_birth_year("", 2026), Ok(None));
        assert_eq!(parse_birth_year(" 2014 ", 2026), Ok(Some(2014)));
        assert!(parse_birth_year("2027", 2026).is_err());
        assert!(parse_birth_year("1899", 2026).is_err());
        assert!(parse_birth_year("20145", 2026).is_err());
        assert!(parse_birth_year("-2014", 2026).is_err());
        assert_eq!(year_of_birth_date("2014-05-31", 2026), Ok(Some(2014)));
        assert_eq!(year_of_birth_date("2014", 2026), Ok(Some(2014)));
        assert_eq!(year_of_birth_date("", 2026), Ok(None));
        assert!(year_of_birth_date("31/05/2014", 2026).is_err());
        assert!(year_of_birth_date("2014-5-31", 2026).is_err());
        assert!(year_of_birth_date("2030-01-01", 2026).is_err());
    }
}

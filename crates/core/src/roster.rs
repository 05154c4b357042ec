//! Roster files as a school's information system exports them: OneRoster 1.2 CSV
//! `users.csv` and `enrollments.csv` (1EdTech, "OneRoster: CSV Binding"), read by column
//! name so that a full export works as it is.
//!
//! What is read: from `users.csv` the columns `sourcedId`, `status`, `enabledUser`,
//! `username`, `givenName`, `familyName`, `preferredGivenName`, `preferredFamilyName`,
//! `password`, `role` and `birthDate` (only its year is kept) (OneRoster 1.1 and many exports keep the role in `users.csv`; a
//! 1.2 file without it takes each person's role from their enrolments); from
//! `enrollments.csv` `sourcedId`, `status`, `classSourcedId`, `userSourcedId` and `role`.
//! Other columns (`dateLastModified`, `orgSourcedIds`, `schoolSourcedId`, `beginDate`,
//! …) are allowed and ignored. Header names match without regard to case.
//!
//! What is checked, every problem at once with its file and line: the header has the
//! needed columns; a byte-order mark is dropped; the delimiter is a comma or, when the
//! header has more of them, a semicolon; each row has the header's number of fields; no
//! file is larger than [`MAX_BYTES`] or longer than [`MAX_ROWS`] rows; a row repeated word
//! for word is read once (and said so), while two different rows with the same `sourcedId`
//! or username are an error; `password` is empty (passwords never travel in a file: each
//! new account gets a one-time set-up code); `status` is empty or `active`. Whether a
//! username is taken or a class exists is for the caller, who has the database.

use std::collections::HashMap;
use std::fmt;

/// The largest file read (bytes).
pub const MAX_BYTES: usize = 512 * 1024;
/// The most data rows read from one file.
pub const MAX_ROWS: usize = 2_000;

/// What a person is, in Ownpace's terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RosterRole {
    Student,
    Teacher,
    Guardian,
    Admin,
}

impl RosterRole {
    /// A OneRoster role (`student`, `teacher`, `parent`, `guardian`, `relative`,
    /// `administrator`, `districtAdministrator`, `siteAdministrator`,
    /// `systemAdministrator`), without regard to case.
    pub fn from_oneroster(text: &str) -> Option<RosterRole> {
        match text.trim().to_ascii_lowercase().as_str() {
            "student" => Some(RosterRole::Student),
            "teacher" => Some(RosterRole::Teacher),
            "guardian" | "parent" | "relative" => Some(RosterRole::Guardian),
            "administrator"
            | "districtadministrator"
            | "siteadministrator"
            | "systemadministrator" => Some(RosterRole::Admin),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            RosterRole::Student => "student",
            RosterRole::Teacher => "teacher",
            RosterRole::Guardian => "guardian",
            RosterRole::Admin => "admin",
        }
    }
}

/// Which file a problem is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum RosterFile {
    Users,
    Enrollments,
}

impl RosterFile {
    pub fn name(self) -> &'static str {
        match self {
            RosterFile::Users => "users.csv",
            RosterFile::Enrollments => "enrollments.csv",
        }
    }
}

/// A problem (or a note) about one line of a file; line 1 is the header.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineProblem {
    pub file: RosterFile,
    pub line: u64,
    pub message: String,
}

impl fmt::Display for LineProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} line {}: {}",
            self.file.name(),
            self.line,
            self.message
        )
    }
}

/// A person from `users.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterUser {
    pub line: u64,
    pub sourced_id: String,
    pub username: String,
    /// Given and family name (the preferred ones when the file has them).
    pub display_name: String,
    pub role: RosterRole,
    pub enabled: bool,
    /// The year of the optional `birthDate` column (only the year is kept), for the
    /// consent age (`crate::consent`).
    pub birth_year: Option<i64>,
}

/// A membership from `enrollments.csv`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RosterEnrolment {
    pub line: u64,
    pub class_sourced_id: String,
    pub user_sourced_id: String,
    pub role: RosterRole,
}

/// Both files as read: what can be used, rows read once though repeated (`notes`), and
/// every problem (`errors`). Nothing may be stored while `errors` is not empty.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Roster {
    pub users: Vec<RosterUser>,
    pub enrolments: Vec<RosterEnrolment>,
    pub notes: Vec<LineProblem>,
    pub errors: Vec<LineProblem>,
    /// Every sourcedId `users.csv` names, on right and wrong lines alike (so a wrong line
    /// is reported once, not again by each enrolment that names the person).
    pub named: std::collections::HashSet<String>,
}

/// The rules for an Ownpace username: 3 to 64 letters, digits, dots, dashes, underscores
/// or `@` (so the e-mail addresses schools use as usernames fit). The error says the rule.
pub fn check_username(username: &str) -> Result<(), String> {
    let ok = (3..=64).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | '@'));
    if ok {
        Ok(())
    } else {
        Err("username: 3 to 64 letters, digits, dots, dashes, underscores or @".into())
    }
}

/// The longest display name.
pub const MAX_DISPLAY_NAME: usize = 80;

/// Reads both files and checks them together (see the module's documentation).
pub fn read_roster(users_csv: &[u8], enrollments_csv: &[u8]) -> Roster {
    let mut roster = Roster::default();
    let users = read_table(RosterFile::Users, users_csv, &mut roster);
    let enrolments = read_table(RosterFile::Enrollments, enrollments_csv, &mut roster);

    // Enrolments first: a users.csv without a role column takes roles from them.
    if let Some(table) = &enrolments {
        for row in &table.rows {
            if let Some(e) = enrolment_from(row, table, &mut roster.errors) {
                roster.enrolments.push(e);
            }
        }
    }
    if let Some(table) = &users {
        let mut roles_from_enrolments: HashMap<&str, Vec<RosterRole>> = HashMap::new();
        for e in &roster.enrolments {
            roles_from_enrolments
                .entry(e.user_sourced_id.as_str())
                .or_default()
                .push(e.role);
        }
        let mut by_sourced_id: HashMap<String, u64> = HashMap::new();
        let mut by_username: HashMap<String, u64> = HashMap::new();
        let mut found = Vec::new();
        for row in &table.rows {
            let line = row.0;
            let sourced_id = table.get(&row.1, "sourcedId");
            roster.named.insert(sourced_id.to_string());
            let username = table.get(&row.1, "username").to_lowercase();
            if !sourced_id.is_empty()
                && let Some(first) = by_sourced_id.insert(sourced_id.to_string(), line)
            {
                roster.errors.push(problem(
                    RosterFile::Users,
                    line,
                    format!("sourcedId {sourced_id} is also on line {first}: each person once"),
                ));
                continue;
            }
            if !username.is_empty()
                && let Some(first) = by_username.insert(username.clone(), line)
            {
                roster.errors.push(problem(
                    RosterFile::Users,
                    line,
                    format!("username {username} is also on line {first}: usernames must differ"),
                ));
                continue;
            }
            if let Some(user) = user_from(row, table, &roles_from_enrolments, &mut roster.errors) {
                found.push(user);
            }
        }
        roster.users = found;
    }
    // Roles must agree between the files for people in both.
    let roles: HashMap<&str, RosterRole> = roster
        .users
        .iter()
        .map(|u| (u.sourced_id.as_str(), u.role))
        .collect();
    let mut pairs: HashMap<(String, String), u64> = HashMap::new();
    let mut kept = Vec::new();
    for e in std::mem::take(&mut roster.enrolments) {
        if let Some(role) = roles.get(e.user_sourced_id.as_str())
            && *role != e.role
        {
            roster.errors.push(problem(
                RosterFile::Enrollments,
                e.line,
                format!(
                    "role {} but users.csv says {} is a {}",
                    e.role.as_str(),
                    e.user_sourced_id,
                    role.as_str()
                ),
            ));
            continue;
        }
        let key = (e.class_sourced_id.clone(), e.user_sourced_id.clone());
        if let Some(first) = pairs.insert(key, e.line) {
            roster.errors.push(problem(
                RosterFile::Enrollments,
                e.line,
                format!(
                    "{} is enrolled in {} on line {first} already",
                    e.user_sourced_id, e.class_sourced_id
                ),
            ));
            continue;
        }
        kept.push(e);
    }
    roster.enrolments = kept;
    roster.errors.sort();
    roster.notes.sort();
    roster
}

fn problem(file: RosterFile, line: u64, message: String) -> LineProblem {
    LineProblem {
        file,
        line,
        message,
    }
}

/// One file: its header (lower-cased names → column) and its distinct rows.
struct Table {
    file: RosterFile,
    columns: HashMap<String, usize>,
    rows: Vec<(u64, Vec<String>)>,
}

impl Table {
    fn get<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.columns
            .get(&name.to_ascii_lowercase())
            .and_then(|&i| row.get(i))
            .map_or("", |v| v.trim())
    }

    fn has(&self, name: &str) -> bool {
        self.columns.contains_key(&name.to_ascii_lowercase())
    }
}

/// The columns each file must have.
fn required(file: RosterFile) -> &'static [&'static str] {
    match file {
        RosterFile::Users => &["sourcedId", "username", "givenName", "familyName"],
        RosterFile::Enrollments => &["classSourcedId", "userSourcedId", "role"],
    }
}

fn read_table(file: RosterFile, bytes: &[u8], roster: &mut Roster) -> Option<Table> {
    let whole = |roster: &mut Roster, message: String| {
        roster.errors.push(problem(file, 1, message));
        None
    };
    if bytes.len() > MAX_BYTES {
        return whole(
            roster,
            format!(
                "the file has {} KiB; {} KiB at most: split it",
                bytes.len() / 1024,
                MAX_BYTES / 1024
            ),
        );
    }
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return whole(roster, "the file is empty: it needs a header line".into());
    }
    let first_line = bytes.split(|&b| b == b'\n').next().unwrap_or(bytes);
    let count = |d: u8| first_line.iter().filter(|&&b| b == d).count();
    let delimiter = if count(b';') > count(b',') {
        b';'
    } else {
        b','
    };
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .has_headers(false)
        .from_reader(bytes);
    let mut records = reader.byte_records();
    let header = match records.next() {
        Some(Ok(h)) => h,
        Some(Err(e)) => return whole(roster, format!("the header cannot be read: {e}")),
        None => return whole(roster, "the file is empty: it needs a header line".into()),
    };
    let columns: HashMap<String, usize> = header
        .iter()
        .enumerate()
        .map(|(i, name)| (String::from_utf8_lossy(name).trim().to_ascii_lowercase(), i))
        .collect();
    let missing: Vec<&str> = required(file)
        .iter()
        .copied()
        .filter(|name| !columns.contains_key(&name.to_ascii_lowercase()))
        .collect();
    if !missing.is_empty() {
        return whole(
            roster,
            format!(
                "the header lacks the column{} {} (OneRoster names; the first line names the columns)",
                if missing.len() == 1 { "" } else { "s" },
                missing.join(", ")
            ),
        );
    }
    let width = header.len();
    let mut seen: HashMap<Vec<String>, u64> = HashMap::new();
    let mut rows = Vec::new();
    let mut count = 0usize;
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                roster.errors.push(problem(
                    file,
                    line,
                    "this line cannot be read as CSV (an unclosed quote?)".into(),
                ));
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|f| f.iter().all(u8::is_ascii_whitespace)) {
            continue;
        }
        count += 1;
        if count > MAX_ROWS {
            roster.errors.push(problem(
                file,
                line,
                format!("more than {MAX_ROWS} rows: split the file"),
            ));
            break;
        }
        if record.len() != width {
            roster.errors.push(problem(
                file,
                line,
                format!(
                    "{} fields, but the header has {width}: check the delimiters and quotes",
                    record.len()
                ),
            ));
            continue;
        }
        let mut fields = Vec::with_capacity(width);
        let mut readable = true;
        for field in record.iter() {
            match std::str::from_utf8(field) {
                Ok(text) => fields.push(text.to_string()),
                Err(_) => readable = false,
            }
        }
        if !readable {
            roster.errors.push(problem(
                file,
                line,
                "not UTF-8 text: save the file as CSV UTF-8".into(),
            ));
            continue;
        }
        let normalised: Vec<String> = fields.iter().map(|f| f.trim().to_string()).collect();
        if let Some(first) = seen.get(&normalised) {
            roster.notes.push(problem(
                file,
                line,
                format!("repeats line {first} word for word: read once"),
            ));
            continue;
        }
        seen.insert(normalised, line);
        rows.push((line, fields));
    }
    Some(Table {
        file,
        columns,
        rows,
    })
}

/// `status` must be empty or `active`.
fn check_status(table: &Table, row: &[String], line: u64, errors: &mut Vec<LineProblem>) -> bool {
    let status = table.get(row, "status");
    if status.is_empty() || status.eq_ignore_ascii_case("active") {
        return true;
    }
    let message = if status.eq_ignore_ascii_case("tobedeleted") {
        "status tobedeleted: removing through a file is not supported; remove the line and \
         remove the person on their page"
            .to_string()
    } else {
        format!("status {status}: use active or leave it empty")
    };
    errors.push(problem(table.file, line, message));
    false
}

/// A sourcedId: 1 to 255 characters without control characters.
fn check_id(what: &str, id: &str) -> Result<(), String> {
    if id.is_empty() {
        Err(format!("{what} is empty"))
    } else if id.len() > 255 || id.chars().any(char::is_control) {
        Err(format!("{what}: 1 to 255 characters"))
    } else {
        Ok(())
    }
}

fn user_from(
    (line, row): &(u64, Vec<String>),
    table: &Table,
    roles_from_enrolments: &HashMap<&str, Vec<RosterRole>>,
    errors: &mut Vec<LineProblem>,
) -> Option<RosterUser> {
    let line = *line;
    let before = errors.len();
    let mut fail = |message: String| errors.push(problem(RosterFile::Users, line, message));
    let sourced_id = table.get(row, "sourcedId");
    if let Err(m) = check_id("sourcedId", sourced_id) {
        fail(m);
    }
    let username = table.get(row, "username");
    if let Err(m) = check_username(username) {
        fail(m);
    }
    let pick = |preferred: &str, plain: &str| {
        let p = table.get(row, preferred);
        if p.is_empty() {
            table.get(row, plain)
        } else {
            p
        }
    };
    let given = pick("preferredGivenName", "givenName");
    let family = pick("preferredFamilyName", "familyName");
    let display_name = format!("{given} {family}").trim().to_string();
    if given.is_empty() && family.is_empty() {
        fail("givenName and familyName are empty: a person needs a name".into());
    } else if display_name.chars().count() > MAX_DISPLAY_NAME {
        fail(format!(
            "the name has more than {MAX_DISPLAY_NAME} characters"
        ));
    }
    if !table.get(row, "password").is_empty() {
        fail(
            "password is filled in: passwords never travel in a file; leave the column empty \
             and hand out the set-up codes Ownpace makes"
                .into(),
        );
    }
    let enabled = match table.get(row, "enabledUser").to_ascii_lowercase().as_str() {
        "" | "true" => true,
        "false" => false,
        other => {
            fail(format!("enabledUser {other}: use true or false"));
            true
        }
    };
    let role = if table.has("role") {
        let text = table.get(row, "role");
        let role = RosterRole::from_oneroster(text);
        if role.is_none() {
            fail(if text.is_empty() {
                "role is empty: use student, teacher, parent or administrator".into()
            } else {
                format!("role {text}: use student, teacher, parent or administrator")
            });
        }
        role
    } else {
        let mut roles = roles_from_enrolments
            .get(sourced_id)
            .cloned()
            .unwrap_or_default();
        roles.sort_by_key(|r| r.as_str());
        roles.dedup();
        match roles.as_slice() {
            [one] => Some(*one),
            [] => {
                fail(
                    "no role column, and no enrolment says what this person is: add a role column"
                        .into(),
                );
                None
            }
            _ => {
                fail("no role column, and the enrolments give this person two roles".into());
                None
            }
        }
    };
    // Only the year of a birth date is kept; a year after 9999 or before 1900 is wrong
    // (the importer also refuses a year after the current one).
    let birth_year = match crate::consent::year_of_birth_date(table.get(row, "birthDate"), 9999) {
        Ok(year) => year,
        Err(message) => {
            errors.push(problem(RosterFile::Users, line, message));
            None
        }
    };
    if !check_status(table, row, line, errors) || errors.len() > before {
        return None;
    }
    Some(RosterUser {
        line,
        sourced_id: sourced_id.to_string(),
        username: username.to_string(),
        display_name,
        role: role?,
        enabled,
        birth_year,
    })
}

fn enrolment_from(
    (line, row): &(u64, Vec<String>),
    table: &Table,
    errors: &mut Vec<LineProblem>,
) -> Option<RosterEnrolment> {
    let line = *line;
    let before = errors.len();
    let mut fail = |message: String| errors.push(problem(RosterFile::Enrollments, line, message));
    let class = table.get(row, "classSourcedId");
    if let Err(m) = check_id("classSourcedId", class) {
        fail(m);
    }
    let user = table.get(row, "userSourcedId");
    if let Err(m) = check_id("userSourcedId", user) {
        fail(m);
    }
    let text = table.get(row, "role");
    let role = match RosterRole::from_oneroster(text) {
        Some(r @ (RosterRole::Student | RosterRole::Teacher)) => Some(r),
        _ => {
            fail(format!(
                "role {text}: only students and teachers belong to classes"
            ));
            None
        }
    };
    if !check_status(table, row, line, errors) || errors.len() > before {
        return None;
    }
    Some(RosterEnrolment {
        line,
        class_sourced_id: class.to_string(),
        user_sourced_id: user.to_string(),
        role: role?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const USERS: &str = "sourcedId,status,dateLastModified,enabledUser,orgSourcedIds,role,username,givenName,familyName,password\n\
        u1,active,2026-08-01,true,school1,student,lucia.r,Lucía,Romero,\n\
        u2,,,true,school1,teacher,rivera,Ana,Rivera,\n";
    const ENROLMENTS: &str = "sourcedId,status,dateLastModified,classSourcedId,schoolSourcedId,userSourcedId,role,primary,beginDate,endDate\n\
        e1,active,,class-6b,school1,u1,student,,,\n\
        e2,active,,class-6b,school1,u2,teacher,true,,\n";

    #[test]
    fn a_oneroster_export_is_read_by_column_name() {
        let roster = read_roster(USERS.as_bytes(), ENROLMENTS.as_bytes());
        assert_eq!(roster.errors, vec![]);
        assert_eq!(roster.users.len(), 2);
        assert_eq!(roster.users[0].display_name, "Lucía Romero");
        assert_eq!(roster.users[0].role, RosterRole::Student);
        assert_eq!(roster.users[1].role, RosterRole::Teacher);
        assert_eq!(roster.enrolments.len(), 2);
        assert_eq!(roster.enrolments[1].line, 3);
    }

    #[test]
    fn a_birth_date_keeps_only_its_year_and_a_wrong_one_is_named() {
        let users = "sourcedId,role,username,givenName,familyName,birthDate\n\
            u1,student,lucia.r,Lucía,Romero,2014-05-31\n\
            u2,student,bo.k,Bo,K,\n\
            u3,student,cy.l,Cy,L,31/05/2014\n";
        let roster = read_roster(
            users.as_bytes(),
            b"classSourcedId,userSourcedId,role\nc,u1,student\nc,u2,student\nc,u3,student\n",
        );
        assert_eq!(roster.users[0].birth_year, Some(2014));
        assert_eq!(roster.users[1].birth_year, None);
        assert_eq!(roster.errors.len(), 1, "{:?}", roster.errors);
        assert_eq!(roster.errors[0].line, 4);
        assert!(roster.errors[0].message.contains("birthDate"));
        // Without the column, nobody has a birth year.
        let plain = read_roster(USERS.as_bytes(), ENROLMENTS.as_bytes());
        assert!(plain.users.iter().all(|u| u.birth_year.is_none()));
    }

    #[test]
    fn a_bom_semicolons_and_repeated_rows_are_handled() {
        let users = "\u{feff}sourcedId;role;username;givenName;familyName\n\
            u1;student;lucia.r;Lucía;Romero\n\
            u1;student;lucia.r;Lucía;Romero\n";
        let roster = read_roster(
            users.as_bytes(),
            b"classSourcedId;userSourcedId;role\nc;u1;student\n",
        );
        assert_eq!(roster.errors, vec![]);
        assert_eq!(roster.users.len(), 1);
        assert_eq!(roster.notes.len(), 1);
        assert_eq!(roster.notes[0].line, 3);
        assert!(
            roster.notes[0].message.contains("line 2"),
            "{:?}",
            roster.notes
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_line() {
        let users = "sourcedId,role,username,givenName,familyName,password\n\
            u1,student,lucia.r,Lucía,Romero,secret\n\
            u2,pilot,x,Bo,,\n\
            u3,student,lucia.r,Other,Person,\n\
            u4,student,fine,A,B\n";
        let roster = read_roster(
            users.as_bytes(),
            b"classSourcedId,userSourcedId,role\nc,u1,guardian\nc,u5,student\nc,u5,student\n",
        );
        let lines: Vec<(RosterFile, u64)> =
            roster.errors.iter().map(|e| (e.file, e.line)).collect();
        assert!(
            lines.contains(&(RosterFile::Users, 2)),
            "{:?}",
            roster.errors
        );
        assert!(lines.contains(&(RosterFile::Users, 3)));
        assert!(
            lines.contains(&(RosterFile::Users, 4)),
            "the same username as line 2"
        );
        assert!(lines.contains(&(RosterFile::Users, 5)), "field count");
        assert!(lines.contains(&(RosterFile::Enrollments, 2)));
        // A word-for-word repeat is a note, not an error.
        assert_eq!(roster.notes.len(), 1);
        let text: Vec<String> = roster.errors.iter().map(ToString::to_string).collect();
        assert!(text.iter().any(|t| t.contains("password")), "{text:?}");
        assert!(text.iter().all(|t| !t.contains('`')), "{text:?}");
    }

    #[test]
    fn a_duplicate_username_with_other_fields_is_an_error() {
        let users = "sourcedId,role,username,givenName,familyName\n\
            u1,student,lucia.r,Lucía,Romero\n\
            u2,student,lucia.r,Lucía,Romero\n";
        let roster = read_roster(users.as_bytes(), b"classSourcedId,userSourcedId,role\n");
        assert_eq!(roster.errors.len(), 1, "{:?}", roster.errors);
        assert_eq!(roster.errors[0].line, 3);
        assert!(roster.errors[0].message.contains("line 2"));
    }

    #[test]
    fn a_1_2_users_file_takes_roles_from_enrolments() {
        let users = "sourcedId,status,dateLastModified,enabledUser,username,givenName,familyName\n\
            u1,,,false,lucia.r,Lucía,Romero\n";
        let roster = read_roster(users.as_bytes(), ENROLMENTS.as_bytes());
        assert_eq!(roster.users[0].role, RosterRole::Student);
        assert!(!roster.users[0].enabled);
    }

    #[test]
    fn limits_and_missing_columns_are_whole_file_errors() {
        let roster = read_roster(b"username,givenName\n", b"");
        assert_eq!(roster.errors.len(), 2, "{:?}", roster.errors);
        assert!(roster.errors[0].message.contains("sourcedId"));
        let mut big = String::from("sourcedId,role,username,givenName,familyName\n");
        for i in 0..=MAX_ROWS {
            big.push_str(&format!("u{i},student,user{i},A,B\n"));
        }
        let roster = read_roster(big.as_bytes(), b"classSourcedId,userSourcedId,role\n");
        assert!(
            roster
                .errors
                .iter()
                .any(|e| e.message.contains("more than"))
        );
        let huge = vec![b'a'; MAX_BYTES + 1];
        let roster = read_roster(&huge, b"classSourcedId,userSourcedId,role\n");
        assert!(roster.errors[0].message.contains("KiB"));
    }
}

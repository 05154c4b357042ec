//! Every setting of Ownpace, declared once in [`SETTINGS`]: its name (the settings-file
//! key), command-line flag, environment variable, default, help and valid values. The
//! flags and environment variables of the commands (clap) and the keys of the optional
//! TOML file (`--config`) are all made from that table, so they cannot drift apart; a
//! value is taken from the flag, else the environment, else the file, else the default.
//! A value that is not valid or out of range stops the start with an error naming the
//! setting, where the value came from and what is allowed. A test checks the README's
//! settings table against this declaration.

use clap::parser::ValueSource;
use clap::{Arg, ArgAction, ArgMatches, Args, Command, FromArgMatches};
use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// What values a setting takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `ADDR:PORT`.
    Address,
    /// A file or folder path.
    Path,
    /// A database URL.
    Url,
    /// On or off: a flag without a value; `true`/`false` in the environment and the file.
    Switch,
    /// A whole number from `min` to `max`, both included.
    Whole { min: i64, max: i64 },
    /// One line of text, shown to people (no control characters), at most `max` bytes.
    Line { max: usize },
    /// IP addresses or CIDR ranges, comma-separated.
    Ranges,
    /// One of a few words.
    Choice { values: &'static [&'static str] },
    /// A time zone name from the IANA database (`ownpace_core::screen_time::SchoolZone`).
    Zone,
    /// An SMTP server URL; its password is never shown.
    SmtpUrl,
    /// A sender: `Name <address>` or `address`.
    Mailbox,
    /// The school's public `http(s)://` address.
    PublicUrl,
}

impl Kind {
    /// The valid values in words, as the README and error messages show them.
    pub fn valid(self) -> String {
        match self {
            Kind::Address => "ADDR:PORT".into(),
            Kind::Path => "a path".into(),
            Kind::Url => "postgres://… or sqlite://…".into(),
            Kind::Switch => "true or false".into(),
            Kind::Whole { min, max } => format!("{min} to {max}"),
            Kind::Line { max } => format!("one line, at most {max} bytes"),
            Kind::Ranges => "IP addresses or CIDR ranges, comma-separated".into(),
            Kind::Choice { values } => values.join(" or "),
            Kind::Zone => "an IANA time zone name, such as Europe/Paris or UTC".into(),
            Kind::SmtpUrl => "smtp://host:port or smtps://user:password@host".into(),
            Kind::Mailbox => "Name <address@school.example> or address@school.example".into(),
            Kind::PublicUrl => "https://ownpace.school.example".into(),
        }
    }

    fn value_name(self) -> &'static str {
        match self {
            Kind::Address => "ADDR:PORT",
            Kind::Path => "PATH",
            Kind::Url => "URL",
            Kind::Switch => "",
            Kind::Whole { .. } => "N",
            Kind::Line { .. } => "TEXT",
            Kind::Ranges => "ADDRS",
            Kind::Choice { .. } => "WORD",
            Kind::Zone => "ZONE",
            Kind::SmtpUrl | Kind::PublicUrl => "URL",
            Kind::Mailbox => "SENDER",
        }
    }
}

/// Which commands take the setting's flag: every command that opens the database, or only
/// the ones that serve (`serve`, `demo`). The settings file may hold any key for any command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    Database,
    Server,
}

/// One setting, declared once.
#[derive(Debug)]
pub struct Setting {
    /// The name in messages and the key in the settings file.
    pub name: &'static str,
    /// The long flag, without `--`.
    pub flag: &'static str,
    pub env: &'static str,
    /// Whether the settings file may hold it (not the file's own path).
    pub in_file: bool,
    /// The value when none is given; `None` when the absence means something (see `help`).
    pub default: Option<&'static str>,
    pub help: &'static str,
    pub kind: Kind,
    pub scope: Scope,
}

impl Setting {
    /// The settings-file key, when the file may hold this setting.
    pub fn file_key(&self) -> Option<&'static str> {
        self.in_file.then_some(self.name)
    }
}

pub const CONFIG: Setting = Setting {
    name: "config",
    flag: "config",
    env: "OWNPACE_CONFIG",
    in_file: false,
    default: None,
    help: "TOML settings file holding any of the other settings by name",
    kind: Kind::Path,
    scope: Scope::Database,
};
pub const DATA_DIR: Setting = Setting {
    name: "data_dir",
    flag: "data-dir",
    env: "OWNPACE_DATA_DIR",
    in_file: true,
    default: Some("ownpace-data"),
    help: "Folder for the embedded SQLite database",
    kind: Kind::Path,
    scope: Scope::Database,
};
pub const DATABASE_URL: Setting = Setting {
    name: "database_url",
    flag: "database-url",
    env: "OWNPACE_DATABASE_URL",
    in_file: true,
    default: None,
    help: "PostgreSQL (postgres://…) or SQLite (sqlite://…) URL; without it, SQLite in the data folder",
    kind: Kind::Url,
    scope: Scope::Database,
};
pub const LISTEN: Setting = Setting {
    name: "listen",
    flag: "listen",
    env: "OWNPACE_LISTEN",
    in_file: true,
    default: Some("127.0.0.1:8080"),
    help: "Address and port to listen on",
    kind: Kind::Address,
    scope: Scope::Server,
};
pub const SECURE_COOKIES: Setting = Setting {
    name: "secure_cookies",
    flag: "secure-cookies",
    env: "OWNPACE_SECURE_COOKIES",
    in_file: true,
    default: Some("false"),
    help: "Mark cookies Secure (when serving over TLS)",
    kind: Kind::Switch,
    scope: Scope::Server,
};
pub const SESSION_HOURS: Setting = Setting {
    name: "session_hours",
    flag: "session-hours",
    env: "OWNPACE_SESSION_HOURS",
    in_file: true,
    default: Some("12"),
    help: "How long a session lasts without a new login, in hours",
    kind: Kind::Whole { min: 1, max: 720 },
    scope: Scope::Server,
};
pub const SESSION_IDLE_MINUTES: Setting = Setting {
    name: "session_idle_minutes",
    flag: "session-idle-minutes",
    env: "OWNPACE_SESSION_IDLE_MINUTES",
    in_file: true,
    default: Some("60"),
    help: "A session unused for this many minutes ends (beside the session length)",
    kind: Kind::Whole { min: 5, max: 1440 },
    scope: Scope::Server,
};
pub const INACTIVE_DAYS: Setting = Setting {
    name: "inactive_days",
    flag: "inactive-days",
    env: "OWNPACE_INACTIVE_DAYS",
    in_file: true,
    default: Some("7"),
    help: "Days without activity after which the dashboard shows a student as inactive",
    kind: Kind::Whole { min: 1, max: 365 },
    scope: Scope::Server,
};

pub const PRIVACY_CONTACT: Setting = Setting {
    name: "privacy_contact",
    flag: "privacy-contact",
    env: "OWNPACE_PRIVACY_CONTACT",
    in_file: true,
    default: None,
    help: "Who families write to about their data (a name and an e-mail address or phone number), shown on /privacy",
    kind: Kind::Line { max: 200 },
    scope: Scope::Server,
};
pub const LOGIN_FAILURES_PER_ADDRESS: Setting = Setting {
    name: "login_failures_per_address",
    flag: "login-failures-per-address",
    env: "OWNPACE_LOGIN_FAILURES_PER_ADDRESS",
    in_file: true,
    default: Some("300"),
    help: "Failed sign-ins from one address per 15 minutes before it must wait (a whole school may share one address)",
    kind: Kind::Whole {
        min: 10,
        max: 1_000_000,
    },
    scope: Scope::Server,
};
pub const TRUSTED_PROXIES: Setting = Setting {
    name: "trusted_proxies",
    flag: "trusted-proxies",
    env: "OWNPACE_TRUSTED_PROXIES",
    in_file: true,
    default: None,
    help: "Reverse proxies whose X-Forwarded-For header names the client; without it the header is ignored",
    kind: Kind::Ranges,
    scope: Scope::Server,
};
pub const GUARDIANS_SEE_ANSWERS: Setting = Setting {
    name: "guardians_see_answers",
    flag: "guardians-see-answers",
    env: "OWNPACE_GUARDIANS_SEE_ANSWERS",
    in_file: true,
    default: Some("false"),
    help: "Show guardians their child's answers word for word (otherwise right or wrong only)",
    kind: Kind::Switch,
    scope: Scope::Server,
};

pub const ADMINS_NEED_TWO_FACTOR: Setting = Setting {
    name: "admins_need_two_factor",
    flag: "admins-need-two-factor",
    env: "OWNPACE_ADMINS_NEED_TWO_FACTOR",
    in_file: true,
    default: Some("false"),
    help: "Admins must turn on two-factor sign-in (an authenticator app) before anything else",
    kind: Kind::Switch,
    scope: Scope::Server,
};

pub const RETENTION_DAYS_AFTER_LEAVING: Setting = Setting {
    name: "retention_days_after_leaving",
    flag: "retention-days-after-leaving",
    env: "OWNPACE_RETENTION_DAYS_AFTER_LEAVING",
    in_file: true,
    default: Some("0"),
    help: "Erase a student this many days after their last class enrolment closed (0: never automatically); shown on /privacy",
    kind: Kind::Whole {
        min: 0,
        max: 36_500,
    },
    scope: Scope::Database,
};

// The school's time zone (issue 12 and CONTRACTS "Time"): days and weeks of screen time.
pub const TIMEZONE: Setting = Setting {
    name: "timezone",
    flag: "timezone",
    env: "OWNPACE_TIMEZONE",
    in_file: true,
    default: Some("UTC"),
    help: "The school's time zone (IANA name): where its days and weeks begin, for screen-time budgets and dates",
    kind: Kind::Zone,
    scope: Scope::Server,
};

// The weekly letter to guardians (issue 9, point 7).
pub const SMTP_URL: Setting = Setting {
    name: "smtp_url",
    flag: "smtp-url",
    env: "OWNPACE_SMTP_URL",
    in_file: true,
    default: None,
    help: "The mail server for weekly letters to guardians (smtp://host:2525, smtps://user:password@host); without it no letter is sent and the digest is only on the guardian's page",
    kind: Kind::SmtpUrl,
    scope: Scope::Server,
};
pub const MAIL_FROM: Setting = Setting {
    name: "mail_from",
    flag: "mail-from",
    env: "OWNPACE_MAIL_FROM",
    in_file: true,
    default: None,
    help: "The sender of weekly letters, such as Ownpace <ownpace@school.example> (needed with smtp_url)",
    kind: Kind::Mailbox,
    scope: Scope::Server,
};
pub const PUBLIC_URL: Setting = Setting {
    name: "public_url",
    flag: "public-url",
    env: "OWNPACE_PUBLIC_URL",
    in_file: true,
    default: None,
    help: "The school's Ownpace address, for the links in weekly letters (needed with smtp_url)",
    kind: Kind::PublicUrl,
    scope: Scope::Server,
};
pub const LETTER_WEEKDAY: Setting = Setting {
    name: "letter_weekday",
    flag: "letter-weekday",
    env: "OWNPACE_LETTER_WEEKDAY",
    in_file: true,
    default: Some("saturday"),
    help: "The day weekly letters are sent, in the school's timezone (about the last school week that had ended by then)",
    kind: Kind::Choice {
        values: &ownpace_core::letters::WEEKDAYS,
    },
    scope: Scope::Server,
};
pub const LETTER_HOUR: Setting = Setting {
    name: "letter_hour",
    flag: "letter-hour",
    env: "OWNPACE_LETTER_HOUR",
    in_file: true,
    default: Some("8"),
    help: "The hour weekly letters are sent from, in the school's timezone",
    kind: Kind::Whole { min: 0, max: 23 },
    scope: Scope::Server,
};

// Uploads to a project group's space (issue 10, point 3): the largest file, what one
// student may keep over all their groups, and what one group may keep. Whole megabytes
// (1 MB = 1,048,576 bytes); per-file ≤ per-student ≤ per-group (checked at start).
pub const UPLOAD_FILE_MB: Setting = Setting {
    name: "upload_file_mb",
    flag: "upload-file-mb",
    env: "OWNPACE_UPLOAD_FILE_MB",
    in_file: true,
    default: Some("5"),
    help: "The largest file a student may upload to a project group's space, in MB (at most upload_student_mb)",
    kind: Kind::Whole { min: 1, max: 1024 },
    scope: Scope::Server,
};
pub const UPLOAD_STUDENT_MB: Setting = Setting {
    name: "upload_student_mb",
    flag: "upload-student-mb",
    env: "OWNPACE_UPLOAD_STUDENT_MB",
    in_file: true,
    default: Some("20"),
    help: "The files one student may keep over all their project groups, in MB (at least upload_file_mb, at most upload_group_mb)",
    kind: Kind::Whole { min: 1, max: 10240 },
    scope: Scope::Server,
};
pub const UPLOAD_GROUP_MB: Setting = Setting {
    name: "upload_group_mb",
    flag: "upload-group-mb",
    env: "OWNPACE_UPLOAD_GROUP_MB",
    in_file: true,
    default: Some("50"),
    help: "The files one project group may keep, in MB (at least upload_student_mb)",
    kind: Kind::Whole { min: 1, max: 10240 },
    scope: Scope::Server,
};

/// Every setting, in the order of `--help` and the README.
// Consent (issue 11, point 5): who needs a guardian's consent before using Ownpace.
pub const CONSENT_AGE: Setting = Setting {
    name: "consent_age",
    flag: "consent-age",
    env: "OWNPACE_CONSENT_AGE",
    in_file: true,
    default: Some("0"),
    help: "Students younger than this need a guardian's consent before they use Ownpace (0: no consent is asked)",
    kind: Kind::Whole { min: 0, max: 21 },
    scope: Scope::Server,
};
pub const CONSENT_WHEN_AGE_UNKNOWN: Setting = Setting {
    name: "consent_when_age_unknown",
    flag: "consent-when-age-unknown",
    env: "OWNPACE_CONSENT_WHEN_AGE_UNKNOWN",
    in_file: true,
    default: Some("required"),
    help: "Whether a student without a birth year needs a guardian's consent (when consent_age is above 0)",
    kind: Kind::Choice {
        values: &["required", "not_required"],
    },
    scope: Scope::Server,
};

pub const SETTINGS: &[&Setting] = &[
    &LISTEN,
    &DATA_DIR,
    &DATABASE_URL,
    &CONFIG,
    &SECURE_COOKIES,
    &SESSION_HOURS,
    &SESSION_IDLE_MINUTES,
    &INACTIVE_DAYS,
    &PRIVACY_CONTACT,
    &LOGIN_FAILURES_PER_ADDRESS,
    &TRUSTED_PROXIES,
    &GUARDIANS_SEE_ANSWERS,
    &ADMINS_NEED_TWO_FACTOR,
    &RETENTION_DAYS_AFTER_LEAVING,
    &CONSENT_AGE,
    &CONSENT_WHEN_AGE_UNKNOWN,
    &TIMEZONE,
    &SMTP_URL,
    &MAIL_FROM,
    &PUBLIC_URL,
    &LETTER_WEEKDAY,
    &LETTER_HOUR,
    &UPLOAD_FILE_MB,
    &UPLOAD_STUDENT_MB,
    &UPLOAD_GROUP_MB,
];

/// The longest text value accepted for any setting.
pub const MAX_VALUE_BYTES: usize = 4096;

/// Where a value came from, for error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    Flag(&'static str),
    Env(&'static str),
    File { path: PathBuf, key: &'static str },
    Default,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "flag --{flag}"),
            Origin::Env(env) => write!(f, "environment variable {env}"),
            Origin::File { path, key } => write!(f, "settings file {}:{key}", path.display()),
            Origin::Default => write!(f, "the default"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("setting {setting} = {value} (from {origin}) is out of range: use {valid}")]
    OutOfRange {
        setting: &'static str,
        origin: Origin,
        value: String,
        valid: String,
    },
    #[error("setting {setting} = {value:?} (from {origin}) is not valid: use {valid}")]
    Invalid {
        setting: &'static str,
        origin: Origin,
        value: String,
        valid: String,
    },
    #[error(
        "setting {setting} (from {origin}) is longer than {} bytes: use a shorter value",
        MAX_VALUE_BYTES
    )]
    TooLong {
        setting: &'static str,
        origin: Origin,
    },
    #[error("settings file {}: unknown key `{key}`; known keys: {known}", path.display())]
    UnknownKey {
        path: PathBuf,
        key: String,
        known: String,
    },
    #[error("cannot read the settings file {}: {reason}", path.display())]
    Read {
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("settings file {} is not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    #[error("setting {setting} is needed with {with}: {why}")]
    Needed {
        setting: &'static str,
        with: &'static str,
        why: &'static str,
    },
    #[error(
        "setting {setting} = {value} (from {origin}) is larger than {other} = {other_value} (from {other_origin}): use per-file ≤ per-student ≤ per-group (upload_file_mb ≤ upload_student_mb ≤ upload_group_mb)"
    )]
    UploadOrder {
        setting: &'static str,
        /// Where the value came from, in words (an [`Origin`]).
        origin: String,
        value: i64,
        other: &'static str,
        other_origin: String,
        other_value: i64,
    },
    #[error("setting {setting} has no value: its declaration needs a default")]
    Missing { setting: &'static str },
    #[error("cannot create the data folder {}: {reason}", path.display())]
    DataDir {
        path: PathBuf,
        reason: std::io::Error,
    },
}

/// A value given on the command line or in the environment (clap merges the two).
#[derive(Debug, Clone)]
struct Given {
    setting: &'static Setting,
    value: String,
    origin: Origin,
}

/// Declares a clap argument group holding the settings of one [`Scope`], built from
/// [`SETTINGS`]; flatten it into a command with `#[command(flatten)]`.
macro_rules! scope_args {
    ($(#[$doc:meta])* $name:ident, $scope:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Default)]
        pub struct $name {
            given: Vec<Given>,
        }

        impl FromArgMatches for $name {
            fn from_arg_matches(matches: &ArgMatches) -> Result<Self, clap::Error> {
                Ok($name {
                    given: given_in(matches, $scope),
                })
            }

            fn update_from_arg_matches(&mut self, matches: &ArgMatches) -> Result<(), clap::Error> {
                let given = given_in(matches, $scope);
                self.given
                    .retain(|old| !given.iter().any(|new| new.setting.name == old.setting.name));
                self.given.extend(given);
                Ok(())
            }
        }

        impl Args for $name {
            fn augment_args(command: Command) -> Command {
                add_args(command, $scope)
            }

            fn augment_args_for_update(command: Command) -> Command {
                add_args(command, $scope)
            }
        }
    };
}

scope_args!(
    /// The database settings (`--data-dir`, `--database-url`, `--config`).
    DatabaseArgs,
    Scope::Database
);
scope_args!(
    /// The settings of a serving command (`--listen`, `--secure-cookies`, …).
    ServerArgs,
    Scope::Server
);

fn add_args(mut command: Command, scope: Scope) -> Command {
    for setting in SETTINGS.iter().filter(|s| s.scope == scope) {
        let mut help = setting.help.to_string();
        if let Some(default) = setting.default {
            help.push_str(&format!(" [default: {default}]"));
        }
        if let Kind::Whole { .. } = setting.kind {
            help.push_str(&format!(" [valid: {}]", setting.kind.valid()));
        }
        let arg = Arg::new(setting.name)
            .long(setting.flag)
            .env(setting.env)
            .help(help);
        command = command.arg(match setting.kind {
            Kind::Switch => arg.action(ArgAction::SetTrue),
            kind => arg.action(ArgAction::Set).value_name(kind.value_name()),
        });
    }
    command
}

fn given_in(matches: &ArgMatches, scope: Scope) -> Vec<Given> {
    let mut out = Vec::new();
    for &setting in SETTINGS.iter().filter(|s| s.scope == scope) {
        let origin = match matches.value_source(setting.name) {
            Some(ValueSource::CommandLine) => Origin::Flag(setting.flag),
            Some(ValueSource::EnvVariable) => Origin::Env(setting.env),
            _ => continue,
        };
        let value = match setting.kind {
            Kind::Switch => matches.get_flag(setting.name).to_string(),
            _ => match matches.get_one::<String>(setting.name) {
                Some(value) => value.clone(),
                None => continue,
            },
        };
        out.push(Given {
            setting,
            value,
            origin,
        });
    }
    out
}

/// Resolved settings of a command that opens the database.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub web: ownpace_web::Config,
}

/// A raw value before it is checked against its setting's kind.
#[derive(Clone, Copy)]
enum Raw<'a> {
    Text(&'a str),
    Toml(&'a toml::Value),
}

/// A checked value.
enum Value {
    Address(SocketAddr),
    Path(PathBuf),
    Text(String),
    Switch(bool),
    Whole(i64),
    Ranges(Vec<ownpace_web::IpRange>),
}

fn check(setting: &'static Setting, raw: Raw<'_>, origin: &Origin) -> Result<Value, ConfigError> {
    let invalid = |value: String| ConfigError::Invalid {
        setting: setting.name,
        origin: origin.clone(),
        value,
        valid: setting.kind.valid(),
    };
    let text = match raw {
        Raw::Text(text) => Some(text),
        Raw::Toml(toml::Value::String(text)) => Some(text.as_str()),
        Raw::Toml(_) => None,
    };
    if text.is_some_and(|t| t.len() > MAX_VALUE_BYTES) {
        return Err(ConfigError::TooLong {
            setting: setting.name,
            origin: origin.clone(),
        });
    }
    let shown = || {
        let text = match raw {
            Raw::Text(text) => text.to_string(),
            Raw::Toml(value) => value.to_string(),
        };
        // An SMTP URL's password never reaches a message.
        if setting.kind == Kind::SmtpUrl {
            ownpace_web::letters::redact_url(&text)
        } else {
            text
        }
    };
    match setting.kind {
        Kind::Address => {
            let text = text.ok_or_else(|| invalid(shown()))?;
            text.trim()
                .parse()
                .map(Value::Address)
                .map_err(|_| invalid(shown()))
        }
        Kind::Path | Kind::Url => {
            let text = text.filter(|t| !t.trim().is_empty());
            let text = text.ok_or_else(|| invalid(shown()))?;
            Ok(match setting.kind {
                Kind::Path => Value::Path(PathBuf::from(text)),
                _ => Value::Text(text.to_string()),
            })
        }
        Kind::Line { max } => {
            let text = text.ok_or_else(|| invalid(shown()))?.trim();
            if text.len() > max {
                return Err(ConfigError::OutOfRange {
                    setting: setting.name,
                    origin: origin.clone(),
                    value: format!("{} bytes", text.len()),
                    valid: setting.kind.valid(),
                });
            }
            if text.is_empty() || text.chars().any(char::is_control) {
                return Err(invalid(shown()));
            }
            Ok(Value::Text(text.to_string()))
        }
        Kind::Switch => match raw {
            Raw::Toml(toml::Value::Boolean(on)) => Ok(Value::Switch(*on)),
            Raw::Text("true") => Ok(Value::Switch(true)),
            Raw::Text("false") => Ok(Value::Switch(false)),
            _ => Err(invalid(shown())),
        },
        Kind::Zone => {
            let text = text.ok_or_else(|| invalid(shown()))?;
            ownpace_core::screen_time::SchoolZone::new(text)
                .map(|zone| Value::Text(zone.name().to_string()))
                .map_err(|_| invalid(shown()))
        }
        Kind::SmtpUrl => {
            let text = text.ok_or_else(|| invalid(shown()))?;
            ownpace_web::letters::SmtpUrl::parse(text)
                .map(|_| Value::Text(text.trim().to_string()))
                .map_err(|_| invalid(shown()))
        }
        Kind::Mailbox => {
            let text = text.ok_or_else(|| invalid(shown()))?;
            ownpace_web::letters::parse_mail_from(text)
                .map(Value::Text)
                .map_err(|_| invalid(shown()))
        }
        Kind::PublicUrl => {
            let text = text.ok_or_else(|| invalid(shown()))?;
            ownpace_web::letters::parse_public_url(text)
                .map(Value::Text)
                .map_err(|_| invalid(shown()))
        }
        Kind::Ranges => {
            let text = text.ok_or_else(|| invalid(shown()))?;
            ownpace_web::parse_ranges(text)
                .map(Value::Ranges)
                .map_err(|_| invalid(shown()))
        }
        Kind::Choice { values } => {
            let text = text.ok_or_else(|| invalid(shown()))?.trim();
            if values.contains(&text) {
                Ok(Value::Text(text.to_string()))
            } else {
                Err(invalid(shown()))
            }
        }
        Kind::Whole { min, max } => {
            let number = match raw {
                Raw::Toml(toml::Value::Integer(n)) => *n,
                Raw::Text(text) => text.trim().parse().map_err(|_| invalid(shown()))?,
                Raw::Toml(_) => return Err(invalid(shown())),
            };
            if (min..=max).contains(&number) {
                Ok(Value::Whole(number))
            } else {
                Err(ConfigError::OutOfRange {
                    setting: setting.name,
                    origin: origin.clone(),
                    value: number.to_string(),
                    valid: setting.kind.valid(),
                })
            }
        }
    }
}

/// The settings file, read and checked key by key.
struct File {
    path: PathBuf,
    table: toml::Table,
}

impl File {
    fn load(path: &Path) -> Result<File, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|reason| ConfigError::Read {
            path: path.to_path_buf(),
            reason,
        })?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Syntax {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        for key in table.keys() {
            if !SETTINGS.iter().any(|s| s.file_key() == Some(key.as_str())) {
                let known: Vec<&str> = SETTINGS.iter().filter_map(|s| s.file_key()).collect();
                return Err(ConfigError::UnknownKey {
                    path: path.to_path_buf(),
                    key: key.clone(),
                    known: known.join(", "),
                });
            }
        }
        Ok(File {
            path: path.to_path_buf(),
            table,
        })
    }
}

/// Every given value, flags and environment first, then the file.
struct Sources<'a> {
    given: Vec<&'a Given>,
    file: Option<File>,
}

impl Sources<'_> {
    /// The setting's value by precedence: flag or environment, file, default; `None`
    /// when none of them has one.
    fn value(&self, setting: &'static Setting) -> Result<Option<Value>, ConfigError> {
        if let Some(given) = self.given.iter().find(|g| g.setting.name == setting.name) {
            return check(setting, Raw::Text(&given.value), &given.origin).map(Some);
        }
        if let Some(file) = &self.file
            && let Some(key) = setting.file_key()
            && let Some(value) = file.table.get(key)
        {
            let origin = Origin::File {
                path: file.path.clone(),
                key,
            };
            return check(setting, Raw::Toml(value), &origin).map(Some);
        }
        match setting.default {
            Some(default) => check(setting, Raw::Text(default), &Origin::Default).map(Some),
            None => Ok(None),
        }
    }

    /// Where the setting's value comes from (for messages about two settings together).
    fn origin(&self, setting: &'static Setting) -> Origin {
        if let Some(given) = self.given.iter().find(|g| g.setting.name == setting.name) {
            return given.origin.clone();
        }
        if let Some(file) = &self.file
            && let Some(key) = setting.file_key()
            && file.table.contains_key(key)
        {
            return Origin::File {
                path: file.path.clone(),
                key,
            };
        }
        Origin::Default
    }

    fn address(&self, setting: &'static Setting) -> Result<SocketAddr, ConfigError> {
        match self.value(setting)? {
            Some(Value::Address(address)) => Ok(address),
            _ => Err(ConfigError::Missing {
                setting: setting.name,
            }),
        }
    }

    fn path(&self, setting: &'static Setting) -> Result<Option<PathBuf>, ConfigError> {
        Ok(match self.value(setting)? {
            Some(Value::Path(path)) => Some(path),
            _ => None,
        })
    }

    fn text(&self, setting: &'static Setting) -> Result<Option<String>, ConfigError> {
        Ok(match self.value(setting)? {
            Some(Value::Text(text)) => Some(text),
            _ => None,
        })
    }

    fn switch(&self, setting: &'static Setting) -> Result<bool, ConfigError> {
        match self.value(setting)? {
            Some(Value::Switch(on)) => Ok(on),
            _ => Err(ConfigError::Missing {
                setting: setting.name,
            }),
        }
    }

    fn ranges(&self, setting: &'static Setting) -> Result<Vec<ownpace_web::IpRange>, ConfigError> {
        Ok(match self.value(setting)? {
            Some(Value::Ranges(ranges)) => ranges,
            _ => Vec::new(),
        })
    }

    fn whole(&self, setting: &'static Setting) -> Result<i64, ConfigError> {
        match self.value(setting)? {
            Some(Value::Whole(n)) => Ok(n),
            _ => Err(ConfigError::Missing {
                setting: setting.name,
            }),
        }
    }
}

/// The consent policy from `consent_age` and `consent_when_age_unknown`.
fn consent_policy(sources: &Sources<'_>) -> Result<ownpace_core::consent::Policy, ConfigError> {
    use ownpace_core::consent::{Policy, WhenAgeUnknown};
    let age = u32::try_from(sources.whole(&CONSENT_AGE)?).unwrap_or(0);
    let when_unknown = match sources.text(&CONSENT_WHEN_AGE_UNKNOWN)?.as_deref() {
        Some("not_required") => WhenAgeUnknown::NotRequired,
        _ => WhenAgeUnknown::Required,
    };
    Ok(Policy { age, when_unknown })
}

/// The weekly letter's settings; `mail_from` and `public_url` are needed with `smtp_url`.
fn letter_settings(
    sources: &Sources<'_>,
) -> Result<ownpace_web::letters::LetterSettings, ConfigError> {
    let smtp =
        match sources.text(&SMTP_URL)? {
            Some(url) => Some(ownpace_web::letters::SmtpUrl::parse(&url).map_err(|_| {
                ConfigError::Missing {
                    setting: SMTP_URL.name,
                }
            })?),
            None => None,
        };
    let from = sources.text(&MAIL_FROM)?;
    let public_url = sources.text(&PUBLIC_URL)?;
    if smtp.is_some() {
        if from.is_none() {
            return Err(ConfigError::Needed {
                setting: MAIL_FROM.name,
                with: SMTP_URL.name,
                why: "letters need a sender, such as Ownpace <ownpace@school.example>",
            });
        }
        if public_url.is_none() {
            return Err(ConfigError::Needed {
                setting: PUBLIC_URL.name,
                with: SMTP_URL.name,
                why: "letters link to the school's Ownpace, such as https://ownpace.school.example",
            });
        }
    }
    let weekday = sources.text(&LETTER_WEEKDAY)?.unwrap_or_default();
    let hour = sources.whole(&LETTER_HOUR)?;
    Ok(ownpace_web::letters::LetterSettings {
        smtp,
        from,
        public_url,
        schedule: ownpace_core::letters::Schedule::from_words(&weekday, hour).unwrap_or_default(),
    })
}

/// The upload limits from `upload_file_mb`, `upload_student_mb` and `upload_group_mb`:
/// each positive (their ranges), and a file must fit in a student's quota and a student's
/// in the group's.
fn upload_limits(sources: &Sources<'_>) -> Result<ownpace_storage::FileQuota, ConfigError> {
    const MB: i64 = 1024 * 1024;
    let order = [&UPLOAD_FILE_MB, &UPLOAD_STUDENT_MB, &UPLOAD_GROUP_MB];
    let mut values = [0_i64; 3];
    for (value, setting) in values.iter_mut().zip(order) {
        *value = sources.whole(setting)?;
    }
    for n in 0..2 {
        if values[n] > values[n + 1] {
            return Err(ConfigError::UploadOrder {
                setting: order[n].name,
                origin: sources.origin(order[n]).to_string(),
                value: values[n],
                other: order[n + 1].name,
                other_origin: sources.origin(order[n + 1]).to_string(),
                other_value: values[n + 1],
            });
        }
    }
    Ok(ownpace_storage::FileQuota {
        max_file_bytes: values[0] * MB,
        per_student_bytes: values[1] * MB,
        per_group_bytes: values[2] * MB,
    })
}

impl Settings {
    /// Resolves every setting from the command's flags and environment (`server` for a
    /// serving command), the settings file and the defaults. The file is checked whole
    /// whatever the command, so a broken file fails every command alike.
    pub fn resolve(
        database: &DatabaseArgs,
        server: Option<&ServerArgs>,
    ) -> Result<Settings, ConfigError> {
        let mut sources = Sources {
            given: database.given.iter().collect(),
            file: None,
        };
        if let Some(server) = server {
            sources.given.extend(server.given.iter());
        }
        if let Some(path) = sources.path(&CONFIG)? {
            sources.file = Some(File::load(&path)?);
        }
        let listen = sources.address(&LISTEN)?;
        let data_dir = sources.path(&DATA_DIR)?.ok_or(ConfigError::Missing {
            setting: DATA_DIR.name,
        })?;
        let database_url = match sources.text(&DATABASE_URL)? {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(&data_dir).map_err(|reason| ConfigError::DataDir {
                    path: data_dir.clone(),
                    reason,
                })?;
                format!("sqlite://{}", data_dir.join("ownpace.sqlite3").display())
            }
        };
        let letters = letter_settings(&sources)?;
        let web = ownpace_web::Config {
            letters,
            secure_cookies: sources.switch(&SECURE_COOKIES)?,
            session_hours: sources.whole(&SESSION_HOURS)?,
            session_idle_minutes: sources.whole(&SESSION_IDLE_MINUTES)?,
            inactive_days: sources.whole(&INACTIVE_DAYS)?,
            privacy_contact: sources.text(&PRIVACY_CONTACT)?,
            login_failures_per_address: sources.whole(&LOGIN_FAILURES_PER_ADDRESS)?,
            trusted_proxies: sources.ranges(&TRUSTED_PROXIES)?,
            guardians_see_answers: sources.switch(&GUARDIANS_SEE_ANSWERS)?,
            admins_need_two_factor: sources.switch(&ADMINS_NEED_TWO_FACTOR)?,
            retention_days_after_leaving: sources.whole(&RETENTION_DAYS_AFTER_LEAVING)?,
            consent: consent_policy(&sources)?,
            uploads: upload_limits(&sources)?,
            timezone: sources
                .text(&TIMEZONE)?
                .and_then(|name| ownpace_core::screen_time::SchoolZone::new(&name).ok())
                .unwrap_or_default(),
            ..ownpace_web::Config::default()
        };
        Ok(Settings {
            listen,
            data_dir,
            database_url,
            web,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    /// Values as if given by flags; built by hand so that the test process's environment
    /// cannot interfere (clap reads `OWNPACE_*` variables when it parses).
    fn flags(values: &[(&'static Setting, &str)]) -> (DatabaseArgs, ServerArgs) {
        let mut database = DatabaseArgs::default();
        let mut server = ServerArgs::default();
        for &(setting, value) in values {
            let given = Given {
                setting,
                value: value.to_string(),
                origin: Origin::Flag(setting.flag),
            };
            match setting.scope {
                Scope::Database => database.given.push(given),
                Scope::Server => server.given.push(given),
            }
        }
        (database, server)
    }

    fn resolve(values: &[(&'static Setting, &str)]) -> Result<Settings, ConfigError> {
        let (database, server) = flags(values);
        Settings::resolve(&database, Some(&server))
    }

    fn file(text: &str) -> tempfile::NamedTempFile {
        let file = tempfile::NamedTempFile::new().expect("temp file");
        std::fs::write(file.path(), text).expect("write settings");
        file
    }

    fn path_of(file: &tempfile::NamedTempFile) -> &str {
        file.path().to_str().expect("utf-8 path")
    }

    #[test]
    fn names_follow_one_pattern_and_defaults_are_valid() {
        for &s in SETTINGS {
            assert_eq!(s.flag, s.name.replace('_', "-"), "{}", s.name);
            assert_eq!(
                s.env,
                format!("OWNPACE_{}", s.name.to_uppercase()),
                "{}",
                s.name
            );
            if let Some(default) = s.default {
                assert!(
                    check(s, Raw::Text(default), &Origin::Default).is_ok(),
                    "{}'s default {default} is not valid",
                    s.name
                );
            }
        }
        let web = ownpace_web::Config::default();
        assert_eq!(SESSION_HOURS.default, Some(&*web.session_hours.to_string()));
        assert_eq!(INACTIVE_DAYS.default, Some(&*web.inactive_days.to_string()));
        assert_eq!(
            SESSION_IDLE_MINUTES.default,
            Some(&*web.session_idle_minutes.to_string())
        );
        assert_eq!(
            LOGIN_FAILURES_PER_ADDRESS.default,
            Some(&*web.login_failures_per_address.to_string())
        );
        assert_eq!(
            GUARDIANS_SEE_ANSWERS.default,
            Some(&*web.guardians_see_answers.to_string())
        );
        assert!(TRUSTED_PROXIES.default.is_none() && web.trusted_proxies.is_empty());
    }

    #[test]
    fn flags_are_made_from_the_declaration() {
        #[derive(Parser)]
        struct Cli {
            #[command(flatten)]
            database: DatabaseArgs,
            #[command(flatten)]
            server: ServerArgs,
        }
        let cli = Cli::try_parse_from([
            "ownpace",
            "--session-hours",
            "5",
            "--secure-cookies",
            "--data-dir",
            "d",
        ])
        .expect("flags parse");
        let given: Vec<(&str, &str, &Origin)> = cli
            .database
            .given
            .iter()
            .chain(&cli.server.given)
            .filter(|g| matches!(g.origin, Origin::Flag(_)))
            .map(|g| (g.setting.name, g.value.as_str(), &g.origin))
            .collect();
        assert!(given.contains(&("session_hours", "5", &Origin::Flag("session-hours"))));
        assert!(given.contains(&("secure_cookies", "true", &Origin::Flag("secure-cookies"))));
        assert!(given.contains(&("data_dir", "d", &Origin::Flag("data-dir"))));
        let unknown = Cli::try_parse_from(["ownpace", "--session-hour", "5"]);
        assert!(unknown.is_err(), "a misspelt flag is refused");
    }

    #[test]
    fn defaults_apply_when_nothing_is_given() {
        let dir = tempfile::tempdir().expect("temp dir");
        let data = dir.path().join("data");
        let settings =
            resolve(&[(&DATA_DIR, data.to_str().expect("utf-8 path"))]).expect("defaults resolve");
        assert_eq!(settings.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(settings.web.session_hours, 12);
        assert_eq!(settings.web.inactive_days, 7);
        assert!(!settings.web.secure_cookies);
        assert!(settings.database_url.ends_with("data/ownpace.sqlite3"));
        assert!(data.is_dir(), "the data folder is created");
    }

    #[test]
    fn flags_win_over_the_file_and_the_file_over_defaults() {
        let settings = file(
            "listen = \"127.0.0.1:9000\"\ndatabase_url = \"sqlite://from-file\"\n\
             session_hours = 24\ninactive_days = 3\nsecure_cookies = true\n",
        );
        let from_file = resolve(&[(&CONFIG, path_of(&settings))]).expect("file resolves");
        assert_eq!(from_file.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(from_file.database_url, "sqlite://from-file");
        assert_eq!(from_file.web.session_hours, 24);
        assert_eq!(from_file.web.inactive_days, 3);
        assert!(from_file.web.secure_cookies);

        let from_flags = resolve(&[
            (&CONFIG, path_of(&settings)),
            (&LISTEN, "127.0.0.1:9001"),
            (&SESSION_HOURS, "48"),
            (&DATABASE_URL, "sqlite://from-flag"),
            (&SECURE_COOKIES, "false"),
        ])
        .expect("flags resolve");
        assert_eq!(from_flags.listen.to_string(), "127.0.0.1:9001");
        assert_eq!(from_flags.web.session_hours, 48);
        assert_eq!(from_flags.database_url, "sqlite://from-flag");
        assert!(!from_flags.web.secure_cookies);
        assert_eq!(
            from_flags.web.inactive_days, 3,
            "the file still fills the rest"
        );
    }

    #[test]
    fn a_line_setting_is_trimmed_and_refuses_control_characters_and_length() {
        let url = (&DATABASE_URL, "sqlite://x");
        let ok = resolve(&[
            (&PRIVACY_CONTACT, "  Ms. Okafor, privacy@school.example "),
            url,
        ])
        .expect("a contact line resolves");
        assert_eq!(
            ok.web.privacy_contact.as_deref(),
            Some("Ms. Okafor, privacy@school.example")
        );
        let none = resolve(&[url]).expect("no contact is fine");
        assert_eq!(none.web.privacy_contact, None);
        let control = resolve(&[(&PRIVACY_CONTACT, "a\nb"), url]).expect_err("a newline");
        assert!(
            control.to_string().contains("privacy_contact")
                && control.to_string().contains("one line"),
            "{control}"
        );
        let long = "x".repeat(201);
        let too_long = resolve(&[(&PRIVACY_CONTACT, long.as_str()), url]).expect_err("201 bytes");
        assert_eq!(
            too_long.to_string(),
            "setting privacy_contact = 201 bytes (from flag --privacy-contact) is out of range: use one line, at most 200 bytes"
        );
    }

    #[test]
    fn out_of_range_values_name_the_setting_the_source_and_the_range() {
        let error = resolve(&[(&SESSION_HOURS, "0"), (&DATABASE_URL, "sqlite://x")])
            .expect_err("0 hours is refused");
        assert_eq!(
            error.to_string(),
            "setting session_hours = 0 (from flag --session-hours) is out of range: use 1 to 720"
        );

        let settings = file("inactive_days = 0\n");
        let path = path_of(&settings);
        let error = resolve(&[(&CONFIG, path), (&DATABASE_URL, "sqlite://x")])
            .expect_err("0 days is refused, not clamped");
        assert_eq!(
            error.to_string(),
            format!(
                "setting inactive_days = 0 (from settings file {path}:inactive_days) is out of range: use 1 to 365"
            )
        );

        let error = resolve(&[(&INACTIVE_DAYS, "many"), (&DATABASE_URL, "sqlite://x")])
            .expect_err("not a number");
        assert_eq!(
            error.to_string(),
            "setting inactive_days = \"many\" (from flag --inactive-days) is not valid: use 1 to 365"
        );
        let error = resolve(&[(&LISTEN, "nowhere"), (&DATABASE_URL, "sqlite://x")])
            .expect_err("not an address");
        assert!(error.to_string().contains("use ADDR:PORT"), "{error}");
    }

    #[test]
    fn upload_limits_default_to_5_20_50_mb_and_must_nest() {
        const MB: i64 = 1024 * 1024;
        let url = (&DATABASE_URL, "sqlite://x");
        let defaults = resolve(&[url]).expect("the defaults resolve");
        assert_eq!(
            defaults.web.uploads,
            ownpace_storage::FileQuota {
                max_file_bytes: 5 * MB,
                per_student_bytes: 20 * MB,
                per_group_bytes: 50 * MB,
            }
        );
        assert_eq!(defaults.web.uploads, ownpace_web::Config::default().uploads);
        let smaller = resolve(&[(&UPLOAD_FILE_MB, "1"), url]).expect("1 MB resolves");
        assert_eq!(smaller.web.uploads.max_file_bytes, MB);
        assert_eq!(smaller.web.uploads.per_group_bytes, 50 * MB);

        let error = resolve(&[(&UPLOAD_FILE_MB, "30"), url]).expect_err("a file above the quota");
        assert_eq!(
            error.to_string(),
            "setting upload_file_mb = 30 (from flag --upload-file-mb) is larger than upload_student_mb = 20 (from the default): use per-file ≤ per-student ≤ per-group (upload_file_mb ≤ upload_student_mb ≤ upload_group_mb)"
        );
        let settings = file("upload_group_mb = 10\n");
        let path = path_of(&settings);
        let error = resolve(&[(&CONFIG, path), url]).expect_err("a student above the group");
        assert_eq!(
            error.to_string(),
            format!(
                "setting upload_student_mb = 20 (from the default) is larger than upload_group_mb = 10 (from settings file {path}:upload_group_mb): use per-file ≤ per-student ≤ per-group (upload_file_mb ≤ upload_student_mb ≤ upload_group_mb)"
            )
        );
        let error = resolve(&[(&UPLOAD_STUDENT_MB, "0"), url]).expect_err("zero");
        assert_eq!(
            error.to_string(),
            "setting upload_student_mb = 0 (from flag --upload-student-mb) is out of range: use 1 to 10240"
        );
    }

    #[test]
    fn trusted_proxies_are_addresses_or_ranges() {
        let settings = resolve(&[
            (&TRUSTED_PROXIES, "10.0.0.0/8, ::1"),
            (&DATABASE_URL, "sqlite://x"),
        ])
        .expect("ranges resolve");
        assert_eq!(settings.web.trusted_proxies.len(), 2);
        assert!(!settings.web.guardians_see_answers, "off by default");
        let error = resolve(&[
            (&TRUSTED_PROXIES, "proxy.school.example"),
            (&DATABASE_URL, "sqlite://x"),
        ])
        .expect_err("a host name is not an address");
        assert!(
            error
                .to_string()
                .contains("use IP addresses or CIDR ranges, comma-separated"),
            "{error}"
        );
    }

    #[test]
    fn the_file_refuses_unknown_keys_wrong_types_and_long_values() {
        let settings = file("session_hour = 3\n");
        let error = resolve(&[(&CONFIG, path_of(&settings))]).expect_err("unknown key");
        let message = error.to_string();
        assert!(message.contains("unknown key `session_hour`"), "{message}");
        assert!(message.contains("session_hours"), "{message}");
        assert!(!message.contains("config"), "{message}");

        let settings = file("secure_cookies = \"yes\"\n");
        let error = resolve(&[(&CONFIG, path_of(&settings)), (&DATABASE_URL, "sqlite://x")])
            .expect_err("a string is not a switch");
        assert!(error.to_string().contains("use true or false"), "{error}");

        let settings = file("session_hours = \"12\"\n");
        let error = resolve(&[(&CONFIG, path_of(&settings)), (&DATABASE_URL, "sqlite://x")])
            .expect_err("a string is not a number in TOML");
        assert!(matches!(error, ConfigError::Invalid { .. }), "{error}");

        let long = format!("database_url = \"{}\"\n", "x".repeat(MAX_VALUE_BYTES + 1));
        let settings = file(&long);
        let error = resolve(&[(&CONFIG, path_of(&settings))]).expect_err("too long");
        assert!(matches!(error, ConfigError::TooLong { .. }), "{error}");
    }
}

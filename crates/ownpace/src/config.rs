//! Where Ownpace listens and keeps its data, from flags, environment and an optional
//! TOML file (`--config`), in that order of precedence.

use anyhow::{Context, bail};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// The settings file. Every key is optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub session_hours: Option<i64>,
    pub inactive_days: Option<i64>,
}

impl FileSettings {
    pub fn load(path: &Path) -> anyhow::Result<FileSettings> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the settings file {}", path.display()))?;
        toml::from_str(&text).map_err(|e| {
            anyhow::anyhow!(
                "{}: {}\nKnown keys: listen, data_dir, database_url, secure_cookies, session_hours, inactive_days",
                path.display(),
                e
            )
        })
    }
}

/// Resolved settings of a command that opens the database.
#[derive(Debug, Clone)]
pub struct Settings {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: String,
    pub web: ownpace_web::Config,
}

/// Flag or environment values (already merged by clap) on top of the file.
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub secure_cookies: bool,
    pub config: Option<PathBuf>,
}

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
pub const DEFAULT_DATA_DIR: &str = "ownpace-data";

impl Settings {
    pub fn resolve(overrides: Overrides) -> anyhow::Result<Settings> {
        let file = match &overrides.config {
            Some(path) => FileSettings::load(path)?,
            None => FileSettings::default(),
        };
        let listen_text = overrides
            .listen
            .or(file.listen)
            .unwrap_or_else(|| DEFAULT_LISTEN.into());
        let listen: SocketAddr = listen_text.parse().with_context(|| {
            format!("listen address `{listen_text}` is not ADDR:PORT (for example 127.0.0.1:8080)")
        })?;
        let data_dir = overrides
            .data_dir
            .or(file.data_dir)
            .unwrap_or_else(|| DEFAULT_DATA_DIR.into());
        let database_url = match overrides.database_url.or(file.database_url) {
            Some(url) => url,
            None => {
                std::fs::create_dir_all(&data_dir).with_context(|| {
                    format!("cannot create the data folder {}", data_dir.display())
                })?;
                format!("sqlite://{}", data_dir.join("ownpace.sqlite3").display())
            }
        };
        let mut web = ownpace_web::Config {
            secure_cookies: overrides.secure_cookies || file.secure_cookies.unwrap_or(false),
            ..ownpace_web::Config::default()
        };
        if let Some(hours) = file.session_hours {
            if !(1..=24 * 30).contains(&hours) {
                bail!("session_hours must be between 1 and 720, not {hours}");
            }
            web.session_hours = hours;
        }
        if let Some(days) = file.inactive_days {
            web.inactive_days = days.max(1);
        }
        Ok(Settings {
            listen,
            data_dir,
            database_url,
            web,
        })
    }
}

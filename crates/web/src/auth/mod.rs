//! Who is asking: passwords, sessions, CSRF tokens and login throttling.
//!
//! - Passwords are hashed with Argon2id at the OWASP parameters (m = 19 MiB, t = 2, p = 1),
//!   on a blocking thread since one hash takes tens of milliseconds.
//! - A session is a 256-bit random token. The browser keeps it in an HttpOnly, SameSite
//!   cookie; API clients send it as a bearer token. The database stores only its SHA-256,
//!   so a leaked backup holds no usable session. Logging in always issues a new token.
//! - Every session has its own CSRF token, required in every state-changing form. The
//!   login form, which has no session yet, uses a double-submit cookie instead.
//! - Failed logins are counted per username in the database (so several server processes
//!   share the count); past the limit, the username is refused until the window passes.
//! - [`guard`] runs before every route and hands handlers what it proved.

pub mod guard;

use crate::{AppState, WebError};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ownpace_storage::{Session, User};
use sha2::{Digest, Sha256};

pub const SESSION_COOKIE: &str = "ownpace_session";
pub const LOGIN_CSRF_COOKIE: &str = "ownpace_login_csrf";

/// Hashes a password with Argon2id (PHC string format).
pub async fn hash_password(password: String) -> Result<String, WebError> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|hash| hash.to_string())
            .map_err(|e| WebError::Internal(format!("password hashing failed: {e}")))
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
}

/// Checks a password against a stored PHC string. A malformed stored hash never matches.
pub async fn verify_password(password: String, stored: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A fresh random token, URL-safe base64 of 32 bytes.
pub fn random_token() -> Result<String, WebError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The letters of a set-up code: digits and capitals without 0, 1, I and O, which people
/// mistake for each other when they type a code from paper.
const CODE_ALPHABET: &[u8; 32] = b"23456789ABCDEFGHJKLMNPQRSTUVWXYZ";

/// A fresh one-time set-up code, `XXXX-XXXX-XXXX` (60 random bits: with codes that expire
/// in days, guessing one is out of reach).
pub fn setup_code() -> Result<String, WebError> {
    let mut bytes = [0u8; 12];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    let letters: Vec<char> = bytes
        .iter()
        .map(|b| char::from(CODE_ALPHABET[usize::from(b % 32)]))
        .collect();
    Ok(letters
        .chunks(4)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-"))
}

/// The stored form of a set-up code as someone typed it: capitals, without dashes or
/// spaces, hashed.
pub fn setup_code_hash(typed: &str) -> String {
    let normal: String = typed
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    token_hash(&format!("setup:{normal}"))
}

pub fn token_hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The signed-in person of a request, put into request extensions by the policy guard.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: User,
    pub csrf_token: String,
    /// Hash of the session token (to end the session at logout).
    pub token_hash: String,
}

impl From<(Session, String)> for CurrentUser {
    fn from((session, token_hash): (Session, String)) -> Self {
        CurrentUser {
            user: session.user,
            csrf_token: session.csrf_token,
            token_hash,
        }
    }
}

/// Finds the session of a request: the session cookie, or for API calls a bearer token.
pub async fn session_of(
    state: &AppState,
    headers: &HeaderMap,
    api: bool,
) -> Result<Option<CurrentUser>, WebError> {
    let token = if api {
        headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string)
    } else {
        cookie_value(headers, SESSION_COOKIE)
    };
    let Some(token) = token else { return Ok(None) };
    let hash = token_hash(&token);
    Ok(state
        .store
        .session(&hash, state.now())
        .await?
        .map(|s| (s, hash).into()))
}

pub fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(cookie::Cookie::split_parse)
        .filter_map(Result::ok)
        .find(|c| c.name() == name)
        .map(|c| c.value().to_string())
}

/// Whether cookies for this request must be `Secure`.
pub fn secure_request(state: &AppState, headers: &HeaderMap) -> bool {
    state.config.secure_cookies
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.eq_ignore_ascii_case("https"))
}

/// A `Set-Cookie` value. `max_age_seconds = 0` deletes the cookie.
pub fn set_cookie(name: &str, value: &str, max_age_seconds: i64, secure: bool) -> HeaderValue {
    let cookie = cookie::Cookie::build((name, value))
        .path("/")
        .http_only(true)
        .same_site(cookie::SameSite::Lax)
        .secure(secure)
        .max_age(time::Duration::seconds(max_age_seconds))
        .build();
    HeaderValue::from_str(&cookie.to_string()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Why a login did not succeed.
pub enum LoginRefused {
    BadCredentials,
    Throttled { minutes: i64 },
}

/// Checks credentials with throttling and, on success, opens a new session.
/// Returns the user and the new (unhashed) session token.
pub async fn login(
    state: &AppState,
    username: &str,
    password: &str,
) -> Result<Result<(User, String), LoginRefused>, WebError> {
    let now = state.now();
    let window_start = now - state.config.throttle_minutes * 60_000;
    let failures = state
        .store
        .login_failures_since(username, window_start)
        .await?;
    if failures >= state.config.max_failed_logins {
        return Ok(Err(LoginRefused::Throttled {
            minutes: state.config.throttle_minutes,
        }));
    }
    let credentials = state.store.credentials(username).await?;
    // Verify against a fixed hash when the user does not exist, so timing says nothing.
    let (user, stored) = match credentials {
        Some((user, hash)) if !user.disabled => (Some(user), hash),
        _ => (None, DUMMY_HASH.to_string()),
    };
    let ok = verify_password(password.to_string(), stored).await;
    let Some(user) = user.filter(|_| ok) else {
        state.store.record_login_failure(username, now).await?;
        return Ok(Err(LoginRefused::BadCredentials));
    };
    state.store.clear_login_failures(username).await?;
    let token = random_token()?;
    let csrf = random_token()?;
    let expires = now + state.config.session_hours * 3_600_000;
    state
        .store
        .create_session(&token_hash(&token), &user.id, &csrf, now, expires)
        .await?;
    Ok(Ok((user, token)))
}

/// Argon2id hash of a random password nobody knows, used to spend the same time on
/// unknown usernames as on known ones.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$9sTbSlTio3Biev89thdrlKKiCaYsjjYVJxGAL3swxpQ";

/// Compares two tokens in constant time.
pub fn tokens_match(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |acc, (x, y)| acc | (x ^ y))
            == 0
}

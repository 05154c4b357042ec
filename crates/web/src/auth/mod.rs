//! Who is asking: passwords, sessions, CSRF tokens and login throttling.
//!
//! - Passwords are hashed with Argon2id at the OWASP parameters (m = 19 MiB, t = 2, p = 1),
//!   on a blocking thread since one hash takes tens of milliseconds.
//! - A session is a 256-bit random token. The browser keeps it in an HttpOnly, SameSite
//!   cookie; API clients send it as a bearer token. The database stores only its SHA-256,
//!   so a leaked backup holds no usable session. Logging in always issues a new token.
//! - Every session has its own CSRF token, required in every state-changing form. The
//!   login form, which has no session yet, uses a double-submit cookie whose token the
//!   server signed ([`signing`]), so a pair the client made up is refused.
//! - Failed logins are counted in the database (so several server processes share the
//!   count), atomically, per address and per account, with growing delays rather than a
//!   lock-out ([`throttle`]).
//! - [`guard`] runs before every route and hands handlers what it proved.

pub mod address;
pub mod guard;
pub mod passwords;
pub mod signing;
pub mod throttle;
pub mod two_factor;

use crate::{AppState, WebError};
use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ownpace_core::ids::UserId;
use ownpace_storage::{Session, StaffAction, User};
use sha2::{Digest, Sha256};
use std::net::IpAddr;

pub const SESSION_COOKIE: &str = "ownpace_session";
pub const LOGIN_CSRF_COOKIE: &str = "ownpace_login_csrf";
/// The purpose the login form's token is signed under.
pub const LOGIN_FORM: &str = "login-form";
/// A browser's proof that it signed in to an account before (see [`throttle`]).
pub const DEVICE_COOKIE: &str = "ownpace_device";

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
    /// An admin reset the password: nothing but choosing a new one until it is done.
    pub must_change_password: bool,
    /// Two-factor sign-in is on for this account.
    pub two_factor: bool,
}

impl From<(Session, String)> for CurrentUser {
    fn from((session, token_hash): (Session, String)) -> Self {
        CurrentUser {
            user: session.user,
            csrf_token: session.csrf_token,
            token_hash,
            must_change_password: session.must_change_password,
            two_factor: session.two_factor,
        }
    }
}

/// How often a session's last use is written (it decides the idle timeout to the minute).
const TOUCH_EVERY_MS: i64 = 60_000;

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
    if token.len() > 128 {
        return Ok(None);
    }
    let hash = token_hash(&token);
    let now = state.now();
    let idle_since = now - state.config.session_idle_minutes * 60_000;
    let Some(session) = state.store.session(&hash, now, idle_since).await? else {
        return Ok(None);
    };
    if now - session.last_seen_at >= TOUCH_EVERY_MS {
        state.store.touch_session(&hash, now).await?;
    }
    Ok(Some((session, hash).into()))
}

/// A short description of the browser a session was opened from ("Firefox on Windows"),
/// for the owner's session list; never the whole User-Agent.
pub fn describe_device(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent else {
        return "an unnamed client".into();
    };
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"),
        ("Safari/", "Safari"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map_or("a browser", |(_, name)| name);
    let system = [
        ("Windows", "Windows"),
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("CrOS", "ChromeOS"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(marker, _)| agent.contains(marker))
    .map(|(_, name)| *name);
    match system {
        Some(system) => format!("{browser} on {system}"),
        None => browser.to_string(),
    }
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
    /// Too many failed attempts from this address or for this account: not checked.
    Throttled {
        retry_after_seconds: i64,
    },
    /// The password was right; the account signs in with a second factor too. `pending`
    /// carries that on to the code form (`two_factor::pending_token`).
    SecondFactorNeeded {
        pending: String,
    },
    /// The second factor given with the password was not right (or was used before).
    SecondFactorWrong,
}

/// One sign-in attempt as it arrived.
pub struct LoginAttempt<'a> {
    pub username: &'a str,
    pub password: &'a str,
    pub address: IpAddr,
    /// The trusted-device cookie the browser sent, if any.
    pub device: Option<&'a str>,
    /// What the session list will call this client ([`describe_device`]).
    pub client: String,
    /// A second-factor code sent with the password (the API); pages ask for it after.
    pub second_factor: Option<&'a str>,
}

/// A successful sign-in.
pub struct SignedInNow {
    pub user: User,
    /// The new session's token (unhashed: it goes into the cookie or the API answer).
    pub token: String,
    /// A trusted-device token for this browser and account (see [`throttle`]).
    pub device: String,
}

/// Checks credentials with throttling (see [`throttle`]) and, on success, opens a new
/// session. Usernames and passwords longer than any account can have are refused before
/// anything about them is stored or hashed.
pub async fn login(
    state: &AppState,
    attempt: LoginAttempt<'_>,
) -> Result<Result<SignedInNow, LoginRefused>, WebError> {
    let now = state.now();
    let signer = state.signer().await?;
    let counters = throttle::Counters::new(&signer, &attempt);
    let address = Some(attempt.address);
    let failed = |subject: Option<UserId>, why: &'static str| async move {
        crate::audit::staff_counted(
            state,
            StaffAction::SignInFailed,
            None,
            subject.as_ref(),
            why,
            address,
        )
        .await
    };
    if let Some(refused) = counters.charge_address(state, now).await? {
        failed(None, "refused: too many failed sign-ins from this address").await?;
        return Ok(Err(refused));
    }
    let oversized = attempt.username.len() > throttle::MAX_USERNAME_BYTES
        || attempt.password.len() > throttle::MAX_PASSWORD_BYTES;
    let credentials = if oversized {
        None
    } else {
        state.store.credentials(attempt.username).await?
    };
    let account = credentials.as_ref().map(|(user, _)| user.id.as_str());
    let counter = counters.for_account(&signer, account, attempt.device);
    let known = credentials.as_ref().map(|(user, _)| user.id.clone());
    if !oversized && let Some(refused) = counters.charge(state, &counter, now).await? {
        counters.refund_address(state).await?;
        failed(known, "refused: too many failed sign-ins, waiting").await?;
        return Ok(Err(refused));
    }
    // Verify against a fixed hash when the user does not exist, so timing says nothing.
    let (user, stored) = match credentials {
        Some((user, hash)) if !user.disabled => (Some(user), hash),
        _ => (None, DUMMY_HASH.to_string()),
    };
    let password = if oversized { "" } else { attempt.password };
    let ok = verify_password(password.to_string(), stored).await;
    let disabled = user.is_none() && known.is_some();
    let Some(user) = user.filter(|_| ok && !oversized) else {
        let why = if oversized {
            "a username or password longer than allowed"
        } else if known.is_none() {
            "no account has that username"
        } else if disabled {
            "the account is disabled"
        } else {
            "wrong password"
        };
        failed(known, why).await?;
        return Ok(Err(LoginRefused::BadCredentials));
    };
    counters.refund_address(state).await?;
    // Staff with two-factor sign-in owe a code; the account's charge stays until it comes.
    if two_factor::for_role(user.role)
        && let Some(enrolled) = state.store.two_factor(user.id.as_str()).await?
        && enrolled.confirmed_at.is_some()
    {
        let Some(code) = attempt.second_factor else {
            let pending = two_factor::pending_token(&signer, user.id.as_str(), now);
            return Ok(Err(LoginRefused::SecondFactorNeeded { pending }));
        };
        if !second_factor_is_right(state, user.id.as_str(), &enrolled, code, now).await? {
            failed(Some(user.id.clone()), "wrong second-factor code").await?;
            return Ok(Err(LoginRefused::SecondFactorWrong));
        }
    }
    state.store.reset_login_throttle(&counter).await?;
    crate::audit::staff(
        state,
        StaffAction::SignIn,
        Some(&user.id),
        Some(&user.id),
        &attempt.client,
        address,
    )
    .await?;
    Ok(Ok(
        open_session(state, &signer, user, &attempt.client).await?
    ))
}

/// Checks a second factor: a TOTP code (each time step once) or an unused recovery code.
pub async fn second_factor_is_right(
    state: &AppState,
    user_id: &str,
    enrolled: &ownpace_storage::TwoFactor,
    code: &str,
    now: i64,
) -> Result<bool, WebError> {
    if code.len() > 64 {
        return Ok(false);
    }
    match two_factor::check_code(&enrolled.secret, code, now) {
        Some(step) => Ok(state
            .store
            .accept_two_factor_step(user_id, step, None)
            .await?),
        None => Ok(state
            .store
            .use_recovery_code(user_id, &two_factor::recovery_hash(code), now)
            .await?),
    }
}

/// Opens a new session for `user` (after every factor was checked).
pub async fn open_session(
    state: &AppState,
    signer: &signing::Signer,
    user: User,
    client: &str,
) -> Result<SignedInNow, WebError> {
    let now = state.now();
    let token = random_token()?;
    let csrf = random_token()?;
    let expires = now + state.config.session_hours * 3_600_000;
    state
        .store
        .create_session(&token_hash(&token), &user.id, &csrf, now, expires, client)
        .await?;
    let device = signer.token(throttle::DEVICE, &[user.id.as_str()])?;
    Ok(SignedInNow {
        user,
        token,
        device,
    })
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

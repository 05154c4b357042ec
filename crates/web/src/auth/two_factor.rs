//! Two-factor sign-in for staff (teachers and admins): TOTP codes (RFC 6238: SHA-1,
//! 6 digits, 30-second steps, one step of clock drift either way, via `totp-rs`) from an
//! authenticator app, or one of ten single-use recovery codes.
//!
//! - The secret is 160 random bits, shown once as base32 (and as an `otpauth://` link)
//!   while enrolling, and confirmed by a first code. Each time step is accepted once.
//! - Recovery codes carry 120 random bits each (24 base32 letters), are shown once, and
//!   are stored only as SHA-256 (ASVS 6.5.2: a plain hash suffices from 112 bits).
//! - After the password, the sign-in waits for the code with a signed, five-minute
//!   `pending` token (`NONCE`-free: user id, time and signature); wrong codes are charged
//!   to the account's login counter like wrong passwords.

use super::signing::Signer;
use crate::WebError;
use base64::Engine as _;
use ownpace_storage::Role;
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};

/// How long the code form stays valid after the password was right.
pub const PENDING_MS: i64 = 5 * 60_000;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;
const PENDING: &str = "second-factor";

/// Whether the role signs in with a second factor when it has one: staff only.
pub fn for_role(role: Role) -> bool {
    matches!(role, Role::Teacher | Role::Admin)
}

fn random_bytes<const N: usize>() -> Result<[u8; N], WebError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| WebError::Internal(format!("no randomness: {e}")))?;
    Ok(bytes)
}

/// A new secret, base32.
pub fn new_secret() -> Result<String, WebError> {
    Ok(Secret::from(random_bytes::<20>()?.to_vec()).to_base32())
}

fn totp(secret: &str) -> Option<Totp> {
    let secret = Secret::try_from_base32(secret).ok()?;
    Builder::new().with_secret(secret).build().ok()
}

/// The step of a code valid at `now_ms` for `secret` (one step of drift either way).
pub fn check_code(secret: &str, code: &str, now_ms: i64) -> Option<i64> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if code.len() != 6 || !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = u64::try_from(now_ms / 1000).ok()?;
    totp(secret)?
        .check(&code, now)
        .and_then(|step| i64::try_from(step).ok())
}

/// The code an authenticator app shows at `now_ms` (for tests and the enrolment check).
pub fn code_at(secret: &str, now_ms: i64) -> Option<String> {
    let now = u64::try_from(now_ms / 1000).ok()?;
    Some(totp(secret)?.generate(now).to_string())
}

/// The `otpauth://` link an authenticator app reads (typed or pasted; no QR image).
pub fn otpauth_link(secret: &str, username: &str) -> String {
    let label = crate::layout::url_encode(&format!("Ownpace:{username}"));
    format!(
        "otpauth://totp/{label}?secret={secret}&issuer=Ownpace&algorithm=SHA1&digits=6&period=30"
    )
}

/// New recovery codes (shown once) and their hashes (stored).
pub fn new_recovery_codes() -> Result<(Vec<String>, Vec<String>), WebError> {
    let mut codes = Vec::new();
    for _ in 0..RECOVERY_CODES {
        let raw = Secret::from(random_bytes::<15>()?.to_vec())
            .to_base32()
            .to_lowercase();
        let grouped: Vec<String> = raw
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        codes.push(grouped.join("-"));
    }
    let hashes = codes.iter().map(|c| recovery_hash(c)).collect();
    Ok((codes, hashes))
}

/// The stored form of a recovery code, however it was typed (case, dashes, spaces).
pub fn recovery_hash(code: &str) -> String {
    let normal: String = code
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Sha256::digest(normal.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A token saying `user` gave the right password at `at` and owes a second factor.
pub fn pending_token(signer: &Signer, user: &str, at: i64) -> String {
    let at = at.to_string();
    let body = format!("{user}.{at}");
    let signature = signer.sign(PENDING, &[user, &at]);
    format!(
        "{}.{signature}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(body)
    )
}

/// The user id of a pending token that is genuine and younger than [`PENDING_MS`].
pub fn pending_user(signer: &Signer, token: &str, now: i64) -> Option<String> {
    let (body, signature) = token.split_once('.')?;
    let body = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(body)
        .ok()?;
    let body = String::from_utf8(body).ok()?;
    let (user, at) = body.rsplit_once('.')?;
    let time: i64 = at.parse().ok()?;
    (signer.verify(PENDING, &[user, at], signature) && (0..PENDING_MS).contains(&(now - time)))
        .then(|| user.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_checked_with_one_step_of_drift() {
        let secret = new_secret().unwrap();
        assert_eq!(secret.len(), 32, "160 bits in base32");
        let now = 1_800_000_000_000;
        let code = code_at(&secret, now).unwrap();
        let step = check_code(&secret, &code, now).unwrap();
        assert_eq!(step, now / 30_000);
        assert_eq!(
            check_code(&secret, &code, now + 30_000),
            Some(step),
            "drift"
        );
        assert_eq!(check_code(&secret, &code, now + 90_000), None, "too late");
        assert_eq!(check_code(&secret, "12345", now), None);
        assert_eq!(check_code(&secret, &format!("{} ", code), now), Some(step));
        assert!(
            otpauth_link(&secret, "rivera").starts_with("otpauth://totp/Ownpace%3Arivera?secret=")
        );
    }

    #[test]
    fn recovery_codes_and_pending_tokens() {
        let (codes, hashes) = new_recovery_codes().unwrap();
        assert_eq!(codes.len(), RECOVERY_CODES);
        assert_eq!(codes[0].len(), 24 + 5, "six groups of four");
        assert_eq!(
            recovery_hash(&codes[0].to_uppercase().replace('-', " ")),
            hashes[0]
        );
        let signer = Signer::new(&[3; 32]).unwrap();
        let token = pending_token(&signer, "user-1", 1_000);
        assert_eq!(
            pending_user(&signer, &token, 2_000).as_deref(),
            Some("user-1")
        );
        assert_eq!(
            pending_user(&signer, &token, 1_000 + PENDING_MS),
            None,
            "expired"
        );
        let other = Signer::new(&[4; 32]).unwrap();
        assert_eq!(pending_user(&other, &token, 2_000), None);
    }
}

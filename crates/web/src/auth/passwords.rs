//! What a new password must be (NIST SP 800-63B, §3.1.1.2): at least 12 characters
//! once surrounding spaces are trimmed, at most 1,024 bytes, not one of the common
//! passwords of a shipped list (`data/common-passwords.txt`, from Django: see
//! `data/README.md`), nor the account's username or Ownpace's published demo password.
//! No composition rules (no "one digit and one symbol"): length and the list do the work.
//!
//! The rules apply whenever a password is *set* (a new account, a change, an admin's
//! reset, `ownpace users add` / `users passwd`); signing in checks only the hash, so the
//! demo school's `ownpace-demo` keeps working.

use crate::WebError;
use std::collections::HashSet;
use std::sync::LazyLock;

/// The shortest password accepted, in characters after trimming.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest password accepted, in bytes.
pub const MAX_PASSWORD_BYTES: usize = super::throttle::MAX_PASSWORD_BYTES;

const COMMON_LIST: &str = include_str!("../../data/common-passwords.txt");

/// Context words no password may be: Ownpace's own published demo password.
const CONTEXT: &[&str] = &["ownpace-demo"];

/// The list, lowercased (a few of its lines are not) for a case-insensitive check.
static COMMON: LazyLock<HashSet<String>> = LazyLock::new(|| {
    COMMON_LIST
        .lines()
        .map(|l| l.trim().to_lowercase())
        .filter(|l| !l.is_empty())
        .collect()
});

/// Checks a new password for the account `username`; the message says what to change.
pub fn check_new_password(password: &str, username: &str) -> Result<(), WebError> {
    let trimmed = password.trim();
    if trimmed.chars().count() < MIN_PASSWORD_CHARS {
        return Err(WebError::BadRequest(format!(
            "password: at least {MIN_PASSWORD_CHARS} characters (a few words make a good one)"
        )));
    }
    if password.len() > MAX_PASSWORD_BYTES {
        return Err(WebError::BadRequest(format!(
            "password: at most {MAX_PASSWORD_BYTES} bytes"
        )));
    }
    let lower = trimmed.to_lowercase();
    if COMMON.contains(&lower) || CONTEXT.contains(&lower.as_str()) {
        return Err(WebError::BadRequest(
            "password: this one is on a list of common passwords: choose another".into(),
        ));
    }
    if !username.is_empty() && lower.contains(&username.to_lowercase()) {
        return Err(WebError::BadRequest(
            "password: must not contain the username".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sha2::{Digest, Sha256};

    #[test]
    fn the_shipped_list_is_the_documented_file() {
        assert_eq!(COMMON_LIST.lines().count(), 19_640);
        let digest: String = Sha256::digest(COMMON_LIST.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            digest, "29ca0fa5303165f012f3e9775e3e95a3071cdd59f219973ec1cbb308d0214a6f",
            "update data/README.md with the new origin and checksum"
        );
    }

    #[test]
    fn nist_rules_without_composition_rules() {
        // Long enough, not common: accepted, whatever characters it has.
        assert!(check_new_password("correct horse battery", "ana").is_ok());
        assert!(
            check_new_password("aaaaaaaaaaaaaaaa", "ana").is_ok(),
            "no composition rules"
        );
        assert!(
            check_new_password("        ten chars!        ", "x").is_err(),
            "trimmed"
        );
        assert!(check_new_password("elevenchars", "ana").is_err());
        assert!(
            check_new_password(&"é".repeat(12), "ana").is_ok(),
            "characters, not bytes"
        );
        assert!(check_new_password(&"x".repeat(1_025), "ana").is_err());
        // On the list (any case), the demo password, the username.
        let listed = COMMON
            .iter()
            .find(|p| p.chars().count() >= MIN_PASSWORD_CHARS)
            .unwrap();
        assert!(check_new_password(listed, "ana").is_err(), "{listed}");
        assert!(check_new_password(&listed.to_uppercase(), "ana").is_err());
        assert!(
            check_new_password("q1w2e3r4t5y6", "ana").is_err(),
            "listed as Q1w2e3r4t5y6"
        );
        assert!(check_new_password("ownpace-demo", "ana").is_err());
        assert!(check_new_password("my name is rivera-2026", "rivera").is_err());
    }
}

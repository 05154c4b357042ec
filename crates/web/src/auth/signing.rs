//! Values the server signs with its per-install secret, so a client can hand them back
//! but cannot make them up: the login form's token, the time a page was served, a
//! trusted-device cookie, and the names of the login throttle's counters.
//!
//! The secret is 256 random bits stored in the database (`server_secrets`), made by the
//! first server that starts and shared by every server process of the school. Each use
//! signs under its own purpose, so a value signed for one use is worthless for another.

use crate::WebError;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

type HmacSha256 = Hmac<Sha256>;

/// The server's signing key.
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Signer(…)")
    }
}

impl Signer {
    pub fn new(key: &[u8]) -> Result<Signer, WebError> {
        if key.len() < 32 {
            return Err(WebError::Internal(
                "the stored server secret is too short".into(),
            ));
        }
        Ok(Signer { key: key.to_vec() })
    }

    fn mac(&self, purpose: &str, parts: &[&str]) -> HmacSha256 {
        // A fixed-size key never fails; the fallback keeps this total.
        let mut mac = HmacSha256::new_from_slice(&self.key)
            .unwrap_or_else(|_| HmacSha256::new_from_slice(&[0; 32]).expect("fixed key"));
        // Length-prefixed, so ("ab", "c") and ("a", "bc") sign differently.
        for part in std::iter::once(purpose).chain(parts.iter().copied()) {
            mac.update(&(part.len() as u64).to_be_bytes());
            mac.update(part.as_bytes());
        }
        mac
    }

    /// The signature of `parts` for `purpose`, URL-safe base64.
    pub fn sign(&self, purpose: &str, parts: &[&str]) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(purpose, parts).finalize().into_bytes())
    }

    /// Whether `signature` is [`Signer::sign`] of `parts` (in constant time).
    pub fn verify(&self, purpose: &str, parts: &[&str], signature: &str) -> bool {
        let Ok(bytes) = URL_SAFE_NO_PAD.decode(signature) else {
            return false;
        };
        self.mac(purpose, parts).verify_slice(&bytes).is_ok()
    }

    /// A fixed-length name for `parts` (64 hex digits), for counters that must not store
    /// what they count.
    pub fn name(&self, purpose: &str, parts: &[&str]) -> String {
        self.mac(purpose, parts)
            .finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// A token `NONCE.SIGNATURE` for `purpose`, bound to `context`.
    pub fn token(&self, purpose: &str, context: &[&str]) -> Result<String, WebError> {
        let nonce = super::random_token()?;
        let mut parts = vec![nonce.as_str()];
        parts.extend_from_slice(context);
        Ok(format!("{nonce}.{}", self.sign(purpose, &parts)))
    }

    /// Whether `token` was made by [`Signer::token`] for `purpose` and `context`.
    pub fn token_is_valid(&self, purpose: &str, context: &[&str], token: &str) -> bool {
        let Some((nonce, signature)) = token.split_once('.') else {
            return false;
        };
        if nonce.len() < 32 || nonce.len() > 64 {
            return false;
        }
        let mut parts = vec![nonce];
        parts.extend_from_slice(context);
        self.verify(purpose, &parts, signature)
    }

    /// A stamp `TIME.SIGNATURE` saying this server served `subject` to `user` at `at`.
    pub fn stamp(&self, user: &str, subject: &str, at: i64) -> String {
        let at = at.to_string();
        format!("{at}.{}", self.sign("served", &[user, subject, &at]))
    }

    /// The time in a stamp made by [`Signer::stamp`] for `user` and `subject`, if genuine.
    pub fn stamped_at(&self, user: &str, subject: &str, stamp: &str) -> Option<i64> {
        let (at, signature) = stamp.split_once('.')?;
        let time: i64 = at.parse().ok()?;
        self.verify("served", &[user, subject, at], signature)
            .then_some(time)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_bind_purpose_parts_and_key() {
        let signer = Signer::new(&[7; 32]).unwrap();
        let other = Signer::new(&[8; 32]).unwrap();
        let token = signer.token("login-form", &[]).unwrap();
        assert!(signer.token_is_valid("login-form", &[], &token));
        assert!(
            !other.token_is_valid("login-form", &[], &token),
            "another install"
        );
        assert!(
            !signer.token_is_valid("device", &[], &token),
            "another purpose"
        );
        let (nonce, _) = token.split_once('.').unwrap();
        assert!(!signer.token_is_valid("login-form", &[], &format!("{nonce}.AAAA")));
        assert!(!signer.token_is_valid("login-form", &[], &"x".repeat(43)));
        assert_ne!(
            signer.sign("p", &["ab", "c"]),
            signer.sign("p", &["a", "bc"])
        );
        assert_eq!(signer.name("t", &["ana"]).len(), 64);

        let stamp = signer.stamp("u1", "item:a", 1_000);
        assert_eq!(signer.stamped_at("u1", "item:a", &stamp), Some(1_000));
        assert_eq!(
            signer.stamped_at("u2", "item:a", &stamp),
            None,
            "another user"
        );
        assert_eq!(
            signer.stamped_at("u1", "item:b", &stamp),
            None,
            "another item"
        );
        let forged = stamp.replacen("1000", "-9223372036854775808", 1);
        assert_eq!(signer.stamped_at("u1", "item:a", &forged), None);
        assert!(Signer::new(&[1; 8]).is_err());
    }
}

//! The login throttle: how many password checks an address and an account may have.
//!
//! - **Counted before checked.** An attempt is charged to its counters in the database
//!   *before* its password is checked, by one conditional `UPDATE` per counter
//!   (`Store::charge_login_attempt`), so any number of concurrent attempts cannot get more
//!   checks than the limit allows; a successful sign-in gives its charge back.
//! - **Per address**, a plain limit per window (`login_failures_per_address`, 15-minute
//!   windows): generous, because a whole school may sit behind one address. The address
//!   is the TCP peer, or what a configured trusted proxy says ([`super::address`]).
//! - **Per account**, growing delays instead of a lock-out: the first
//!   [`crate::Config::max_failed_logins`] failures cost nothing, then each further attempt
//!   waits 30 seconds, doubling up to [`crate::Config::throttle_minutes`]; the count
//!   starts again an hour after it began, or at the next successful sign-in.
//! - **Trusted devices.** A browser that signed in to an account before holds a signed
//!   cookie for it. Its attempts are counted on their own counter, not the account's, so
//!   a stranger's wrong guesses delay the stranger, not the account's owner on their own
//!   device.
//! - Counters are named by an HMAC of what they count ([`super::signing`]): fixed size,
//!   and the typed username is never stored. Counters whose window passed are deleted by
//!   the housekeeping job ([`crate::housekeeping`]).

use super::signing::Signer;
use super::{LoginAttempt, LoginRefused};
use crate::{AppState, WebError};
use ownpace_storage::{Charge, ThrottleRule};

/// No account has a longer username (see `validate_new_user`).
pub const MAX_USERNAME_BYTES: usize = 40;
/// No account has a longer password (the password rules cap it, as NIST SP 800-63B allows).
pub const MAX_PASSWORD_BYTES: usize = 1024;
/// The purpose under which trusted-device tokens are signed.
pub const DEVICE: &str = "device";
/// The first delay once an account's free attempts are spent.
const BASE_DELAY_MS: i64 = 30_000;

/// The account (or device) counters' rule.
pub fn account_rule(config: &crate::Config) -> ThrottleRule {
    ThrottleRule {
        window_ms: 4 * config.throttle_minutes * 60_000,
        free: config.max_failed_logins,
        limit: i64::MAX,
        base_delay_ms: BASE_DELAY_MS,
        max_delay_ms: config.throttle_minutes * 60_000,
    }
}

/// The address counters' rule.
pub fn address_rule(config: &crate::Config) -> ThrottleRule {
    ThrottleRule {
        window_ms: config.throttle_minutes * 60_000,
        free: i64::MAX,
        limit: config.login_failures_per_address,
        base_delay_ms: 0,
        max_delay_ms: 0,
    }
}

/// The counter of an account by its username (also charged by second-factor codes).
pub fn account_counter(signer: &Signer, username: &str) -> String {
    let username: String = username.chars().take(MAX_USERNAME_BYTES).collect();
    signer.name("throttle", &["account", &username])
}

/// The counters one attempt is charged to.
pub struct Counters {
    address: String,
    username: String,
}

impl Counters {
    pub fn new(signer: &Signer, attempt: &LoginAttempt<'_>) -> Counters {
        let address = super::address::counted_as(attempt.address);
        Counters {
            address: signer.name("throttle", &["address", &address]),
            username: attempt.username.chars().take(MAX_USERNAME_BYTES).collect(),
        }
    }

    /// The counter of the account (or of this trusted device for it): `account` is the
    /// id of the account the username names, if it names one.
    pub fn for_account(
        &self,
        signer: &Signer,
        account: Option<&str>,
        device: Option<&str>,
    ) -> String {
        if let (Some(id), Some(device)) = (account, device)
            && signer.token_is_valid(DEVICE, &[id], device)
        {
            let nonce = device.split('.').next().unwrap_or_default();
            return signer.name("throttle", &["device", id, nonce]);
        }
        account_counter(signer, &self.username)
    }

    /// Charges the address; `Some` when it is over its limit.
    pub async fn charge_address(
        &self,
        state: &AppState,
        now: i64,
    ) -> Result<Option<LoginRefused>, WebError> {
        let rule = address_rule(&state.config);
        self.charge_with(state, &self.address, &rule, now).await
    }

    /// Charges an account or device counter; `Some` when the attempt must wait.
    pub async fn charge(
        &self,
        state: &AppState,
        counter: &str,
        now: i64,
    ) -> Result<Option<LoginRefused>, WebError> {
        let rule = account_rule(&state.config);
        self.charge_with(state, counter, &rule, now).await
    }

    async fn charge_with(
        &self,
        state: &AppState,
        counter: &str,
        rule: &ThrottleRule,
        now: i64,
    ) -> Result<Option<LoginRefused>, WebError> {
        Ok(
            match state.store.charge_login_attempt(counter, rule, now).await? {
                Charge::Allowed => None,
                Charge::Refused { retry_at } => Some(LoginRefused::Throttled {
                    retry_after_seconds: (retry_at - now + 999) / 1000,
                }),
            },
        )
    }

    /// Gives the address its charge back (the attempt succeeded, or was not checked).
    pub async fn refund_address(&self, state: &AppState) -> Result<(), WebError> {
        Ok(state.store.refund_login_attempt(&self.address).await?)
    }
}

/// "30 seconds", "2 minutes": how long to wait, in words.
pub fn wait_in_words(seconds: i64) -> String {
    match seconds {
        ..=1 => "1 second".into(),
        2..=90 => format!("{seconds} seconds"),
        _ => format!("{} minutes", (seconds + 59) / 60),
    }
}

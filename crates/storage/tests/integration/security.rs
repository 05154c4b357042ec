//! The login throttle's counters and the install's secret, on both engines.

use crate::support::{open, student};
use ownpace_storage::{Backend, Charge, ThrottleRule};

on_both_engines!(
    concurrent_attempts_never_pass_the_limit,
    delays_grow_and_a_window_starts_again,
    spent_counters_are_pruned,
    the_install_secret_is_made_once,
    two_factor_steps_and_recovery_codes_are_used_once,
);

const MINUTE: i64 = 60_000;

fn account_rule() -> ThrottleRule {
    ThrottleRule {
        window_ms: 60 * MINUTE,
        free: 5,
        limit: i64::MAX,
        base_delay_ms: 30_000,
        max_delay_ms: 15 * MINUTE,
    }
}

/// 40 attempts at once on one counter: exactly the 5 free ones are let through, on
/// either engine (the old count-then-insert let 36 of 40 through).
async fn concurrent_attempts_never_pass_the_limit(backend: Backend) {
    let (store, _db) = open(backend).await;
    let now = 10 * 60 * MINUTE;
    let attempts = (0..40).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .charge_login_attempt("account-ana", &account_rule(), now)
                .await
                .unwrap()
        })
    });
    let mut allowed = 0;
    for attempt in attempts {
        if attempt.await.unwrap() == Charge::Allowed {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 5, "exactly the free attempts pass");
    let address = ThrottleRule {
        window_ms: 15 * MINUTE,
        free: i64::MAX,
        limit: 12,
        base_delay_ms: 0,
        max_delay_ms: 0,
    };
    let attempts = (0..40).map(|_| {
        let store = store.clone();
        tokio::spawn(async move {
            store
                .charge_login_attempt("address-1", &address, now)
                .await
                .unwrap()
        })
    });
    let mut allowed = 0;
    for attempt in attempts {
        if attempt.await.unwrap() == Charge::Allowed {
            allowed += 1;
        }
    }
    assert_eq!(allowed, 12, "an address gets its limit, no more");
}

async fn delays_grow_and_a_window_starts_again(backend: Backend) {
    let (store, _db) = open(backend).await;
    let rule = account_rule();
    let mut now = 5 * 60 * MINUTE;
    for _ in 0..5 {
        assert_eq!(
            store.charge_login_attempt("k", &rule, now).await.unwrap(),
            Charge::Allowed
        );
    }
    // The fifth failure set a 30-second delay; then 60 s, 120 s…
    let mut expected_delay = 30_000;
    for _ in 0..3 {
        let refused = store.charge_login_attempt("k", &rule, now).await.unwrap();
        assert_eq!(
            refused,
            Charge::Refused {
                retry_at: now + expected_delay
            }
        );
        now += expected_delay;
        assert_eq!(
            store.charge_login_attempt("k", &rule, now).await.unwrap(),
            Charge::Allowed
        );
        expected_delay *= 2;
    }
    // A refund does not undo the delay; a reset forgets the counter.
    store.refund_login_attempt("k").await.unwrap();
    assert!(matches!(
        store
            .charge_login_attempt("k", &rule, now + 1)
            .await
            .unwrap(),
        Charge::Refused { .. }
    ));
    store.reset_login_throttle("k").await.unwrap();
    assert_eq!(
        store
            .charge_login_attempt("k", &rule, now + 1)
            .await
            .unwrap(),
        Charge::Allowed
    );
    // A plain limit: refused until its window ends, then counted afresh.
    let limited = ThrottleRule {
        window_ms: 15 * MINUTE,
        free: i64::MAX,
        limit: 2,
        base_delay_ms: 0,
        max_delay_ms: 0,
    };
    let start = now;
    for _ in 0..2 {
        assert_eq!(
            store
                .charge_login_attempt("a", &limited, start)
                .await
                .unwrap(),
            Charge::Allowed
        );
    }
    assert_eq!(
        store
            .charge_login_attempt("a", &limited, start + MINUTE)
            .await
            .unwrap(),
        Charge::Refused {
            retry_at: start + 15 * MINUTE
        }
    );
    assert_eq!(
        store
            .charge_login_attempt("a", &limited, start + 15 * MINUTE)
            .await
            .unwrap(),
        Charge::Allowed
    );
    let long_key = "x".repeat(ownpace_storage::MAX_THROTTLE_KEY_BYTES + 1);
    assert!(
        store
            .charge_login_attempt(&long_key, &limited, start)
            .await
            .is_err(),
        "a key longer than a counter's name is refused, not stored"
    );
}

async fn spent_counters_are_pruned(backend: Backend) {
    let (store, _db) = open(backend).await;
    let rule = account_rule();
    let now = 3 * 60 * MINUTE;
    for key in ["old", "delayed"] {
        for _ in 0..6 {
            let _ = store.charge_login_attempt(key, &rule, now).await.unwrap();
        }
    }
    store
        .charge_login_attempt("fresh", &rule, now + 60 * MINUTE)
        .await
        .unwrap();
    assert_eq!(store.login_throttle_rows().await.unwrap().len(), 3);
    let later = now + 61 * MINUTE;
    let pruned = store
        .prune_login_throttle(later - rule.window_ms, later)
        .await
        .unwrap();
    assert_eq!(pruned, 2, "both windows ended and their delays passed");
    let left: Vec<String> = store
        .login_throttle_rows()
        .await
        .unwrap()
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(left, ["fresh"]);
}

async fn the_install_secret_is_made_once(backend: Backend) {
    let (store, _db) = open(backend).await;
    let first = store
        .server_secret("signing", "candidate-1", 1)
        .await
        .unwrap();
    let second = store
        .server_secret("signing", "candidate-2", 2)
        .await
        .unwrap();
    assert_eq!(first, "candidate-1");
    assert_eq!(
        second, "candidate-1",
        "a later server reads the first one's secret"
    );
}

async fn two_factor_steps_and_recovery_codes_are_used_once(backend: Backend) {
    let (store, _db) = open(backend).await;
    let user = student(&store, "rivera").await;
    store
        .start_two_factor(user.as_str(), "SECRET", 1)
        .await
        .unwrap();
    assert_eq!(
        store
            .two_factor(user.as_str())
            .await
            .unwrap()
            .unwrap()
            .confirmed_at,
        None
    );
    let hashes = vec!["h1".to_string(), "h2".to_string()];
    assert!(
        store
            .accept_two_factor_step(user.as_str(), 100, Some((&hashes, 5)))
            .await
            .unwrap()
    );
    let enrolled = store.two_factor(user.as_str()).await.unwrap().unwrap();
    assert_eq!((enrolled.confirmed_at, enrolled.last_step), (Some(5), 100));
    assert!(
        store
            .start_two_factor(user.as_str(), "OTHER", 6)
            .await
            .is_err(),
        "on: turn it off first"
    );
    // Concurrent sign-ins with the same step: exactly one is accepted.
    let tries = (0..10).map(|_| {
        let store = store.clone();
        let user = user.clone();
        tokio::spawn(async move {
            store
                .accept_two_factor_step(user.as_str(), 101, None)
                .await
                .unwrap()
        })
    });
    let mut accepted = 0;
    for t in tries {
        accepted += usize::from(t.await.unwrap());
    }
    assert_eq!(accepted, 1);
    assert!(
        !store
            .accept_two_factor_step(user.as_str(), 99, None)
            .await
            .unwrap(),
        "an older step"
    );
    assert!(
        store
            .use_recovery_code(user.as_str(), "h1", 7)
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_recovery_code(user.as_str(), "h1", 8)
            .await
            .unwrap()
    );
    assert!(
        !store
            .use_recovery_code(user.as_str(), "nope", 8)
            .await
            .unwrap()
    );
    assert_eq!(store.recovery_codes_left(user.as_str()).await.unwrap(), 1);
    store.remove_two_factor(user.as_str()).await.unwrap();
    assert!(store.two_factor(user.as_str()).await.unwrap().is_none());
    assert_eq!(store.recovery_codes_left(user.as_str()).await.unwrap(), 0);
}

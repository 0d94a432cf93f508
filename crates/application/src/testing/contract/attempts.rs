//! Contract cases for the attempt counters behind the login and sign-up throttle.

use domain::Email;

use super::{Store, at};
use crate::auth::{Admission, ClientKey, ThrottlePolicy};

fn refused(a: Admission) -> Option<i64> {
    match a {
        Admission::Refused { retry_after_seconds } => Some(retry_after_seconds),
        Admission::Admitted => None,
    }
}

/// Reservations count before any outcome, refuse beyond the limit without counting,
/// forget a successful client's count, start again in a new window, and stale counters
/// are deleted.
pub async fn attempt_counters_reserve_refuse_settle_and_expire(s: &Store) {
    let policy = ThrottlePolicy {
        max_failures: 2,
        max_failures_per_client: 100,
        account_delay_after: 100,
        window_seconds: 60,
        ..ThrottlePolicy::default()
    };
    let ada = Email::parse("ada@example.com").expect("valid");
    let one = ClientKey::from_ip("10.0.0.1".parse().expect("ip"));
    let two = ClientKey::from_ip("10.0.0.2".parse().expect("ip"));
    let plan = || policy.login(&ada, &one);
    assert_eq!(
        s.attempts.reserve(plan(), at(0)).await.expect("reserves"),
        Admission::Admitted
    );
    assert_eq!(
        s.attempts.reserve(plan(), at(1)).await.expect("reserves"),
        Admission::Admitted
    );
    assert_eq!(
        refused(s.attempts.reserve(plan(), at(10)).await.expect("reserves")),
        Some(50),
        "the window began at 0 and lasts 60 s"
    );
    assert_eq!(
        s.attempts
            .reserve(policy.login(&ada, &two), at(10))
            .await
            .expect("reserves"),
        Admission::Admitted,
        "another client is counted apart"
    );
    s.attempts
        .settle(policy.login_succeeded(&ada, &one))
        .await
        .expect("settles");
    assert_eq!(
        s.attempts.reserve(plan(), at(11)).await.expect("reserves"),
        Admission::Admitted,
        "a success cleared the client's count on the account"
    );
    assert_eq!(
        s.attempts.reserve(plan(), at(12)).await.expect("reserves"),
        Admission::Admitted
    );
    assert!(refused(s.attempts.reserve(plan(), at(12)).await.expect("reserves")).is_some());
    assert_eq!(
        s.attempts.reserve(plan(), at(72)).await.expect("reserves"),
        Admission::Admitted,
        "a new window"
    );
    s.attempts
        .settle(policy.login_succeeded(&Email::parse("nobody@example.com").expect("valid"), &one))
        .await
        .expect("settling unknown keys is no error");
    assert_eq!(
        s.attempts.delete_stale(at(0)).await.expect("deletes"),
        0,
        "nothing older"
    );
    assert_eq!(
        s.attempts.delete_stale(at(50)).await.expect("deletes"),
        2,
        "the second client's counters (their window began at 10 s); the others began again at 72 s"
    );
    assert_eq!(
        refused(s.attempts.reserve(plan(), at(73)).await.expect("reserves")),
        None,
        "the counters of the first client survived"
    );
    assert!(refused(s.attempts.reserve(plan(), at(73)).await.expect("reserves")).is_some());
}

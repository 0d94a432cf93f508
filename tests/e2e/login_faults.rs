//! Fault suite (2): a flood of wrong passwords for one account. At most the configured
//! number reach argon2 (counted on `/metrics`), the rest answer 429 without hashing, and
//! the owner logging in from another client address, seen through a trusted proxy's
//! `X-Forwarded-For`, gets in at once.

use std::time::{Duration, Instant};

use e2e::*;

mod flood {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let server = e2e::Server::start_with(e2e::Backend::Sqlite, super::ENV)
            .await
            .expect("sqlite always runs");
        super::a_flood_of_wrong_passwords_is_reserved_before_hashing(server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(server) = e2e::Server::start_with(e2e::Backend::Postgres, super::ENV).await else {
            return;
        };
        super::a_flood_of_wrong_passwords_is_reserved_before_hashing(server).await;
    }
}

/// The test client reaches the server from 127.0.0.1, which plays the reverse proxy.
const ENV: &[(&str, &str)] = &[
    ("TICKET__HTTP__TRUSTED_PROXIES", "127.0.0.1, ::1"),
    ("TICKET__AUTH__MAX_FAILED_LOGINS", "10"),
];

const GUESSES: usize = 500;

async fn verifications(s: &Server) -> i64 {
    let text = s
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .expect("metrics")
        .text()
        .await
        .expect("metrics text");
    text.lines()
        .find_map(|l| l.strip_prefix("ticket_api_password_verifications_total "))
        .and_then(|v| v.trim().parse().ok())
        .expect("the verification counter is exported")
}

async fn login_from(s: &Server, client: &str, email: &str, password: &str) -> Reply {
    Reply::from(
        s.request(Method::POST, "/api/v1/auth/login", None)
            .header("X-Forwarded-For", client)
            .json(&json!({"email": email, "password": password}))
            .send()
            .await
            .expect("sent"),
    )
    .await
}

async fn a_flood_of_wrong_passwords_is_reserved_before_hashing(s: Server) {
    let admin = s.admin().await;
    let (_, _) = s.account(&admin, "customer", "victim@example.com").await;
    let before = verifications(&s).await;

    let started = Instant::now();
    let guesses: Vec<_> = (0..GUESSES)
        .map(|i| {
            let request = s
                .request(Method::POST, "/api/v1/auth/login", None)
                .header("X-Forwarded-For", "203.0.113.66")
                .json(&json!({"email": "victim@example.com", "password": format!("guess number {i}")}));
            tokio::spawn(async move { request.send().await.map(|r| r.status()) })
        })
        .collect();
    let (mut unauthorized, mut throttled) = (0, 0);
    for g in guesses {
        match g.await.expect("joins").expect("answered") {
            StatusCode::UNAUTHORIZED => unauthorized += 1,
            StatusCode::TOO_MANY_REQUESTS => throttled += 1,
            other => panic!("a wrong password answered {other}"),
        }
    }
    let flood = started.elapsed();
    let verified = verifications(&s).await - before;

    let started = Instant::now();
    let owner = login_from(&s, "198.51.100.7", "victim@example.com", "password for tests").await;
    let owner_took = started.elapsed();
    eprintln!(
        "login flood: {GUESSES} concurrent wrong passwords in {flood:?}: {unauthorized} x 401, {throttled} x 429, \
         {verified} verified by argon2; the owner from another address logged in with {} in {owner_took:?}",
        owner.status
    );
    assert!(verified <= 10, "{verified} passwords were verified; the limit is 10");
    assert_eq!(unauthorized as i64, verified, "every 401 was a verified guess");
    assert_eq!(unauthorized + throttled, GUESSES);
    assert_eq!(owner.status, StatusCode::OK, "{}", owner.body);
    assert!(owner_took < Duration::from_secs(2), "the owner waited {owner_took:?}");

    let attacker = login_from(&s, "203.0.113.66", "victim@example.com", "password for tests").await;
    attacker.assert_problem(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert!(attacker.header("retry-after").is_some());
}

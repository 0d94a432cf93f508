//! Passwords (issue 15): `/me/password`, the reset flow with its e-mailed single-use link
//! (expiry checked with the API's injected clock), the admin-triggered reset and the
//! operator's `user set-password`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use e2e::{ADMIN_EMAIL, Backend, Method, Server, StatusCode, Value, json};

e2e::on_both_backends!(
    changing_my_password_revokes_my_other_sessions_and_keeps_this_one,
    a_reset_request_answers_identically_for_known_and_unknown_addresses,
    a_reset_link_works_once_and_not_after_thirty_minutes,
    admins_send_reset_links_and_operators_set_passwords,
);

const PASSWORD: &str = "password for tests";

fn backend_of_test() -> Backend {
    let name = std::thread::current().name().unwrap_or("").to_owned();
    if name.starts_with("postgres::") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A server that sends e-mails to its log file promptly, with links on a public URL,
/// and whose clock runs ahead by the seconds in the returned file.
async fn mailing_server() -> Option<(Server, PathBuf)> {
    let clock = std::env::temp_dir().join(format!("e2e-clock-{}-{}", std::process::id(), e2e::free_port()));
    std::fs::write(&clock, "0").expect("clock file");
    let clock_path = clock.display().to_string();
    let server = Server::start_with(
        backend_of_test(),
        &[
            ("TICKET__HTTP__PUBLIC_URL", "https://desk.example.com/"),
            ("TICKET__WORKER__EMBEDDED", "true"),
            ("TICKET__WORKER__NOTIFY_INTERVAL_MS", "200"),
            ("TICKET_TEST_CLOCK_FILE", &clock_path),
        ],
    )
    .await?;
    Some((server, clock))
}

/// The tokens of the reset links e-mailed to `to` so far, once there are `count`.
async fn reset_tokens(s: &Server, to: &str, count: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let log = std::fs::read_to_string(s.dir().join("data/notifications.log")).unwrap_or_default();
        let tokens: Vec<String> = log
            .lines()
            .filter_map(|l| serde_json::from_str::<Value>(l).ok())
            .filter(|m| m["to"] == to)
            .filter_map(|m| {
                let text = m["text"].as_str()?.to_owned();
                let link = text.split_whitespace().find(|w| w.starts_with("https://"))?.to_owned();
                let token = link.strip_prefix("https://desk.example.com/api/v1/auth/password-reset?token=");
                Some(
                    token
                        .unwrap_or_else(|| panic!("the link is on the public URL: {link}"))
                        .to_owned(),
                )
            })
            .collect();
        if tokens.len() >= count {
            return tokens;
        }
        assert!(Instant::now() < deadline, "no reset e-mail to {to} in {log}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

fn field_code(body: &Value, field: &str) -> Option<String> {
    body["errors"]
        .as_array()?
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["code"].as_str())
        .map(str::to_owned)
}

async fn changing_my_password_revokes_my_other_sessions_and_keeps_this_one(s: Server) {
    let admin = s.admin().await;
    let (_, mine) = s.account(&admin, "agent", "grace@example.com").await;
    let laptop = s.login("grace@example.com", PASSWORD).await;
    let change = |current: &str, new: &str| {
        s.call(
            Method::POST,
            "/api/v1/me/password",
            Some(&mine),
            Some(json!({"current_password": current, "new_password": new})),
        )
    };

    // The policy, rule by rule, and a wrong current password: nothing changes.
    for (new, rule) in [
        ("short", "too_short"),
        ("GRACE@example.com", "matches_email"),
        ("qwerty123456", "too_common"),
    ] {
        let r = change(PASSWORD, new).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(field_code(&r.body, "new_password").as_deref(), Some(rule), "{}", r.body);
    }
    let r = change("not my password", "a new passphrase of mine").await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        field_code(&r.body, "current_password").as_deref(),
        Some("wrong_password"),
        "{}",
        r.body
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&laptop), None).await.status,
        StatusCode::OK
    );

    let r = change(PASSWORD, "a new passphrase of mine").await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&mine), None).await.status,
        StatusCode::OK,
        "the caller's session is kept"
    );
    s.call(Method::GET, "/api/v1/me", Some(&laptop), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    s.call(
        Method::POST,
        "/api/v1/auth/login",
        None,
        Some(json!({"email": "grace@example.com", "password": PASSWORD})),
    )
    .await
    .assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    s.login("grace@example.com", "a new passphrase of mine").await;
}

async fn a_reset_request_answers_identically_for_known_and_unknown_addresses(s: Server) {
    let ask = |email: &'static str| {
        s.request(Method::POST, "/api/v1/auth/password-reset/request", None)
            .json(&json!({"email": email}))
            .send()
    };
    let known = ask(ADMIN_EMAIL).await.expect("answers");
    let unknown = ask("nobody@example.com").await.expect("answers");
    assert_eq!(known.status(), StatusCode::ACCEPTED);
    assert_eq!(unknown.status(), known.status());
    for header in [
        "content-type",
        "content-length",
        "cache-control",
        "retry-after",
        "set-cookie",
    ] {
        assert_eq!(
            known.headers().get(header),
            unknown.headers().get(header),
            "{header} tells the addresses apart"
        );
    }
    let (known, unknown) = (known.text().await.expect("body"), unknown.text().await.expect("body"));
    assert_eq!(known, unknown, "the bodies tell the addresses apart");
    assert!(known.contains("reset_requested"), "{known}");
    // Not an address at all is refused, whoever asks.
    s.call(
        Method::POST,
        "/api/v1/auth/password-reset/request",
        None,
        Some(json!({"email": "not an address"})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

async fn a_reset_link_works_once_and_not_after_thirty_minutes(s: Server) {
    drop(s);
    let Some((s, clock)) = mailing_server().await else {
        return;
    };
    let admin = s.admin().await;
    let (_, old_session) = s.account(&admin, "customer", "ada@example.com").await;
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/password-reset/request",
            None,
            Some(json!({"email": "Ada@Example.com"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let token = reset_tokens(&s, "ada@example.com", 1).await.remove(0);
    let reset = |new: &'static str| {
        s.call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"token": token.clone(), "new_password": new})),
        )
    };

    // Opening the link serves a form and changes nothing.
    let page = s
        .request(Method::GET, &format!("/api/v1/auth/password-reset?token={token}"), None)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .is_ok_and(|v| v.contains("default-src 'none'"))
    );
    let html = page.text().await.expect("html");
    assert!(html.contains(&format!("value=\"{token}\"")) && html.contains("name=\"new_password\""));

    // Thirty minutes after it was sent, the link no longer works.
    std::fs::write(&clock, "1800").expect("clock");
    let r = reset("a passphrase for ada").await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(
        field_code(&r.body, "token").as_deref(),
        Some("invalid_token"),
        "{}",
        r.body
    );

    // A weak password is refused and leaves the link usable; within the thirty minutes,
    // the form's post sets the password and logs out every session.
    std::fs::write(&clock, "1740").expect("clock");
    let r = reset("password1234").await;
    assert_eq!(
        field_code(&r.body, "new_password").as_deref(),
        Some("too_common"),
        "{}",
        r.body
    );
    let done = s
        .request(Method::POST, "/api/v1/auth/password-reset", None)
        .form(&[("token", token.as_str()), ("new_password", "a passphrase for ada")])
        .send()
        .await
        .expect("posts the form");
    assert_eq!(done.status(), StatusCode::OK);
    assert!(done.text().await.expect("html").contains("Password changed"));
    s.call(Method::GET, "/api/v1/me", Some(&old_session), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    s.login("ada@example.com", "a passphrase for ada").await;

    // Once only.
    let r = reset("another passphrase for ada").await;
    assert_eq!(
        field_code(&r.body, "token").as_deref(),
        Some("invalid_token"),
        "{}",
        r.body
    );
    s.login("ada@example.com", "a passphrase for ada").await;
    let _ = std::fs::remove_file(&clock);
}

async fn admins_send_reset_links_and_operators_set_passwords(s: Server) {
    drop(s);
    let Some((s, clock)) = mailing_server().await else {
        return;
    };
    let admin = s.admin().await;
    let (id, agent) = s.account(&admin, "agent", "lin@example.com").await;
    let path = format!("/api/v1/users/{id}/password-reset");
    s.call(Method::POST, &path, Some(&agent), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    s.call(Method::POST, "/api/v1/users/987654/password-reset", Some(&admin), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let r = s.call(Method::POST, &path, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::ACCEPTED, "{}", r.body);
    let token = reset_tokens(&s, "lin@example.com", 1).await.remove(0);
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/password-reset",
            None,
            Some(json!({"token": token, "new_password": "lin's reset passphrase"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    s.call(Method::GET, "/api/v1/me", Some(&agent), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let session = s.login("lin@example.com", "lin's reset passphrase").await;

    // The operator's command: the policy applies, then every session ends.
    let (status, out) = s.run_command(
        &["user", "set-password", "--email", "lin@example.com"],
        &[("TICKET_NEW_PASSWORD", "lin@example.com")],
    );
    assert!(!status.success(), "the policy applies: {out}");
    assert!(out.contains("password"), "{out}");
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&session), None).await.status,
        StatusCode::OK
    );
    let (status, out) = s.run_command(
        &["user", "set-password", "--email", "lin@example.com"],
        &[("TICKET_NEW_PASSWORD", "set by the operator")],
    );
    assert!(status.success(), "{out}");
    s.call(Method::GET, "/api/v1/me", Some(&session), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    s.login("lin@example.com", "set by the operator").await;
    let (status, out) = s.run_command(
        &["user", "set-password", "--email", "nobody@example.com"],
        &[("TICKET_NEW_PASSWORD", "set by the operator")],
    );
    assert!(!status.success(), "{out}");
    let _ = std::fs::remove_file(&clock);
}

//! Operating the binaries: health, metrics, OpenAPI, the CLI, self-registration and
//! graceful shutdown.

use e2e::*;

e2e::on_both_backends!(
    health_metrics_and_openapi_are_served,
    migrate_and_create_admin_subcommands_work,
    self_registration_only_when_configured,
    sigterm_stops_the_server_gracefully,
    the_worker_connects_reports_and_stops_gracefully,
);

async fn health_metrics_and_openapi_are_served(s: Server) {
    let r = s.call(Method::GET, "/healthz", None, None).await;
    assert_eq!((r.status, r.body["status"].as_str()), (StatusCode::OK, Some("ok")));
    let r = s.call(Method::GET, "/readyz", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
    let doc = s.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    assert_eq!(doc.body["openapi"], "3.1.0");
    for path in [
        "/api/v1/tickets",
        "/api/v1/tickets/{id}",
        "/api/v1/tickets/{id}/transitions",
        "/api/v1/tickets/{id}/close",
        "/api/v1/tickets/{id}/history",
        "/api/v1/auth/login",
        "/api/v1/categories",
    ] {
        assert!(
            doc.body["paths"][path].is_object(),
            "{path} missing from the OpenAPI document"
        );
    }
    let metrics = s
        .request(Method::GET, "/metrics", None)
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("http_requests_total{method=\"GET\",route=\"/readyz\",status=\"200\"}"),
        "{metrics}"
    );
    assert!(metrics.contains("http_request_duration_seconds_bucket"));
}

async fn migrate_and_create_admin_subcommands_work(s: Server) {
    let (status, out) = s.run_command(&["migrate"], &[]);
    assert!(status.success(), "{out}");
    assert!(out.contains("up to date"), "{out}");
    let (status, out) = s.run_command(
        &["create-admin", "--email", "second@example.com", "--name", "Second"],
        &[("TICKET_ADMIN_PASSWORD", "second admin pw")],
    );
    assert!(status.success(), "{out}");
    let token = s.login("second@example.com", "second admin pw").await;
    let me = s.call(Method::GET, "/api/v1/me", Some(&token), None).await;
    assert_eq!(me.body["role"], "admin");
    let (status, out) = s.run_command(
        &["create-admin", "--email", "second@example.com"],
        &[("TICKET_ADMIN_PASSWORD", "another password")],
    );
    assert!(!status.success(), "an existing account is not overwritten: {out}");
    let (status, out) = s.run_command(
        &["create-admin", "--email", "third@example.com"],
        &[("TICKET_ADMIN_PASSWORD", "short")],
    );
    assert!(!status.success() && out.contains("password"), "{out}");
    let (status, _) = s.run_command(&["bogus"], &[]);
    assert_eq!(status.code(), Some(2));
}

async fn self_registration_only_when_configured(s: Server) {
    let body = json!({"email": "self@example.com", "display_name": "Self", "password": "long enough pw"});
    s.call(Method::POST, "/api/v1/customers", None, Some(body.clone()))
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    drop(s);
    let Some(open) = Server::start_with(
        backend_of_test(),
        &[
            ("TICKET__AUTH__SELF_REGISTRATION", "true"),
            ("TICKET__AUTH__MAX_SIGNUPS_PER_CLIENT", "4"),
            ("TICKET__HTTP__PUBLIC_URL", "https://desk.example.com/"),
            ("TICKET__WORKER__EMBEDDED", "true"),
            ("TICKET__WORKER__NOTIFY_INTERVAL_MS", "200"),
        ],
    )
    .await
    else {
        return;
    };
    let sign_up = |body: Value| open.call(Method::POST, "/api/v1/customers", None, Some(body));
    let login = |email: &'static str, password: &'static str| {
        open.call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": email, "password": password})),
        )
    };

    // A new address and a taken one (the admin's) answer exactly the same.
    let new = sign_up(body.clone()).await;
    assert_eq!(new.status, StatusCode::ACCEPTED, "{}", new.body);
    let taken = sign_up(json!({"email": ADMIN_EMAIL, "display_name": "Mallory", "password": "long enough pw"})).await;
    assert_eq!(taken.status, new.status);
    assert_eq!(taken.body, new.body, "a taken address is not revealed");
    assert_eq!(new.body["status"], "verification_sent");

    // Not verified yet: the right password does not log in.
    login("self@example.com", "long enough pw")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    login(ADMIN_EMAIL, "long enough pw")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");

    // The link arrives by e-mail; the admin is told somebody tried their address.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    let (link, notice) = loop {
        let log = std::fs::read_to_string(open.dir().join("data/notifications.log")).unwrap_or_default();
        let lines: Vec<Value> = log.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
        let link = lines.iter().find(|m| m["to"] == "self@example.com").and_then(|m| {
            let text = m["text"].as_str()?;
            text.split_whitespace()
                .find(|w| w.starts_with("https://"))
                .map(str::to_owned)
        });
        let notice = lines.iter().any(|m| m["to"] == ADMIN_EMAIL);
        if let (Some(link), true) = (&link, notice) {
            break (link.clone(), notice);
        }
        assert!(std::time::Instant::now() < deadline, "no e-mails in {log}");
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(notice);
    let token = link
        .strip_prefix("https://desk.example.com/api/v1/auth/verify-email?token=")
        .unwrap_or_else(|| panic!("the link is on the public URL: {link}"));

    // Opening the link (as a mail scanner would) changes nothing: it serves a form.
    let page = open
        .request(Method::GET, &format!("/api/v1/auth/verify-email?token={token}"), None)
        .send()
        .await
        .expect("page");
    assert_eq!(page.status(), StatusCode::OK);
    assert!(
        page.headers()["content-security-policy"]
            .to_str()
            .is_ok_and(|v| v.contains("default-src 'none'"))
    );
    assert!(page.text().await.expect("html").contains(&format!("value=\"{token}\"")));
    login("self@example.com", "long enough pw")
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");

    // Posting the form verifies the address; the token then is spent.
    let confirmed = open
        .request(Method::POST, "/api/v1/auth/verify-email", None)
        .form(&[("token", token)])
        .send()
        .await
        .expect("confirms");
    assert_eq!(confirmed.status(), StatusCode::OK);
    let r = login("self@example.com", "long enough pw").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["principal"]["role"], "customer");
    open.call(
        Method::POST,
        "/api/v1/auth/verify-email",
        None,
        Some(json!({"token": token})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let smuggled =
        json!({"email": "evil@example.com", "display_name": "Evil", "password": "long enough pw", "role": "admin"});
    sign_up(smuggled)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    // Two sign-ups so far from this client; the limit is four.
    assert_eq!(
        sign_up(json!({"email": "a@example.com", "display_name": "A", "password": "long enough pw"}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    assert_eq!(
        sign_up(json!({"email": "b@example.com", "display_name": "B", "password": "long enough pw"}))
            .await
            .status,
        StatusCode::ACCEPTED
    );
    let r = sign_up(json!({"email": "c@example.com", "display_name": "C", "password": "long enough pw"})).await;
    r.assert_problem(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    assert!(r.header("retry-after").is_some());
}

/// Self-registration needs a second server; both run on the module's backend.
fn backend_of_test() -> Backend {
    let name = std::thread::current().name().unwrap_or("").to_owned();
    if name.starts_with("postgres::") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

async fn sigterm_stops_the_server_gracefully(mut s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let status = s.terminate();
    assert!(status.success(), "exit status {status}:\n{}", s.log_text());
    assert!(s.log_text().contains("stopped"), "{}", s.log_text());
}

async fn the_worker_connects_reports_and_stops_gracefully(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    s.ticket(
        &customer,
        json!({"subject": "s", "description": "d", "category": "billing"}),
    )
    .await;
    let bind = format!("127.0.0.1:{}", free_port());
    let worker = s.spawn_worker(&bind);
    let metrics_url = format!("http://{bind}/metrics");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let metrics = loop {
        if let Ok(r) = s.http.get(&metrics_url).send().await {
            let text = r.text().await.unwrap_or_default();
            // The ticket's creation waits in the outbox (no dispatcher consumes it yet).
            if text.contains("ticket_worker_outbox_backlog_ticks_total")
                && !text.contains("ticket_worker_outbox_backlog_ticks_total 0")
            {
                break text;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the worker did not report:\n{}",
            s.worker_log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    };
    assert!(metrics.contains("ticket_worker_outbox_pending 1"), "{metrics}");
    let health = s.http.get(format!("http://{bind}/healthz")).send().await.expect("sent");
    assert_eq!(health.status(), StatusCode::OK);
    let status = terminate(worker);
    assert!(status.success(), "exit status {status}:\n{}", s.worker_log());
    assert!(s.worker_log().contains("stopped"), "{}", s.worker_log());
}

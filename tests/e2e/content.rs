//! Removing content end to end: redaction, file deletion and a customer's erasure, on
//! both backends.

use std::time::{Duration, Instant};

use e2e::*;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

e2e::on_both_backends!(the_uploader_deletes_a_file_within_ten_minutes_and_not_after);

/// E-mail goes to a SendGrid that refuses connections, so notifications stay pending
/// (retried with backoff) long enough to be cancelled.
const PENDING_ENV: &[(&str, &str)] = &[
    ("TICKET__WORKER__EMBEDDED", "true"),
    ("TICKET__WORKER__NOTIFY_INTERVAL_MS", "200"),
    ("TICKET__NOTIFY__SENDGRID__API_KEY", "SG.test-key"),
    ("TICKET__NOTIFY__SENDGRID__BASE_URL", "http://127.0.0.1:9"),
];

mod with_pending_notifications {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redaction_on_sqlite() {
        let s = e2e::Server::start_with(e2e::Backend::Sqlite, super::PENDING_ENV)
            .await
            .expect("sqlite always runs");
        super::a_redacted_comment_is_gone_from_list_search_blobs_and_pending_notifications(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn redaction_on_postgres() {
        let Some(s) = e2e::Server::start_with(e2e::Backend::Postgres, super::PENDING_ENV).await else {
            return;
        };
        super::a_redacted_comment_is_gone_from_list_search_blobs_and_pending_notifications(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn erasure_on_sqlite() {
        let s = e2e::Server::start_with(e2e::Backend::Sqlite, super::PENDING_ENV)
            .await
            .expect("sqlite always runs");
        super::an_erased_customer_is_gone_from_everything_people_read(s).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn erasure_on_postgres() {
        let Some(s) = e2e::Server::start_with(e2e::Backend::Postgres, super::PENDING_ENV).await else {
            return;
        };
        super::an_erased_customer_is_gone_from_everything_people_read(s).await;
    }
}

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

/// Polls `check` until it holds or `secs` pass.
async fn eventually<F, Fut>(secs: u64, what: &str, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !check().await {
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn notifications(s: &Server, admin: &str, status: &str) -> Vec<Value> {
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/notifications?status={status}&limit=100"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

fn quoting(items: &[Value], text: &str) -> usize {
    items.iter().filter(|n| n.to_string().contains(text)).count()
}

async fn search(s: &Server, token: &str, q: &str) -> usize {
    let r = s
        .call(Method::GET, &format!("/api/v1/tickets?q={q}"), Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().map_or(0, Vec::len)
}

async fn a_redacted_comment_is_gone_from_list_search_blobs_and_pending_notifications(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "Locked out", "description": "help", "category": "billing"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);
    let mine = s
        .multipart(
            &format!("{path}/comments"),
            Some(&customer),
            &[("body", "my passport number is zx99887766")],
            &[("passport.png", "image/png", PNG)],
        )
        .await;
    assert_eq!(mine.status, StatusCode::CREATED, "{}", mine.body);
    assert_eq!(s.stored_blobs().len(), 1);
    let reply = s
        .call(
            Method::POST,
            &format!("{path}/comments"),
            Some(&agent),
            Some(json!({"body": "your recovery code is quokka4821"})),
        )
        .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    eventually(60, "the reply's e-mail is queued, quoting it", || async {
        quoting(&notifications(&s, &admin, "pending").await, "quokka4821") > 0
    })
    .await;
    assert_eq!(search(&s, &agent, "quokka4821").await, 1);
    assert_eq!(search(&s, &customer, "zx99887766").await, 1);

    let redact = |id: &Value| format!("/api/v1/comments/{id}/redact");
    let r = s
        .call(
            Method::POST,
            &redact(&reply.body["id"]),
            Some(&admin),
            Some(json!({"reason": "a secret"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["body"], "[redacted]");
    assert!(r.body["redacted"]["at"].is_string());
    let r = s
        .call(
            Method::POST,
            &redact(&reply.body["id"]),
            Some(&admin),
            Some(json!({"reason": "again"})),
        )
        .await;
    r.assert_problem(StatusCode::CONFLICT, "already_redacted");
    let r = s
        .call(
            Method::POST,
            &redact(&mine.body["id"]),
            Some(&admin),
            Some(json!({"reason": ""})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let r = s
        .call(
            Method::POST,
            &redact(&mine.body["id"]),
            Some(&admin),
            Some(json!({"reason": "identity document"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    assert!(s.stored_blobs().is_empty(), "the file's blob is deleted");
    let file = mine.body["attachments"][0]["id"].clone();
    let r = s
        .call(Method::GET, &format!("/api/v1/attachments/{file}"), Some(&admin), None)
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    for token in [&customer, &agent] {
        let r = s
            .call(Method::GET, &format!("{path}/comments"), Some(token), None)
            .await;
        let text = r.body.to_string();
        assert!(!text.contains("quokka4821") && !text.contains("zx99887766"), "{text}");
        assert_eq!(r.body["items"][0]["body"], "[redacted]");
        assert_eq!(r.body["items"][0]["attachments"], json!([]));
    }
    assert_eq!(
        search(&s, &agent, "quokka4821").await,
        0,
        "search forgets the redacted words"
    );
    assert_eq!(search(&s, &customer, "zx99887766").await, 0);

    let history = |token: String| {
        let s = &s;
        let path = path.clone();
        async move {
            s.call(Method::GET, &format!("{path}/history"), Some(&token), None)
                .await
                .body
                .to_string()
        }
    };
    let staff = history(agent.clone()).await;
    assert!(
        staff.contains("CommentRedacted") && staff.contains("identity document"),
        "{staff}"
    );
    let theirs = history(customer.clone()).await;
    assert!(
        !theirs.contains("CommentRedacted") && !theirs.contains("a secret"),
        "{theirs}"
    );

    let cancelled = notifications(&s, &admin, "cancelled").await;
    assert!(
        quoting(&cancelled, "quokka4821") > 0,
        "the pending e-mail is cancelled: {cancelled:#?}"
    );
    assert_eq!(quoting(&notifications(&s, &admin, "pending").await, "quokka4821"), 0);
}

async fn the_uploader_deletes_a_file_within_ten_minutes_and_not_after(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "Files", "description": "two", "category": "billing"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}/attachments", t["id"]);
    let up = s
        .multipart(
            &path,
            Some(&customer),
            &[],
            &[("a.png", "image/png", PNG), ("b.png", "image/png", PNG)],
        )
        .await;
    assert_eq!(up.status, StatusCode::CREATED, "{}", up.body);
    let (a, b) = (
        up.body["attachments"][0]["id"].clone(),
        up.body["attachments"][1]["id"].clone(),
    );
    assert_eq!(s.stored_blobs().len(), 2);

    let file = |id: &Value| format!("/api/v1/attachments/{id}");
    let r = s.call(Method::DELETE, &file(&a), Some(&agent), None).await;
    r.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = s.call(Method::DELETE, &file(&a), Some(&customer), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "the uploader, at once: {}", r.body);
    assert_eq!(
        s.call(Method::GET, &file(&a), Some(&customer), None).await.status,
        StatusCode::NOT_FOUND
    );
    let listed = s.call(Method::GET, &path, Some(&customer), None).await;
    assert_eq!(listed.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(s.stored_blobs().len(), 1);

    // Eleven minutes later (the upload moved into the past).
    adapters_db::testing::execute(
        &s.database_url,
        &format!("UPDATE attachments SET created_at = '2020-01-01 00:00:00' WHERE id = {b}"),
    )
    .await
    .expect("backdates the upload");
    let r = s.call(Method::DELETE, &file(&b), Some(&customer), None).await;
    r.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(s.stored_blobs().len(), 1, "a refused delete keeps the file");
    let r = s.call(Method::DELETE, &file(&b), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "an admin, any time: {}", r.body);
    assert!(s.stored_blobs().is_empty());
    let r = s.call(Method::DELETE, &file(&b), Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{}/history", t["id"]),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(
        history.body.to_string().matches("AttachmentDeleted").count(),
        2,
        "{}",
        history.body
    );
}

async fn an_erased_customer_is_gone_from_everything_people_read(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    // The display name is the address: "zanzibar" names them either way.
    let (id, customer) = s.account(&admin, "customer", "zanzibar@example.com").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "Zanzibar needs a refund", "description": "Call zanzibar at home", "category": "billing"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);
    let r = s
        .call(
            Method::POST,
            &format!("{path}/assignment"),
            Some(&admin),
            Some(json!({"agent_id": agent_id, "force": true})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let c = s
        .multipart(
            &format!("{path}/comments"),
            Some(&customer),
            &[("body", "Zanzibar here, my number is 555")],
            &[("id.png", "image/png", PNG)],
        )
        .await;
    assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
    let r = s
        .call(
            Method::POST,
            &format!("{path}/comments"),
            Some(&agent),
            Some(json!({"body": "We are on it"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    eventually(60, "notifications to the customer are queued", || async {
        quoting(&notifications(&s, &admin, "pending").await, "zanzibar") > 0
    })
    .await;

    let erase = format!("/api/v1/users/{id}/erase");
    let r = s.call(Method::POST, &erase, Some(&agent), None).await;
    r.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/users/{agent_id}/erase"),
            Some(&admin),
            None,
        )
        .await;
    r.assert_problem(StatusCode::CONFLICT, "not_a_customer");
    let r = s.call(Method::POST, &erase, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["tickets"].clone(), r.body["comments_redacted"].clone()),
        (json!(1), json!(1))
    );

    // Shut out at once: the live token and the old password.
    let r = s.call(Method::GET, "/api/v1/me", Some(&customer), None).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "zanzibar@example.com", "password": "password for tests"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{}", r.body);

    // Gone from everything staff can read (customers' own reads are gone with the account).
    for token in [&agent, &admin] {
        for read in [
            path.clone(),
            format!("{path}/comments"),
            format!("{path}/history"),
            "/api/v1/tickets?limit=100".to_owned(),
            format!("/api/v1/users/{id}"),
            "/api/v1/users?limit=100".to_owned(),
            "/api/v1/users?role=customer&active=false".to_owned(),
        ] {
            let r = s.call(Method::GET, &read, Some(token), None).await;
            assert_eq!(r.status, StatusCode::OK, "{read}: {}", r.body);
            assert!(
                !r.body.to_string().to_lowercase().contains("zanzibar"),
                "{read}: {}",
                r.body
            );
        }
        assert_eq!(search(&s, token, "zanzibar").await, 0, "q by the name finds nothing");
        let r = s.call(Method::GET, "/api/v1/users?q=zanzibar", Some(token), None).await;
        assert_eq!(r.body["items"], json!([]), "no account answers to the name");
    }
    for status in ["pending", "sent", "dead", "cancelled"] {
        let items = notifications(&s, &admin, status).await;
        assert_eq!(quoting(&items, "zanzibar"), 0, "{status}: {items:#?}");
        assert_eq!(quoting(&items, "Zanzibar"), 0, "{status}: {items:#?}");
    }
    assert!(
        quoting(
            &notifications(&s, &admin, "cancelled").await,
            &format!("erased-{id}@erased.invalid")
        ) > 0,
        "their pending e-mails are cancelled"
    );
    assert!(s.stored_blobs().is_empty(), "their files are deleted");
    let ticket = s.call(Method::GET, &path, Some(&agent), None).await;
    assert_eq!(ticket.body["subject"], "[erased]", "the ticket stays, anonymised");

    let r = s.call(Method::POST, &erase, Some(&admin), None).await;
    assert_eq!(r.status, StatusCode::OK, "erasing twice is fine: {}", r.body);
    assert_eq!(r.body["comments_redacted"], 0);
}

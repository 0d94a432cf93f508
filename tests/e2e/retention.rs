//! Retention end to end: the worker purges idempotency keys past their window, processed
//! outbox events and sent notifications, a batch at a time, and counts them on
//! `/metrics`.

use std::time::{Duration, Instant};

use e2e::*;

e2e::on_both_backends!(the_worker_purges_what_is_past_its_retention);

async fn create(s: &Server, token: &str, key: &str) -> Reply {
    let r = s
        .request(Method::POST, "/api/v1/tickets", Some(token))
        .header("Idempotency-Key", key)
        .json(&json!({"subject": "Printer", "description": "on fire", "category": "hardware"}))
        .send()
        .await
        .expect("sent");
    Reply::from(r).await
}

async fn the_worker_purges_what_is_past_its_retention(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "hardware").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let mut ids = Vec::new();
    for i in 0..5 {
        let r = create(&s, &customer, &format!("key-{i}")).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        ids.push(r.body["id"].as_i64().expect("id"));
    }
    let replay = create(&s, &customer, "key-0").await;
    assert_eq!(replay.body["id"].as_i64(), Some(ids[0]), "within the window: replayed");

    // Everything is past its retention at once; two rows per statement.
    let bind = format!("127.0.0.1:{}", free_port());
    let worker = s.spawn_worker_with(
        &bind,
        &[
            ("TICKET__WORKER__PURGE_INTERVAL_SECS", "1"),
            ("TICKET__WORKER__PURGE_BATCH", "2"),
            ("TICKET__WORKER__IDEMPOTENCY_RETENTION_SECS", "0"),
            ("TICKET__WORKER__OUTBOX_RETENTION_SECS", "0"),
            ("TICKET__WORKER__NOTIFICATION_RETENTION_SECS", "0"),
            ("TICKET__WORKER__DEAD_NOTIFICATION_RETENTION_SECS", "0"),
        ],
    );
    let names = [
        "ticket_worker_idempotency_keys_purged_total",
        "ticket_worker_outbox_events_purged_total",
        "ticket_worker_notifications_purged_total",
        "ticket_worker_dead_notifications_purged_total",
    ];
    // Five keys; five events and five "ticket created" e-mails to the customer, each
    // table keeping its newest row.
    let want = vec![5, 4, 4, 0];
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut seen = Vec::new();
    while Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
        seen = match reqwest::get(format!("http://{bind}/metrics")).await {
            Ok(_) => worker_metrics(&bind, &names).await,
            Err(_) => continue,
        };
        if seen == want {
            break;
        }
    }
    assert_eq!(seen, want, "{names:?}\n{}", s.worker_log());
    let metrics = reqwest::get(format!("http://{bind}/metrics"))
        .await
        .expect("metrics")
        .text()
        .await
        .expect("text");
    for job in ["idempotency_purge", "outbox_purge", "notification_purge"] {
        assert!(
            metrics.contains(&format!("ticket_worker_{job}_ticks_total")),
            "{job}: {metrics}"
        );
    }
    let status = terminate(worker);
    assert!(status.success(), "{}", s.worker_log());

    let after = create(&s, &customer, "key-0").await;
    assert_eq!(after.status, StatusCode::CREATED, "{}", after.body);
    assert_ne!(
        after.body["id"].as_i64(),
        Some(ids[0]),
        "past the window the key was forgotten: a new ticket"
    );
    let tickets = s.call(Method::GET, "/api/v1/tickets", Some(&customer), None).await;
    assert_eq!(
        tickets.body["items"].as_array().map(Vec::len),
        Some(6),
        "the tickets themselves stay"
    );
}

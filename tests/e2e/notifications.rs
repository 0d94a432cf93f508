//! Escalation and notifications end to end, on the real binary with its loops in-process
//! and the log channel (no provider configured): an SLA breach raises the priority and
//! tells the supervisor once; the customer hears of an agent's reply but never of an
//! internal note; admins see and retry notifications.

use std::time::{Duration, Instant};

use e2e::*;

e2e::on_both_backends!(people_set_how_texts_reach_them);

async fn people_set_how_texts_reach_them(s: Server) {
    let admin = s.admin().await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let r = s.call(Method::GET, "/api/v1/me/contact", Some(&customer), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        r.body,
        json!({"email": "cu@example.com", "phone": null, "sms_opt_in": false})
    );
    let put = |body: Value| s.call(Method::PUT, "/api/v1/me/contact", Some(&customer), Some(body));
    let r = put(json!({"phone": "+49 30 1234-5678", "sms_opt_in": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["phone"], "+493012345678", "stored in E.164 form");
    for (bad, field) in [
        (json!({"phone": "030 1234567", "sms_opt_in": false}), "phone"),
        (json!({"phone": null, "sms_opt_in": true}), "sms_opt_in"),
    ] {
        let r = put(bad).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    for bad in [
        json!({"phone": "+4930123456", "sms": true}),
        json!({"sms_opt_in": false}),
    ] {
        let r = put(bad).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    }
    let r = s.call(Method::GET, "/api/v1/me/contact", Some(&customer), None).await;
    assert_eq!(r.body["phone"], "+493012345678", "refusals changed nothing");
    assert_eq!(r.body["sms_opt_in"], true);
}

mod live {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let server = e2e::Server::start_with(e2e::Backend::Sqlite, super::LIVE_ENV)
            .await
            .expect("sqlite always runs");
        super::a_breach_escalates_once_and_everyone_hears_what_concerns_them(server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(server) = e2e::Server::start_with(e2e::Backend::Postgres, super::LIVE_ENV).await else {
            return;
        };
        super::a_breach_escalates_once_and_everyone_hears_what_concerns_them(server).await;
    }
}

const LIVE_ENV: &[(&str, &str)] = &[
    ("TICKET__WORKER__EMBEDDED", "true"),
    ("TICKET__WORKER__SLA_INTERVAL_SECS", "1"),
    ("TICKET__WORKER__ESCALATION_INTERVAL_SECS", "1"),
    ("TICKET__WORKER__NOTIFY_INTERVAL_MS", "200"),
];

/// The JSON lines the log channel wrote (`./data/notifications.log` under the server's
/// working directory).
fn delivered(s: &Server) -> Vec<Value> {
    std::fs::read_to_string(s.dir().join("data/notifications.log"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect()
}

/// The sent notifications, as the admin API lists them.
async fn sent(s: &Server, admin: &str) -> Vec<Value> {
    let r = s
        .call(
            Method::GET,
            "/api/v1/notifications?status=sent&limit=100",
            Some(admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"].as_array().cloned().unwrap_or_default()
}

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

fn count(items: &[Value], template: &str, to: &str) -> usize {
    items
        .iter()
        .filter(|n| n["template"] == template && n["address"] == to)
        .count()
}

async fn a_breach_escalates_once_and_everyone_hears_what_concerns_them(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (lead_id, _) = s.account(&admin, "supervisor", "lead@example.com").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    for (id, skills) in [(agent_id, json!([{"category": "billing"}])), (lead_id, json!([]))] {
        let r = s
            .call(
                Method::PATCH,
                &format!("/api/v1/agents/{id}"),
                Some(&admin),
                Some(json!({"skills": skills, "availability": "online"})),
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    }
    // High and urgent tickets must be answered within a minute; a breach raises the
    // priority one level, raises the escalation level and tells the supervisors.
    let policy = json!({"name": "fast", "priorities": ["high", "urgent"], "first_response_minutes": 1,
        "resolution_minutes": 480});
    let r = s
        .call(Method::POST, "/api/v1/sla/policies", Some(&admin), Some(policy))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rule = json!({"name": "first response breached",
        "conditions": [{"type": "sla", "target": "first_response", "trouble": "breached"}],
        "actions": [{"type": "raise_priority"}, {"type": "raise_level"},
                    {"type": "notify", "recipient": "supervisors", "channels": ["email"]}]});
    let r = s
        .call(Method::POST, "/api/v1/escalation-rules", Some(&admin), Some(rule))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rule_id = r.body["id"].as_i64().expect("id");

    let opened = Instant::now();
    let slow = s
        .ticket(
            &customer,
            json!({"subject": "Nobody answers", "description": "Hello?", "category": "billing", "priority": "high"}),
        )
        .await;
    assert_eq!(slow["assignee_id"], agent_id);
    let slow_id = slow["id"].as_i64().expect("id");

    // Meanwhile another ticket gets an internal note and then a public reply.
    let other = s
        .ticket(
            &customer,
            json!({"subject": "Refund please", "description": "Charged twice", "category": "billing"}),
        )
        .await;
    let other_id = other["id"].as_i64().expect("id");
    let comments = format!("/api/v1/tickets/{other_id}/comments");
    for body in [
        json!({"body": "refund fraud suspected, check the card", "visibility": "internal"}),
        json!({"body": "We refunded the second charge.", "visibility": "public"}),
    ] {
        let r = s.call(Method::POST, &comments, Some(&agent), Some(body)).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    }
    eventually(20, "the customer hears of the reply", || async {
        count(&sent(&s, &admin).await, "agent_replied", "cu@example.com") == 1
    })
    .await;
    let to_customer: Vec<Value> = delivered(&s)
        .into_iter()
        .filter(|l| l["to"] == "cu@example.com")
        .collect();
    let reply = to_customer
        .iter()
        .find(|l| {
            l["subject"].as_str().is_some_and(|t| t.contains("Refund please"))
                && l["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("We refunded the second charge."))
        })
        .unwrap_or_else(|| panic!("the reply's text reaches the customer: {to_customer:#?}"));
    assert!(
        reply["html"]
            .as_str()
            .is_some_and(|h| h.contains("We refunded the second charge."))
    );
    for line in &to_customer {
        assert!(
            !line.to_string().contains("fraud"),
            "an internal note reached the customer: {line}"
        );
    }
    assert_eq!(
        to_customer.len(),
        3,
        "two receipts and one reply, nothing for the note: {to_customer:#?}"
    );

    // The breach: the rule fires once, the supervisor is told once.
    eventually(120, "the breach escalates the ticket", || async {
        let r = s
            .call(Method::GET, &format!("/api/v1/tickets/{slow_id}"), Some(&agent), None)
            .await;
        r.body["priority"] == "urgent"
    })
    .await;
    assert!(
        opened.elapsed() >= Duration::from_secs(60),
        "not before the due instant"
    );
    eventually(20, "the supervisor hears of the escalation", || async {
        count(&sent(&s, &admin).await, "ticket_escalated", "lead@example.com") == 1
    })
    .await;
    // Several more ticks of every loop.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let items = sent(&s, &admin).await;
    assert_eq!(count(&items, "ticket_escalated", "lead@example.com"), 1, "{items:#?}");
    assert_eq!(count(&items, "sla_breached", "lead@example.com"), 1, "{items:#?}");
    assert_eq!(count(&items, "sla_breached", "agent@example.com"), 1, "{items:#?}");
    assert_eq!(
        count(&items, "ticket_escalated", "cu@example.com") + count(&items, "sla_breached", "cu@example.com"),
        0,
        "customers hear nothing internal"
    );
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{slow_id}/escalations"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let records = r.body.as_array().cloned().unwrap_or_default();
    assert_eq!(records.len(), 1, "one escalation for one breach: {records:#?}");
    assert_eq!(records[0]["rule_id"], rule_id);
    assert_eq!(records[0]["priority_to"], "urgent");
    let ticket = s
        .call(Method::GET, &format!("/api/v1/tickets/{slow_id}"), Some(&agent), None)
        .await;
    assert_eq!(ticket.body["escalation_level"], 1);
    let escalated = delivered(&s)
        .into_iter()
        .find(|l| {
            l["to"] == "lead@example.com"
                && l["subject"].as_str().is_some_and(|t| t.contains("Nobody answers"))
                && l["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("first response breached"))
        })
        .map(|l| l.to_string());
    assert!(
        escalated.is_some(),
        "the supervisor's e-mail names the rule's reason: {:#?}",
        delivered(&s)
    );

    // Admins only, and bad input is a clear 4xx.
    for token in [&customer, &agent] {
        let r = s.call(Method::GET, "/api/v1/notifications", Some(token), None).await;
        r.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let r = s
        .call(Method::GET, "/api/v1/notifications?status=lost", Some(&admin), None)
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let first = items.last().expect("some sent")["id"].as_i64().expect("id");
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/notifications/{first}/retry"),
            Some(&admin),
            None,
        )
        .await;
    r.assert_problem(StatusCode::CONFLICT, "notification_not_dead");
    let r = s
        .call(Method::POST, "/api/v1/notifications/999999/retry", Some(&admin), None)
        .await;
    r.assert_problem(StatusCode::NOT_FOUND, "not_found");
}

//! Delivery under stress, on PostgreSQL with real `ticket-worker` processes and a fake
//! SendGrid (wiremock) in this process: a provider failing 30 % of calls and a worker
//! killed twice lose nothing; two replicas never send a notification twice nor fire an
//! escalation twice.

use std::collections::BTreeMap;
use std::process::Child;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use adapters_db::testing;
use e2e::*;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

/// What the fake provider saw: accepted messages by idempotency key, and every call.
#[derive(Default)]
struct Seen {
    accepted: BTreeMap<String, u32>,
    calls: u64,
    failed: u64,
    refused: u64,
}

/// A fake SendGrid: refuses addresses starting with `bad` (400, as for an invalid
/// address), fails `fail_percent` % of the other calls with 503, accepts the rest (202).
struct Provider {
    seen: Arc<Mutex<Seen>>,
    fail_percent: u64,
}

impl Respond for Provider {
    fn respond(&self, request: &Request) -> ResponseTemplate {
        let body: Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let p = &body["personalizations"][0];
        let to = p["to"][0]["email"].as_str().unwrap_or_default().to_owned();
        let key = p["custom_args"]["idempotency_key"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let mut seen = self.seen.lock().expect("lock");
        seen.calls += 1;
        if to.starts_with("bad") {
            seen.refused += 1;
            return ResponseTemplate::new(400)
                .set_body_json(json!({"errors": [{"message": "The to email does not contain a valid address.", "field": "personalizations.0.to.0.email"}]}));
        }
        // A well-spread hash of the call number: about `fail_percent` % fail.
        let roll = seen.calls.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 57;
        if roll * 100 / 128 < self.fail_percent {
            seen.failed += 1;
            return ResponseTemplate::new(503).set_body_string("upstream busy");
        }
        *seen.accepted.entry(key).or_default() += 1;
        ResponseTemplate::new(202)
    }
}

async fn fake_sendgrid(fail_percent: u64) -> (MockServer, Arc<Mutex<Seen>>) {
    let server = MockServer::start().await;
    let seen = Arc::new(Mutex::new(Seen::default()));
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(Provider {
            seen: seen.clone(),
            fail_percent,
        })
        .mount(&server)
        .await;
    (server, seen)
}

/// Queues `good` notifications to good addresses and `bad` ones to addresses the
/// provider refuses, all due now.
async fn queue(url: &str, good: i64, bad: i64) {
    let sql = |n: i64, prefix: &str| {
        format!(
            "INSERT INTO notifications (idempotency_key, channel, address, recipient_name, template, context, \
             status, attempts, next_attempt_at, created_at) \
             SELECT '{prefix}-' || i, 'email', '{prefix}' || i || '@example.com', 'Customer ' || i, 'ticket_created', \
             '{{\"ticket_number\":\"TKT-' || lpad(i::text, 6, '0') || '\",\"ticket_subject\":\"Load\"}}', \
             'pending', 0, now() AT TIME ZONE 'UTC', now() AT TIME ZONE 'UTC' FROM generate_series(1, {n}) AS i;"
        )
    };
    testing::postgres_execute(url, &format!("{}{}", sql(good, "good"), sql(bad, "bad")))
        .await
        .expect("queues notifications");
}

async fn count(url: &str, sql: &str) -> i64 {
    testing::postgres_count(url, sql).await.expect("counts")
}

const BATCH: i64 = 50;

fn worker_env(provider: &str) -> Vec<(&'static str, String)> {
    vec![
        ("TICKET__NOTIFY__SENDGRID__API_KEY", "SG.test-key".into()),
        ("TICKET__NOTIFY__SENDGRID__BASE_URL", provider.to_owned()),
        ("TICKET__NOTIFY__EMAIL_FROM", "support@example.com".into()),
        ("TICKET__WORKER__NOTIFY_INTERVAL_MS", "50".into()),
        ("TICKET__WORKER__NOTIFY_BATCH", BATCH.to_string()),
        ("TICKET__WORKER__NOTIFY_LEASE_SECS", "3".into()),
        ("TICKET__WORKER__NOTIFY_CONCURRENCY", "8".into()),
        ("TICKET__WORKER__NOTIFY_MAX_ATTEMPTS", "30".into()),
        ("TICKET__WORKER__NOTIFY_RETRY_BASE_MS", "20".into()),
        ("TICKET__WORKER__NOTIFY_RETRY_MAX_MS", "400".into()),
        ("TICKET__LOG__LEVEL", "warn".into()),
    ]
}

fn spawn(s: &Server, log: &str, env: &[(&'static str, String)]) -> Child {
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    s.spawn_worker_logged(log, &format!("127.0.0.1:{}", free_port()), &env)
}

fn accepted_calls(seen: &Mutex<Seen>) -> u64 {
    seen.lock()
        .expect("lock")
        .accepted
        .values()
        .map(|n| u64::from(*n))
        .sum()
}

async fn wait_for(secs: u64, what: &str, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done().await {
        assert!(Instant::now() < deadline, "not within {secs} s: {what}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_flaky_provider_and_two_kills_lose_nothing() {
    const GOOD: i64 = 9_900;
    const BAD: i64 = 100;
    let Some(s) = Server::start(Backend::Postgres).await else {
        return;
    };
    let (provider, seen) = fake_sendgrid(30).await;
    let url = s.database_url.clone();
    queue(&url, GOOD, BAD).await;
    let env = worker_env(&provider.uri());
    let started = Instant::now();
    let mut worker = spawn(&s, "fault-1.log", &env);
    // Killed without warning twice, mid-run, then let finish.
    for (kill_at, next_log) in [(2_000_u64, "fault-2.log"), (5_000, "fault-3.log")] {
        wait_for(120, "deliveries before the kill", async || {
            accepted_calls(&seen) >= kill_at
        })
        .await;
        worker.kill().expect("SIGKILL");
        worker.wait().expect("reaped");
        let leased = count(
            &url,
            "SELECT count(*) AS n FROM notifications WHERE lease_until IS NOT NULL",
        )
        .await;
        eprintln!(
            "killed at {} accepted; {leased} rows left leased",
            accepted_calls(&seen)
        );
        worker = spawn(&s, next_log, &env);
    }
    wait_for(300, "nothing pending", async || {
        count(&url, "SELECT count(*) AS n FROM notifications WHERE status = 'pending'").await == 0
    })
    .await;
    let elapsed = started.elapsed();
    terminate(worker);

    let sent = count(&url, "SELECT count(*) AS n FROM notifications WHERE status = 'sent'").await;
    let dead = count(&url, "SELECT count(*) AS n FROM notifications WHERE status = 'dead'").await;
    let reasons = count(
        &url,
        "SELECT count(*) AS n FROM notifications WHERE status = 'dead' AND attempts = 1 \
         AND last_error LIKE '%HTTP 400%does not contain a valid address%'",
    )
    .await;
    let seen = seen.lock().expect("lock");
    let distinct = seen.accepted.len() as i64;
    let accepted: i64 = seen.accepted.values().map(|n| i64::from(*n)).sum();
    let duplicates = accepted - distinct;
    eprintln!(
        "{} notifications in {:.1} s: {} calls, {} failed with 503, {} refused with 400, {} accepted for {} distinct keys \
         ({} duplicates), sent {sent}, dead {dead}",
        GOOD + BAD,
        elapsed.as_secs_f64(),
        seen.calls,
        seen.failed,
        seen.refused,
        accepted,
        distinct,
        duplicates
    );
    assert_eq!(sent + dead, GOOD + BAD, "none lost");
    assert_eq!(distinct, GOOD, "every good notification reached the provider");
    assert_eq!(sent, GOOD, "and is recorded sent");
    assert!(
        seen.failed as f64 > 0.2 * seen.calls as f64,
        "the provider failed about 30 % of calls: {} of {}",
        seen.failed,
        seen.calls
    );
    assert!(
        duplicates <= 2 * BATCH,
        "a kill resends at most the batch in flight: {duplicates} duplicates"
    );
    assert_eq!(dead, BAD, "the refused ones are dead-lettered");
    assert_eq!(reasons, BAD, "after one attempt, with the provider's reason");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_send_each_notification_once_and_fire_each_escalation_once() {
    const NOTIFICATIONS: i64 = 3_000;
    const TICKETS: i64 = 200;
    let Some(s) = Server::start(Backend::Postgres).await else {
        return;
    };
    let (provider, seen) = fake_sendgrid(10).await;
    let url = s.database_url.clone();
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    // Every ticket is at risk within a second: a one-minute first response, warned at 1 %.
    let policy = json!({"name": "fast", "priorities": ["normal"], "first_response_minutes": 1,
        "resolution_minutes": 480, "warning_percent": 1});
    let r = s
        .call(Method::POST, "/api/v1/sla/policies", Some(&admin), Some(policy))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let rule = json!({"name": "at risk", "conditions": [{"type": "sla", "target": "first_response", "trouble": "at_risk"}],
        "actions": [{"type": "raise_level"}]});
    let r = s
        .call(Method::POST, "/api/v1/escalation-rules", Some(&admin), Some(rule))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let mut env = worker_env(&provider.uri());
    env.extend([
        ("TICKET__WORKER__ESCALATION_INTERVAL_SECS", "1".to_owned()),
        ("TICKET__WORKER__ESCALATION_BATCH", "10".to_owned()),
        ("TICKET__WORKER__SLA_INTERVAL_SECS", "1".to_owned()),
        // No crash here: a lease long enough that a slow machine never lets a replica take
        // over a batch still being sent (that would be a resend, not a bug of the claim).
        ("TICKET__WORKER__NOTIFY_LEASE_SECS", "60".to_owned()),
    ]);
    let binds = [
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    ];
    let workers: Vec<Child> = binds
        .iter()
        .enumerate()
        .map(|(i, bind)| {
            let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
            s.spawn_worker_logged(&format!("replica-{i}.log"), bind, &env)
        })
        .collect();
    // Both replicas up before there is work, so both get some.
    for bind in &binds {
        wait_for(60, "the replica serves /healthz", async || {
            reqwest::get(format!("http://{bind}/healthz"))
                .await
                .is_ok_and(|r| r.status().is_success())
        })
        .await;
    }
    queue(&url, NOTIFICATIONS, 0).await;
    for i in 0..TICKETS {
        s.ticket(
            &customer,
            json!({"subject": format!("Slow {i}"), "description": "waiting", "category": "billing"}),
        )
        .await;
    }
    wait_for(180, "every ticket escalated and every notification out", async || {
        let escalated = count(&url, "SELECT count(*) AS n FROM tickets WHERE escalation_level > 0").await;
        let pending = count(&url, "SELECT count(*) AS n FROM notifications WHERE status = 'pending'").await;
        escalated == TICKETS && pending == 0
    })
    .await;
    // A few more ticks of both replicas.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let names = [
        "ticket_worker_notifications_sent_total",
        "ticket_worker_escalation_fired_total",
    ];
    let a = worker_metrics(&binds[0], &names).await;
    let b = worker_metrics(&binds[1], &names).await;
    for w in workers {
        terminate(w);
    }
    let escalations = count(
        &url,
        "SELECT count(*) AS n FROM ticket_history WHERE event_type = 'TicketEscalated'",
    )
    .await;
    let twice = count(
        &url,
        "SELECT count(*) AS n FROM (SELECT ticket_id FROM ticket_history WHERE event_type = 'TicketEscalated' \
         GROUP BY ticket_id HAVING count(*) > 1) AS t",
    )
    .await;
    let unsent = count(&url, "SELECT count(*) AS n FROM notifications WHERE status <> 'sent'").await;
    let seen = seen.lock().expect("lock");
    let repeated: Vec<(&String, &u32)> = seen.accepted.iter().filter(|(_, n)| **n > 1).collect();
    eprintln!(
        "replicas: notifications sent {} + {}, escalations fired {} + {}; provider calls {}, 503s {}, accepted keys {}",
        a[0],
        b[0],
        a[1],
        b[1],
        seen.calls,
        seen.failed,
        seen.accepted.len()
    );
    assert_eq!(escalations, TICKETS, "one escalation per ticket");
    assert_eq!(twice, 0);
    assert_eq!(a[1] + b[1], TICKETS, "the replicas' firings add up");
    assert!(a[1] > 0 && b[1] > 0, "both replicas escalated: {} and {}", a[1], b[1]);
    assert!(
        repeated.is_empty(),
        "sent twice: {:?}",
        &repeated[..repeated.len().min(5)]
    );
    let queued_out = seen.accepted.keys().filter(|k| k.starts_with("good-")).count() as i64;
    assert_eq!(queued_out, NOTIFICATIONS, "every queued notification went out");
    assert_eq!(unsent, 0, "none given up");
    assert!(a[0] > 0 && b[0] > 0, "both replicas sent: {} and {}", a[0], b[0]);
    assert_eq!(
        a[0] + b[0],
        seen.accepted.len() as i64,
        "each accepted once, by one replica"
    );
}

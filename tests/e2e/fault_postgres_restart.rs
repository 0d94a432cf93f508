//! Fault suite (1): PostgreSQL restarts while clients create tickets. The service answers
//! only 201 or 503 (with `Retry-After`) meanwhile, loses no ticket it answered 201 for,
//! and answers 201 again within 5 s of PostgreSQL being back, without being restarted.
//!
//! Runs on a PostgreSQL cluster of its own (it is restarted, so not `TEST_DATABASE_URL`'s).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use adapters_db::testing::{self, ClusterKind, ThrowawayCluster};
use e2e::*;

const CLIENTS: usize = 8;
const RUN_FOR: Duration = Duration::from_secs(10);
const RESTART_AFTER: Duration = Duration::from_secs(3);

/// One answer: when (since the start), its status, whether it carried `Retry-After`,
/// and the ticket's id for a 201.
struct Answer {
    at: Duration,
    status: Option<StatusCode>,
    retry_after: bool,
    ticket: Option<i64>,
    problem: String,
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_postgres_restart_under_load_answers_only_201_or_503_and_loses_nothing() {
    let Some(cluster) = tokio::task::spawn_blocking(|| ThrowawayCluster::start(ClusterKind::Plain))
        .await
        .expect("starts the cluster")
    else {
        return;
    };
    let cluster = Arc::new(cluster);
    let url = cluster.url("127.0.0.1", "");
    let s = Arc::new(Server::start_on(&url, &[]).await);
    let admin = s.admin().await;
    s.category(&admin, "hardware").await;
    let (_, customer) = s.account(&admin, "customer", "restart@example.com").await;

    let started = Instant::now();
    let stop = Arc::new(AtomicBool::new(false));
    let mut clients = Vec::new();
    for client in 0..CLIENTS {
        let (s, customer, stop) = (Arc::clone(&s), customer.clone(), Arc::clone(&stop));
        clients.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            let mut n = 0;
            while !stop.load(Ordering::Relaxed) {
                n += 1;
                let body = json!({
                    "subject": format!("client {client} ticket {n}"),
                    "description": "created while PostgreSQL restarts",
                    "category": "hardware",
                });
                let sent = s
                    .request(Method::POST, "/api/v1/tickets", Some(&customer))
                    .timeout(Duration::from_secs(10))
                    .json(&body)
                    .send()
                    .await;
                let at = started.elapsed();
                let answer = match sent {
                    Ok(r) => {
                        let r = Reply::from(r).await;
                        Answer {
                            at,
                            status: Some(r.status),
                            retry_after: r.header("retry-after").is_some(),
                            ticket: r.body["id"].as_i64().filter(|_| r.status == StatusCode::CREATED),
                            problem: r.body["code"].as_str().unwrap_or_default().to_owned(),
                        }
                    }
                    Err(e) => Answer {
                        at,
                        status: None,
                        retry_after: false,
                        ticket: None,
                        problem: e.to_string(),
                    },
                };
                let unavailable = answer.status == Some(StatusCode::SERVICE_UNAVAILABLE);
                answers.push(answer);
                if unavailable {
                    // A client honouring Retry-After would wait longer; this one keeps
                    // the pressure on to find any other answer.
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            }
            answers
        }));
    }

    tokio::time::sleep(RESTART_AFTER).await;
    let restart_began = started.elapsed();
    let restarter = Arc::clone(&cluster);
    tokio::task::spawn_blocking(move || restarter.restart())
        .await
        .expect("restarts PostgreSQL");
    // pg_ctl -w returned: PostgreSQL accepts connections again.
    let back_at = started.elapsed();

    tokio::time::sleep(RUN_FOR.saturating_sub(started.elapsed())).await;
    stop.store(true, Ordering::Relaxed);
    let mut answers = Vec::new();
    for client in clients {
        answers.extend(client.await.expect("client task"));
    }

    let created: Vec<i64> = answers.iter().filter_map(|a| a.ticket).collect();
    let count = |status: StatusCode| answers.iter().filter(|a| a.status == Some(status)).count();
    let (ok, unavailable) = (count(StatusCode::CREATED), count(StatusCode::SERVICE_UNAVAILABLE));
    let first_201_after_back = answers
        .iter()
        .filter(|a| a.status == Some(StatusCode::CREATED) && a.at >= back_at)
        .map(|a| a.at)
        .min();
    let recovery = first_201_after_back.map(|at| at.saturating_sub(back_at));
    eprintln!(
        "fault_postgres_restart: {} requests from {CLIENTS} clients in {:.1} s: {ok} x 201, {unavailable} x 503, {} other; \
         restart began at {:.2} s, PostgreSQL back at {:.2} s (restart took {:.2} s), first 201 after it {}",
        answers.len(),
        started.elapsed().as_secs_f64(),
        answers.len() - ok - unavailable,
        restart_began.as_secs_f64(),
        back_at.as_secs_f64(),
        (back_at - restart_began).as_secs_f64(),
        recovery.map_or("never".to_owned(), |r| format!("{} ms later", r.as_millis())),
    );

    let others: Vec<String> = answers
        .iter()
        .filter(|a| !matches!(a.status, Some(StatusCode::CREATED | StatusCode::SERVICE_UNAVAILABLE)))
        .take(10)
        .map(|a| format!("{:?} {} at {:?}", a.status, a.problem, a.at))
        .collect();
    assert!(
        others.is_empty(),
        "answers other than 201 and 503: {others:?}\n{}",
        s.log_text()
    );
    assert!(
        answers
            .iter()
            .filter(|a| a.status == Some(StatusCode::SERVICE_UNAVAILABLE))
            .all(|a| a.retry_after && a.problem == "service_unavailable"),
        "every 503 is service_unavailable with Retry-After"
    );
    assert!(
        ok > 0 && unavailable > 0,
        "the restart was seen: {ok} x 201, {unavailable} x 503"
    );
    let recovery = recovery.expect("a ticket was created after PostgreSQL came back");
    assert!(recovery <= Duration::from_secs(5), "back after {recovery:?}");

    // Every ticket answered 201 is stored.
    let ids: Vec<String> = created.iter().map(i64::to_string).collect();
    let stored = testing::postgres_count(
        &url,
        &format!("SELECT COUNT(*) AS n FROM tickets WHERE id IN ({})", ids.join(",")),
    )
    .await
    .expect("counts the tickets");
    assert_eq!(
        stored,
        i64::try_from(created.len()).expect("fits"),
        "tickets answered 201 but not stored"
    );
    let distinct: std::collections::HashSet<i64> = created.iter().copied().collect();
    assert_eq!(distinct.len(), created.len(), "no id answered twice");
}

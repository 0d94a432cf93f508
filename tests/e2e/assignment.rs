//! Assignment end to end, with the worker loops in `ticket-api` and the queue ticking
//! every 200 ms: automatic assignment on creation by skill and load, the queue serving a
//! ticket when capacity frees and when an agent comes online, capacity refusals and an
//! admin's force, the assignment record, the workload report, and what customers see.

use std::time::{Duration, Instant};

use adapters_db::testing;
use e2e::*;

mod live {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let server = e2e::Server::start_with(e2e::Backend::Sqlite, super::ENV)
            .await
            .expect("sqlite always runs");
        super::tickets_are_routed_by_skill_and_load_and_wait_in_the_queue(server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(server) = e2e::Server::start_with(e2e::Backend::Postgres, super::ENV).await else {
            return;
        };
        super::tickets_are_routed_by_skill_and_load_and_wait_in_the_queue(server).await;
    }
}

const ENV: &[(&str, &str)] = &[
    ("TICKET__WORKER__EMBEDDED", "true"),
    ("TICKET__WORKER__QUEUE_INTERVAL_MS", "200"),
];

/// Configures an agent as an admin.
async fn configure(s: &Server, admin: &str, id: i64, body: Value) {
    let r = s
        .call(Method::PATCH, &format!("/api/v1/agents/{id}"), Some(admin), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn open(s: &Server, customer: &str, category: &str) -> i64 {
    let t = s
        .ticket(
            customer,
            json!({"subject": "help", "description": "please", "category": category}),
        )
        .await;
    t["id"].as_i64().expect("id")
}

async fn assignee(s: &Server, token: &str, id: i64) -> Option<i64> {
    let r = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["assignee_id"].as_i64()
}

/// Waits (at most 15 s) until the queue gives ticket `id` to an agent.
async fn assigned_by_the_queue(s: &Server, token: &str, id: i64) -> i64 {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if let Some(agent) = assignee(s, token, id).await {
            return agent;
        }
        assert!(Instant::now() < deadline, "ticket {id} still queued");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn tickets_are_routed_by_skill_and_load_and_wait_in_the_queue(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    s.category(&admin, "hardware").await;
    let (anna, anna_token) = s.account(&admin, "agent", "anna@example.com").await;
    let (boris, _) = s.account(&admin, "agent", "boris@example.com").await;
    let (chen, chen_token) = s.account(&admin, "agent", "chen@example.com").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let billing = json!([{"category": "billing"}]);
    configure(
        &s,
        &admin,
        anna,
        json!({"skills": billing, "capacity": 2, "availability": "online"}),
    )
    .await;
    configure(
        &s,
        &admin,
        boris,
        json!({"skills": billing, "capacity": 1, "availability": "online"}),
    )
    .await;
    configure(
        &s,
        &admin,
        chen,
        json!({"skills": [{"category": "hardware", "level": 4}], "capacity": 3}),
    )
    .await;

    // On creation: the lowest weighted load wins, the lowest id breaks the first tie.
    let t1 = open(&s, &customer, "billing").await;
    let t2 = open(&s, &customer, "billing").await;
    let t3 = open(&s, &customer, "billing").await;
    assert_eq!(assignee(&s, &admin, t1).await, Some(anna));
    assert_eq!(assignee(&s, &admin, t2).await, Some(boris));
    assert_eq!(assignee(&s, &admin, t3).await, Some(anna), "Boris is full");
    let record = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{t1}/assignments"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    let first = &record.body[0];
    assert_eq!((first["automatic"].as_bool(), first["by"].as_i64()), (Some(true), None));
    assert_eq!(first["agent_id"], anna);
    let reason = first["reason"].as_str().unwrap_or_default();
    assert!(
        reason.starts_with("skill billing; load 0 of 2 open (weighted 0); online"),
        "{reason}"
    );

    // Everyone skilled is full: the fourth waits; a person cannot overfill Boris either.
    let t4 = open(&s, &customer, "billing").await;
    assert_eq!(assignee(&s, &admin, t4).await, None);
    let path4 = format!("/api/v1/tickets/{t4}/assignment");
    s.call(
        Method::POST,
        &path4,
        Some(&anna_token),
        Some(json!({"agent_id": boris})),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "agent_at_capacity");
    s.call(Method::POST, &path4, Some(&anna_token), Some(json!({"agent_id": chen})))
        .await
        .assert_problem(StatusCode::CONFLICT, "agent_unavailable");
    s.call(
        Method::POST,
        &path4,
        Some(&anna_token),
        Some(json!({"agent_id": boris, "force": true})),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Anna closes one: the queue gives her the waiting ticket.
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t1}/close"),
            Some(&anna_token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(assigned_by_the_queue(&s, &admin, t4).await, anna);

    // A hardware ticket waits until Chen comes online.
    let t5 = open(&s, &customer, "hardware").await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(assignee(&s, &admin, t5).await, None, "Chen is offline");
    let r = s
        .call(
            Method::PUT,
            "/api/v1/agents/me/availability",
            Some(&chen_token),
            Some(json!({"availability": "online"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(assigned_by_the_queue(&s, &admin, t5).await, chen);
    let record = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{t5}/assignments"),
            Some(&chen_token),
            None,
        )
        .await;
    let reason = record.body[0]["reason"].as_str().unwrap_or_default();
    assert!(reason.starts_with("skill hardware (level 4); load 0 of 3"), "{reason}");

    // An admin may overfill an agent on purpose.
    let t6 = open(&s, &customer, "billing").await;
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{t6}/assignment"),
            Some(&admin),
            Some(json!({"agent_id": boris, "force": true, "reason": "VIP, Boris knows them"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The workload matches the tickets: Anna t3 + t4, Boris t2 + t6 (2 of 1), Chen t5.
    let r = s
        .call(Method::GET, "/api/v1/agents/workload", Some(&chen_token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let line = |id: i64| {
        r.body["agents"]
            .as_array()
            .and_then(|a| a.iter().find(|l| l["user_id"] == id))
            .cloned()
            .unwrap_or_default()
    };
    let (a, b, c) = (line(anna), line(boris), line(chen));
    assert_eq!((a["open"].as_u64(), a["capacity"].as_u64()), (Some(2), Some(2)), "{a}");
    assert_eq!(a["by_status"][0], json!({"name": "assigned", "count": 2}));
    assert_eq!(a["by_priority"][1], json!({"name": "normal", "count": 2}));
    assert_eq!(
        (a["weighted_load"].as_u64(), a["utilisation"].as_f64()),
        (Some(4), Some(1.0))
    );
    assert_eq!(
        (b["open"].as_u64(), b["utilisation"].as_f64()),
        (Some(2), Some(2.0)),
        "{b}"
    );
    assert_eq!(
        (c["open"].as_u64(), c["availability"].as_str()),
        (Some(1), Some("online")),
        "{c}"
    );
    assert_eq!(a["display_name"], "anna@example.com");
    // The window is bounded: the report is computed on every call.
    for bad in [0, 91, 365] {
        s.call(
            Method::GET,
            &format!("/api/v1/agents/workload?window_days={bad}"),
            Some(&admin),
            None,
        )
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    let r = s
        .call(
            Method::GET,
            "/api/v1/agents/workload?window_days=90",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    for bad in ["abc", "-1", "99999999999"] {
        s.call(
            Method::GET,
            &format!("/api/v1/agents/workload?window_days={bad}"),
            Some(&admin),
            None,
        )
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid_query");
    }
    let r = s
        .call(Method::GET, "/api/v1/agents/workload?window_days=7", Some(&admin), None)
        .await;
    assert_eq!(r.body["window_days"], 7, "{}", r.body);

    // Customers see who has their ticket, nothing of how it got there.
    s.call(Method::GET, "/api/v1/agents/workload", Some(&customer), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    s.call(
        Method::GET,
        &format!("/api/v1/tickets/{t4}/assignments"),
        Some(&customer),
        None,
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    assert_eq!(assignee(&s, &customer, t4).await, Some(anna));
    let seen = s
        .call(Method::GET, &format!("/api/v1/tickets/{t4}"), Some(&customer), None)
        .await;
    assert_eq!(seen.body["assignee_name"], "anna@example.com", "who has it, by name");
    let listed = s
        .call(Method::GET, "/api/v1/tickets?limit=100", Some(&customer), None)
        .await;
    let names: Vec<&str> = listed.body["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|t| t["assignee_name"].as_str()).collect())
        .unwrap_or_default();
    assert!(
        names.contains(&"boris@example.com") && names.contains(&"chen@example.com"),
        "{names:?}"
    );
    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{t4}/history"),
            Some(&customer),
            None,
        )
        .await;
    let types: Vec<&str> = history.body["items"]
        .as_array()
        .map(|items| items.iter().filter_map(|e| e["type"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(types, vec!["TicketCreated"], "no assignment entries for customers");
}

mod two_workers_and_the_api_never_overfill_an_agent {
    /// The API without the loops: the two workers are the queue's only servers.
    const ENV: &[(&str, &str)] = &[("TICKET__WORKER__EMBEDDED", "false")];

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let server = e2e::Server::start_with(e2e::Backend::Sqlite, ENV)
            .await
            .expect("sqlite always runs");
        super::two_workers_and_the_api(server, "h.details").await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(server) = e2e::Server::start_with(e2e::Backend::Postgres, ENV).await else {
            return;
        };
        super::two_workers_and_the_api(server, "h.details::json").await;
    }
}

/// Calls until the answer is not 503: with SQLite's one writer shared by the API and two
/// worker processes, a write may wait past `busy_timeout` and be answered "retry shortly"
/// (nothing written), which a client does.
async fn retrying(s: &Server, method: Method, path: &str, token: &str, body: Option<Value>) -> Reply {
    for _ in 0..100 {
        let r = s.call(method.clone(), path, Some(token), body.clone()).await;
        if r.status != StatusCode::SERVICE_UNAVAILABLE {
            return r;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{method} {path}: unavailable for 10 s");
}

/// Two `ticket-worker` processes and concurrent API calls on one database: 5,000 tickets
/// opened while 20 agents with 3 places each close what they get. Every ticket is
/// assigned exactly once, no agent ever holds more than their capacity (replayed from the
/// history in commit order), and the queue is drained as places free up. `details` is
/// the backend's SQL for a history entry's details as JSON.
async fn two_workers_and_the_api(s: Server, details: &str) {
    const TICKETS: i64 = 5000;
    const AGENTS: i64 = 20;
    const CAPACITY: i64 = 3;
    const OPENERS: i64 = 8;
    const CLOSERS: i64 = 4;
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    for i in 0..AGENTS {
        let (id, _) = s.account(&admin, "agent", &format!("agent{i}@example.com")).await;
        let body = json!({"skills": [{"category": "billing"}], "capacity": CAPACITY, "availability": "online"});
        configure(&s, &admin, id, body).await;
    }
    let env = [
        ("TICKET__WORKER__QUEUE_INTERVAL_MS", "50"),
        ("TICKET__WORKER__QUEUE_BATCH", "40"),
    ];
    let binds = [
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    ];
    let workers = [
        s.spawn_worker_logged("queue-a.log", &binds[0], &env),
        s.spawn_worker_logged("queue-b.log", &binds[1], &env),
    ];
    let s = std::sync::Arc::new(s);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..OPENERS {
        let (s, customer) = (s.clone(), customer.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..TICKETS / OPENERS {
                let body = json!({"subject": "help", "description": "please", "category": "billing"});
                let r = retrying(&s, Method::POST, "/api/v1/tickets", &customer, Some(body)).await;
                assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
            }
        }));
    }
    // Closers play the agents finishing work: each takes the assigned tickets whose id
    // falls to it and closes them, until every ticket is closed.
    for k in 0..CLOSERS {
        let (s, admin) = (s.clone(), admin.clone());
        tasks.push(tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(600);
            loop {
                let page = retrying(
                    &s,
                    Method::GET,
                    "/api/v1/tickets?status=assigned&limit=100&sort=created_at",
                    &admin,
                    None,
                )
                .await;
                let ids: Vec<i64> = page.body["items"]
                    .as_array()
                    .map(|items| items.iter().filter_map(|t| t["id"].as_i64()).collect())
                    .unwrap_or_default();
                for id in ids.into_iter().filter(|id| id % CLOSERS == k) {
                    let r = retrying(&s, Method::POST, &format!("/api/v1/tickets/{id}/close"), &admin, None).await;
                    assert!(
                        r.status == StatusCode::OK || r.status == StatusCode::CONFLICT,
                        "{}",
                        r.body
                    );
                }
                let closed = testing::count(
                    &s.database_url,
                    "SELECT count(*) AS n FROM tickets WHERE status = 'closed'",
                )
                .await
                .expect("counts");
                if closed >= TICKETS {
                    return;
                }
                assert!(Instant::now() < deadline, "{closed} closed after 10 minutes");
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }));
    }
    for t in tasks {
        t.await.expect("opens and closes");
    }
    let elapsed = started.elapsed();
    let url = &s.database_url;
    assert_eq!(
        testing::count(url, "SELECT count(*) AS n FROM tickets WHERE status <> 'closed'").await,
        Ok(0),
        "drained"
    );
    assert_eq!(
        testing::count(
            url,
            "SELECT count(*) AS n FROM ticket_history WHERE event_type = 'TicketAssigned'"
        )
        .await,
        Ok(TICKETS),
        "every ticket assigned once"
    );
    assert_eq!(
        testing::count(
            url,
            "SELECT count(*) AS n FROM (SELECT ticket_id FROM ticket_history WHERE event_type = 'TicketAssigned' \
             GROUP BY ticket_id HAVING count(*) > 1) twice"
        )
        .await,
        Ok(0),
        "no ticket assigned twice"
    );
    // Replay: +1 when an agent is given a ticket, -1 when it closes; in history order,
    // which is commit order for one agent (ids are taken after the agent's lock).
    let running = format!(
        "WITH deltas AS (
            SELECT h.id, CAST({details} ->> 'assignee' AS BIGINT) AS agent, 1 AS delta
              FROM ticket_history h WHERE h.event_type = 'TicketAssigned'
            UNION ALL
            SELECT h.id, t.assignee_id, -1
              FROM ticket_history h JOIN tickets t ON t.id = h.ticket_id
             WHERE h.event_type = 'TicketStatusChanged' AND {details} ->> 'to' = 'closed'
        ), running AS (
            SELECT agent, sum(delta) OVER (PARTITION BY agent ORDER BY id) AS load FROM deltas
        )"
    );
    let over = format!(
        "{running} SELECT count(*) AS n FROM running r JOIN agent_profiles p ON p.user_id = r.agent \
         WHERE r.load > p.capacity"
    );
    assert_eq!(
        testing::count(url, &over).await,
        Ok(0),
        "no agent above capacity at any instant"
    );
    let peak = format!("{running} SELECT count(DISTINCT agent) AS n FROM running WHERE load = {CAPACITY}");
    assert_eq!(
        testing::count(url, &peak).await,
        Ok(AGENTS),
        "every agent was filled to capacity at some point"
    );

    let mut shares = Vec::new();
    for bind in &binds {
        let names = [
            "ticket_worker_queue_assigned_total",
            "ticket_worker_queue_refused_total",
            "ticket_worker_queue_conflicts_total",
        ];
        let v = worker_metrics(bind, &names).await;
        shares.push((v[0], v[1], v[2]));
    }
    for w in workers {
        assert!(terminate(w).success(), "workers stop gracefully");
    }
    let from_queue: i64 = shares.iter().map(|s| s.0).sum();
    assert!(
        shares.iter().all(|s| s.0 > 0),
        "both workers served the queue: {shares:?}"
    );
    let line = format!(
        "{TICKETS} tickets in {:.1} s; assigned on creation {}, by the queue {from_queue} (worker a, b: assigned/refused/conflicts {shares:?})\n",
        elapsed.as_secs_f64(),
        TICKETS - from_queue,
    );
    std::io::Write::write_all(&mut std::io::stderr(), line.as_bytes()).expect("writes");
}

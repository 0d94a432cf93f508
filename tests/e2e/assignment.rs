//! Assignment end to end, with the worker loops in `ticket-api` and the queue ticking
//! every 200 ms: automatic assignment on creation by skill and load, the queue serving a
//! ticket when capacity frees and when an agent comes online, capacity refusals and an
//! admin's force, the assignment record, the workload report, and what customers see.

use std::time::{Duration, Instant};

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
    s.call(Method::GET, "/api/v1/agents/workload?window_days=0", Some(&admin), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

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

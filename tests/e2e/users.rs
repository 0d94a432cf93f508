//! People end to end, on both backends: the account list (filters, pages, search) by
//! role, account changes as a whole (staff roles only, the last admin), deactivation
//! ending live sessions and sending an agent's open tickets back to the queue, which
//! gives them to another online agent (the worker loops run in `ticket-api`), the roster
//! of agents, reactivation, and the operator's `ticket-api user list` / `user deactivate`.

use std::time::{Duration, Instant};

use e2e::*;

e2e::on_both_backends!(people_are_listed_and_changed_by_the_rules);

mod live {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let server = e2e::Server::start_with(e2e::Backend::Sqlite, super::ENV)
            .await
            .expect("sqlite always runs");
        super::a_deactivated_agents_tickets_go_to_another_online_agent(server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(server) = e2e::Server::start_with(e2e::Backend::Postgres, super::ENV).await else {
            return;
        };
        super::a_deactivated_agents_tickets_go_to_another_online_agent(server).await;
    }
}

const ENV: &[(&str, &str)] = &[
    ("TICKET__WORKER__EMBEDDED", "true"),
    ("TICKET__WORKER__QUEUE_INTERVAL_MS", "200"),
];

const PASSWORD: &str = "password for tests";

fn ids(r: &Reply) -> Vec<i64> {
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|u| u["id"].as_i64().expect("id"))
        .collect()
}

async fn patch(s: &Server, token: &str, id: i64, body: Value) -> Reply {
    s.call(Method::PATCH, &format!("/api/v1/users/{id}"), Some(token), Some(body))
        .await
}

async fn customer(s: &Server, admin: &str, email: &str, name: &str) -> i64 {
    let body = json!({"email": email, "display_name": name, "password": PASSWORD});
    let r = s.call(Method::POST, "/api/v1/customers", Some(admin), Some(body)).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_i64().expect("id")
}

async fn people_are_listed_and_changed_by_the_rules(s: Server) {
    let admin = s.admin().await;
    let me = s.call(Method::GET, "/api/v1/me", Some(&admin), None).await;
    let admin_id = me.body["id"].as_i64().expect("id");
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (boss_id, boss) = s.account(&admin, "supervisor", "boss@example.com").await;
    let carol = customer(&s, &admin, "carol@example.com", "Carol Weiß").await;
    let dave = customer(&s, &admin, "dave@example.com", "Dave 100% Sure").await;
    let (erin, erin_token) = s.account(&admin, "customer", "erin@example.com").await;

    // Admins: everyone, newest first; pages of two cover everyone once.
    let everyone = ids(&s.call(Method::GET, "/api/v1/users", Some(&admin), None).await);
    assert_eq!(everyone, vec![erin, dave, carol, boss_id, agent_id, admin_id]);
    let mut paged = Vec::new();
    let mut path = "/api/v1/users?limit=2".to_owned();
    loop {
        let r = s.call(Method::GET, &path, Some(&admin), None).await;
        paged.extend(ids(&r));
        match r.body["next_cursor"].as_str() {
            Some(next) => path = format!("/api/v1/users?limit=2&cursor={next}"),
            None => break,
        }
    }
    assert_eq!(paged, everyone);
    let staff = ids(&s
        .call(Method::GET, "/api/v1/users?role=supervisor", Some(&admin), None)
        .await);
    assert_eq!(staff, vec![boss_id]);
    let found = ids(&s.call(Method::GET, "/api/v1/users?q=CAROL", Some(&admin), None).await);
    assert_eq!(found, vec![carol], "case-insensitive, e-mail or name");
    let literal = ids(&s.call(Method::GET, "/api/v1/users?q=100%25", Some(&admin), None).await);
    assert_eq!(literal, vec![dave], "% is no wildcard");
    let wildcard = ids(&s.call(Method::GET, "/api/v1/users?q=_", Some(&admin), None).await);
    assert!(wildcard.is_empty(), "_ is no wildcard");
    let one = s
        .call(Method::GET, &format!("/api/v1/users/{erin}"), Some(&admin), None)
        .await;
    assert_eq!(one.status, StatusCode::OK, "{}", one.body);
    assert_eq!(one.body["email"], "erin@example.com");
    assert_eq!(one.body["role"], "customer");
    assert_eq!(one.body["active"], true);
    assert_eq!(one.body["email_verified"], true);
    assert!(one.body["last_login_at"].is_string(), "{}", one.body);
    for bad in ["q=a%07b", "limit=0", "limit=101", "role=root"] {
        s.call(Method::GET, &format!("/api/v1/users?{bad}"), Some(&admin), None)
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    let forged = s
        .call(Method::GET, "/api/v1/users?cursor=bm9wZQ", Some(&admin), None)
        .await;
    assert!(forged.status.is_client_error(), "{}", forged.status);

    // Agents and supervisors: customers only; staff accounts are absent for them.
    for token in [&agent, &boss] {
        let seen = ids(&s.call(Method::GET, "/api/v1/users", Some(token), None).await);
        assert_eq!(seen, vec![erin, dave, carol]);
        for role in ["agent", "supervisor", "admin"] {
            s.call(Method::GET, &format!("/api/v1/users?role={role}"), Some(token), None)
                .await
                .assert_problem(StatusCode::FORBIDDEN, "forbidden");
        }
        s.call(Method::GET, &format!("/api/v1/users/{admin_id}"), Some(token), None)
            .await
            .assert_problem(StatusCode::NOT_FOUND, "not_found");
    }
    s.call(Method::GET, "/api/v1/users", Some(&erin_token), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Changes are checked as a whole: every bad field at once, nothing changed.
    let r = patch(
        &s,
        &admin,
        carol,
        json!({"display_name": "", "role": "agent", "active": false}),
    )
    .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields = r.body.to_string();
    assert!(fields.contains("display_name") && fields.contains("role"), "{fields}");
    let still = s
        .call(Method::GET, &format!("/api/v1/users/{carol}"), Some(&admin), None)
        .await;
    assert_eq!(still.body["active"], true, "nothing changed");
    patch(&s, &admin, agent_id, json!({"role": "customer"}))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    patch(&s, &agent, erin, json!({"active": false}))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    patch(&s, &admin, 987_654, json!({"active": false}))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(
        Method::PATCH,
        &format!("/api/v1/users/{erin}"),
        Some(&admin),
        Some(json!({"nickname": "x"})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");

    // The last active admin: neither deactivated nor demoted.
    patch(&s, &admin, admin_id, json!({"active": false}))
        .await
        .assert_problem(StatusCode::CONFLICT, "last_admin");
    patch(&s, &admin, admin_id, json!({"role": "supervisor"}))
        .await
        .assert_problem(StatusCode::CONFLICT, "last_admin");
    // With the supervisor promoted, the first admin may step down, and then the second
    // is the last.
    let r = patch(&s, &admin, boss_id, json!({"role": "admin", "display_name": "Boss"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["user"]["role"].as_str(), r.body["user"]["display_name"].as_str()),
        (Some("admin"), Some("Boss"))
    );
    let r = patch(&s, &boss, admin_id, json!({"role": "supervisor"})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    patch(&s, &boss, boss_id, json!({"active": false}))
        .await
        .assert_problem(StatusCode::CONFLICT, "last_admin");

    // Deactivation: the live token is refused on its next request, and so is a login;
    // reactivation restores login, not the old session.
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&erin_token), None).await.status,
        StatusCode::OK
    );
    let r = patch(&s, &boss, erin, json!({"active": false})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["user"]["active"].as_bool(), r.body["released_tickets"].as_i64()),
        (Some(false), Some(0))
    );
    s.call(Method::GET, "/api/v1/me", Some(&erin_token), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    let login = json!({"email": "erin@example.com", "password": PASSWORD});
    let refused = s.call(Method::POST, "/api/v1/auth/login", None, Some(login)).await;
    assert_eq!(refused.status, StatusCode::UNAUTHORIZED, "{}", refused.body);
    let inactive = ids(&s
        .call(Method::GET, "/api/v1/users?active=false", Some(&boss), None)
        .await);
    assert_eq!(inactive, vec![erin]);
    let r = patch(&s, &boss, erin, json!({"active": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let fresh = s.login("erin@example.com", PASSWORD).await;
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&fresh), None).await.status,
        StatusCode::OK
    );
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&erin_token), None).await.status,
        StatusCode::UNAUTHORIZED,
        "the old session stays ended"
    );
}

/// Configures an agent as an admin.
async fn configure(s: &Server, admin: &str, id: i64, body: Value) {
    let r = s
        .call(Method::PATCH, &format!("/api/v1/agents/{id}"), Some(admin), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
}

async fn open(s: &Server, customer: &str) -> i64 {
    let t = s
        .ticket(
            customer,
            json!({"subject": "help", "description": "please", "category": "billing"}),
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

/// Waits (at most 15 s) until the queue gives ticket `id` to `agent`.
async fn given_to(s: &Server, token: &str, id: i64, agent: i64) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        if assignee(s, token, id).await == Some(agent) {
            return;
        }
        assert!(Instant::now() < deadline, "ticket {id} not given to {agent}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The `TicketUnassigned` entries of a ticket's history: (actor, reason).
async fn unassignments(s: &Server, token: &str, id: i64) -> Vec<(Option<i64>, String)> {
    let r = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}/history"), Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "TicketUnassigned")
        .map(|e| {
            (
                e["actor_id"].as_i64(),
                e["details"]["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

async fn a_deactivated_agents_tickets_go_to_another_online_agent(s: Server) {
    let admin = s.admin().await;
    let me = s.call(Method::GET, "/api/v1/me", Some(&admin), None).await;
    let admin_id = me.body["id"].as_i64().expect("id");
    s.category(&admin, "billing").await;
    let (anna, anna_token) = s.account(&admin, "agent", "anna@example.com").await;
    let (boris, boris_token) = s.account(&admin, "agent", "boris@example.com").await;
    let (chen, _) = s.account(&admin, "agent", "chen@example.com").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let billing = json!([{"category": "billing"}]);
    configure(
        &s,
        &admin,
        anna,
        json!({"skills": billing, "capacity": 5, "availability": "online"}),
    )
    .await;
    configure(&s, &admin, boris, json!({"skills": billing, "capacity": 5})).await;
    configure(&s, &admin, chen, json!({"skills": billing, "capacity": 5})).await;
    let t1 = open(&s, &customer).await;
    let t2 = open(&s, &customer).await;
    assert_eq!(assignee(&s, &admin, t1).await, Some(anna));
    assert_eq!(assignee(&s, &admin, t2).await, Some(anna));

    // The roster: staff see every agent with their load.
    let roster = s.call(Method::GET, "/api/v1/agents", Some(&boris_token), None).await;
    assert_eq!(roster.status, StatusCode::OK, "{}", roster.body);
    let first = &roster.body["items"][0];
    assert_eq!(
        (first["user_id"].as_i64(), first["open"].as_i64()),
        (Some(anna), Some(2))
    );
    assert_eq!(first["availability"], "online");
    assert_eq!(first["email"], "anna@example.com");
    assert_eq!(first["skills"][0]["category"], "billing");
    s.call(Method::GET, "/api/v1/agents", Some(&customer), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Boris comes online; Anna is deactivated: her token dies, her tickets go back to the
    // queue with the reason, and the queue gives them to Boris.
    let r = s
        .call(
            Method::PUT,
            "/api/v1/agents/me/availability",
            Some(&boris_token),
            Some(json!({"availability": "online"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let r = patch(&s, &admin, anna, json!({"active": false})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["released_tickets"], 2);
    s.call(Method::GET, "/api/v1/tickets", Some(&anna_token), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    for t in [t1, t2] {
        given_to(&s, &admin, t, boris).await;
        assert_eq!(
            unassignments(&s, &admin, t).await,
            vec![(Some(admin_id), "agent deactivated".to_owned())]
        );
    }
    let roster = s.call(Method::GET, "/api/v1/agents", Some(&admin), None).await;
    let listed: Vec<(i64, i64)> = roster.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|a| (a["user_id"].as_i64().expect("id"), a["open"].as_i64().expect("open")))
        .collect();
    assert_eq!(listed, vec![(boris, 2), (chen, 0)], "Anna is off the roster");
    let profile = s
        .call(Method::GET, &format!("/api/v1/agents/{anna}"), Some(&admin), None)
        .await;
    assert_eq!(profile.status, StatusCode::NOT_FOUND, "an inactive account is no agent");

    // Reactivated, Anna logs in again but gets neither her tickets nor her session back.
    let r = patch(&s, &admin, anna, json!({"active": true})).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.login("anna@example.com", PASSWORD).await;
    assert_eq!(assignee(&s, &admin, t1).await, Some(boris));

    // The operator's command line: the list, then Boris deactivated; Chen (now online)
    // takes his tickets, whose history names the system and the operator.
    let (status, out) = s.run_command(&["user", "list"], &[]);
    assert!(status.success(), "{out}");
    for email in [
        "anna@example.com",
        "boris@example.com",
        "chen@example.com",
        "cu@example.com",
    ] {
        assert!(out.contains(email), "{out}");
    }
    assert!(out.contains("ROLE") && out.contains("agent"), "{out}");
    configure(&s, &admin, chen, json!({"availability": "online"})).await;
    let (status, out) = s.run_command(&["user", "deactivate", "--email", "boris@example.com"], &[]);
    assert!(status.success(), "{out}");
    assert!(out.contains("2 open ticket(s) returned to the queue"), "{out}");
    s.call(Method::GET, "/api/v1/me", Some(&boris_token), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    for t in [t1, t2] {
        given_to(&s, &admin, t, chen).await;
        let entries = unassignments(&s, &admin, t).await;
        assert_eq!(
            entries.last(),
            Some(&(None, "agent deactivated by an operator".to_owned())),
            "{entries:?}"
        );
    }
    let (status, out) = s.run_command(&["user", "deactivate", "--email", "nobody@example.com"], &[]);
    assert!(!status.success(), "{out}");
}

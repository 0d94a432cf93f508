//! Tickets end to end: the newcomer's walk-through, lists, edits, every transition,
//! idempotency and bad input.

use e2e::*;

e2e::on_both_backends!(
    newcomer_walkthrough_from_admin_login_to_ticket_history,
    lists_filter_search_sort_and_page,
    updates_honour_if_match,
    every_allowed_transition_and_a_forbidden_one,
    idempotency_key_returns_the_first_ticket,
    bad_input_gets_a_clear_4xx_and_changes_nothing,
    categories_are_managed_by_admins,
    staff_assign_transfer_and_unassign_through_the_api,
    agents_set_availability_and_admins_configure_them,
);

async fn newcomer_walkthrough_from_admin_login_to_ticket_history(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (customer_id, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let r = s.call(Method::GET, "/api/v1/me", Some(&customer), None).await;
    assert_eq!(r.body["role"], "customer");

    let r = s
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&customer),
            Some(json!({"subject": "Charged twice", "description": "November invoice", "priority": "high", "category": "billing", "tags": ["Refund"]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_i64().expect("id");
    assert_eq!(r.header("location"), Some(format!("/api/v1/tickets/{id}").as_str()));
    assert_eq!(r.header("etag"), Some("\"1\""));
    assert_eq!(r.body["number"], format!("TKT-{id:06}"));
    assert_eq!(r.body["status"], "new");
    assert_eq!(r.body["customer_id"], customer_id);
    assert_eq!(r.body["tags"], json!(["refund"]));
    assert_eq!(r.body["allowed_transitions"], json!(["closed"]));

    let list = s.call(Method::GET, "/api/v1/tickets", Some(&customer), None).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(list.body["items"][0]["id"], id);
    let by_number = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/TKT-{id:06}"),
            Some(&customer),
            None,
        )
        .await;
    assert_eq!(by_number.body["id"], id);

    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/history"),
            Some(&customer),
            None,
        )
        .await;
    assert_eq!(history.status, StatusCode::OK);
    assert_eq!(history.body["items"][0]["type"], "TicketCreated");
    assert_eq!(history.body["items"][0]["actor_id"], customer_id);
    assert_eq!(history.body["items"][0]["details"]["priority"], "high");
}

async fn lists_filter_search_sort_and_page(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    s.category(&admin, "hardware").await;
    let (cu, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let a = s.ticket(&customer, json!({"subject": "Printer jams", "description": "The printers in the office jam", "category": "hardware", "priority": "urgent", "tags": ["office"]})).await;
    let b = s
        .ticket(
            &customer,
            json!({"subject": "Invoice", "description": "Charged twice", "category": "billing", "priority": "low"}),
        )
        .await;
    let c = s.ticket(&agent, json!({"subject": "Refund", "description": "Customer asked by phone", "category": "billing", "customer_id": cu})).await;
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{}/transitions", b["id"]),
            Some(&agent),
            Some(json!({"to": "assigned"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["assignee_id"], agent_id);

    let ids = |r: &Reply| -> Vec<i64> {
        r.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .map(|t| t["id"].as_i64().expect("id"))
            .collect()
    };
    let get = |q: &str| {
        let path = format!("/api/v1/tickets?{q}");
        let (s, agent) = (&s, agent.clone());
        async move { s.call(Method::GET, &path, Some(&agent), None).await }
    };
    let (a, b, c) = (
        a["id"].as_i64().expect("id"),
        b["id"].as_i64().expect("id"),
        c["id"].as_i64().expect("id"),
    );
    assert_eq!(ids(&get("").await), [c, b, a], "newest first by default");
    assert_eq!(ids(&get("sort=created_at").await), [a, b, c]);
    assert_eq!(ids(&get("sort=-priority").await), [a, c, b]);
    assert_eq!(ids(&get("status=assigned").await), [b]);
    assert_eq!(ids(&get("status=new,assigned&sort=created_at").await), [a, b, c]);
    assert_eq!(ids(&get("priority=urgent,low&sort=created_at").await), [a, b]);
    assert_eq!(ids(&get("category=billing&sort=created_at").await), [b, c]);
    assert_eq!(ids(&get(&format!("assignee_id={agent_id}")).await), [b]);
    assert_eq!(ids(&get(&format!("customer_id={cu}&sort=created_at")).await), [a, b, c]);
    assert_eq!(ids(&get("tag=office").await), [a]);
    assert_eq!(ids(&get("q=printer").await), [a], "stemmed full-text search");
    assert_eq!(ids(&get("q=charged%20twice").await), [b]);
    assert_eq!(
        ids(&get("created_after=2000-01-01T00:00:00Z&created_before=2100-01-01T00:00:00Z&sort=created_at").await),
        [a, b, c]
    );
    assert_eq!(
        ids(&get("created_before=2000-01-01T00:00:00Z").await),
        Vec::<i64>::new()
    );

    let first = get("limit=2&sort=created_at").await;
    assert_eq!(ids(&first), [a, b]);
    let cursor = first.body["next_cursor"].as_str().expect("a next page");
    let second = get(&format!("limit=2&sort=created_at&cursor={cursor}")).await;
    assert_eq!(ids(&second), [c]);
    assert_eq!(second.body["next_cursor"], Value::Null);
    let mismatched = get(&format!("limit=2&sort=-priority&cursor={cursor}")).await;
    mismatched.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
}

async fn updates_honour_if_match(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "Old", "description": "d", "category": "billing"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);

    let r = s
        .request(Method::PATCH, &path, Some(&customer))
        .header("If-Match", "\"1\"")
        .json(&json!({"subject": "New"}))
        .send()
        .await
        .expect("sent");
    let r = Reply::from(r).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["subject"], "New");
    assert_eq!(r.header("etag"), Some("\"2\""));

    let stale = s
        .request(Method::PATCH, &path, Some(&customer))
        .header("If-Match", "\"1\"")
        .json(&json!({"subject": "Lost update"}))
        .send()
        .await
        .expect("sent");
    let stale = Reply::from(stale).await;
    stale.assert_problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    assert_eq!(stale.body["current_version"], 2);

    let unconditional = s
        .call(
            Method::PATCH,
            &path,
            Some(&customer),
            Some(json!({"description": "more detail"})),
        )
        .await;
    assert_eq!(unconditional.status, StatusCode::OK);
    assert_eq!(unconditional.body["version"], 3);
    assert_eq!(
        s.call(Method::GET, &path, Some(&customer), None).await.body["subject"],
        "New",
        "the stale write changed nothing"
    );

    let forbidden = s
        .call(
            Method::PATCH,
            &path,
            Some(&customer),
            Some(json!({"priority": "urgent"})),
        )
        .await;
    forbidden.assert_problem(StatusCode::FORBIDDEN, "forbidden");

    let history = s
        .call(Method::GET, &format!("{path}/history"), Some(&customer), None)
        .await;
    let types: Vec<&str> = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| e["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(types, ["TicketCreated", "TicketUpdated", "TicketUpdated"]);
    assert_eq!(
        history.body["items"][1]["details"]["changes"][0],
        json!({"field": "subject", "from": "Old", "to": "New"})
    );
}

async fn every_allowed_transition_and_a_forbidden_one(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let open = || {
        s.ticket(
            &customer,
            json!({"subject": "s", "description": "d", "category": "billing"}),
        )
    };
    let go = |id: i64, to: &'static str, token: String| {
        let s = &s;
        async move {
            s.call(
                Method::POST,
                &format!("/api/v1/tickets/{id}/transitions"),
                Some(&token),
                Some(json!({"to": to})),
            )
            .await
        }
    };
    let moved = |r: Reply, to: &str| {
        assert_eq!(r.status, StatusCode::OK, "moving to {to}: {}", r.body);
        assert_eq!(r.body["status"], to);
    };

    // The long path: every edge out of in_progress, waiting_customer and resolved.
    let id = open().await["id"].as_i64().expect("id");
    for to in [
        "assigned",
        "in_progress",
        "waiting_customer",
        "in_progress",
        "resolved",
        "in_progress",
        "resolved",
        "closed",
    ] {
        moved(go(id, to, agent.clone()).await, to);
    }
    let after_close = go(id, "in_progress", agent.clone()).await;
    after_close.assert_problem(StatusCode::CONFLICT, "transition_not_allowed");
    assert_eq!(after_close.body["allowed_transitions"], json!([]));

    // The remaining edges to closed, one ticket each.
    let id = open().await["id"].as_i64().expect("id");
    moved(go(id, "closed", agent.clone()).await, "closed");
    let id = open().await["id"].as_i64().expect("id");
    moved(go(id, "assigned", agent.clone()).await, "assigned");
    moved(go(id, "closed", agent.clone()).await, "closed");
    let id = open().await["id"].as_i64().expect("id");
    for to in ["assigned", "in_progress", "closed"] {
        moved(go(id, to, agent.clone()).await, to);
    }
    let id = open().await["id"].as_i64().expect("id");
    for to in ["assigned", "in_progress", "waiting_customer"] {
        moved(go(id, to, agent.clone()).await, to);
    }
    moved(go(id, "in_progress", customer.clone()).await, "in_progress");
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/close"),
            Some(&customer),
            Some(json!({"reason": "solved it myself"})),
        )
        .await;
    moved(r, "closed");

    // A forbidden move names what is allowed instead.
    let id = open().await["id"].as_i64().expect("id");
    let r = go(id, "resolved", agent.clone()).await;
    r.assert_problem(StatusCode::CONFLICT, "transition_not_allowed");
    assert_eq!(r.body["allowed_transitions"], json!(["assigned", "closed"]));
    let r = go(id, "assigned", customer.clone()).await;
    r.assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = go(id, "reopened", agent.clone()).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let closed = s
        .call(Method::POST, &format!("/api/v1/tickets/{id}/close"), Some(&agent), None)
        .await;
    moved(closed, "closed");
    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/history"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(
        history.body["items"].as_array().map(Vec::len),
        Some(2),
        "refused moves leave no history"
    );
}

async fn idempotency_key_returns_the_first_ticket(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let body = json!({"subject": "Once", "description": "d", "category": "billing"});
    let send = |key: &'static str, body: Value| {
        let s = &s;
        let customer = customer.clone();
        async move {
            Reply::from(
                s.request(Method::POST, "/api/v1/tickets", Some(&customer))
                    .header("Idempotency-Key", key)
                    .json(&body)
                    .send()
                    .await
                    .expect("sent"),
            )
            .await
        }
    };
    let first = send("order-42", body.clone()).await;
    let again = send("order-42", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(first.body["id"], again.body["id"]);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    let other = send(
        "order-42",
        json!({"subject": "Different", "description": "d", "category": "billing"}),
    )
    .await;
    other.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");
    let list = s.call(Method::GET, "/api/v1/tickets", Some(&customer), None).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
}

async fn bad_input_gets_a_clear_4xx_and_changes_nothing(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "s", "description": "d", "category": "billing"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);
    let raw = |method: Method, path: &str, content_type: &str, body: Vec<u8>| {
        let r = s
            .request(method, path, Some(&customer))
            .header("content-type", content_type.to_owned())
            // A refused body (413) may be left unread; never reuse that connection.
            .header("connection", "close")
            .body(body);
        async move { Reply::from(r.send().await.expect("sent")).await }
    };
    let json_body = |v: Value| serde_json::to_vec(&v).expect("json");

    raw(
        Method::POST,
        "/api/v1/tickets",
        "application/json",
        b"{\"subject\":".to_vec(),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "malformed_json");
    raw(Method::POST, "/api/v1/tickets", "text/plain", b"{}".to_vec())
        .await
        .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let unknown = json_body(json!({"subject": "s", "description": "d", "category": "billing", "owner": 1}));
    let r = raw(Method::POST, "/api/v1/tickets", "application/json", unknown).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    assert!(r.body["detail"].as_str().unwrap_or("").contains("owner"), "{}", r.body);
    raw(
        Method::POST,
        "/api/v1/tickets",
        "application/json",
        json_body(json!({"subject": 5})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let long = json_body(
        json!({"subject": "x".repeat(201), "description": "d".repeat(64 * 1024 + 1), "category": "nope", "priority": "meh"}),
    );
    let r = raw(Method::POST, "/api/v1/tickets", "application/json", long).await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(fields, ["subject", "description", "priority"]);
    let huge = json_body(json!({"subject": "s", "description": "d".repeat(300 * 1024), "category": "billing"}));
    raw(Method::POST, "/api/v1/tickets", "application/json", huge)
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    s.call(
        Method::POST,
        "/api/v1/tickets",
        Some(&customer),
        Some(json!({"subject": "s", "description": "d", "category": "nope"})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    for query in [
        "limit=0",
        "limit=101",
        "status=open",
        "sort=age",
        "cursor=garbage",
        "created_after=yesterday",
        "priority=meh",
    ] {
        let r = s
            .call(Method::GET, &format!("/api/v1/tickets?{query}"), Some(&customer), None)
            .await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    s.call(Method::GET, "/api/v1/tickets?limit=abc", Some(&customer), None)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid_query");
    s.call(Method::GET, "/api/v1/tickets?q=a%00b", Some(&customer), None)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    for harmless in ["q=%22", "q=%22%22%20%22", "q=***", "q=-printer", "q=NEAR(a%20b)"] {
        let r = s
            .call(
                Method::GET,
                &format!("/api/v1/tickets?{harmless}"),
                Some(&customer),
                None,
            )
            .await;
        assert_eq!(r.status, StatusCode::OK, "{harmless}: {}", r.body);
    }
    let weak = s
        .request(Method::PATCH, &path, Some(&customer))
        .header("If-Match", "W/\"1\"")
        .json(&json!({"subject": "x"}))
        .send()
        .await
        .expect("sent");
    Reply::from(weak)
        .await
        .assert_problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
    let huge_close = json_body(json!({"reason": "r".repeat(300 * 1024)}));
    raw(Method::POST, &format!("{path}/close"), "application/json", huge_close)
        .await
        .assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    let bad_etag = s
        .request(Method::PATCH, &path, Some(&customer))
        .header("If-Match", "yesterday")
        .json(&json!({"subject": "x"}))
        .send()
        .await
        .expect("sent");
    Reply::from(bad_etag)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "invalid_if_match");
    s.call(Method::PATCH, &path, Some(&customer), Some(json!({"subject": ""})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    s.call(Method::GET, "/api/v1/tickets/0", Some(&customer), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(Method::GET, "/api/v1/tickets/TKT-99", Some(&customer), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(
        Method::GET,
        "/api/v1/tickets/99999999999999999999999",
        Some(&customer),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(Method::GET, "/api/v1/nothing-here", Some(&customer), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    let r = s.call(Method::DELETE, "/api/v1/tickets", Some(&customer), None).await;
    r.assert_problem(StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed");
    assert_eq!(r.header("allow"), Some("GET, POST"));
    raw(
        Method::POST,
        &format!("{path}/close"),
        "application/json",
        b"{nope".to_vec(),
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "malformed_json");
    let bad_key = s
        .request(Method::POST, "/api/v1/tickets", Some(&customer))
        .header("Idempotency-Key", "x".repeat(300))
        .json(&json!({"subject": "s", "description": "d", "category": "billing"}))
        .send()
        .await
        .expect("sent");
    Reply::from(bad_key)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    let after = s.call(Method::GET, &path, Some(&customer), None).await;
    assert_eq!(
        after.body["version"], 1,
        "nothing above changed the ticket: {}",
        after.body
    );
    let list = s.call(Method::GET, "/api/v1/tickets", Some(&customer), None).await;
    assert_eq!(
        list.body["items"].as_array().map(Vec::len),
        Some(1),
        "no half-written ticket"
    );
    let history = s
        .call(Method::GET, &format!("{path}/history"), Some(&customer), None)
        .await;
    assert_eq!(history.body["items"].as_array().map(Vec::len), Some(1));
    assert!(
        !s.log_text().contains("panicked"),
        "the server must not panic:\n{}",
        s.log_text()
    );
}

async fn categories_are_managed_by_admins(s: Server) {
    let admin = s.admin().await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    s.category(&admin, "billing").await;
    let dup = s
        .call(
            Method::POST,
            "/api/v1/categories",
            Some(&admin),
            Some(json!({"slug": "billing", "name": "Again"})),
        )
        .await;
    dup.assert_problem(StatusCode::CONFLICT, "category_exists");
    let bad = s
        .call(
            Method::POST,
            "/api/v1/categories",
            Some(&admin),
            Some(json!({"slug": "Not A Slug", "name": ""})),
        )
        .await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.body["errors"].as_array().map(Vec::len), Some(2));

    let renamed = s
        .call(
            Method::PATCH,
            "/api/v1/categories/billing",
            Some(&admin),
            Some(json!({"name": "Billing & invoices"})),
        )
        .await;
    assert_eq!(renamed.body["name"], "Billing & invoices");
    s.ticket(
        &customer,
        json!({"subject": "s", "description": "d", "category": "billing"}),
    )
    .await;
    s.call(Method::DELETE, "/api/v1/categories/billing", Some(&admin), None)
        .await
        .assert_problem(StatusCode::CONFLICT, "category_in_use");
    let off = s
        .call(
            Method::PATCH,
            "/api/v1/categories/billing",
            Some(&admin),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off.body["active"], false);
    let listed = s.call(Method::GET, "/api/v1/categories", Some(&customer), None).await;
    assert_eq!(listed.body["items"], json!([]), "customers see active categories only");
    let all = s
        .call(
            Method::GET,
            "/api/v1/categories?include_inactive=true",
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(all.body["items"].as_array().map(Vec::len), Some(1));
    let refused = s
        .call(
            Method::POST,
            "/api/v1/tickets",
            Some(&customer),
            Some(json!({"subject": "s", "description": "d", "category": "billing"})),
        )
        .await;
    refused.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    s.category(&admin, "unused").await;
    let gone = s
        .call(Method::DELETE, "/api/v1/categories/unused", Some(&admin), None)
        .await;
    assert_eq!(gone.status, StatusCode::NO_CONTENT);
    s.call(Method::DELETE, "/api/v1/categories/unused", Some(&admin), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
}

async fn staff_assign_transfer_and_unassign_through_the_api(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (other_id, _) = s.account(&admin, "agent", "other.agent@example.com").await;
    // Transfers go to agents who are not offline.
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/agents/{other_id}"),
            Some(&admin),
            Some(json!({"availability": "online"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (customer_id, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "s", "description": "d", "category": "billing"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}/assignment", t["id"]);
    let r = s
        .call(Method::POST, &path, Some(&agent), Some(json!({"agent_id": agent_id})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["assignee_id"].as_i64()),
        (Some("assigned"), Some(agent_id))
    );
    let r = s
        .call(
            Method::POST,
            &path,
            Some(&agent),
            Some(json!({"agent_id": other_id, "reason": "on leave"})),
        )
        .await;
    assert_eq!(
        (r.body["status"].as_str(), r.body["assignee_id"].as_i64()),
        (Some("assigned"), Some(other_id))
    );
    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{}/history", t["id"]),
            Some(&agent),
            None,
        )
        .await;
    let transfer = history.body["items"]
        .as_array()
        .and_then(|items| items.iter().rev().find(|e| e["type"] == "TicketAssigned"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(transfer["details"]["reason"], "on leave", "{}", history.body);
    assert_eq!(transfer["details"]["previous_assignee_id"], agent_id);

    s.call(
        Method::POST,
        &path,
        Some(&customer),
        Some(json!({"agent_id": agent_id})),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    s.call(
        Method::POST,
        &path,
        Some(&agent),
        Some(json!({"agent_id": customer_id})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    s.call(Method::POST, &path, Some(&agent), Some(json!({"agent": agent_id})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    s.call(Method::DELETE, &path, Some(&customer), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    let r = s
        .call(
            Method::DELETE,
            &path,
            Some(&agent),
            Some(json!({"reason": "back to the pool"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["status"].as_str(), r.body["assignee_id"].as_i64()),
        (Some("new"), None)
    );
    s.call(Method::DELETE, &path, Some(&agent), None)
        .await
        .assert_problem(StatusCode::CONFLICT, "transition_not_allowed");
}

async fn agents_set_availability_and_admins_configure_them(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (_, other_agent) = s.account(&admin, "agent", "other.agent@example.com").await;
    let (customer_id, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let path = format!("/api/v1/agents/{agent_id}");
    let r = s.call(Method::GET, &path, Some(&agent), None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["availability"].as_str(), r.body["capacity"].as_u64()),
        (Some("offline"), Some(10))
    );

    let r = s
        .call(
            Method::PUT,
            "/api/v1/agents/me/availability",
            Some(&agent),
            Some(json!({"availability": "online"})),
        )
        .await;
    assert_eq!(r.body["availability"], "online", "{}", r.body);
    s.call(
        Method::PUT,
        "/api/v1/agents/me/availability",
        Some(&agent),
        Some(json!({"availability": "busy"})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    s.call(
        Method::PUT,
        "/api/v1/agents/me/availability",
        Some(&customer),
        Some(json!({"availability": "online"})),
    )
    .await
    .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    let body = json!({"skills": [{"category": "billing", "level": 4}], "capacity": 3, "availability": "away"});
    let r = s.call(Method::PATCH, &path, Some(&admin), Some(body.clone())).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["skills"], json!([{"category": "billing", "level": 4}]));
    assert_eq!(
        (r.body["capacity"].as_u64(), r.body["availability"].as_str()),
        (Some(3), Some("away"))
    );
    s.call(Method::PATCH, &path, Some(&agent), Some(body))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = s
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"skills": [{"category": "nope"}], "capacity": 5})),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = s.call(Method::GET, &path, Some(&admin), None).await;
    assert_eq!(r.body["capacity"], 3, "a refused change changes nothing");
    s.call(Method::GET, &path, Some(&other_agent), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    s.call(
        Method::GET,
        &format!("/api/v1/agents/{customer_id}"),
        Some(&admin),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(Method::GET, &path, None, None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
}

//! Escalation end to end: a person escalates with a reason, a priority raise and a
//! hand-over; the record; what customers see; bad input.

use e2e::*;

e2e::on_both_backends!(
    an_agent_escalates_and_customers_see_none_of_it,
    a_level_only_escalation_leaves_the_customers_copy_current,
    admins_manage_escalation_rules
);

/// An escalation that leaves the priority alone is internal: the customer's `ETag`, their
/// place in their list (`updated_at`) and their next `If-Match` edit are untouched, while
/// staff see the new level under a new `ETag`.
async fn a_level_only_escalation_leaves_the_customers_copy_current(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "Charged twice", "description": "again", "category": "billing"}),
        )
        .await;
    let path = format!("/api/v1/tickets/{}", t["id"]);
    let customer_before = s.call(Method::GET, &path, Some(&customer), None).await;
    let staff_before = s.call(Method::GET, &path, Some(&agent), None).await;
    let customer_tag = customer_before.header("etag").expect("an ETag").to_owned();

    let r = s
        .call(
            Method::POST,
            &format!("{path}/escalations"),
            Some(&agent),
            Some(json!({"reason": "needs a supervisor's eyes"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["escalation_level"], 1);

    let customer_after = s.call(Method::GET, &path, Some(&customer), None).await;
    assert_eq!(
        customer_after.header("etag"),
        Some(customer_tag.as_str()),
        "the customer's ETag stays"
    );
    assert_eq!(
        customer_after.body, customer_before.body,
        "the customer sees nothing new"
    );
    let listed = s.call(Method::GET, "/api/v1/tickets", Some(&customer), None).await;
    assert_eq!(
        listed.body["items"][0]["updated_at"],
        customer_before.body["updated_at"]
    );
    assert_eq!(listed.body["items"][0]["version"], customer_before.body["version"]);

    let staff_after = s.call(Method::GET, &path, Some(&agent), None).await;
    assert_eq!(staff_after.body["escalation_level"], 1, "staff see the new level");
    assert_ne!(
        staff_after.header("etag"),
        staff_before.header("etag"),
        "staff caches see the change"
    );
    assert_eq!(
        staff_after.header("etag").map(str::to_owned),
        Some(format!("\"{}\"", staff_after.body["version"]))
    );

    let edit = s
        .request(Method::PATCH, &path, Some(&customer))
        .header("If-Match", customer_tag.as_str())
        .json(&json!({"description": "again, and a third time"}))
        .send()
        .await
        .expect("sent");
    let edit = Reply::from(edit).await;
    assert_eq!(
        edit.status,
        StatusCode::OK,
        "the customer's copy was current: {}",
        edit.body
    );
    // A staff copy from before the escalation is stale for a conditional edit.
    let stale = s
        .request(Method::PATCH, &path, Some(&agent))
        .header("If-Match", staff_before.header("etag").expect("an ETag"))
        .json(&json!({"priority": "low"}))
        .send()
        .await
        .expect("sent");
    Reply::from(stale)
        .await
        .assert_problem(StatusCode::PRECONDITION_FAILED, "precondition_failed");
}

async fn an_agent_escalates_and_customers_see_none_of_it(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (lead_id, lead) = s.account(&admin, "supervisor", "lead@example.com").await;
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
    let t = s
        .ticket(
            &customer,
            json!({"subject": "Charged twice", "description": "again", "category": "billing"}),
        )
        .await;
    assert_eq!(t["assignee_id"], agent_id, "assigned on creation");
    let id = t["id"].as_i64().expect("id");
    let path = format!("/api/v1/tickets/{id}/escalations");

    let r = s
        .call(
            Method::POST,
            &path,
            Some(&agent),
            Some(json!({"reason": "VIP customer, second time", "raise_priority": "one_level", "reassign_to": lead_id})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (
            r.body["escalation_level"].as_u64(),
            r.body["priority"].as_str(),
            r.body["assignee_id"].as_i64()
        ),
        (Some(1), Some("high"), Some(lead_id))
    );
    let r = s
        .call(
            Method::POST,
            &path,
            Some(&lead),
            Some(json!({"reason": "still down", "raise_priority": "urgent"})),
        )
        .await;
    assert_eq!(
        (r.body["escalation_level"].as_u64(), r.body["priority"].as_str()),
        (Some(2), Some("urgent"))
    );

    let record = s.call(Method::GET, &path, Some(&agent), None).await;
    assert_eq!(record.status, StatusCode::OK, "{}", record.body);
    assert_eq!(record.body[0]["by"], agent_id);
    assert_eq!(record.body[0]["reason"], "VIP customer, second time");
    assert_eq!(
        (
            record.body[0]["level_from"].as_u64(),
            record.body[0]["level_to"].as_u64()
        ),
        (Some(0), Some(1))
    );
    assert_eq!(record.body[1]["priority_to"], "urgent");
    let assignments = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/assignments"),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(
        assignments.body[1]["reason"], "VIP customer, second time",
        "the hand-over says why"
    );

    // Customers see the new priority and who has the ticket, nothing of the escalation.
    let seen = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), Some(&customer), None)
        .await;
    assert!(seen.body.get("escalation_level").is_none(), "{}", seen.body);
    assert_eq!(seen.body["assignee_name"], "lead@example.com");
    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/history"),
            Some(&customer),
            None,
        )
        .await;
    assert!(!history.body.to_string().contains("Escalated"), "{}", history.body);
    s.call(Method::GET, &path, Some(&customer), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    s.call(Method::POST, &path, Some(&customer), Some(json!({"reason": "please"})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Bad input changes nothing.
    let before = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), Some(&agent), None)
        .await;
    for body in [
        json!({"reason": "  "}),
        json!({"reason": "x", "raise_priority": "sky-high"}),
        json!({"reason": "x", "reassign_to": 999_999}),
    ] {
        s.call(Method::POST, &path, Some(&agent), Some(body))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    s.call(Method::POST, &path, Some(&agent), Some(json!({"why": "x"})))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let after = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), Some(&agent), None)
        .await;
    assert_eq!(before.body["version"], after.body["version"]);

    let r = s
        .call(Method::POST, &format!("/api/v1/tickets/{id}/close"), Some(&lead), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    s.call(Method::POST, &path, Some(&agent), Some(json!({"reason": "too late"})))
        .await
        .assert_problem(StatusCode::CONFLICT, "ticket_closed");
}

async fn admins_manage_escalation_rules(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let rule = json!({
        "name": "High tickets breached",
        "conditions": [
            {"type": "sla", "target": "resolution", "trouble": "breached"},
            {"type": "priority_at_least", "priority": "high"},
            {"type": "category", "category": "billing"}
        ],
        "actions": [
            {"type": "raise_priority"},
            {"type": "raise_level"},
            {"type": "reassign", "category": "billing"},
            {"type": "notify", "recipient": "supervisors", "channels": ["email", "sms"]}
        ]
    });
    let r = s
        .call(
            Method::POST,
            "/api/v1/escalation-rules",
            Some(&admin),
            Some(rule.clone()),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_i64().expect("id");
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/escalation-rules/{id}").as_str())
    );
    assert_eq!(r.body["active"], true);
    assert_eq!(
        r.body["actions"][0],
        json!({"type": "raise_priority", "to": "one_level"})
    );
    assert_eq!(r.body["conditions"], rule["conditions"], "stored and shown as sent");
    s.call(
        Method::POST,
        "/api/v1/escalation-rules",
        Some(&admin),
        Some(rule.clone()),
    )
    .await
    .assert_problem(StatusCode::CONFLICT, "rule_exists");

    let path = format!("/api/v1/escalation-rules/{id}");
    let r = s
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"active": false, "conditions": [{"type": "unassigned_for", "business_minutes": 30}]})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(
        (r.body["active"].as_bool(), r.body["actions"].as_array().map(Vec::len)),
        (Some(false), Some(4))
    );

    // Bad rules: every bad part by position, nothing stored.
    let bad = json!({
        "name": "bad",
        "conditions": [{"type": "sla", "trouble": "late"}, {"type": "unassigned_for", "business_minutes": 0}],
        "actions": [{"type": "notify", "recipient": "everyone", "channels": ["pigeon"]}]
    });
    let r = s
        .call(Method::POST, "/api/v1/escalation-rules", Some(&admin), Some(bad))
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let fields: Vec<&str> = r.body["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|f| f["field"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        fields,
        vec![
            "conditions[0].trouble",
            "conditions[1].business_minutes",
            "actions[0].recipient",
            "actions[0].channels"
        ],
        "{}",
        r.body
    );
    for body in [
        json!({"name": "no trigger", "conditions": [{"type": "priority_at_least", "priority": "high"}], "actions": [{"type": "raise_level"}]}),
        json!({"name": "no actions", "conditions": [{"type": "unassigned_for", "business_minutes": 5}], "actions": []}),
        json!({"name": "nowhere", "conditions": [{"type": "unassigned_for", "business_minutes": 5}], "actions": [{"type": "reassign", "category": "no-such"}]}),
        json!({"conditions": [], "actions": []}),
    ] {
        s.call(Method::POST, "/api/v1/escalation-rules", Some(&admin), Some(body))
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    s.call(
        Method::POST,
        "/api/v1/escalation-rules",
        Some(&admin),
        Some(json!({"name": "x", "conditions": [{"type": "sla", "trouble": "breached", "colour": "red"}], "actions": []})),
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body");
    let list = s
        .call(Method::GET, "/api/v1/escalation-rules", Some(&admin), None)
        .await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1), "{}", list.body);

    // Admins only.
    for (method, p, body) in [
        (Method::GET, "/api/v1/escalation-rules".to_owned(), None),
        (Method::POST, "/api/v1/escalation-rules".to_owned(), Some(rule)),
        (Method::PATCH, path.clone(), Some(json!({"active": true}))),
        (Method::DELETE, path.clone(), None),
    ] {
        s.call(method, &p, Some(&agent), body)
            .await
            .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    assert_eq!(
        s.call(Method::DELETE, &path, Some(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    s.call(Method::DELETE, &path, Some(&admin), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
}

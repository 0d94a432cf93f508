//! `POST /sla/preview` end to end: the real zone database and holiday rules behind the
//! API, the explanation, and bad calendars answering 422.

use e2e::*;

e2e::on_both_backends!(
    a_preview_explains_a_due_instant_across_a_holiday,
    a_preview_follows_the_clock_change,
    bad_calendars_and_callers_are_refused,
    admins_manage_calendars_and_preview_with_a_stored_one,
    admins_manage_policies_checked_as_a_whole,
);

fn berlin_office() -> Value {
    let day = json!([["09:00", "17:00"]]);
    json!({
        "time_zone": "Europe/Berlin",
        "weekly": {"mon": day, "tue": day, "wed": day, "thu": day, "fri": day},
        "holiday_rules": [{"rrule": "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25,26", "dtstart": "2020-01-01"}]
    })
}

async fn preview(s: &Server, token: Option<&str>, body: Value) -> Reply {
    s.call(Method::POST, "/api/v1/sla/preview", token, Some(body)).await
}

async fn a_preview_explains_a_due_instant_across_a_holiday(s: Server) {
    let admin = s.admin().await;
    // Wednesday 23 December 17:00 in Berlin (16:00Z) is closing time; 10 business hours
    // are Thursday's eight, then Christmas (Friday), the weekend, and Monday's first two.
    let r = preview(
        &s,
        Some(&admin),
        json!({"calendar": berlin_office(), "start": "2026-12-23T16:00:00Z", "minutes": 600}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["due_at"], "2026-12-28T10:00:00Z");
    assert_eq!(r.body["counting_starts_at"], "2026-12-24T08:00:00Z");
    assert_eq!(r.body["holidays_in_range"], json!(["2026-12-25"]));
    assert_eq!(r.body["tzdb_version"].as_str().map(str::len), Some(5));
    let counted: i64 = r.body["counted"]
        .as_array()
        .map(|runs| runs.iter().filter_map(|x| x["seconds"].as_i64()).sum())
        .unwrap_or_default();
    assert_eq!(counted, 600 * 60);
    let text = r.body["explanation"].as_str().unwrap_or_default();
    assert!(text.contains("Closed on holidays 2026-12-25"), "{text}");
    assert!(text.contains("next opening, 2026-12-24T08:00:00Z"), "{text}");

    // A year of business time costs little and lands on a weekday in office hours.
    let r = preview(
        &s,
        Some(&admin),
        json!({"calendar": berlin_office(), "start": "2026-11-27T08:00:00Z", "minutes": 2088 * 60}),
    )
    .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(
        r.body["counted"]
            .as_array()
            .is_some_and(|runs| runs.iter().any(|x| x["kind"] == "weeks")),
        "whole weeks are counted at once: {}",
        r.body
    );
}

async fn a_preview_follows_the_clock_change(s: Server) {
    let admin = s.admin().await;
    // Berlin 29 March 2026 02:30 does not exist: the window opens at the change, 01:00Z.
    let calendar = json!({"time_zone": "Europe/Berlin", "weekly": {"sun": [["02:30", "04:00"]]}});
    let r = preview(
        &s,
        Some(&admin),
        json!({"calendar": calendar, "start": "2026-03-29T00:00:00Z", "minutes": 1}),
    )
    .await;
    assert_eq!(r.body["due_at"], "2026-03-29T01:01:00Z", "{}", r.body);
    // New York, 24x7: the fall-back day has 1500 minutes.
    let always: serde_json::Map<String, Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|d| ((*d).to_owned(), json!([["00:00", "24:00"]])))
        .collect();
    let calendar = json!({"time_zone": "America/New_York", "weekly": always});
    let r = preview(
        &s,
        Some(&admin),
        json!({"calendar": calendar, "start": "2026-11-01T04:00:00Z", "minutes": 1500}),
    )
    .await;
    assert_eq!(r.body["due_at"], "2026-11-02T05:00:00Z", "{}", r.body);
}

async fn bad_calendars_and_callers_are_refused(s: Server) {
    let admin = s.admin().await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let good = json!({"calendar": berlin_office(), "start": "2026-12-23T16:00:00Z", "minutes": 60});
    for (token, status) in [(Some(agent.as_str()), 403), (Some(customer.as_str()), 403), (None, 401)] {
        let r = preview(&s, token, good.clone()).await;
        assert_eq!(r.status.as_u16(), status, "{}", r.body);
    }
    let mut cases = Vec::new();
    let mut zone = berlin_office();
    zone["time_zone"] = json!("Mars/Olympus");
    cases.push((zone, "calendar.time_zone"));
    let mut rule = berlin_office();
    rule["holiday_rules"] = json!([{"rrule": "FREQ=SOMETIMES", "dtstart": "2020-01-01"}]);
    cases.push((rule, "calendar.holiday_rules[0].rrule"));
    let mut overlap = berlin_office();
    overlap["weekly"]["mon"] = json!([["09:00", "13:00"], ["12:00", "17:00"]]);
    cases.push((overlap, "calendar.weekly"));
    let mut day = berlin_office();
    day["weekly"]["someday"] = json!([["09:00", "17:00"]]);
    cases.push((day, "calendar.weekly.someday"));
    cases.push((json!({"time_zone": "UTC", "weekly": {}}), "calendar"));
    for (calendar, field) in cases {
        let r = preview(
            &s,
            Some(&admin),
            json!({"calendar": calendar, "start": "2026-12-23T16:00:00Z", "minutes": 60}),
        )
        .await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
    for (start, minutes, field) in [("yesterday", 60, "start"), ("2026-12-23T16:00:00Z", -1, "minutes")] {
        let r = preview(
            &s,
            Some(&admin),
            json!({"calendar": berlin_office(), "start": start, "minutes": minutes}),
        )
        .await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }
}

async fn admins_manage_calendars_and_preview_with_a_stored_one(s: Server) {
    let admin = s.admin().await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let mut body = berlin_office();
    body["name"] = json!("Berlin office");
    let r = s
        .call(Method::POST, "/api/v1/sla/calendars", Some(&admin), Some(body.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_i64().expect("id");
    assert_eq!(
        r.header("location"),
        Some(format!("/api/v1/sla/calendars/{id}").as_str())
    );
    assert_eq!(r.body["weekly"]["mon"], json!([["09:00", "17:00"]]));
    assert_eq!(
        r.body["holiday_rules"][0]["rrule"],
        "FREQ=YEARLY;BYMONTH=12;BYMONTHDAY=25,26"
    );
    s.call(Method::POST, "/api/v1/sla/calendars", Some(&admin), Some(body.clone()))
        .await
        .assert_problem(StatusCode::CONFLICT, "calendar_exists");
    let mut never = json!({"name": "Never", "time_zone": "UTC", "weekly": {}});
    let r = s
        .call(Method::POST, "/api/v1/sla/calendars", Some(&admin), Some(never.clone()))
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(r.body["errors"][0]["field"], "weekly");
    never["weekly"] = json!({"sat": [["10:00", "12:00"]]});
    never["holidays"] = json!(["2026-12-26"]);
    let r = s
        .call(Method::POST, "/api/v1/sla/calendars", Some(&admin), Some(never))
        .await;
    assert_eq!(
        r.status,
        StatusCode::CREATED,
        "a calendar open on Saturdays is fine: {}",
        r.body
    );
    let saturday = r.body["id"].as_i64().expect("id");

    // The preview by id uses the stored calendar.
    let r = preview(
        &s,
        Some(&admin),
        json!({"calendar": id, "start": "2026-12-23T16:00:00Z", "minutes": 600}),
    )
    .await;
    assert_eq!(r.body["due_at"], "2026-12-28T10:00:00Z", "{}", r.body);
    assert_eq!(r.body["time_zone"], "Europe/Berlin");
    let r = preview(
        &s,
        Some(&admin),
        json!({"calendar": 999_999, "start": "2026-12-23T16:00:00Z", "minutes": 1}),
    )
    .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // Changes are checked as a whole; a bad one changes nothing.
    let path = format!("/api/v1/sla/calendars/{id}");
    let r = s
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"time_zone": "Atlantis/Capital"})),
        )
        .await;
    r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = s
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"holidays": ["2026-12-24"], "name": "Berlin"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["time_zone"], "Europe/Berlin");
    assert_eq!(r.body["holidays"], json!(["2026-12-24"]));
    let list = s.call(Method::GET, "/api/v1/sla/calendars", Some(&admin), None).await;
    let names: Vec<Value> = list.body["items"]
        .as_array()
        .map(|items| items.iter().map(|c| c["name"].clone()).collect())
        .unwrap_or_default();
    assert_eq!(names, [json!("Berlin"), json!("Never")]);

    // Only admins.
    for (method, path, body) in [
        (Method::GET, "/api/v1/sla/calendars".to_owned(), None),
        (Method::POST, "/api/v1/sla/calendars".to_owned(), Some(body)),
        (Method::PATCH, path.clone(), Some(json!({"name": "x"}))),
        (Method::DELETE, path.clone(), None),
    ] {
        s.call(method.clone(), &path, Some(&agent), body.clone())
            .await
            .assert_problem(StatusCode::FORBIDDEN, "forbidden");
        let r = s.call(method, &path, None, body).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    let r = s
        .call(
            Method::DELETE,
            &format!("/api/v1/sla/calendars/{saturday}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    s.call(
        Method::DELETE,
        &format!("/api/v1/sla/calendars/{saturday}"),
        Some(&admin),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "not_found");
}

async fn admins_manage_policies_checked_as_a_whole(s: Server) {
    let admin = s.admin().await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    s.category(&admin, "billing").await;
    let mut calendar = berlin_office();
    calendar["name"] = json!("Office");
    let cal = s
        .call(Method::POST, "/api/v1/sla/calendars", Some(&admin), Some(calendar))
        .await;
    let cal_id = cal.body["id"].as_i64().expect("calendar id");
    let policy = json!({
        "name": "Urgent billing", "priorities": ["urgent", "high"], "category": "billing",
        "calendar_id": cal_id, "first_response_minutes": 30, "resolution_minutes": 480
    });
    let r = s
        .call(Method::POST, "/api/v1/sla/policies", Some(&admin), Some(policy.clone()))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let id = r.body["id"].as_i64().expect("id");
    assert_eq!(r.body["priorities"], json!(["high", "urgent"]));
    assert_eq!(r.body["warning_percent"], 80);
    assert_eq!(r.body["pause_statuses"], json!(["waiting_customer"]));
    s.call(Method::POST, "/api/v1/sla/policies", Some(&admin), Some(policy.clone()))
        .await
        .assert_problem(StatusCode::CONFLICT, "policy_exists");

    for (patch, field) in [
        (json!({"priorities": []}), "priorities"),
        (json!({"calendar_id": 999_999}), "calendar_id"),
        (json!({"category": "nonexistent"}), "category"),
        (
            json!({"first_response_minutes": null, "resolution_minutes": null}),
            "resolution_minutes",
        ),
        (json!({"warning_percent": 0}), "warning_percent"),
        (json!({"pause_statuses": ["closed"]}), "pause_statuses"),
        (json!({"resolution_minutes": 0}), "resolution_minutes"),
    ] {
        let mut body = policy.clone();
        body["name"] = json!("Another");
        for (k, v) in patch.as_object().cloned().unwrap_or_default() {
            body[k] = v;
        }
        let r = s
            .call(Method::POST, "/api/v1/sla/policies", Some(&admin), Some(body))
            .await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{}", r.body);
    }

    let path = format!("/api/v1/sla/policies/{id}");
    let r = s
        .call(
            Method::PATCH,
            &path,
            Some(&admin),
            Some(json!({"category": null, "warning_percent": 90})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["category"], Value::Null, "null clears");
    assert_eq!(r.body["calendar_id"], cal_id, "absent keeps");
    assert_eq!(r.body["warning_percent"], 90);
    let calendar_path = format!("/api/v1/sla/calendars/{cal_id}");
    s.call(Method::DELETE, &calendar_path, Some(&admin), None)
        .await
        .assert_problem(StatusCode::CONFLICT, "calendar_in_use");
    for (method, p, body) in [
        (Method::GET, "/api/v1/sla/policies".to_owned(), None),
        (Method::POST, "/api/v1/sla/policies".to_owned(), Some(policy.clone())),
        (Method::PATCH, path.clone(), Some(json!({"name": "x"}))),
        (Method::DELETE, path.clone(), None),
    ] {
        s.call(method, &p, Some(&agent), body)
            .await
            .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    let list = s.call(Method::GET, "/api/v1/sla/policies", Some(&admin), None).await;
    assert_eq!(list.body["items"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        s.call(Method::DELETE, &path, Some(&admin), None).await.status,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        s.call(Method::DELETE, &calendar_path, Some(&admin), None).await.status,
        StatusCode::NO_CONTENT,
        "unused now"
    );
}

//! SLA end to end: `POST /sla/preview` with the real zone database and holiday rules, bad
//! calendars answering 422, policies applied to tickets, the staff-only SLA in ticket
//! representations, filters and order, `GET /tickets/{id}/sla`, and targets turning
//! `at_risk` and `breached` in real time under the in-process monitor.

use adapters_db::testing;
use e2e::*;

e2e::on_both_backends!(
    a_preview_explains_a_due_instant_across_a_holiday,
    a_preview_follows_the_clock_change,
    bad_calendars_and_callers_are_refused,
    admins_manage_calendars_and_preview_with_a_stored_one,
    admins_manage_policies_checked_as_a_whole,
    tickets_carry_their_targets_for_staff_only,
);

/// Real time: a one-minute policy, the monitor ticking every second inside `ticket-api`.
mod live {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let server = e2e::Server::start_with(e2e::Backend::Sqlite, super::LIVE_ENV)
            .await
            .expect("sqlite always runs");
        super::targets_turn_at_risk_then_breached_in_real_time(server).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some(server) = e2e::Server::start_with(e2e::Backend::Postgres, super::LIVE_ENV).await else {
            return;
        };
        super::targets_turn_at_risk_then_breached_in_real_time(server).await;
    }
}

const LIVE_ENV: &[(&str, &str)] = &[
    ("TICKET__WORKER__EMBEDDED", "true"),
    ("TICKET__WORKER__SLA_INTERVAL_SECS", "1"),
];

/// A policy for urgent tickets: first response in `first` minutes, resolution in 8 hours.
async fn policy(s: &Server, admin: &str, name: &str, first: i64, warning: i64) -> i64 {
    let body = json!({
        "name": name, "priorities": ["urgent"], "first_response_minutes": first,
        "resolution_minutes": 480, "warning_percent": warning,
    });
    let r = s
        .call(Method::POST, "/api/v1/sla/policies", Some(admin), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    r.body["id"].as_i64().expect("id")
}

fn urgent(subject: &str) -> Value {
    json!({"subject": subject, "description": "down", "category": "billing", "priority": "urgent"})
}

fn target<'a>(ticket: &'a Value, kind: &str) -> &'a Value {
    ticket["sla"]["targets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|t| t["kind"] == kind))
        .unwrap_or(&Value::Null)
}

async fn history_types(s: &Server, token: &str, id: i64) -> Vec<String> {
    let r = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}/history"), Some(token), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    r.body["items"]
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|e| e["type"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

async fn tickets_carry_their_targets_for_staff_only(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let policy_id = policy(&s, &admin, "Urgent", 60, 80).await;

    let t = s.ticket(&customer, urgent("Site down")).await;
    assert!(t.get("sla").is_none(), "customers are shown no SLA: {t}");
    let id = t["id"].as_i64().expect("id");
    let normal = s
        .ticket(
            &customer,
            json!({"subject": "Question", "description": "d", "category": "billing"}),
        )
        .await;

    let r = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), Some(&agent), None)
        .await;
    assert_eq!(r.body["sla"]["policy_id"], policy_id, "{}", r.body);
    assert_eq!(r.body["sla"]["policy_name"], "Urgent");
    let first = target(&r.body, "first_response");
    assert_eq!(first["status"], "active", "{}", r.body);
    assert_eq!(first["target_minutes"], 60);
    let created = chrono::DateTime::parse_from_rfc3339(t["created_at"].as_str().expect("created")).expect("instant");
    let due = chrono::DateTime::parse_from_rfc3339(first["due_at"].as_str().expect("due")).expect("instant");
    assert_eq!((due - created).num_seconds(), 3600, "24x7: due an hour after creation");
    assert_eq!(target(&r.body, "resolution")["target_minutes"], 480);
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{}", normal["id"]),
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(
        r.body["sla"],
        json!({"policy_id": null, "policy_name": null, "targets": []}),
        "no policy for normal"
    );

    // The explanation, for staff.
    let r = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}/sla"), Some(&agent), None)
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["time_zone"], "UTC");
    assert_eq!(r.body["calendar_id"], Value::Null);
    let explained = r.body["targets"]
        .as_array()
        .and_then(|ts| ts.iter().find(|x| x["target"]["kind"] == "first_response"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(explained["due"]["business_seconds"], 3600, "{}", r.body);
    assert!(explained["due"]["explanation"].as_str().is_some_and(|e| !e.is_empty()));
    s.call(Method::GET, &format!("/api/v1/tickets/{id}/sla"), Some(&customer), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // A staff reply meets the first response; lists filter and order by the SLA.
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/comments"),
            Some(&agent),
            Some(json!({"body": "On it"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let second = s.ticket(&customer, urgent("Also down")).await;
    let r = s
        .call(Method::GET, "/api/v1/tickets?sla_status=met", Some(&agent), None)
        .await;
    let ids: Vec<&Value> = r.body["items"]
        .as_array()
        .map(|i| i.iter().map(|t| &t["id"]).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec![&json!(id)], "{}", r.body);
    let r = s
        .call(
            Method::GET,
            "/api/v1/tickets?sla_status=active&sort=sla_due_at",
            Some(&agent),
            None,
        )
        .await;
    let ids: Vec<&Value> = r.body["items"]
        .as_array()
        .map(|i| i.iter().map(|t| &t["id"]).collect())
        .unwrap_or_default();
    assert_eq!(
        ids,
        vec![&second["id"], &json!(id)],
        "the second's first response (1 h) falls due before the first's resolution (8 h): {}",
        r.body
    );
    let r = s
        .call(
            Method::GET,
            "/api/v1/tickets?due_before=2000-01-01T00:00:00Z",
            Some(&agent),
            None,
        )
        .await;
    assert_eq!(r.body["items"], json!([]));
    for bad in ["sla_status=late", "due_before=tomorrow", "sort=-sla_due_at"] {
        s.call(Method::GET, &format!("/api/v1/tickets?{bad}"), Some(&agent), None)
            .await
            .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    }
    s.call(Method::GET, "/api/v1/tickets?sla_status=met", Some(&customer), None)
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");

    // Raising the priority of the normal ticket applies the urgent policy from now on.
    let r = s
        .call(
            Method::PATCH,
            &format!("/api/v1/tickets/{}", normal["id"]),
            Some(&agent),
            Some(json!({"priority": "urgent"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["sla"]["policy_id"], policy_id);
    assert_eq!(target(&r.body, "first_response")["status"], "active");
}

async fn targets_turn_at_risk_then_breached_in_real_time(s: Server) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    // At risk after 30 seconds, breached after a minute.
    policy(&s, &admin, "One minute", 1, 50).await;
    let t = s.ticket(&customer, urgent("Everything is on fire")).await;
    let id = t["id"].as_i64().expect("id");
    let path = format!("/api/v1/tickets/{id}");
    let started = std::time::Instant::now();
    let mut seen = Vec::new();
    while started.elapsed() < std::time::Duration::from_secs(90) {
        let r = s.call(Method::GET, &path, Some(&agent), None).await;
        let status = target(&r.body, "first_response")["status"]
            .as_str()
            .unwrap_or("?")
            .to_owned();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        let types = history_types(&s, &agent, id).await;
        if status == "breached" && types.iter().any(|t| t == "SlaBreached") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    assert_eq!(seen, ["active", "at_risk", "breached"], "{}", s.log_text());
    let types = history_types(&s, &agent, id).await;
    let sla: Vec<&String> = types.iter().filter(|t| t.starts_with("Sla")).collect();
    assert_eq!(sla, ["SlaWarning", "SlaBreached"], "recorded once each");
    let customer_view = history_types(&s, &customer, id).await;
    assert!(customer_view.iter().all(|t| !t.starts_with("Sla")), "{customer_view:?}");
    let r = s.call(Method::GET, &path, Some(&customer), None).await;
    assert!(r.body.get("sla").is_none());
}

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

/// Two `ticket-worker` processes on one PostgreSQL database share a few thousand due
/// targets and record every warning and breach exactly once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_record_each_crossing_exactly_once() {
    const TICKETS: i64 = 2500;
    let Some(s) = Server::start(Backend::Postgres).await else {
        return;
    };
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    // First response in 60 minutes and resolution in 90, at risk at half: four crossings.
    let body = json!({
        "name": "Urgent", "priorities": ["urgent"], "first_response_minutes": 60,
        "resolution_minutes": 90, "warning_percent": 50,
    });
    let r = s
        .call(Method::POST, "/api/v1/sla/policies", Some(&admin), Some(body))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let s = std::sync::Arc::new(s);
    let mut openers = Vec::new();
    for chunk in 0..10 {
        let (s, customer) = (s.clone(), customer.clone());
        openers.push(tokio::spawn(async move {
            for i in 0..TICKETS / 10 {
                s.ticket(&customer, urgent(&format!("Down {chunk}-{i}"))).await;
            }
        }));
    }
    for o in openers {
        o.await.expect("opens tickets");
    }
    // Two hours pass: every warning and breach is due.
    let url = &s.database_url;
    let shift = "- INTERVAL '2 hours'";
    testing::postgres_execute(
        url,
        &format!(
            "UPDATE ticket_sla_targets SET started_at = started_at {shift}, running_since = running_since {shift}, \
             due_at = due_at {shift}, warn_at = warn_at {shift};
             UPDATE ticket_slas SET next_deadline = next_deadline {shift};
             UPDATE tickets SET created_at = created_at {shift}, sla_due_at = sla_due_at {shift};"
        ),
    )
    .await
    .expect("moves the clock");
    let due = "SELECT count(*) AS n FROM ticket_slas WHERE next_deadline <= (now() AT TIME ZONE 'UTC')";
    assert_eq!(testing::postgres_count(url, due).await, Ok(TICKETS));

    let env = [
        ("TICKET__WORKER__SLA_INTERVAL_SECS", "1"),
        ("TICKET__WORKER__SLA_BATCH", "50"),
    ];
    let binds = [
        format!("127.0.0.1:{}", free_port()),
        format!("127.0.0.1:{}", free_port()),
    ];
    let workers = [
        s.spawn_worker_logged("worker-a.log", &binds[0], &env),
        s.spawn_worker_logged("worker-b.log", &binds[1], &env),
    ];
    let count = |event: &str| format!("SELECT count(*) AS n FROM ticket_history WHERE event_type = '{event}'");
    let started = std::time::Instant::now();
    loop {
        let breaches = testing::postgres_count(url, &count("SlaBreached"))
            .await
            .expect("counts");
        let left = testing::postgres_count(url, due).await.expect("counts");
        if breaches >= 2 * TICKETS && left == 0 {
            break;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "{breaches} breaches after 2 minutes\n{}\n{}",
            s.read_log("worker-a.log"),
            s.read_log("worker-b.log")
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    // Each worker's own count, from its /metrics, before stopping them.
    let mut shares = Vec::new();
    for bind in &binds {
        let v = worker_metrics(
            bind,
            &["ticket_worker_sla_warnings_total", "ticket_worker_sla_breaches_total"],
        )
        .await;
        shares.push((v[0], v[1]));
    }
    for w in workers {
        assert!(terminate(w).success(), "workers stop gracefully");
    }
    assert_eq!(
        testing::postgres_count(url, &count("SlaWarning")).await,
        Ok(2 * TICKETS)
    );
    assert_eq!(
        testing::postgres_count(url, &count("SlaBreached")).await,
        Ok(2 * TICKETS)
    );
    let repeated = "SELECT count(*) AS n FROM (SELECT ticket_id, event_type, details FROM ticket_history \
         WHERE event_type LIKE 'Sla%' GROUP BY 1, 2, 3 HAVING count(*) > 1) AS twice";
    assert_eq!(
        testing::postgres_count(url, repeated).await,
        Ok(0),
        "no crossing recorded twice"
    );
    let outbox = "SELECT count(*) AS n FROM outbox WHERE event_type LIKE 'Sla%'";
    assert_eq!(
        testing::postgres_count(url, outbox).await,
        Ok(4 * TICKETS),
        "one outbox event each"
    );
    let total = shares.iter().fold((0, 0), |acc, s| (acc.0 + s.0, acc.1 + s.1));
    assert_eq!(
        total,
        (2 * TICKETS, 2 * TICKETS),
        "the workers' own counts add up: {shares:?}"
    );
    eprintln!("crossings recorded by each worker (warnings, breaches): {shares:?}");
}

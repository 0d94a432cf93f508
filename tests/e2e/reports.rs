//! The reports end to end on both backends: tickets created, answered, resolved,
//! reopened and closed through the API with the API's clock moved ahead (ADR 0015), each
//! report read and checked against figures computed by hand, the CSV parsed and compared
//! with the JSON, and the refusals. The survey answer for the csat check is stored with
//! plain SQL: the survey's endpoints are another part of issue 16.

use std::path::PathBuf;

use adapters_db::testing;
use e2e::*;

mod live {
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let Some((server, clock)) = super::server(e2e::Backend::Sqlite).await else {
            panic!("sqlite always runs");
        };
        super::reports_count_what_the_api_did(server, clock).await;
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let Some((server, clock)) = super::server(e2e::Backend::Postgres).await else {
            return;
        };
        super::reports_count_what_the_api_did(server, clock).await;
    }
}

/// A server whose clock runs ahead by the seconds in the returned file.
async fn server(backend: Backend) -> Option<(Server, PathBuf)> {
    let clock = std::env::temp_dir().join(format!("e2e-clock-{}-{}", std::process::id(), e2e::free_port()));
    std::fs::write(&clock, "0").expect("clock file");
    let path = clock.display().to_string();
    let server = Server::start_with(backend, &[("TICKET_TEST_CLOCK_FILE", &path)]).await?;
    Some((server, clock))
}

async fn post(s: &Server, token: &str, path: &str, body: Value) -> Reply {
    let r = s.call(Method::POST, path, Some(token), Some(body)).await;
    assert!(r.status.is_success(), "POST {path}: {} {}", r.status, r.body);
    r
}

async fn move_to(s: &Server, token: &str, id: i64, to: &str) {
    post(
        s,
        token,
        &format!("/api/v1/tickets/{id}/transitions"),
        json!({ "to": to }),
    )
    .await;
}

/// A report as JSON, the request's query appended.
async fn report(s: &Server, token: &str, name: &str, query: &str) -> Value {
    let r = s
        .call(
            Method::GET,
            &format!("/api/v1/reports/{name}?{query}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{name}: {}", r.body);
    r.body
}

/// Parses RFC 4180 CSV: quoted fields may hold commas, quotes ("") and line breaks.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let mut row = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut field));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && row.is_empty(), "the last line ends with CRLF");
    rows
}

/// Reads the report as CSV and checks it against the JSON rows: the header is the rows'
/// fields, each line the row's values (null empty).
async fn csv_matches_json(s: &Server, token: &str, name: &str, query: &str, json: &Value) {
    let r = s
        .request(Method::GET, &format!("/api/v1/reports/{name}?{query}"), Some(token))
        .header("Accept", "text/csv")
        .send()
        .await
        .expect("answers");
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers().get("content-type").and_then(|v| v.to_str().ok()),
        Some("text/csv; charset=utf-8")
    );
    let table = parse_csv(&r.text().await.expect("body"));
    let rows = json["rows"].as_array().expect("rows");
    assert_eq!(table.len(), rows.len() + 1, "{name}: a header and a line per row");
    let header = &table[0];
    for (line, row) in table[1..].iter().zip(rows) {
        let object = row.as_object().expect("object");
        assert_eq!(object.len(), header.len(), "{name}: every field is a column");
        for (column, cell) in header.iter().zip(line) {
            let want = match &row[column] {
                Value::Null => String::new(),
                Value::String(text) => text.clone(),
                other => other.to_string(),
            };
            assert_eq!(cell, &want, "{name}: column {column}");
        }
    }
}

fn rows_where<'a>(body: &'a Value, key: &str, value: &str) -> Vec<&'a Value> {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .filter(|r| r[key] == value)
        .collect()
}

fn sum(body: &Value, column: &str) -> i64 {
    body["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| r[column].as_i64().unwrap_or(0))
        .sum()
}

fn sum_of(row: &Value, columns: &[&str]) -> i64 {
    columns.iter().map(|c| row[*c].as_i64().unwrap_or(0)).sum()
}

async fn reports_count_what_the_api_did(s: Server, clock: PathBuf) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (_, lead) = s.account(&admin, "supervisor", "lead@example.com").await;
    let (customer_id, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let body = json!({"subject": "Printer", "description": "It jams", "category": "billing"});

    // A: answered after an hour, resolved after two, reopened and resolved again after
    // three, closed by the customer.
    let a = s.ticket(&customer, body.clone()).await["id"].as_i64().expect("id");
    post(
        &s,
        &agent,
        &format!("/api/v1/tickets/{a}/assignment"),
        json!({ "agent_id": agent_id }),
    )
    .await;
    std::fs::write(&clock, "3600").expect("clock");
    post(
        &s,
        &agent,
        &format!("/api/v1/tickets/{a}/comments"),
        json!({"body": "Try this", "visibility": "public"}),
    )
    .await;
    let t = s
        .call(Method::GET, &format!("/api/v1/tickets/{a}"), Some(&agent), None)
        .await;
    if t.body["status"] == "assigned" {
        move_to(&s, &agent, a, "in_progress").await;
    }
    std::fs::write(&clock, "7200").expect("clock");
    move_to(&s, &agent, a, "resolved").await;
    move_to(&s, &customer, a, "in_progress").await;
    std::fs::write(&clock, "10800").expect("clock");
    move_to(&s, &agent, a, "resolved").await;
    move_to(&s, &customer, a, "closed").await;
    // B: closed by its customer at once, never resolved. C: still new.
    let b = s.ticket(&customer, body.clone()).await["id"].as_i64().expect("id");
    move_to(&s, &customer, b, "closed").await;
    s.ticket(&customer, body.clone()).await;

    // A's survey, answered with a 2 and a comment that needs quoting in CSV.
    let now = (chrono::Utc::now() + chrono::Duration::hours(3)).naive_utc();
    let when = now.format("%Y-%m-%d %H:%M:%S").to_string();
    let sql = format!(
        "INSERT INTO surveys (ticket_id, round, trigger, customer_id, agent_id, category, priority, token_hash, \
           invited_at, expires_at, edit_window_secs, rating, comment, answered_at, changed_at) \
         VALUES ({a}, 1, 'closed', {customer_id}, {agent_id}, 'billing', 2, 'e2e-token', '{when}', '{when}', 604800, \
           2, 'Slow, \"very\" slow', '{when}', '{when}')"
    );
    testing::execute(&s.database_url, &sql)
        .await
        .expect("stores the survey");

    // Yesterday to tomorrow (UTC), so the clock's three hours never leave the period.
    let today = chrono::Utc::now().date_naive();
    let query = format!(
        "from={}&to={}&time_zone=UTC",
        today - chrono::Duration::days(1),
        today + chrono::Duration::days(1)
    );

    let sla = report(&s, &lead, "sla", &query).await;
    assert_eq!(sla["report"], "sla");
    assert_eq!(sla["time_zone"], "UTC");
    assert_eq!(
        sum(&sla, "met") + sum(&sla, "breached"),
        0,
        "no policy, no targets: {sla}"
    );
    assert_eq!(sla["rows"].as_array().map(Vec::len), Some(3), "one row per target kind");

    let times = report(&s, &lead, "response-times", &query).await;
    let all = &times["rows"][0];
    assert_eq!(all["group_key"], "all");
    assert_eq!(all["first_response_count"], 1);
    assert_eq!(all["first_response_median_minutes"], 60);
    assert_eq!(all["first_response_business_count"], 0, "no policy: wall-clock only");
    // A's last resolution 180 minutes in, B closed unresolved at once: median 90.
    assert_eq!(all["resolution_count"], 2);
    assert_eq!(all["resolution_median_minutes"], 90);
    assert_eq!(all["resolution_p90_minutes"], 162);

    let volume = report(&s, &lead, "volume", &query).await;
    assert_eq!(volume["rows"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        [
            sum(&volume, "created"),
            sum(&volume, "resolved"),
            sum(&volume, "closed"),
            sum(&volume, "reopened")
        ],
        [3, 2, 2, 1]
    );
    let last = &volume["rows"][2];
    assert_eq!(
        (last["backlog"].as_i64(), last["backlog_new"].as_i64()),
        (Some(1), Some(1))
    );
    // Tomorrow's end is under two days after C was opened (under one late at night).
    assert_eq!(sum_of(last, &["backlog_lt_1d", "backlog_1d_3d"]), 1);

    let csat = report(&s, &lead, "csat", &query).await;
    assert_eq!(csat["rows"][0]["responses"], 1);
    assert_eq!(csat["rows"][0]["csat_percent"], 0.0);
    assert_eq!(csat["rows"][0]["average_rating"], 2.0);
    assert_eq!(csat["low_ratings"][0]["number"], format!("TKT-{a:06}"));
    assert_eq!(csat["low_ratings"][0]["comment"], "Slow, \"very\" slow");
    let by_agent = report(&s, &lead, "csat", &format!("{query}&group_by=agent")).await;
    assert_eq!(by_agent["rows"][0]["group_key"], agent_id.to_string());

    let agents = report(&s, &admin, "agents", &query).await;
    let line = rows_where(&agents, "name", "agent@example.com");
    assert_eq!(line.len(), 1, "{agents}");
    let line = line[0];
    assert_eq!(line["agent_id"], agent_id);
    assert_eq!(
        (line["handled"].as_i64(), line["reopened"].as_i64()),
        (Some(1), Some(1))
    );
    assert_eq!(line["reopen_rate_percent"], 100.0);
    assert_eq!(line["first_response_median_minutes"], 60);
    assert_eq!(line["resolution_median_minutes"], 180);
    assert_eq!(line["csat_responses"], 1);
    assert_eq!(line["load"], 0);

    for (name, body) in [
        ("sla", &sla),
        ("response-times", &times),
        ("volume", &volume),
        ("csat", &csat),
        ("agents", &agents),
    ] {
        csv_matches_json(&s, &lead, name, &query, body).await;
    }

    // Refusals: agents and customers 403, bad values 422 naming the field.
    for token in [&agent, &customer] {
        s.call(Method::GET, "/api/v1/reports/volume", Some(token), None)
            .await
            .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    }
    for (path, field) in [
        ("/api/v1/reports/sla?time_zone=Mars/Base", "time_zone"),
        ("/api/v1/reports/sla?from=2026-02-30", "from"),
        ("/api/v1/reports/sla?from=2026-03-02&to=2026-03-01", "to"),
        ("/api/v1/reports/sla?from=2025-01-01&to=2026-03-01", "to"),
        ("/api/v1/reports/volume?group_by=agent", "group_by"),
        ("/api/v1/reports/response-times?group_by=policy", "group_by"),
    ] {
        let r = s.call(Method::GET, path, Some(&lead), None).await;
        r.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
        assert_eq!(r.body["errors"][0]["field"], field, "{path}: {}", r.body);
    }
    // The OpenAPI document describes both media types of every report.
    let doc = s.call(Method::GET, "/api/v1/openapi.json", None, None).await;
    for name in ["sla", "response-times", "volume", "csat", "agents"] {
        let ok = &doc.body["paths"][format!("/api/v1/reports/{name}")]["get"]["responses"]["200"]["content"];
        assert!(
            ok["application/json"].is_object() && ok["text/csv"].is_object(),
            "{name}: {ok}"
        );
    }
    // The default period: the last 30 days ending today.
    let default = report(&s, &lead, "volume", "").await;
    assert_eq!(default["rows"].as_array().map(Vec::len), Some(30));
}

//! The satisfaction survey (issue 16) end to end, on both backends: closing a ticket
//! e-mails its customer an invitation through a fake SendGrid (wiremock, sent by the
//! single-node loops), the link's token answers through JSON, the HTML form and a
//! one-click rating link (whose `GET` records nothing), the answer shows to staff and on
//! `/satisfaction` and counts in the `csat` report, reused, altered and expired tokens
//! are refused, a reopened ticket's new survey supersedes the old link, and a
//! `satisfaction_at_most` rule notifies the supervisors.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use e2e::{Backend, Method, Server, StatusCode, Value, json};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

e2e::on_both_backends!(
    a_closed_ticket_is_surveyed_and_answered_by_json_form_and_one_click_link,
    expired_and_superseded_links_are_refused_and_a_poor_rating_notifies_supervisors,
);

const PUBLIC: &str = "https://desk.example.com";

fn backend_of_test() -> Backend {
    let name = std::thread::current().name().unwrap_or("").to_owned();
    if name.starts_with("postgres::") {
        Backend::Postgres
    } else {
        Backend::Sqlite
    }
}

/// A server running its loops in-process, e-mailing through `sendgrid`, its links on
/// [`PUBLIC`], its clock ahead by the seconds in the returned file; `extra` settings on top.
async fn surveying_server(sendgrid: &MockServer, extra: &[(&str, &str)]) -> Option<(Server, PathBuf)> {
    let clock = std::env::temp_dir().join(format!("e2e-clock-{}-{}", std::process::id(), e2e::free_port()));
    std::fs::write(&clock, "0").expect("clock file");
    let clock_path = clock.display().to_string();
    let base = sendgrid.uri();
    let mut env = vec![
        ("TICKET__HTTP__PUBLIC_URL", PUBLIC),
        ("TICKET__WORKER__EMBEDDED", "true"),
        ("TICKET__WORKER__NOTIFY_INTERVAL_MS", "100"),
        ("TICKET__WORKER__ESCALATION_INTERVAL_SECS", "1"),
        ("TICKET__NOTIFY__SENDGRID__API_KEY", "SG.test-key"),
        ("TICKET__NOTIFY__SENDGRID__BASE_URL", base.as_str()),
        ("TICKET_TEST_CLOCK_FILE", clock_path.as_str()),
    ];
    env.extend_from_slice(extra);
    let server = Server::start_with(backend_of_test(), &env).await?;
    Some((server, clock))
}

async fn fake_sendgrid() -> MockServer {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(202))
        .mount(&server)
        .await;
    server
}

/// The e-mails SendGrid accepted so far: (to, subject, plain text).
async fn mails(sendgrid: &MockServer) -> Vec<(String, String, String)> {
    sendgrid
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter_map(|r| serde_json::from_slice::<Value>(&r.body).ok())
        .map(|b| {
            let to = b["personalizations"][0]["to"][0]["email"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            let subject = b["subject"].as_str().unwrap_or_default().to_owned();
            let text = b["content"][0]["value"].as_str().unwrap_or_default().to_owned();
            (to, subject, text)
        })
        .collect()
}

/// Waits for the `n`th survey invitation to `to` and returns the tokens of its links so
/// far, oldest first (one per invitation).
async fn survey_tokens(sendgrid: &MockServer, to: &str, n: usize) -> Vec<String> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let tokens: Vec<String> = mails(sendgrid)
            .await
            .into_iter()
            .filter(|(rcpt, subject, _)| rcpt == to && subject.starts_with("How did we do"))
            .filter_map(|(_, _, text)| {
                let prefix = format!("{PUBLIC}/api/v1/surveys/");
                let link = text.split_whitespace().find(|w| w.starts_with(&prefix))?.to_owned();
                assert!(
                    text.contains(&format!("{link}?rating=1")) && text.contains(&format!("{link}?rating=5")),
                    "one link per rating: {text}"
                );
                Some(link.strip_prefix(&prefix)?.to_owned())
            })
            .collect();
        if tokens.len() >= n {
            return tokens;
        }
        assert!(Instant::now() < deadline, "no survey e-mail #{n} to {to}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn go(s: &Server, id: i64, to: &str, token: &str) {
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/transitions"),
            Some(token),
            Some(json!({"to": to})),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "moving to {to}: {}", r.body);
}

/// `GET /surveys/{token}` with `Accept: text/html`: status, headers and page.
async fn page(s: &Server, token: &str, query: &str) -> (StatusCode, reqwest::header::HeaderMap, String) {
    let r = s
        .request(Method::GET, &format!("/api/v1/surveys/{token}{query}"), None)
        .header("Accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("sends");
    let (status, headers) = (r.status(), r.headers().clone());
    (status, headers, r.text().await.expect("reads"))
}

/// Posts the survey page's form.
async fn post_form(s: &Server, token: &str, form: &[(&str, &str)]) -> (StatusCode, String) {
    let r = s
        .request(Method::POST, &format!("/api/v1/surveys/{token}"), None)
        .form(form)
        .send()
        .await
        .expect("sends");
    (r.status(), r.text().await.expect("reads"))
}

/// Closes a fresh ticket of `customer` as `agent`; returns its id.
async fn closed_ticket(s: &Server, customer: &str, agent: &str, subject: &str) -> i64 {
    let t = s
        .ticket(
            customer,
            json!({"subject": subject, "description": "it broke", "category": "billing"}),
        )
        .await;
    let id = t["id"].as_i64().expect("id");
    go(s, id, "closed", agent).await;
    id
}

/// Close → e-mail → JSON answer; close → one-click link (GET records nothing) → form
/// post → change through the form; the answer on the ticket for staff and on
/// `/satisfaction`; reused and altered tokens, bad fields, other customers and staff
/// refused; a logged-in answer on a third ticket.
async fn a_closed_ticket_is_surveyed_and_answered_by_json_form_and_one_click_link(_: Server) {
    let sendgrid = fake_sendgrid().await;
    let Some((s, _clock)) = surveying_server(&sendgrid, &[]).await else {
        return;
    };
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "rater@example.com").await;
    let (_, other) = s.account(&admin, "customer", "other@example.com").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;

    // Through JSON.
    let first = closed_ticket(&s, &customer, &agent, "Invoice wrong").await;
    let token = survey_tokens(&sendgrid, "rater@example.com", 1).await.remove(0);
    let url = format!("/api/v1/surveys/{token}");
    let r = s.call(Method::GET, &url, None, None).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["ticket_subject"], "Invoice wrong");
    assert_eq!(r.body["ticket_number"], format!("TKT-{first:06}"));
    assert_eq!(
        (r.body["can_answer"].clone(), r.body["answer"].clone()),
        (json!(true), Value::Null)
    );
    let bad = s.call(Method::POST, &url, None, Some(json!({"rating": 6}))).await;
    bad.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(bad.body["errors"][0]["field"], "rating", "{}", bad.body);
    let long = s
        .call(
            Method::POST,
            &url,
            None,
            Some(json!({"rating": 4, "comment": "x".repeat(2_001)})),
        )
        .await;
    long.assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    assert_eq!(long.body["errors"][0]["field"], "comment", "{}", long.body);
    let early_change = s.call(Method::PUT, &url, None, Some(json!({"rating": 3}))).await;
    early_change.assert_problem(StatusCode::CONFLICT, "not_answered");
    let r = s
        .call(
            Method::POST,
            &url,
            None,
            Some(json!({"rating": 4, "comment": "quick and kind"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["answer"]["rating"], 4);
    assert_eq!(r.body["can_change"], true);
    s.call(Method::POST, &url, None, Some(json!({"rating": 5})))
        .await
        .assert_problem(StatusCode::CONFLICT, "already_answered");
    let altered = format!("{}x", &token[..token.len() - 1]);
    s.call(Method::GET, &format!("/api/v1/surveys/{altered}"), None, None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "survey_not_found");
    s.call(
        Method::POST,
        &format!("/api/v1/surveys/{altered}"),
        None,
        Some(json!({"rating": 5})),
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "survey_not_found");

    // Through a one-click rating link: the page has 2 chosen and records nothing.
    let second = closed_ticket(&s, &customer, &agent, "Printer jam").await;
    let token2 = survey_tokens(&sendgrid, "rater@example.com", 2).await.remove(1);
    let (status, headers, html) = page(&s, &token2, "?rating=2").await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.starts_with("<!DOCTYPE html><html lang=\"en\">"), "{html}");
    assert!(
        html.contains("<title>") && html.contains("<fieldset><legend>"),
        "{html}"
    );
    assert!(
        html.contains("id=\"rating-2\" name=\"rating\" value=\"2\" required checked"),
        "{html}"
    );
    assert!(!html.contains("value=\"3\" required checked"), "{html}");
    assert!(html.contains("<label for=\"rating-5\">"), "{html}");
    assert!(
        html.contains("<textarea id=\"comment\" name=\"comment\" maxlength=\"2000\""),
        "{html}"
    );
    assert!(
        html.contains("<label for=\"comment\">") && html.contains("<button type=\"submit\">"),
        "{html}"
    );
    assert!(
        !html.contains("<script") && !html.contains("style="),
        "no script, no inline style"
    );
    assert!(html.contains("Printer jam"), "{html}");
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    assert!(header("content-type").starts_with("text/html"));
    assert!(header("content-security-policy").contains("default-src 'none'"));
    assert_eq!(header("cache-control"), "no-store");
    assert_eq!(header("referrer-policy"), "no-referrer");
    // A mail scanner following every rating link records nothing.
    for n in 1..=5 {
        let (status, _, _) = page(&s, &token2, &format!("?rating={n}")).await;
        assert_eq!(status, StatusCode::OK);
    }
    let r = s
        .call(Method::GET, &format!("/api/v1/surveys/{token2}"), None, None)
        .await;
    assert_eq!(
        (r.body["can_answer"].clone(), r.body["answer"].clone()),
        (json!(true), Value::Null),
        "GET recorded nothing"
    );
    let (status, html) = post_form(&s, &token2, &[("rating", "2"), ("comment", "slow <b>reply</b>")]).await;
    assert_eq!(status, StatusCode::CREATED, "{html}");
    assert!(
        html.contains("2 of 5") && html.contains("slow &lt;b&gt;reply&lt;/b&gt;"),
        "{html}"
    );
    assert!(
        html.contains("name=\"_method\" value=\"PUT\""),
        "a way to change it: {html}"
    );
    let (status, html) = post_form(&s, &token2, &[("_method", "PUT"), ("rating", "1"), ("comment", "")]).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("1 of 5"), "{html}");
    let (status, html) = post_form(&s, &token2, &[("rating", "9")]).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("role=\"alert\"") && html.contains("rating"),
        "the form again, saying why: {html}"
    );
    let (status, html) = post_form(&s, &token2, &[("rating", "5")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "answered already: {html}");

    // The answers show to staff, and to their customer on /satisfaction.
    let staff = s
        .call(Method::GET, &format!("/api/v1/tickets/{second}"), Some(&agent), None)
        .await;
    assert_eq!(staff.body["satisfaction"]["rating"], 1, "{}", staff.body);
    assert_eq!(staff.body["satisfaction"]["comment"], Value::Null);
    assert_eq!(staff.body["satisfaction"]["round"], 1);
    let theirs = s
        .call(Method::GET, &format!("/api/v1/tickets/{second}"), Some(&customer), None)
        .await;
    assert!(theirs.body.get("satisfaction").is_none(), "the staff view only");
    let list = s.call(Method::GET, "/api/v1/tickets", Some(&agent), None).await;
    let listed = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|t| t["id"] == first)
        .cloned();
    assert_eq!(listed.expect("listed")["satisfaction"]["comment"], "quick and kind");
    let sat = format!("/api/v1/tickets/{first}/satisfaction");
    for token in [&customer, &agent, &admin] {
        let r = s.call(Method::GET, &sat, Some(token), None).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.body["answer"]["rating"], 4);
    }
    s.call(Method::GET, &sat, Some(&other), None)
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(Method::PUT, &sat, Some(&agent), Some(json!({"rating": 1})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = s
        .call(Method::PUT, &sat, Some(&customer), Some(json!({"rating": 5})))
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.body["answer"]["rating"], 5);

    // Logged in on a third ticket; a ticket without a survey is 404.
    let third = closed_ticket(&s, &customer, &agent, "Refund").await;
    survey_tokens(&sendgrid, "rater@example.com", 3).await;
    let sat3 = format!("/api/v1/tickets/{third}/satisfaction");
    s.call(Method::POST, &sat3, Some(&other), Some(json!({"rating": 5})))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(Method::POST, &sat3, Some(&agent), Some(json!({"rating": 5})))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    let r = s
        .call(Method::POST, &sat3, Some(&customer), Some(json!({"rating": 3})))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    s.call(Method::POST, &sat3, Some(&customer), Some(json!({"rating": 3})))
        .await
        .assert_problem(StatusCode::CONFLICT, "already_answered");
    let open = s
        .ticket(
            &customer,
            json!({"subject": "open", "description": "d", "category": "billing"}),
        )
        .await;
    s.call(
        Method::GET,
        &format!("/api/v1/tickets/{}/satisfaction", open["id"]),
        Some(&customer),
        None,
    )
    .await
    .assert_problem(StatusCode::NOT_FOUND, "survey_not_found");
    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{third}/history"),
            Some(&customer),
            None,
        )
        .await;
    assert!(
        history.body["items"]
            .as_array()
            .expect("items")
            .iter()
            .any(|e| e["type"] == "SurveyAnswered"),
        "the answer is a ticket event: {}",
        history.body
    );

    // The answers, as changed, count in the csat report (default period: the last 30 days):
    // 5 (changed from 4), 1 and 3: one satisfied of three, average 3, the 1 quoted as low.
    let csat = s.call(Method::GET, "/api/v1/reports/csat", Some(&admin), None).await;
    assert_eq!(csat.status, StatusCode::OK, "{}", csat.body);
    let row = &csat.body["rows"][0];
    assert_eq!(row["responses"], 3, "{}", csat.body);
    assert_eq!(row["csat_percent"].as_f64(), Some(33.3), "{}", csat.body);
    assert_eq!(row["average_rating"].as_f64(), Some(3.0), "{}", csat.body);
    let low = csat.body["low_ratings"].as_array().expect("low_ratings");
    assert_eq!(low.len(), 1, "{}", csat.body);
    assert_eq!(low[0]["number"], format!("TKT-{second:06}"));
    assert_eq!(low[0]["rating"], 1);
}

/// With `survey.on_resolved`: a resolve invites, the customer's reopen and a second
/// resolve invite again and the first link is superseded (closed is terminal in the
/// seed's state machine, so the second round comes from a reopened resolve); a link
/// unanswered after 14 days (the API's injected clock) is expired; a rating of 2 fires
/// a `satisfaction_at_most` rule that e-mails the supervisors.
async fn expired_and_superseded_links_are_refused_and_a_poor_rating_notifies_supervisors(_: Server) {
    let sendgrid = fake_sendgrid().await;
    let Some((s, clock)) = surveying_server(&sendgrid, &[("TICKET__SURVEY__ON_RESOLVED", "true")]).await else {
        return;
    };
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "again@example.com").await;
    let (_, agent) = s.account(&admin, "agent", "agent@example.com").await;
    s.account(&admin, "supervisor", "lead@example.com").await;
    let rule = s
        .call(
            Method::POST,
            "/api/v1/escalation-rules",
            Some(&admin),
            Some(json!({
                "name": "poor rating",
                "conditions": [{"type": "satisfaction_at_most", "rating": 2}],
                "actions": [
                    {"type": "notify", "recipient": "supervisors", "channels": ["email"]},
                    {"type": "raise_priority"}
                ]
            })),
        )
        .await;
    assert_eq!(rule.status, StatusCode::CREATED, "{}", rule.body);
    assert_eq!(
        rule.body["conditions"][0],
        json!({"type": "satisfaction_at_most", "rating": 2})
    );

    let t = s
        .ticket(
            &customer,
            json!({"subject": "Twice", "description": "d", "category": "billing"}),
        )
        .await;
    let id = t["id"].as_i64().expect("id");
    for to in ["assigned", "in_progress", "resolved"] {
        go(&s, id, to, &agent).await;
    }
    let old = survey_tokens(&sendgrid, "again@example.com", 1).await.remove(0);
    go(&s, id, "in_progress", &customer).await;
    go(&s, id, "resolved", &agent).await;
    let tokens = survey_tokens(&sendgrid, "again@example.com", 2).await;
    let new = tokens[1].clone();
    assert_ne!(old, new);
    s.call(Method::GET, &format!("/api/v1/surveys/{old}"), None, None)
        .await
        .assert_problem(StatusCode::GONE, "survey_superseded");
    s.call(
        Method::POST,
        &format!("/api/v1/surveys/{old}"),
        None,
        Some(json!({"rating": 5})),
    )
    .await
    .assert_problem(StatusCode::GONE, "survey_superseded");
    let (status, _, html) = page(&s, &old, "").await;
    assert_eq!(status, StatusCode::GONE, "a browser gets a page: {html}");
    assert!(html.contains("replaced by a newer one"), "{html}");
    let r = s.call(Method::GET, &format!("/api/v1/surveys/{new}"), None, None).await;
    assert_eq!(
        (r.status, r.body["round"].clone()),
        (StatusCode::OK, json!(2)),
        "{}",
        r.body
    );

    // A poor rating notifies the supervisors, once, on the resolved ticket; the priority
    // is left alone there.
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/surveys/{new}"),
            None,
            Some(json!({"rating": 2})),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let to_lead = mails(&sendgrid)
            .await
            .into_iter()
            .filter(|(to, _, _)| to == "lead@example.com")
            .count();
        if to_lead > 0 {
            break;
        }
        assert!(Instant::now() < deadline, "no supervisor e-mail for the poor rating");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let ticket = s
        .call(Method::GET, &format!("/api/v1/tickets/{id}"), Some(&agent), None)
        .await;
    assert_eq!(
        ticket.body["priority"], "normal",
        "nothing raised on a resolved ticket: {}",
        ticket.body
    );
    let history = s
        .call(
            Method::GET,
            &format!("/api/v1/tickets/{id}/history"),
            Some(&agent),
            None,
        )
        .await;
    let escalations = history.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter(|e| e["type"] == "TicketEscalated")
        .count();
    assert_eq!(escalations, 1, "{}", history.body);

    // Unanswered links expire after 14 days (the API's clock moved on).
    let t2 = s
        .ticket(
            &customer,
            json!({"subject": "Late", "description": "d", "category": "billing"}),
        )
        .await;
    let id2 = t2["id"].as_i64().expect("id");
    go(&s, id2, "closed", &agent).await;
    let late = survey_tokens(&sendgrid, "again@example.com", 3).await.remove(2);
    std::fs::write(&clock, (15 * 86_400).to_string()).expect("moves the clock");
    s.call(Method::GET, &format!("/api/v1/surveys/{late}"), None, None)
        .await
        .assert_problem(StatusCode::GONE, "survey_expired");
    s.call(
        Method::POST,
        &format!("/api/v1/surveys/{late}"),
        None,
        Some(json!({"rating": 4})),
    )
    .await
    .assert_problem(StatusCode::GONE, "survey_expired");
    // Their session ended with the clock's jump too.
    let customer = s.login("again@example.com", "password for tests").await;
    s.call(
        Method::POST,
        &format!("/api/v1/tickets/{id2}/satisfaction"),
        Some(&customer),
        Some(json!({"rating": 4})),
    )
    .await
    .assert_problem(StatusCode::GONE, "survey_expired");
}

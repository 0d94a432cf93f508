//! Every endpoint against every role: anonymous callers, the owning customer, another
//! customer, agents, supervisors and admins.

use e2e::*;

e2e::on_both_backends!(
    every_endpoint_against_every_role,
    tokens_expire_on_logout_and_garbage_is_refused,
    repeated_failed_logins_are_throttled,
);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Who {
    Anonymous,
    Owner,
    OtherCustomer,
    Agent,
    Supervisor,
    Admin,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::Owner,
    Who::OtherCustomer,
    Who::Agent,
    Who::Supervisor,
    Who::Admin,
];

struct Cast {
    tokens: Vec<(Who, Option<String>)>,
    owner_id: i64,
    agent_id: i64,
    admin: String,
}

impl Cast {
    fn token(&self, who: Who) -> Option<&str> {
        self.tokens
            .iter()
            .find(|(w, _)| *w == who)
            .and_then(|(_, t)| t.as_deref())
    }
}

async fn cast(s: &Server) -> Cast {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (owner_id, owner) = s.account(&admin, "customer", "owner@example.com").await;
    let (_, other) = s.account(&admin, "customer", "other@example.com").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    let (_, supervisor) = s.account(&admin, "supervisor", "supervisor@example.com").await;
    Cast {
        tokens: vec![
            (Who::Anonymous, None),
            (Who::Owner, Some(owner)),
            (Who::OtherCustomer, Some(other)),
            (Who::Agent, Some(agent)),
            (Who::Supervisor, Some(supervisor)),
            (Who::Admin, Some(admin.clone())),
        ],
        owner_id,
        agent_id,
        admin,
    }
}

fn items_of(r: &Reply) -> Vec<Value> {
    r.body["items"].as_array().cloned().unwrap_or_default()
}

/// The status each caller gets; `staff` covers agents, supervisors and admins unless
/// `admin` differs.
fn expect(who: Who, anonymous: u16, owner: u16, other: u16, staff: u16, admin: u16) -> u16 {
    match who {
        Who::Anonymous => anonymous,
        Who::Owner => owner,
        Who::OtherCustomer => other,
        Who::Agent | Who::Supervisor => staff,
        Who::Admin => admin,
    }
}

async fn every_endpoint_against_every_role(s: Server) {
    let c = cast(&s).await;
    // A second session of the owner to set up tickets: the owner's first is logged out below.
    let owner = &s.login("owner@example.com", "password for tests").await;
    let mut failures = Vec::new();
    let mut check = |what: String, got: &Reply, want: u16| {
        if got.status.as_u16() != want {
            failures.push(format!("{what}: want {want}, got {} {}", got.status, got.body));
        }
        if got.status.is_client_error() && got.header("content-type") != Some("application/problem+json") {
            failures.push(format!("{what}: a {} without problem+json", got.status));
        }
    };

    for (i, who) in EVERYONE.into_iter().enumerate() {
        let token = c.token(who);
        // A ticket of the owner for this caller to act on.
        let t = s
            .ticket(
                owner,
                json!({"subject": "mine", "description": "d", "category": "billing"}),
            )
            .await;
        let id = t["id"].as_i64().expect("id");

        let r = s.call(Method::GET, "/api/v1/me", token, None).await;
        check(format!("{who:?} GET /me"), &r, expect(who, 401, 200, 200, 200, 200));

        let body = json!({"email": format!("new{i}@example.com"), "display_name": "New", "password": "long enough pw"});
        let r = s.call(Method::POST, "/api/v1/customers", token, Some(body)).await;
        check(
            format!("{who:?} POST /customers"),
            &r,
            expect(who, 401, 403, 403, 201, 201),
        );

        let body =
            json!({"email": format!("staff{i}@example.com"), "display_name": "Staff", "password": "long enough pw"});
        let r = s.call(Method::POST, "/api/v1/agents", token, Some(body)).await;
        check(
            format!("{who:?} POST /agents"),
            &r,
            expect(who, 401, 403, 403, 403, 201),
        );

        // Agent profiles: the agent reads their own, admins every one; availability is
        // set by staff for themselves; only admins configure agents.
        let agent_path = format!("/api/v1/agents/{}", c.agent_id);
        let r = s.call(Method::GET, &agent_path, token, None).await;
        let want = match who {
            Who::Anonymous => 401,
            Who::Agent | Who::Admin => 200,
            _ => 403,
        };
        check(format!("{who:?} GET /agents/{{id}}"), &r, want);
        let r = s
            .call(
                Method::PUT,
                "/api/v1/agents/me/availability",
                token,
                Some(json!({"availability": "online"})),
            )
            .await;
        check(
            format!("{who:?} PUT /agents/me/availability"),
            &r,
            expect(who, 401, 403, 403, 200, 200),
        );
        let r = s
            .call(Method::PATCH, &agent_path, token, Some(json!({"capacity": 5})))
            .await;
        check(
            format!("{who:?} PATCH /agents/{{id}}"),
            &r,
            expect(who, 401, 403, 403, 403, 200),
        );

        // People: the roster for staff; accounts listed and read by admins (everyone) and
        // other staff (customers only: a staff account is absent for them); changed by
        // admins.
        let r = s.call(Method::GET, "/api/v1/agents", token, None).await;
        check(format!("{who:?} GET /agents"), &r, expect(who, 401, 403, 403, 200, 200));
        let r = s.call(Method::GET, "/api/v1/users", token, None).await;
        check(format!("{who:?} GET /users"), &r, expect(who, 401, 403, 403, 200, 200));
        let r = s
            .call(Method::GET, &format!("/api/v1/users/{}", c.owner_id), token, None)
            .await;
        check(
            format!("{who:?} GET /users/{{customer}}"),
            &r,
            expect(who, 401, 403, 403, 200, 200),
        );
        let r = s
            .call(Method::GET, &format!("/api/v1/users/{}", c.agent_id), token, None)
            .await;
        check(
            format!("{who:?} GET /users/{{staff}}"),
            &r,
            expect(who, 401, 403, 403, 404, 200),
        );
        let r = s
            .call(
                Method::PATCH,
                &format!("/api/v1/users/{}", c.owner_id),
                token,
                Some(json!({"display_name": format!("Owner {i}")})),
            )
            .await;
        check(
            format!("{who:?} PATCH /users/{{id}}"),
            &r,
            expect(who, 401, 403, 403, 403, 200),
        );

        let r = s.call(Method::GET, "/api/v1/escalation-rules", token, None).await;
        check(
            format!("{who:?} GET /escalation-rules"),
            &r,
            expect(who, 401, 403, 403, 403, 200),
        );
        let rule = json!({"name": format!("rule {i}"), "conditions": [{"type": "unassigned_for", "business_minutes": 10}],
            "actions": [{"type": "raise_level"}]});
        let r = s
            .call(Method::POST, "/api/v1/escalation-rules", token, Some(rule))
            .await;
        check(
            format!("{who:?} POST /escalation-rules"),
            &r,
            expect(who, 401, 403, 403, 403, 201),
        );
        let r = s.call(Method::GET, "/api/v1/me/contact", token, None).await;
        check(
            format!("{who:?} GET /me/contact"),
            &r,
            expect(who, 401, 200, 200, 200, 200),
        );
        let r = s
            .call(
                Method::PUT,
                "/api/v1/me/contact",
                token,
                Some(json!({"phone": "+4930123456", "sms_opt_in": false})),
            )
            .await;
        check(
            format!("{who:?} PUT /me/contact"),
            &r,
            expect(who, 401, 200, 200, 200, 200),
        );

        // Passwords (issue 15). A new password the policy refuses changes nothing, so the
        // sessions this table goes on with survive: any signed-in caller reaches the rule.
        let r = s
            .call(
                Method::POST,
                "/api/v1/me/password",
                token,
                Some(json!({"current_password": "password for tests", "new_password": "short"})),
            )
            .await;
        check(
            format!("{who:?} POST /me/password"),
            &r,
            expect(who, 401, 422, 422, 422, 422),
        );
        let r = s
            .call(
                Method::POST,
                "/api/v1/auth/password-reset/request",
                token,
                Some(json!({"email": format!("nobody{i}@example.com")})),
            )
            .await;
        check(
            format!("{who:?} POST /auth/password-reset/request"),
            &r,
            expect(who, 202, 202, 202, 202, 202),
        );
        let r = s
            .call(
                Method::POST,
                "/api/v1/auth/password-reset",
                token,
                Some(json!({"token": "not-a-token", "new_password": "a long new passphrase"})),
            )
            .await;
        check(
            format!("{who:?} POST /auth/password-reset"),
            &r,
            expect(who, 422, 422, 422, 422, 422),
        );
        let r = s
            .call(Method::GET, "/api/v1/auth/password-reset?token=abc", token, None)
            .await;
        check(
            format!("{who:?} GET /auth/password-reset"),
            &r,
            expect(who, 200, 200, 200, 200, 200),
        );
        let r = s
            .call(
                Method::POST,
                &format!("/api/v1/users/{}/password-reset", c.owner_id),
                token,
                None,
            )
            .await;
        check(
            format!("{who:?} POST /users/{{id}}/password-reset"),
            &r,
            expect(who, 401, 403, 403, 403, 202),
        );
        let r = s.call(Method::GET, "/api/v1/notifications", token, None).await;
        check(
            format!("{who:?} GET /notifications"),
            &r,
            expect(who, 401, 403, 403, 403, 200),
        );
        // No notification 999999: admins learn it is missing, everyone else is refused first.
        let r = s
            .call(Method::POST, "/api/v1/notifications/999999/retry", token, None)
            .await;
        check(
            format!("{who:?} POST /notifications/{{id}}/retry"),
            &r,
            expect(who, 401, 403, 403, 403, 404),
        );
        let r = s.call(Method::GET, "/api/v1/agents/workload", token, None).await;
        check(
            format!("{who:?} GET /agents/workload"),
            &r,
            expect(who, 401, 403, 403, 200, 200),
        );
        // The reports: supervisors and admins only (agents, unlike the other staff reads,
        // are refused).
        for report in ["sla", "response-times", "volume", "csat", "agents"] {
            let r = s
                .call(Method::GET, &format!("/api/v1/reports/{report}"), token, None)
                .await;
            let want = match who {
                Who::Anonymous => 401,
                Who::Supervisor | Who::Admin => 200,
                Who::Owner | Who::OtherCustomer | Who::Agent => 403,
            };
            check(format!("{who:?} GET /reports/{report}"), &r, want);
        }

        let r = s.call(Method::GET, "/api/v1/categories", token, None).await;
        check(
            format!("{who:?} GET /categories"),
            &r,
            expect(who, 401, 200, 200, 200, 200),
        );

        let slug = format!("cat-{i}");
        let r = s
            .call(
                Method::POST,
                "/api/v1/categories",
                token,
                Some(json!({"slug": slug, "name": "n"})),
            )
            .await;
        check(
            format!("{who:?} POST /categories"),
            &r,
            expect(who, 401, 403, 403, 403, 201),
        );
        if r.status != StatusCode::CREATED {
            s.category(&c.admin, &slug).await;
        }
        let r = s
            .call(
                Method::PATCH,
                &format!("/api/v1/categories/{slug}"),
                token,
                Some(json!({"name": "m"})),
            )
            .await;
        check(
            format!("{who:?} PATCH /categories/{{slug}}"),
            &r,
            expect(who, 401, 403, 403, 403, 200),
        );
        let r = s
            .call(Method::DELETE, &format!("/api/v1/categories/{slug}"), token, None)
            .await;
        check(
            format!("{who:?} DELETE /categories/{{slug}}"),
            &r,
            expect(who, 401, 403, 403, 403, 204),
        );

        let mut body = json!({"subject": "new", "description": "d", "category": "billing"});
        if matches!(who, Who::Agent | Who::Supervisor | Who::Admin) {
            body["customer_id"] = json!(c.owner_id);
        }
        let r = s.call(Method::POST, "/api/v1/tickets", token, Some(body)).await;
        check(
            format!("{who:?} POST /tickets"),
            &r,
            expect(who, 401, 201, 201, 201, 201),
        );

        let r = s.call(Method::GET, "/api/v1/tickets?limit=100", token, None).await;
        check(
            format!("{who:?} GET /tickets"),
            &r,
            expect(who, 401, 200, 200, 200, 200),
        );
        if r.status == StatusCode::OK {
            let items = r.body["items"].as_array().cloned().unwrap_or_default();
            let foreign = items.iter().filter(|t| t["customer_id"] != json!(c.owner_id)).count();
            let seen_owner = items.iter().any(|t| t["id"] == json!(id));
            match who {
                Who::OtherCustomer => assert!(!seen_owner, "another customer listed the owner's ticket"),
                Who::Owner => assert_eq!(foreign, 0, "the owner listed someone else's ticket"),
                _ => assert!(seen_owner, "{who:?} should list every ticket"),
            }
        }
        let r = s
            .call(
                Method::GET,
                &format!("/api/v1/tickets?customer_id={}", c.owner_id),
                token,
                None,
            )
            .await;
        if who == Who::OtherCustomer {
            let items = r.body["items"].as_array().cloned().unwrap_or_default();
            assert!(
                items.iter().all(|t| t["customer_id"] != json!(c.owner_id)),
                "a customer cannot list another's tickets by asking for them"
            );
        }
        let r = s.call(Method::GET, "/api/v1/tickets?q=mine", token, None).await;
        if who == Who::OtherCustomer {
            assert_eq!(
                r.body["items"],
                json!([]),
                "search never reaches another customer's tickets"
            );
        }

        let path = format!("/api/v1/tickets/{id}");
        let r = s.call(Method::GET, &path, token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );
        let r = s
            .call(Method::GET, &format!("/api/v1/tickets/TKT-{id:06}"), token, None)
            .await;
        check(
            format!("{who:?} GET /tickets/{{number}}"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );
        let r = s.call(Method::GET, &format!("{path}/history"), token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}/history"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );
        let r = s
            .call(
                Method::POST,
                &format!("{path}/assignment"),
                token,
                Some(json!({"agent_id": c.owner_id})),
            )
            .await;
        check(
            format!("{who:?} POST /tickets/{{id}}/assignment (a customer as agent)"),
            &r,
            expect(who, 401, 403, 404, 422, 422),
        );
        let r = s.call(Method::GET, &format!("{path}/assignments"), token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}/assignments"),
            &r,
            expect(who, 401, 403, 404, 200, 200),
        );
        let r = s.call(Method::DELETE, &format!("{path}/assignment"), token, None).await;
        check(
            format!("{who:?} DELETE /tickets/{{id}}/assignment (nobody has it)"),
            &r,
            expect(who, 401, 403, 404, 409, 409),
        );
        let r = s.call(Method::GET, &format!("{path}/sla"), token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}/sla"),
            &r,
            expect(who, 401, 403, 404, 200, 200),
        );
        let r = s
            .call(Method::GET, "/api/v1/tickets?sla_status=breached", token, None)
            .await;
        check(
            format!("{who:?} GET /tickets?sla_status"),
            &r,
            expect(who, 401, 403, 403, 200, 200),
        );
        let r = s
            .call(Method::GET, "/api/v1/tickets?sort=sla_due_at", token, None)
            .await;
        check(
            format!("{who:?} GET /tickets?sort=sla_due_at"),
            &r,
            expect(who, 401, 403, 403, 200, 200),
        );
        let r = s
            .call(
                Method::POST,
                &format!("{path}/escalations"),
                token,
                Some(json!({"reason": "needs a senior look"})),
            )
            .await;
        check(
            format!("{who:?} POST /tickets/{{id}}/escalations"),
            &r,
            expect(who, 401, 403, 404, 200, 200),
        );
        let r = s.call(Method::GET, &format!("{path}/escalations"), token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}/escalations"),
            &r,
            expect(who, 401, 403, 404, 200, 200),
        );
        // The conversation: a public file of the owner and an internal note with a file.
        let public = s
            .multipart(
                &format!("{path}/comments"),
                Some(owner),
                &[("body", "photo")],
                &[("p.png", "image/png", PNG)],
            )
            .await;
        let public_file = public.body["attachments"][0]["id"].as_i64().expect("public file");
        let note = s
            .multipart(
                &format!("{path}/comments"),
                Some(&c.admin),
                &[("body", "note"), ("visibility", "internal")],
                &[("n.png", "image/png", PNG)],
            )
            .await;
        let note_file = note.body["attachments"][0]["id"].as_i64().expect("note file");
        let r = s.call(Method::GET, &format!("{path}/comments"), token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}/comments"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );
        if who == Who::Owner {
            assert!(
                items_of(&r).iter().all(|c| c["visibility"] == "public"),
                "the owner sees no note"
            );
        }
        let r = s
            .call(
                Method::POST,
                &format!("{path}/comments"),
                token,
                Some(json!({"body": "hello"})),
            )
            .await;
        check(
            format!("{who:?} POST /tickets/{{id}}/comments"),
            &r,
            expect(who, 401, 201, 404, 201, 201),
        );
        let r = s
            .call(
                Method::POST,
                &format!("{path}/comments"),
                token,
                Some(json!({"body": "note", "visibility": "internal"})),
            )
            .await;
        check(
            format!("{who:?} POST /tickets/{{id}}/comments internal"),
            &r,
            expect(who, 401, 403, 404, 201, 201),
        );
        let r = s
            .multipart(
                &format!("{path}/attachments"),
                token,
                &[],
                &[("f.png", "image/png", PNG)],
            )
            .await;
        check(
            format!("{who:?} POST /tickets/{{id}}/attachments"),
            &r,
            expect(who, 401, 201, 404, 201, 201),
        );
        let r = s.call(Method::GET, &format!("{path}/attachments"), token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}/attachments"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );
        if who == Who::Owner {
            assert!(
                items_of(&r).iter().all(|a| a["id"] != json!(note_file)),
                "the owner lists no note file"
            );
        }
        let r = s
            .call(Method::GET, &format!("/api/v1/attachments/{public_file}"), token, None)
            .await;
        check(
            format!("{who:?} GET /attachments/{{public}}"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );
        let r = s
            .call(Method::GET, &format!("/api/v1/attachments/{note_file}"), token, None)
            .await;
        check(
            format!("{who:?} GET /attachments/{{internal}}"),
            &r,
            expect(who, 401, 404, 404, 200, 200),
        );
        // Removing content: files (admins, or the uploader within 10 minutes), redaction
        // (admins), erasure (admins; customers only).
        let r = s
            .call(
                Method::DELETE,
                &format!("/api/v1/attachments/{public_file}"),
                token,
                None,
            )
            .await;
        check(
            format!("{who:?} DELETE /attachments/{{public, just uploaded by the owner}}"),
            &r,
            expect(who, 401, 204, 404, 403, 204),
        );
        let r = s
            .call(Method::DELETE, &format!("/api/v1/attachments/{note_file}"), token, None)
            .await;
        check(
            format!("{who:?} DELETE /attachments/{{internal, by the admin}}"),
            &r,
            expect(who, 401, 404, 404, 403, 204),
        );
        let public_comment = public.body["id"].as_i64().expect("public comment");
        let note_comment = note.body["id"].as_i64().expect("note");
        let reason = Some(json!({"reason": "access table"}));
        let r = s
            .call(
                Method::POST,
                &format!("/api/v1/comments/{public_comment}/redact"),
                token,
                reason.clone(),
            )
            .await;
        check(
            format!("{who:?} POST /comments/{{public}}/redact"),
            &r,
            expect(who, 401, 403, 404, 403, 200),
        );
        let r = s
            .call(
                Method::POST,
                &format!("/api/v1/comments/{note_comment}/redact"),
                token,
                reason,
            )
            .await;
        check(
            format!("{who:?} POST /comments/{{internal}}/redact"),
            &r,
            expect(who, 401, 404, 404, 403, 200),
        );
        let (erasable, _) = s
            .account(&c.admin, "customer", &format!("erasable{i}@example.com"))
            .await;
        let r = s
            .call(Method::POST, &format!("/api/v1/users/{erasable}/erase"), token, None)
            .await;
        check(
            format!("{who:?} POST /users/{{customer}}/erase"),
            &r,
            expect(who, 401, 403, 403, 403, 200),
        );
        let r = s
            .call(
                Method::POST,
                &format!("/api/v1/users/{}/erase", c.agent_id),
                token,
                None,
            )
            .await;
        check(
            format!("{who:?} POST /users/{{agent}}/erase"),
            &r,
            expect(who, 401, 403, 403, 403, 409),
        );

        let r = s
            .call(Method::PATCH, &path, token, Some(json!({"subject": "edited"})))
            .await;
        check(
            format!("{who:?} PATCH /tickets/{{id}} subject"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );
        let r = s
            .call(Method::PATCH, &path, token, Some(json!({"priority": "urgent"})))
            .await;
        check(
            format!("{who:?} PATCH /tickets/{{id}} priority"),
            &r,
            expect(who, 401, 403, 404, 200, 200),
        );
        let r = s
            .call(
                Method::POST,
                &format!("{path}/transitions"),
                token,
                Some(json!({"to": "assigned"})),
            )
            .await;
        check(
            format!("{who:?} POST /tickets/{{id}}/transitions assigned"),
            &r,
            expect(who, 401, 403, 404, 200, 200),
        );
        // Satisfaction (issue 16), on a ticket not surveyed yet: the ticket's customer
        // reads and answers (404 `survey_not_found` here), staff read only (403 on
        // answers), another customer sees no ticket.
        let sat = format!("{path}/satisfaction");
        let r = s.call(Method::GET, &sat, token, None).await;
        check(
            format!("{who:?} GET /tickets/{{id}}/satisfaction"),
            &r,
            expect(who, 401, 404, 404, 404, 404),
        );
        for method in [Method::POST, Method::PUT] {
            let r = s.call(method.clone(), &sat, token, Some(json!({"rating": 4}))).await;
            check(
                format!("{who:?} {method} /tickets/{{id}}/satisfaction"),
                &r,
                expect(who, 401, 404, 404, 403, 403),
            );
        }
        // The survey link needs no login: an unknown token is 404 for everyone.
        for method in [Method::GET, Method::POST, Method::PUT] {
            let body = (method != Method::GET).then(|| json!({"rating": 4}));
            let r = s
                .call(method.clone(), "/api/v1/surveys/no-such-token", token, body)
                .await;
            check(format!("{who:?} {method} /surveys/{{token}}"), &r, 404);
        }

        let r = s.call(Method::POST, &format!("{path}/close"), token, None).await;
        check(
            format!("{who:?} POST /tickets/{{id}}/close"),
            &r,
            expect(who, 401, 200, 404, 200, 200),
        );

        let r = s.call(Method::POST, "/api/v1/auth/logout", token, None).await;
        check(
            format!("{who:?} POST /auth/logout"),
            &r,
            expect(who, 401, 204, 204, 204, 204),
        );
        if let Some(t) = token {
            let r = s.call(Method::GET, "/api/v1/me", Some(t), None).await;
            check(format!("{who:?} GET /me after logout"), &r, 401);
        }
    }
    assert!(
        failures.is_empty(),
        "{} access failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

async fn tokens_expire_on_logout_and_garbage_is_refused(s: Server) {
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": ADMIN_EMAIL, "password": "wrong password!"})),
        )
        .await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    let r = s
        .call(
            Method::POST,
            "/api/v1/auth/login",
            None,
            Some(json!({"email": "nobody@example.com", "password": "whatever it is"})),
        )
        .await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    let r = s.call(Method::GET, "/api/v1/me", None, None).await;
    r.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert!(r.header("www-authenticate").is_some_and(|v| v.starts_with("Bearer")));
    for garbage in ["tkt_nope", "Basic abc", &"x".repeat(1000)] {
        let r = Reply::from(
            s.request(Method::GET, "/api/v1/me", None)
                .header("Authorization", format!("Bearer {garbage}"))
                .send()
                .await
                .expect("sent"),
        )
        .await;
        r.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    }
    let basic = Reply::from(
        s.request(Method::GET, "/api/v1/me", None)
            .header("Authorization", "Basic YTpi")
            .send()
            .await
            .expect("sent"),
    )
    .await;
    basic.assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");

    let a = s.admin().await;
    let b = s.admin().await;
    assert_ne!(a, b, "each login gets its own token");
    assert_eq!(
        s.call(Method::POST, "/api/v1/auth/logout", Some(&a), None).await.status,
        StatusCode::NO_CONTENT
    );
    s.call(Method::GET, "/api/v1/me", Some(&a), None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(
        s.call(Method::GET, "/api/v1/me", Some(&b), None).await.status,
        StatusCode::OK,
        "other sessions survive"
    );
}

async fn repeated_failed_logins_are_throttled(s: Server) {
    // The default allows 10 failures per account and client address per 15 minutes. The
    // server trusts no proxy here, so a forged X-Forwarded-For changes nothing: every
    // request below comes from the same client. (Another client still logs in: see the
    // `login_faults` suite, which runs behind a trusted proxy.)
    for _ in 0..10 {
        let r = s
            .call(
                Method::POST,
                "/api/v1/auth/login",
                None,
                Some(json!({"email": ADMIN_EMAIL, "password": "a wrong guess"})),
            )
            .await;
        r.assert_problem(StatusCode::UNAUTHORIZED, "invalid_credentials");
    }
    let r = Reply::from(
        s.request(Method::POST, "/api/v1/auth/login", None)
            .header("X-Forwarded-For", "198.51.100.7")
            .json(&json!({"email": ADMIN_EMAIL, "password": ADMIN_PASSWORD}))
            .send()
            .await
            .expect("sent"),
    )
    .await;
    r.assert_problem(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts");
    let retry: u32 = r
        .header("retry-after")
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=900).contains(&retry), "{retry}");
    let other = s.call(Method::GET, "/api/v1/me", Some(&"x".repeat(10)), None).await;
    assert_eq!(
        other.status,
        StatusCode::UNAUTHORIZED,
        "other requests are not throttled"
    );
}

//! The conversation end to end: comments, agent replies, internal notes that customers
//! never see by any path, the status effects, files with their limits and access rules,
//! and a blob-store fault that leaves nothing half-written.

use e2e::*;

e2e::on_both_backends!(
    a_conversation_moves_the_ticket_and_records_the_first_response,
    an_internal_note_leaves_no_trace_for_the_customer,
    files_upload_and_download_with_the_comment_access_rules,
    oversized_disallowed_and_hostile_files_are_refused_and_leave_nothing,
    a_blob_store_fault_leaves_nothing_half_written,
    comments_page_oldest_first_and_bad_input_changes_nothing,
    the_worker_deletes_the_blob_of_an_upload_that_never_committed,
);

struct Desk {
    customer: String,
    other: String,
    agent: String,
    agent_id: i64,
}

async fn desk(s: &Server) -> Desk {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "cu@example.com").await;
    let (_, other) = s.account(&admin, "customer", "other@example.com").await;
    let (agent_id, agent) = s.account(&admin, "agent", "agent@example.com").await;
    Desk {
        customer,
        other,
        agent,
        agent_id,
    }
}

async fn open(s: &Server, d: &Desk, subject: &str) -> i64 {
    let t = s
        .ticket(
            &d.customer,
            json!({"subject": subject, "description": "The invoice is wrong", "category": "billing"}),
        )
        .await;
    t["id"].as_i64().expect("id")
}

async fn comment(s: &Server, token: &str, id: i64, body: Value) -> Reply {
    s.call(
        Method::POST,
        &format!("/api/v1/tickets/{id}/comments"),
        Some(token),
        Some(body),
    )
    .await
}

async fn ticket(s: &Server, token: &str, id: i64) -> Reply {
    get(s, token, &format!("/api/v1/tickets/{id}")).await
}

async fn get(s: &Server, token: &str, path: &str) -> Reply {
    s.call(Method::GET, path, Some(token), None).await
}

async fn move_to(s: &Server, d: &Desk, id: i64, to: &str) {
    let mut body = json!({"to": to});
    if to == "assigned" {
        body["assignee_id"] = json!(d.agent_id);
    }
    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/transitions"),
            Some(&d.agent),
            Some(body),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "to {to}: {}", r.body);
}

fn items(r: &Reply) -> Vec<Value> {
    r.body["items"].as_array().cloned().unwrap_or_default()
}

async fn a_conversation_moves_the_ticket_and_records_the_first_response(s: Server) {
    let d = desk(&s).await;
    let id = open(&s, &d, "Charged twice").await;

    let r = comment(&s, &d.customer, id, json!({"body": "Any news?"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["author"]["kind"], "customer");
    assert_eq!(r.body["visibility"], "public");
    let t = ticket(&s, &d.customer, id).await;
    assert!(t.body["last_customer_comment_at"].is_string());
    assert_eq!(
        t.body["first_response_at"],
        Value::Null,
        "a customer comment is no response"
    );
    assert_eq!(t.body["comment_count"], 1);
    assert_eq!(t.body["status"], "new");

    let r = comment(
        &s,
        &d.agent,
        id,
        json!({"body": "Looking into it", "visibility": "public"}),
    )
    .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["author"]["kind"], "agent");
    assert_eq!(r.body["author"]["name"], "agent@example.com");
    let first = ticket(&s, &d.customer, id).await;
    let first_response = first.body["first_response_at"].clone();
    assert!(first_response.is_string(), "{}", first.body);
    assert_eq!(first.body["last_agent_reply_at"], first_response);
    assert_eq!(
        r.header("etag").map(str::to_owned),
        first.header("etag").map(str::to_owned)
    );

    move_to(&s, &d, id, "assigned").await;
    move_to(&s, &d, id, "in_progress").await;
    move_to(&s, &d, id, "waiting_customer").await;
    let r = comment(&s, &d.customer, id, json!({"body": "Here is the invoice number"})).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(
        ticket(&s, &d.customer, id).await.body["status"],
        "in_progress",
        "answer resumes work"
    );

    let r = comment(&s, &d.agent, id, json!({"body": "Refunded"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let t = ticket(&s, &d.customer, id).await;
    assert_eq!(t.body["first_response_at"], first_response, "recorded once");
    assert_ne!(t.body["last_agent_reply_at"], first_response);

    move_to(&s, &d, id, "resolved").await;
    let r = comment(&s, &d.customer, id, json!({"body": "Still charged twice!"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        ticket(&s, &d.customer, id).await.body["status"],
        "in_progress",
        "a reply reopens"
    );

    let history = get(&s, &d.customer, &format!("/api/v1/tickets/{id}/history?limit=100")).await;
    let moves: Vec<(Value, Value)> = items(&history)
        .iter()
        .filter(|e| e["type"] == "TicketStatusChanged" && e["details"]["reason"] == "the customer replied")
        .map(|e| (e["details"]["from"].clone(), e["details"]["to"].clone()))
        .collect();
    assert_eq!(
        moves,
        [
            (json!("waiting_customer"), json!("in_progress")),
            (json!("resolved"), json!("in_progress"))
        ]
    );
    let firsts: Vec<bool> = items(&history)
        .iter()
        .filter(|e| e["type"] == "CommentAdded")
        .map(|e| e["details"]["first_response"] == true)
        .collect();
    assert_eq!(firsts, [false, true, false, false, false]);

    let r = s
        .call(
            Method::POST,
            &format!("/api/v1/tickets/{id}/close"),
            Some(&d.customer),
            None,
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let before = ticket(&s, &d.agent, id).await;
    for token in [&d.customer, &d.agent] {
        comment(&s, token, id, json!({"body": "one more thing"}))
            .await
            .assert_problem(StatusCode::CONFLICT, "ticket_closed");
    }
    let after = ticket(&s, &d.agent, id).await;
    assert_eq!(before.body, after.body, "a refused comment changes nothing");
}

async fn an_internal_note_leaves_no_trace_for_the_customer(s: Server) {
    let d = desk(&s).await;
    let id = open(&s, &d, "Refund request").await;
    let r = comment(&s, &d.agent, id, json!({"body": "Customer asked politely"})).await;
    assert_eq!(r.status, StatusCode::CREATED);
    let before = ticket(&s, &d.customer, id).await;
    let before_history = get(&s, &d.customer, &format!("/api/v1/tickets/{id}/history")).await;

    let note = s
        .multipart(
            &format!("/api/v1/tickets/{id}/comments"),
            Some(&d.agent),
            &[
                ("body", "Chargeback fraudster suspected, do not refund"),
                ("visibility", "internal"),
            ],
            &[("evidence.png", "image/png", PNG)],
        )
        .await;
    assert_eq!(note.status, StatusCode::CREATED, "{}", note.body);
    assert_eq!(note.body["visibility"], "internal");
    let note_id = note.body["id"].clone();
    let file_id = note.body["attachments"][0]["id"].as_i64().expect("file id");

    // The comment list.
    let list = get(&s, &d.customer, &format!("/api/v1/tickets/{id}/comments")).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(
        items(&list)
            .iter()
            .all(|c| c["id"] != note_id && c["visibility"] == "public")
    );
    assert_eq!(items(&list).len(), 1);
    let staff_list = get(&s, &d.agent, &format!("/api/v1/tickets/{id}/comments")).await;
    assert_eq!(items(&staff_list).len(), 2, "staff see everything");

    // The ticket: counts, version, ETag, updated_at, no staff-only field.
    let after = ticket(&s, &d.customer, id).await;
    assert_eq!(
        after.body, before.body,
        "the customer's view of the ticket is unchanged"
    );
    assert_eq!(after.header("etag"), before.header("etag"));
    assert_eq!(after.body["comment_count"], 1);
    assert!(after.body.get("internal_note_count").is_none());
    let staff_view = ticket(&s, &d.agent, id).await;
    assert_eq!(staff_view.body["internal_note_count"], 1);
    assert_eq!(staff_view.body["comment_count"], 2);
    let listed = get(&s, &d.customer, "/api/v1/tickets").await;
    assert_eq!(items(&listed)[0]["comment_count"], 1);

    // The history.
    let history = get(&s, &d.customer, &format!("/api/v1/tickets/{id}/history")).await;
    assert_eq!(history.body, before_history.body, "no history entry for the customer");
    assert!(!history.body.to_string().contains("internal"));
    let staff_history = get(&s, &d.agent, &format!("/api/v1/tickets/{id}/history")).await;
    assert!(
        items(&staff_history)
            .iter()
            .any(|e| e["type"] == "CommentAdded" && e["details"]["visibility"] == "internal")
    );

    // Search: the note's words match for staff only.
    let search = |token: String| {
        let s = &s;
        async move {
            let r = get(s, &token, "/api/v1/tickets?q=fraudster").await;
            assert_eq!(r.status, StatusCode::OK);
            items(&r).len()
        }
    };
    assert_eq!(
        search(d.customer.clone()).await,
        0,
        "a note's words never match for a customer"
    );
    assert_eq!(search(d.agent.clone()).await, 1);
    let public_words = get(&s, &d.customer, "/api/v1/tickets?q=politely").await;
    assert_eq!(items(&public_words).len(), 1, "public comments are searchable");

    // Attachments: not listed, not downloadable, whatever the id.
    let files = get(&s, &d.customer, &format!("/api/v1/tickets/{id}/attachments")).await;
    assert_eq!(files.status, StatusCode::OK);
    assert_eq!(items(&files).len(), 0);
    let download = get(&s, &d.customer, &format!("/api/v1/attachments/{file_id}")).await;
    download.assert_problem(StatusCode::NOT_FOUND, "not_found");
    let missing = get(&s, &d.customer, "/api/v1/attachments/999999").await;
    assert_eq!(missing.body["detail"], download.body["detail"], "no existence leak");
    let staff_download = s.request(Method::GET, &format!("/api/v1/attachments/{file_id}"), Some(&d.agent));
    let bytes = staff_download.send().await.expect("sent").bytes().await.expect("body");
    assert_eq!(&bytes[..], PNG);

    // Customers cannot write notes; other customers see nothing at all.
    comment(&s, &d.customer, id, json!({"body": "psst", "visibility": "internal"}))
        .await
        .assert_problem(StatusCode::FORBIDDEN, "forbidden");
    for path in [
        format!("/api/v1/tickets/{id}/comments"),
        format!("/api/v1/tickets/{id}/attachments"),
        format!("/api/v1/attachments/{file_id}"),
    ] {
        get(&s, &d.other, &path)
            .await
            .assert_problem(StatusCode::NOT_FOUND, "not_found");
    }
    comment(&s, &d.other, id, json!({"body": "hi"}))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
}

async fn files_upload_and_download_with_the_comment_access_rules(s: Server) {
    let d = desk(&s).await;
    let id = open(&s, &d, "Broken screen").await;
    let text = "line one\nline two\n".as_bytes();
    let r = s
        .multipart(
            &format!("/api/v1/tickets/{id}/comments"),
            Some(&d.customer),
            &[("body", "Photos attached")],
            &[
                ("screen.png", "image/png", PNG),
                ("notes – résumé.txt", "text/plain", text),
            ],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let files = r.body["attachments"].as_array().cloned().unwrap_or_default();
    assert_eq!(files.len(), 2);
    assert_eq!(files[0]["content_type"], "image/png");
    assert_eq!(files[0]["size_bytes"], PNG.len());
    assert_eq!(files[1]["file_name"], "notes – résumé.txt");
    assert_eq!(files[1]["content_type"], "text/plain");
    let png_id = files[0]["id"].as_i64().expect("id");
    let txt_id = files[1]["id"].as_i64().expect("id");

    // Windows browsers call CSV "application/vnd.ms-excel"; the bytes say text, so CSV.
    let r = s
        .multipart(
            &format!("/api/v1/tickets/{id}/comments"),
            Some(&d.customer),
            &[],
            &[("export.csv", "application/vnd.ms-excel", b"caf\xe9;1\r\nthe;2\r\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["attachments"][0]["content_type"], "text/csv");

    // A line break in a part's header is a malformed form, refused before any use.
    s.multipart(
        &format!("/api/v1/tickets/{id}/comments"),
        Some(&d.customer),
        &[],
        &[("a.txt\r\nX-Injected: 1", "text/plain", b"text")],
    )
    .await
    .assert_problem(StatusCode::BAD_REQUEST, "malformed_multipart");
    // A name with quotes and semicolons cannot add parameters or headers to the download.
    let r = s
        .multipart(
            &format!("/api/v1/tickets/{id}/comments"),
            Some(&d.customer),
            &[],
            &[("a\"; filename=evil.html; x=\".txt", "text/plain", b"text")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let odd = r.body["attachments"][0]["id"].as_i64().expect("id");
    let dl = s
        .request(Method::GET, &format!("/api/v1/attachments/{odd}"), Some(&d.customer))
        .send()
        .await
        .expect("sent");
    assert!(dl.headers().get("x-injected").is_none());
    let disposition = dl
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(disposition.starts_with("attachment; filename=\""), "{disposition}");
    assert!(!disposition.contains("evil.html\""), "{disposition}");
    assert_eq!(dl.bytes().await.expect("body").as_ref(), b"text");

    // Files only, to the ticket.
    let r = s
        .multipart(
            &format!("/api/v1/tickets/{id}/attachments"),
            Some(&d.agent),
            &[],
            &[("report.pdf", "application/pdf", b"%PDF-1.7\n%%EOF\n")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(r.body["body"], Value::Null);
    assert_eq!(r.body["attachments"][0]["content_type"], "application/pdf");
    s.multipart(
        &format!("/api/v1/tickets/{id}/attachments"),
        Some(&d.agent),
        &[("visibility", "public")],
        &[],
    )
    .await
    .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    // RFC 2046 requires at least one body part: a form with none is malformed.
    s.multipart(&format!("/api/v1/tickets/{id}/attachments"), Some(&d.agent), &[], &[])
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "malformed_multipart");

    let list = get(&s, &d.customer, &format!("/api/v1/tickets/{id}/attachments?limit=2")).await;
    assert_eq!(items(&list).len(), 2);
    let cursor = list.body["next_cursor"].as_str().expect("a second page");
    let rest = get(
        &s,
        &d.customer,
        &format!("/api/v1/tickets/{id}/attachments?limit=2&cursor={cursor}"),
    )
    .await;
    assert_eq!(items(&rest).len(), 2);

    for token in [&d.customer, &d.agent] {
        let r = s
            .request(Method::GET, &format!("/api/v1/attachments/{png_id}"), Some(token))
            .send()
            .await
            .expect("sent");
        assert_eq!(r.status(), StatusCode::OK);
        let header = |n: &str| r.headers().get(n).and_then(|v| v.to_str().ok()).map(str::to_owned);
        assert_eq!(header("content-type").as_deref(), Some("image/png"));
        assert_eq!(header("x-content-type-options").as_deref(), Some("nosniff"));
        let disposition = header("content-disposition").unwrap_or_default();
        assert!(disposition.starts_with("attachment;"), "{disposition}");
        assert!(disposition.contains("filename=\"screen.png\""), "{disposition}");
        assert_eq!(&r.bytes().await.expect("body")[..], PNG);
    }
    let r = s
        .request(Method::GET, &format!("/api/v1/attachments/{txt_id}"), Some(&d.customer))
        .send()
        .await
        .expect("sent");
    let disposition = r
        .headers()
        .get("content-disposition")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        disposition.contains("filename*=UTF-8''notes%20%E2%80%93%20r%C3%A9sum%C3%A9.txt"),
        "{disposition}"
    );
    assert_eq!(&r.bytes().await.expect("body")[..], text);

    get(&s, &d.other, &format!("/api/v1/attachments/{png_id}"))
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    s.call(Method::GET, &format!("/api/v1/attachments/{png_id}"), None, None)
        .await
        .assert_problem(StatusCode::UNAUTHORIZED, "unauthenticated");
    assert_eq!(s.stored_blobs().len(), 5);
}

async fn oversized_disallowed_and_hostile_files_are_refused_and_leave_nothing(s: Server) {
    let d = desk(&s).await;
    let id = open(&s, &d, "Files").await;
    let path = format!("/api/v1/tickets/{id}/comments");
    let before = ticket(&s, &d.agent, id).await;

    let big = {
        let mut b = PNG.to_vec();
        b.resize(10 * 1024 * 1024 + 1, 0);
        b
    };
    let r = s
        .multipart(
            &path,
            Some(&d.customer),
            &[("body", "huge")],
            &[("big.png", "image/png", &big)],
        )
        .await;
    r.assert_problem(StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large");
    assert!(r.body["detail"].as_str().unwrap_or_default().contains("big.png"));

    let refused: [(&str, &str, &[u8]); 4] = [
        (
            "tool.exe",
            "application/octet-stream",
            b"MZ\x90\0\x03\0\0\0 a windows program",
        ),
        ("page.html", "text/html", b"<!DOCTYPE html><script>alert(1)</script>"),
        ("cat.png", "image/png", b"\x7fELF\x02\x01\x01 not a png at all"),
        (
            "drawing.svg",
            "image/svg+xml",
            b"<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>",
        ),
    ];
    for file in refused {
        let r = s
            .multipart(&path, Some(&d.customer), &[("body", "see file")], &[file])
            .await;
        r.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    }
    // Too many files, and a text field that is not UTF-8.
    let eleven: Vec<(&str, &str, &[u8])> = (0..11).map(|_| ("p.png", "image/png", PNG)).collect();
    s.multipart(&path, Some(&d.customer), &[("body", "many")], &eleven)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let form = reqwest::multipart::Form::new().part("body", reqwest::multipart::Part::bytes(vec![0xff, 0xfe, 0x41]));
    let r = s
        .request(Method::POST, &path, Some(&d.customer))
        .multipart(form)
        .send()
        .await
        .expect("sent");
    Reply::from(r)
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");

    // One good and one bad file: neither is kept.
    let r = s
        .multipart(
            &path,
            Some(&d.customer),
            &[("body", "two files")],
            &[
                ("ok.png", "image/png", PNG),
                ("bad.exe", "application/x-msdownload", b"MZ\x90\0"),
            ],
        )
        .await;
    r.assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    let after = ticket(&s, &d.agent, id).await;
    assert_eq!(after.body, before.body, "refused uploads change nothing");
    assert!(s.stored_blobs().is_empty(), "no blob: {:?}", s.stored_blobs());
    let list = get(&s, &d.agent, &path).await;
    assert!(items(&list).is_empty());

    // A hostile name is reduced to its last component and never reaches the file system.
    let r = s
        .multipart(
            &path,
            Some(&d.customer),
            &[("body", "hostile name")],
            &[("../../../../etc/passwd", "text/plain", b"root:x:0:0")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let file = &r.body["attachments"][0];
    assert_eq!(file["file_name"], "passwd");
    let file_id = file["id"].as_i64().expect("id");
    assert_eq!(s.stored_blobs(), [format!("tickets/{id}/{file_id}")]);
    assert!(!s.dir().join("etc").exists());
    let r = s
        .multipart(
            &path,
            Some(&d.customer),
            &[],
            &[("..\\..\\boot.ini", "text/plain", b"[boot]")],
        )
        .await;
    assert_eq!(r.body["attachments"][0]["file_name"], "boot.ini");
    let log = s.log_text();
    assert!(!log.contains("panicked"), "{log}");
}

async fn a_blob_store_fault_leaves_nothing_half_written(s: Server) {
    let d = desk(&s).await;
    let id = open(&s, &d, "Fault").await;
    let path = format!("/api/v1/tickets/{id}/comments");
    // A file where the store needs this ticket's directory: every put for it fails.
    let blocker = s
        .dir()
        .join("data")
        .join("attachments")
        .join("tickets")
        .join(id.to_string());
    std::fs::create_dir_all(blocker.parent().expect("parent")).expect("creates dirs");
    std::fs::write(&blocker, b"in the way").expect("writes");
    let before = ticket(&s, &d.agent, id).await;
    let history = get(&s, &d.agent, &format!("/api/v1/tickets/{id}/history")).await;

    let r = s
        .multipart(
            &path,
            Some(&d.customer),
            &[("body", "with a file")],
            &[("a.png", "image/png", PNG), ("b.png", "image/png", PNG)],
        )
        .await;
    r.assert_problem(StatusCode::SERVICE_UNAVAILABLE, "service_unavailable");
    assert!(r.header("retry-after").is_some());

    assert_eq!(
        ticket(&s, &d.agent, id).await.body,
        before.body,
        "the ticket did not change"
    );
    let list = get(&s, &d.agent, &path).await;
    assert!(items(&list).is_empty(), "no comment row");
    let files = get(&s, &d.agent, &format!("/api/v1/tickets/{id}/attachments")).await;
    assert!(items(&files).is_empty(), "no attachment row");
    let again = get(&s, &d.agent, &format!("/api/v1/tickets/{id}/history")).await;
    assert_eq!(again.body, history.body, "no history entry");
    assert_eq!(
        s.stored_blobs(),
        ["tickets/".to_owned() + &id.to_string()],
        "only the blocker"
    );

    // Once the store works again, the same upload goes through.
    std::fs::remove_file(&blocker).expect("removes");
    let r = s
        .multipart(
            &path,
            Some(&d.customer),
            &[("body", "with a file")],
            &[("a.png", "image/png", PNG)],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    assert_eq!(s.stored_blobs().len(), 1);
}

async fn comments_page_oldest_first_and_bad_input_changes_nothing(s: Server) {
    let d = desk(&s).await;
    let id = open(&s, &d, "Paging").await;
    let path = format!("/api/v1/tickets/{id}/comments");
    for i in 0..5 {
        let r = comment(&s, &d.customer, id, json!({"body": format!("comment {i}")})).await;
        assert_eq!(r.status, StatusCode::CREATED);
    }
    let mut seen = Vec::new();
    let mut next = format!("{path}?limit=2");
    loop {
        let r = get(&s, &d.customer, &next).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        seen.extend(
            items(&r)
                .iter()
                .map(|c| c["body"].as_str().unwrap_or_default().to_owned()),
        );
        match r.body["next_cursor"].as_str() {
            Some(c) => next = format!("{path}?limit=2&cursor={c}"),
            None => break,
        }
    }
    assert_eq!(seen, (0..5).map(|i| format!("comment {i}")).collect::<Vec<_>>());

    // An idempotent retry returns the first comment.
    let send = |key: &str, body: &str| {
        s.request(Method::POST, &path, Some(&d.customer))
            .header("Idempotency-Key", key)
            .json(&json!({"body": body}))
            .send()
    };
    let first = Reply::from(send("k-1", "once").await.expect("sent")).await;
    let again = Reply::from(send("k-1", "once").await.expect("sent")).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(again.body["id"], first.body["id"]);
    Reply::from(send("k-1", "different").await.expect("sent"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "idempotency_key_reused");

    let before = ticket(&s, &d.agent, id).await;
    let count = items(&get(&s, &d.agent, &format!("{path}?limit=100")).await).len();
    for (body, status, code) in [
        (json!({"body": ""}), 422, "validation_failed"),
        (json!({"body": "   "}), 422, "validation_failed"),
        (json!({"body": "x".repeat(64 * 1024 + 1)}), 422, "validation_failed"),
        (json!({"body": "hi", "visibility": "secret"}), 422, "validation_failed"),
        (json!({"body": "hi", "extra": 1}), 422, "invalid_body"),
        (json!({"body": 5}), 422, "invalid_body"),
        (json!([]), 422, "invalid_body"),
        (json!({"body": "a\u{0}b"}), 422, "validation_failed"),
    ] {
        let status = StatusCode::from_u16(status).expect("status");
        comment(&s, &d.customer, id, body).await.assert_problem(status, code);
    }
    let r = s
        .request(Method::POST, &path, Some(&d.customer))
        .header("content-type", "multipart/form-data; boundary=XYZ")
        .body("--XYZ\r\nContent-Disposition: form-data; name=\"body\"\r\n\r\nunterminated")
        .send()
        .await
        .expect("sent");
    Reply::from(r)
        .await
        .assert_problem(StatusCode::BAD_REQUEST, "malformed_multipart");
    s.multipart(&path, Some(&d.customer), &[("body", "x"), ("colour", "red")], &[])
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    let r = s
        .request(Method::POST, &path, Some(&d.customer))
        .header("content-type", "text/plain")
        .body("hello")
        .send()
        .await
        .expect("sent");
    Reply::from(r)
        .await
        .assert_problem(StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type");
    get(&s, &d.customer, &format!("{path}?cursor=garbage"))
        .await
        .assert_problem(StatusCode::UNPROCESSABLE_ENTITY, "validation_failed");
    get(&s, &d.agent, "/api/v1/tickets/999999/comments")
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");
    get(&s, &d.agent, "/api/v1/attachments/abc")
        .await
        .assert_problem(StatusCode::NOT_FOUND, "not_found");

    assert_eq!(ticket(&s, &d.agent, id).await.body, before.body);
    let after = items(&get(&s, &d.agent, &format!("{path}?limit=100")).await).len();
    assert_eq!(after, count, "no comment was added by bad input");
    let log = s.log_text();
    assert!(!log.contains("panicked") && !log.contains("internal error"), "{log}");
}

async fn the_worker_deletes_the_blob_of_an_upload_that_never_committed(s: Server) {
    use application::ports::UploadIntents as _;
    let d = desk(&s).await;
    let id = open(&s, &d, "Crash").await;
    let kept = s
        .multipart(
            &format!("/api/v1/tickets/{id}/comments"),
            Some(&d.customer),
            &[("body", "kept")],
            &[("kept.png", "image/png", PNG)],
        )
        .await;
    assert_eq!(kept.status, StatusCode::CREATED, "{}", kept.body);
    let kept_id = kept.body["attachments"][0]["id"].as_i64().expect("id");

    // The state a crash between storing a file and committing its comment leaves: an
    // upload intent two hours old and its blob, and no row.
    let orphan = format!("tickets/{id}/999999");
    let path = s.dir().join("data").join("attachments").join(&orphan);
    std::fs::write(&path, PNG).expect("writes the orphan");
    let db = adapters_db::Database::connect(&s.database_url, &adapters_db::PoolOptions::default())
        .await
        .expect("connects");
    let two_hours_ago = domain::Timestamp::from_unix_micros(
        i64::try_from(
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("after 1970")
                .as_micros(),
        )
        .expect("fits")
            - 7_200_000_000,
    );
    db.record(std::slice::from_ref(&orphan), two_hours_ago)
        .await
        .expect("records");

    let bind = format!("127.0.0.1:{}", free_port());
    let worker = s.spawn_worker_with(&bind, &[("TICKET__WORKER__ORPHAN_SWEEP_INTERVAL_SECS", "1")]);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while path.exists() {
        assert!(
            std::time::Instant::now() < deadline,
            "the orphan was not swept:\n{}",
            s.worker_log()
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let metrics = s
        .http
        .get(format!("http://{bind}/metrics"))
        .send()
        .await
        .expect("sent")
        .text()
        .await
        .expect("text");
    assert!(
        metrics.contains("ticket_worker_orphan_blobs_deleted_total 1"),
        "{metrics}"
    );
    let status = terminate(worker);
    assert!(status.success(), "{}", s.worker_log());

    assert_eq!(
        s.stored_blobs(),
        [format!("tickets/{id}/{kept_id}")],
        "the committed file stays"
    );
    let r = s
        .request(
            Method::GET,
            &format!("/api/v1/attachments/{kept_id}"),
            Some(&d.customer),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(r.status(), StatusCode::OK);
}

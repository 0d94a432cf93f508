//! Request and response bodies under pressure (issue 14, "Outages and resources"):
//! downloads stream instead of sitting whole in memory, concurrent uploads are bounded
//! (503 with `Retry-After` beyond), large file parts are spooled to disk, a trickled body
//! is cut off with 408, and `/metrics` can be moved to its own address behind a token.

use std::time::{Duration, Instant};

use e2e::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const BOUNDARY: &str = "XBOUNDARYX";

/// A customer's token and their ticket's id to attach files to.
async fn ticket(s: &Server) -> (String, i64) {
    let admin = s.admin().await;
    s.category(&admin, "billing").await;
    let (_, customer) = s.account(&admin, "customer", "files@example.com").await;
    let t = s
        .ticket(
            &customer,
            json!({"subject": "Files", "description": "with files", "category": "billing"}),
        )
        .await;
    (customer, t["id"].as_i64().expect("id"))
}

/// The head of a multipart upload of one text file of `size` bytes, the file part's
/// own head, and the body's end.
fn upload_head(s: &Server, token: &str, ticket: i64, size: usize) -> (String, String, String) {
    let part = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"files\"; filename=\"big.txt\"\r\nContent-Type: text/plain\r\n\r\n"
    );
    let end = format!("\r\n--{BOUNDARY}--\r\n");
    let length = part.len() + size + end.len();
    let head = format!(
        "POST /api/v1/tickets/{ticket}/attachments HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {token}\r\nContent-Type: multipart/form-data; boundary={BOUNDARY}\r\nContent-Length: {length}\r\n\r\n",
        s.addr()
    );
    (head, part, end)
}

/// Reads an HTTP response head (and whatever came with it) within `limit`.
async fn read_response(stream: &mut TcpStream, limit: Duration) -> Option<String> {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = Instant::now() + limit;
    loop {
        let left = deadline.checked_duration_since(Instant::now())?;
        match tokio::time::timeout(left, stream.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break,
            Ok(Ok(n)) => {
                out.extend_from_slice(&buf[..n]);
                let text = String::from_utf8_lossy(&out);
                if let Some(at) = text.find("\r\n\r\n") {
                    let length = text[..at]
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().to_owned())
                        })
                        .and_then(|v| v.parse::<usize>().ok())
                        .unwrap_or(0);
                    if out.len() >= at + 4 + length {
                        break;
                    }
                }
            }
            Err(_) => return None,
        }
    }
    (!out.is_empty()).then(|| String::from_utf8_lossy(&out).into_owned())
}

/// Peak resident memory of a process, in KiB (`VmHWM`).
fn peak_rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .expect("proc status")
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("VmHWM")
}

/// A 300 MiB file is downloaded while the server's peak memory grows by far less than
/// the file: it is streamed from the store, not read whole and copied.
#[tokio::test]
async fn a_download_streams_instead_of_holding_the_file_in_memory() {
    let s = Server::start(Backend::Sqlite).await.expect("server");
    let (admin, id) = ticket(&s).await;
    let r = s
        .multipart(
            &format!("/api/v1/tickets/{id}/attachments"),
            Some(&admin),
            &[],
            &[("big.txt", "text/plain", b"small for now")],
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
    let file_id = r.body["attachments"][0]["id"].as_i64().expect("file id");
    // Made large behind the API's back: the upload limit is 10 MiB.
    let blobs = s.stored_blobs();
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    const SIZE: usize = 300 * 1024 * 1024;
    let blob = s.dir().join("data").join("attachments").join(&blobs[0]);
    std::fs::write(&blob, vec![b'a'; SIZE]).expect("writes the large blob");
    let pid = s.pid().expect("running");
    let before = peak_rss_kib(pid);

    let mut response = s
        .request(Method::GET, &format!("/api/v1/attachments/{file_id}"), Some(&admin))
        .send()
        .await
        .expect("downloads");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        response.content_length(),
        Some(SIZE as u64),
        "Content-Length is the file's"
    );
    let mut received = 0usize;
    while let Some(chunk) = response.chunk().await.expect("reads") {
        assert!(chunk.iter().all(|b| *b == b'a'));
        received += chunk.len();
    }
    assert_eq!(received, SIZE);
    let grown_mib = peak_rss_kib(pid).saturating_sub(before) / 1024;
    eprintln!(
        "peak RSS before {} MiB, grew by {grown_mib} MiB for a 300 MiB download",
        before / 1024
    );
    assert!(
        grown_mib < 64,
        "the server's peak memory grew by {grown_mib} MiB for a 300 MiB download"
    );
}

/// With one upload slot, a second upload while the first is still arriving is answered
/// 503 `too_many_uploads` with `Retry-After` at once; once the first is done, uploads
/// are taken again.
#[tokio::test]
async fn uploads_beyond_the_concurrent_limit_get_503_with_retry_after() {
    let s = Server::start_with(Backend::Sqlite, &[("TICKET__ATTACHMENTS__MAX_CONCURRENT_UPLOADS", "1")])
        .await
        .expect("server");
    let (admin, id) = ticket(&s).await;
    let content = vec![b'x'; 4096];
    let (head, part, end) = upload_head(&s, &admin, id, content.len());
    let mut slow = TcpStream::connect(s.addr()).await.expect("connects");
    slow.write_all(head.as_bytes()).await.expect("head");
    slow.write_all(part.as_bytes()).await.expect("part head");
    slow.write_all(&content[..100]).await.expect("some bytes");
    tokio::time::sleep(Duration::from_millis(500)).await;

    let started = Instant::now();
    let busy = s
        .multipart(
            &format!("/api/v1/tickets/{id}/attachments"),
            Some(&admin),
            &[],
            &[("a.txt", "text/plain", b"hello")],
        )
        .await;
    assert_eq!(busy.status, StatusCode::SERVICE_UNAVAILABLE, "{}", busy.body);
    assert_eq!(busy.body["code"], "too_many_uploads", "{}", busy.body);
    assert_eq!(
        busy.headers.get("content-type").and_then(|v| v.to_str().ok()),
        Some("application/problem+json")
    );
    assert!(busy.headers.contains_key("retry-after"), "{:?}", busy.headers);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "answered at once, not queued"
    );

    slow.write_all(&content[100..]).await.expect("the rest");
    slow.write_all(end.as_bytes()).await.expect("the end");
    let answer = read_response(&mut slow, Duration::from_secs(10))
        .await
        .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");

    let again = s
        .multipart(
            &format!("/api/v1/tickets/{id}/attachments"),
            Some(&admin),
            &[],
            &[("b.txt", "text/plain", b"hello again")],
        )
        .await;
    assert_eq!(
        again.status,
        StatusCode::CREATED,
        "the slot is free again: {}",
        again.body
    );
}

/// A file part larger than `attachments.spool_threshold_bytes` goes to a temporary file
/// while it arrives (seen in the server's `TMPDIR`), which is gone after the request; the
/// stored file is whole.
#[tokio::test]
async fn a_large_file_part_is_spooled_to_disk_and_removed_after() {
    let tmp = std::env::temp_dir().join(format!("spool-{}-{}", std::process::id(), free_port()));
    std::fs::create_dir_all(&tmp).expect("tmp dir");
    let tmp_text = tmp.display().to_string();
    let s = Server::start_with(
        Backend::Sqlite,
        &[
            ("TMPDIR", &tmp_text),
            ("TICKET__ATTACHMENTS__SPOOL_THRESHOLD_BYTES", "65536"),
        ],
    )
    .await
    .expect("server");
    let (admin, id) = ticket(&s).await;
    let content = vec![b'y'; 3 * 1024 * 1024];
    let (head, part, end) = upload_head(&s, &admin, id, content.len());
    let mut upload = TcpStream::connect(s.addr()).await.expect("connects");
    upload.write_all(head.as_bytes()).await.expect("head");
    upload.write_all(part.as_bytes()).await.expect("part head");
    upload.write_all(&content[..2 * 1024 * 1024]).await.expect("two thirds");
    let spooled = |dir: &std::path::Path| -> u64 {
        std::fs::read_dir(dir)
            .into_iter()
            .flatten()
            .flatten()
            .filter_map(|e| e.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .max()
            .unwrap_or(0)
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while spooled(&tmp) < 1024 * 1024 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let seen = spooled(&tmp);
    assert!(
        seen >= 1024 * 1024,
        "a spool file of at least 1 MiB while the upload arrives, saw {seen} bytes"
    );
    upload.write_all(&content[2 * 1024 * 1024..]).await.expect("the rest");
    upload.write_all(end.as_bytes()).await.expect("the end");
    let answer = read_response(&mut upload, Duration::from_secs(20))
        .await
        .expect("an answer");
    assert!(answer.starts_with("HTTP/1.1 201"), "{answer}");
    assert_eq!(spooled(&tmp), 0, "the spool file is removed after the request");
    let blobs = s.stored_blobs();
    let stored = std::fs::metadata(s.dir().join("data").join("attachments").join(&blobs[0]))
        .expect("blob")
        .len();
    assert_eq!(stored, content.len() as u64, "stored whole");
    let _ = std::fs::remove_dir_all(&tmp);
}

/// A client that sends a request head and then trickles its body is answered 408
/// problem+json after `http.body_timeout_secs`, and its connection is closed.
#[tokio::test]
async fn a_trickled_body_is_cut_off_with_408() {
    let s = Server::start_with(Backend::Sqlite, &[("TICKET__HTTP__BODY_TIMEOUT_SECS", "2")])
        .await
        .expect("server");
    let mut stream = TcpStream::connect(s.addr()).await.expect("connects");
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"email\":",
        s.addr()
    );
    stream.write_all(head.as_bytes()).await.expect("head");
    let (mut reader, mut writer) = stream.into_split();
    let trickle = tokio::spawn(async move {
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(200)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let started = Instant::now();
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    // Until the server closes the connection, at most 10 s.
    while let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(10), reader.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    let elapsed = started.elapsed();
    trickle.abort();
    let answer = String::from_utf8_lossy(&out);
    assert!(answer.starts_with("HTTP/1.1 408"), "after {elapsed:?}: {answer:?}");
    assert!(answer.contains("application/problem+json"), "{answer}");
    assert!(answer.contains("\"code\":\"body_timeout\""), "{answer}");
    assert!(elapsed < Duration::from_secs(6), "cut off after {elapsed:?}");
}

/// `/metrics` on its own address, behind a token: not on the API's listener, 401 without
/// the token or with a wrong one, 200 with it.
#[tokio::test]
async fn metrics_can_have_their_own_address_and_a_token() {
    let metrics_bind = format!("127.0.0.1:{}", free_port());
    let s = Server::start_with(
        Backend::Sqlite,
        &[
            ("TICKET__HTTP__METRICS_BIND", &metrics_bind),
            ("TICKET__HTTP__METRICS_TOKEN", "scrape-secret"),
        ],
    )
    .await
    .expect("server");
    let on_api = s.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(on_api.status, StatusCode::NOT_FOUND, "not on the API's address");
    let url = format!("http://{metrics_bind}/metrics");
    let mut status = None;
    for _ in 0..50 {
        if let Ok(r) = s.http.get(&url).send().await {
            status = Some(r.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status, Some(StatusCode::UNAUTHORIZED), "no token");
    let wrong = s.http.get(&url).bearer_auth("guess").send().await.expect("answers");
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = s
        .http
        .get(&url)
        .bearer_auth("scrape-secret")
        .send()
        .await
        .expect("answers");
    assert_eq!(right.status(), StatusCode::OK);
    let text = right.text().await.expect("text");
    assert!(text.contains("# TYPE"), "{text}");
}

/// By default `/metrics` stays open on the API's address, as before.
#[tokio::test]
async fn metrics_stay_open_on_the_api_address_by_default() {
    let s = Server::start(Backend::Sqlite).await.expect("server");
    let r = s.call(Method::GET, "/metrics", None, None).await;
    assert_eq!(r.status, StatusCode::OK);
}

/// `ticket-worker` answers `/readyz` (200 while the database answers and its jobs run;
/// the 503 cases are unit tests of `health` and `runtime`).
#[tokio::test]
async fn the_worker_answers_readyz() {
    let s = Server::start(Backend::Sqlite).await.expect("server");
    let bind = format!("127.0.0.1:{}", free_port());
    let worker = s.spawn_worker(&bind);
    let url = format!("http://{bind}/readyz");
    let mut status = None;
    for _ in 0..100 {
        if let Ok(r) = s.http.get(&url).send().await {
            status = Some(r.status());
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    terminate(worker);
    assert_eq!(status, Some(StatusCode::OK), "{}", s.worker_log());
}

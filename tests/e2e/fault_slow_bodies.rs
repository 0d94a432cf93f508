//! Fault suite (3) of issue 14: 200 connections that send a request head announcing a
//! large body and then trickle it byte by byte do not keep a normal request from being
//! answered within 100 ms, and the body deadline cuts every one of them off.
//!
//! The server runs with its defaults for connections (actix: 25,000 per worker, a listen
//! backlog of 1,024) and the harness's two HTTP workers; slow bodies are idle futures on
//! those workers, not threads. The test process needs about 250 file descriptors; the
//! usual soft limit of 1,024 is enough (it is printed).

use std::time::{Duration, Instant};

use e2e::*;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

const SLOW_CONNECTIONS: usize = 200;
const BODY_TIMEOUT_SECS: u64 = 3;

/// Opens a connection that announces a 100 kB login body and sends a byte every 250 ms;
/// returns how long after its head the server ended it (with its status line), or `None`
/// if it was still open after `give_up`.
async fn trickle(addr: String, give_up: Duration) -> Option<(Duration, String)> {
    let stream = TcpStream::connect(&addr).await.ok()?;
    let (mut reader, mut writer) = stream.into_split();
    let head = format!(
        "POST /api/v1/auth/login HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{{"
    );
    writer.write_all(head.as_bytes()).await.ok()?;
    let started = Instant::now();
    let sender = tokio::spawn(async move {
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            if writer.write_all(b" ").await.is_err() {
                break;
            }
        }
    });
    let mut out = Vec::new();
    let mut buf = [0u8; 1024];
    let ended = loop {
        match tokio::time::timeout(give_up.saturating_sub(started.elapsed()), reader.read(&mut buf)).await {
            Ok(Ok(0)) | Ok(Err(_)) => break true,
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
            Err(_) => break false,
        }
    };
    sender.abort();
    let status = String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or_default()
        .to_owned();
    ended.then(|| (started.elapsed(), status))
}

fn open_files_limit() -> String {
    std::fs::read_to_string("/proc/self/limits")
        .unwrap_or_default()
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap_or("unknown")
        .split_whitespace()
        .skip(3)
        .take(2)
        .collect::<Vec<_>>()
        .join(" soft, hard ")
}

#[tokio::test]
async fn trickling_bodies_do_not_starve_a_normal_request_and_are_cut_off() {
    let timeout = BODY_TIMEOUT_SECS.to_string();
    let s = Server::start_with(Backend::Sqlite, &[("TICKET__HTTP__BODY_TIMEOUT_SECS", &timeout)])
        .await
        .expect("server");
    let token = s.admin().await;
    eprintln!("open files limit of the test: {}", open_files_limit());

    let give_up = Duration::from_secs(BODY_TIMEOUT_SECS + 10);
    let slow: Vec<_> = (0..SLOW_CONNECTIONS)
        .map(|_| tokio::spawn(trickle(s.addr().to_owned(), give_up)))
        .collect();
    // Let every slow connection send its head.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let mut latencies = Vec::new();
    for i in 0..20 {
        let (path, auth) = if i % 2 == 0 {
            ("/healthz", None)
        } else {
            ("/api/v1/tickets", Some(token.as_str()))
        };
        let started = Instant::now();
        let r = s.request(Method::GET, path, auth).send().await.expect("answered");
        let status = r.status();
        r.bytes().await.expect("body");
        latencies.push(started.elapsed());
        assert_eq!(status, StatusCode::OK, "{path}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut sorted = latencies.clone();
    sorted.sort();
    let max = sorted.last().copied().unwrap_or_default();
    eprintln!(
        "normal requests during {SLOW_CONNECTIONS} trickling bodies: n={} median={:?} p95={:?} max={max:?}",
        sorted.len(),
        sorted[sorted.len() / 2],
        sorted[sorted.len() * 95 / 100],
    );
    assert!(max < Duration::from_millis(100), "a normal request took {max:?}");

    let mut cut = Vec::new();
    let mut statuses = std::collections::BTreeMap::<String, usize>::new();
    for handle in slow {
        if let Some((after, status)) = handle.await.expect("joined") {
            cut.push(after);
            *statuses.entry(status).or_default() += 1;
        }
    }
    cut.sort();
    eprintln!(
        "slow connections cut off: {} of {SLOW_CONNECTIONS}, after {:?} to {:?}; status lines {statuses:?}",
        cut.len(),
        cut.first(),
        cut.last()
    );
    assert_eq!(cut.len(), SLOW_CONNECTIONS, "every trickling connection is cut off");
    assert!(
        cut.iter().all(
            |d| *d >= Duration::from_secs(BODY_TIMEOUT_SECS - 1) && *d < Duration::from_secs(BODY_TIMEOUT_SECS + 5)
        ),
        "cut off around the body timeout: {cut:?}"
    );
    assert_eq!(
        statuses.get("HTTP/1.1 408 Request Timeout"),
        Some(&SLOW_CONNECTIONS),
        "{statuses:?}"
    );
}

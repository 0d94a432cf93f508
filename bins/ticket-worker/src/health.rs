//! A tiny HTTP endpoint for the worker: `GET /healthz` and `GET /metrics`.
//! Hand-rolled on tokio to keep a web framework out of the worker.

use std::sync::Arc;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::runtime::Metrics;

/// Serves until `stopped` flips.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped.changed() => break,
        };
        let Ok((mut stream, _)) = accepted else { continue };
        let metrics = metrics.clone();
        tokio::spawn(async move {
            let mut buf = [0u8; 1024];
            let n = match tokio::time::timeout(std::time::Duration::from_secs(5), stream.read(&mut buf)).await {
                Ok(Ok(n)) => n,
                _ => return,
            };
            let request = String::from_utf8_lossy(&buf[..n]);
            let path = request.split_whitespace().nth(1).unwrap_or("");
            let (status, content_type, body) = match path {
                "/healthz" => ("200 OK", "application/json", "{\"status\":\"ok\"}".to_owned()),
                "/metrics" => ("200 OK", "text/plain; version=0.0.4", metrics.render()),
                _ => ("404 Not Found", "text/plain", "not found\n".to_owned()),
            };
            let response = format!(
                "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
        });
    }
}

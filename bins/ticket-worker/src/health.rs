//! A tiny HTTP endpoint for the worker: `GET /healthz`, `GET /readyz` and `GET /metrics`.
//! Hand-rolled on tokio to keep a web framework out of the worker.
//!
//! `/healthz` says the process answers. `/readyz` says it does its work: 503 when the
//! database does not answer (the probe), when a job's task has ended (it panicked), or
//! when every tick of a job has failed for longer than `worker.ready_max_failing_secs`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::runtime::Metrics;

/// Checks a dependency `/readyz` needs (the database); `Err` says why it is not ready.
pub type Probe = Arc<dyn Fn() -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync>;

/// What `/readyz` looks at.
#[derive(Clone)]
pub struct Readiness {
    /// The jobs' state.
    pub metrics: Arc<Metrics>,
    /// The database (or any other dependency).
    pub probe: Probe,
    /// How long a job's ticks may all fail before the worker is not ready.
    pub max_failing: Duration,
}

impl Readiness {
    /// `Ok` when the probe answers in five seconds and every job runs.
    pub async fn check(&self) -> Result<(), String> {
        match tokio::time::timeout(Duration::from_secs(5), (self.probe)()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(format!("the database does not answer: {e}")),
            Err(_) => return Err("the database did not answer within 5 s".into()),
        }
        self.metrics.readiness(self.max_failing)
    }
}

/// Serves until `stopped` flips.
pub async fn serve(listener: TcpListener, ready: Readiness, mut stopped: watch::Receiver<bool>) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stopped.changed() => break,
        };
        let Ok((mut stream, _)) = accepted else { continue };
        let ready = ready.clone();
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
                "/readyz" => match ready.check().await {
                    Ok(()) => ("200 OK", "application/json", "{\"status\":\"ok\"}".to_owned()),
                    Err(reason) => {
                        tracing::warn!(%reason, "readiness check failed");
                        (
                            "503 Service Unavailable",
                            "application/json",
                            "{\"status\":\"unavailable\"}".to_owned(),
                        )
                    }
                },
                "/metrics" => ("200 OK", "text/plain; version=0.0.4", ready.metrics.render()),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::{Jobs, Runtime};

    async fn get(addr: std::net::SocketAddr, path: &str) -> String {
        let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connects");
        stream
            .write_all(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes())
            .await
            .expect("writes");
        let mut out = String::new();
        stream.read_to_string(&mut out).await.expect("reads");
        out
    }

    async fn serving(probe: Probe) -> (std::net::SocketAddr, watch::Sender<bool>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
        let addr = listener.local_addr().expect("address");
        let runtime = Runtime::spawn(&Jobs::default());
        let ready = Readiness {
            metrics: runtime.metrics.clone(),
            probe,
            max_failing: Duration::from_secs(300),
        };
        let (stop, stopped) = watch::channel(false);
        tokio::spawn(serve(listener, ready, stopped));
        (addr, stop)
    }

    #[tokio::test]
    async fn readyz_fails_while_the_database_does_not_answer() {
        let up = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let flag = up.clone();
        let probe: Probe = Arc::new(move || {
            let up = flag.load(std::sync::atomic::Ordering::Relaxed);
            Box::pin(async move {
                if up {
                    Ok(())
                } else {
                    Err("connection refused".to_owned())
                }
            })
        });
        let (addr, _stop) = serving(probe).await;
        assert!(get(addr, "/readyz").await.starts_with("HTTP/1.1 200"));
        up.store(false, std::sync::atomic::Ordering::Relaxed);
        let answer = get(addr, "/readyz").await;
        assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
        assert!(
            get(addr, "/healthz").await.starts_with("HTTP/1.1 200"),
            "the process is up"
        );
    }
}

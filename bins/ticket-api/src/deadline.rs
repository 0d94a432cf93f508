//! A deadline on request bodies. actix-web's `client_request_timeout` covers the request
//! head only: a client that sends a head and then trickles its body would hold a
//! connection, and any upload slot it took, for as long as it likes.
//!
//! Every request that announces a body gets its payload wrapped: the body must be
//! complete within `http.body_timeout_secs` of the request's arrival, extended by one
//! second per `http.body_min_bytes_per_sec` bytes received (so a large upload on a slow
//! but honest link gets the time its size needs, a trickle does not). Past the deadline
//! the payload ends with an error the body extractors answer as 408 `body_timeout`,
//! before anything is stored; the connection is then closed.

use std::future::Future as _;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpMessage as _;
use actix_web::dev::{Payload, ServiceRequest};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::web::Bytes;
use futures_util::Stream;
use tokio::time::{Instant, Sleep};

/// The body deadline, from `http.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BodyDeadline {
    /// The time a body gets, from the request's arrival; zero turns the deadline off.
    pub timeout: Duration,
    /// Bytes per second that earn one more second; zero for a fixed deadline.
    pub min_bytes_per_sec: u64,
}

/// The message of the payload error a passed deadline raises.
const MESSAGE: &str = "the request body did not arrive in time";

impl BodyDeadline {
    /// Wraps `req`'s payload when it announces a body and the deadline is on.
    pub fn apply(self, req: &mut ServiceRequest) {
        if self.timeout.is_zero() || !has_body(req) {
            return;
        }
        let inner = req.take_payload();
        let stream = Deadlined {
            inner,
            sleep: Box::pin(tokio::time::sleep(self.timeout)),
            started: Instant::now(),
            limits: self,
            received: 0,
            expired: false,
        };
        req.set_payload(Payload::Stream {
            payload: Box::pin(stream),
        });
    }
}

fn has_body(req: &ServiceRequest) -> bool {
    let headers = req.headers();
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return true;
    }
    // An unreadable length counts as a body: actix refuses it anyway.
    headers.get(header::CONTENT_LENGTH).is_some_and(|v| {
        v.to_str()
            .ok()
            .and_then(|v| v.trim().parse::<u64>().ok())
            .is_none_or(|n| n > 0)
    })
}

/// Whether a payload error is the deadline's.
pub fn is_timeout(e: &PayloadError) -> bool {
    matches!(e, PayloadError::Io(io) if io.kind() == std::io::ErrorKind::TimedOut && io.to_string() == MESSAGE)
}

struct Deadlined {
    inner: Payload,
    sleep: Pin<Box<Sleep>>,
    started: Instant,
    limits: BodyDeadline,
    received: u64,
    expired: bool,
}

impl Stream for Deadlined {
    type Item = Result<Bytes, PayloadError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.expired {
            return Poll::Ready(None);
        }
        match Pin::new(&mut this.inner).poll_next(cx) {
            Poll::Ready(Some(Ok(chunk))) => {
                this.received += chunk.len() as u64;
                if let Some(extra) = this.received.checked_div(this.limits.min_bytes_per_sec) {
                    let deadline = this.started + this.limits.timeout + Duration::from_secs(extra);
                    if deadline > this.sleep.deadline() {
                        this.sleep.as_mut().reset(deadline);
                    }
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Pending => match this.sleep.as_mut().poll(cx) {
                Poll::Ready(()) => {
                    this.expired = true;
                    Poll::Ready(Some(Err(PayloadError::Io(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        MESSAGE,
                    )))))
                }
                Poll::Pending => Poll::Pending,
            },
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use futures_util::StreamExt as _;

    use super::*;

    fn wrap(inner: impl Stream<Item = Result<Bytes, PayloadError>> + 'static, limits: BodyDeadline) -> Deadlined {
        Deadlined {
            inner: Payload::Stream {
                payload: Box::pin(inner),
            },
            sleep: Box::pin(tokio::time::sleep(limits.timeout)),
            started: Instant::now(),
            limits,
            received: 0,
            expired: false,
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_body_that_stops_arriving_ends_with_the_timeout() {
        let limits = BodyDeadline {
            timeout: Duration::from_secs(30),
            min_bytes_per_sec: 0,
        };
        let trickle = futures_util::stream::iter([Ok(Bytes::from_static(b"{"))]).chain(futures_util::stream::pending());
        let mut body = wrap(trickle, limits);
        assert!(matches!(body.next().await, Some(Ok(_))));
        let started = Instant::now();
        match body.next().await {
            Some(Err(e)) => assert!(is_timeout(&e), "{e}"),
            other => panic!("expected the timeout, got {other:?}"),
        }
        assert_eq!(started.elapsed(), Duration::from_secs(30));
        assert!(body.next().await.is_none(), "nothing after the timeout");
    }

    #[tokio::test(start_paused = true)]
    async fn bytes_received_earn_time_at_the_minimum_rate() {
        let limits = BodyDeadline {
            timeout: Duration::from_secs(10),
            min_bytes_per_sec: 1000,
        };
        // 5000 bytes at once earn five more seconds.
        let chunk = Bytes::from(vec![b'x'; 5000]);
        let body = futures_util::stream::iter([Ok(chunk)]).chain(futures_util::stream::pending());
        let mut body = wrap(body, limits);
        let started = Instant::now();
        assert!(matches!(body.next().await, Some(Ok(_))));
        assert!(matches!(body.next().await, Some(Err(_))));
        assert_eq!(started.elapsed(), Duration::from_secs(15));
    }
}

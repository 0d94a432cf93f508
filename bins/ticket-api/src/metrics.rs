//! Request metrics in the Prometheus text format, by method, route pattern and status.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;
use std::time::Duration;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default)]
struct Histogram {
    counts: [u64; BUCKETS.len()],
    sum: f64,
    count: u64,
}

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, String, u16), u64>,
    latency: BTreeMap<(String, String), Histogram>,
    logins: Option<std::sync::Arc<application::auth::LoginCounters>>,
}

/// Counters and latency histograms of the HTTP API.
#[derive(Debug, Default)]
pub struct Metrics(Mutex<Inner>);

impl Metrics {
    /// Records one finished request.
    pub fn record(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let Ok(mut inner) = self.0.lock() else { return };
        *inner
            .requests
            .entry((method.to_owned(), route.to_owned(), status))
            .or_default() += 1;
        let h = inner.latency.entry((method.to_owned(), route.to_owned())).or_default();
        let seconds = elapsed.as_secs_f64();
        for (i, bound) in BUCKETS.iter().enumerate() {
            if seconds <= *bound {
                h.counts[i] += 1;
            }
        }
        h.sum += seconds;
        h.count += 1;
    }

    /// Renders the login counters too.
    pub fn count_logins(&self, counters: std::sync::Arc<application::auth::LoginCounters>) {
        if let Ok(mut inner) = self.0.lock() {
            inner.logins = Some(counters);
        }
    }

    /// The Prometheus text exposition.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let Ok(inner) = self.0.lock() else { return out };
        out.push_str("# HELP http_requests_total HTTP requests by method, route and status.\n# TYPE http_requests_total counter\n");
        for ((method, route, status), n) in &inner.requests {
            let _ = writeln!(
                out,
                "http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {n}"
            );
        }
        out.push_str("# HELP http_request_duration_seconds HTTP request latency.\n# TYPE http_request_duration_seconds histogram\n");
        for ((method, route), h) in &inner.latency {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (bound, n) in BUCKETS.iter().zip(h.counts) {
                let _ = writeln!(
                    out,
                    "http_request_duration_seconds_bucket{{{labels},le=\"{bound}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                h.count
            );
            let _ = writeln!(out, "http_request_duration_seconds_sum{{{labels}}} {}", h.sum);
            let _ = writeln!(out, "http_request_duration_seconds_count{{{labels}}} {}", h.count);
        }
        if let Some(logins) = &inner.logins {
            let _ = writeln!(
                out,
                "# HELP ticket_api_password_verifications_total Passwords checked with argon2 by logins.\n\
                 # TYPE ticket_api_password_verifications_total counter\n\
                 ticket_api_password_verifications_total {}",
                logins.verified()
            );
            let _ = writeln!(
                out,
                "# HELP ticket_api_logins_throttled_total Logins refused by the throttle before any hashing.\n\
                 # TYPE ticket_api_logins_throttled_total counter\n\
                 ticket_api_logins_throttled_total {}",
                logins.throttled()
            );
            let _ = writeln!(
                out,
                "# HELP ticket_api_logins_succeeded_total Logins that opened a session.\n\
                 # TYPE ticket_api_logins_succeeded_total counter\n\
                 ticket_api_logins_succeeded_total {}",
                logins.succeeded()
            );
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_cumulative_buckets() {
        let m = Metrics::default();
        m.record("GET", "/api/v1/tickets", 200, Duration::from_millis(20));
        m.record("GET", "/api/v1/tickets", 200, Duration::from_millis(300));
        let text = m.render();
        assert!(text.contains("http_requests_total{method=\"GET\",route=\"/api/v1/tickets\",status=\"200\"} 2"));
        assert!(text.contains("le=\"0.025\"} 1"));
        assert!(text.contains("le=\"0.5\"} 2"));
        assert!(text.contains("http_request_duration_seconds_count{method=\"GET\",route=\"/api/v1/tickets\"} 2"));
    }
}

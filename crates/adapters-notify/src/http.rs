//! What the HTTP providers share: the client, the endpoint URL, and how a response or a
//! failed request becomes a [`SendError`].

use std::time::{Duration, SystemTime};

use application::ports::SendError;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use reqwest::{Response, StatusCode, Url};

use crate::gateways::GatewayError;

/// How much of a provider's error message a reason keeps, in characters.
const MAX_DETAIL_CHARS: usize = 300;

/// A client with a whole-request timeout that follows no redirects (a provider API never
/// redirects; following one would re-send the message somewhere else).
pub(crate) fn client(provider: &'static str, timeout: Duration) -> Result<reqwest::Client, GatewayError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("ticketing-notify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|source| GatewayError::Client { provider, source })
}

/// `base_url` (which may carry a path prefix) with `segments` appended, each percent-encoded.
pub(crate) fn endpoint(provider: &'static str, base_url: &str, segments: &[&str]) -> Result<Url, GatewayError> {
    let invalid = |reason: String| GatewayError::BaseUrl {
        provider,
        url: base_url.to_string(),
        reason,
    };
    let mut url = Url::parse(base_url).map_err(|error| invalid(error.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("not an http(s) URL".into()));
    }
    url.path_segments_mut()
        .map_err(|()| invalid("cannot carry a path".into()))?
        .pop_if_empty()
        .extend(segments);
    Ok(url)
}

/// `Ok` for 2xx; otherwise the error, with the provider's message that `detail` extracts
/// from the body (or the body itself).
pub(crate) async fn outcome(
    provider: &str,
    response: Response,
    detail: fn(&str) -> Option<String>,
) -> Result<(), SendError> {
    let status = response.status();
    if status.is_success() {
        tracing::debug!(target: "notifications", provider, %status, "provider accepted the message");
        return Ok(());
    }
    let retry_after_secs = retry_after(response.headers(), SystemTime::now());
    let body = response.text().await.unwrap_or_default();
    let detail = detail(&body).unwrap_or_else(|| body.clone());
    let detail = shorten(&detail, MAX_DETAIL_CHARS);
    let reason = if detail.is_empty() {
        format!("{provider}: HTTP {status}")
    } else {
        format!("{provider}: HTTP {status}: {detail}")
    };
    Err(if is_transient(status) {
        SendError::Transient {
            reason,
            retry_after_secs,
        }
    } else {
        SendError::Permanent { reason }
    })
}

/// 429 and 5xx are worth retrying; every other failure status is not.
/// 429, 5xx, and the two 4xx that say "try again": 408 (the provider timed out reading the
/// request) and 425 (too early).
fn is_transient(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::TOO_MANY_REQUESTS | StatusCode::REQUEST_TIMEOUT | StatusCode::TOO_EARLY
    ) || status.is_server_error()
}

/// A request that got no response: transient (network, timeout), unless the request itself
/// could not be built (an API key that is no valid header value, say).
pub(crate) fn request_failed(provider: &str, timeout: Duration, error: &reqwest::Error) -> SendError {
    if error.is_builder() {
        return SendError::Permanent {
            reason: format!("{provider}: invalid request: {}", chain(error)),
        };
    }
    let reason = if error.is_timeout() {
        format!("{provider}: no response within {} ms", timeout.as_millis())
    } else {
        format!("{provider}: {}", chain(error))
    };
    SendError::Transient {
        reason,
        retry_after_secs: None,
    }
}

/// An error and its causes, `: `-separated (reqwest hides "connection refused" in a source).
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}

/// `Retry-After` in seconds: delta-seconds, or an HTTP-date counted from `now` (0 if past).
pub(crate) fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<u64> {
    let raw = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    if let Ok(secs) = raw.parse::<u64>() {
        return Some(secs);
    }
    let at = httpdate::parse_http_date(raw).ok()?;
    Some(
        at.duration_since(now)
            .map(|wait| wait.as_secs() + u64::from(wait.subsec_nanos() > 0))
            .unwrap_or(0),
    )
}

/// Whitespace collapsed, at most `max` characters (`…` marks a cut).
pub(crate) fn shorten(text: &str, max: usize) -> String {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match text.char_indices().nth(max) {
        Some((cut, _)) => format!("{}…", text[..cut].trim_end()),
        None => text,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use reqwest::header::HeaderValue;

    use super::*;

    #[test]
    fn throttling_server_errors_and_try_again_statuses_are_transient_other_4xx_permanent() {
        for transient in [408, 425, 429, 500, 502, 503, 504] {
            assert!(
                is_transient(StatusCode::from_u16(transient).expect("status")),
                "{transient}"
            );
        }
        for permanent in [400, 401, 403, 404, 413, 422] {
            assert!(
                !is_transient(StatusCode::from_u16(permanent).expect("status")),
                "{permanent}"
            );
        }
    }

    fn headers(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(RETRY_AFTER, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn retry_after_takes_seconds_or_a_date() {
        let now = httpdate::parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT").unwrap();
        assert_eq!(retry_after(&headers("7"), now), Some(7));
        assert_eq!(retry_after(&headers(" 120 "), now), Some(120));
        assert_eq!(retry_after(&headers("Sun, 06 Nov 1994 08:50:07 GMT"), now), Some(30));
        assert_eq!(retry_after(&headers("Sun, 06 Nov 1994 08:00:00 GMT"), now), Some(0));
        assert_eq!(retry_after(&headers("soon"), now), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn shorten_cuts_at_a_char_boundary() {
        assert_eq!(shorten("  a \n b ", 10), "a b");
        assert_eq!(shorten(&"é".repeat(400), 300).chars().count(), 301);
        assert!(shorten(&"x".repeat(400), 300).ends_with('…'));
    }

    #[test]
    fn endpoint_keeps_a_path_prefix_and_encodes_segments() {
        let url = endpoint("p", "http://127.0.0.1:9/proxy/", &["a b", "c"]).unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:9/proxy/a%20b/c");
        let url = endpoint("p", "https://api.example.com", &["v3", "mail", "send"]).unwrap();
        assert_eq!(url.as_str(), "https://api.example.com/v3/mail/send");
        assert!(endpoint("p", "not a url", &[]).is_err());
        assert!(endpoint("p", "mailto:x@example.com", &[]).is_err());
    }

    #[test]
    fn classification() {
        assert!(is_transient(StatusCode::TOO_MANY_REQUESTS));
        assert!(is_transient(StatusCode::SERVICE_UNAVAILABLE));
        assert!(!is_transient(StatusCode::BAD_REQUEST));
        assert!(!is_transient(StatusCode::UNAUTHORIZED));
    }
}

//! Opaque pagination cursors: base64url of a small versioned text.

use application::ports::{TicketCursor, TicketSort};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::TicketId;

use crate::problem::ApiError;

fn invalid() -> ApiError {
    ApiError::field("cursor", "is not a cursor this API returned")
}

fn decode_text(raw: &str) -> Result<String, ApiError> {
    let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
    String::from_utf8(bytes).map_err(|_| invalid())
}

/// Encodes a ticket list position.
pub fn encode_ticket(c: &TicketCursor) -> String {
    URL_SAFE_NO_PAD.encode(format!("t2|{}|{}|{}|{}", c.sort.as_str(), c.key, c.created, c.id.get()))
}

/// Decodes a ticket list position.
pub fn decode_ticket(raw: &str) -> Result<TicketCursor, ApiError> {
    let text = decode_text(raw)?;
    let fields: Vec<&str> = text.split('|').collect();
    let ["t2", sort, key, created, id] = fields.as_slice() else {
        return Err(invalid());
    };
    Ok(TicketCursor {
        sort: TicketSort::parse(sort).ok_or_else(invalid)?,
        key: key.parse().map_err(|_| invalid())?,
        created: created.parse().map_err(|_| invalid())?,
        id: TicketId::new(id.parse().map_err(|_| invalid())?),
    })
}

/// Encodes a history position.
pub fn encode_history(id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("h1|{id}"))
}

/// Decodes a history position.
pub fn decode_history(raw: &str) -> Result<i64, ApiError> {
    decode_text(raw)?
        .strip_prefix("h1|")
        .and_then(|id| id.parse().ok())
        .ok_or_else(invalid)
}

/// Encodes a comment or attachment position: `kind` tells the two apart.
pub fn encode_id(kind: &str, id: i64) -> String {
    URL_SAFE_NO_PAD.encode(format!("{kind}1|{id}"))
}

/// Decodes a position [`encode_id`] made with the same `kind`.
pub fn decode_id(kind: &str, raw: &str) -> Result<i64, ApiError> {
    decode_text(raw)?
        .strip_prefix(&format!("{kind}1|"))
        .and_then(|id| id.parse().ok())
        .filter(|id| *id >= 0)
        .ok_or_else(invalid)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_garbage_is_refused() {
        let c = TicketCursor {
            sort: TicketSort::PriorityDesc,
            key: 4,
            created: 1_800_000_000_000_000,
            id: TicketId::new(77),
        };
        assert_eq!(decode_ticket(&encode_ticket(&c)).ok(), Some(c));
        assert_eq!(decode_history(&encode_history(12)).ok(), Some(12));
        for bad in ["", "!!!", "dDF8eA", &encode_history(1)] {
            assert!(decode_ticket(bad).is_err(), "{bad}");
        }
        assert!(decode_history(&encode_ticket(&c)).is_err());
        assert_eq!(decode_id("c", &encode_id("c", 9)).ok(), Some(9));
        assert!(decode_id("a", &encode_id("c", 9)).is_err(), "kinds do not mix");
    }
}

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

/// The instants a cursor may carry, in microseconds: years 1 to 9999, which both databases
/// and the driver's date types hold. A forged cursor beyond them is refused here (400)
/// instead of failing in the database.
const INSTANTS: std::ops::RangeInclusive<i64> = -62_135_596_800_000_000..=253_402_300_799_999_999;

/// Decodes a ticket list position.
pub fn decode_ticket(raw: &str) -> Result<TicketCursor, ApiError> {
    let text = decode_text(raw)?;
    let fields: Vec<&str> = text.split('|').collect();
    let ["t2", sort, key, created, id] = fields.as_slice() else {
        return Err(invalid());
    };
    let sort = TicketSort::parse(sort).ok_or_else(invalid)?;
    let key: i64 = key.parse().map_err(|_| invalid())?;
    let created: i64 = created.parse().map_err(|_| invalid())?;
    let key_fits = match sort {
        TicketSort::CreatedDesc | TicketSort::CreatedAsc | TicketSort::UpdatedDesc | TicketSort::UpdatedAsc => {
            INSTANTS.contains(&key)
        }
        // `i64::MAX` stands for "no running target" (TicketSort::key_of).
        TicketSort::SlaDueAsc => key == i64::MAX || INSTANTS.contains(&key),
        TicketSort::PriorityDesc | TicketSort::PriorityAsc => i16::try_from(key).is_ok(),
    };
    if !key_fits || !INSTANTS.contains(&created) {
        return Err(invalid());
    }
    Ok(TicketCursor {
        sort,
        key,
        created,
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

    #[test]
    fn forged_instants_outside_what_the_databases_hold_are_refused() {
        let forged = |text: &str| URL_SAFE_NO_PAD.encode(text);
        for bad in [
            "t2|-created_at|9223372036854775000|0|5",
            "t2|updated_at|-9223372036854775000|0|5",
            "t2|-created_at|0|9223372036854775000|5",
            "t2|sla_due_at|9223372036854775806|0|5",
            "t2|-priority|99999|0|5",
        ] {
            assert!(decode_ticket(&forged(bad)).is_err(), "{bad}");
        }
        let none_due = decode_ticket(&forged("t2|sla_due_at|9223372036854775807|0|5"));
        assert!(none_due.is_ok(), "a ticket without a running target sorts last");
    }
}

//! Human-readable ticket numbers.

use std::fmt;

use crate::ids::TicketId;
use crate::value_error::ValueError;

/// A ticket's human-readable number, `TKT-` and at least six digits: `TKT-000123`.
///
/// Numbers are derived from the ticket's id, which the store allocates from a sequence, so
/// they are unique and never reused.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TicketNumber(String);

impl TicketNumber {
    const PREFIX: &'static str = "TKT-";

    /// The number of the ticket with this id. Ids start at 1.
    pub fn for_id(id: TicketId) -> Self {
        Self(format!("{}{:06}", Self::PREFIX, id.get()))
    }

    /// Parses `TKT-000123` (case-insensitive prefix) and returns the ticket id it denotes.
    pub fn parse(raw: &str) -> Result<(Self, TicketId), ValueError> {
        const EXPECTED: &str = "a ticket number such as `TKT-000123`";
        let malformed = ValueError::Malformed { expected: EXPECTED };
        let digits = raw
            .get(..Self::PREFIX.len())
            .filter(|p| p.eq_ignore_ascii_case(Self::PREFIX))
            .and_then(|_| raw.get(Self::PREFIX.len()..))
            .ok_or_else(|| malformed.clone())?;
        if digits.len() < 6 || digits.len() > 19 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err(malformed);
        }
        let id = digits.parse::<i64>().map_err(|_| malformed.clone())?;
        if id < 1 {
            return Err(malformed);
        }
        let id = TicketId::new(id);
        Ok((Self::for_id(id), id))
    }

    /// The number as shown to people.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for TicketNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn pads_to_six_digits_and_grows_beyond() {
        assert_eq!(TicketNumber::for_id(TicketId::new(123)).as_str(), "TKT-000123");
        assert_eq!(TicketNumber::for_id(TicketId::new(12_345_678)).as_str(), "TKT-12345678");
    }

    #[test]
    fn parses_what_it_prints_and_refuses_the_rest() {
        assert_eq!(
            TicketNumber::parse("tkt-000042").map(|(_, id)| id),
            Ok(TicketId::new(42))
        );
        for bad in [
            "",
            "TKT-",
            "TKT-12",
            "TKT-00001x",
            "ABC-000001",
            "TKT-000000",
            "TKT--00001",
            "42",
        ] {
            assert!(TicketNumber::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    proptest! {
        #[test]
        fn round_trips(id in 1i64..i64::MAX) {
            let number = TicketNumber::for_id(TicketId::new(id));
            prop_assert_eq!(TicketNumber::parse(number.as_str()), Ok((number.clone(), TicketId::new(id))));
        }
    }
}

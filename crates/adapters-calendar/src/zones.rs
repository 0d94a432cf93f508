//! IANA time zones as [`TransitionTable`]s.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use chrono::{DateTime, Offset, TimeZone as _};
use domain::sla::{TimeZone, TransitionTable, Utc};

/// The version of the IANA time zone database compiled in (future offsets can change
/// with it).
pub const TZDB_VERSION: &str = chrono_tz::IANA_TZDB_VERSION;

/// The first and last years whose transitions are tabulated.
const FIRST_YEAR: i32 = 1990;
const LAST_YEAR: i32 = 2100;

/// The zone name is not in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownZone(pub String);

impl std::fmt::Display for UnknownZone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "`{}` is not an IANA time zone name (such as Europe/Berlin)", self.0)
    }
}

impl std::error::Error for UnknownZone {}

/// The zone named `name` (`UTC`, `Europe/Berlin`, ...), its transitions from 1990 to 2100
/// tabulated once per process and shared.
pub fn zone(name: &str) -> Result<Arc<dyn TimeZone>, UnknownZone> {
    if name == "UTC" {
        return Ok(Arc::new(Utc));
    }
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<TransitionTable>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(|| Mutex::new(HashMap::new()));
    if let Some(found) = cache.lock().ok().and_then(|c| c.get(name).cloned()) {
        return Ok(found);
    }
    let tz: chrono_tz::Tz = name.parse().map_err(|_| UnknownZone(name.to_owned()))?;
    let table = Arc::new(tabulate(name, tz));
    if let Ok(mut c) = cache.lock() {
        c.insert(name.to_owned(), table.clone());
    }
    Ok(table)
}

fn offset(tz: chrono_tz::Tz, unix_seconds: i64) -> i32 {
    DateTime::from_timestamp(unix_seconds, 0)
        .map(|t| tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc())
        .unwrap_or(0)
}

/// Finds every offset change: hourly probes, then a binary search to the second.
fn tabulate(name: &str, tz: chrono_tz::Tz) -> TransitionTable {
    let year_start = |y: i32| {
        chrono::NaiveDate::from_ymd_opt(y, 1, 1)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp())
            .unwrap_or(0)
    };
    let (start, end) = (year_start(FIRST_YEAR), year_start(LAST_YEAR + 1));
    let initial = offset(tz, start);
    let mut changes = Vec::new();
    let mut current = initial;
    let mut t = start;
    while t < end {
        let next = t + 3600;
        let after = offset(tz, next);
        if after != current {
            // The first second in (t, next] with the new offset.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                if offset(tz, mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            changes.push((hi, after));
            current = after;
        }
        t = next;
    }
    TransitionTable::new(name, initial, changes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn berlin_changes_at_one_utc_on_the_last_sundays() {
        let z = zone("Europe/Berlin").expect("known");
        // 2026-03-29 01:00Z and 2026-10-25 01:00Z.
        assert_eq!(z.next_transition(1_767_225_600, 1_798_761_600), Some(1_774_746_000));
        assert_eq!(z.offset_at(1_774_746_000), 7200);
        assert_eq!(z.next_transition(1_774_746_000, 1_798_761_600), Some(1_792_890_000));
        assert_eq!(z.offset_at(1_792_890_000), 3600);
        assert_eq!(z.name(), "Europe/Berlin");
    }

    #[test]
    fn kolkata_is_a_constant_half_hour_offset_and_names_are_checked() {
        let z = zone("Asia/Kolkata").expect("known");
        assert_eq!(z.offset_at(1_800_000_000), 19_800);
        assert_eq!(z.next_transition(1_767_225_600, 1_900_000_000), None);
        assert_eq!(zone("Mars/Olympus").err(), Some(UnknownZone("Mars/Olympus".into())));
        assert_eq!(zone("UTC").map(|z| z.offset_at(0)).ok(), Some(0));
        assert_eq!(TZDB_VERSION.len(), 5, "like 2025b");
    }
}

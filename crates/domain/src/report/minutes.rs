//! Durations as reports count them: whole minutes, rounded down.

use crate::time::Timestamp;

/// Wall-clock minutes from `from` to `until`, rounded down; 0 when `until` is not after
/// `from`.
pub fn wall_minutes(from: Timestamp, until: Timestamp) -> u64 {
    let micros = until.unix_micros().saturating_sub(from.unix_micros()).max(0);
    u64::try_from(micros / 60_000_000).unwrap_or(0)
}

/// Whole minutes in `seconds` (such as `BusinessCalendar::business_time_between`'s
/// result), rounded down; 0 for a negative count.
pub fn seconds_to_minutes(seconds: i64) -> u64 {
    u64::try_from(seconds.max(0) / 60).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_are_whole_and_never_negative() {
        let t = Timestamp::from_unix_seconds(1_000_000);
        assert_eq!(wall_minutes(t, t.plus_seconds(119)), 1);
        assert_eq!(wall_minutes(t, t.plus_seconds(120)), 2);
        assert_eq!(wall_minutes(t, t.plus_micros(59_999_999)), 0);
        assert_eq!(wall_minutes(t.plus_seconds(60), t), 0, "reversed");
        assert_eq!(seconds_to_minutes(7_199), 119);
        assert_eq!(seconds_to_minutes(-60), 0);
    }
}

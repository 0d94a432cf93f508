//! Time zones as the calendar arithmetic needs them: the UTC offset at an instant and the
//! instants at which it changes. UTC and fixed offsets live here; IANA zones come from an
//! adapter, usually as a [`TransitionTable`].

use std::fmt;

/// A time zone's rules. Instants are Unix seconds; offsets are seconds east of UTC and
/// less than a day in magnitude.
pub trait TimeZone: Send + Sync + fmt::Debug {
    /// The zone's name, such as `Europe/Berlin` or `UTC`.
    fn name(&self) -> &str;
    /// The offset in effect at `unix_seconds`.
    fn offset_at(&self, unix_seconds: i64) -> i32;
    /// The first instant in `(after, until]` at which the offset changes, if any.
    fn next_transition(&self, after: i64, until: i64) -> Option<i64>;
}

/// Coordinated Universal Time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Utc;

impl TimeZone for Utc {
    fn name(&self) -> &str {
        "UTC"
    }

    fn offset_at(&self, _: i64) -> i32 {
        0
    }

    fn next_transition(&self, _: i64, _: i64) -> Option<i64> {
        None
    }
}

/// A constant offset from UTC, such as `+05:30`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FixedOffset {
    seconds: i32,
    name: String,
}

impl FixedOffset {
    /// An offset of `seconds` east of UTC; `None` unless less than a day in magnitude.
    pub fn new(seconds: i32) -> Option<Self> {
        if seconds.abs() >= 86_400 {
            return None;
        }
        let sign = if seconds < 0 { '-' } else { '+' };
        let abs = seconds.unsigned_abs();
        Some(Self {
            seconds,
            name: format!("{sign}{:02}:{:02}", abs / 3600, abs / 60 % 60),
        })
    }
}

impl TimeZone for FixedOffset {
    fn name(&self) -> &str {
        &self.name
    }

    fn offset_at(&self, _: i64) -> i32 {
        self.seconds
    }

    fn next_transition(&self, _: i64, _: i64) -> Option<i64> {
        None
    }
}

/// A zone given by its transitions: the offset before the first, then each change with the
/// instant it takes effect. Adapters build one from the IANA database for the years a
/// computation needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransitionTable {
    name: String,
    initial: i32,
    /// (instant, offset from that instant on), strictly increasing instants.
    changes: Vec<(i64, i32)>,
}

impl TransitionTable {
    /// A zone named `name` with offset `initial` before the first change and `changes`
    /// (instant, new offset) after. Changes are sorted; ones that change nothing are dropped.
    pub fn new(name: impl Into<String>, initial: i32, mut changes: Vec<(i64, i32)>) -> Self {
        changes.sort_by_key(|(at, _)| *at);
        let mut kept: Vec<(i64, i32)> = Vec::with_capacity(changes.len());
        let mut current = initial;
        for (at, offset) in changes {
            if offset != current && kept.last().is_none_or(|(last, _)| *last < at) {
                kept.push((at, offset));
                current = offset;
            }
        }
        Self {
            name: name.into(),
            initial,
            changes: kept,
        }
    }

    /// The changes, for inspection.
    pub fn changes(&self) -> &[(i64, i32)] {
        &self.changes
    }
}

impl TimeZone for TransitionTable {
    fn name(&self) -> &str {
        &self.name
    }

    fn offset_at(&self, unix_seconds: i64) -> i32 {
        match self.changes.partition_point(|(at, _)| *at <= unix_seconds) {
            0 => self.initial,
            i => self.changes[i - 1].1,
        }
    }

    fn next_transition(&self, after: i64, until: i64) -> Option<i64> {
        let i = self.changes.partition_point(|(at, _)| *at <= after);
        self.changes.get(i).map(|(at, _)| *at).filter(|at| *at <= until)
    }
}

/// The earliest instant (Unix seconds) whose wall-clock reading in `zone` is at or after
/// `local` (local seconds since 1970-01-01 00:00 wall time): an unambiguous time maps to
/// its instant, a time in a fold to its earlier occurrence, a time in a gap to the
/// transition that skipped it.
pub fn earliest_instant_at_or_after(zone: &dyn TimeZone, local: i64) -> i64 {
    const WINDOW: i64 = 2 * 86_400;
    let end = local + WINDOW;
    let mut from = local - WINDOW;
    loop {
        let offset = i64::from(zone.offset_at(from));
        let next = zone.next_transition(from, end);
        let piece_end = next.unwrap_or(i64::MAX);
        // Within one piece the reading t + offset rises with t.
        let candidate = from.max(local - offset);
        if candidate < piece_end {
            return candidate;
        }
        match next {
            Some(at) => from = at,
            None => return local - offset,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Berlin in 2026: CET (+1) until 29 March 01:00Z, CEST (+2) until 25 October 01:00Z.
    fn berlin_2026() -> TransitionTable {
        TransitionTable::new(
            "Europe/Berlin",
            3600,
            vec![(1_774_746_000, 7200), (1_792_890_000, 3600)],
        )
    }

    fn local(y: i32, m: u32, d: u32, hh: i64, mm: i64) -> i64 {
        let days = crate::sla::LocalDate::from_ymd(y, m, d).expect("date").days();
        days * 86_400 + hh * 3600 + mm * 60
    }

    #[test]
    fn local_times_map_to_the_earliest_instant_at_or_after_them() {
        let z = berlin_2026();
        // Unambiguous: 09:00 CET is 08:00Z.
        assert_eq!(
            earliest_instant_at_or_after(&z, local(2026, 1, 5, 9, 0)),
            local(2026, 1, 5, 8, 0)
        );
        // In the spring gap, 02:30 does not exist: the transition instant (01:00Z) counts.
        assert_eq!(
            earliest_instant_at_or_after(&z, local(2026, 3, 29, 2, 30)),
            local(2026, 3, 29, 1, 0)
        );
        // In the autumn fold, 02:30 happens twice: the earlier (00:30Z) counts.
        assert_eq!(
            earliest_instant_at_or_after(&z, local(2026, 10, 25, 2, 30)),
            local(2026, 10, 25, 0, 30)
        );
        assert_eq!(earliest_instant_at_or_after(&Utc, 12_345), 12_345);
        let kolkata = FixedOffset::new(5 * 3600 + 1800).expect("valid");
        assert_eq!(kolkata.name(), "+05:30");
        assert_eq!(earliest_instant_at_or_after(&kolkata, 19_800), 0);
    }

    #[test]
    fn tables_answer_offsets_and_transitions() {
        let z = berlin_2026();
        assert_eq!(z.offset_at(1_774_745_999), 3600);
        assert_eq!(z.offset_at(1_774_746_000), 7200);
        assert_eq!(z.next_transition(0, i64::MAX), Some(1_774_746_000));
        assert_eq!(z.next_transition(1_774_746_000, i64::MAX), Some(1_792_890_000));
        assert_eq!(z.next_transition(1_774_746_000, 1_792_889_999), None);
        let same = TransitionTable::new("X", 0, vec![(10, 0), (20, 60), (20, 120)]);
        assert_eq!(same.changes(), &[(20, 60)], "no-op and duplicate changes are dropped");
        assert_eq!(FixedOffset::new(86_400), None);
    }
}

//! SLA targets: a promise of business time (first response, next response, resolution),
//! its clock, and the status it has at an instant (see `SLA.md`).

use std::fmt;

use crate::time::Timestamp;

use super::calendar::{BusinessCalendar, CalendarError};

/// What a target promises.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// From creation to staff's first public reply.
    FirstResponse,
    /// From a customer comment that follows a staff reply to the next staff reply.
    NextResponse,
    /// From creation to `resolved` or `closed`, paused in pausing statuses.
    Resolution,
}

impl TargetKind {
    /// Every kind.
    pub const ALL: [TargetKind; 3] = [
        TargetKind::FirstResponse,
        TargetKind::NextResponse,
        TargetKind::Resolution,
    ];

    /// The API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TargetKind::FirstResponse => "first_response",
            TargetKind::NextResponse => "next_response",
            TargetKind::Resolution => "resolution",
        }
    }

    /// Parses an API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == raw)
    }
}

impl fmt::Display for TargetKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a target stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TargetStatus {
    /// Running, below the warning threshold.
    Active,
    /// Running, the warning threshold reached.
    AtRisk,
    /// The due instant passed before it was met (also after it is met late).
    Breached,
    /// Met in time.
    Met,
    /// The clock is stopped for now (a pausing status).
    Paused,
}

impl TargetStatus {
    /// The API name.
    pub const fn as_str(self) -> &'static str {
        match self {
            TargetStatus::Active => "active",
            TargetStatus::AtRisk => "at_risk",
            TargetStatus::Breached => "breached",
            TargetStatus::Met => "met",
            TargetStatus::Paused => "paused",
        }
    }

    /// Every status.
    pub const ALL: [TargetStatus; 5] = [
        TargetStatus::Active,
        TargetStatus::AtRisk,
        TargetStatus::Breached,
        TargetStatus::Met,
        TargetStatus::Paused,
    ];

    /// Parses an API name.
    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }
}

/// A crossing the monitor records once per target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Crossing {
    /// The warning threshold was reached at this instant.
    Warning(Timestamp),
    /// The due instant passed (the breach is dated at the due instant).
    Breach(Timestamp),
}

/// One target's clock.
///
/// Business time consumed is kept across pauses and policy changes: `consumed_before`
/// holds what was counted up to `running_since`, and the due and warning instants are
/// computed from there while the clock runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaTarget {
    /// What it promises.
    pub kind: TargetKind,
    /// Its length in business seconds.
    pub target_seconds: i64,
    /// The share of the target, in percent, at which it is at risk.
    pub warning_percent: u8,
    /// When its clock first started.
    pub started_at: Timestamp,
    /// Business seconds consumed before `running_since`.
    pub consumed_before: i64,
    /// Since when the clock runs; `None` while paused or finished.
    pub running_since: Option<Timestamp>,
    /// When it falls due, while running.
    pub due_at: Option<Timestamp>,
    /// When it becomes (or became) at risk under the current threshold, while running.
    pub warn_at: Option<Timestamp>,
    /// When the warning was recorded.
    pub warned_at: Option<Timestamp>,
    /// When it was breached (the due instant), once recorded.
    pub breached_at: Option<Timestamp>,
    /// When it was met.
    pub met_at: Option<Timestamp>,
}

impl SlaTarget {
    /// Starts a target's clock at `at`.
    pub fn start(
        kind: TargetKind,
        target_seconds: i64,
        warning_percent: u8,
        at: Timestamp,
        calendar: &BusinessCalendar,
    ) -> Result<Self, CalendarError> {
        let mut target = Self {
            kind,
            target_seconds,
            warning_percent: warning_percent.min(100),
            started_at: at,
            consumed_before: 0,
            running_since: Some(at),
            due_at: None,
            warn_at: None,
            warned_at: None,
            breached_at: None,
            met_at: None,
        };
        target.schedule(calendar)?;
        Ok(target)
    }

    /// A target that has been counting since `started_at` with `consumed` business
    /// seconds used by `now` (a policy applied later to a ticket), running from `now`.
    pub fn resume_from(
        kind: TargetKind,
        target_seconds: i64,
        terms: &super::clock::PolicyTerms,
        started_at: Timestamp,
        consumed: i64,
        now: Timestamp,
        calendar: &BusinessCalendar,
    ) -> Result<Self, CalendarError> {
        let mut target = Self::start(kind, target_seconds, terms.warning_percent, now, calendar)?;
        target.started_at = started_at;
        target.consumed_before = consumed;
        target.schedule(calendar)?;
        Ok(target)
    }

    /// Business seconds consumed up to `now`.
    pub fn consumed(&self, now: Timestamp, calendar: &BusinessCalendar) -> i64 {
        self.consumed_before
            + self
                .running_since
                .map_or(0, |since| calendar.business_time_between(since, now))
    }

    /// Business seconds left before it falls due (negative once overdue), at `now`.
    pub fn remaining(&self, now: Timestamp, calendar: &BusinessCalendar) -> i64 {
        let consumed = self.consumed(now, calendar);
        match self.due_at {
            Some(due) if now > due => -calendar.business_time_between(due, now),
            _ => self.target_seconds - consumed,
        }
    }

    /// Its status at `now`.
    pub fn status(&self, now: Timestamp) -> TargetStatus {
        let overdue = self.due_at.is_some_and(|due| due < now);
        if self.breached_at.is_some() || (self.met_at.is_none() && overdue) {
            return TargetStatus::Breached;
        }
        if self.met_at.is_some() {
            return TargetStatus::Met;
        }
        if self.running_since.is_none() {
            return TargetStatus::Paused;
        }
        // The current threshold decides, so a longer target applied after a warning
        // makes it active again (the warning stays on record, once).
        if self.warn_at.is_some_and(|w| w <= now) {
            return TargetStatus::AtRisk;
        }
        TargetStatus::Active
    }

    /// The next instant the monitor must look at this target: its warning instant, then
    /// the first instant after its due instant (it is breached once that has passed);
    /// `None` once both are recorded, or while it is paused or met.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        if self.met_at.is_some() || self.running_since.is_none() || self.breached_at.is_some() {
            return None;
        }
        match (self.warned_at, self.warn_at) {
            (None, Some(warn)) => Some(warn),
            _ => self
                .due_at
                .map(|due| Timestamp::from_unix_micros(due.unix_micros().saturating_add(1))),
        }
    }

    /// Records what `now` has crossed and was not recorded yet: a warning, a breach, or
    /// both (a warning first). Each is recorded once in the target's life.
    pub fn observe(&mut self, now: Timestamp) -> Vec<Crossing> {
        let mut crossed = Vec::new();
        if self.met_at.is_some() || self.running_since.is_none() {
            return crossed;
        }
        if self.warned_at.is_none()
            && let Some(warn) = self.warn_at.filter(|w| *w <= now)
        {
            self.warned_at = Some(warn);
            crossed.push(Crossing::Warning(warn));
        }
        if self.breached_at.is_none()
            && let Some(due) = self.due_at.filter(|d| *d < now)
        {
            if self.warned_at.is_none() {
                self.warned_at = Some(due);
                crossed.push(Crossing::Warning(due));
            }
            self.breached_at = Some(due);
            crossed.push(Crossing::Breach(due));
        }
        crossed
    }

    /// Stops the clock for a pausing status, keeping the business time consumed. A
    /// warning or breach that already happened and was not recorded yet is recorded now
    /// and returned, so a pause cannot hide it.
    pub fn pause(&mut self, at: Timestamp, calendar: &BusinessCalendar) -> Vec<Crossing> {
        let mut crossed = self.observe(at);
        if let Some(since) = self.running_since.take() {
            self.consumed_before += calendar.business_time_between(since, at);
            self.due_at = None;
            self.warn_at = None;
        }
        crossed.extend(self.record_stopped(at));
        crossed
    }

    /// A stopped clock whose consumed time has reached its threshold or passed its length
    /// (a shorter target applied while paused) records that at `at`, once each: no due
    /// instant will ever pass for the monitor to see.
    pub(super) fn record_stopped(&mut self, at: Timestamp) -> Vec<Crossing> {
        let mut crossed = Vec::new();
        if self.running_since.is_some() || self.met_at.is_some() {
            return crossed;
        }
        let threshold = self.target_seconds * i64::from(self.warning_percent) / 100;
        if self.warned_at.is_none() && self.consumed_before >= threshold {
            self.warned_at = Some(at);
            crossed.push(Crossing::Warning(at));
        }
        if self.breached_at.is_none() && self.consumed_before > self.target_seconds {
            self.breached_at = Some(at);
            crossed.push(Crossing::Breach(at));
        }
        crossed
    }

    /// Restarts a paused or met clock (a reopen) at `at` with what was consumed before.
    pub fn resume(&mut self, at: Timestamp, calendar: &BusinessCalendar) -> Result<(), CalendarError> {
        if self.running_since.is_some() {
            return Ok(());
        }
        self.met_at = None;
        self.running_since = Some(at);
        self.schedule(calendar)
    }

    /// Marks it met at `at`. Met after its due instant it stays breached: the warning and
    /// the breach that happened and were not recorded yet are recorded and returned.
    pub fn meet(&mut self, at: Timestamp, calendar: &BusinessCalendar) -> Vec<Crossing> {
        if self.met_at.is_some() {
            return Vec::new();
        }
        let crossed = self.pause(at, calendar);
        self.met_at = Some(at);
        crossed
    }

    /// Applies a new length and warning threshold (the ticket's policy changed), keeping
    /// the business time consumed.
    pub fn retarget(
        &mut self,
        target_seconds: i64,
        warning_percent: u8,
        now: Timestamp,
        calendar: &BusinessCalendar,
    ) -> Result<(), CalendarError> {
        self.target_seconds = target_seconds;
        self.warning_percent = warning_percent.min(100);
        if let Some(since) = self.running_since {
            self.consumed_before += calendar.business_time_between(since, now);
            self.running_since = Some(now);
            self.schedule(calendar)?;
        }
        Ok(())
    }

    /// Computes the due and warning instants from `running_since` and what is left.
    fn schedule(&mut self, calendar: &BusinessCalendar) -> Result<(), CalendarError> {
        let Some(since) = self.running_since else {
            return Ok(());
        };
        let left = (self.target_seconds - self.consumed_before).max(0);
        self.due_at = Some(calendar.add_business_time(since, left)?);
        let threshold = self.target_seconds * i64::from(self.warning_percent) / 100;
        self.warn_at = if threshold <= self.consumed_before {
            // Already past the threshold (a shorter target was applied): at risk now.
            Some(since)
        } else {
            Some(calendar.add_business_time(since, threshold - self.consumed_before)?)
        };
        Ok(())
    }
}

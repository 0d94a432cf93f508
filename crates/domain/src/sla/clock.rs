//! A ticket's SLA: its targets under the policy that applies, and how ticket events move
//! their clocks.

use crate::ticket::TicketStatus;
use crate::time::Timestamp;

use super::calendar::{BusinessCalendar, CalendarError};
use super::target::{Crossing, SlaTarget, TargetKind};

/// What the applicable policy promises, in business seconds per target (a policy may
/// leave any out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyTerms {
    /// First response.
    pub first_response: Option<i64>,
    /// Next response, per cycle.
    pub next_response: Option<i64>,
    /// Resolution.
    pub resolution: Option<i64>,
    /// Percent of a target at which it is at risk (default 80).
    pub warning_percent: u8,
    /// Statuses in which the resolution clock pauses (default `waiting_customer`).
    pub pause_statuses: Vec<TicketStatus>,
}

impl PolicyTerms {
    fn length(&self, kind: TargetKind) -> Option<i64> {
        match kind {
            TargetKind::FirstResponse => self.first_response,
            TargetKind::NextResponse => self.next_response,
            TargetKind::Resolution => self.resolution,
        }
    }
}

/// What re-applying a policy needs to know about the ticket.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TicketFacts<'a> {
    /// Its status now.
    pub status: TicketStatus,
    /// Staff have replied publicly (the first response happened).
    pub responded: bool,
    /// When it was opened: targets a policy adds count from here.
    pub opened_at: Timestamp,
    /// The intervals it spent in a pausing status (`None` end: still paused).
    pub paused: &'a [(Timestamp, Option<Timestamp>)],
}

/// A crossing of one of the ticket's targets.
pub type TargetCrossing = (TargetKind, Crossing);

/// The targets of one ticket.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TicketSla {
    /// At most one per kind; a new next-response cycle replaces the previous one.
    pub targets: Vec<SlaTarget>,
}

impl TicketSla {
    /// The targets of a ticket opened at `at` (first response and resolution; next
    /// response starts with the first customer comment after a staff reply).
    pub fn open(terms: &PolicyTerms, at: Timestamp, calendar: &BusinessCalendar) -> Result<Self, CalendarError> {
        let mut targets = Vec::new();
        for kind in [TargetKind::FirstResponse, TargetKind::Resolution] {
            if let Some(len) = terms.length(kind) {
                targets.push(SlaTarget::start(kind, len, terms.warning_percent, at, calendar)?);
            }
        }
        Ok(Self { targets })
    }

    /// The target of `kind`, if the ticket has one.
    pub fn target(&self, kind: TargetKind) -> Option<&SlaTarget> {
        self.targets.iter().find(|t| t.kind == kind)
    }

    fn target_mut(&mut self, kind: TargetKind) -> Option<&mut SlaTarget> {
        self.targets.iter_mut().find(|t| t.kind == kind)
    }

    /// The ticket moved from `from` to `to` at `at`: resolution pauses in a pausing status,
    /// resumes out of it, is met at `resolved` or `closed` and resumes on a reopen; the
    /// response targets end when the ticket closes.
    pub fn on_status_change(
        &mut self,
        terms: &PolicyTerms,
        from: TicketStatus,
        to: TicketStatus,
        at: Timestamp,
        calendar: &BusinessCalendar,
    ) -> Result<Vec<TargetCrossing>, CalendarError> {
        let mut crossed = Vec::new();
        let finished = matches!(to, TicketStatus::Resolved | TicketStatus::Closed);
        if let Some(r) = self.target_mut(TargetKind::Resolution) {
            if finished {
                crossed.extend(r.meet(at, calendar).into_iter().map(|c| (TargetKind::Resolution, c)));
            } else {
                // A reopen restarts the clock, even into a pausing status (then it pauses
                // at once, so a later resolve meets it again).
                if terms.pause_statuses.contains(&from) || from == TicketStatus::Resolved {
                    r.resume(at, calendar)?;
                }
                if terms.pause_statuses.contains(&to) {
                    crossed.extend(r.pause(at, calendar).into_iter().map(|c| (TargetKind::Resolution, c)));
                }
            }
        }
        if to == TicketStatus::Closed {
            for kind in [TargetKind::FirstResponse, TargetKind::NextResponse] {
                if let Some(t) = self.target_mut(kind) {
                    crossed.extend(t.meet(at, calendar).into_iter().map(|c| (kind, c)));
                }
            }
        }
        Ok(crossed)
    }

    /// A public comment at `at`: a staff reply meets the first response and the running
    /// next response; a customer comment starts a new next-response cycle when staff have
    /// replied publicly before (`staff_replied`, the ticket's last agent reply).
    pub fn on_public_comment(
        &mut self,
        terms: &PolicyTerms,
        by_staff: bool,
        staff_replied: bool,
        at: Timestamp,
        calendar: &BusinessCalendar,
    ) -> Result<Vec<TargetCrossing>, CalendarError> {
        let mut crossed = Vec::new();
        if by_staff {
            for kind in [TargetKind::FirstResponse, TargetKind::NextResponse] {
                if let Some(t) = self.target_mut(kind) {
                    crossed.extend(t.meet(at, calendar).into_iter().map(|c| (kind, c)));
                }
            }
            return Ok(crossed);
        }
        let replied = staff_replied;
        let cycle_open = self
            .target(TargetKind::NextResponse)
            .is_some_and(|t| t.met_at.is_none());
        if let (true, false, Some(len)) = (replied, cycle_open, terms.next_response) {
            let next = SlaTarget::start(TargetKind::NextResponse, len, terms.warning_percent, at, calendar)?;
            self.targets.retain(|t| t.kind != TargetKind::NextResponse);
            self.targets.push(next);
        }
        Ok(crossed)
    }

    /// Brings every running clock up to `at` on `calendar`: the business time since it
    /// (re)started is added to what was consumed. Done on the old policy's calendar before
    /// a new policy applies, so time already consumed is kept as it was counted.
    pub fn settle(&mut self, at: Timestamp, calendar: &BusinessCalendar) {
        for t in &mut self.targets {
            if let Some(since) = t.running_since.filter(|s| *s < at) {
                t.consumed_before += calendar.business_time_between(since, at);
                t.running_since = Some(at);
            }
        }
    }

    /// The ticket's priority or category changed and `terms` now apply (call
    /// [`TicketSla::settle`] on the old calendar first): open targets take the new lengths
    /// with the business time already consumed; a target the new policy lacks is dropped.
    /// One it adds counts from the ticket's creation, as if it had applied all along
    /// (resolution without the ticket's paused intervals), unless the ticket is past it:
    /// no first response once staff replied, no resolution once resolved or closed; a
    /// resolution added in a pausing status starts paused. The new pausing statuses apply
    /// at once. Returns the crossings that are due now: those a pause records, and those of a
    /// paused clock that already consumed more than a shorter new target allows.
    pub fn reapply(
        &mut self,
        terms: &PolicyTerms,
        ticket: &TicketFacts<'_>,
        now: Timestamp,
        calendar: &BusinessCalendar,
    ) -> Result<Vec<TargetCrossing>, CalendarError> {
        self.targets
            .retain(|t| t.met_at.is_some() || terms.length(t.kind).is_some());
        let mut crossed = Vec::new();
        for t in &mut self.targets {
            if t.met_at.is_none()
                && let Some(len) = terms.length(t.kind)
            {
                t.retarget(len, terms.warning_percent, now, calendar)?;
                let kind = t.kind;
                crossed.extend(t.record_stopped(now).into_iter().map(|c| (kind, c)));
            }
        }
        let finished = matches!(ticket.status, TicketStatus::Resolved | TicketStatus::Closed);
        let since_opened = calendar.business_time_between(ticket.opened_at, now);
        if let (None, Some(len), false, false) = (
            self.target(TargetKind::FirstResponse),
            terms.first_response,
            ticket.responded,
            finished,
        ) {
            let consumed = since_opened;
            let first = SlaTarget::resume_from(
                TargetKind::FirstResponse,
                len,
                terms,
                ticket.opened_at,
                consumed,
                now,
                calendar,
            )?;
            self.targets.push(first);
        }
        if let (None, Some(len), false) = (self.target(TargetKind::Resolution), terms.resolution, finished) {
            let paused: i64 = ticket
                .paused
                .iter()
                .map(|(from, until)| {
                    let from = (*from).max(ticket.opened_at);
                    let until = until.unwrap_or(now).min(now);
                    calendar.business_time_between(from, until)
                })
                .sum();
            let consumed = (since_opened - paused).max(0);
            let resolution = SlaTarget::resume_from(
                TargetKind::Resolution,
                len,
                terms,
                ticket.opened_at,
                consumed,
                now,
                calendar,
            )?;
            self.targets.push(resolution);
        }
        let pausing = terms.pause_statuses.contains(&ticket.status);
        if let Some(r) = self.target_mut(TargetKind::Resolution).filter(|r| r.met_at.is_none()) {
            if pausing {
                crossed.extend(r.pause(now, calendar).into_iter().map(|c| (TargetKind::Resolution, c)));
            } else {
                r.resume(now, calendar)?;
            }
        }
        Ok(crossed)
    }

    /// Records every warning and breach `now` has crossed, once each.
    pub fn observe(&mut self, now: Timestamp) -> Vec<TargetCrossing> {
        self.targets
            .iter_mut()
            .flat_map(|t| {
                let kind = t.kind;
                t.observe(now).into_iter().map(move |c| (kind, c))
            })
            .collect()
    }

    /// When the earliest running target falls due; `None` when none runs. What lists sort
    /// and filter tickets by.
    pub fn running_due(&self) -> Option<Timestamp> {
        self.targets
            .iter()
            .filter(|t| t.running_since.is_some())
            .filter_map(|t| t.due_at)
            .min()
    }

    /// The earliest instant the monitor must look at this ticket again; indexed in
    /// storage so a monitor tick finds what is due without scanning open tickets.
    pub fn next_deadline(&self) -> Option<Timestamp> {
        self.targets.iter().filter_map(SlaTarget::next_deadline).min()
    }
}

//! SLA policies: which tickets they apply to and what they promise.

use crate::ticket::{CategorySlug, Priority, TicketStatus};

use super::clock::PolicyTerms;

/// The default warning threshold, in percent of a target.
pub const DEFAULT_WARNING_PERCENT: u8 = 80;

/// A promise for tickets of some priorities (and optionally one category), in business
/// minutes on a calendar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlaPolicy {
    /// Its id.
    pub id: i64,
    /// Its unique name.
    pub name: String,
    /// The priorities it applies to (at least one).
    pub priorities: Vec<Priority>,
    /// The category it is limited to; `None` for every category.
    pub category: Option<CategorySlug>,
    /// The calendar its minutes count on; `None` for calendar time (24x7 UTC).
    pub calendar_id: Option<i64>,
    /// First response, in business minutes.
    pub first_response_minutes: Option<u32>,
    /// Next response, in business minutes.
    pub next_response_minutes: Option<u32>,
    /// Resolution, in business minutes.
    pub resolution_minutes: Option<u32>,
    /// At-risk threshold in percent of each target (1-100).
    pub warning_percent: u8,
    /// Statuses in which resolution pauses.
    pub pause_statuses: Vec<TicketStatus>,
}

impl SlaPolicy {
    /// How well it fits a ticket: `None` if it does not apply, 1 for a priority-only
    /// match, 2 when its category matches too.
    pub fn fit(&self, priority: Priority, category: &CategorySlug) -> Option<u8> {
        if !self.priorities.contains(&priority) {
            return None;
        }
        match &self.category {
            None => Some(1),
            Some(c) if c == category => Some(2),
            Some(_) => None,
        }
    }

    /// Its targets in business seconds.
    pub fn terms(&self) -> PolicyTerms {
        let seconds = |m: Option<u32>| m.map(|m| i64::from(m) * 60);
        PolicyTerms {
            first_response: seconds(self.first_response_minutes),
            next_response: seconds(self.next_response_minutes),
            resolution: seconds(self.resolution_minutes),
            warning_percent: self.warning_percent,
            pause_statuses: self.pause_statuses.clone(),
        }
    }
}

/// The policy for a ticket: a category match beats a priority-only one; among equals
/// the oldest (lowest id) wins.
pub fn select_policy<'a>(
    policies: &'a [SlaPolicy],
    priority: Priority,
    category: &CategorySlug,
) -> Option<&'a SlaPolicy> {
    policies
        .iter()
        .filter_map(|p| p.fit(priority, category).map(|f| (f, p)))
        .max_by(|(fa, pa), (fb, pb)| fa.cmp(fb).then(pb.id.cmp(&pa.id)))
        .map(|(_, p)| p)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(id: i64, priorities: &[Priority], category: Option<&str>) -> SlaPolicy {
        SlaPolicy {
            id,
            name: format!("p{id}"),
            priorities: priorities.to_vec(),
            category: category.map(|c| CategorySlug::parse(c).expect("valid")),
            calendar_id: None,
            first_response_minutes: Some(60),
            next_response_minutes: None,
            resolution_minutes: Some(480),
            warning_percent: DEFAULT_WARNING_PERCENT,
            pause_statuses: vec![TicketStatus::WaitingCustomer],
        }
    }

    #[test]
    fn the_most_specific_then_oldest_policy_applies() {
        use Priority::*;
        let billing = CategorySlug::parse("billing").expect("valid");
        let hardware = CategorySlug::parse("hardware").expect("valid");
        let policies = [
            policy(1, &[High, Urgent], None),
            policy(2, &[Urgent], Some("billing")),
            policy(3, &[Urgent], None),
            policy(4, &[Low], Some("hardware")),
        ];
        assert_eq!(select_policy(&policies, Urgent, &billing).map(|p| p.id), Some(2));
        assert_eq!(select_policy(&policies, Urgent, &hardware).map(|p| p.id), Some(1));
        assert_eq!(select_policy(&policies, Low, &billing).map(|p| p.id), None);
        assert_eq!(select_policy(&policies, Low, &hardware).map(|p| p.id), Some(4));
        assert_eq!(policies[0].terms().resolution, Some(480 * 60));
        assert_eq!(policies[0].terms().next_response, None);
    }
}

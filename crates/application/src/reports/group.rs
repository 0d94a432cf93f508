//! A report row's group as the API shows it: a stable key and a readable name.

use crate::ports::GroupKey;

use super::ReportScope;

/// A row's group: `key` is stable (an id, a slug, a priority or status name, a date,
/// `all`, `none`, `unassigned`), `name` is for people.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    /// The stable key.
    pub key: String,
    /// The readable name.
    pub name: String,
}

impl Group {
    /// The group of a store's key in `scope` (days become their local dates).
    pub fn of(key: &GroupKey, scope: &ReportScope) -> Self {
        let (key, name) = match key {
            GroupKey::All => ("all".to_owned(), "All".to_owned()),
            GroupKey::Policy { id: Some(id), name } => (id.to_string(), name.clone().unwrap_or_else(|| id.to_string())),
            GroupKey::Policy { id: None, .. } => ("none".to_owned(), "No policy".to_owned()),
            GroupKey::Category(slug) => (slug.clone(), slug.clone()),
            GroupKey::Priority(p) => (p.as_str().to_owned(), p.as_str().to_owned()),
            GroupKey::Agent { id: Some(id), name } => (id.to_string(), name.clone().unwrap_or_else(|| id.to_string())),
            GroupKey::Agent { id: None, .. } => ("unassigned".to_owned(), "Unassigned".to_owned()),
            GroupKey::Day(i) => {
                let date = scope.date(*i).to_string();
                (date.clone(), date)
            }
        };
        Self { key, name }
    }
}

//! Agent profiles and workload of the fakes.

use async_trait::async_trait;
use domain::{CategorySlug, Ticket, TicketId, Timestamp, UserId};

use super::{Fake, State};
use crate::ports::StoreError;

#[async_trait]
impl crate::ports::AgentRepository for Fake {
    async fn agent_profile(&self, user_id: UserId) -> Result<Option<crate::ports::AgentProfile>, StoreError> {
        Ok(self.state().agents.get(&user_id.get()).cloned())
    }

    async fn save_agent_profile(&self, profile: crate::ports::AgentProfile) -> Result<(), StoreError> {
        let mut s = self.state();
        let known = |c: &CategorySlug| s.categories.iter().any(|k| &k.slug == c);
        if !profile.skills.iter().all(|sk| known(&sk.category)) {
            return Err(StoreError::Reference("category"));
        }
        s.agents.insert(profile.user_id.get(), profile);
        Ok(())
    }

    async fn online_agents(
        &self,
        category: Option<CategorySlug>,
    ) -> Result<Vec<domain::assignment::AgentSnapshot>, StoreError> {
        let s = self.state();
        Ok(s.agents
            .values()
            .filter(|p| p.availability == domain::assignment::Availability::Online)
            .filter(|p| active_staff(&s, p.user_id).is_some())
            .filter(|p| {
                category
                    .as_ref()
                    .is_none_or(|c| p.skills.iter().any(|k| &k.category == c))
            })
            .map(|p| domain::assignment::AgentSnapshot {
                id: p.user_id,
                skills: p.skills.clone(),
                availability: p.availability,
                capacity: p.capacity,
                load: load_in(&s, p.user_id, None),
                last_assigned_at: p.last_assigned_at,
            })
            .collect())
    }

    async fn workload(&self, since: Timestamp, at: Timestamp) -> Result<Vec<crate::ports::AgentWorkload>, StoreError> {
        let s = self.state();
        let mut ids: Vec<UserId> = s.agents.keys().map(|id| UserId::new(*id)).collect();
        ids.extend(
            s.tickets
                .iter()
                .filter(|t| domain::assignment::takes_capacity(t.status()))
                .filter_map(|t| t.assignee_id()),
        );
        ids.sort_by_key(|id| id.get());
        ids.dedup();
        // Active staff accounts only: a deactivated agent's leftovers are not a workload.
        ids.retain(|id| active_staff(&s, *id).is_some());
        Ok(ids
            .into_iter()
            .map(|id| {
                let profile = s.agents.get(&id.get());
                let mine = |t: &&Ticket| t.assignee_id() == Some(id);
                let by_status = domain::assignment::LOAD_STATUSES
                    .map(|st| s.tickets.iter().filter(mine).filter(|t| t.status() == st).count() as u32);
                let first_responses: Vec<i64> = s
                    .tickets
                    .iter()
                    .filter(mine)
                    .filter_map(|t| t.parts().first_response_at.map(|r| (t.parts().created_at, r)))
                    .filter(|(_, r)| *r >= since)
                    .map(|(c, r)| (r.unix_micros() - c.unix_micros()) / 1_000_000)
                    .collect();
                let open: Vec<TicketId> = s
                    .tickets
                    .iter()
                    .filter(mine)
                    .filter(|t| domain::assignment::takes_capacity(t.status()))
                    .map(Ticket::id)
                    .collect();
                let count = |status: domain::sla::TargetStatus| {
                    open.iter()
                        .filter(|id| {
                            s.slas
                                .get(&id.get())
                                .is_some_and(|(stored, _)| stored.sla.targets.iter().any(|t| t.status(at) == status))
                        })
                        .count() as u32
                };
                crate::ports::AgentWorkload {
                    user_id: id,
                    display_name: active_staff(&s, id)
                        .map(|u| u.display_name.as_str().to_owned())
                        .unwrap_or_default(),
                    availability: profile.map_or(domain::assignment::Availability::Offline, |p| p.availability),
                    capacity: profile.map_or(crate::ports::DEFAULT_CAPACITY, |p| p.capacity),
                    by_status,
                    load: load_in(&s, id, None),
                    at_risk: count(domain::sla::TargetStatus::AtRisk),
                    breached: count(domain::sla::TargetStatus::Breached),
                    first_responses: first_responses.len() as u32,
                    median_first_response_seconds: crate::assignment::median(first_responses),
                }
            })
            .collect())
    }

    async fn roster(&self, at: Timestamp) -> Result<Vec<crate::ports::RosterEntry>, StoreError> {
        let s = self.state();
        let mut agents: Vec<&crate::ports::UserAccount> = s
            .users
            .iter()
            .filter(|u| u.active && u.role == domain::Role::Agent)
            .collect();
        agents.sort_by_key(|u| u.id.get());
        Ok(agents
            .into_iter()
            .map(|u| crate::ports::RosterEntry {
                display_name: u.display_name.as_str().to_owned(),
                email: u.email.as_str().to_owned(),
                profile: s
                    .agents
                    .get(&u.id.get())
                    .cloned()
                    .unwrap_or_else(|| crate::ports::AgentProfile::unconfigured(u.id, at)),
                load: load_in(&s, u.id, None),
            })
            .collect())
    }
}

/// The account of `id` if it is an active staff account.
fn active_staff(s: &State, id: UserId) -> Option<&crate::ports::UserAccount> {
    s.users.iter().find(|u| u.id == id && u.active && u.role.is_staff())
}

/// The open tickets of `agent` by priority, leaving `except` out.
pub(super) fn load_in(s: &State, agent: UserId, except: Option<TicketId>) -> domain::assignment::Load {
    let mut load = domain::assignment::Load::default();
    for t in &s.tickets {
        if t.assignee_id() == Some(agent) && domain::assignment::takes_capacity(t.status()) && Some(t.id()) != except {
            load.add(t.parts().priority);
        }
    }
    load
}

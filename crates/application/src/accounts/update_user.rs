//! Admins (and operators) changing an account: name, role, deactivation.

use domain::assignment::LOAD_STATUSES;
use domain::escalation::Reassign;
use domain::user::{AccountChangeError, AccountState, ChangeEffects, ChangedBy, check_account_change};
use domain::{DisplayName, Email, Role, Ticket, TicketEvent, Timestamp, UserId};

use crate::error::{AppError, Validator};
use crate::ports::{ChangeSet, StoreError, TicketFilter, TicketQuery, UserAccount, UserDetails, Write};
use crate::sla::Before;
use crate::tickets::TicketPorts;

/// How often a change is retried after one of the person's tickets moved under it.
const MAX_ATTEMPTS: usize = 3;
/// Open tickets read per page when releasing a person's work.
const RELEASE_PAGE: u32 = 500;

/// The fields to change; absent ones stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChanges {
    /// A new display name.
    pub display_name: Option<String>,
    /// A new role: `agent`, `supervisor` or `admin` for staff; a customer stays one.
    pub role: Option<String>,
    /// `false` deactivates, `true` reactivates.
    pub active: Option<bool>,
}

/// What a change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserUpdated {
    /// The account as it is now, with its details.
    pub user: UserDetails,
    /// The open tickets that went back to the queue.
    pub released_tickets: usize,
}

/// Changes an account, checked as a whole (every field error in one 422, nothing written
/// on any error). Deactivating revokes every session in the same transaction; a staff
/// member deactivated, or an agent moved to another role, is set offline and each of
/// their open tickets goes back to the queue with a history entry giving the reason, in
/// that same transaction (each ticket guarded by the version read; a ticket that moved
/// meanwhile makes the whole change retry). The last active admin is neither deactivated
/// nor demoted (409), also under concurrency: the store checks again in the transaction.
/// Reactivating restores login only: old sessions and tickets stay gone.
#[derive(Clone)]
pub struct UpdateUser {
    ports: TicketPorts,
}

impl UpdateUser {
    /// Wires the use case: the ticket ports hold the accounts, the tickets, the unit of
    /// work, the SLA engine and the clock.
    pub fn new(ports: TicketPorts) -> Self {
        Self { ports }
    }

    /// Changes the account `id`.
    pub async fn execute(&self, by: ChangedBy, id: i64, changes: UserChanges) -> Result<UserUpdated, AppError> {
        if let ChangedBy::User(actor) = by
            && !actor.is_admin()
        {
            return Err(AppError::Forbidden(AccountChangeError::NotAdmin.to_string()));
        }
        let id = UserId::new(id);
        for _ in 0..MAX_ATTEMPTS {
            let target = self.load(id).await?;
            if let Some(done) = self.attempt(by, &target, &changes).await? {
                return Ok(done);
            }
        }
        Err(AppError::Conflict {
            code: "concurrent_update",
            message: "the person's tickets are being changed by others right now; try again".into(),
        })
    }

    /// Deactivates the account with this address: the operator's `user deactivate`.
    pub async fn deactivate_by_email(&self, email: &str) -> Result<UserUpdated, AppError> {
        let email = Email::parse(email).map_err(|e| AppError::invalid("email", e))?;
        let (account, _) = self
            .ports
            .users
            .find_credentials(&email)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        let changes = UserChanges {
            active: Some(false),
            ..UserChanges::default()
        };
        self.execute(ChangedBy::Operator, account.id.get(), changes).await
    }

    async fn load(&self, id: UserId) -> Result<UserAccount, AppError> {
        if id.get() <= 0 {
            return Err(AppError::NotFound("user"));
        }
        self.ports.users.get(id).await?.ok_or(AppError::NotFound("user"))
    }

    /// One try: `None` when one of the person's tickets moved under it (retry).
    async fn attempt(
        &self,
        by: ChangedBy,
        target: &UserAccount,
        changes: &UserChanges,
    ) -> Result<Option<UserUpdated>, AppError> {
        let mut v = Validator::default();
        let name = changes
            .display_name
            .as_deref()
            .and_then(|n| v.check("display_name", DisplayName::parse(n)));
        let role = changes.role.as_deref().and_then(|r| v.check("role", Role::parse(r)));
        let before = AccountState {
            role: target.role,
            active: target.active,
        };
        let others = self.ports.users.count_active_admins_except(target.id).await?;
        let decided = check_account_change(by, before, role, changes.active, others);
        if let Err(e @ AccountChangeError::CustomerStaffSwitch { .. }) = decided {
            v.fail("role", e);
        }
        v.finish()?;
        let effects = match decided {
            Ok(effects) => effects,
            Err(AccountChangeError::LastAdmin) => return Err(StoreError::LastAdmin.into()),
            Err(e) => return Err(AppError::Forbidden(e.to_string())),
        };
        let now = self.ports.clock.now();
        let mut set = ChangeSet::default();
        set.push(Write::UpdateAccount {
            user_id: target.id,
            display_name: name,
            role,
            active: changes.active,
            keep_an_admin: effects.removes_admin,
        });
        if effects.revoke_sessions {
            set.push(Write::RevokeSessions {
                user_id: target.id,
                except: None,
                at: now,
            });
        }
        let mut released = 0;
        if effects.release_work {
            set.push(Write::SetOffline {
                user_id: target.id,
                at: now,
            });
            let tickets = self.open_tickets_of(target.id).await?;
            released = self.release_into(&mut set, tickets, by, &effects, now).await?;
        }
        match self.ports.uow.commit(set).await {
            Ok(()) => {}
            // A ticket moved under the change: the caller retries on fresh state.
            Err(StoreError::VersionConflict) => return Ok(None),
            Err(e) => return Err(e.into()),
        }
        if effects.release_work {
            released += self.sweep(target.id, by, &effects).await?;
        }
        let user = self
            .ports
            .users
            .user_details(target.id)
            .await?
            .ok_or(AppError::NotFound("user"))?;
        tracing::info!(
            user = %target.id,
            role = %user.account.role,
            active = user.account.active,
            released_tickets = released,
            "account changed"
        );
        Ok(Some(UserUpdated {
            user,
            released_tickets: released,
        }))
    }

    /// Adds the writes that send each of `tickets` back to the queue to `set`: the
    /// ticket guarded by the version read, its event, its SLA. Returns how many.
    async fn release_into(
        &self,
        set: &mut ChangeSet,
        tickets: Vec<Ticket>,
        by: ChangedBy,
        effects: &ChangeEffects,
        now: Timestamp,
    ) -> Result<usize, AppError> {
        let count = tickets.len();
        for mut ticket in tickets {
            let sla_before = Before::of(&ticket);
            let expected = ticket.version();
            let event = release(&mut ticket, by, effects, now)?;
            set.push(Write::UpdateTicket {
                ticket: ticket.clone(),
                expected,
            });
            set.push(Write::Record(event));
            let sla = self
                .ports
                .sla
                .follow(self.ports.tickets.as_ref(), &sla_before, &ticket, None, now)
                .await?;
            set.writes.extend(sla);
        }
        Ok(count)
    }

    /// After the change committed, releases what the person was given between the read
    /// of their tickets and the commit (an assignment checked against the account before
    /// it was deactivated), in change sets of its own. Returns how many.
    async fn sweep(&self, id: UserId, by: ChangedBy, effects: &ChangeEffects) -> Result<usize, AppError> {
        let mut released = 0;
        for _ in 0..MAX_ATTEMPTS {
            let left = self.open_tickets_of(id).await?;
            if left.is_empty() {
                return Ok(released);
            }
            let mut set = ChangeSet::default();
            let now = self.ports.clock.now();
            let count = self.release_into(&mut set, left, by, effects, now).await?;
            match self.ports.uow.commit(set).await {
                Ok(()) => released += count,
                Err(StoreError::VersionConflict) => {}
                Err(e) => return Err(e.into()),
            }
        }
        if !self.open_tickets_of(id).await?.is_empty() {
            tracing::warn!(user = %id, "tickets kept arriving for a person who stopped working tickets; some are still theirs");
        }
        Ok(released)
    }

    /// Every open ticket assigned to `id` (statuses in [`LOAD_STATUSES`]).
    async fn open_tickets_of(&self, id: UserId) -> Result<Vec<Ticket>, AppError> {
        let mut query = TicketQuery {
            filter: TicketFilter {
                statuses: LOAD_STATUSES.to_vec(),
                assignee_id: Some(id),
                ..TicketFilter::default()
            },
            limit: RELEASE_PAGE,
            ..TicketQuery::default()
        };
        let mut all = Vec::new();
        loop {
            let page = self.ports.tickets.list(&query).await?;
            all.extend(page.items);
            match page.next {
                Some(next) => query.after = Some(next),
                None => return Ok(all),
            }
        }
    }
}

/// Sends one of the person's tickets back to the queue through the aggregate: an admin's
/// change is recorded as theirs; the operator's as the system's.
fn release(
    ticket: &mut Ticket,
    by: ChangedBy,
    effects: &ChangeEffects,
    now: Timestamp,
) -> Result<TicketEvent, AppError> {
    let why = if effects.after.active {
        format!("agent's role changed to {}", effects.after.role)
    } else {
        "agent deactivated".to_owned()
    };
    match by {
        ChangedBy::User(actor) => Ok(ticket.unassign(actor, now, Some(why))?),
        ChangedBy::Operator => {
            let reason = format!("{why} by an operator");
            let mut events = ticket.reassign_by_rule(&Reassign::Queue { category: None }, now, reason)?;
            events
                .pop()
                .ok_or_else(|| AppError::Internal("an assigned ticket recorded no unassignment".into()))
        }
    }
}

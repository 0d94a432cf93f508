//! Reading and changing accounts against the in-memory fakes: who may list whom, role
//! changes, the last admin, and what deactivation does to sessions and tickets.

use domain::assignment::Availability;
use domain::user::ChangedBy;
use domain::{Actor, Role, TicketEventKind, TicketStatus, UserId};

use super::*;
use crate::assignment::DrainQueue;
use crate::error::AppError;
use crate::ports::{Session, SessionRepository, TokenHash};
use crate::testing::{Fake, START};
use crate::tickets::{CreateTicket, CreateTicketInput};

const CUSTOMER: i64 = 1;
const ADMIN: i64 = 2;
const ANNA: i64 = 10;
const BORIS: i64 = 11;
const SUPERVISOR: i64 = 20;
const SECOND_ADMIN: i64 = 21;

fn actor(id: i64, role: Role) -> Actor {
    Actor::new(UserId::new(id), role)
}

fn admin() -> ChangedBy {
    ChangedBy::User(actor(ADMIN, Role::Admin))
}

fn fake() -> Fake {
    Fake::default()
        .with_user(CUSTOMER, Role::Customer)
        .with_user(ADMIN, Role::Admin)
        .with_user(ANNA, Role::Agent)
        .with_user(BORIS, Role::Agent)
        .with_user(SUPERVISOR, Role::Supervisor)
        .with_category("billing", true)
}

fn set(active: Option<bool>, role: Option<&str>, name: Option<&str>) -> UserChanges {
    UserChanges {
        display_name: name.map(str::to_owned),
        role: role.map(str::to_owned),
        active,
    }
}

async fn open_ticket(fake: &Fake) -> domain::Ticket {
    CreateTicket::new(fake.ports())
        .execute(
            actor(CUSTOMER, Role::Customer),
            CreateTicketInput {
                subject: "Invoice is wrong".into(),
                description: "Charged twice".into(),
                category: "billing".into(),
                ..CreateTicketInput::default()
            },
        )
        .await
        .expect("opens")
        .ticket
        .ticket
}

fn ticket(fake: &Fake, id: domain::TicketId) -> domain::Ticket {
    fake.state()
        .tickets
        .iter()
        .find(|t| t.id() == id)
        .cloned()
        .expect("stored")
}

#[tokio::test]
async fn admins_list_everyone_staff_list_customers_only_and_customers_nobody() {
    let fake = fake();
    let list = ListUsers::new(fake.ports().users);
    let everyone = list
        .execute(actor(ADMIN, Role::Admin), UserListInput::default())
        .await
        .expect("lists");
    let ids: Vec<i64> = everyone.items.iter().map(|d| d.account.id.get()).collect();
    assert_eq!(ids, vec![SUPERVISOR, BORIS, ANNA, ADMIN, CUSTOMER], "newest first");

    let agent = actor(ANNA, Role::Agent);
    let customers = list.execute(agent, UserListInput::default()).await.expect("lists");
    assert!(customers.items.iter().all(|d| d.account.role == Role::Customer));
    assert_eq!(customers.items.len(), 1);
    for role in ["agent", "supervisor", "admin"] {
        let asked = UserListInput {
            role: Some(role.into()),
            ..UserListInput::default()
        };
        assert!(matches!(list.execute(agent, asked).await, Err(AppError::Forbidden(_))));
    }
    assert!(matches!(
        list.execute(actor(CUSTOMER, Role::Customer), UserListInput::default())
            .await,
        Err(AppError::Forbidden(_))
    ));

    let get = GetUser::new(fake.ports().users);
    assert!(get.execute(agent, CUSTOMER).await.is_ok());
    assert!(
        matches!(get.execute(agent, ADMIN).await, Err(AppError::NotFound(_))),
        "staff is absent for agents"
    );
    assert!(get.execute(actor(ADMIN, Role::Admin), ANNA).await.is_ok());
    assert!(matches!(
        get.execute(actor(CUSTOMER, Role::Customer), CUSTOMER).await,
        Err(AppError::Forbidden(_))
    ));
}

#[tokio::test]
async fn the_list_pages_filters_and_refuses_bad_input_as_a_whole() {
    let fake = fake();
    let list = ListUsers::new(fake.ports().users);
    let me = actor(ADMIN, Role::Admin);
    let first = list
        .execute(
            me,
            UserListInput {
                limit: Some(2),
                ..UserListInput::default()
            },
        )
        .await
        .expect("lists");
    assert_eq!(first.items.len(), 2);
    let second = list
        .execute(
            me,
            UserListInput {
                limit: Some(10),
                after: first.next,
                ..UserListInput::default()
            },
        )
        .await
        .expect("lists");
    assert_eq!(second.items.len(), 3);
    assert_eq!(second.next, None);
    let agents = list
        .execute(
            me,
            UserListInput {
                role: Some("agent".into()),
                q: Some("USER 11".into()),
                ..UserListInput::default()
            },
        )
        .await
        .expect("lists");
    assert_eq!(
        agents.items.iter().map(|d| d.account.id.get()).collect::<Vec<_>>(),
        vec![BORIS]
    );
    let Err(AppError::Invalid(fields)) = list
        .execute(
            me,
            UserListInput {
                role: Some("root".into()),
                q: Some("a\u{7}b".into()),
                limit: Some(0),
                ..UserListInput::default()
            },
        )
        .await
    else {
        panic!("refused as a whole");
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, vec!["role", "limit", "q"]);
}

#[tokio::test]
async fn deactivating_an_agent_revokes_their_sessions_and_returns_their_tickets_to_the_queue() {
    let fake = fake()
        .with_agent(ANNA, Availability::Online, 5, &["billing"])
        .with_agent(BORIS, Availability::Offline, 5, &["billing"]);
    let first = open_ticket(&fake).await;
    let second = open_ticket(&fake).await;
    assert_eq!(ticket(&fake, first.id()).assignee_id(), Some(UserId::new(ANNA)));
    for hash in ["a1", "a2"] {
        SessionRepository::insert(
            &fake,
            Session {
                token_hash: TokenHash(hash.into()),
                user_id: UserId::new(ANNA),
                created_at: START,
                expires_at: START.plus_seconds(3600),
            },
        )
        .await
        .expect("stores");
    }

    let done = UpdateUser::new(fake.ports())
        .execute(admin(), ANNA, set(Some(false), None, None))
        .await
        .expect("deactivates");
    assert!(!done.user.account.active);
    assert_eq!(done.released_tickets, 2);
    for hash in ["a1", "a2"] {
        assert_eq!(
            fake.authenticate(&TokenHash(hash.into()), START).await.expect("reads"),
            None,
            "every session ends at once"
        );
    }
    assert_eq!(fake.state().agents[&ANNA].availability, Availability::Offline);
    for id in [first.id(), second.id()] {
        let t = ticket(&fake, id);
        assert_eq!((t.status(), t.assignee_id()), (TicketStatus::New, None));
    }
    let reasons: Vec<(Option<UserId>, Option<String>)> = fake
        .state()
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            TicketEventKind::Unassigned { reason, previous, .. } if *previous == UserId::new(ANNA) => {
                Some((e.actor, reason.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        reasons,
        vec![(Some(UserId::new(ADMIN)), Some("agent deactivated".to_owned())); 2],
        "each ticket records who and why"
    );

    // Boris comes online: the queue gives him both.
    fake.state().agents.get_mut(&BORIS).expect("profile").availability = Availability::Online;
    DrainQueue::new(fake.ports(), 100).tick().await.expect("ticks");
    for id in [first.id(), second.id()] {
        assert_eq!(ticket(&fake, id).assignee_id(), Some(UserId::new(BORIS)));
    }

    // Reactivating restores the account but neither the sessions nor the tickets.
    let back = UpdateUser::new(fake.ports())
        .execute(admin(), ANNA, set(Some(true), None, None))
        .await
        .expect("reactivates");
    assert!(back.user.account.active);
    assert_eq!(back.released_tickets, 0);
    assert_eq!(
        fake.authenticate(&TokenHash("a1".into()), START).await.expect("reads"),
        None
    );
    assert_eq!(ticket(&fake, first.id()).assignee_id(), Some(UserId::new(BORIS)));
}

#[tokio::test]
async fn an_operator_deactivation_is_recorded_as_the_system() {
    let fake = fake().with_agent(ANNA, Availability::Online, 5, &["billing"]);
    let t = open_ticket(&fake).await;
    // The fakes find accounts by address through their credentials.
    fake.state().passwords.insert(ANNA, "$argon2id$x".into());
    UpdateUser::new(fake.ports())
        .deactivate_by_email("u10@example.com")
        .await
        .expect("deactivates");
    let entry = fake
        .state()
        .events
        .iter()
        .rev()
        .find(|e| e.ticket_id == t.id())
        .cloned()
        .expect("recorded");
    assert_eq!(entry.actor, None);
    assert!(matches!(
        entry.kind,
        TicketEventKind::Unassigned { reason: Some(ref r), .. } if r == "agent deactivated by an operator"
    ));
    assert!(matches!(
        UpdateUser::new(fake.ports())
            .deactivate_by_email("nobody@example.com")
            .await,
        Err(AppError::NotFound("user"))
    ));
}

#[tokio::test]
async fn an_agent_promoted_to_supervisor_hands_back_their_tickets_and_goes_offline() {
    let fake = fake().with_agent(ANNA, Availability::Online, 5, &["billing"]);
    let t = open_ticket(&fake).await;
    let done = UpdateUser::new(fake.ports())
        .execute(admin(), ANNA, set(None, Some("supervisor"), None))
        .await
        .expect("promotes");
    assert_eq!(done.user.account.role, Role::Supervisor);
    assert!(done.user.account.active);
    assert_eq!(done.released_tickets, 1);
    assert_eq!(ticket(&fake, t.id()).assignee_id(), None);
    assert_eq!(fake.state().agents[&ANNA].availability, Availability::Offline);
    let reason = fake.state().events.iter().rev().find_map(|e| match &e.kind {
        TicketEventKind::Unassigned { reason, .. } => reason.clone(),
        _ => None,
    });
    assert_eq!(reason.as_deref(), Some("agent's role changed to supervisor"));
}

#[tokio::test]
async fn roles_change_among_staff_only_and_every_field_error_comes_at_once() {
    let fake = fake();
    let update = UpdateUser::new(fake.ports());
    let Err(AppError::Invalid(fields)) = update
        .execute(admin(), CUSTOMER, set(Some(false), Some("agent"), Some("")))
        .await
    else {
        panic!("422");
    };
    let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(names, vec!["display_name", "role"]);
    let stored = fake
        .state()
        .users
        .iter()
        .find(|u| u.id == UserId::new(CUSTOMER))
        .cloned();
    assert!(
        stored.is_some_and(|u| u.active && u.role == Role::Customer),
        "nothing changed"
    );
    assert!(matches!(
        update.execute(admin(), ANNA, set(None, Some("customer"), None)).await,
        Err(AppError::Invalid(_))
    ));
    let renamed = update
        .execute(admin(), SUPERVISOR, set(None, Some("admin"), Some("Sam Super")))
        .await
        .expect("changes");
    assert_eq!(
        (renamed.user.account.role, renamed.user.account.display_name.as_str()),
        (Role::Admin, "Sam Super")
    );
    assert!(matches!(
        update
            .execute(
                ChangedBy::User(actor(SUPERVISOR, Role::Supervisor)),
                ANNA,
                set(Some(false), None, None)
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        update.execute(admin(), 999, set(Some(false), None, None)).await,
        Err(AppError::NotFound("user"))
    ));
}

#[tokio::test]
async fn the_last_active_admin_is_neither_deactivated_nor_demoted() {
    let fake = fake();
    let update = UpdateUser::new(fake.ports());
    for changes in [set(Some(false), None, None), set(None, Some("supervisor"), None)] {
        assert!(matches!(
            update.execute(admin(), ADMIN, changes).await,
            Err(AppError::Conflict { code: "last_admin", .. })
        ));
    }
    let fake = fake.with_user(SECOND_ADMIN, Role::Admin);
    let update = UpdateUser::new(fake.ports());
    update
        .execute(admin(), ADMIN, set(None, Some("agent"), None))
        .await
        .expect("another admin remains");
    assert!(matches!(
        update
            .execute(
                ChangedBy::User(actor(SECOND_ADMIN, Role::Admin)),
                SECOND_ADMIN,
                set(Some(false), None, None)
            )
            .await,
        Err(AppError::Conflict { code: "last_admin", .. })
    ));
}

#[tokio::test]
async fn staff_see_the_roster_of_agents_with_their_load() {
    let fake = fake().with_agent(ANNA, Availability::Online, 5, &["billing"]);
    open_ticket(&fake).await;
    let roster = crate::agents::ListAgents::new(fake.ports().routing.agents.clone(), fake.ports().clock.clone());
    let listed = roster
        .execute(actor(SUPERVISOR, Role::Supervisor))
        .await
        .expect("lists");
    let ids: Vec<i64> = listed.iter().map(|e| e.profile.user_id.get()).collect();
    assert_eq!(ids, vec![ANNA, BORIS], "agents only, by id");
    assert_eq!(listed[0].load.open(), 1);
    assert_eq!(listed[1].profile.availability, Availability::Offline, "unconfigured");
    assert!(matches!(
        roster.execute(actor(CUSTOMER, Role::Customer)).await,
        Err(AppError::Forbidden(_))
    ));
}

/// A ticket repository that, after the first read of a person's open tickets, lets
/// another assignment to them land (as one checked before the deactivation would).
struct LateAssignment {
    fake: Fake,
    late: std::sync::Mutex<Option<domain::Ticket>>,
}

#[async_trait::async_trait]
impl crate::ports::TicketRepository for LateAssignment {
    async fn next_id(&self) -> Result<domain::TicketId, crate::ports::StoreError> {
        self.fake.next_id().await
    }
    async fn opening(
        &self,
        category: &domain::CategorySlug,
    ) -> Result<crate::ports::Opening, crate::ports::StoreError> {
        self.fake.opening(category).await
    }
    async fn get(&self, id: domain::TicketId) -> Result<Option<domain::Ticket>, crate::ports::StoreError> {
        crate::ports::TicketRepository::get(&self.fake, id).await
    }
    async fn list(
        &self,
        query: &crate::ports::TicketQuery,
    ) -> Result<crate::ports::Page<domain::Ticket, crate::ports::TicketCursor>, crate::ports::StoreError> {
        let page = self.fake.list(query).await;
        let late = self.late.lock().expect("lock").take();
        if let Some(ticket) = late {
            self.fake.state().tickets.push(ticket);
        }
        page
    }
    async fn queue(
        &self,
        category: &domain::CategorySlug,
        limit: u32,
    ) -> Result<Vec<domain::Ticket>, crate::ports::StoreError> {
        self.fake.queue(category, limit).await
    }
    async fn history(
        &self,
        id: domain::TicketId,
        include_internal: bool,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<crate::ports::HistoryEntry>, crate::ports::StoreError> {
        self.fake.history(id, include_internal, after, limit).await
    }
}

#[tokio::test]
async fn a_ticket_given_to_the_person_while_they_are_deactivated_is_swept_back_to_the_queue() {
    let fake = fake().with_agent(ANNA, Availability::Online, 5, &["billing"]);
    let first = open_ticket(&fake).await;
    let late = open_ticket(&fake).await;
    assert_eq!(late.assignee_id(), Some(UserId::new(ANNA)));
    // The second lands after the first read of Anna's tickets: take it out till then.
    fake.state().tickets.retain(|t| t.id() != late.id());
    let mut ports = fake.ports();
    ports.tickets = std::sync::Arc::new(LateAssignment {
        fake: fake.clone(),
        late: std::sync::Mutex::new(Some(late.clone())),
    });
    let done = UpdateUser::new(ports)
        .execute(admin(), ANNA, set(Some(false), None, None))
        .await
        .expect("deactivates");
    assert_eq!(done.released_tickets, 2);
    for id in [first.id(), late.id()] {
        assert_eq!(ticket(&fake, id).assignee_id(), None, "nothing stays with Anna");
    }
}

#[tokio::test]
async fn a_ticket_that_moves_under_the_change_makes_it_retry_on_fresh_state() {
    let first = fake().with_agent(ANNA, Availability::Online, 5, &["billing"]);
    let t = open_ticket(&first).await;
    first.state().lose_races = 1;
    let done = UpdateUser::new(first.ports())
        .execute(admin(), ANNA, set(Some(false), None, None))
        .await
        .expect("the second try commits");
    assert_eq!(done.released_tickets, 1);
    assert_eq!(ticket(&first, t.id()).assignee_id(), None);

    let busy = fake().with_agent(ANNA, Availability::Online, 5, &["billing"]);
    open_ticket(&busy).await;
    busy.state().lose_races = 3;
    assert!(matches!(
        UpdateUser::new(busy.ports())
            .execute(admin(), ANNA, set(Some(false), None, None))
            .await,
        Err(AppError::Conflict {
            code: "concurrent_update",
            ..
        })
    ));
    let anna = busy.state().users.iter().find(|u| u.id == UserId::new(ANNA)).cloned();
    assert!(anna.is_some_and(|u| u.active), "nothing was written");
}

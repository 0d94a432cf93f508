//! The agent profile use cases against the in-memory fakes.

use std::sync::Arc;

use domain::assignment::Availability;
use domain::{Actor, Role, UserId};

use super::*;
use crate::error::AppError;
use crate::testing::Fake;

const ADMIN: i64 = 1;
const AGENT: i64 = 2;
const CUSTOMER: i64 = 3;

fn fake() -> Fake {
    Fake::default()
        .with_user(ADMIN, Role::Admin)
        .with_user(AGENT, Role::Agent)
        .with_user(CUSTOMER, Role::Customer)
        .with_category("billing", true)
}

fn ports(fake: &Fake) -> AgentPorts {
    AgentPorts {
        agents: Arc::new(fake.clone()),
        users: Arc::new(fake.clone()),
        clock: Arc::new(fake.clone()),
    }
}

fn actor(id: i64) -> Actor {
    let role = match id {
        ADMIN => Role::Admin,
        AGENT => Role::Agent,
        _ => Role::Customer,
    };
    Actor::new(UserId::new(id), role)
}

#[tokio::test]
async fn an_unconfigured_agent_is_offline_and_sets_their_own_availability() {
    let fake = fake();
    let get = GetAgent::new(ports(&fake));
    let profile = get.execute(actor(AGENT), AGENT).await.expect("reads own");
    assert_eq!((profile.availability, profile.capacity), (Availability::Offline, 10));
    let set = SetAvailability::new(ports(&fake));
    let profile = set.execute(actor(AGENT), "online").await.expect("sets");
    assert_eq!(profile.availability, Availability::Online);
    assert_eq!(
        get.execute(actor(ADMIN), AGENT).await.expect("reads").availability,
        Availability::Online
    );
    assert!(matches!(
        set.execute(actor(AGENT), "busy").await,
        Err(AppError::Invalid(_))
    ));
    assert!(matches!(
        set.execute(actor(CUSTOMER), "online").await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        get.execute(actor(AGENT), ADMIN).await,
        Err(AppError::Forbidden(_))
    ));
    assert!(matches!(
        get.execute(actor(ADMIN), CUSTOMER).await,
        Err(AppError::NotFound("agent"))
    ));
}

#[tokio::test]
async fn admins_set_skills_capacity_and_availability_checked_as_a_whole() {
    let fake = fake();
    let update = UpdateAgent::new(ports(&fake));
    let changes = AgentChanges {
        skills: Some(vec![SkillInput {
            category: "billing".into(),
            level: Some(3),
        }]),
        capacity: Some(4),
        availability: Some("away".into()),
    };
    let profile = update.execute(actor(ADMIN), AGENT, changes).await.expect("updates");
    assert_eq!((profile.capacity, profile.availability), (4, Availability::Away));
    assert_eq!(profile.skills.len(), 1);
    assert_eq!(profile.skills[0].level, Some(3));

    let bad = AgentChanges {
        skills: Some(vec![
            SkillInput {
                category: "billing".into(),
                level: Some(9),
            },
            SkillInput {
                category: "billing".into(),
                level: None,
            },
        ]),
        capacity: Some(-1),
        availability: Some("busy".into()),
    };
    match update.execute(actor(ADMIN), AGENT, bad).await {
        Err(AppError::Invalid(fields)) => {
            let names: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
            assert_eq!(
                names,
                ["capacity", "availability", "skills[0].level", "skills[1].category"]
            );
        }
        other => panic!("expected 422, got {other:?}"),
    }
    let unknown = AgentChanges {
        skills: Some(vec![SkillInput {
            category: "hardware".into(),
            level: None,
        }]),
        ..AgentChanges::default()
    };
    assert!(matches!(
        update.execute(actor(ADMIN), AGENT, unknown).await,
        Err(AppError::Invalid(_))
    ));
    assert_eq!(
        GetAgent::new(ports(&fake))
            .execute(actor(ADMIN), AGENT)
            .await
            .expect("reads")
            .capacity,
        4
    );
    assert!(matches!(
        update.execute(actor(AGENT), AGENT, AgentChanges::default()).await,
        Err(AppError::Forbidden(_))
    ));
}

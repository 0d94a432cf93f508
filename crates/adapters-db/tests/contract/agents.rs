// Agent profile cases of the repository contract, included into `mod cases` of `contract.rs`.

pub async fn agent_profiles_round_trip_and_refuse_unknown_categories(db: &Database) {
    use domain::assignment::{Availability, Skill};
    let w = world(db).await;
    assert_eq!(db.agent_profile(w.agent.id).await.expect("reads"), None, "never saved");
    let skill = |c: &str, level: Option<u8>| Skill {
        category: CategorySlug::parse(c).expect("valid"),
        level,
    };
    let profile = AgentProfile {
        user_id: w.agent.id,
        availability: Availability::Online,
        capacity: 8,
        skills: vec![skill("billing", Some(3)), skill("hardware", None)],
        last_assigned_at: Some(at(5)),
        updated_at: at(6),
    };
    db.save_agent_profile(profile.clone()).await.expect("saves");
    assert_eq!(db.agent_profile(w.agent.id).await.expect("reads"), Some(profile.clone()));

    let changed = AgentProfile {
        availability: Availability::Away,
        capacity: 2,
        skills: vec![skill("hardware", Some(5))],
        updated_at: at(7),
        ..profile.clone()
    };
    db.save_agent_profile(changed.clone()).await.expect("saves again");
    assert_eq!(
        db.agent_profile(w.agent.id).await.expect("reads"),
        Some(changed.clone()),
        "skills replaced"
    );

    let unknown = AgentProfile {
        skills: vec![skill("billing", None), skill("no-such-category", None)],
        capacity: 99,
        ..changed.clone()
    };
    assert_eq!(
        db.save_agent_profile(unknown).await,
        Err(StoreError::Reference("category"))
    );
    assert_eq!(
        db.agent_profile(w.agent.id).await.expect("reads"),
        Some(changed),
        "a refused save writes nothing"
    );
}

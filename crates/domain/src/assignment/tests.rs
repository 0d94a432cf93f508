//! The selection rule's examples and properties.

use proptest::prelude::*;

use super::*;
use crate::ids::UserId;
use crate::ticket::{CategorySlug, Priority};
use crate::time::Timestamp;

fn slug(s: &str) -> CategorySlug {
    CategorySlug::parse(s).expect("valid")
}

fn agent(id: i64, categories: &[&str], availability: Availability, capacity: u32, load: [u32; 4]) -> AgentSnapshot {
    AgentSnapshot {
        id: UserId::new(id),
        skills: categories
            .iter()
            .map(|c| Skill {
                category: slug(c),
                level: None,
            })
            .collect(),
        availability,
        capacity,
        load: Load { by_priority: load },
        last_assigned_at: None,
    }
}

fn chosen(agents: &[AgentSnapshot]) -> Option<i64> {
    select_agent(&slug("billing"), Priority::Normal, agents, &LoadWeights::default()).map(|s| s.agent.id.get())
}

#[test]
fn only_online_skilled_agents_under_capacity_qualify() {
    use Availability::*;
    let agents = [
        agent(1, &["billing"], Offline, 10, [0; 4]),
        agent(2, &["billing"], Away, 10, [0; 4]),
        agent(3, &["hardware"], Online, 10, [0; 4]),
        agent(4, &["billing"], Online, 2, [0, 2, 0, 0]),
    ];
    assert_eq!(
        chosen(&agents),
        None,
        "offline, away, unskilled and full agents never qualify"
    );
    let mut with_room = agents.clone();
    with_room[3].capacity = 3;
    assert_eq!(chosen(&with_room), Some(4));
}

#[test]
fn the_lowest_weighted_load_wins_and_urgent_weighs_most() {
    use Availability::Online;
    // One urgent ticket (5) weighs more than two normal ones (4).
    let agents = [
        agent(1, &["billing"], Online, 10, [0, 0, 0, 1]),
        agent(2, &["billing"], Online, 10, [0, 2, 0, 0]),
    ];
    assert_eq!(chosen(&agents), Some(2));
    let selection = select_agent(&slug("billing"), Priority::High, &agents, &LoadWeights::default()).expect("chosen");
    assert_eq!((selection.weighted_load, selection.candidates), (4, 2));
    let reason = selection.reason();
    assert!(reason.contains("skill billing"), "{reason}");
    assert!(reason.contains("load 2 of 10"), "{reason}");
    assert!(reason.contains("online"), "{reason}");
}

#[test]
fn ties_go_to_the_agent_assigned_least_recently_then_the_lowest_id() {
    use Availability::Online;
    let mut a = agent(1, &["billing"], Online, 10, [0; 4]);
    let mut b = agent(2, &["billing"], Online, 10, [0; 4]);
    let c = agent(3, &["billing"], Online, 10, [0; 4]);
    assert_eq!(
        chosen(&[a.clone(), b.clone(), c.clone()]),
        Some(1),
        "lowest id among the never assigned"
    );
    a.last_assigned_at = Some(Timestamp::from_unix_seconds(200));
    b.last_assigned_at = Some(Timestamp::from_unix_seconds(100));
    assert_eq!(
        chosen(&[a.clone(), b.clone(), c.clone()]),
        Some(3),
        "never assigned first"
    );
    assert_eq!(chosen(&[a, b]), Some(2), "then the earliest last assignment");
}

fn arb_agent() -> impl Strategy<Value = AgentSnapshot> {
    (
        1i64..50,
        prop::sample::subsequence(vec!["billing", "hardware", "access"], 0..=3),
        prop::sample::select(Availability::ALL.to_vec()),
        0u32..6,
        prop::array::uniform4(0u32..4),
        prop::option::of(0i64..1000),
    )
        .prop_map(|(id, cats, availability, capacity, load, last)| AgentSnapshot {
            last_assigned_at: last.map(Timestamp::from_unix_seconds),
            ..agent(id, &cats, availability, capacity, load)
        })
}

proptest! {
    #[test]
    fn never_an_agent_over_capacity_offline_away_or_unskilled(
        agents in prop::collection::vec(arb_agent(), 0..12),
        category in prop::sample::select(vec!["billing", "hardware", "access", "other"]),
        priority in prop::sample::select(Priority::ALL.to_vec()),
    ) {
        let category = slug(category);
        if let Some(s) = select_agent(&category, priority, &agents, &LoadWeights::default()) {
            prop_assert_eq!(s.agent.availability, Availability::Online);
            prop_assert!(s.agent.load.open() < s.agent.capacity);
            prop_assert!(s.agent.skill_in(&category).is_some());
            // Nobody qualified had a lower weighted load.
            let w = LoadWeights::default();
            for a in agents.iter().filter(|a| a.availability == Availability::Online && a.has_room() && a.skill_in(&category).is_some()) {
                prop_assert!(w.weigh(&a.load) >= s.weighted_load);
            }
        } else {
            prop_assert!(!agents.iter().any(|a| a.availability == Availability::Online && a.has_room() && a.skill_in(&category).is_some()));
        }
    }

    #[test]
    fn equal_agents_share_many_tickets_within_one(
        agents in 1usize..12,
        tickets in 0usize..300,
        priorities in prop::collection::vec(prop::sample::select(Priority::ALL.to_vec()), 300),
    ) {
        let mut pool: Vec<AgentSnapshot> = (0..agents)
            .map(|i| agent(i as i64 + 1, &["billing"], Availability::Online, u32::MAX, [0; 4]))
            .collect();
        let weights = LoadWeights { by_priority: [1; 4] };
        for (n, priority) in priorities.iter().take(tickets).enumerate() {
            let s = select_agent(&slug("billing"), *priority, &pool, &weights).expect("someone qualifies");
            let a = pool.iter_mut().find(|a| a.id == s.agent.id).expect("chosen from the pool");
            a.load.add(*priority);
            a.last_assigned_at = Some(Timestamp::from_unix_seconds(n as i64));
        }
        let counts: Vec<u32> = pool.iter().map(|a| a.load.open()).collect();
        let (min, max) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
        prop_assert!(max - min <= 1, "{counts:?}");
    }
}

#[test]
fn room_depends_on_strictness_availability_and_capacity() {
    use Availability::*;
    use Strictness::*;
    assert_eq!(check_room(Automatic, Online, 3, 2), Ok(()));
    assert_eq!(
        check_room(Automatic, Online, 3, 3),
        Err(Refusal::Full { capacity: 3, open: 3 })
    );
    assert_eq!(check_room(Automatic, Away, 3, 0), Err(Refusal::Unavailable(Away)));
    assert_eq!(
        check_room(Manual, Away, 3, 0),
        Ok(()),
        "a person may hand an away agent a ticket"
    );
    assert_eq!(check_room(Manual, Offline, 3, 0), Err(Refusal::Unavailable(Offline)));
    assert_eq!(
        check_room(Manual, Online, 0, 0),
        Err(Refusal::Full { capacity: 0, open: 0 })
    );
    assert_eq!(
        check_room(Own, Offline, 3, 2),
        Ok(()),
        "taking a ticket oneself checks capacity only"
    );
    assert_eq!(
        check_room(Own, Offline, 3, 3),
        Err(Refusal::Full { capacity: 3, open: 3 })
    );
    assert_eq!(check_room(Forced, Offline, 0, 9), Ok(()), "an admin overrides both");
    assert_eq!(
        Refusal::Full { capacity: 3, open: 3 }.to_string(),
        "the agent is at capacity (3 open of 3)"
    );
    assert!(takes_capacity(crate::TicketStatus::WaitingCustomer));
    assert!(!takes_capacity(crate::TicketStatus::Resolved));
    assert!(!takes_capacity(crate::TicketStatus::New));
}

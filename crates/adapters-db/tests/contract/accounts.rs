// Account cases about the databases (two admins demoting each other at once), included
// into `mod cases` of `contract.rs`; the single-connection behaviour is in the shared
// contract (`accounts_are_changed_and_the_last_admin_kept`).

pub async fn concurrent_demotions_never_leave_no_admin(db: &Database) {
    let demote = |user: UserId, deactivate: bool| {
        let mut changes = ChangeSet::default();
        changes.push(Write::UpdateAccount {
            user_id: user,
            display_name: None,
            role: (!deactivate).then_some(Role::Agent),
            active: deactivate.then_some(false),
            keep_an_admin: true,
        });
        changes
    };
    let mut survivor = account(db, "admin0@example.com", Role::Admin).await;
    for round in 1..=8 {
        let newcomer = account(db, &format!("admin{round}@example.com"), Role::Admin).await;
        // Each takes the other away (one demotes, one deactivates), at the same time.
        let (a, b) = (db.clone(), db.clone());
        let (one, other) = (survivor.id, newcomer.id);
        let first = tokio::spawn(async move { a.commit(demote(other, round % 2 == 0)).await });
        let second = tokio::spawn(async move { b.commit(demote(one, round % 2 == 1)).await });
        let outcomes = [first.await.expect("joins"), second.await.expect("joins")];
        let won = outcomes.iter().filter(|o| o.is_ok()).count();
        let refused = outcomes.iter().filter(|o| **o == Err(StoreError::LastAdmin)).count();
        assert_eq!((won, refused), (1, 1), "round {round}: {outcomes:?}");
        let left = db.count_active_admins_except(UserId::new(0)).await.expect("counts");
        assert_eq!(left, 1, "round {round}: exactly one admin remains");
        survivor = if outcomes[0].is_ok() { survivor } else { newcomer };
        let stored = UserRepository::get(db, survivor.id).await.expect("reads").expect("exists");
        assert!(stored.active && stored.role == Role::Admin, "round {round}");
    }
}

//! Contract cases of the purges: what each deletes, in batches, and what it never
//! deletes.

use super::*;
use crate::ports::*;

/// Contract: ended sessions are purged earliest first, at most a batch at a time.
pub async fn ended_sessions_are_purged_in_batches(s: &Store) {
    let user = account(s, "s@example.com", Role::Customer).await;
    for (hash, expires) in [("a", 30), ("b", 10), ("c", 20), ("live", 100)] {
        s.sessions
            .insert(Session {
                token_hash: TokenHash(hash.into()),
                user_id: user.id,
                created_at: at(0),
                expires_at: at(expires),
            })
            .await
            .expect("stores");
    }
    assert_eq!(s.sessions.delete_ended_before(at(50), 2).await, Ok(2), "a batch");
    let alive = |hash: &'static str| async move {
        s.sessions
            .authenticate(&TokenHash(hash.into()), at(5))
            .await
            .expect("reads")
            .is_some()
    };
    assert!(alive("a").await, "the latest to expire is left for the next batch");
    assert!(!alive("b").await && !alive("c").await, "earliest first");
    assert_eq!(s.sessions.delete_ended_before(at(50), 2).await, Ok(1), "short: done");
    assert_eq!(s.sessions.delete_ended_before(at(50), 2).await, Ok(0));
    assert!(alive("live").await, "a session that has not ended stays");
}

/// Contract: idempotency keys past the window are purged oldest first, in batches, and
/// keys within it stay.
pub async fn idempotency_keys_past_the_window_are_purged_in_batches(s: &Store) {
    let w = world(s).await;
    let record = |key: &str, seconds| IdempotencyRecord {
        user_id: w.customer.id,
        scope: "create_ticket",
        key: key.into(),
        fingerprint: "f".into(),
        resource_id: 1,
        created_at: at(seconds),
    };
    let mut changes = ChangeSet::default();
    for (key, seconds) in [("k20", 20), ("k10", 10), ("k30", 30), ("k40", 40)] {
        changes.push(Write::RememberIdempotencyKey(record(key, seconds)));
    }
    s.uow.commit(changes).await.expect("remembers");
    let kept = |key: &'static str| async move {
        s.idempotency
            .find(w.customer.id, "create_ticket", key)
            .await
            .expect("reads")
            .is_some()
    };
    assert_eq!(s.idempotency.purge_keys(at(30), 1).await, Ok(1), "a batch of one");
    assert!(!kept("k10").await, "the oldest first");
    assert!(kept("k20").await);
    assert_eq!(s.idempotency.purge_keys(at(30), 10).await, Ok(1));
    assert_eq!(s.idempotency.purge_keys(at(30), 10).await, Ok(0));
    assert!(
        kept("k30").await && kept("k40").await,
        "keys remembered at or after the cut-off stay"
    );
}

/// Contract: processed outbox events are purged oldest first, in batches; unprocessed
/// events, the newest event and the history stay, and new events take new ids.
pub async fn processed_outbox_events_are_purged_in_batches(s: &Store) {
    let w = world(s).await;
    let mut tickets = Vec::new();
    for i in 0..5 {
        tickets.push(open(s, spec(w.customer.id, "purge me", i)).await);
    }
    let events = s.outbox.claim_events(at(50), at(60), 10).await.expect("claims");
    assert_eq!(events.len(), 5);
    let ids: Vec<i64> = events.iter().map(|e| e.id).collect();
    // The third stays unprocessed; the newest is processed last of all.
    let mut done = ChangeSet::default();
    for (i, seconds) in [(0, 100), (1, 110), (3, 120), (4, 130)] {
        done.push(Write::FinishOutboxEvent {
            id: ids[i],
            at: at(seconds),
            lease_until: at(60),
        });
    }
    s.uow.commit(done).await.expect("plans");

    assert_eq!(
        s.outbox.purge_processed(at(110), 10).await,
        Ok(1),
        "only what was processed before the cut-off"
    );
    assert_eq!(s.outbox.purge_processed(at(1_000), 1).await, Ok(1), "a batch of one");
    assert_eq!(s.outbox.purge_processed(at(1_000), 10).await, Ok(1));
    assert_eq!(
        s.outbox.purge_processed(at(1_000), 10).await,
        Ok(0),
        "neither the unprocessed event nor the newest one"
    );
    assert_eq!(s.pending_outbox_events().await, Ok(1));
    let again = s.outbox.claim_events(at(100), at(200), 10).await.expect("claims");
    assert_eq!(
        again.iter().map(|e| e.id).collect::<Vec<_>>(),
        vec![ids[2]],
        "the unprocessed event is still there"
    );
    let history = s.tickets.history(tickets[0].id(), true, None, 10).await.expect("reads");
    assert_eq!(history.len(), 1, "the history is not the outbox");

    open(s, spec(w.customer.id, "after the purge", 300)).await;
    let newer = s.outbox.claim_events(at(400), at(500), 10).await.expect("claims");
    assert_eq!(newer.len(), 2, "the unprocessed one and the new one: {newer:?}");
    assert!(
        newer.iter().all(|e| e.id == ids[2] || e.id > ids[4]),
        "a new event never takes the id of a purged one (notification keys name it): {newer:?}"
    );
}

/// Contract: sent and dead notifications are purged by status, oldest first, in
/// batches; pending ones (a requeued one too) and the newest stay.
pub async fn finished_notifications_are_purged_by_status_in_batches(s: &Store) {
    let mut queue = ChangeSet::default();
    for (i, key) in ["k1", "k2", "k3", "k4", "k5", "k6"].into_iter().enumerate() {
        queue.push(Write::QueueNotification(notification(key, "ann@example.com", i as i64)));
    }
    s.uow.commit(queue).await.expect("queues");
    let claimed = s
        .notifications
        .claim_notifications(at(10), at(100), 10, "a")
        .await
        .expect("claims");
    assert_eq!(claimed.len(), 6);
    let id = |key: &str| {
        claimed
            .iter()
            .find(|n| n.spec.idempotency_key == key)
            .map(|n| n.id)
            .expect("claimed")
    };
    let dead = || Outcome::Dead { error: "400".into() };
    let retry = Outcome::Retry {
        at: at(500),
        error: "503".into(),
    };
    for (key, seconds, outcome) in [
        ("k1", 11, Outcome::Sent),
        ("k2", 12, Outcome::Sent),
        ("k3", 13, dead()),
        ("k4", 14, retry),
        ("k5", 15, dead()),
        ("k6", 16, Outcome::Sent),
    ] {
        assert_eq!(
            s.notifications.record_outcome(id(key), "a", at(seconds), outcome).await,
            Ok(true)
        );
    }
    assert_eq!(s.notifications.requeue(id("k5"), at(30)).await, Ok(true));

    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Pending, at(1_000), 10)
            .await,
        Ok(0),
        "pending ones are never purged"
    );
    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Sent, at(12), 10)
            .await,
        Ok(1),
        "sent before the cut-off only"
    );
    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Sent, at(1_000), 10)
            .await,
        Ok(1),
        "the newest stays"
    );
    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Dead, at(1_000), 10)
            .await,
        Ok(1),
        "the requeued one is pending again"
    );
    let left: Vec<i64> = s
        .notifications
        .list_notifications(None, None, 10)
        .await
        .expect("lists")
        .iter()
        .map(|n| n.id)
        .collect();
    assert_eq!(left, vec![id("k6"), id("k5"), id("k4")]);
    assert_eq!(s.notifications.get_notification(id("k1")).await, Ok(None));

    // In batches: three more sent long ago, a batch of two takes the oldest two.
    let mut queue = ChangeSet::default();
    for (i, key) in ["m1", "m2", "m3", "m4"].into_iter().enumerate() {
        queue.push(Write::QueueNotification(notification(
            key,
            "ann@example.com",
            40 + i as i64,
        )));
    }
    s.uow.commit(queue).await.expect("queues");
    let more = s
        .notifications
        .claim_notifications(at(50), at(100), 10, "b")
        .await
        .expect("claims");
    let more: Vec<&Notification> = more
        .iter()
        .filter(|n| n.spec.idempotency_key.starts_with('m'))
        .collect();
    assert_eq!(more.len(), 4);
    for (n, seconds) in more.iter().zip([63, 61, 62, 64]) {
        assert_eq!(
            s.notifications
                .record_outcome(n.id, "b", at(seconds), Outcome::Sent)
                .await,
            Ok(true)
        );
    }
    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Sent, at(1_000), 2)
            .await,
        Ok(2)
    );
    let left: Vec<String> = s
        .notifications
        .list_notifications(Some(NotificationStatus::Sent), None, 10)
        .await
        .expect("lists")
        .into_iter()
        .map(|n| n.spec.idempotency_key)
        .collect();
    assert_eq!(left, vec!["m4", "m3", "m1"], "k6 and m2, sent earliest, went first");
    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Sent, at(1_000), 2)
            .await,
        Ok(2),
        "m3 and m1"
    );
    assert_eq!(
        s.notifications
            .purge_notifications(NotificationStatus::Sent, at(1_000), 2)
            .await,
        Ok(0),
        "m4 is the newest"
    );
}

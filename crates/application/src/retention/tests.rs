//! The purge jobs on the in-memory fakes: a batch at a time, each with its own
//! retention, reporting what it deleted.

use std::sync::Arc;

use domain::UserId;

use super::*;
use crate::jobs::Job;
use crate::ports::{
    ChangeSet, IdempotencyRecord, NewNotification, NotificationRepository, NotificationStatus, Outcome, UnitOfWork,
    Write,
};
use crate::testing::{Fake, START};

const DAY: i64 = 86_400;

fn key(name: &str, days_ago: i64) -> Write {
    Write::RememberIdempotencyKey(IdempotencyRecord {
        user_id: UserId::new(1),
        scope: "create_ticket",
        key: name.into(),
        fingerprint: "f".into(),
        resource_id: 1,
        created_at: START.plus_seconds(-days_ago * DAY),
    })
}

#[tokio::test]
async fn the_idempotency_purge_deletes_a_batch_at_a_time_and_says_when_more_is_due() {
    let fake = Fake::default();
    let mut changes = ChangeSet::default();
    changes
        .push(key("a", 3))
        .push(key("b", 2))
        .push(key("c", 2))
        .push(key("fresh", 0));
    fake.commit(changes).await.expect("remembers");
    let job = PurgeIdempotencyKeys::new(Arc::new(fake.clone()), Arc::new(fake.clone()), Retention::new(DAY, 2));
    assert_eq!(job.name(), "idempotency-purge");
    let first = job.run_batch().await.expect("runs");
    assert_eq!((first.taken, first.more), (2, true), "a full batch: more may be due");
    assert_eq!(first.values, vec![("idempotency_keys_purged", 2)]);
    let second = job.run_batch().await.expect("runs");
    assert_eq!((second.taken, second.more), (1, false));
    assert_eq!(
        fake.state().keys.iter().map(|k| k.key.as_str()).collect::<Vec<_>>(),
        ["fresh"],
        "a key within its window stays"
    );
}

fn notification(key: &str) -> NewNotification {
    NewNotification {
        idempotency_key: key.into(),
        event_id: None,
        ticket_id: None,
        recipient_id: None,
        channel: domain::escalation::Channel::Email,
        address: "ann@example.com".into(),
        recipient_name: None,
        template: "ticket_created".into(),
        context: Default::default(),
        at: START.plus_seconds(-40 * DAY),
    }
}

#[tokio::test]
async fn sent_and_dead_notifications_each_keep_their_own_retention() {
    let fake = Fake::default();
    let mut changes = ChangeSet::default();
    for k in ["sent", "dead", "pending", "newest"] {
        changes.push(Write::QueueNotification(notification(k)));
    }
    fake.commit(changes).await.expect("queues");
    let long_ago = START.plus_seconds(-40 * DAY);
    let claimed = fake
        .claim_notifications(long_ago, START, 10, "me")
        .await
        .expect("claims");
    let ten_days_ago = START.plus_seconds(-10 * DAY);
    for (n, outcome) in claimed.iter().zip([
        Outcome::Sent,
        Outcome::Dead { error: "400".into() },
        Outcome::Retry {
            at: START,
            error: "503".into(),
        },
        Outcome::Sent,
    ]) {
        fake.record_outcome(n.id, "me", ten_days_ago, outcome)
            .await
            .expect("records");
    }
    let job = PurgeNotifications::new(
        Arc::new(fake.clone()),
        Arc::new(fake.clone()),
        Retention::new(7 * DAY, 100),
        Retention::new(30 * DAY, 100),
    );
    let report = job.run_batch().await.expect("runs");
    assert_eq!(
        report.values,
        vec![("notifications_purged", 1), ("dead_notifications_purged", 0)]
    );
    assert!(!report.more);
    let left: Vec<NotificationStatus> = fake.state().notifications.iter().map(|n| n.status).collect();
    assert_eq!(
        left,
        [
            NotificationStatus::Dead,
            NotificationStatus::Pending,
            NotificationStatus::Sent
        ],
        "the dead one is kept 30 days, the pending one always, the newest row too"
    );
}

#[test]
fn retentions_are_clamped_to_what_the_databases_hold() {
    assert_eq!(
        Retention::new(-5, 0),
        Retention {
            keep_seconds: 0,
            batch: 1
        }
    );
    assert_eq!(Retention::new(i64::MAX, 10).keep_seconds, Retention::MAX_SECONDS);
}

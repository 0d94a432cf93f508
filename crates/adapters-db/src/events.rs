//! Ticket events as stored JSON: the `details` of a history row and the `payload` of an
//! outbox row. The JSON shapes are part of the outbox contract; keep them stable. Also
//! the writes that store events: history and outbox rows, outbox events finished.

use application::ports::StoreError;
use diesel::Insertable;
use domain::sla::{Crossing, TargetKind};
use domain::{
    AttachmentId, CategorySlug, CommentId, FieldChange, Priority, Tags, TicketEvent, TicketEventKind, TicketNumber,
    TicketStatus, UserId, Visibility,
};
use serde::{Deserialize, Serialize};

use crate::error::corrupt;
use crate::schema::{outbox, ticket_history};
use crate::time::to_sql;

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreatedJson {
    number: String,
    customer_id: i64,
    priority: String,
    category: String,
    tags: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct ChangeJson {
    field: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    to: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct UpdatedJson {
    changes: Vec<ChangeJson>,
}

#[derive(Serialize, Deserialize)]
struct StatusJson {
    from: String,
    to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct AssignedJson {
    previous: Option<i64>,
    assignee: i64,
    from: String,
    to: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct UnassignedJson {
    previous: i64,
    from: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct CommentJson {
    comment_id: i64,
    visibility: String,
    by_staff: bool,
    first_response: bool,
    attachments: u32,
}

#[derive(Serialize, Deserialize)]
struct RedactedJson {
    comment_id: i64,
    visibility: String,
    reason: String,
    files: u32,
}

#[derive(Serialize, Deserialize)]
struct FileDeletedJson {
    attachment_id: i64,
    comment_id: i64,
}

#[derive(Serialize, Deserialize)]
struct EscalatedJson {
    rule_id: Option<i64>,
    reason: String,
    level_from: u8,
    level_to: u8,
    priority_from: String,
    priority_to: String,
}

#[derive(Serialize, Deserialize)]
struct SurveyJson {
    round: u32,
    rating: u8,
    changed: bool,
}

#[derive(Serialize, Deserialize)]
struct SlaJson {
    target: String,
    /// When the threshold was reached or the due instant passed (RFC 3339).
    crossed_at: String,
    policy_id: Option<i64>,
}

/// The event's details as JSON text.
pub(crate) fn details_json(kind: &TicketEventKind) -> String {
    let value = match kind {
        TicketEventKind::Created {
            number,
            customer_id,
            priority,
            category,
            tags,
        } => serde_json::to_value(CreatedJson {
            number: number.to_string(),
            customer_id: customer_id.get(),
            priority: priority.as_str().to_owned(),
            category: category.to_string(),
            tags: tags.to_strings(),
        }),
        TicketEventKind::Updated { changes } => serde_json::to_value(UpdatedJson {
            changes: changes
                .iter()
                .map(|c| ChangeJson {
                    field: c.field.to_owned(),
                    from: c.from.clone(),
                    to: c.to.clone(),
                })
                .collect(),
        }),
        TicketEventKind::StatusChanged { from, to, reason } => serde_json::to_value(StatusJson {
            from: from.as_str().to_owned(),
            to: to.as_str().to_owned(),
            reason: reason.clone(),
        }),
        TicketEventKind::Assigned {
            previous,
            assignee,
            from,
            to,
            reason,
        } => serde_json::to_value(AssignedJson {
            previous: previous.map(UserId::get),
            assignee: assignee.get(),
            from: from.as_str().to_owned(),
            to: to.as_str().to_owned(),
            reason: reason.clone(),
        }),
        TicketEventKind::Unassigned { previous, from, reason } => serde_json::to_value(UnassignedJson {
            previous: previous.get(),
            from: from.as_str().to_owned(),
            reason: reason.clone(),
        }),
        TicketEventKind::CommentAdded {
            comment_id,
            visibility,
            by_staff,
            first_response,
            attachments,
        } => serde_json::to_value(CommentJson {
            comment_id: comment_id.get(),
            visibility: visibility.as_str().to_owned(),
            by_staff: *by_staff,
            first_response: *first_response,
            attachments: *attachments,
        }),
        TicketEventKind::CommentRedacted {
            comment_id,
            visibility,
            reason,
            files,
        } => serde_json::to_value(RedactedJson {
            comment_id: comment_id.get(),
            visibility: visibility.as_str().to_owned(),
            reason: reason.clone(),
            files: *files,
        }),
        TicketEventKind::AttachmentDeleted {
            attachment_id,
            comment_id,
        } => serde_json::to_value(FileDeletedJson {
            attachment_id: attachment_id.get(),
            comment_id: comment_id.get(),
        }),
        TicketEventKind::SlaCrossed {
            target,
            crossing,
            policy_id,
        } => serde_json::to_value(SlaJson {
            target: target.as_str().to_owned(),
            crossed_at: crossed_at(*crossing).to_string(),
            policy_id: *policy_id,
        }),
        TicketEventKind::Escalated {
            rule_id,
            reason,
            level_from,
            level_to,
            priority_from,
            priority_to,
        } => serde_json::to_value(EscalatedJson {
            rule_id: *rule_id,
            reason: reason.clone(),
            level_from: *level_from,
            level_to: *level_to,
            priority_from: priority_from.as_str().to_owned(),
            priority_to: priority_to.as_str().to_owned(),
        }),
        TicketEventKind::SurveyAnswered { round, rating, changed } => serde_json::to_value(SurveyJson {
            round: round.get(),
            rating: rating.get(),
            changed: *changed,
        }),
    };
    value.map(|v| v.to_string()).unwrap_or_else(|_| "{}".to_owned())
}

/// The outbox payload: the event with its ticket, actor, instant and visibility (the
/// notification dispatcher must not tell a customer about an `internal` event).
pub(crate) fn payload_json(event: &TicketEvent) -> String {
    let details: serde_json::Value = serde_json::from_str(&details_json(&event.kind)).unwrap_or_default();
    serde_json::json!({
        "event_type": event.kind.event_type(),
        "ticket_id": event.ticket_id.get(),
        "actor_id": event.actor.map(UserId::get),
        "occurred_at": event.at.to_string(),
        "visibility": event.kind.visibility().as_str(),
        "details": details,
    })
    .to_string()
}

/// Reads an outbox payload back into the event (its instant is the row's `created_at`).
pub(crate) fn parse_payload(
    event_type: &str,
    ticket_id: i64,
    payload: &str,
    at: domain::Timestamp,
) -> Result<TicketEvent, StoreError> {
    let value: serde_json::Value = serde_json::from_str(payload).map_err(|e| corrupt("outbox event", e))?;
    let details = value.get("details").cloned().unwrap_or_default().to_string();
    Ok(TicketEvent {
        ticket_id: domain::TicketId::new(ticket_id),
        actor: value
            .get("actor_id")
            .and_then(serde_json::Value::as_i64)
            .map(UserId::new),
        at,
        kind: parse_details(event_type, &details)?,
    })
}

/// Reads stored details back into the domain's event kind.
pub(crate) fn parse_details(event_type: &str, details: &str) -> Result<TicketEventKind, StoreError> {
    let bad = |e: &dyn std::fmt::Display| corrupt("history entry", e);
    let status = |s: &str| TicketStatus::parse(s).map_err(|e| bad(&e));
    Ok(match event_type {
        "TicketCreated" => {
            let j: CreatedJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::Created {
                number: TicketNumber::parse(&j.number).map_err(|e| bad(&e))?.0,
                customer_id: UserId::new(j.customer_id),
                priority: Priority::parse(&j.priority).map_err(|e| bad(&e))?,
                category: CategorySlug::parse(&j.category).map_err(|e| bad(&e))?,
                tags: Tags::parse(&j.tags).map_err(|e| bad(&e))?,
            }
        }
        "TicketUpdated" => {
            let j: UpdatedJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::Updated {
                changes: j
                    .changes
                    .into_iter()
                    .map(|c| FieldChange {
                        field: field_name(&c.field),
                        from: c.from,
                        to: c.to,
                    })
                    .collect(),
            }
        }
        "TicketStatusChanged" => {
            let j: StatusJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::StatusChanged {
                from: status(&j.from)?,
                to: status(&j.to)?,
                reason: j.reason,
            }
        }
        "TicketAssigned" => {
            let j: AssignedJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::Assigned {
                previous: j.previous.map(UserId::new),
                assignee: UserId::new(j.assignee),
                from: status(&j.from)?,
                to: status(&j.to)?,
                reason: j.reason,
            }
        }
        "TicketUnassigned" => {
            let j: UnassignedJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::Unassigned {
                previous: UserId::new(j.previous),
                from: status(&j.from)?,
                reason: j.reason,
            }
        }
        "CommentAdded" => {
            let j: CommentJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::CommentAdded {
                comment_id: CommentId::new(j.comment_id),
                visibility: Visibility::parse(&j.visibility).map_err(|e| bad(&e))?,
                by_staff: j.by_staff,
                first_response: j.first_response,
                attachments: j.attachments,
            }
        }
        "CommentRedacted" => {
            let j: RedactedJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::CommentRedacted {
                comment_id: CommentId::new(j.comment_id),
                visibility: Visibility::parse(&j.visibility).map_err(|e| bad(&e))?,
                reason: j.reason,
                files: j.files,
            }
        }
        "AttachmentDeleted" => {
            let j: FileDeletedJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::AttachmentDeleted {
                attachment_id: AttachmentId::new(j.attachment_id),
                comment_id: CommentId::new(j.comment_id),
            }
        }
        "SlaWarning" | "SlaBreached" => {
            let j: SlaJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            let at = chrono::DateTime::parse_from_rfc3339(&j.crossed_at).map_err(|e| bad(&e))?;
            let at = domain::Timestamp::from_unix_micros(at.timestamp_micros());
            TicketEventKind::SlaCrossed {
                target: TargetKind::parse(&j.target).ok_or_else(|| bad(&"SLA target"))?,
                crossing: if event_type == "SlaWarning" {
                    Crossing::Warning(at)
                } else {
                    Crossing::Breach(at)
                },
                policy_id: j.policy_id,
            }
        }
        "TicketEscalated" => {
            let j: EscalatedJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::Escalated {
                rule_id: j.rule_id,
                reason: j.reason,
                level_from: j.level_from,
                level_to: j.level_to,
                priority_from: Priority::parse(&j.priority_from).map_err(|e| bad(&e))?,
                priority_to: Priority::parse(&j.priority_to).map_err(|e| bad(&e))?,
            }
        }
        "SurveyAnswered" => {
            let j: SurveyJson = serde_json::from_str(details).map_err(|e| bad(&e))?;
            TicketEventKind::SurveyAnswered {
                round: domain::survey::SurveyRound::new(j.round).ok_or_else(|| bad(&"survey round"))?,
                rating: domain::survey::Rating::parse(i64::from(j.rating)).map_err(|e| bad(&e))?,
                changed: j.changed,
            }
        }
        other => return Err(bad(&format!("unknown event type `{other}`"))),
    })
}

/// The instant of a crossing.
fn crossed_at(crossing: Crossing) -> domain::Timestamp {
    match crossing {
        Crossing::Warning(at) | Crossing::Breach(at) => at,
    }
}

fn field_name(stored: &str) -> &'static str {
    match stored {
        "subject" => "subject",
        "description" => "description",
        "priority" => "priority",
        "category" => "category",
        "tags" => "tags",
        _ => "unknown",
    }
}

/// A new `ticket_history` row.
#[derive(Insertable)]
#[diesel(table_name = ticket_history)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewHistoryRow {
    ticket_id: i64,
    actor_id: Option<i64>,
    event_type: &'static str,
    details: String,
    visibility: &'static str,
    occurred_at: chrono::NaiveDateTime,
}

/// A new `outbox` row.
#[derive(Insertable)]
#[diesel(table_name = outbox)]
#[diesel(treat_none_as_default_value = false)]
pub(crate) struct NewOutboxRow {
    event_type: &'static str,
    aggregate_id: i64,
    payload: String,
    created_at: chrono::NaiveDateTime,
    available_at: chrono::NaiveDateTime,
}

/// The history row of an event.
pub(crate) fn history_row(e: &TicketEvent) -> NewHistoryRow {
    NewHistoryRow {
        ticket_id: e.ticket_id.get(),
        actor_id: e.actor.map(UserId::get),
        event_type: e.kind.event_type(),
        details: details_json(&e.kind),
        visibility: e.kind.visibility().as_str(),
        occurred_at: to_sql(e.at),
    }
}

/// The outbox row of an event, available at once.
pub(crate) fn outbox_row(e: &TicketEvent) -> NewOutboxRow {
    NewOutboxRow {
        event_type: e.kind.event_type(),
        aggregate_id: e.ticket_id.get(),
        payload: payload_json(e),
        created_at: to_sql(e.at),
        available_at: to_sql(e.at),
    }
}

/// Applies an event write on `$conn` inside the unit of work's transaction (expanded per
/// backend there, see [`crate::unit_of_work`]): `record` appends the event to its
/// ticket's history and to the outbox; `finish` marks outbox event `$id` processed at
/// `$at` and ends its lease, refused (a version conflict) unless it is still held under
/// lease `$lease`.
macro_rules! event_write {
    (record $conn:ident, $event:expr) => {{ dialect::record_event!($conn, $event) }};
    (finish $conn:ident, $id:expr, $at:expr, $lease:expr) => {{
        use diesel::{ExpressionMethods as _, QueryDsl as _};
        use diesel_async::RunQueryDsl as _;
        use $crate::schema::outbox;
        let id: i64 = $id;
        let at: domain::Timestamp = $at;
        let lease: domain::Timestamp = $lease;
        let finished = diesel::update(
            outbox::table
                .find(id)
                .filter(outbox::processed_at.is_null())
                .filter(outbox::lease_until.eq($crate::time::to_sql(lease))),
        )
        .set((
            outbox::processed_at.eq($crate::time::to_sql(at)),
            outbox::lease_until.eq(None::<chrono::NaiveDateTime>),
        ))
        .execute($conn)
        .await?;
        if finished == 0 {
            return Err($crate::error::TxError::Store(
                application::ports::StoreError::VersionConflict,
            ));
        }
    }};
}
pub(crate) use event_write;

/// Inserts an event's history and outbox rows. PostgreSQL gets both at once: the two
/// futures polled together are pipelined on the connection, one round trip instead of two.
macro_rules! record_event_postgres {
    ($conn:ident, $event:expr) => {{
        use diesel_async::RunQueryDsl as _;
        let event: &domain::TicketEvent = $event;
        // diesel-async pipelines queries run on a shared `&AsyncPgConnection`.
        let shared: &diesel_async::AsyncPgConnection = &*$conn;
        let history = diesel::insert_into($crate::schema::ticket_history::table)
            .values($crate::events::history_row(event))
            .execute(&mut &*shared);
        let outbox = diesel::insert_into($crate::schema::outbox::table)
            .values($crate::events::outbox_row(event))
            .execute(&mut &*shared);
        tokio::try_join!(history, outbox)?;
    }};
}
pub(crate) use record_event_postgres;

/// [`record_event_postgres!`] on SQLite, one statement after the other.
macro_rules! record_event_sqlite {
    ($conn:ident, $event:expr) => {{
        use diesel_async::RunQueryDsl as _;
        let event: &domain::TicketEvent = $event;
        diesel::insert_into($crate::schema::ticket_history::table)
            .values($crate::events::history_row(event))
            .execute(&mut *$conn)
            .await?;
        diesel::insert_into($crate::schema::outbox::table)
            .values($crate::events::outbox_row(event))
            .execute(&mut *$conn)
            .await?;
    }};
}
pub(crate) use record_event_sqlite;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_kind_round_trips() {
        let kinds = [
            TicketEventKind::Created {
                number: TicketNumber::for_id(domain::TicketId::new(3)),
                customer_id: UserId::new(4),
                priority: Priority::High,
                category: CategorySlug::parse("billing").expect("valid"),
                tags: Tags::parse(&["a", "b"]).expect("valid"),
            },
            TicketEventKind::Updated {
                changes: vec![
                    FieldChange {
                        field: "subject",
                        from: Some("a".into()),
                        to: Some("b".into()),
                    },
                    FieldChange {
                        field: "description",
                        from: None,
                        to: None,
                    },
                ],
            },
            TicketEventKind::CommentRedacted {
                comment_id: CommentId::new(5),
                visibility: Visibility::Internal,
                reason: "pasted a card number".into(),
                files: 2,
            },
            TicketEventKind::AttachmentDeleted {
                attachment_id: AttachmentId::new(6),
                comment_id: CommentId::new(5),
            },
            TicketEventKind::StatusChanged {
                from: TicketStatus::New,
                to: TicketStatus::Closed,
                reason: Some("dup".into()),
            },
            TicketEventKind::Assigned {
                previous: None,
                assignee: UserId::new(9),
                from: TicketStatus::New,
                to: TicketStatus::Assigned,
                reason: None,
            },
            TicketEventKind::Assigned {
                previous: Some(UserId::new(9)),
                assignee: UserId::new(10),
                from: TicketStatus::InProgress,
                to: TicketStatus::InProgress,
                reason: Some("on leave".into()),
            },
            TicketEventKind::Unassigned {
                previous: UserId::new(10),
                from: TicketStatus::WaitingCustomer,
                reason: Some("back to the queue".into()),
            },
            TicketEventKind::CommentAdded {
                comment_id: CommentId::new(5),
                visibility: Visibility::Internal,
                by_staff: true,
                first_response: false,
                attachments: 2,
            },
            TicketEventKind::SlaCrossed {
                target: TargetKind::NextResponse,
                crossing: Crossing::Warning(domain::Timestamp::from_unix_micros(1_800_000_000_123_456)),
                policy_id: Some(7),
            },
            TicketEventKind::SlaCrossed {
                target: TargetKind::Resolution,
                crossing: Crossing::Breach(domain::Timestamp::from_unix_seconds(1_800_000_000)),
                policy_id: None,
            },
            TicketEventKind::Escalated {
                rule_id: Some(3),
                reason: "resolution breached".into(),
                level_from: 1,
                level_to: 2,
                priority_from: Priority::High,
                priority_to: Priority::Urgent,
            },
            TicketEventKind::SurveyAnswered {
                round: domain::survey::SurveyRound::new(2).expect("from 1"),
                rating: domain::survey::Rating::parse(4).expect("1 to 5"),
                changed: true,
            },
        ];
        for kind in kinds {
            let json = details_json(&kind);
            assert_eq!(
                parse_details(kind.event_type(), &json).ok(),
                Some(kind.clone()),
                "{json}"
            );
        }
    }

    #[test]
    fn an_internal_notes_outbox_payload_says_it_is_internal() {
        let event = TicketEvent {
            ticket_id: domain::TicketId::new(1),
            actor: Some(UserId::new(2)),
            at: domain::Timestamp::from_unix_seconds(1_800_000_000),
            kind: TicketEventKind::CommentAdded {
                comment_id: CommentId::new(3),
                visibility: Visibility::Internal,
                by_staff: true,
                first_response: false,
                attachments: 0,
            },
        };
        let payload: serde_json::Value = serde_json::from_str(&payload_json(&event)).expect("JSON");
        assert_eq!(payload["visibility"], "internal");
        assert_eq!(payload["details"]["visibility"], "internal");
        assert!(payload["details"].get("body").is_none(), "the payload carries no text");
    }
}

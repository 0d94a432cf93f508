//! Hand-computed cases at the boundaries, and properties of answer/change sequences.

use std::time::Duration;

use proptest::prelude::*;

use super::*;
use crate::ids::{TicketId, UserId};
use crate::ticket::{TicketEvent, TicketEventKind, TicketStatus};
use crate::time::Timestamp;

const MINUTE: i64 = 60;
const DAY: i64 = 86_400;
const TICKET: TicketId = TicketId::new(42);
const CUSTOMER: UserId = UserId::new(7);

/// 2026-12-07T09:00:00Z, when the ticket was opened.
fn opened() -> Timestamp {
    Timestamp::from_unix_seconds(1_796_634_000)
}

fn rating(raw: i64) -> Rating {
    Rating::parse(raw).expect("a valid rating")
}

fn context(changed_by: ChangedBy) -> InvitationContext {
    InvitationContext {
        changed_by,
        opened_at: opened(),
        merged: false,
        invited_since_reopen: false,
        latest_round: None,
    }
}

fn change(from: TicketStatus, to: TicketStatus, at: Timestamp) -> StatusChange {
    StatusChange { from, to, at }
}

fn close_at(at: Timestamp) -> StatusChange {
    change(TicketStatus::InProgress, TicketStatus::Closed, at)
}

#[test]
fn the_fixture_instant_is_what_it_says() {
    assert_eq!(opened().to_string(), "2026-12-07T09:00:00Z");
}

#[test]
fn a_close_invites_at_once_by_default() {
    let at = opened().plus_seconds(DAY);
    let due = invitation_due(close_at(at), context(ChangedBy::Staff), &SurveySettings::default());
    assert_eq!(
        due,
        Ok(Invitation {
            round: SurveyRound::FIRST,
            trigger: SurveyTrigger::Closed,
            send_at: at
        })
    );
}

#[test]
fn the_delay_moves_the_send_instant() {
    let at = opened().plus_seconds(DAY);
    let settings = SurveySettings {
        delay: Duration::from_secs(90 * 60),
        ..SurveySettings::default()
    };
    let due = invitation_due(close_at(at), context(ChangedBy::Staff), &settings);
    assert_eq!(
        due.map(|i| i.send_at.to_string()),
        Ok("2026-12-08T10:30:00Z".to_owned())
    );
}

#[test]
fn a_customer_closing_within_ten_minutes_of_opening_is_excluded_the_tenth_minute_included() {
    let settings = SurveySettings::default();
    let customer = context(ChangedBy::TheCustomer);
    let tenth_minute = opened().plus_seconds(10 * MINUTE);
    assert_eq!(
        invitation_due(close_at(tenth_minute), customer, &settings),
        Err(NoInvitation::ClosedQuicklyByCustomer)
    );
    assert_eq!(
        invitation_due(close_at(opened().plus_seconds(MINUTE)), customer, &settings),
        Err(NoInvitation::ClosedQuicklyByCustomer)
    );
    let just_after = tenth_minute.plus_micros(1);
    assert_eq!(
        invitation_due(close_at(just_after), customer, &settings).map(|i| i.send_at),
        Ok(just_after)
    );
}

#[test]
fn quick_closes_by_staff_or_the_system_and_with_the_exclusion_off_invite() {
    let quick = close_at(opened().plus_seconds(MINUTE));
    let settings = SurveySettings::default();
    assert!(invitation_due(quick, context(ChangedBy::Staff), &settings).is_ok());
    assert!(invitation_due(quick, context(ChangedBy::System), &settings).is_ok());
    let off = SurveySettings {
        exclude_customer_close_within: None,
        ..settings
    };
    assert!(invitation_due(quick, context(ChangedBy::TheCustomer), &off).is_ok());
    let five = SurveySettings {
        exclude_customer_close_within: Some(Duration::from_secs(5 * 60)),
        ..settings
    };
    assert!(invitation_due(quick, context(ChangedBy::TheCustomer), &five).is_err());
    assert!(
        invitation_due(
            close_at(opened().plus_seconds(6 * MINUTE)),
            context(ChangedBy::TheCustomer),
            &five
        )
        .is_ok()
    );
}

#[test]
fn resolving_invites_only_when_configured() {
    let resolve = change(
        TicketStatus::InProgress,
        TicketStatus::Resolved,
        opened().plus_seconds(MINUTE),
    );
    assert_eq!(
        invitation_due(resolve, context(ChangedBy::Staff), &SurveySettings::default()),
        Err(NoInvitation::ResolvedNotConfigured)
    );
    let on = SurveySettings {
        on_resolved: true,
        ..SurveySettings::default()
    };
    assert_eq!(
        invitation_due(resolve, context(ChangedBy::Staff), &on).map(|i| i.trigger),
        Ok(SurveyTrigger::Resolved)
    );
}

#[test]
fn a_close_right_after_an_invited_resolve_asks_nothing_new_but_after_a_reopen_it_does() {
    let on = SurveySettings {
        on_resolved: true,
        ..SurveySettings::default()
    };
    let close = change(TicketStatus::Resolved, TicketStatus::Closed, opened().plus_seconds(DAY));
    let invited = InvitationContext {
        invited_since_reopen: true,
        latest_round: Some(SurveyRound::FIRST),
        ..context(ChangedBy::TheCustomer)
    };
    assert_eq!(invitation_due(close, invited, &on), Err(NoInvitation::AlreadyInvited));
    let reopened = InvitationContext {
        invited_since_reopen: false,
        ..invited
    };
    assert_eq!(
        invitation_due(close, reopened, &on).map(|i| (i.round.get(), i.trigger)),
        Ok((2, SurveyTrigger::Closed))
    );
}

#[test]
fn other_statuses_and_merged_tickets_do_not_invite() {
    let settings = SurveySettings::default();
    let at = opened().plus_seconds(DAY);
    for to in [
        TicketStatus::Assigned,
        TicketStatus::InProgress,
        TicketStatus::WaitingCustomer,
    ] {
        assert_eq!(
            invitation_due(change(TicketStatus::New, to, at), context(ChangedBy::Staff), &settings),
            Err(NoInvitation::NotASurveyStatus(to))
        );
    }
    let merged = InvitationContext {
        merged: true,
        ..context(ChangedBy::Staff)
    };
    assert_eq!(
        invitation_due(close_at(at), merged, &settings),
        Err(NoInvitation::Merged)
    );
    let kept = SurveySettings {
        exclude_merged: false,
        ..settings
    };
    assert!(invitation_due(close_at(at), merged, &kept).is_ok());
}

#[test]
fn rounds_count_invitations_from_one() {
    assert_eq!(SurveyRound::after(None), SurveyRound::FIRST);
    assert_eq!(SurveyRound::new(0), None);
    assert_eq!(SurveyRound::after(SurveyRound::new(2)).get(), 3);
    let latest = InvitationContext {
        latest_round: SurveyRound::new(4),
        ..context(ChangedBy::Staff)
    };
    let due = invitation_due(close_at(opened().plus_seconds(DAY)), latest, &SurveySettings::default());
    assert_eq!(due.map(|i| i.round.get()), Ok(5));
}

#[test]
fn who_changed_it_and_what_changed_are_read_from_the_event() {
    assert_eq!(ChangedBy::classify(Some(CUSTOMER), CUSTOMER), ChangedBy::TheCustomer);
    assert_eq!(ChangedBy::classify(Some(UserId::new(8)), CUSTOMER), ChangedBy::Staff);
    assert_eq!(ChangedBy::classify(None, CUSTOMER), ChangedBy::System);
    let at = opened().plus_seconds(DAY);
    let event = |kind| TicketEvent {
        ticket_id: TICKET,
        actor: Some(CUSTOMER),
        at,
        kind,
    };
    let closed = event(TicketEventKind::StatusChanged {
        from: TicketStatus::Resolved,
        to: TicketStatus::Closed,
        reason: None,
    });
    assert_eq!(
        StatusChange::of(&closed),
        Some(change(TicketStatus::Resolved, TicketStatus::Closed, at))
    );
    assert_eq!(
        StatusChange::of(&event(TicketEventKind::Updated { changes: vec![] })),
        None
    );
}

/// A survey sent at 2026-12-08T09:00:00Z with the default settings.
fn sent() -> Timestamp {
    opened().plus_seconds(DAY)
}

fn survey() -> Survey {
    let invitation = Invitation {
        round: SurveyRound::FIRST,
        trigger: SurveyTrigger::Closed,
        send_at: sent(),
    };
    Survey::invite(TICKET, invitation, &SurveySettings::default())
}

#[test]
fn an_invitation_opens_a_survey_expiring_fourteen_days_after_sending() {
    let settings = SurveySettings {
        delay: Duration::from_secs(3600),
        ..SurveySettings::default()
    };
    let due = invitation_due(close_at(sent()), context(ChangedBy::Staff), &settings).expect("due");
    let s = Survey::invite(TICKET, due, &settings);
    assert_eq!(s.parts().invited_at.to_string(), "2026-12-08T10:00:00Z");
    assert_eq!(s.parts().expires_at.to_string(), "2026-12-22T10:00:00Z");
    assert_eq!(s.token_valid_until(), s.parts().expires_at);
    assert_eq!(
        (s.ticket_id(), s.round(), s.current_answer()),
        (TICKET, SurveyRound::FIRST, None)
    );
}

#[test]
fn an_unanswered_token_works_on_the_fourteenth_day_and_not_after() {
    let s = survey();
    let expiry = sent().plus_seconds(14 * DAY);
    assert_eq!(s.check_token_use(SurveyRound::FIRST, sent()), Ok(TokenUse::Answer));
    assert_eq!(s.check_token_use(SurveyRound::FIRST, expiry), Ok(TokenUse::Answer));
    assert_eq!(
        s.check_token_use(SurveyRound::FIRST, expiry.plus_micros(1)),
        Err(SurveyError::Expired)
    );
    let mut late = s.clone();
    assert_eq!(
        late.answer(rating(5), None, expiry.plus_micros(1)).err(),
        Some(SurveyError::Expired)
    );
    assert_eq!(late, s, "refused answers change nothing");
    let mut last_moment = s;
    assert!(last_moment.answer(rating(5), None, expiry).is_ok());
}

#[test]
fn one_answer_per_round_and_a_second_is_refused() {
    let mut s = survey();
    let at = sent().plus_seconds(DAY);
    let comment = SurveyComment::parse(Some(" fast, thanks ")).expect("valid");
    let answer = s.answer(rating(4), comment.clone(), at).cloned();
    assert_eq!(
        answer,
        Ok(Answer {
            rating: rating(4),
            comment,
            answered_at: at,
            changed_at: at
        })
    );
    let before = s.clone();
    assert_eq!(
        s.answer(rating(1), None, at.plus_seconds(1)).err(),
        Some(SurveyError::AlreadyAnswered)
    );
    assert_eq!(s, before);
}

#[test]
fn a_change_needs_an_answer() {
    let mut s = survey();
    assert_eq!(s.change(rating(2), None, sent()).err(), Some(SurveyError::NotAnswered));
    assert_eq!(s, survey());
}

#[test]
fn changes_are_allowed_through_the_seventh_day_after_the_first_answer_then_the_token_is_spent() {
    let mut s = survey();
    let first = sent().plus_seconds(DAY); // 2026-12-09T09:00Z
    s.answer(rating(2), None, first).expect("first answer");
    let seventh_day = first.plus_seconds(7 * DAY); // 2026-12-16T09:00Z
    assert_eq!(s.editable_until(), Some(seventh_day));
    // A change on day 6 does not move the window.
    let changed = s
        .change(rating(3), None, first.plus_seconds(6 * DAY))
        .cloned()
        .expect("day 6");
    assert_eq!(
        (changed.answered_at, changed.changed_at),
        (first, first.plus_seconds(6 * DAY))
    );
    assert_eq!(s.check_token_use(SurveyRound::FIRST, seventh_day), Ok(TokenUse::Change));
    let comment = SurveyComment::parse(Some("better now")).expect("valid");
    assert!(s.change(rating(4), comment, seventh_day).is_ok());
    let before = s.clone();
    let after = seventh_day.plus_micros(1);
    assert_eq!(
        s.change(rating(5), None, after).err(),
        Some(SurveyError::EditWindowPassed)
    );
    assert_eq!(s, before);
    // Spent although the 14-day expiry (2026-12-22) has not come.
    assert!(after < s.parts().expires_at);
    assert_eq!(s.check_token_use(SurveyRound::FIRST, after), Err(SurveyError::Spent));
    assert_eq!(s.current_answer().map(|a| a.rating.get()), Some(4));
}

#[test]
fn an_answer_on_day_thirteen_keeps_its_full_edit_window_past_the_expiry() {
    let mut s = survey();
    let first = sent().plus_seconds(13 * DAY);
    s.answer(rating(1), None, first).expect("day 13");
    let day_twenty = sent().plus_seconds(20 * DAY);
    assert!(day_twenty > s.parts().expires_at);
    assert_eq!(s.token_valid_until(), day_twenty);
    assert_eq!(s.check_token_use(SurveyRound::FIRST, day_twenty), Ok(TokenUse::Change));
    assert!(s.change(rating(3), None, day_twenty).is_ok());
    assert_eq!(
        s.check_token_use(SurveyRound::FIRST, day_twenty.plus_micros(1)),
        Err(SurveyError::Spent)
    );
}

#[test]
fn a_newer_round_supersedes_the_old_token_answered_or_not() {
    let mut s = survey();
    let second = SurveyRound::FIRST.next();
    assert_eq!(s.check_token_use(second, sent()), Err(SurveyError::Superseded));
    s.answer(rating(5), None, sent()).expect("answer");
    assert_eq!(s.check_token_use(second, sent()), Err(SurveyError::Superseded));
    assert_eq!(s.check_token_use(SurveyRound::FIRST, sent()), Ok(TokenUse::Change));
}

#[test]
fn a_stored_survey_restores_to_the_same_rules() {
    let mut s = survey();
    s.answer(rating(4), None, sent()).expect("answer");
    let restored = Survey::restore(s.parts().clone());
    assert_eq!(restored, s);
    assert_eq!(restored.editable_until(), s.editable_until());
}

#[test]
fn errors_read_well() {
    assert_eq!(SurveyError::Spent.to_string(), "this survey link has been used");
    assert_eq!(
        NoInvitation::ResolvedNotConfigured.to_string(),
        "surveys are sent on close only"
    );
}

#[derive(Debug, Clone)]
enum Command {
    Answer {
        raw_rating: i64,
        comment: bool,
        at_secs: i64,
    },
    Change {
        raw_rating: i64,
        comment: bool,
        at_secs: i64,
    },
}

fn command() -> impl Strategy<Value = Command> {
    let fields = (-3i64..9, any::<bool>(), -DAY..30 * DAY);
    prop_oneof![
        fields
            .clone()
            .prop_map(|(raw_rating, comment, at_secs)| Command::Answer {
                raw_rating,
                comment,
                at_secs
            }),
        fields.prop_map(|(raw_rating, comment, at_secs)| Command::Change {
            raw_rating,
            comment,
            at_secs
        }),
    ]
}

proptest! {
    #[test]
    fn no_command_sequence_changes_a_survey_after_its_edit_window_or_records_a_bad_rating(
        commands in prop::collection::vec(command(), 1..24),
        edit_days in 1u64..10,
    ) {
        let settings = SurveySettings { edit_window: Duration::from_secs(edit_days * 86_400), ..SurveySettings::default() };
        let invitation = Invitation { round: SurveyRound::FIRST, trigger: SurveyTrigger::Closed, send_at: sent() };
        let mut s = Survey::invite(TICKET, invitation, &settings);
        let mut first_answer: Option<Timestamp> = None;
        for command in commands {
            let before = s.clone();
            let (is_answer, raw_rating, comment, at_secs) = match command {
                Command::Answer { raw_rating, comment, at_secs } => (true, raw_rating, comment, at_secs),
                Command::Change { raw_rating, comment, at_secs } => (false, raw_rating, comment, at_secs),
            };
            let at = sent().plus_seconds(at_secs);
            let Ok(r) = Rating::parse(raw_rating) else {
                prop_assert!(!(1..=5).contains(&raw_rating), "{} refused", raw_rating);
                continue;
            };
            let comment = SurveyComment::parse(comment.then_some("ok")).expect("valid");
            let result = if is_answer { s.answer(r, comment, at).map(|_| ()) } else { s.change(r, comment, at).map(|_| ()) };
            if result.is_err() {
                prop_assert_eq!(&s, &before, "a refused command changes nothing");
            }
            if let Some(until) = before.editable_until()
                && at > until
            {
                prop_assert_eq!(&s, &before, "nothing changes after the edit window");
                prop_assert!(before.check_token_use(SurveyRound::FIRST, at).is_err());
            }
            if let Some(answer) = s.current_answer() {
                prop_assert!((1..=5).contains(&answer.rating.get()));
                prop_assert!(answer.answered_at <= s.parts().expires_at, "never first answered after the expiry");
                prop_assert!(answer.changed_at >= answer.answered_at);
                let first = *first_answer.get_or_insert(answer.answered_at);
                prop_assert_eq!(answer.answered_at, first, "the first answer's instant never moves");
            }
            if let Ok(_use) = s.check_token_use(SurveyRound::FIRST, at) {
                prop_assert!(at <= s.token_valid_until());
            }
        }
    }

    #[test]
    fn invitations_are_never_sent_before_the_change_and_quick_customer_closes_never_invite(
        after_open_secs in 0i64..3_600,
        delay_secs in 0u64..86_400,
        by in prop_oneof![Just(ChangedBy::TheCustomer), Just(ChangedBy::Staff), Just(ChangedBy::System)],
    ) {
        let settings = SurveySettings { delay: Duration::from_secs(delay_secs), ..SurveySettings::default() };
        let at = opened().plus_seconds(after_open_secs);
        match invitation_due(close_at(at), context(by), &settings) {
            Ok(invitation) => {
                prop_assert_eq!(invitation.send_at, at.plus_seconds(delay_secs as i64));
                prop_assert!(by != ChangedBy::TheCustomer || after_open_secs > 10 * MINUTE);
            }
            Err(reason) => {
                prop_assert_eq!(reason, NoInvitation::ClosedQuicklyByCustomer);
                prop_assert!(by == ChangedBy::TheCustomer && after_open_secs <= 10 * MINUTE);
            }
        }
    }
}

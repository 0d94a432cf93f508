//! Contract cases of accounts and sessions managed as a whole: revoking a user's
//! sessions together and replacing a password, inside change sets.

use super::*;
use crate::ports::*;

/// Contract: `RevokeSessions` ends every live session of one user except the one kept,
/// leaves other users' sessions alone, and `SetPassword` replaces the hash in the same
/// commit; an unknown user fails the whole commit.
pub async fn sessions_are_revoked_together_and_passwords_replaced(s: &Store) {
    let user = account(s, "owner@example.com", Role::Agent).await;
    let other = account(s, "other@example.com", Role::Agent).await;
    for (hash, whose) in [("u1", user.id), ("u2", user.id), ("u3", user.id), ("o1", other.id)] {
        s.sessions
            .insert(Session {
                token_hash: TokenHash(hash.into()),
                user_id: whose,
                created_at: at(0),
                expires_at: at(1000),
            })
            .await
            .expect("stores");
    }
    let alive = |hash: &'static str| async move {
        s.sessions
            .authenticate(&TokenHash(hash.into()), at(10))
            .await
            .expect("reads")
            .is_some()
    };
    let mut changes = ChangeSet::default();
    changes
        .push(Write::SetPassword {
            user_id: user.id,
            password_hash: "$argon2id$new".into(),
        })
        .push(Write::RevokeSessions {
            user_id: user.id,
            except: Some(TokenHash("u2".into())),
            at: at(5),
        });
    s.uow.commit(changes).await.expect("commits");
    assert!(
        !alive("u1").await && !alive("u3").await,
        "the user's other sessions end"
    );
    assert!(alive("u2").await, "the kept session lives on");
    assert!(alive("o1").await, "another user's session is untouched");
    let (_, hash) = s
        .users
        .find_credentials(&user.email)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(hash, "$argon2id$new");

    let mut all = ChangeSet::default();
    all.push(Write::RevokeSessions {
        user_id: user.id,
        except: None,
        at: at(6),
    });
    s.uow.commit(all).await.expect("commits");
    assert!(!alive("u2").await, "without an exception every session ends");

    let mut unknown = ChangeSet::default();
    unknown
        .push(Write::RevokeSessions {
            user_id: other.id,
            except: None,
            at: at(7),
        })
        .push(Write::SetPassword {
            user_id: UserId::new(987_654),
            password_hash: "$argon2id$x".into(),
        });
    assert_eq!(s.uow.commit(unknown).await, Err(StoreError::Reference("user")));
    assert!(alive("o1").await, "a failed commit revokes nothing");
}

/// Changes `user`'s account as [`Write::UpdateAccount`] does.
fn update_account(user: UserId, role: Option<Role>, active: Option<bool>, keep_an_admin: bool) -> ChangeSet {
    let mut changes = ChangeSet::default();
    changes.push(Write::UpdateAccount {
        user_id: user,
        display_name: None,
        role,
        active,
        keep_an_admin,
    });
    changes
}

/// Contract: `UpdateAccount` changes name, role and state; one that takes away an active
/// admin fails the whole commit with `LastAdmin` unless another active admin remains (an
/// inactive admin does not count); an unknown user is `Reference("user")`; `SetOffline`
/// sets a profile offline; `count_active_admins_except` counts the others.
pub async fn accounts_are_changed_and_the_last_admin_kept(s: &Store) {
    let first = account(s, "first@example.com", Role::Admin).await;
    let agent = account(s, "agent@example.com", Role::Agent).await;
    category(s, "billing").await;
    super::routing::agent_profile(s, agent.id, domain::assignment::Availability::Online, 5).await;
    assert_eq!(s.users.count_active_admins_except(first.id).await, Ok(0));

    let mut changes = ChangeSet::default();
    changes
        .push(Write::UpdateAccount {
            user_id: agent.id,
            display_name: Some(DisplayName::parse("Agent Smith").expect("valid")),
            role: Some(Role::Supervisor),
            active: Some(false),
            keep_an_admin: false,
        })
        .push(Write::SetOffline {
            user_id: agent.id,
            at: at(3),
        });
    s.uow.commit(changes).await.expect("commits");
    let stored = s.users.get(agent.id).await.expect("reads").expect("exists");
    assert_eq!(
        (stored.display_name.as_str(), stored.role, stored.active),
        ("Agent Smith", Role::Supervisor, false)
    );
    let profile = s.agents.agent_profile(agent.id).await.expect("reads").expect("exists");
    assert_eq!(profile.availability, domain::assignment::Availability::Offline);
    assert_eq!(profile.updated_at, at(3));

    // Alone: the admin can be neither demoted nor deactivated, and nothing is written.
    let mut refused = update_account(first.id, Some(Role::Agent), None, true);
    refused.push(Write::RevokeSessions {
        user_id: agent.id,
        except: None,
        at: at(4),
    });
    assert_eq!(s.uow.commit(refused).await, Err(StoreError::LastAdmin));
    assert_eq!(
        s.uow.commit(update_account(first.id, None, Some(false), true)).await,
        Err(StoreError::LastAdmin)
    );
    let still = s.users.get(first.id).await.expect("reads").expect("exists");
    assert!(still.active && still.role == Role::Admin);

    // An inactive admin is no stand-in; an active one is.
    let dormant = account(s, "dormant@example.com", Role::Admin).await;
    s.uow
        .commit(update_account(dormant.id, None, Some(false), true))
        .await
        .expect("the first admin remains");
    assert_eq!(s.users.count_active_admins_except(first.id).await, Ok(0));
    assert_eq!(
        s.uow
            .commit(update_account(first.id, Some(Role::Agent), None, true))
            .await,
        Err(StoreError::LastAdmin)
    );
    let second = account(s, "second@example.com", Role::Admin).await;
    assert_eq!(s.users.count_active_admins_except(first.id).await, Ok(1));
    s.uow
        .commit(update_account(first.id, Some(Role::Agent), None, true))
        .await
        .expect("another admin remains");
    assert_eq!(
        s.uow.commit(update_account(second.id, None, Some(false), true)).await,
        Err(StoreError::LastAdmin),
        "the demoted one no longer counts"
    );
    assert_eq!(
        s.uow
            .commit(update_account(UserId::new(987_654), None, Some(false), false))
            .await,
        Err(StoreError::Reference("user"))
    );
}

/// Contract: `list_users` filters by roles, state and a literal, case-insensitive
/// substring of the address or name (`%` and `_` match only themselves), pages newest
/// first by id, and reports details (last login: the newest session); `user_details`
/// reads one.
pub async fn users_are_listed_by_role_state_and_text_newest_first(s: &Store) {
    let named = |email: &'static str, name: &'static str, role: Role| async move {
        s.users
            .insert(NewAccount {
                email: Email::parse(email).expect("valid"),
                display_name: DisplayName::parse(name).expect("valid"),
                role,
                password_hash: "$argon2id$fake".into(),
                created_at: at(0),
            })
            .await
            .expect("inserts")
    };
    let ann = named("ann@example.com", "Ann Lee", Role::Customer).await;
    let bob = named("bob_100%@example.com", "Bob Stone", Role::Customer).await;
    let cy = named("cy@example.com", "Cy LEEWAY", Role::Agent).await;
    let dee = named("dee@example.com", "Dee", Role::Customer).await;
    s.uow
        .commit(update_account(dee.id, None, Some(false), false))
        .await
        .expect("deactivates");
    for (hash, seconds) in [("old", 10), ("new", 20)] {
        s.sessions
            .insert(Session {
                token_hash: TokenHash(hash.into()),
                user_id: ann.id,
                created_at: at(seconds),
                expires_at: at(1000),
            })
            .await
            .expect("stores");
    }
    let list = |roles: Vec<Role>, active: Option<bool>, text: Option<&str>, limit: u32, after: Option<UserId>| {
        let query = UserQuery {
            roles,
            active,
            text: text.map(str::to_owned),
            limit,
            after,
        };
        async move { s.users.list_users(&query).await.expect("lists") }
    };
    let ids = |page: &Page<UserDetails, UserId>| page.items.iter().map(|d| d.account.id).collect::<Vec<_>>();

    let customers = list(vec![Role::Customer], None, None, 10, None).await;
    assert_eq!(ids(&customers), vec![dee.id, bob.id, ann.id]);
    assert_eq!(customers.next, None);
    let active = list(vec![Role::Customer], Some(true), None, 10, None).await;
    assert_eq!(ids(&active), vec![bob.id, ann.id]);
    let inactive = list(vec![Role::Customer, Role::Agent], Some(false), None, 10, None).await;
    assert_eq!(ids(&inactive), vec![dee.id]);

    let lee = list(vec![Role::Customer, Role::Agent], None, Some("lEe"), 10, None).await;
    assert_eq!(ids(&lee), vec![cy.id, ann.id], "names, case-insensitive");
    let by_mail = list(vec![Role::Customer, Role::Agent], None, Some("BOB_1"), 10, None).await;
    assert_eq!(ids(&by_mail), vec![bob.id]);
    let percent = list(vec![Role::Customer, Role::Agent], None, Some("100%"), 10, None).await;
    assert_eq!(ids(&percent), vec![bob.id]);
    let wildcard = list(vec![Role::Customer, Role::Agent], None, Some("%"), 10, None).await;
    assert_eq!(ids(&wildcard), vec![bob.id], "% is literal");
    let underscore = list(vec![Role::Customer, Role::Agent], None, Some("a_n"), 10, None).await;
    assert!(underscore.items.is_empty(), "_ is literal");

    let first = list(vec![Role::Customer, Role::Agent], None, None, 2, None).await;
    assert_eq!(ids(&first), vec![dee.id, cy.id]);
    assert_eq!(first.next, Some(cy.id));
    let second = list(vec![Role::Customer, Role::Agent], None, None, 2, first.next).await;
    assert_eq!(ids(&second), vec![bob.id, ann.id]);
    assert_eq!(second.next, None, "nothing follows the last page");

    let details = s.users.user_details(ann.id).await.expect("reads").expect("exists");
    assert_eq!(details.account, ann);
    assert_eq!(details.last_login_at, Some(at(20)));
    assert!(details.email_verified);
    assert_eq!(details.phone, None);
    let never = s.users.user_details(bob.id).await.expect("reads").expect("exists");
    assert_eq!(never.last_login_at, None);
    assert_eq!(s.users.user_details(UserId::new(987_654)).await, Ok(None));
}

/// Contract: the roster lists active agents only, by id, with their profile (or the
/// unconfigured one) and open load by priority.
pub async fn the_roster_lists_active_agents_with_profiles_and_loads(s: &Store) {
    let w = world(s).await;
    let idle = account(s, "idle@example.com", Role::Agent).await;
    let gone = account(s, "gone@example.com", Role::Agent).await;
    account(s, "boss@example.com", Role::Supervisor).await;
    s.uow
        .commit(update_account(gone.id, None, Some(false), false))
        .await
        .expect("deactivates");
    super::routing::agent_profile(s, w.agent.id, domain::assignment::Availability::Online, 7).await;
    let ticket = open(s, spec(w.customer.id, "Printer", 1)).await;
    s.uow
        .commit(super::routing::assignment(
            &ticket,
            w.agent.id,
            domain::assignment::Strictness::Automatic,
            2,
        ))
        .await
        .expect("assigns");

    let roster = s.agents.roster(at(5)).await.expect("reads");
    let ids: Vec<UserId> = roster.iter().map(|e| e.profile.user_id).collect();
    assert_eq!(ids, vec![w.agent.id, idle.id]);
    let busy = &roster[0];
    assert_eq!(
        (busy.email.as_str(), busy.display_name.as_str()),
        ("agent@example.com", "Someone")
    );
    assert_eq!(busy.profile.capacity, 7);
    assert_eq!(busy.profile.availability, domain::assignment::Availability::Online);
    assert_eq!(busy.profile.skills.len(), 1);
    assert_eq!(busy.load.open(), 1);
    assert_eq!(roster[1].profile, AgentProfile::unconfigured(idle.id, at(5)));
    assert_eq!(roster[1].load.open(), 0);
}

/// Contract: a deactivated agent takes no ticket, not even a forced assignment, and the
/// refused change set writes nothing.
pub async fn a_deactivated_agent_takes_no_ticket_even_forced(s: &Store) {
    use domain::assignment::{Availability, Refusal, Strictness};
    let agent = account(s, "gone@example.com", Role::Agent).await;
    let customer = account(s, "c@example.com", Role::Customer).await;
    category(s, "billing").await;
    super::routing::agent_profile(s, agent.id, Availability::Online, 5).await;
    let ticket = open(s, spec(customer.id, "Help", 1)).await;
    let mut off = ChangeSet::default();
    off.push(Write::UpdateAccount {
        user_id: agent.id,
        display_name: None,
        role: None,
        active: Some(false),
        keep_an_admin: false,
    });
    s.uow.commit(off).await.expect("deactivates");
    for strictness in [Strictness::Automatic, Strictness::Manual, Strictness::Forced] {
        assert_eq!(
            s.uow
                .commit(super::routing::assignment(&ticket, agent.id, strictness, 2))
                .await,
            Err(StoreError::AgentRefused(Refusal::Deactivated)),
            "{strictness:?}"
        );
    }
    let stored = s.tickets.get(ticket.id()).await.expect("reads").expect("exists");
    assert_eq!(stored.version(), ticket.version(), "nothing written");
}

/// Contract: a password reset token is found while unused and unexpired, its e-mail is
/// queued with it, `ConsumePasswordReset` uses it once (a second use, a use at its
/// expiry, or another user's claim fails the whole commit with `VersionConflict`) and
/// retires the user's other tokens; expired tokens, used or not, are purged.
pub async fn password_reset_tokens_are_used_once_expire_and_are_purged(s: &Store) {
    let user = account(s, "reset@example.com", Role::Customer).await;
    let other = account(s, "reset-other@example.com", Role::Customer).await;
    let issue = |hash: &'static str, whose: UserId, expires: i64| NewPasswordReset {
        token_hash: TokenHash(hash.into()),
        user_id: whose,
        created_at: at(0),
        expires_at: at(expires),
        email: NewNotification {
            idempotency_key: format!("password-reset:{hash}"),
            event_id: None,
            ticket_id: None,
            recipient_id: Some(whose),
            channel: domain::escalation::Channel::Email,
            address: "reset@example.com".into(),
            recipient_name: None,
            template: "password_reset".into(),
            context: TemplateContext::new(),
            at: at(0),
        },
    };
    for (hash, whose, expires) in [
        ("r1", user.id, 1800),
        ("r2", user.id, 1800),
        ("x1", other.id, 1800),
        ("old", user.id, 10),
    ] {
        s.resets
            .issue_password_reset(issue(hash, whose, expires))
            .await
            .expect("stores");
    }
    let ghost = s
        .resets
        .issue_password_reset(issue("ghost", UserId::new(987_654), 1800))
        .await;
    assert!(
        matches!(ghost, Err(StoreError::Reference(_))),
        "an unknown user: {ghost:?}"
    );
    let find = |hash: &'static str, when: i64| async move {
        s.resets
            .find_password_reset(&TokenHash(hash.into()), at(when))
            .await
            .expect("reads")
    };
    assert_eq!(find("r1", 1799).await, Some(user.id), "valid until its expiry");
    assert_eq!(find("r1", 1800).await, None, "not at its expiry");
    assert_eq!(find("nope", 0).await, None);

    let consume = |hash: &'static str, whose: UserId, when: i64| {
        let mut c = ChangeSet::default();
        c.push(Write::ConsumePasswordReset {
            token_hash: TokenHash(hash.into()),
            user_id: whose,
            at: at(when),
        })
        .push(Write::SetPassword {
            user_id: whose,
            password_hash: format!("$argon2id${hash}"),
        });
        c
    };
    assert_eq!(
        s.uow.commit(consume("x1", user.id, 5)).await,
        Err(StoreError::VersionConflict),
        "another user's token"
    );
    assert_eq!(
        s.uow.commit(consume("r1", user.id, 1800)).await,
        Err(StoreError::VersionConflict),
        "expired"
    );
    s.uow
        .commit(consume("r1", user.id, 100))
        .await
        .expect("the first use commits");
    assert_eq!(
        s.uow.commit(consume("r1", user.id, 101)).await,
        Err(StoreError::VersionConflict),
        "single use"
    );
    assert_eq!(find("r1", 100).await, None);
    assert_eq!(find("r2", 100).await, None, "the user's other token is retired too");
    assert_eq!(
        find("x1", 100).await,
        Some(other.id),
        "another user's token is untouched"
    );
    let (_, hash) = s
        .users
        .find_credentials(&user.email)
        .await
        .expect("reads")
        .expect("exists");
    assert_eq!(
        hash, "$argon2id$r1",
        "the failed commits wrote nothing, the successful one everything"
    );
    let queued = s
        .notifications
        .list_notifications(None, None, 100)
        .await
        .expect("lists");
    assert!(queued.iter().any(|n| n.spec.idempotency_key == "password-reset:r1"));

    assert_eq!(
        s.resets.delete_expired_password_resets(at(11)).await,
        Ok(1),
        "the expired one"
    );
    assert_eq!(
        s.resets.delete_expired_password_resets(at(1801)).await,
        Ok(3),
        "used and unused alike once expired"
    );
    assert_eq!(s.resets.delete_expired_password_resets(at(1801)).await, Ok(0));
}

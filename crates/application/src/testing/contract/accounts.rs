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

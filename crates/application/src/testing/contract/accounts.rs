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

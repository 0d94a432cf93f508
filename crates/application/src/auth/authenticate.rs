//! Recognising a caller by bearer token.

use std::sync::Arc;

use domain::Actor;

use crate::error::AppError;
use crate::ports::{Clock, SessionRepository, TokenIssuer, UserAccount};

/// The authenticated caller of a request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Principal {
    /// Their account.
    pub account: UserAccount,
}

impl Principal {
    /// The caller as the domain's actor.
    pub fn actor(&self) -> Actor {
        Actor::new(self.account.id, self.account.role)
    }
}

/// Turns a bearer token into the caller behind it.
#[derive(Clone)]
pub struct Authenticate {
    sessions: Arc<dyn SessionRepository>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl Authenticate {
    /// Wires the use case.
    pub fn new(sessions: Arc<dyn SessionRepository>, tokens: Arc<dyn TokenIssuer>, clock: Arc<dyn Clock>) -> Self {
        Self {
            sessions,
            tokens,
            clock,
        }
    }

    /// The caller behind `token`. Unknown, expired and revoked tokens, and tokens of
    /// deactivated accounts, are [`AppError::Unauthenticated`].
    pub async fn execute(&self, token: &str) -> Result<Principal, AppError> {
        let hash = self.tokens.hash(token);
        match self.sessions.authenticate(&hash, self.clock.now()).await? {
            Some(account) if account.active => Ok(Principal { account }),
            _ => Err(AppError::Unauthenticated),
        }
    }
}

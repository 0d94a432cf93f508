//! Logging out.

use std::sync::Arc;

use crate::error::AppError;
use crate::ports::{Clock, SessionRepository, TokenIssuer};

/// Revokes the session behind a bearer token.
#[derive(Clone)]
pub struct Logout {
    sessions: Arc<dyn SessionRepository>,
    tokens: Arc<dyn TokenIssuer>,
    clock: Arc<dyn Clock>,
}

impl Logout {
    /// Wires the use case.
    pub fn new(sessions: Arc<dyn SessionRepository>, tokens: Arc<dyn TokenIssuer>, clock: Arc<dyn Clock>) -> Self {
        Self {
            sessions,
            tokens,
            clock,
        }
    }

    /// Revokes the token; the token stops working at once.
    pub async fn execute(&self, token: &str) -> Result<(), AppError> {
        let hash = self.tokens.hash(token);
        self.sessions.revoke(&hash, self.clock.now()).await?;
        Ok(())
    }
}

//! The error every use case returns, mapped once at the edge (HTTP problem, CLI message).

use domain::assignment::Refusal;
use domain::{Actor, TicketError, ValueError, Version};

use crate::ports::StoreError;

/// One invalid input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's API name.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
    /// Which rule refused it, when the rule has a stable code (the password policy's
    /// `too_short`, `matches_email`, `too_common`…).
    pub code: Option<&'static str>,
}

impl FieldError {
    /// A field refused by a domain value's parser.
    pub fn new(field: impl Into<String>, error: impl std::fmt::Display) -> Self {
        Self {
            field: field.into(),
            message: error.to_string(),
            code: None,
        }
    }

    /// A field refused by a rule with a stable code.
    pub fn coded(field: impl Into<String>, code: &'static str, error: impl std::fmt::Display) -> Self {
        Self {
            code: Some(code),
            ..Self::new(field, error)
        }
    }

    /// A new password refused by the policy, with the rule's code.
    pub fn password(field: impl Into<String>, refusal: crate::auth::PasswordRefusal) -> Self {
        Self::coded(field, refusal.code(), refusal)
    }
}

/// Why a use case did not complete. Nothing was written in any case.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Input that cannot be accepted; lists every offending field.
    #[error("the request has invalid fields")]
    Invalid(Vec<FieldError>),
    /// No valid credentials were presented.
    #[error("authentication is required")]
    Unauthenticated,
    /// Login with an unknown address or a wrong password (deliberately not saying which).
    #[error("the e-mail address or password is wrong")]
    InvalidCredentials,
    /// The resource does not exist or the caller may not see it.
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The caller's role may not do this to something it can see.
    #[error("{0}")]
    Forbidden(String),
    /// The ticket's rules refused the command.
    #[error(transparent)]
    Ticket(TicketError),
    /// `If-Match` named a version that is no longer current.
    #[error("the ticket was changed since version {expected}; it is now at version {current}")]
    PreconditionFailed {
        /// The version the caller expected.
        expected: i64,
        /// The current version.
        current: Version,
    },
    /// The request conflicts with stored state (a taken e-mail, a category in use).
    #[error("{message}")]
    Conflict {
        /// A stable machine-readable code.
        code: &'static str,
        /// A human-readable explanation.
        message: String,
    },
    /// What the request names existed but is no longer usable (an expired, superseded or
    /// spent survey link).
    #[error("{message}")]
    Gone {
        /// A stable machine-readable code.
        code: &'static str,
        /// A human-readable explanation.
        message: String,
    },
    /// An `Idempotency-Key` was reused with a different request.
    #[error("this Idempotency-Key was already used for a different request")]
    IdempotencyKeyReused,
    /// Too many logins or sign-ups (see the throttle policy); try again after the given
    /// seconds.
    #[error("too many attempts; try again in {retry_after_seconds} seconds")]
    TooManyAttempts {
        /// Seconds until the next attempt is accepted.
        retry_after_seconds: i64,
    },
    /// An upload is larger than the limits allow.
    #[error("{0}")]
    PayloadTooLarge(String),
    /// An upload's type is not accepted, or its bytes contradict its declared type.
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// Storage cannot be reached now; retry later.
    #[error("the service is temporarily unavailable")]
    Unavailable(String),
    /// A bug or corrupt data. The message is for logs only.
    #[error("internal error")]
    Internal(String),
}

impl AppError {
    /// A new password in `field` refused by the policy (422 naming the rule).
    pub fn password(field: impl Into<String>, refusal: crate::auth::PasswordRefusal) -> Self {
        Self::Invalid(vec![FieldError::password(field, refusal)])
    }

    /// One invalid field.
    pub fn invalid(field: impl Into<String>, error: impl std::fmt::Display) -> Self {
        Self::Invalid(vec![FieldError::new(field, error)])
    }
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        match &e {
            StoreError::Unavailable(m) => Self::Unavailable(m.clone()),
            // A uniqueness or reference check lost a race with another request.
            StoreError::Duplicate(_) | StoreError::Reference(_) | StoreError::VersionConflict => Self::Conflict {
                code: "conflict",
                message: format!("{e}; retry the request"),
            },
            StoreError::AgentRefused(Refusal::Deactivated) => Self::Conflict {
                code: "agent_deactivated",
                message: format!("{}; choose another agent", Refusal::Deactivated),
            },
            StoreError::AgentRefused(refusal) => Self::Conflict {
                code: match refusal {
                    Refusal::Unavailable(_) => "agent_unavailable",
                    Refusal::Full { .. } => "agent_at_capacity",
                    Refusal::Deactivated => "agent_deactivated",
                },
                message: format!("{refusal}; an admin or supervisor may force the assignment"),
            },
            StoreError::LastAdmin => Self::Conflict {
                code: "last_admin",
                message: "this is the last active admin: it cannot be deactivated or demoted".into(),
            },
            StoreError::Failure(_) => Self::Internal(e.to_string()),
        }
    }
}

impl From<TicketError> for AppError {
    fn from(e: TicketError) -> Self {
        match e {
            TicketError::NotVisible => Self::NotFound("ticket"),
            other => Self::Ticket(other),
        }
    }
}

/// Collects field errors so a request reports every bad field at once.
#[derive(Debug, Default)]
pub(crate) struct Validator {
    errors: Vec<FieldError>,
}

impl Validator {
    /// Keeps the value, or records the field's error.
    pub(crate) fn check<T>(&mut self, field: &str, result: Result<T, ValueError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::new(field, e));
                None
            }
        }
    }

    /// Records a field error built elsewhere (a coded one, say).
    pub(crate) fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Records an error found another way.
    pub(crate) fn fail(&mut self, field: &str, message: impl std::fmt::Display) {
        self.errors.push(FieldError::new(field, message));
    }

    /// `Err(Invalid)` if anything was recorded.
    pub(crate) fn finish(self) -> Result<(), AppError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(self.errors))
        }
    }
}

/// Lets admins through and refuses everyone else with `refusal` (what only admins do).
pub(crate) fn require_admin(actor: &Actor, refusal: &str) -> Result<(), AppError> {
    match actor.is_admin() {
        true => Ok(()),
        false => Err(AppError::Forbidden(refusal.to_owned())),
    }
}

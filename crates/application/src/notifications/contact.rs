//! How notifications reach the caller: their phone number and SMS consent.

use std::sync::Arc;

use domain::{Actor, PhoneNumber};

use crate::error::{AppError, Validator};
use crate::ports::{Contact, NotificationRepository};

/// `PUT /me/contact`, as received.
#[derive(Debug, Clone, Default)]
pub struct ContactInput {
    /// A phone number in international form; `None` removes it.
    pub phone: Option<String>,
    /// Whether texts may be sent to it.
    pub sms_opt_in: bool,
}

/// Reads and sets the caller's own phone number and SMS consent (any signed-in user). Texts
/// reach a user only with both: a number and their consent.
#[derive(Clone)]
pub struct MyContact {
    store: Arc<dyn NotificationRepository>,
}

impl MyContact {
    /// Wires the use case.
    pub fn new(store: Arc<dyn NotificationRepository>) -> Self {
        Self { store }
    }

    /// The caller's contact details.
    pub async fn get(&self, actor: Actor) -> Result<Contact, AppError> {
        self.store
            .contacts(&[actor.user_id])
            .await?
            .into_iter()
            .next()
            .ok_or(AppError::NotFound("user"))
    }

    /// Replaces them: 422 for a number not in international form, or consent without a
    /// number.
    pub async fn set(&self, actor: Actor, input: ContactInput) -> Result<Contact, AppError> {
        let mut v = Validator::default();
        let phone = match input.phone.as_deref() {
            None => None,
            Some(raw) => v.check("phone", PhoneNumber::parse(raw)),
        };
        if input.sms_opt_in && input.phone.is_none() {
            v.fail("sms_opt_in", "needs a phone number");
        }
        v.finish()?;
        let phone = phone.map(|p| p.as_str().to_owned());
        if !self.store.set_contact(actor.user_id, phone, input.sms_opt_in).await? {
            return Err(AppError::NotFound("user"));
        }
        self.get(actor).await
    }
}

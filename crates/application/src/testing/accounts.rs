//! Users, categories and idempotency keys of the fakes.

use async_trait::async_trait;
use domain::{CategorySlug, Email, Role, Timestamp, UserId};

use super::Fake;
use crate::ports::{
    Category, CategoryChanges, CategoryRepository, IdempotencyRecord, IdempotencyRepository, NewAccount, StoreError,
    UserAccount, UserRepository,
};

#[async_trait]
impl UserRepository for Fake {
    async fn insert(&self, _: NewAccount) -> Result<UserAccount, StoreError> {
        Err(StoreError::Failure("not used".into()))
    }

    async fn get(&self, id: UserId) -> Result<Option<UserAccount>, StoreError> {
        Ok(self.state().users.iter().find(|u| u.id == id).cloned())
    }

    async fn find_credentials(&self, _: &Email) -> Result<Option<(UserAccount, String)>, StoreError> {
        Ok(None)
    }

    async fn any_active_admin(&self) -> Result<bool, StoreError> {
        Ok(self.state().users.iter().any(|u| u.active && u.role == Role::Admin))
    }
}

#[async_trait]
impl CategoryRepository for Fake {
    async fn list(&self, _: bool) -> Result<Vec<Category>, StoreError> {
        Ok(self.state().categories.clone())
    }

    async fn get(&self, slug: &CategorySlug) -> Result<Option<Category>, StoreError> {
        Ok(self.state().categories.iter().find(|c| c.slug == *slug).cloned())
    }

    async fn insert(&self, _: Category) -> Result<(), StoreError> {
        Ok(())
    }

    async fn update(&self, _: &CategorySlug, _: CategoryChanges, _: Timestamp) -> Result<Option<Category>, StoreError> {
        Ok(None)
    }

    async fn delete(&self, _: &CategorySlug) -> Result<bool, StoreError> {
        Ok(false)
    }
}

#[async_trait]
impl IdempotencyRepository for Fake {
    async fn find(
        &self,
        user_id: UserId,
        scope: &'static str,
        key: &str,
    ) -> Result<Option<IdempotencyRecord>, StoreError> {
        Ok(self
            .state()
            .keys
            .iter()
            .find(|k| k.user_id == user_id && k.scope == scope && k.key == key)
            .cloned())
    }
}

//! What opening a ticket reads, in one round trip: the new id, the category's state and
//! the version of the reference data (categories, SLA policies, business calendars). The
//! policies and calendars themselves come from memory while that version is the one they
//! were read at, and are read again when it moved (ADR 0025). Every change to those tables
//! moves the version in its own transaction (a trigger), so a change committed before
//! the read is always seen, in this process or any other.

use std::sync::{Arc, Mutex};

use application::ports::{Opening, SlaCalendarRepository as _, SlaPolicyRepository as _, SlaReference, StoreError};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use domain::{CategorySlug, TicketId};

use crate::error::db_error;
use crate::pool::Database;
use crate::schema::{categories, reference_version};

/// The SLA reference data last read, with the version it was read at.
#[derive(Default)]
pub(crate) struct ReferenceCache {
    current: Mutex<Option<(i64, Arc<SlaReference>)>>,
}

impl ReferenceCache {
    /// The data read at `version`, if that is what is kept.
    fn at(&self, version: i64) -> Option<Arc<SlaReference>> {
        let current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        current
            .as_ref()
            .filter(|(kept, _)| *kept == version)
            .map(|(_, data)| Arc::clone(data))
    }

    /// Keeps `data`, read after the version was `version`, unless something read at a
    /// later version is kept already.
    fn keep(&self, version: i64, data: Arc<SlaReference>) {
        let mut current = self.current.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if current.as_ref().is_none_or(|(kept, _)| *kept < version) {
            *current = Some((version, data));
        }
    }
}

impl Database {
    /// See [`application::ports::TicketRepository::opening`].
    pub(crate) async fn read_opening(&self, category: &CategorySlug) -> Result<Opening, StoreError> {
        let slug = category.to_string();
        let version = || {
            reference_version::table
                .select(reference_version::version)
                .single_value()
        };
        let active = move || {
            categories::table
                .filter(categories::slug.eq(slug.clone()))
                .select(categories::active)
                .single_value()
        };
        let (id, version, category_active): (i64, Option<i64>, Option<bool>) = match &*self.pool {
            crate::pool::DbPool::Postgres(_) => db_run!(self, conn => {
                diesel::select((crate::nextval("ticket_id_seq"), version(), active()))
                    .get_result(conn)
                    .await
                    .map_err(db_error)?
            }),
            // The id is a write on SQLite (a row of `id_sequences`), so it stays its own
            // statement; the rest is one read.
            crate::pool::DbPool::Sqlite(_) => {
                let id = application::ports::TicketRepository::next_id(self).await?.get();
                let (version, category_active): (Option<i64>, Option<bool>) = db_run!(self, conn => {
                    diesel::select((version(), active())).get_result(conn).await.map_err(db_error)?
                });
                (id, version, category_active)
            }
        };
        let reference = match version.and_then(|v| self.reference.at(v)) {
            Some(kept) => kept,
            None => {
                // Read after the version, so at least as new as it says.
                let data = Arc::new(SlaReference {
                    policies: self.list_policies().await?,
                    calendars: self.list_calendars().await?,
                });
                if let Some(v) = version {
                    self.reference.keep(v, Arc::clone(&data));
                }
                data
            }
        };
        Ok(Opening {
            id: TicketId::new(id),
            category_active,
            reference,
        })
    }
}

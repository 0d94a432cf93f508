//! The ports: what the use cases need from the outside world, stated with their error
//! contracts. Adapters implement them; the binaries wire adapters to use cases.

mod agents;
mod assignments;
mod attempts;
mod blobs;
mod calendars;
mod categories;
mod clock;
mod comments;
mod delivery;
mod escalation;
mod idempotency;
mod notifications;
mod password_resets;
mod registrations;
mod reports;
mod security;
mod sessions;
mod store;
mod surveys;
mod tickets;
mod users;

pub use agents::{AgentProfile, AgentRepository, AgentWorkload, DEFAULT_CAPACITY, RosterEntry};
pub use assignments::{AgentStanding, LockedFacts, QueuedAssignment, settle_assignments};
pub use attempts::AttemptStore;
pub use blobs::{BlobError, BlobRead, BlobStore, ByteStream, Bytes, single_chunk};
pub use calendars::{
    CalendarSupport, HolidayRuleSpec, SlaCalendarRepository, SlaPolicyRepository, SlaReference, SlaTargetRepository,
    StoredCalendar, StoredSla,
};
pub use categories::{Category, CategoryChanges, CategoryRepository};
pub use clock::{Clock, SystemClock};
pub use comments::{CommentRepository, CommentView, ConversationQuery, UploadIntents};
pub use delivery::{NotificationGateway, OutgoingMessage, Rendered, SendError, TemplateContext, TemplateRenderer};
pub use escalation::{EscalationChecks, EscalationRuleRepository};
pub use idempotency::{IdempotencyRecord, IdempotencyRepository};
pub use notifications::{
    Contact, NewNotification, Notification, NotificationRepository, NotificationStatus, OutboxEvent, OutboxRepository,
    Outcome,
};
pub use password_resets::{NewPasswordReset, PasswordResets};
pub use registrations::{Registrations, SignUpRecord, SignedUp};
pub use reports::{
    AgentLine, BacklogRow, DayCounts, GroupKey, HandledRow, LowRating, Measure, MinutesRow, RatingRow,
    ReportRepository, ReportWindow, SlaRow, VolumeData,
};
pub use security::{PasswordHasher, TokenHash, TokenIssuer};
pub use sessions::{Session, SessionRepository};
pub use store::{ChangeSet, StoreError, UnitOfWork, Write};
pub use surveys::{StoredSurvey, SurveyRepository};
pub use tickets::{HistoryEntry, Opening, Page, TicketCursor, TicketFilter, TicketQuery, TicketRepository, TicketSort};
pub use users::{NewAccount, UserAccount, UserDetails, UserQuery, UserRepository};

#[cfg(any(test, feature = "mocks"))]
pub use agents::MockAgentRepository;
#[cfg(any(test, feature = "mocks"))]
pub use attempts::MockAttemptStore;
#[cfg(any(test, feature = "mocks"))]
pub use blobs::MockBlobStore;
#[cfg(any(test, feature = "mocks"))]
pub use calendars::{MockSlaCalendarRepository, MockSlaPolicyRepository, MockSlaTargetRepository};
#[cfg(any(test, feature = "mocks"))]
pub use categories::MockCategoryRepository;
#[cfg(any(test, feature = "mocks"))]
pub use clock::MockClock;
#[cfg(any(test, feature = "mocks"))]
pub use comments::{MockCommentRepository, MockUploadIntents};
#[cfg(any(test, feature = "mocks"))]
pub use delivery::{MockNotificationGateway, MockTemplateRenderer};
#[cfg(any(test, feature = "mocks"))]
pub use escalation::{MockEscalationChecks, MockEscalationRuleRepository};
#[cfg(any(test, feature = "mocks"))]
pub use idempotency::MockIdempotencyRepository;
#[cfg(any(test, feature = "mocks"))]
pub use notifications::{MockNotificationRepository, MockOutboxRepository};
#[cfg(any(test, feature = "mocks"))]
pub use password_resets::MockPasswordResets;
#[cfg(any(test, feature = "mocks"))]
pub use registrations::MockRegistrations;
#[cfg(any(test, feature = "mocks"))]
pub use reports::MockReportRepository;
#[cfg(any(test, feature = "mocks"))]
pub use security::{MockPasswordHasher, MockTokenIssuer};
#[cfg(any(test, feature = "mocks"))]
pub use sessions::MockSessionRepository;
#[cfg(any(test, feature = "mocks"))]
pub use store::MockUnitOfWork;
#[cfg(any(test, feature = "mocks"))]
pub use surveys::MockSurveyRepository;
#[cfg(any(test, feature = "mocks"))]
pub use tickets::MockTicketRepository;
#[cfg(any(test, feature = "mocks"))]
pub use users::MockUserRepository;

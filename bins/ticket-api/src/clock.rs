//! The API's clock: the system clock — or, only in a binary built with the `test-clock`
//! feature (which the end-to-end harness enables and no release build has), the system
//! clock moved ahead by a number of seconds read from the file `TICKET_TEST_CLOCK_FILE`
//! names, on every reading, so a test can let 30 minutes pass in an instant. No setting
//! switches it on: without the feature the variable is ignored.

use std::sync::Arc;

use application::ports::{Clock, SystemClock};

/// The clock the API's use cases read.
pub fn api_clock() -> Arc<dyn Clock> {
    #[cfg(feature = "test-clock")]
    if let Some(path) = std::env::var_os("TICKET_TEST_CLOCK_FILE") {
        tracing::warn!(file = ?path, "test clock: the API's time is shifted by the seconds in this file");
        return Arc::new(offset::OffsetClock { path: path.into() });
    }
    Arc::new(SystemClock)
}

#[cfg(feature = "test-clock")]
mod offset {
    use application::ports::{Clock, SystemClock};
    use domain::Timestamp;

    /// The system clock plus the seconds in `path` (none when the file is missing or
    /// does not hold a whole number).
    pub(super) struct OffsetClock {
        pub(super) path: std::path::PathBuf,
    }

    impl Clock for OffsetClock {
        fn now(&self) -> Timestamp {
            let offset = std::fs::read_to_string(&self.path)
                .ok()
                .and_then(|s| s.trim().parse::<i64>().ok())
                .unwrap_or(0);
            SystemClock.now().plus_seconds(offset)
        }
    }
}

//! What a deployment configures about surveys, with the issue's defaults.

use std::fmt;
use std::time::Duration;

const MINUTE: u64 = 60;
const DAY: u64 = 24 * 60 * MINUTE;

/// The survey settings. [`SurveySettings::default`] gives the issue's defaults; the
/// application reads overrides from its configuration and calls [`SurveySettings::check`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SurveySettings {
    /// Also invite when a ticket is resolved, not only when it is closed. Default `false`.
    pub on_resolved: bool,
    /// How long after the status change the invitation is sent. Default zero (at once).
    pub delay: Duration,
    /// How long an unanswered invitation's token may be used, counted from the send
    /// instant. Default 14 days.
    pub token_lifetime: Duration,
    /// How long after the first answer it may be changed. Default 7 days.
    pub edit_window: Duration,
    /// Tickets closed by their own customer within this long of opening get no
    /// invitation; `None` turns the exclusion off. Default 10 minutes.
    pub exclude_customer_close_within: Option<Duration>,
    /// Merged tickets get no invitation (takes effect once merging exists). Default `true`.
    pub exclude_merged: bool,
}

impl SurveySettings {
    /// The longest any of the durations may be.
    pub const MAX_DURATION: Duration = Duration::from_secs(365 * DAY);
}

impl Default for SurveySettings {
    fn default() -> Self {
        Self {
            on_resolved: false,
            delay: Duration::ZERO,
            token_lifetime: Duration::from_secs(14 * DAY),
            edit_window: Duration::from_secs(7 * DAY),
            exclude_customer_close_within: Some(Duration::from_secs(10 * MINUTE)),
            exclude_merged: true,
        }
    }
}

/// Why survey settings were refused. Names the setting (as in [`SurveySettings`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SurveySettingsError {
    /// A token lifetime or edit window of zero would make every link dead on arrival.
    Zero {
        /// The setting.
        setting: &'static str,
    },
    /// Longer than [`SurveySettings::MAX_DURATION`].
    TooLong {
        /// The setting.
        setting: &'static str,
    },
}

impl fmt::Display for SurveySettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Zero { setting } => write!(f, "survey setting `{setting}` must be longer than zero"),
            Self::TooLong { setting } => write!(f, "survey setting `{setting}` must be at most 365 days"),
        }
    }
}

impl std::error::Error for SurveySettingsError {}

impl SurveySettings {
    /// Checks the durations: token lifetime and edit window above zero, every duration at
    /// most [`Self::MAX_DURATION`].
    pub fn check(&self) -> Result<(), SurveySettingsError> {
        let durations = [
            ("delay", self.delay, true),
            ("token_lifetime", self.token_lifetime, false),
            ("edit_window", self.edit_window, false),
            (
                "exclude_customer_close_within",
                self.exclude_customer_close_within.unwrap_or(Duration::ZERO),
                true,
            ),
        ];
        for (setting, value, zero_allowed) in durations {
            if value.is_zero() && !zero_allowed {
                return Err(SurveySettingsError::Zero { setting });
            }
            if value > Self::MAX_DURATION {
                return Err(SurveySettingsError::TooLong { setting });
            }
        }
        Ok(())
    }
}

/// `duration` in whole microseconds, saturating (settings are checked to at most a year).
pub(crate) fn micros(duration: Duration) -> i64 {
    i64::try_from(duration.as_micros()).unwrap_or(i64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_the_issues() {
        let s = SurveySettings::default();
        assert!(!s.on_resolved);
        assert_eq!(s.delay, Duration::ZERO);
        assert_eq!(s.token_lifetime.as_secs(), 14 * 86_400);
        assert_eq!(s.edit_window.as_secs(), 7 * 86_400);
        assert_eq!(s.exclude_customer_close_within.map(|d| d.as_secs()), Some(600));
        assert!(s.exclude_merged);
        assert_eq!(s.check(), Ok(()));
    }

    #[test]
    fn zero_lifetimes_and_durations_over_a_year_are_refused() {
        let zero_tokens = SurveySettings {
            token_lifetime: Duration::ZERO,
            ..SurveySettings::default()
        };
        assert_eq!(
            zero_tokens.check(),
            Err(SurveySettingsError::Zero {
                setting: "token_lifetime"
            })
        );
        let zero_edit = SurveySettings {
            edit_window: Duration::ZERO,
            ..SurveySettings::default()
        };
        assert_eq!(
            zero_edit.check(),
            Err(SurveySettingsError::Zero { setting: "edit_window" })
        );
        let no_exclusion = SurveySettings {
            exclude_customer_close_within: None,
            ..SurveySettings::default()
        };
        assert_eq!(no_exclusion.check(), Ok(()));
        let year = SurveySettings {
            delay: SurveySettings::MAX_DURATION,
            ..SurveySettings::default()
        };
        assert_eq!(year.check(), Ok(()));
        let over = SurveySettings {
            delay: SurveySettings::MAX_DURATION + Duration::from_micros(1),
            ..SurveySettings::default()
        };
        assert_eq!(over.check(), Err(SurveySettingsError::TooLong { setting: "delay" }));
        assert!(over.check().expect_err("too long").to_string().contains("`delay`"));
    }

    #[test]
    fn micros_saturate() {
        assert_eq!(micros(Duration::from_secs(2)), 2_000_000);
        assert_eq!(micros(Duration::MAX), i64::MAX);
    }
}

//! Saying how a due instant was derived, so nobody has to guess.

use domain::Timestamp;
use domain::sla::{BusinessCalendar, CalendarError, Counted, LocalDate};

/// A run of what was counted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Whole weeks counted in one step (holidays in them subtracted).
    Weeks {
        /// The first local date.
        from: LocalDate,
        /// How many.
        weeks: i64,
        /// The business seconds they held.
        seconds: i64,
    },
    /// Consecutive single open windows.
    Windows {
        /// How many.
        count: usize,
        /// Where counting in the first began.
        from: Timestamp,
        /// Where the last ended.
        until: Timestamp,
        /// The business seconds they held.
        seconds: i64,
    },
}

/// How adding business time to a start gave a due instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// The start.
    pub start: Timestamp,
    /// The business time added, in seconds.
    pub business_seconds: i64,
    /// The result.
    pub due_at: Timestamp,
    /// Where counting began: the start if open then, else the next opening.
    pub counting_starts_at: Timestamp,
    /// What was counted, compressed into runs.
    pub steps: Vec<Step>,
    /// Holidays between the start and the due date on which the calendar would have been
    /// open.
    pub holidays: Vec<LocalDate>,
    /// The calendar's time zone.
    pub time_zone: String,
    /// All of it in one sentence or three.
    pub summary: String,
}

/// Adds `seconds` of business time to `start` and explains the result.
pub fn explain(calendar: &BusinessCalendar, start: Timestamp, seconds: i64) -> Result<Explanation, CalendarError> {
    let (due_at, counted) = calendar.explain_add(start, seconds)?;
    let mut steps: Vec<Step> = Vec::new();
    for c in counted {
        match c {
            Counted::Weeks { from, weeks, seconds } => steps.push(Step::Weeks { from, weeks, seconds }),
            Counted::Window { from, until } => {
                let held = until.unix_seconds() - from.unix_seconds();
                if let Some(Step::Windows {
                    count,
                    until: last,
                    seconds,
                    ..
                }) = steps.last_mut()
                {
                    *count += 1;
                    *seconds += held;
                    *last = until;
                } else {
                    steps.push(Step::Windows {
                        count: 1,
                        from,
                        until,
                        seconds: held,
                    });
                }
            }
        }
    }
    // The next opening: where the first second of business time begins.
    let counting_starts_at = match seconds {
        0 => start,
        _ => calendar.add_business_time(start, 1)?.plus_seconds(-1),
    };
    let holidays = holidays_between(calendar, start, due_at);
    let summary = summarize(start, counting_starts_at, &steps, &holidays, due_at, seconds);
    Ok(Explanation {
        start,
        business_seconds: seconds,
        due_at,
        counting_starts_at,
        steps,
        holidays,
        time_zone: calendar.zone().name().to_owned(),
        summary,
    })
}

fn holidays_between(calendar: &BusinessCalendar, from: Timestamp, until: Timestamp) -> Vec<LocalDate> {
    let (mut next, last) = (calendar.local_date_of(from), calendar.local_date_of(until));
    let mut found = Vec::new();
    while let Some(h) = calendar.holidays().next_holiday(next, last) {
        if !calendar.weekly().on(h.weekday()).is_empty() {
            found.push(h);
        }
        next = h.plus_days(1);
    }
    found
}

fn duration(seconds: i64) -> String {
    let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60);
    match (h, m, s) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, 0) => format!("{h} h {m} min"),
        (h, m, s) => format!("{h} h {m} min {s} s"),
    }
}

fn summarize(
    start: Timestamp,
    counting: Timestamp,
    steps: &[Step],
    holidays: &[LocalDate],
    due: Timestamp,
    seconds: i64,
) -> String {
    if seconds == 0 {
        return format!("Nothing to add: due at the start, {start}.");
    }
    let begins = if counting == start {
        format!("Counting starts at {start}, inside open hours.")
    } else {
        format!("Counting starts at the next opening, {counting}.")
    };
    let runs: Vec<String> = steps
        .iter()
        .map(|s| match s {
            Step::Weeks { weeks, seconds, .. } => {
                let unit = if *weeks == 1 { "full week" } else { "full weeks" };
                format!("{weeks} {unit} ({})", duration(*seconds))
            }
            Step::Windows { count, seconds, .. } => {
                let unit = if *count == 1 { "window" } else { "windows" };
                format!("{count} {unit} ({})", duration(*seconds))
            }
        })
        .collect();
    let closed = if holidays.is_empty() {
        String::new()
    } else {
        let dates: Vec<String> = holidays.iter().map(LocalDate::to_string).collect();
        format!(" Closed on holidays {}.", dates.join(", "))
    };
    format!(
        "{begins} Counted {} of business time: {}.{closed} Due {due}.",
        duration(seconds),
        runs.join(", then ")
    )
}

//! Background jobs: a batch of work over ports that reports what it did.
//!
//! Every loop of the worker is a [`Job`]: the use case does one batch (leasing due rows
//! through an index, so the cost follows the work that is due) and says whether more may
//! be waiting; the worker's one driver decides when to run it again, counts what it
//! reports, backs off after failures and stops it on shutdown.

use async_trait::async_trait;

use crate::error::AppError;

/// What a number a job reports means to whoever collects it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MeasureKind {
    /// Added up over the batches (things done).
    Counter,
    /// The latest value replaces the one before (a level, such as a backlog).
    Gauge,
}

/// One number a job reports, declared once with its meaning.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Measure {
    /// Its name, `snake_case`, unique across jobs (metrics are named after it).
    pub name: &'static str,
    /// What it counts, in one sentence.
    pub help: &'static str,
    /// Counter or gauge.
    pub kind: MeasureKind,
}

impl Measure {
    /// A counter.
    pub const fn counter(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            kind: MeasureKind::Counter,
        }
    }

    /// A gauge.
    pub const fn gauge(name: &'static str, help: &'static str) -> Self {
        Self {
            name,
            help,
            kind: MeasureKind::Gauge,
        }
    }
}

/// What one batch did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BatchReport {
    /// Items the batch took (leased, considered or looked at).
    pub taken: usize,
    /// More work may be due now: run another batch at once.
    pub more: bool,
    /// Items that failed alone (their leases run out and a later batch retries them).
    pub failed: usize,
    /// The last such failure, for the log.
    pub last_error: Option<String>,
    /// The job's measures ([`Job::measures`]) with this batch's values.
    pub values: Vec<(&'static str, i64)>,
}

impl BatchReport {
    /// Adds a measure's value.
    pub fn with(mut self, name: &'static str, value: usize) -> Self {
        self.values.push((name, i64::try_from(value).unwrap_or(i64::MAX)));
        self
    }

    /// True when the batch did something worth a log line.
    pub fn did_something(&self) -> bool {
        self.failed > 0 || self.values.iter().any(|(_, v)| *v != 0)
    }

    /// Adds `other` (a later batch of the same tick) to this one: counters add up, the
    /// later gauge wins, `more` is the later batch's.
    pub fn absorb(&mut self, other: BatchReport, measures: &[Measure]) {
        self.taken += other.taken;
        self.failed += other.failed;
        self.more = other.more;
        if other.last_error.is_some() {
            self.last_error = other.last_error;
        }
        for (name, value) in other.values {
            let gauge = measures.iter().any(|m| m.name == name && m.kind == MeasureKind::Gauge);
            match self.values.iter_mut().find(|(n, _)| *n == name) {
                Some((_, v)) if gauge => *v = value,
                Some((_, v)) => *v = v.saturating_add(value),
                None => self.values.push((name, value)),
            }
        }
    }
}

/// A background job: one batch of work at a time.
#[async_trait]
pub trait Job: Send + Sync {
    /// Its name, `kebab-case` (`ticket-worker tick NAME`, logs and metrics).
    fn name(&self) -> &'static str;

    /// The numbers its reports carry.
    fn measures(&self) -> &'static [Measure];

    /// Does one batch. `Err` when the batch could not run at all (the database is
    /// unreachable, say): nothing was done, and the driver backs off.
    async fn run_batch(&self) -> Result<BatchReport, AppError>;
}

#[cfg(test)]
mod tests {
    use super::*;

    const MEASURES: &[Measure] = &[Measure::counter("done", "Done."), Measure::gauge("level", "Level.")];

    #[test]
    fn later_batches_add_counters_and_replace_gauges() {
        let mut total = BatchReport {
            taken: 2,
            more: true,
            ..BatchReport::default()
        }
        .with("done", 2)
        .with("level", 7);
        total.absorb(
            BatchReport {
                taken: 1,
                failed: 1,
                last_error: Some("lost".into()),
                ..BatchReport::default()
            }
            .with("done", 1)
            .with("level", 3),
            MEASURES,
        );
        assert_eq!(total.taken, 3);
        assert!(!total.more, "the later batch says whether more is due");
        assert_eq!(total.failed, 1);
        assert_eq!(total.last_error.as_deref(), Some("lost"));
        assert_eq!(total.values, vec![("done", 3), ("level", 3)]);
        assert!(total.did_something());
        assert!(!BatchReport::default().with("done", 0).did_something());
    }
}

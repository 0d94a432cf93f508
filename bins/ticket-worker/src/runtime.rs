//! The one driver of every background job ([`application::jobs::Job`]).
//!
//! A job runs on its own task: every `interval` the driver runs one tick — batches until
//! a batch says nothing more is due, one fails, or shutdown is asked — counts what the
//! batches report, and backs off after a tick that could not run. Shutdown lets the
//! running batch finish and starts no other.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use application::jobs::{BatchReport, Job, Measure, MeasureKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The longest a failing job waits beyond its interval.
const MAX_BACKOFF: Duration = Duration::from_secs(60);

/// A job and how often it runs.
#[derive(Clone)]
pub struct Scheduled {
    /// The job.
    pub job: Arc<dyn Job>,
    /// Between the starts of its ticks (a tick that runs longer is followed at once).
    pub every: Duration,
}

/// The jobs a process runs, in the order they were added.
#[derive(Clone, Default)]
pub struct Jobs {
    list: Vec<Scheduled>,
}

impl Jobs {
    /// Adds a job that ticks every `every`.
    pub fn add(&mut self, every: Duration, job: impl Job + 'static) -> &mut Self {
        self.list.push(Scheduled {
            job: Arc::new(job),
            every,
        });
        self
    }

    /// The job named `name`.
    pub fn get(&self, name: &str) -> Option<&Scheduled> {
        self.list.iter().find(|s| s.job.name() == name)
    }

    /// The jobs' names.
    pub fn names(&self) -> Vec<&'static str> {
        self.list.iter().map(|s| s.job.name()).collect()
    }
}

/// What the driver observed of one job, for `/metrics`.
#[derive(Debug)]
pub struct JobStats {
    name: &'static str,
    measures: &'static [Measure],
    values: Vec<AtomicI64>,
    ticks: AtomicI64,
    failures: AtomicI64,
    last_tick_micros: AtomicI64,
    /// When the current run of ticks that could not run began; `None` while they run.
    failing_since: Mutex<Option<Instant>>,
    /// The job's task has ended (shutdown, or a panic).
    stopped: AtomicBool,
}

/// Marks its job stopped when dropped: when the job's task returns or unwinds.
struct Alive(Arc<JobStats>);

impl Drop for Alive {
    fn drop(&mut self) {
        self.0.stopped.store(true, Ordering::Relaxed);
        if std::thread::panicking() {
            tracing::error!(job = self.0.name, "the job panicked and has stopped; /readyz now fails");
        }
    }
}

impl JobStats {
    fn new(job: &dyn Job) -> Self {
        let measures = job.measures();
        Self {
            name: job.name(),
            measures,
            values: measures.iter().map(|_| AtomicI64::new(0)).collect(),
            ticks: AtomicI64::new(0),
            failures: AtomicI64::new(0),
            last_tick_micros: AtomicI64::new(0),
            failing_since: Mutex::new(None),
            stopped: AtomicBool::new(false),
        }
    }

    fn record(&self, tick: &Tick) {
        self.ticks.fetch_add(1, Ordering::Relaxed);
        if tick.error.is_some() {
            self.failures.fetch_add(1, Ordering::Relaxed);
        }
        if let Ok(mut since) = self.failing_since.lock() {
            match (&tick.error, *since) {
                (Some(_), None) => *since = Some(Instant::now()),
                (None, Some(_)) => *since = None,
                _ => {}
            }
        }
        let micros = i64::try_from(tick.elapsed.as_micros()).unwrap_or(i64::MAX);
        self.last_tick_micros.store(micros, Ordering::Relaxed);
        for (name, value) in &tick.report.values {
            let Some(i) = self.measures.iter().position(|m| m.name == *name) else {
                continue;
            };
            match self.measures[i].kind {
                MeasureKind::Counter => self.values[i].fetch_add(*value, Ordering::Relaxed),
                MeasureKind::Gauge => self.values[i].swap(*value, Ordering::Relaxed),
            };
        }
    }

    /// Completed ticks.
    pub fn ticks(&self) -> i64 {
        self.ticks.load(Ordering::Relaxed)
    }
}

/// Every job's statistics.
#[derive(Debug, Default)]
pub struct Metrics {
    jobs: Vec<Arc<JobStats>>,
}

impl Metrics {
    /// The Prometheus text exposition of every job: each measure as
    /// `ticket_worker_NAME_total` (counters) or `ticket_worker_NAME` (gauges), and per job
    /// `ticket_worker_JOB_ticks_total`, `..._failures_total` and `..._last_tick_seconds`,
    /// with `ticket_worker_ticks_total` over all jobs.
    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut line = |name: String, kind: &str, help: &str, value: String| {
            out.push_str(&format!(
                "# HELP ticket_worker_{name} {help}\n# TYPE ticket_worker_{name} {kind}\nticket_worker_{name} {value}\n"
            ));
        };
        let all: i64 = self.jobs.iter().map(|j| j.ticks()).sum();
        line(
            "ticks_total".into(),
            "counter",
            "Completed ticks of all jobs.",
            all.to_string(),
        );
        for job in &self.jobs {
            let stem = job.name.replace('-', "_");
            line(
                format!("{stem}_ticks_total"),
                "counter",
                &format!("Completed ticks of the {} job.", job.name),
                job.ticks().to_string(),
            );
            line(
                format!("{stem}_failures_total"),
                "counter",
                &format!(
                    "Ticks of the {} job that could not run (followed by a back-off).",
                    job.name
                ),
                job.failures.load(Ordering::Relaxed).to_string(),
            );
            line(
                format!("{stem}_last_tick_seconds"),
                "gauge",
                &format!("Duration of the last tick of the {} job.", job.name),
                (job.last_tick_micros.load(Ordering::Relaxed) as f64 / 1e6).to_string(),
            );
            for (m, value) in job.measures.iter().zip(&job.values) {
                let value = value.load(Ordering::Relaxed).to_string();
                match m.kind {
                    MeasureKind::Counter => line(format!("{}_total", m.name), "counter", m.help, value),
                    MeasureKind::Gauge => line(m.name.to_owned(), "gauge", m.help, value),
                }
            }
        }
        out
    }

    /// The statistics of the job named `name`.
    pub fn job(&self, name: &str) -> Option<&JobStats> {
        self.jobs.iter().find(|j| j.name == name).map(|j| &**j)
    }

    /// Whether every job is running: `Err` naming the first whose task has ended (it
    /// returned or panicked) or whose ticks have all failed for longer than
    /// `max_failing` (a job that fails now and then, or only briefly, is still ready).
    pub fn readiness(&self, max_failing: Duration) -> Result<(), String> {
        for job in &self.jobs {
            if job.stopped.load(Ordering::Relaxed) {
                return Err(format!("the {} job has stopped", job.name));
            }
            let since = job.failing_since.lock().map(|s| *s).unwrap_or(None);
            if let Some(since) = since
                && since.elapsed() > max_failing
            {
                return Err(format!(
                    "every tick of the {} job has failed for {} s",
                    job.name,
                    since.elapsed().as_secs()
                ));
            }
        }
        Ok(())
    }
}

/// What one tick did.
#[derive(Debug, Clone)]
pub struct Tick {
    /// Its batches added up.
    pub report: BatchReport,
    /// Why the last batch could not run, if it could not.
    pub error: Option<String>,
    /// How long the tick took.
    pub elapsed: Duration,
}

/// Runs one tick of `job`: batches until one says nothing more is due, fails, or `stopped`
/// flips. Logged when it did something.
pub async fn tick(job: &dyn Job, stopped: &watch::Receiver<bool>) -> Tick {
    let started = Instant::now();
    let mut report = BatchReport::default();
    let mut error = None;
    loop {
        match job.run_batch().await {
            Ok(batch) => {
                if let Some(e) = &batch.last_error {
                    tracing::warn!(job = job.name(), failed = batch.failed, error = %e, "some items failed; their leases run out and a later tick retries them");
                }
                let go_on = batch.more && batch.failed == 0;
                report.absorb(batch, job.measures());
                if !go_on || *stopped.borrow() {
                    break;
                }
            }
            Err(e) => {
                // The cause (which `Display` keeps from clients) is for the log.
                tracing::warn!(job = job.name(), error = ?e, "the job cannot run now");
                error = Some(format!("{e:?}"));
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    if report.did_something() {
        let values: Vec<String> = report.values.iter().map(|(n, v)| format!("{n}={v}")).collect();
        tracing::info!(
            job = job.name(),
            taken = report.taken,
            failed = report.failed,
            values = %values.join(" "),
            micros = elapsed.as_micros(),
            "job tick"
        );
    }
    Tick { report, error, elapsed }
}

/// How long to wait beyond the interval after `failures` ticks in a row could not run:
/// the interval doubled per failure (one, three, seven times ...), at most [`MAX_BACKOFF`].
pub fn backoff(every: Duration, failures: u32) -> Duration {
    if failures == 0 {
        return Duration::ZERO;
    }
    let factor = (1u32 << failures.min(6)) - 1;
    every.saturating_mul(factor).min(MAX_BACKOFF)
}

/// Running jobs; stop them with [`Runtime::shutdown`].
#[derive(Debug)]
pub struct Runtime {
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
    /// What the jobs did, for `/metrics`.
    pub metrics: Arc<Metrics>,
}

impl Runtime {
    /// Starts every job on the current tokio runtime.
    pub fn spawn(jobs: &Jobs) -> Self {
        let (stop, stopped) = watch::channel(false);
        let stats: Vec<Arc<JobStats>> = jobs.list.iter().map(|s| Arc::new(JobStats::new(&*s.job))).collect();
        let tasks = jobs
            .list
            .iter()
            .zip(&stats)
            .map(|(scheduled, stats)| tokio::spawn(drive(scheduled.clone(), stats.clone(), stopped.clone())))
            .collect();
        Self {
            stop,
            tasks,
            metrics: Arc::new(Metrics { jobs: stats }),
        }
    }

    /// Signals every job to stop after its current batch and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn drive(scheduled: Scheduled, stats: Arc<JobStats>, mut stopped: watch::Receiver<bool>) {
    let _alive = Alive(stats.clone());
    let job = &*scheduled.job;
    let mut ticker = tokio::time::interval(scheduled.every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut failures = 0u32;
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stopped.changed() => break,
        }
        let tick = tick(job, &stopped).await;
        stats.record(&tick);
        failures = match tick.error {
            Some(_) => failures.saturating_add(1),
            None => 0,
        };
        let pause = backoff(scheduled.every, failures);
        if !pause.is_zero() {
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = stopped.changed() => break,
            }
        }
    }
    tracing::debug!(job = job.name(), "job stopped");
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use application::AppError;
    use async_trait::async_trait;

    use super::*;

    /// Replays scripted batches, then reports nothing to do.
    struct Scripted {
        batches: Mutex<Vec<Result<BatchReport, AppError>>>,
        runs: AtomicI64,
    }

    const MEASURES: &[Measure] = &[Measure::counter("done", "Done."), Measure::gauge("level", "Level.")];

    #[async_trait]
    impl Job for Scripted {
        fn name(&self) -> &'static str {
            "scripted-job"
        }

        fn measures(&self) -> &'static [Measure] {
            MEASURES
        }

        async fn run_batch(&self) -> Result<BatchReport, AppError> {
            self.runs.fetch_add(1, Ordering::Relaxed);
            let mut batches = self.batches.lock().expect("not poisoned");
            if batches.is_empty() {
                Ok(BatchReport::default())
            } else {
                batches.remove(0)
            }
        }
    }

    fn scripted(batches: Vec<Result<BatchReport, AppError>>) -> Scripted {
        Scripted {
            batches: Mutex::new(batches),
            runs: AtomicI64::new(0),
        }
    }

    fn full(done: usize) -> BatchReport {
        BatchReport {
            taken: 10,
            more: true,
            ..BatchReport::default()
        }
        .with("done", done)
        .with("level", done)
    }

    #[tokio::test]
    async fn a_tick_runs_batches_while_more_is_due() {
        let job = scripted(vec![
            Ok(full(2)),
            Ok(full(3)),
            Ok(BatchReport::default().with("done", 1)),
        ]);
        let (_stop, stopped) = watch::channel(false);
        let t = tick(&job, &stopped).await;
        assert_eq!(job.runs.load(Ordering::Relaxed), 3);
        assert_eq!(t.report.taken, 20);
        assert_eq!(t.report.values, vec![("done", 6), ("level", 3)]);
        assert!(t.error.is_none());
    }

    #[tokio::test]
    async fn a_tick_stops_at_a_failure_or_shutdown() {
        let failing = BatchReport {
            failed: 1,
            last_error: Some("lost".into()),
            ..full(1)
        };
        let job = scripted(vec![Ok(failing), Ok(full(5))]);
        let (_stop, stopped) = watch::channel(false);
        let t = tick(&job, &stopped).await;
        assert_eq!(
            job.runs.load(Ordering::Relaxed),
            1,
            "a batch with failures ends the tick"
        );

        let job = scripted(vec![
            Ok(full(1)),
            Err(AppError::Unavailable("down".into())),
            Ok(full(5)),
        ]);
        let t2 = tick(&job, &stopped).await;
        assert_eq!(job.runs.load(Ordering::Relaxed), 2);
        assert_eq!(t2.report.values, vec![("done", 1), ("level", 1)], "what ran is kept");
        assert!(
            t2.error.as_deref().is_some_and(|e| e.contains("down")),
            "the failure ends the tick and is reported with its cause"
        );
        assert_eq!(t.report.failed, 1);

        let job = scripted(vec![Ok(full(1)), Ok(full(1))]);
        let (stop, stopped) = watch::channel(false);
        stop.send(true).expect("sent");
        tick(&job, &stopped).await;
        assert_eq!(job.runs.load(Ordering::Relaxed), 1, "shutdown starts no further batch");
    }

    #[test]
    fn failures_back_off_doubling_up_to_a_minute() {
        let every = Duration::from_secs(2);
        let waits: Vec<u64> = (0..8).map(|f| backoff(every, f).as_secs()).collect();
        assert_eq!(waits, vec![0, 2, 6, 14, 30, 60, 60, 60]);
        assert_eq!(backoff(Duration::from_secs(600), 1), MAX_BACKOFF);
    }

    /// Panics on its second batch.
    struct Panicking(AtomicI64);

    #[async_trait]
    impl Job for Panicking {
        fn name(&self) -> &'static str {
            "panicking-job"
        }

        fn measures(&self) -> &'static [Measure] {
            &[]
        }

        async fn run_batch(&self) -> Result<BatchReport, AppError> {
            if self.0.fetch_add(1, Ordering::Relaxed) == 1 {
                panic!("a bug in the job");
            }
            Ok(BatchReport::default())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_whose_task_ended_makes_the_runtime_unready() {
        let mut jobs = Jobs::default();
        jobs.add(Duration::from_secs(1), Panicking(AtomicI64::new(0)));
        let runtime = Runtime::spawn(&jobs);
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(runtime.metrics.readiness(Duration::from_secs(300)), Ok(()));
        tokio::time::sleep(Duration::from_millis(1500)).await;
        assert_eq!(
            runtime.metrics.readiness(Duration::from_secs(300)),
            Err("the panicking-job job has stopped".to_owned())
        );
        runtime.shutdown().await;
    }

    #[tokio::test]
    async fn a_job_failing_past_the_threshold_makes_the_runtime_unready() {
        let failing = (0..1000).map(|_| Err(AppError::Unavailable("down".into()))).collect();
        let mut jobs = Jobs::default();
        jobs.add(Duration::from_millis(10), scripted(failing));
        let runtime = Runtime::spawn(&jobs);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert_eq!(
            runtime.metrics.readiness(Duration::from_secs(300)),
            Ok(()),
            "a while is tolerated"
        );
        let unready = runtime.metrics.readiness(Duration::from_millis(20));
        assert!(
            unready
                .as_ref()
                .is_err_and(|e| e.contains("scripted-job job has failed")),
            "{unready:?}"
        );
        runtime.shutdown().await;
    }

    #[tokio::test(start_paused = true)]
    async fn the_runtime_counts_ticks_and_measures_and_stops() {
        let mut jobs = Jobs::default();
        jobs.add(
            Duration::from_secs(1),
            scripted(vec![
                Ok(full(2)),
                Ok(BatchReport::default().with("done", 1).with("level", 7)),
            ]),
        );
        assert_eq!(jobs.names(), vec!["scripted-job"]);
        let runtime = Runtime::spawn(&jobs);
        tokio::time::sleep(Duration::from_millis(2500)).await;
        let text = runtime.metrics.render();
        runtime.shutdown().await;
        assert!(text.contains("ticket_worker_scripted_job_ticks_total 3\n"), "{text}");
        assert!(text.contains("ticket_worker_ticks_total 3\n"), "{text}");
        assert!(text.contains("ticket_worker_done_total 3\n"), "{text}");
        assert!(
            text.contains("# TYPE ticket_worker_level gauge\nticket_worker_level 7\n"),
            "{text}"
        );
        assert!(text.contains("ticket_worker_scripted_job_failures_total 0\n"), "{text}");
    }
}

//! The loop every worker of a lease-based queue runs (the jobs, the mail sender): claim what is
//! due, one item at a time under its own lease and up to `parallel` at once; when nothing is
//! due, sleep until woken (something was queued), until a piece of work ends, or for `poll`; at
//! shutdown give the work in flight a few seconds, after which what is still held is left to its
//! lease and claimed again by the next worker.

use std::future::Future;
use std::time::Duration;

use tokio::sync::{Notify, watch};

/// How long work in flight may go on after shutdown is asked.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

pub struct Worker<'a> {
    /// Notified when something is queued, so it is not left for the next poll.
    pub wake: &'a Notify,
    /// How often to look for due work when nobody wakes the worker (retries come due this way).
    pub poll: Duration,
    pub parallel: usize,
}

impl Worker<'_> {
    /// Runs until `shutdown` turns true. `claim` takes one due item (`None` when there is none or
    /// the claim failed, which it logs); `work` does it and records how it went.
    pub async fn run<T, C, F>(self, mut shutdown: watch::Receiver<bool>, claim: impl Fn() -> C, work: impl Fn(T) -> F)
    where
        C: Future<Output = Option<T>>,
        F: Future<Output = ()> + Send + 'static,
    {
        let mut in_flight = tokio::task::JoinSet::new();
        loop {
            while in_flight.try_join_next().is_some() {}
            // Checked here too, so a queue that never runs dry cannot hold shutdown back.
            if *shutdown.borrow() {
                break;
            }
            if in_flight.len() < self.parallel.max(1)
                && let Some(item) = claim().await
            {
                in_flight.spawn(work(item));
                continue;
            }
            tokio::select! {
                _ = self.wake.notified() => {}
                Some(_) = in_flight.join_next(), if !in_flight.is_empty() => {}
                _ = tokio::time::sleep(self.poll) => {}
                _ = shutdown.changed() => break,
            }
            if *shutdown.borrow() {
                break;
            }
        }
        let finish = async { while in_flight.join_next().await.is_some() {} };
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, finish).await;
    }
}

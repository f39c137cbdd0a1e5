//! The state every request handler shares.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};

use sangdam_store::Store;
use tokio::sync::Notify;

use crate::config::WebConfig;
use crate::i18n::I18n;
use crate::metrics::Metrics;
use sangdam_app::Clock;
use sangdam_app::Keys;

/// What runs one kind of durable job (see `jobs`).
pub type JobHandler = for<'a> fn(
    &'a AppState,
    &'a sangdam_store::JobRecord,
) -> Pin<Box<dyn Future<Output = anyhow::Result<()>> + Send + 'a>>;

/// Each kind of job and its handler. The handlers live with their subjects (booking, aftercare,
/// crisis, webhooks …); the list is put together at the top of the crate (`AppState::new` in
/// `lib.rs`), so that neither this module nor `jobs` imports them.
pub type JobHandlers = HashMap<&'static str, JobHandler>;

#[derive(Clone, Debug)]
pub struct AppState {
    inner: Arc<Inner>,
}

#[derive(Debug)]
pub struct Inner {
    pub store: Store,
    pub config: WebConfig,
    pub i18n: Arc<I18n>,
    pub keys: Keys,
    pub clock: Clock,
    pub metrics: Metrics,
    /// Wakes the mail sender when mail is queued.
    pub mail_queued: Notify,
    /// Woken when a job is scheduled, so one due soon is not left for the next poll.
    pub jobs_queued: Notify,
    /// Woken when a webhook delivery is raised.
    pub webhooks_queued: Notify,
    /// The live rooms' connections.
    pub hub: sangdam_realtime::room::hub::Hub,
    /// The chat center's connections.
    pub chat: sangdam_realtime::chat::hub::ChatHub,
    /// Which handler runs each kind of job.
    pub job_handlers: JobHandlers,
    /// The SFU every room's audio and video goes through.
    pub media: sangdam_media::MediaServer,
    pub limiter: RateLimiter,
    /// Deletions that can still be undone.
    pub undos: crate::undo::Undos,
    /// Bumped whenever sessions end on this server, so open sockets check theirs at once.
    pub sessions_epoch: tokio::sync::watch::Sender<u64>,
    /// Time zone names for pickers, computed once.
    pub timezones: Vec<String>,
    pub started_at: i64,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.inner
    }
}

impl AppState {
    /// Must run inside a tokio runtime: it binds the media port and starts the SFU task.
    pub fn assemble(
        store: Store,
        config: WebConfig,
        keys: Keys,
        clock: Clock,
        job_handlers: JobHandlers,
    ) -> Result<Self, String> {
        let media = sangdam_media::MediaServer::start(config.media.clone())
            .map_err(|e| format!("binding the media port {}: {e}", config.media.bind))?;
        Ok(Self {
            inner: Arc::new(Inner {
                store,
                config,
                i18n: Arc::new(I18n::load()?),
                keys,
                metrics: Metrics::default(),
                mail_queued: Notify::new(),
                jobs_queued: Notify::new(),
                webhooks_queued: Notify::new(),
                hub: sangdam_realtime::room::hub::Hub::default(),
                chat: sangdam_realtime::chat::hub::ChatHub::default(),
                job_handlers,
                media,
                limiter: RateLimiter::default(),
                undos: crate::undo::Undos::default(),
                sessions_epoch: tokio::sync::watch::Sender::new(0),
                timezones: sangdam_domain::Timezone::all_names(),
                started_at: clock.now(),
                clock,
            }),
        })
    }

    /// Sessions ended (sign-out, deactivation, a password or role change): open sockets check
    /// theirs now rather than at their next interval.
    pub fn sessions_changed(&self) {
        self.sessions_epoch.send_modify(|n| *n = n.wrapping_add(1));
    }
}

/// A sliding-window counter per (purpose, network address), in memory: for forms that cost us
/// something (sign-up, reset mail) but guard no account, where a per-instance limit is enough.
#[derive(Debug, Default)]
pub struct RateLimiter {
    hits: Mutex<HashMap<(&'static str, String), Vec<i64>>>,
}

impl RateLimiter {
    /// Records a hit and says whether it is within `max` per `window` seconds.
    pub fn allow(&self, purpose: &'static str, address: &str, now: i64, max: usize, window: i64) -> bool {
        let mut hits = self.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if hits.len() > 100_000 {
            // Bound the memory an address-spraying client can make us hold.
            hits.retain(|_, times| times.last().is_some_and(|&t| t > now - window));
        }
        let times = hits.entry((purpose, address.to_owned())).or_default();
        times.retain(|&t| t > now - window);
        if times.len() >= max {
            return false;
        }
        times.push(now);
        true
    }

    /// Like [`RateLimiter::allow`], and says what is left: hits still allowed in the window and
    /// the seconds until the oldest counted hit leaves it (for `RateLimit` headers).
    pub fn allow_counted(&self, purpose: &'static str, key: &str, now: i64, max: usize, window: i64) -> Window {
        let mut hits = self.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if hits.len() > 100_000 {
            hits.retain(|_, times| times.last().is_some_and(|&t| t > now - window));
        }
        let times = hits.entry((purpose, key.to_owned())).or_default();
        times.retain(|&t| t > now - window);
        let allowed = times.len() < max;
        if allowed {
            times.push(now);
        }
        let reset = times.first().map_or(0, |&t| (t + window - now).max(1));
        Window { allowed, remaining: max.saturating_sub(times.len()), reset }
    }
}

impl RateLimiter {
    /// Whether `max` hits within `window` seconds are recorded already, without recording one.
    pub fn exceeded(&self, purpose: &'static str, key: &str, now: i64, max: usize, window: i64) -> bool {
        let hits = self.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        hits.get(&(purpose, key.to_owned()))
            .is_some_and(|times| times.iter().filter(|&&t| t > now - window).count() >= max)
    }
}

/// What [`RateLimiter::allow_counted`] decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub allowed: bool,
    pub remaining: usize,
    /// Seconds until a hit is allowed again (when none is left) or the window empties.
    pub reset: i64,
}

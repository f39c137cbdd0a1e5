//! A WebSocket outlives the request that opened it. A [`SessionWatch`] re-checks the session
//! behind a socket every [`RECHECK_SECONDS`], and at once when a session of this server ends
//! (sign-out, "sign out everywhere", a password change, an admin deactivating the user or changing
//! their role: [`AppState::sessions_changed`]); the socket closes when its session has ended, its
//! user was deactivated or their role changed, or (staff) when they may no longer see client data
//! because their two-factor sign-in was turned off. Announced changes wake every socket, so a
//! socket checks at most once per [`MIN_GAP_MILLIS`]: a burst of sign-outs costs each socket one
//! lookup. An open socket counts as activity, so a long session in a room does not run into the
//! idle timeout; the absolute lifetime still ends it.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use sangdam_domain::Role;
use sangdam_domain::role::may_see_client_data;
use sangdam_realtime::kernel::{Frame, Session, Socket, Wire};
use sangdam_store::SessionState;
use tokio::sync::watch;

use crate::state::AppState;

/// How often a socket's session is checked again when nothing announced a change (a change made
/// by another server, or the absolute lifetime running out).
pub const RECHECK_SECONDS: u64 = 5;

/// The least time between two checks of one socket when changes are announced one after another.
pub const MIN_GAP_MILLIS: u64 = 1000;

pub struct SessionWatch {
    /// The session and the role it was opened with; `None` for a guest (no session to end).
    session: Option<(String, Role)>,
    changes: watch::Receiver<u64>,
    tick: tokio::time::Interval,
    last_check: tokio::time::Instant,
    /// When an announced change is to be checked (at most [`MIN_GAP_MILLIS`] after the last check).
    pending_until: Option<tokio::time::Instant>,
}

impl SessionWatch {
    pub fn new(state: &AppState, session: Option<(String, Role)>) -> Self {
        let period = Duration::from_secs(RECHECK_SECONDS);
        let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Self {
            session,
            changes: state.sessions_epoch.subscribe(),
            tick,
            last_check: tokio::time::Instant::now(),
            pending_until: None,
        }
    }

    /// Waits until the session should be checked again; a guest's never needs it. Safe to drop
    /// midway (it sits in a `select!` with the socket): an announced change is remembered until
    /// it has been checked.
    pub async fn due(&mut self) {
        if self.session.is_none() {
            return std::future::pending().await;
        }
        loop {
            if let Some(at) = self.pending_until {
                // Announcements that come close together are checked together.
                tokio::select! {
                    () = tokio::time::sleep_until(at) => {}
                    _ = self.tick.tick() => {}
                }
                break;
            }
            tokio::select! {
                _ = self.tick.tick() => break,
                changed = self.changes.changed() => {
                    if changed.is_err() {
                        // The server is shutting down; the interval still ticks.
                        self.tick.tick().await;
                        break;
                    }
                    self.pending_until = Some(self.last_check + Duration::from_millis(MIN_GAP_MILLIS));
                }
            }
        }
        self.pending_until = None;
        self.last_check = tokio::time::Instant::now();
    }

    /// Whether the socket may go on: its session is alive and complete, its user active and in the
    /// role the socket was opened with. A failed lookup keeps the socket (it is checked again).
    pub async fn still_valid(&self, state: &AppState) -> bool {
        let Some((hash, role)) = &self.session else { return true };
        let now = state.clock.now();
        match state.store.session_with_user(hash).await {
            Ok(Some(found)) => {
                let s = &found.session;
                // Staff opened the socket seeing client data; it goes when they may not any more.
                let allowed = !role.is_staff()
                    || may_see_client_data(
                        *role,
                        found.user.two_factor_enrolled(),
                        state.config.require_staff_two_factor,
                    );
                let alive = s.state == SessionState::Active
                    && found.user.active
                    && found.user.role == *role
                    && allowed
                    && state.config.session.is_alive(s.created_at, now, now);
                if alive
                    && state.config.session.needs_touch(s.last_seen_at, now)
                    && let Err(e) = state.store.touch_session(hash, now).await
                {
                    tracing::warn!(error = ?e, "marking a socket's session as used failed");
                }
                alive
            }
            Ok(None) => false,
            Err(e) => {
                tracing::warn!(error = ?e, "checking a socket's session failed");
                true
            }
        }
    }
}

/// The realtime kernel's socket over axum's WebSocket, with this watch as its session check: what
/// the chat center's two sockets and the session room's run on.
pub fn socket(
    state: &AppState,
    socket: WebSocket,
    session: Option<(String, Role)>,
    rate: (f64, f64),
) -> Socket<Ws, Watched> {
    Socket::new(Ws(socket), Watched { watch: SessionWatch::new(state, session), state: state.clone() }, rate)
}

/// A WebSocket as the kernel reads and writes it.
pub struct Ws(WebSocket);

impl Wire for Ws {
    async fn recv(&mut self) -> Frame {
        match self.0.recv().await {
            Some(Ok(Message::Text(t))) => Frame::Text(t.as_str().to_owned()),
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => Frame::Ping,
            // Closed, binary (not part of the protocols), or too large.
            _ => Frame::Closed,
        }
    }

    async fn send(&mut self, text: String) -> bool {
        self.0.send(Message::Text(text.into())).await.is_ok()
    }

    async fn close(&mut self, code: u16, reason: &'static str) {
        let _ = self.0.send(Message::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
    }
}

/// A socket's session as the kernel checks it.
pub struct Watched {
    watch: SessionWatch,
    state: AppState,
}

impl Session for Watched {
    async fn due(&mut self) {
        self.watch.due().await;
    }

    async fn still_valid(&mut self) -> bool {
        self.watch.still_valid(&self.state).await
    }
}

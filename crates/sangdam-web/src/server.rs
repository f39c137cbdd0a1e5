//! Serving: plain HTTP, or HTTPS with rustls when a certificate is configured; background tasks
//! (mail delivery, clean-up); graceful shutdown.
//!
//! Connections are served by hyper's HTTP/1 directly (not `axum::serve`, which sets no timer):
//! a client has [`HEADER_READ_SECONDS`] to send a request's headers, counted from when the server
//! starts waiting for them, so a connection that trickles a header line every few seconds
//! (slowloris), or sits idle between requests, is closed.

use sangdam_domain::routing::Status;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::config::TlsFiles;
use crate::state::AppState;

/// Builds the rustls configuration from PEM files.
pub fn tls_config(files: &TlsFiles) -> anyhow::Result<rustls::ServerConfig> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(&files.certificate)
        .with_context(|| format!("reading certificate {}", files.certificate.display()))?
        .collect::<Result<_, _>>()
        .context("parsing the certificate chain")?;
    let key = PrivateKeyDer::from_pem_file(&files.private_key)
        .with_context(|| format!("reading private key {}", files.private_key.display()))?;
    let mut config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .context("TLS protocol versions")?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("certificate and key do not match")?;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(config)
}

pub use crate::config::HEADER_READ_SECONDS;

pub use crate::ctx::ClientAddr;

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TcpListener>> for ClientAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TcpListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for ClientAddr {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        ClientAddr(*stream.remote_addr())
    }
}

/// A listener that completes TLS handshakes in their own tasks, so a slow client cannot hold up
/// everyone else's connection.
struct TlsListener {
    ready: mpsc::Receiver<(TlsStream<TcpStream>, SocketAddr)>,
    local: SocketAddr,
}

impl TlsListener {
    fn new(tcp: TcpListener, acceptor: TlsAcceptor) -> std::io::Result<Self> {
        let local = tcp.local_addr()?;
        let (tx, ready) = mpsc::channel(64);
        tokio::spawn(async move {
            loop {
                if tx.is_closed() {
                    return;
                }
                match tcp.accept().await {
                    Ok((stream, addr)) => {
                        let acceptor = acceptor.clone();
                        let tx = tx.clone();
                        tokio::spawn(async move {
                            if let Ok(Ok(tls)) =
                                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await
                            {
                                let _ = tx.send((tls, addr)).await;
                            }
                        });
                    }
                    // Out of file descriptors and the like: wait a little instead of spinning.
                    Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
                }
            }
        });
        Ok(Self { ready, local })
    }
}

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Ok(self.local)
    }
}

/// Deletes the recordings past their retention, file first, then key; how many.
pub async fn delete_expired_recordings(state: &AppState) -> anyhow::Result<usize> {
    let days = crate::retention::recording_days(state).await?;
    let dir = &state.config.recordings_dir;
    Ok(sangdam_app::recordings::delete_expired(&state.store, dir, days, state.clock.now()).await?)
}

/// Seals risk alerts written before alerts were sealed; run at every start.
pub async fn seal_legacy_alerts(state: &AppState) -> anyhow::Result<usize> {
    crate::risk_alerts::seal_legacy_alerts(state).await
}

/// Removes expired sessions and old sign-in failures, idempotency keys past their day and
/// finished webhook deliveries past a month, and purges the signed notes of deleted accounts
/// whose retention has passed, every ten minutes.
async fn housekeeping(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        let now = state.clock.now();
        let policy = state.config.session;
        if let Err(e) =
            state.store.delete_expired_sessions(now - policy.idle_seconds, now - policy.absolute_seconds).await
        {
            tracing::warn!(error = ?e, "removing expired sessions failed");
        }
        if let Err(e) = state.store.prune_signin_failures(now - 24 * 3600).await {
            tracing::warn!(error = ?e, "pruning sign-in failures failed");
        }
        if let Err(e) = state.store.prune_pending_signups(now).await {
            tracing::warn!(error = ?e, "pruning unconfirmed sign-ups failed");
        }
        // Stored answers of idempotent API requests live a day; the webhook log a month.
        if let Err(e) = state.store.prune_idempotent(now - sangdam_domain::api::IDEMPOTENCY_SECONDS).await {
            tracing::warn!(error = ?e, "pruning idempotency keys failed");
        }
        let log_cutoff = now - sangdam_domain::webhooks::LOG_DAYS * 86_400;
        if let Err(e) = state.store.prune_webhook_deliveries(log_cutoff).await {
            tracing::warn!(error = ?e, "pruning the webhook delivery log failed");
        }
        let years =
            crate::retention::signed_note_years(&state).await.unwrap_or(state.config.retention_signed_note_years);
        match state.store.purge_retained_notes(sangdam_domain::retention::note_cutoff(now, years)).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(notes = n, "purged signed notes past their retention"),
            Err(e) => tracing::warn!(error = ?e, "purging notes past their retention failed"),
        }
        match delete_expired_recordings(&state).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(recordings = n, "deleted recordings past their retention"),
            Err(e) => tracing::warn!(error = ?e, "deleting recordings past their retention failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Reloads the data-encryption keys every [`crate::crypto::REFRESH_SECONDS`], so that a key
/// rotation run by `sangdam keys rotate` (or by another server) reaches this one without a restart.
async fn refresh_keys(state: AppState, mut shutdown: watch::Receiver<bool>) {
    loop {
        if let Err(e) = state.keys.refresh(&state.store).await {
            tracing::error!(error = ?e, "reloading the encryption keys failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(crate::crypto::REFRESH_SECONDS)) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// Serves the application on `listener` until `shutdown` completes, then lets requests in flight
/// finish and stops the background tasks.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let (stop_tx, stop_rx) = watch::channel(false);
    let mailer = tokio::spawn(crate::mail::run_sender(state.clone(), stop_rx.clone()));
    let worker = tokio::spawn(crate::jobs::run_jobs(state.clone(), stop_rx.clone()));
    let hooks = tokio::spawn(crate::webhooks::run_sender(state.clone(), stop_rx.clone()));
    let keeper = tokio::spawn(housekeeping(state.clone(), stop_rx.clone()));
    // The message checks' learned model is trained once per process; do it before the first chat.
    tokio::task::spawn_blocking(sangdam_domain::learned::warm);
    state.keys.refresh(&state.store).await.context("loading the encryption keys")?;
    // An audit log from before the chain was keyed ends in a keyed entry from now on.
    if state.store.key_audit_chain(&state.keys.chain_key(), state.clock.now()).await.context("keying the audit log")? {
        tracing::info!("the audit log written before its chain was keyed now ends in a keyed entry");
    }
    // Risk alerts from before they were sealed are sealed now (nothing to do once done).
    let moved = seal_legacy_alerts(&state).await.context("sealing old risk alerts")?;
    if moved > 0 {
        tracing::info!(alerts = moved, "sealed risk alerts written before alerts were sealed");
    }
    // Rooms live in this process: recordings a previous run left open cannot go on.
    let stale = state.store.fail_stale_recordings(state.clock.now()).await.context("closing stale recordings")?;
    if stale > 0 {
        tracing::warn!(recordings = stale, "recordings left open by the last run were closed and will be deleted");
    }
    // Consoles live in this process too: nobody is connected yet, so nobody is available.
    for a in state.store.agents().await.context("reading the chat center's counselors")? {
        if a.status != Status::Offline {
            // A recovery break that is still running stays (it is protected); it ends on time.
            state.store.set_agent_status(&a.user_id, Status::Offline, None, "", state.clock.now(), false).await?;
        }
    }
    let router = tokio::spawn(crate::chat::run(state.clone(), stop_rx.clone()));
    let keyring = tokio::spawn(refresh_keys(state.clone(), stop_rx));
    let app = crate::app(state.clone());
    let result: std::io::Result<()> = match &state.config.tls {
        Some(files) => {
            let acceptor = TlsAcceptor::from(Arc::new(tls_config(files)?));
            let listener = TlsListener::new(listener, acceptor).context("TLS listener")?;
            serve_connections(listener, app, state.config.header_read_seconds, shutdown).await;
            Ok(())
        }
        None => {
            serve_connections(listener, app, state.config.header_read_seconds, shutdown).await;
            Ok(())
        }
    };
    let _ = stop_tx.send(true);
    let _ = mailer.await;
    let _ = worker.await;
    let _ = hooks.await;
    let _ = keeper.await;
    let _ = keyring.await;
    let _ = router.await;
    result.context("HTTP server")
}

/// Accepts connections until `shutdown`, serving each with hyper's HTTP/1 (upgrades allowed, for
/// WebSockets) under the header-read timeout, then lets the open ones finish their requests.
async fn serve_connections<L>(
    mut listener: L,
    app: axum::Router,
    header_read_seconds: u64,
    shutdown: impl Future<Output = ()> + Send + 'static,
) where
    L: axum::serve::Listener<Addr = SocketAddr>,
{
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;

    let (stop_tx, stop_rx) = watch::channel(false);
    // Every connection holds a receiver; when they are all gone, every connection has closed.
    let (open_tx, open_rx) = watch::channel(());
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (io, addr) = tokio::select! {
            conn = listener.accept() => conn,
            () = &mut shutdown => break,
        };
        let app = app.clone();
        let service = tower::ServiceBuilder::new()
            .map_request(move |req: axum::http::Request<hyper::body::Incoming>| {
                let mut req = req.map(axum::body::Body::new);
                req.extensions_mut().insert(axum::extract::ConnectInfo(ClientAddr(addr)));
                req
            })
            .service(app);
        let mut stop = stop_rx.clone();
        let open = open_rx.clone();
        tokio::spawn(async move {
            let _open = open;
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder.timer(TokioTimer::new()).header_read_timeout(Duration::from_secs(header_read_seconds));
            let conn = builder.serve_connection(TokioIo::new(io), TowerToHyperService::new(service)).with_upgrades();
            let mut conn = std::pin::pin!(conn);
            tokio::select! {
                _ = conn.as_mut() => return,
                _ = stop.changed() => conn.as_mut().graceful_shutdown(),
            }
            let _ = conn.await;
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    drop(open_rx);
    // Requests in flight get a while to finish; an upgraded WebSocket is no longer a connection
    // here (its task ends with the runtime).
    let _ = tokio::time::timeout(Duration::from_secs(30), open_tx.closed()).await;
}

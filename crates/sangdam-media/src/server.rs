//! The SFU on a real UDP socket: one tokio task owns the socket and the `Sfu`, and the web layer
//! talks to it through `MediaServer`, a cheap handle over a command channel. Offers the SFU makes
//! for a participant go to that participant's `Signal` channel, which its WebSocket task drains.

use std::collections::HashMap;
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket as StdUdpSocket};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use crate::sfu::{Output, PeerId, Sfu, SfuError};

/// Largest datagram read; WebRTC keeps under the path MTU, so anything larger is not media.
const MAX_DATAGRAM: usize = 2000;
/// A device check's echo connection is dropped after this long.
pub const CHECK_LIFETIME: Duration = Duration::from_secs(60);

/// What the SFU tells one participant's signaling connection.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    /// The answer to the browser's offer. It comes through this channel, ahead of any offer the
    /// SFU makes right after the join, so the browser sees them in the right order.
    Answer(String),
    /// A new offer (tracks added or removed) for the browser to answer.
    Offer(String),
    /// The media connection died; the page should join again.
    Closed,
    /// This participant started or stopped speaking (from their microphone's audio levels).
    Speaking(bool),
}

enum Command {
    Join {
        peer: PeerId,
        room: String,
        label: String,
        offer: String,
        echo: bool,
        signals: mpsc::UnboundedSender<Signal>,
        reply: oneshot::Sender<Result<String, SfuError>>,
    },
    Answer {
        peer: PeerId,
        sdp: String,
        reply: oneshot::Sender<Result<(), SfuError>>,
    },
    ReceiveVideo {
        peer: PeerId,
        on: bool,
    },
    Leave {
        peer: PeerId,
    },
    Stats {
        reply: oneshot::Sender<(usize, u64)>,
    },
    StartRecording {
        room: String,
        sinks: Box<dyn crate::RecordSinks>,
        reply: oneshot::Sender<bool>,
    },
    StopRecording {
        room: String,
        reply: oneshot::Sender<Option<crate::Recording>>,
    },
}

/// A handle to the running media server; clone it freely.
#[derive(Clone, Debug)]
pub struct MediaServer {
    tx: mpsc::UnboundedSender<Command>,
    advertised: SocketAddr,
}

/// Where to listen and what address to tell browsers.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The UDP address to bind, such as `0.0.0.0:50000`.
    pub bind: SocketAddr,
    /// The IP browsers reach the server at (a public IP behind NAT). Unset: the bound IP, or when
    /// that is unspecified, the address this host uses to reach the internet.
    pub public_ip: Option<IpAddr>,
}

/// The IP of the interface that routes outward (no packet is sent), or loopback.
fn outward_ip() -> IpAddr {
    StdUdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| {
            s.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
            s.local_addr()
        })
        .map(|a| a.ip())
        .ok()
        .filter(|ip| !ip.is_unspecified())
        .unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
}

impl MediaServer {
    /// Binds the UDP port and starts the SFU task (on the current tokio runtime).
    pub fn start(config: MediaConfig) -> io::Result<MediaServer> {
        let socket = StdUdpSocket::bind(config.bind)?;
        socket.set_nonblocking(true)?;
        let socket = UdpSocket::from_std(socket)?;
        let bound = socket.local_addr()?;
        let ip = config.public_ip.unwrap_or(if bound.ip().is_unspecified() { outward_ip() } else { bound.ip() });
        let advertised = SocketAddr::new(ip, bound.port());
        let (tx, rx) = mpsc::unbounded_channel();
        tokio::spawn(run(socket, Sfu::new(advertised), rx));
        tracing::info!(%bound, %advertised, "media server listening");
        Ok(MediaServer { tx, advertised })
    }

    /// The address in the SDP candidates.
    pub fn advertised(&self) -> SocketAddr {
        self.advertised
    }

    /// Joins (or joins again) with the browser's offer. The answer comes first on `signals`
    /// (and is returned too).
    pub async fn join(
        &self,
        peer: PeerId,
        room: &str,
        label: &str,
        offer: String,
        signals: mpsc::UnboundedSender<Signal>,
    ) -> Result<String, SfuError> {
        self.join_inner(peer, room, label, offer, false, signals).await
    }

    /// A device check: the browser's media comes back to it, so it can tell that media flows both
    /// ways and measure the round trip. The connection ends after `CHECK_LIFETIME`.
    pub async fn check(&self, peer: PeerId, offer: String) -> Result<String, SfuError> {
        let (signals, _) = mpsc::unbounded_channel();
        let answer = self.join_inner(peer, "", "check", offer, true, signals).await?;
        let tx = self.tx.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CHECK_LIFETIME).await;
            let _ = tx.send(Command::Leave { peer });
        });
        Ok(answer)
    }

    async fn join_inner(
        &self,
        peer: PeerId,
        room: &str,
        label: &str,
        offer: String,
        echo: bool,
        signals: mpsc::UnboundedSender<Signal>,
    ) -> Result<String, SfuError> {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Join { peer, room: room.to_owned(), label: label.to_owned(), offer, echo, signals, reply };
        self.tx.send(cmd).map_err(|_| SfuError::Stopped)?;
        rx.await.map_err(|_| SfuError::Stopped)?
    }

    /// The browser's answer to an offer it got as `Signal::Offer`.
    pub async fn answer(&self, peer: PeerId, sdp: String) -> Result<(), SfuError> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Command::Answer { peer, sdp, reply }).map_err(|_| SfuError::Stopped)?;
        rx.await.map_err(|_| SfuError::Stopped)?
    }

    /// Voice-only mode on (`false`) or off.
    pub fn receive_video(&self, peer: PeerId, on: bool) {
        let _ = self.tx.send(Command::ReceiveVideo { peer, on });
    }

    pub fn leave(&self, peer: PeerId) {
        let _ = self.tx.send(Command::Leave { peer });
    }

    /// Starts recording a room's microphones, cameras and screens into files `sinks` opens. False
    /// when the room is already being recorded or the recorder could not start.
    pub async fn start_recording(&self, room: &str, sinks: Box<dyn crate::RecordSinks>) -> bool {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::StartRecording { room: room.to_owned(), sinks, reply }).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// Stops a room's recording and waits until its file is complete; `None` when none was running.
    pub async fn stop_recording(&self, room: &str) -> Option<std::io::Result<crate::RecordingReport>> {
        let (reply, rx) = oneshot::channel();
        self.tx.send(Command::StopRecording { room: room.to_owned(), reply }).ok()?;
        let recording = rx.await.ok()??;
        Some(
            tokio::task::spawn_blocking(move || recording.finish())
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e))),
        )
    }

    /// Participants connected, and frames forwarded since the start.
    pub async fn stats(&self) -> (usize, u64) {
        let (reply, rx) = oneshot::channel();
        if self.tx.send(Command::Stats { reply }).is_err() {
            return (0, 0);
        }
        rx.await.unwrap_or((0, 0))
    }
}

async fn run(socket: UdpSocket, mut sfu: Sfu, mut rx: mpsc::UnboundedReceiver<Command>) {
    let mut signals: HashMap<PeerId, mpsc::UnboundedSender<Signal>> = HashMap::new();
    let mut recordings: HashMap<String, crate::Recording> = HashMap::new();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let local = sfu.local_addr();
    loop {
        let deadline = sfu.poll_timeout(Instant::now());
        tokio::select! {
            cmd = rx.recv() => {
                let Some(cmd) = cmd else { return };
                let now = Instant::now();
                match cmd {
                    Command::Join { peer, room, label, offer, echo, signals: s, reply } => {
                        let result = sfu.join(now, peer, &room, &label, &offer, echo);
                        if let Ok(answer) = &result {
                            let _ = s.send(Signal::Answer(answer.clone()));
                            signals.insert(peer, s);
                        }
                        let _ = reply.send(result);
                    }
                    Command::Answer { peer, sdp, reply } => {
                        let _ = reply.send(sfu.answer(now, peer, &sdp));
                    }
                    Command::ReceiveVideo { peer, on } => {
                        let _ = sfu.set_receive_video(now, peer, on);
                    }
                    Command::Leave { peer } => {
                        sfu.leave(peer);
                        signals.remove(&peer);
                    }
                    Command::Stats { reply } => {
                        let _ = reply.send((sfu.peer_count(), sfu.forwarded()));
                    }
                    Command::StartRecording { room, sinks, reply } => {
                        let started = !recordings.contains_key(&room)
                            && match crate::Recording::start(sinks) {
                                Ok(r) => {
                                    recordings.insert(room.clone(), r);
                                    sfu.record(now, &room, true);
                                    true
                                }
                                Err(e) => {
                                    tracing::error!(error = %e, "starting a recorder failed");
                                    false
                                }
                            };
                        let _ = reply.send(started);
                    }
                    Command::StopRecording { room, reply } => {
                        sfu.record(now, &room, false);
                        let _ = reply.send(recordings.remove(&room));
                    }
                }
            }
            received = socket.recv_from(&mut buf) => {
                match received {
                    Ok((n, source)) => {
                        sfu.receive(Instant::now(), source, local, &buf[..n]);
                    }
                    // ICMP errors (a browser that went away) surface here on some systems; the
                    // socket itself is fine.
                    Err(e) => tracing::debug!(error = %e, "media socket read failed"),
                }
            }
            () = tokio::time::sleep_until(deadline.into()) => {
                sfu.handle_timeout(Instant::now());
            }
        }
        while let Some(out) = sfu.poll_output() {
            match out {
                Output::Transmit { destination, contents, .. } => {
                    // UDP is lossy by nature: a send that fails is a lost packet, which WebRTC
                    // recovers from.
                    if let Err(e) = socket.try_send_to(&contents, destination) {
                        tracing::debug!(error = %e, "media send failed");
                    }
                }
                Output::Offer { peer, sdp } => {
                    if let Some(s) = signals.get(&peer) {
                        let _ = s.send(Signal::Offer(sdp));
                    }
                }
                Output::Closed { peer } => {
                    if let Some(s) = signals.remove(&peer) {
                        let _ = s.send(Signal::Closed);
                    }
                }
                Output::Speaking { peer, on } => {
                    if let Some(s) = signals.get(&peer) {
                        let _ = s.send(Signal::Speaking(on));
                    }
                }
                Output::Frame(f) => {
                    if let Some(r) = recordings.get(&f.room) {
                        r.push(f);
                    }
                }
            }
        }
    }
}

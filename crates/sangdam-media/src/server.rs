//! The SFU on a real UDP socket. The rooms are spread over worker tasks, each owning its own `Sfu`
//! (a room always on the same worker, chosen by a hash of its name), so that a server with several
//! cores forwards on all of them behind the one UDP port. One task reads the socket and hands each
//! datagram to the worker its source address belongs to; a datagram from an address no worker has
//! claimed yet (ICE checks from a new participant, a browser whose address changed) goes to every
//! worker, and the one whose participant accepts it claims the address. Every worker sends on the
//! shared socket itself. The web layer talks to the workers through `MediaServer`, a cheap handle
//! that routes each command to the worker of its room or participant. Offers the SFU makes for a
//! participant go to that participant's `Signal` channel, which its WebSocket task drains.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::io;
use std::net::{IpAddr, Ipv4Addr, SocketAddr, UdpSocket as StdUdpSocket};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use tokio::net::UdpSocket;
use tokio::sync::{mpsc, oneshot};

use crate::sfu::{Output, PeerId, Sfu, SfuError};

/// Largest datagram read; WebRTC keeps under the path MTU, so anything larger is not media.
const MAX_DATAGRAM: usize = 2000;
/// The socket buffers asked for. Every participant's media arrives on the one port, in bursts
/// (every microphone sends every 20 ms); with the kernel's default of about 200 KB a burst of a
/// few hundred packets overflows it and the kernel drops them. The kernel grants at most
/// `net.core.rmem_max` / `wmem_max`; what it granted is logged at start.
const SOCKET_BUFFER: usize = 8 * 1024 * 1024;
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
    /// Each worker's command channel.
    workers: Arc<[mpsc::UnboundedSender<Command>]>,
    /// The worker each participant joined on, so that its answer, its voice-only switch and its
    /// leaving reach the `Sfu` that holds it.
    peers: Arc<Mutex<HashMap<PeerId, usize>>>,
    advertised: SocketAddr,
    bound: SocketAddr,
}

/// The most worker tasks the media server runs.
pub const MAX_WORKERS: usize = 64;
/// Datagrams waiting for one worker; beyond this the worker is behind and newer ones are dropped
/// (lost packets, which WebRTC recovers from) rather than queued without bound.
const WORKER_QUEUE: usize = 1024;

/// Which source address belongs to which worker: written by a worker when its participant
/// accepts a datagram from a new address or stops accepting one, read by the socket reader for
/// every datagram.
type Sources = Arc<RwLock<HashMap<SocketAddr, usize>>>;

/// A datagram from the socket reader to a worker.
struct Datagram {
    source: SocketAddr,
    contents: Vec<u8>,
    /// Sent to every worker, none of which had claimed the address.
    broadcast: bool,
}

fn worker_of(key: &impl Hash, workers: usize) -> usize {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    key.hash(&mut h);
    usize::try_from(h.finish() % workers as u64).unwrap_or(0)
}

/// Where to listen and what address to tell browsers.
#[derive(Debug, Clone)]
pub struct MediaConfig {
    /// The UDP address to bind, such as `0.0.0.0:50000`.
    pub bind: SocketAddr,
    /// The IP browsers reach the server at (a public IP behind NAT). Unset: the bound IP, or when
    /// that is unspecified, the address this host uses to reach the internet.
    pub public_ip: Option<IpAddr>,
    /// The port browsers send to, when a NAT or a port forward maps another port onto the bound
    /// one. Unset: the bound port.
    pub public_port: Option<u16>,
    /// Worker tasks the rooms are spread over (1 to [`MAX_WORKERS`]); 0: one per core.
    pub workers: usize,
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
    /// Binds the UDP port and starts the socket reader and the workers (on the current tokio
    /// runtime, whose threads the workers spread over).
    pub fn start(config: MediaConfig) -> io::Result<MediaServer> {
        let socket = socket2::Socket::new(
            socket2::Domain::for_address(config.bind),
            socket2::Type::DGRAM,
            Some(socket2::Protocol::UDP),
        )?;
        // A buffer smaller than asked for is no reason not to start.
        let _ = socket.set_recv_buffer_size(SOCKET_BUFFER);
        let _ = socket.set_send_buffer_size(SOCKET_BUFFER);
        let (receive_buffer, send_buffer) = (socket.recv_buffer_size()?, socket.send_buffer_size()?);
        socket.bind(&config.bind.into())?;
        socket.set_nonblocking(true)?;
        let socket = Arc::new(UdpSocket::from_std(StdUdpSocket::from(socket))?);
        let bound = socket.local_addr()?;
        let ip = config.public_ip.unwrap_or(if bound.ip().is_unspecified() { outward_ip() } else { bound.ip() });
        let advertised = SocketAddr::new(ip, config.public_port.unwrap_or(bound.port()));
        let n = match config.workers {
            0 => std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get),
            n => n,
        }
        .clamp(1, MAX_WORKERS);
        let sources: Sources = Arc::default();
        let mut commands = Vec::with_capacity(n);
        let mut datagrams = Vec::with_capacity(n);
        for index in 0..n {
            let (tx, rx) = mpsc::unbounded_channel();
            let (dtx, drx) = mpsc::channel(WORKER_QUEUE);
            commands.push(tx);
            datagrams.push(dtx);
            let worker = Worker { index, socket: socket.clone(), sfu: Sfu::new(advertised), sources: sources.clone() };
            tokio::spawn(worker.run(rx, drx));
        }
        tokio::spawn(read_socket(socket, datagrams, sources));
        tracing::info!(%bound, %advertised, workers = n, receive_buffer, send_buffer, "media server listening");
        Ok(MediaServer { workers: commands.into(), peers: Arc::default(), advertised, bound })
    }

    /// The worker a room lives on (0 to `workers() - 1`).
    pub fn room_worker(&self, room: &str) -> usize {
        worker_of(&room, self.workers.len())
    }

    /// Sends a command to the worker that holds `peer`.
    fn to_peer(&self, peer: PeerId, cmd: Command) -> Result<(), SfuError> {
        let w = self.peers.lock().map_err(|_| SfuError::Stopped)?.get(&peer).copied().ok_or(SfuError::UnknownPeer)?;
        self.workers[w].send(cmd).map_err(|_| SfuError::Stopped)
    }

    /// The address in the SDP candidates.
    pub fn advertised(&self) -> SocketAddr {
        self.advertised
    }

    /// The address the UDP socket is bound to.
    pub fn bound(&self) -> SocketAddr {
        self.bound
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
        let server = self.clone();
        tokio::spawn(async move {
            tokio::time::sleep(CHECK_LIFETIME).await;
            server.leave(peer);
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
        // A device check belongs to no room: checks are spread by participant.
        let w = if echo { worker_of(&peer, self.workers.len()) } else { self.room_worker(room) };
        // Joining again on another worker (another room) ends the connection on the old one.
        let before = self.peers.lock().map_err(|_| SfuError::Stopped)?.insert(peer, w);
        if let Some(old) = before.filter(|old| *old != w) {
            let _ = self.workers[old].send(Command::Leave { peer });
        }
        let (reply, rx) = oneshot::channel();
        let cmd = Command::Join { peer, room: room.to_owned(), label: label.to_owned(), offer, echo, signals, reply };
        self.workers[w].send(cmd).map_err(|_| SfuError::Stopped)?;
        rx.await.map_err(|_| SfuError::Stopped)?
    }

    /// The browser's answer to an offer it got as `Signal::Offer`.
    pub async fn answer(&self, peer: PeerId, sdp: String) -> Result<(), SfuError> {
        let (reply, rx) = oneshot::channel();
        self.to_peer(peer, Command::Answer { peer, sdp, reply })?;
        rx.await.map_err(|_| SfuError::Stopped)?
    }

    /// Voice-only mode on (`false`) or off.
    pub fn receive_video(&self, peer: PeerId, on: bool) {
        let _ = self.to_peer(peer, Command::ReceiveVideo { peer, on });
    }

    pub fn leave(&self, peer: PeerId) {
        let w = self.peers.lock().ok().and_then(|mut p| p.remove(&peer));
        if let Some(w) = w {
            let _ = self.workers[w].send(Command::Leave { peer });
        }
    }

    /// Starts recording a room's microphones, cameras and screens into files `sinks` opens. False
    /// when the room is already being recorded or the recorder could not start.
    pub async fn start_recording(&self, room: &str, sinks: Box<dyn crate::RecordSinks>) -> bool {
        let (reply, rx) = oneshot::channel();
        let cmd = Command::StartRecording { room: room.to_owned(), sinks, reply };
        if self.workers[self.room_worker(room)].send(cmd).is_err() {
            return false;
        }
        rx.await.unwrap_or(false)
    }

    /// Stops a room's recording and waits until its file is complete; `None` when none was running.
    pub async fn stop_recording(&self, room: &str) -> Option<std::io::Result<crate::RecordingReport>> {
        let (reply, rx) = oneshot::channel();
        self.workers[self.room_worker(room)].send(Command::StopRecording { room: room.to_owned(), reply }).ok()?;
        let recording = rx.await.ok()??;
        Some(
            tokio::task::spawn_blocking(move || recording.finish())
                .await
                .unwrap_or_else(|e| Err(std::io::Error::other(e))),
        )
    }

    /// Participants connected, and frames forwarded since the start, over every worker.
    pub async fn stats(&self) -> (usize, u64) {
        let (mut peers, mut forwarded) = (0, 0);
        for w in self.workers.iter() {
            let (reply, rx) = oneshot::channel();
            if w.send(Command::Stats { reply }).is_ok()
                && let Ok((p, f)) = rx.await
            {
                peers += p;
                forwarded += f;
            }
        }
        (peers, forwarded)
    }

    /// How many workers the rooms are spread over.
    pub fn workers(&self) -> usize {
        self.workers.len()
    }
}

/// Reads the socket and hands each datagram to the worker its source belongs to, or to all of
/// them when none has claimed it.
async fn read_socket(socket: Arc<UdpSocket>, workers: Vec<mpsc::Sender<Datagram>>, sources: Sources) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    loop {
        let (n, source) = match socket.recv_from(&mut buf).await {
            Ok(got) => got,
            // ICMP errors (a browser that went away) surface here on some systems; the socket
            // itself is fine.
            Err(e) => {
                tracing::debug!(error = %e, "media socket read failed");
                continue;
            }
        };
        let owner = sources.read().ok().and_then(|s| s.get(&source).copied());
        match owner {
            Some(w) => {
                let d = Datagram { source, contents: buf[..n].to_vec(), broadcast: false };
                // A worker that is behind loses the datagram, as a congested network would.
                if let Err(mpsc::error::TrySendError::Closed(_)) = workers[w].try_send(d) {
                    return;
                }
            }
            None => {
                for w in &workers {
                    let d = Datagram { source, contents: buf[..n].to_vec(), broadcast: true };
                    if let Err(mpsc::error::TrySendError::Closed(_)) = w.try_send(d) {
                        return;
                    }
                }
            }
        }
    }
}

/// One worker: its share of the rooms in one `Sfu`, the signaling channels of their participants
/// and their recordings.
struct Worker {
    index: usize,
    socket: Arc<UdpSocket>,
    sfu: Sfu,
    sources: Sources,
}

impl Worker {
    async fn run(self, mut rx: mpsc::UnboundedReceiver<Command>, mut datagrams: mpsc::Receiver<Datagram>) {
        let mut signals: HashMap<PeerId, mpsc::UnboundedSender<Signal>> = HashMap::new();
        let mut recordings: HashMap<String, crate::Recording> = HashMap::new();
        let Worker { index, socket, mut sfu, sources } = self;
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
                d = datagrams.recv() => {
                    let Some(d) = d else { return };
                    let accepted = sfu.receive(Instant::now(), d.source, local, &d.contents);
                    // Claim an address one of this worker's participants now sends from, and let
                    // go of one none of them accepts any more (it left, or moved on).
                    if accepted == d.broadcast
                        && let Ok(mut sources) = sources.write()
                    {
                        if accepted {
                            sources.insert(d.source, index);
                        } else if sources.get(&d.source) == Some(&index) {
                            sources.remove(&d.source);
                        }
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
}

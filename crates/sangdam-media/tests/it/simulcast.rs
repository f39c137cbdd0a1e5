//! Simulcast and the downlink estimate over real loopback sockets, in real time: a publisher sends
//! its camera in three layers, one subscriber's downlink is held to 250 kbit/s by a shaper in
//! front of its socket (a bottleneck link: a queue drained at that rate, dropping what would wait
//! longer than 200 ms), another's is not. str0m's estimator in the SFU must find each downlink,
//! and the SFU must move each subscriber to the layer that fits.

use std::collections::{HashMap, VecDeque};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use sangdam_media::str0m::change::{SdpAnswer, SdpOffer};
use sangdam_media::str0m::format::Codec;
use sangdam_media::str0m::media::{Direction, MediaKind, MediaTime, Mid, Rid, Simulcast, SimulcastLayer};
use sangdam_media::str0m::net::{Protocol, Receive};
use sangdam_media::str0m::{Candidate, Event, Input, Output, Rtc};
use sangdam_media::{MediaConfig, MediaServer, PeerId, Signal};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

use crate::peers::{audio_frame, stamp, written_at};

/// The publisher's layers: rid, bytes a frame (30 frames a second: about 100, 380 and 1,200
/// kbit/s).
const LAYERS: [(&str, usize); 3] = [("q", 400), ("h", 1_600), ("f", 5_000)];

/// A bottleneck in front of a socket: datagrams leave at `bps`, in order; one that would wait
/// longer than `max_wait` is dropped.
struct Shaper {
    bps: u64,
    max_wait: Duration,
    free_at: Instant,
    queue: VecDeque<(Instant, SocketAddr, Vec<u8>)>,
    dropped: u64,
}

impl Shaper {
    fn new(bps: u64) -> Shaper {
        Shaper {
            bps,
            max_wait: Duration::from_millis(200),
            free_at: Instant::now(),
            queue: VecDeque::new(),
            dropped: 0,
        }
    }

    fn arrive(&mut self, now: Instant, source: SocketAddr, data: Vec<u8>) {
        let start = self.free_at.max(now);
        if start - now > self.max_wait {
            self.dropped += 1;
            return;
        }
        let on_wire = Duration::from_nanos((data.len() as u64 + 28) * 8 * 1_000_000_000 / self.bps);
        self.free_at = start + on_wire;
        self.queue.push_back((self.free_at, source, data));
    }

    fn leave(&mut self, now: Instant) -> Option<(SocketAddr, Vec<u8>)> {
        if self.queue.front().is_some_and(|(at, _, _)| *at <= now) {
            return self.queue.pop_front().map(|(_, s, d)| (s, d));
        }
        None
    }
}

struct Peer {
    id: PeerId,
    rtc: Rtc,
    socket: UdpSocket,
    signals: mpsc::UnboundedReceiver<Signal>,
    audio: Mid,
    video: Mid,
    shaper: Option<Shaper>,
    streams: HashMap<Mid, String>,
    /// Video frames received: (when, layer).
    video_in: Vec<(Instant, u8)>,
    /// Audio frames received from the counselor, by when they were written.
    audio_in: Vec<Instant>,
    /// Layers whose next frame is a keyframe (asked for by the SFU).
    keyframe_due: Vec<Rid>,
}

async fn join(server: &MediaServer, id: u64, name: &str, simulcast: bool) -> Peer {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).enable_vp8(true).build(Instant::now());
    rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").unwrap());
    let mut api = rtc.sdp_api();
    let audio = api.add_media(MediaKind::Audio, Direction::SendOnly, Some(name.into()), None, None);
    let layers = simulcast.then(|| {
        let mut s = Simulcast::new();
        for (rid, _) in LAYERS {
            s.add_send_layer(SimulcastLayer::new(rid));
        }
        s
    });
    let video = api.add_media(MediaKind::Video, Direction::SendOnly, Some(name.into()), None, layers);
    let (offer, pending) = api.apply().unwrap();
    let (tx, signals) = mpsc::unbounded_channel();
    let answer = server.join(PeerId(id), "room", name, offer.to_sdp_string(), tx).await.expect("joined");
    rtc.sdp_api().accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap()).unwrap();
    Peer {
        id: PeerId(id),
        rtc,
        socket,
        signals,
        audio,
        video,
        shaper: None,
        streams: HashMap::new(),
        video_in: Vec::new(),
        audio_in: Vec::new(),
        keyframe_due: Vec::new(),
    }
}

/// A frame of one layer: the VP8 frame tag, the time written, the layer's rid, filler.
fn layer_frame(rid: &str, size: usize, keyframe: bool) -> Vec<u8> {
    let mut frame = vec![if keyframe { 0x10 } else { 0x11 }, 0, 0];
    if keyframe {
        frame.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
    }
    frame.extend_from_slice(&stamp(Instant::now()));
    frame.push(rid.as_bytes()[0]);
    frame.resize(size, 0x42);
    frame
}

fn layer_of(data: &[u8]) -> Option<u8> {
    let at = if data.first()? & 1 == 0 { 18 } else { 11 };
    data.get(at).copied()
}

/// Moves one peer: signals, frames due, datagrams (through its shaper), timers.
async fn step(server: &MediaServer, p: &mut Peer, now: Instant, start: Instant, due: (bool, Option<u32>)) {
    while let Ok(signal) = p.signals.try_recv() {
        if let Signal::Offer(sdp) = signal {
            let answer = p.rtc.sdp_api().accept_offer(SdpOffer::from_sdp_string(&sdp).unwrap()).unwrap();
            server.answer(p.id, answer.to_sdp_string()).await.expect("answer taken");
        }
    }
    if p.rtc.is_connected() {
        let time: MediaTime = (now - start).into();
        if due.0 {
            let pt = p.rtc.codec_config().find(|c| c.spec().codec == Codec::Opus).map(|c| c.pt()).unwrap();
            if let Some(w) = p.rtc.writer(p.audio) {
                let _ = w.write(pt, now, time, audio_frame());
            }
        }
        if let Some(n) = due.1 {
            let pt = p.rtc.codec_config().find(|c| c.spec().codec == Codec::Vp8).map(|c| c.pt()).unwrap();
            for (rid, size) in LAYERS {
                let rid = Rid::from(rid);
                let asked = p.keyframe_due.contains(&rid);
                p.keyframe_due.retain(|r| *r != rid);
                let frame = layer_frame(&rid, size, asked || n.is_multiple_of(60));
                if let Some(w) = p.rtc.writer(p.video) {
                    let _ = w.rid(rid).write(pt, now, time, frame);
                }
            }
        }
    }
    let local = p.socket.local_addr().unwrap();
    let mut buf = [0u8; 2000];
    while let Ok((n, source)) = p.socket.try_recv_from(&mut buf) {
        match &mut p.shaper {
            Some(s) => s.arrive(now, source, buf[..n].to_vec()),
            None => {
                if let Ok(r) = Receive::new(Protocol::Udp, source, local, &buf[..n]) {
                    let _ = p.rtc.handle_input(Input::Receive(now, r));
                }
            }
        }
    }
    while let Some((source, data)) = p.shaper.as_mut().and_then(|s| s.leave(now)) {
        if let Ok(r) = Receive::new(Protocol::Udp, source, local, &data) {
            let _ = p.rtc.handle_input(Input::Receive(now, r));
        }
    }
    let _ = p.rtc.handle_input(Input::Timeout(now));
    loop {
        match p.rtc.poll_output() {
            Ok(Output::Timeout(_)) | Err(_) => break,
            Ok(Output::Transmit(t)) => {
                let _ = p.socket.try_send_to(&t.contents, t.destination);
            }
            Ok(Output::Event(Event::MediaAdded(m))) => {
                let stream = p.rtc.media(m.mid).map(|x| x.stream_id().to_owned()).unwrap_or_default();
                p.streams.insert(m.mid, stream);
            }
            Ok(Output::Event(Event::MediaData(d))) => {
                if d.params.spec().codec == Codec::Opus {
                    if p.streams.get(&d.mid).is_some_and(|s| s == "counselor") {
                        p.audio_in.extend(written_at(MediaKind::Audio, &d.data));
                    }
                } else if let Some(layer) = layer_of(&d.data) {
                    p.video_in.push((now, layer));
                }
            }
            Ok(Output::Event(Event::KeyframeRequest(r))) => {
                if let Some(rid) = r.rid {
                    p.keyframe_due.push(rid);
                }
            }
            Ok(Output::Event(_)) => {}
        }
    }
}

/// The peers' clock: the counselor writes audio every 20 ms and its three layers every 33 ms.
struct Call {
    start: Instant,
    next_audio: Instant,
    next_video: Instant,
    n: u32,
    /// When each of the counselor's audio frames was written.
    audio_sent: Vec<Instant>,
}

impl Call {
    /// Runs every peer until `done` holds or `limit` passes; returns whether it held.
    async fn run(
        &mut self,
        server: &MediaServer,
        peers: &mut [Peer],
        limit: Duration,
        done: impl Fn(&[Peer]) -> bool,
    ) -> bool {
        let until = Instant::now() + limit;
        while Instant::now() < until {
            if done(peers) {
                return true;
            }
            let now = Instant::now();
            let audio = now >= self.next_audio;
            if audio {
                self.next_audio += Duration::from_millis(20);
                if peers[0].rtc.is_connected() {
                    self.audio_sent.push(now);
                }
            }
            let video = (now >= self.next_video).then(|| {
                self.next_video += Duration::from_millis(33);
                self.n += 1;
                self.n
            });
            step(server, &mut peers[0], now, self.start, (audio, video)).await;
            for p in &mut peers[1..] {
                step(server, p, now, self.start, (false, None)).await;
            }
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        done(peers)
    }
}

/// How many video frames of each layer `p` received in `[from, to)`.
fn layers(p: &Peer, from: Instant, to: Instant) -> HashMap<char, usize> {
    let mut count = HashMap::new();
    for (at, l) in &p.video_in {
        if *at >= from && *at < to {
            *count.entry(char::from(*l)).or_default() += 1;
        }
    }
    count
}

/// The last video frame `p` received is of `layer`.
fn on_layer(p: &Peer, layer: u8) -> bool {
    p.video_in.last().is_some_and(|(_, l)| *l == layer)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "real time, and not yet reliable (see ARCHITECTURE.md, layer selection): run alone with `cargo test -p sangdam-media --test it simulcast -- --ignored --nocapture`"]
async fn a_slow_downlink_gets_the_small_layer_while_a_fast_one_keeps_the_large() {
    let config = MediaConfig {
        bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
        public_ip: None,
        public_port: None,
        workers: 1,
    };
    let server = MediaServer::start(config).unwrap();
    // The counselor publishes in three layers; the two clients only listen, so the slow one's
    // downlink carries the counselor's audio and video, as in a call of two.
    let mut peers = vec![
        join(&server, 1, "counselor", true).await,
        join(&server, 2, "slow", false).await,
        join(&server, 3, "fast", false).await,
    ];
    let start = Instant::now();
    let mut call = Call { start, next_audio: start, next_video: start, n: 0, audio_sent: Vec::new() };
    // Both start small (the estimate starts at 300 kbit/s) and the estimator's probes take both
    // to the large layer.
    let large = call
        .run(&server, &mut peers, Duration::from_secs(20), |p| on_layer(&p[1], b'f') && on_layer(&p[2], b'f'))
        .await;
    let ramp = start.elapsed();
    assert!(
        large,
        "both reach the large layer: slow {:?}, fast {:?}",
        peers[1].video_in.last(),
        peers[2].video_in.last()
    );

    // The slow one's downlink falls to 250 kbit/s.
    peers[1].shaper = Some(Shaper::new(250_000));
    let shaped = Instant::now();
    let small = call.run(&server, &mut peers, Duration::from_secs(5), |p| on_layer(&p[1], b'q')).await;
    let switched = shaped.elapsed();
    assert!(small, "within 5 s the slow one receives the small layer: {:?}", layers(&peers[1], shaped, Instant::now()));
    // Then for 4 s: the slow one has the small layer only, and the fast one keeps the large one.
    // (The SFU moves the slow one within about a second; what it had queued for the large layer
    // in str0m's pacer, which sends at the estimate, arrives first, so the small layer's frames
    // come in at their full rate only once that has drained.)
    call.run(&server, &mut peers, Duration::from_secs(4), |_| false).await;
    let end = Instant::now();
    let from = end - Duration::from_secs(3);
    let (slow, fast) = (layers(&peers[1], from, end), layers(&peers[2], from, end));
    println!(
        "large layer for both after {ramp:?}; 250 kbit/s: small layer at the slow one after {switched:?}; \
         the last 3 s: slow {slow:?}, fast {fast:?}; dropped at the shaper {}",
        peers[1].shaper.as_ref().unwrap().dropped
    );
    assert!(slow.get(&'q').copied().unwrap_or(0) > 30, "the slow subscriber sees the small layer: {slow:?}");
    assert_eq!(slow.len(), 1, "and only it: {slow:?}");
    assert!(fast.get(&'f').copied().unwrap_or(0) > 75, "the fast subscriber keeps the large layer: {fast:?}");
    // The slow subscriber's audio: of what the counselor wrote in the last 3 s (but the last
    // 200 ms, which may still be on its way), under 3 % lost.
    let within = |at: &&Instant| **at >= from && **at < end - Duration::from_millis(200);
    let sent = call.audio_sent.iter().filter(within).count();
    let got = peers[1].audio_in.iter().filter(within).count();
    let lost = 1.0 - got as f64 / sent as f64;
    println!("slow subscriber's audio, the last 3 s: {got} of {sent} frames ({:.1} % lost)", lost * 100.0);
    assert!(lost < 0.03, "audio lost {:.1} %", lost * 100.0);
}

//! str0m peers on real loopback UDP sockets that join the media server's rooms, send Opus every
//! 20 ms and VP8 at 30 frames a second (about 600 kbit/s, a keyframe each second), and note what
//! they receive, with each frame's delay from its sender's write (the frames carry the time they
//! were written). Used by the socket tests and by the benchmark over real sockets.

use std::collections::HashMap;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sangdam_media::str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use sangdam_media::str0m::format::Codec;
use sangdam_media::str0m::media::{Direction, MediaKind, MediaTime, Mid};
use sangdam_media::str0m::net::{Protocol, Receive};
use sangdam_media::str0m::{Candidate, Event, Input, Output, Rtc};
use sangdam_media::{MediaServer, PeerId, Signal};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// One participant: a str0m peer on its own UDP socket, signaling straight to the server.
pub struct Peer {
    pub name: String,
    pub id: PeerId,
    pub rtc: Rtc,
    pub socket: UdpSocket,
    pub signals: mpsc::UnboundedReceiver<Signal>,
    pub audio: Mid,
    pub video: Mid,
    pub streams: HashMap<Mid, String>,
    /// Frames received: (stream, kind).
    pub got: Vec<(String, MediaKind)>,
    /// Each received frame's delay from its sender's write.
    pub delays: Vec<Duration>,
    /// RTP packets received (not RTCP, STUN or DTLS).
    pub rtp_in: u64,
    /// Video frames written.
    pub frames: u32,
    /// Audio and video frames written.
    pub written: u64,
}

/// The clock the frames carry their write time on.
fn epoch() -> Instant {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    *EPOCH.get_or_init(Instant::now)
}

pub fn stamp(at: Instant) -> [u8; 8] {
    u64::try_from(at.duration_since(epoch()).as_nanos()).unwrap_or(u64::MAX).to_be_bytes()
}

/// When a received frame was written: audio carries it first, video after the VP8 header (3
/// bytes, 10 for a keyframe).
pub fn written_at(kind: MediaKind, data: &[u8]) -> Option<Instant> {
    let at = match kind {
        MediaKind::Audio => 0,
        MediaKind::Video if data.first()? & 1 == 0 => 10,
        MediaKind::Video => 3,
    };
    let nanos = u64::from_be_bytes(data.get(at..at + 8)?.try_into().ok()?);
    Some(epoch() + Duration::from_nanos(nanos))
}

impl Peer {
    pub fn got_from(&self, stream: &str, kind: MediaKind) -> usize {
        self.got.iter().filter(|(s, k)| s == stream && *k == kind).count()
    }
}

/// Joins `room` as `name` through `server`, sending audio and video.
pub async fn join(server: &MediaServer, id: u64, room: &str, name: &str) -> Peer {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("a client socket");
    offer_and_join(server, PeerId(id), room, name, socket).await
}

pub async fn offer_and_join(server: &MediaServer, id: PeerId, room: &str, name: &str, socket: UdpSocket) -> Peer {
    let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).enable_vp8(true).build(Instant::now());
    rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").expect("a host candidate"));
    let mut api = rtc.sdp_api();
    let audio = api.add_media(MediaKind::Audio, Direction::SendOnly, Some(name.into()), None, None);
    let video = api.add_media(MediaKind::Video, Direction::SendOnly, Some(name.into()), None, None);
    let (offer, pending): (SdpOffer, SdpPendingOffer) = api.apply().expect("an offer");
    let (tx, signals) = mpsc::unbounded_channel();
    let answer = server.join(id, room, name, offer.to_sdp_string(), tx).await.expect("joined");
    rtc.sdp_api().accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap()).expect("accepted");
    Peer {
        name: name.into(),
        id,
        rtc,
        socket,
        signals,
        audio,
        video,
        streams: HashMap::new(),
        got: Vec::new(),
        delays: Vec::new(),
        rtp_in: 0,
        frames: 0,
        written: 0,
    }
}

/// When the next audio (every 20 ms) and video (every 33 ms) frames are due.
pub struct Pace {
    pub start: Instant,
    next_audio: Instant,
    next_video: Instant,
}

impl Pace {
    pub fn new() -> Pace {
        let start = Instant::now();
        Pace { start, next_audio: start, next_video: start }
    }

    /// Whether an audio and a video frame are due at `now`.
    pub fn due(&mut self, now: Instant) -> (bool, bool) {
        let due = (now >= self.next_audio, now >= self.next_video);
        if due.0 {
            self.next_audio += Duration::from_millis(20);
        }
        if due.1 {
            self.next_video += Duration::from_millis(33);
        }
        due
    }
}

/// Feeds one connection what arrived on its socket (counting the RTP packets into `rtp_in`), lets
/// its clock move to `now` and sends what it has; its events go to `on_event`. Frames to write are
/// written before: str0m's pacer hands out what it counted at its last timeout, so a frame written
/// after it would wait for the next round.
pub fn pump(rtc: &mut Rtc, socket: &UdpSocket, now: Instant, rtp_in: &mut u64, on_event: &mut dyn FnMut(&Rtc, Event)) {
    let mut buf = [0u8; 2000];
    let local = socket.local_addr().unwrap();
    while let Ok((n, source)) = socket.try_recv_from(&mut buf) {
        // RTP: version 2, and not RTCP (payload types 200-207 with the marker bit masked), nor
        // padding (the P bit: what a server's bandwidth estimator sends to probe a downlink).
        if n > 12 && buf[0] >> 6 == 2 && buf[0] & 0x20 == 0 && !(72..=79).contains(&(buf[1] & 0x7f)) {
            *rtp_in += 1;
        }
        if let Ok(r) = Receive::new(Protocol::Udp, source, local, &buf[..n]) {
            let _ = rtc.handle_input(Input::Receive(now, r));
        }
    }
    let _ = rtc.handle_input(Input::Timeout(now));
    loop {
        match rtc.poll_output() {
            Ok(Output::Timeout(_)) | Err(_) => break,
            Ok(Output::Transmit(t)) => {
                let _ = socket.try_send_to(&t.contents, t.destination);
            }
            Ok(Output::Event(e)) => on_event(rtc, e),
        }
    }
}

/// A received frame's kind and delay from its sender's write.
pub fn received(data: &sangdam_media::str0m::media::MediaData) -> (MediaKind, Option<Duration>) {
    let kind = if data.params.spec().codec == Codec::Opus { MediaKind::Audio } else { MediaKind::Video };
    (kind, written_at(kind, &data.data).map(|at| Instant::now().saturating_duration_since(at)))
}

/// Moves datagrams, offers and timers for every peer for `d`, writing an audio frame every 20 ms
/// and a video frame every 33 ms (a keyframe each second).
pub async fn run(server: &MediaServer, peers: &mut [Peer], d: Duration) {
    let mut pace = Pace::new();
    while pace.start.elapsed() < d {
        let now = Instant::now();
        let (audio, video) = pace.due(now);
        for p in peers.iter_mut() {
            while let Ok(signal) = p.signals.try_recv() {
                if let Signal::Offer(sdp) = signal {
                    let answer = p.rtc.sdp_api().accept_offer(SdpOffer::from_sdp_string(&sdp).unwrap()).unwrap();
                    server.answer(p.id, answer.to_sdp_string()).await.expect("answer taken");
                }
            }
            if p.rtc.is_connected() {
                write_media(p, now, pace.start, audio, video);
            }
            let Peer { rtc, socket, rtp_in, streams, got, delays, .. } = p;
            pump(rtc, socket, now, rtp_in, &mut |rtc, e| match e {
                Event::MediaAdded(m) => {
                    let stream = rtc.media(m.mid).map(|x| x.stream_id().to_owned()).unwrap_or_default();
                    streams.insert(m.mid, stream);
                }
                Event::MediaData(data) => {
                    let (kind, delay) = received(&data);
                    delays.extend(delay);
                    got.push((streams.get(&data.mid).cloned().unwrap_or_default(), kind));
                }
                _ => {}
            });
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// An audio frame: the time it is written, then filler (60 bytes, a 20 ms Opus frame's size).
pub fn audio_frame() -> Vec<u8> {
    let mut frame = stamp(Instant::now()).to_vec();
    frame.resize(60, 0xfc);
    frame
}

/// The `n`th video frame: a VP8 frame tag (a keyframe each 30 frames), the time it is written,
/// then filler to 2,500 bytes (about 600 kbit/s at 30 frames a second).
pub fn video_frame(n: u32) -> Vec<u8> {
    let keyframe = n.is_multiple_of(30);
    let mut frame = vec![if keyframe { 0x10 } else { 0x11 }, 0, 0];
    if keyframe {
        frame.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
    }
    frame.extend_from_slice(&stamp(Instant::now()));
    frame.resize(2500, 0x42);
    frame
}

/// Writes the frames due on `rtc`'s two tracks; returns how many were written.
pub fn write_frames(
    rtc: &mut Rtc,
    (audio, video): (Mid, Mid),
    now: Instant,
    start: Instant,
    due: (bool, bool),
    n: u32,
) -> u64 {
    let time: MediaTime = (now - start).into();
    let mut written = 0;
    if due.0 {
        let pt = rtc.codec_config().find(|c| c.spec().codec == Codec::Opus).map(|c| c.pt());
        if let (Some(pt), Some(w)) = (pt, rtc.writer(audio))
            && w.write(pt, now, time, audio_frame()).is_ok()
        {
            written += 1;
        }
    }
    if due.1 {
        let pt = rtc.codec_config().find(|c| c.spec().codec == Codec::Vp8).map(|c| c.pt());
        if let (Some(pt), Some(w)) = (pt, rtc.writer(video))
            && w.write(pt, now, time, video_frame(n)).is_ok()
        {
            written += 1;
        }
    }
    written
}

fn write_media(p: &mut Peer, now: Instant, start: Instant, audio: bool, video: bool) {
    p.written += write_frames(&mut p.rtc, (p.audio, p.video), now, start, (audio, video), p.frames);
    if video {
        p.frames += 1;
    }
}

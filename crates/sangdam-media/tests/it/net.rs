//! A room of str0m peers and the SFU in memory, on virtual time: datagrams go from one to the other
//! by destination address, offers and answers are exchanged directly (as the WebSocket would).

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use sangdam_media::str0m::change::{SdpAnswer, SdpOffer};
use sangdam_media::str0m::format::{Codec, FormatParams, PayloadParams};
use sangdam_media::str0m::media::{Direction, Frequency, KeyframeRequest, MediaKind, MediaTime, Mid, Pt};
use sangdam_media::str0m::net::{Protocol, Receive};
use sangdam_media::str0m::{Candidate, Event, Input, Output as RtcOutput, Rtc};
use sangdam_media::{Output, PeerId, Sfu};

pub const STEP: Duration = Duration::from_millis(5);

/// A frame a participant received: from whose stream, what kind, and whether it was a keyframe.
#[derive(Debug, Clone)]
pub struct Got {
    pub stream: String,
    pub kind: MediaKind,
    pub keyframe: bool,
    pub data: Vec<u8>,
}

pub struct Client {
    pub name: String,
    pub peer: PeerId,
    pub addr: SocketAddr,
    pub rtc: Rtc,
    pub audio: Mid,
    pub video: Mid,
    /// The stream id of each transceiver the SFU opened to us.
    pub streams: HashMap<Mid, String>,
    pub got: Vec<Got>,
    pub keyframe_requests: Vec<KeyframeRequest>,
    /// Keyframe requests answered so far: as a browser does, the next video frame after a
    /// request is a keyframe.
    answered: usize,
    pub next_timeout: Instant,
    /// A client that left keeps its struct (to check it receives nothing more) but not its link.
    pub gone: bool,
    /// The audio level (dBov) its microphone packets carry (RFC 6464), when it writes one.
    pub level: Option<i8>,
    /// Its microphone is muted: it sends no audio.
    pub muted: bool,
}

impl Client {
    fn params(&self, codec: Codec) -> PayloadParams {
        *self.rtc.codec_config().find(|p| p.spec().codec == codec).expect("the codec is enabled")
    }

    pub fn connected(&self) -> bool {
        self.rtc.is_connected()
    }

    pub fn got_from(&self, stream: &str, kind: MediaKind) -> usize {
        self.got.iter().filter(|g| g.stream == stream && g.kind == kind).count()
    }
}

pub struct Net {
    pub sfu: Sfu,
    pub now: Instant,
    pub start: Instant,
    pub clients: Vec<Client>,
    next_peer: u64,
    /// Datagrams the SFU sent to addresses nobody has (a client that left).
    pub undelivered: usize,
    /// Time spent inside the SFU handling datagrams and timers (for the benchmark).
    pub sfu_time: Duration,
    /// The part of `sfu_time` spent in `handle_timeout`.
    pub timer_time: Duration,
    /// RTP packets the SFU sent (RTCP, STUN and DTLS not counted).
    pub rtp_out: u64,
    /// Bytes of each video frame the clients write (several packets when over the MTU).
    pub video_frame_bytes: usize,
    /// Participants the SFU reported closed (their connection died).
    pub closed: Vec<PeerId>,
    /// Frames the SFU handed out for recording.
    pub recorded: Vec<sangdam_media::RecordedFrame>,
    /// What the SFU said about who speaks, in order.
    pub speaking: Vec<(PeerId, bool)>,
    /// Whether clients that join from now on can retransmit lost video packets (RTX).
    pub retransmit: bool,
    /// Every `n`th RTP packet the SFU sends to client `i` is lost: `Some((i, n))`.
    pub lose_to: Option<(usize, u32)>,
    lost_to_count: u32,
    /// Every `n`th RTP packet client `i` sends to the SFU is lost: `Some((i, n))`.
    pub lose_from: Option<(usize, u32)>,
    lost_count: u32,
    /// Video frames each client has written, numbered in the frame's data (`#n`).
    pub frames_sent: u32,
}

fn client_rtc(now: Instant, retransmit: bool) -> Rtc {
    let mut config = Rtc::builder().clear_codecs().enable_opus(true, false);
    if retransmit {
        config = config.enable_vp8(true);
    } else {
        // VP8 without an RTX payload type: a packet lost on the way is lost for good.
        config.codec_config().add_config(
            Pt::new_with_value(96),
            None,
            Codec::Vp8,
            Frequency::NINETY_KHZ,
            None,
            FormatParams::default(),
        );
    }
    config.build(now)
}

impl Net {
    pub fn new() -> Self {
        let now = Instant::now();
        Net {
            sfu: Sfu::without_estimation((Ipv4Addr::new(10, 0, 0, 1), 50000).into()),
            now,
            start: now,
            clients: Vec::new(),
            next_peer: 1,
            undelivered: 0,
            sfu_time: Duration::ZERO,
            timer_time: Duration::ZERO,
            rtp_out: 0,
            video_frame_bytes: 0,
            closed: Vec::new(),
            recorded: Vec::new(),
            speaking: Vec::new(),
            retransmit: true,
            lose_from: None,
            lose_to: None,
            lost_to_count: 0,
            lost_count: 0,
            frames_sent: 0,
        }
    }

    /// A participant joins `room` sending audio and video, and the link comes up.
    pub fn join(&mut self, name: &str, room: &str) -> usize {
        let n = self.clients.len() as u8 + 2;
        let addr: SocketAddr = (Ipv4Addr::new(10, 0, 1, n), 40000 + u16::from(n)).into();
        let mut rtc = client_rtc(self.now, self.retransmit);
        rtc.add_local_candidate(Candidate::host(addr, "udp").expect("a host candidate"));
        let mut api = rtc.sdp_api();
        let audio = api.add_media(MediaKind::Audio, Direction::SendOnly, Some(name.into()), None, None);
        let video = api.add_media(MediaKind::Video, Direction::SendOnly, Some(name.into()), None, None);
        let (offer, pending) = api.apply().expect("an offer");
        let peer = PeerId(self.next_peer);
        self.next_peer += 1;
        let answer = self.sfu.join(self.now, peer, room, name, &offer.to_sdp_string(), false).expect("joined");
        rtc.sdp_api()
            .accept_answer(pending, SdpAnswer::from_sdp_string(&answer).expect("an answer"))
            .expect("accepted");
        self.clients.push(Client {
            name: name.into(),
            peer,
            addr,
            rtc,
            audio,
            video,
            streams: HashMap::new(),
            got: Vec::new(),
            keyframe_requests: Vec::new(),
            answered: 0,
            next_timeout: self.now,
            gone: false,
            level: None,
            muted: false,
        });
        let i = self.clients.len() - 1;
        self.run_until(Duration::from_secs(5), |net| net.clients[i].connected());
        i
    }

    /// The client's network goes away without a word: its datagrams stop, in both directions.
    pub fn vanish(&mut self, i: usize) {
        self.clients[i].gone = true;
        self.clients[i].got.clear();
    }

    pub fn leave(&mut self, i: usize) {
        self.sfu.leave(self.clients[i].peer);
        self.clients[i].gone = true;
        self.clients[i].got.clear();
    }

    /// Every client writes one audio frame, and one video frame every other step (about 20 ms of
    /// audio, 30 frames a second at 10 ms steps). `keyframe` marks the video frame as a VP8 key.
    pub fn send_media(&mut self, video: bool, keyframe: bool) {
        let now = self.now;
        let elapsed = now - self.start;
        for c in self.clients.iter_mut().filter(|c| !c.gone) {
            let opus = c.params(Codec::Opus).pt();
            let vp8 = c.params(Codec::Vp8).pt();
            let time: MediaTime = elapsed.into();
            let audio = format!("audio from {}", c.name).into_bytes();
            if let Some(w) = c.rtc.writer(c.audio).filter(|_| !c.muted) {
                let w = match c.level {
                    Some(level) => w.audio_level(level, level > -50),
                    None => w,
                };
                w.write(opus, now, time, audio).expect("audio written");
            }
            if video {
                let keyframe = keyframe || c.keyframe_requests.len() > c.answered;
                c.answered = c.keyframe_requests.len();
                // The VP8 frame tag's lowest bit is 0 for a keyframe, which then names its size.
                let mut frame = vec![if keyframe { 0x10 } else { 0x11 }, 0, 0];
                if keyframe {
                    frame.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
                }
                if frame.len() < self.video_frame_bytes {
                    frame.resize(self.video_frame_bytes, 0x42);
                }
                frame.extend_from_slice(format!("#{} video from {}", self.frames_sent, c.name).as_bytes());
                if let Some(w) = c.rtc.writer(c.video) {
                    w.write(vp8, now, time, frame).expect("video written");
                }
            }
        }
        if video {
            self.frames_sent += 1;
        }
        self.pump();
    }

    /// Moves every datagram and offer until all is quiet, without advancing time.
    pub fn pump(&mut self) {
        loop {
            let mut moved = false;
            for i in 0..self.clients.len() {
                if self.clients[i].gone {
                    continue;
                }
                loop {
                    match self.clients[i].rtc.poll_output().expect("client output") {
                        RtcOutput::Timeout(t) => {
                            self.clients[i].next_timeout = t;
                            break;
                        }
                        RtcOutput::Transmit(t) => {
                            moved = true;
                            let rtp = t.contents.len() > 12
                                && t.contents[0] >> 6 == 2
                                && !(72..=79).contains(&(t.contents[1] & 0x7f));
                            if rtp && self.lose_from.is_some_and(|(from, _)| from == i) {
                                self.lost_count += 1;
                                if self.lose_from.is_some_and(|(_, n)| self.lost_count.is_multiple_of(n)) {
                                    continue;
                                }
                            }
                            let started = Instant::now();
                            self.sfu.receive(self.now, t.source, t.destination, &t.contents);
                            self.sfu_time += started.elapsed();
                        }
                        RtcOutput::Event(e) => self.client_event(i, e),
                    }
                }
            }
            while let Some(out) = self.sfu.poll_output() {
                moved = true;
                match out {
                    Output::Transmit { source, destination, contents } => {
                        // RTP, not RTCP (payload types 200-207 with the marker bit masked: 72-79).
                        let rtp =
                            contents.len() > 12 && contents[0] >> 6 == 2 && !(72..=79).contains(&(contents[1] & 0x7f));
                        if rtp {
                            self.rtp_out += 1;
                        }
                        let Some(to) = self.clients.iter().position(|c| c.addr == destination && !c.gone) else {
                            self.undelivered += 1;
                            continue;
                        };
                        if rtp && self.lose_to.is_some_and(|(i, _)| i == to) {
                            self.lost_to_count += 1;
                            if self.lose_to.is_some_and(|(_, n)| self.lost_to_count.is_multiple_of(n)) {
                                continue;
                            }
                        }
                        let c = &mut self.clients[to];
                        let r = Receive::new(Protocol::Udp, source, destination, &contents).expect("a datagram");
                        c.rtc.handle_input(Input::Receive(self.now, r)).expect("client input");
                    }
                    Output::Offer { peer, sdp } => {
                        let Some(c) = self.clients.iter_mut().find(|c| c.peer == peer) else { continue };
                        let offer = SdpOffer::from_sdp_string(&sdp).expect("an offer");
                        let answer = c.rtc.sdp_api().accept_offer(offer).expect("offer accepted");
                        self.sfu.answer(self.now, peer, &answer.to_sdp_string()).expect("answer accepted");
                    }
                    Output::Closed { peer } => self.closed.push(peer),
                    Output::Frame(f) => self.recorded.push(f),
                    Output::Speaking { peer, on } => self.speaking.push((peer, on)),
                }
            }
            if !moved {
                break;
            }
        }
    }

    fn client_event(&mut self, i: usize, e: Event) {
        let c = &mut self.clients[i];
        match e {
            Event::MediaAdded(m) => {
                if let Some(media) = c.rtc.media(m.mid) {
                    let stream = media.stream_id().to_owned();
                    c.streams.insert(m.mid, stream);
                }
            }
            Event::MediaData(d) => {
                let kind = if d.params.spec().codec == Codec::Opus { MediaKind::Audio } else { MediaKind::Video };
                let stream = c.streams.get(&d.mid).cloned().unwrap_or_default();
                c.got.push(Got { stream, kind, keyframe: d.is_keyframe(), data: d.data.to_vec() });
            }
            Event::KeyframeRequest(r) => c.keyframe_requests.push(r),
            _ => {}
        }
    }

    /// Advances virtual time by one step and lets every timer fire.
    pub fn tick(&mut self) {
        self.now += STEP;
        for c in self.clients.iter_mut().filter(|c| !c.gone) {
            if c.next_timeout <= self.now {
                c.rtc.handle_input(Input::Timeout(self.now)).expect("client timeout");
            }
        }
        let started = Instant::now();
        self.sfu.handle_timeout(self.now);
        self.sfu_time += started.elapsed();
        self.timer_time += started.elapsed();
        self.pump();
    }

    /// Ticks until `done` holds, or panics after `limit` of virtual time.
    pub fn run_until(&mut self, limit: Duration, done: impl Fn(&Net) -> bool) {
        let until = self.now + limit;
        self.pump();
        while !done(self) {
            assert!(self.now < until, "not done within {limit:?}");
            self.tick();
        }
    }

    /// Sends media for `d` of virtual time: audio every step, video every other step.
    pub fn stream_for(&mut self, d: Duration) {
        let until = self.now + d;
        let mut n = 0u32;
        while self.now < until {
            self.send_media(n.is_multiple_of(2), false);
            self.tick();
            n += 1;
        }
    }
}

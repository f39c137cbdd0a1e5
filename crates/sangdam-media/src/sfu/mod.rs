//! The selective forwarding unit, sans-IO: the caller feeds it datagrams, signaling and the current
//! time, and takes out datagrams to send and offers to hand to browsers. Nothing here opens a
//! socket or reads a clock, which is what lets the tests and the benchmark run whole rooms of str0m
//! peers in memory.
//!
//! Each participant is one `Rtc` (ICE-lite, DTLS-SRTP). A participant's browser sends its own
//! tracks (microphone, camera, screen) on the transceivers of its first offer; for every other
//! participant of the same room the server adds one send-only transceiver per track and offers it
//! to that participant's browser. Frames arriving on a track are written, unchanged, to every
//! transceiver that carries it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use str0m::bwe::Bitrate;
use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::format::{Codec, FormatParams};
use str0m::media::{Frequency, KeyframeRequestKind, MediaData, MediaKind, MediaTime, Mid, Pt};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Input, Rtc};

mod layers;
mod recording;
mod rtc;
mod voice;

use layers::{Layer, LayerId};
use rtc::{drain, negotiate};
use voice::Voice;

/// Who a participant is to the SFU: the caller's own number for the connection that signals for
/// it (the room's WebSocket connection).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PeerId(pub u64);

/// Why the SFU refused a request. None of these affects the other participants.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SfuError {
    #[error("the session description could not be read")]
    BadSdp,
    #[error("the session description was refused: {0}")]
    Refused(String),
    #[error("no such participant")]
    UnknownPeer,
    #[error("no offer is waiting for an answer")]
    NoPendingOffer,
    #[error("the media server has stopped")]
    Stopped,
}

/// What the caller must do.
#[derive(Debug)]
pub enum Output {
    /// Send a datagram.
    Transmit { source: SocketAddr, destination: SocketAddr, contents: Vec<u8> },
    /// Hand this offer to the participant's browser; its answer comes back through `answer`.
    Offer { peer: PeerId, sdp: String },
    /// The participant's connection is gone (ICE failed or DTLS closed); it must join again.
    Closed { peer: PeerId },
    /// A microphone (Opus), camera or screen (VP8) frame of a room being recorded.
    Frame(RecordedFrame),
    /// The participant started or stopped speaking, by the audio level their browser writes into
    /// every microphone packet (RFC 6464).
    Speaking { peer: PeerId, on: bool },
}

/// One frame for a room's recording.
#[derive(Debug, Clone)]
pub struct RecordedFrame {
    pub room: String,
    pub peer: PeerId,
    /// The participant's label (their user id).
    pub label: String,
    /// The microphone's Opus, or the camera's or screen's VP8.
    pub track: TrackName,
    pub keyframe: bool,
    /// When the frame reached the server.
    pub at: Instant,
    pub data: std::sync::Arc<[u8]>,
}

/// Tracks one participant may send: microphone, camera and screen.
pub const MAX_TRACKS_IN: usize = 3;
/// Fewest time between two keyframe requests for one track, so a burst of joins or losses does
/// not make a publisher send keyframe after keyframe.
const KEYFRAME_INTERVAL: Duration = Duration::from_millis(500);
/// How far ahead `poll_timeout` may report; str0m reports "never" as a century away.
const MAX_WAIT: Duration = Duration::from_millis(100);

/// What a browser's track is, by the order of its transceivers: audio is the microphone, the
/// first video the camera, the second video a shared screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackName {
    Microphone,
    Camera,
    Screen,
}

#[derive(Debug)]
struct TrackIn {
    mid: Mid,
    kind: MediaKind,
    name: TrackName,
    /// A video's layers as they arrive (one, with no `rid`, without simulcast): their rates,
    /// continuity and keyframe requests.
    layers: Vec<Layer>,
    /// A recording of the room started and this camera has not sent a keyframe since: it is
    /// asked again (at most every `KEYFRAME_INTERVAL`) until it does, because a publisher may
    /// ignore a request that comes too soon after another.
    recording_needs_keyframe: bool,
    /// The layer a recording takes (the largest active one), chosen at its first frame.
    recording_layer: Option<LayerId>,
    /// A microphone's speaking state, from its packets' audio levels.
    voice: Voice,
}

impl TrackIn {
    fn layer(&self, rid: &LayerId) -> Option<&Layer> {
        self.layers.iter().find(|l| &l.rid == rid)
    }

    /// The largest layer sending now, for a recording: by the picture size its keyframes name,
    /// then by rate (a rate measured over a layer's first moments reads a keyframe as a large
    /// rate, so the rate alone may pick a smaller picture).
    fn largest(&self, now: Instant) -> Option<LayerId> {
        self.layers.iter().filter(|l| l.active(now)).max_by_key(|l| (l.pixels, l.bps(now))).map(|l| l.rid)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OutState {
    /// Waiting to be put in the next offer.
    ToOpen,
    Negotiating(Mid),
    Open(Mid),
    /// Its origin left: to be stopped in the next offer.
    ToStop(Mid),
    NegotiatingStop(Mid),
}

#[derive(Debug, Clone)]
struct TrackOut {
    origin: PeerId,
    origin_mid: Mid,
    kind: MediaKind,
    /// The browser's stream id: the origin's label, with `-screen` for a shared screen, so the page
    /// can tell whose tile a track belongs in.
    stream: String,
    state: OutState,
    /// The layer of a video being forwarded (`None`: nothing yet, or paused).
    sending: Option<LayerId>,
    /// The layer chosen for this subscriber (`None`: paused). Forwarding moves to it at its next
    /// keyframe and keeps the old one until then.
    target: Option<LayerId>,
    /// Added to the publisher's RTP time (90 kHz) so that the subscriber's timeline runs on
    /// without a jump when the layer changes (each layer is its own stream with its own clock).
    time_offset: u64,
    /// The RTP time and arrival of the last frame forwarded.
    last: Option<(u64, Instant)>,
    /// Since when the estimate has been too low for even the smallest layer.
    short_since: Option<Instant>,
}

impl TrackOut {
    fn mid(&self) -> Option<Mid> {
        match self.state {
            OutState::ToOpen => None,
            OutState::Negotiating(m) | OutState::Open(m) | OutState::ToStop(m) | OutState::NegotiatingStop(m) => {
                Some(m)
            }
        }
    }
}

struct Peer {
    id: PeerId,
    room: String,
    label: String,
    rtc: Rtc,
    /// A device check: what it sends comes back to it on the same transceivers.
    echo: bool,
    /// Voice-only participants get no video.
    receive_video: bool,
    tracks_in: Vec<TrackIn>,
    tracks_out: Vec<TrackOut>,
    pending: Option<SdpPendingOffer>,
    /// `tracks_out` changed since the last offer: an offer is due once no answer is awaited.
    renegotiate: bool,
    next_timeout: Instant,
    /// What str0m estimates the downlink toward this participant carries (bits per second).
    estimate: u64,
    /// The minimum and desired rates last given to str0m's estimator.
    bwe_asked: (u64, u64),
}

/// Something one participant's `Rtc` produced that concerns the others. These live only between
/// draining one participant and writing to the others; boxing the frame would cost an allocation
/// per frame for nothing.
#[allow(clippy::large_enum_variant)]
enum Propagated {
    TrackOpen(Mid),
    /// A frame; `true` when its layer just began sending, so the subscribers' choices are due.
    Media(PeerId, MediaData, bool),
    /// A subscriber wants a keyframe of (origin, origin's mid, layer).
    Keyframe(PeerId, Mid, LayerId, KeyframeRequestKind),
    /// The participant's DTLS is up: frames written before were lost, so it needs keyframes.
    Connected,
    /// The estimate of the participant's downlink changed: its layers are chosen again.
    Estimate,
}

/// Every participant of every room on one UDP address.
///
/// The work for one datagram does not grow with the number of rooms on the server: the sender is
/// found through its source address, its room's participants through `rooms`, and only the
/// participants marked `renegotiate` are asked for an offer.
pub struct Sfu {
    local: SocketAddr,
    peers: Vec<Peer>,
    /// Where each participant is in `peers`.
    slots: HashMap<PeerId, usize>,
    /// Each room's participants, as indexes into `peers`; rebuilt with `slots` whenever
    /// `peers` changes.
    rooms: HashMap<String, Vec<usize>>,
    /// A participant's connection may have died since the last `reap`.
    maybe_dead: bool,
    /// Which participant last sent from an address, so most datagrams find theirs at once.
    by_source: HashMap<SocketAddr, PeerId>,
    out: std::collections::VecDeque<Output>,
    forwarded: u64,
    /// Rooms whose microphone and camera frames also go out as [`Output::Frame`].
    recording: std::collections::HashSet<String>,
    /// Participants whose layers are to be chosen again before `work` returns.
    choose_due: Vec<PeerId>,
    /// When every participant's layers are next chosen again.
    next_choose: Instant,
    /// Each participant's downlink is estimated (TWCC) and paced.
    estimate: bool,
}

impl std::fmt::Debug for Sfu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sfu").field("local", &self.local).field("peers", &self.peers.len()).finish()
    }
}

/// Opus as browsers send it (48 kHz, two channels, 10 ms frames at the least), with in-band FEC
/// and DTX offered: a browser answered `usedtx=1` stops sending while its microphone hears
/// silence (a packet now and then instead of fifty a second), and in-band FEC lets the receiver
/// rebuild a lost frame from the next.
pub fn opus_format() -> FormatParams {
    FormatParams { min_p_time: Some(10), use_inband_fec: Some(true), use_dtx: Some(true), ..FormatParams::default() }
}

fn rtc_config(estimate: bool) -> str0m::RtcConfig {
    let mut config = Rtc::builder().set_ice_lite(true).clear_codecs();
    config.codec_config().add_config(
        Pt::new_with_value(111),
        None,
        Codec::Opus,
        Frequency::FORTY_EIGHT_KHZ,
        Some(2),
        opus_format(),
    );
    let config = config.enable_vp8(true).enable_h264(true);
    if estimate { config.enable_bwe(Some(Bitrate::bps(layers::INITIAL_ESTIMATE))) } else { config }
}

impl Sfu {
    /// `local` is the address browsers reach: the advertised IP and the bound UDP port. Every
    /// datagram fed in must name it as its destination.
    pub fn new(local: SocketAddr) -> Self {
        Sfu::build(local, true)
    }

    /// An SFU that neither estimates nor paces the downlinks: every video goes out at the layer
    /// its subscriber would get from a 1 Mbit/s estimate. For rooms run in memory on virtual
    /// time: str0m's estimator, fed 5 ms steps in which every packet is sent and received at the
    /// same instant, was seen to fall below what is being sent and hold the video back.
    pub fn without_estimation(local: SocketAddr) -> Self {
        Sfu::build(local, false)
    }

    fn build(local: SocketAddr, estimate: bool) -> Self {
        Sfu {
            estimate,
            local,
            peers: Vec::new(),
            slots: HashMap::new(),
            rooms: HashMap::new(),
            maybe_dead: false,
            by_source: HashMap::new(),
            out: Default::default(),
            forwarded: 0,
            recording: Default::default(),
            choose_due: Vec::new(),
            next_choose: Instant::now(),
        }
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local
    }

    /// Media frames written to subscribers since the start (for metrics and the benchmark).
    pub fn forwarded(&self) -> u64 {
        self.forwarded
    }

    pub fn peer_count(&self) -> usize {
        self.peers.len()
    }

    fn index(&self, peer: PeerId) -> Option<usize> {
        self.slots.get(&peer).copied()
    }

    /// Rebuilds `slots` and `rooms` after `peers` changed (a join or a leave, never per packet).
    fn reindex(&mut self) {
        self.slots.clear();
        self.rooms.clear();
        for (i, p) in self.peers.iter().enumerate() {
            self.slots.insert(p.id, i);
            self.rooms.entry(p.room.clone()).or_default().push(i);
        }
    }

    /// A participant joins `room` with its browser's offer and gets the answer. `label` names its
    /// tracks to the others (the user id). Joining again with the same `peer` replaces the old
    /// connection: that is how a page restarts ICE after a network change. With `echo` the
    /// participant hears and sees itself, which the device check uses.
    pub fn join(
        &mut self,
        now: Instant,
        peer: PeerId,
        room: &str,
        label: &str,
        offer: &str,
        echo: bool,
    ) -> Result<String, SfuError> {
        let offer = SdpOffer::from_sdp_string(offer).map_err(|_| SfuError::BadSdp)?;
        let mut rtc = rtc_config(self.estimate).build(now);
        let candidate = Candidate::host(self.local, "udp").map_err(|e| SfuError::Refused(e.to_string()))?;
        rtc.add_local_candidate(candidate);
        let answer = rtc.sdp_api().accept_offer(offer).map_err(|e| SfuError::Refused(e.to_string()))?;
        self.leave(peer);
        let mut p = Peer {
            id: peer,
            room: room.to_owned(),
            label: label.to_owned(),
            rtc,
            echo,
            receive_video: true,
            tracks_in: Vec::new(),
            tracks_out: Vec::new(),
            pending: None,
            renegotiate: true,
            next_timeout: now,
            estimate: layers::INITIAL_ESTIMATE,
            bwe_asked: (0, 0),
        };
        // Everything already published in the room is offered to the newcomer.
        if !echo {
            for other in self.peers.iter().filter(|o| o.room == room && !o.echo) {
                for t in &other.tracks_in {
                    p.tracks_out.push(track_out(other, t));
                }
            }
        }
        self.peers.push(p);
        self.reindex();
        self.work(now, vec![self.peers.len() - 1]);
        Ok(answer.to_sdp_string())
    }

    /// The browser's answer to the last offer handed out for it.
    pub fn answer(&mut self, now: Instant, peer: PeerId, sdp: &str) -> Result<(), SfuError> {
        let i = self.index(peer).ok_or(SfuError::UnknownPeer)?;
        let answer = SdpAnswer::from_sdp_string(sdp).map_err(|_| SfuError::BadSdp)?;
        let p = &mut self.peers[i];
        let pending = p.pending.take().ok_or(SfuError::NoPendingOffer)?;
        p.rtc.sdp_api().accept_answer(pending, answer).map_err(|e| SfuError::Refused(e.to_string()))?;
        for t in &mut p.tracks_out {
            if let OutState::Negotiating(m) = t.state {
                t.state = OutState::Open(m);
            }
        }
        p.tracks_out.retain(|t| !matches!(t.state, OutState::NegotiatingStop(_)));
        // What changed while the offer was out goes in the next one.
        p.renegotiate = true;
        // A new subscriber must see video at once: its layers are chosen now, which asks each
        // publisher for a keyframe of the chosen one.
        self.choose_due.push(peer);
        let touched = (0..self.peers.len()).collect();
        self.work(now, touched);
        Ok(())
    }

    /// The participant leaves: its tracks stop being forwarded and are withdrawn from the others'
    /// browsers in their next offer.
    pub fn leave(&mut self, peer: PeerId) {
        let Some(i) = self.index(peer) else { return };
        let mut gone = self.peers.remove(i);
        gone.rtc.disconnect();
        self.reindex();
        self.by_source.retain(|_, p| *p != peer);
        for p in &mut self.peers {
            let before = p.tracks_out.len();
            let mut stopped = false;
            p.tracks_out.retain_mut(|t| {
                if t.origin != peer {
                    return true;
                }
                match t.state {
                    OutState::ToOpen => false,
                    OutState::Open(m) => {
                        t.state = OutState::ToStop(m);
                        stopped = true;
                        true
                    }
                    _ => true,
                }
            });
            p.renegotiate |= stopped || p.tracks_out.len() != before;
        }
        self.negotiate_all();
    }

    /// Voice-only mode: stop (or resume) sending video to this participant. Resuming asks every
    /// publisher for a keyframe so the pictures come back at once.
    pub fn set_receive_video(&mut self, now: Instant, peer: PeerId, on: bool) -> Result<(), SfuError> {
        let i = self.index(peer).ok_or(SfuError::UnknownPeer)?;
        let was = std::mem::replace(&mut self.peers[i].receive_video, on);
        if on != was {
            self.choose_due.push(peer);
            self.work(now, Vec::new());
        }
        Ok(())
    }

    /// A datagram arrived on the media port. Returns false when no participant owns it (it is
    /// dropped: a stray or malicious packet harms nobody).
    pub fn receive(&mut self, now: Instant, source: SocketAddr, destination: SocketAddr, contents: &[u8]) -> bool {
        let Ok(receive) = Receive::new(Protocol::Udp, source, destination, contents) else { return false };
        let input = Input::Receive(now, receive);
        let cached = self.by_source.get(&source).and_then(|p| self.index(*p));
        let i = match cached {
            Some(i) if self.peers[i].rtc.accepts(&input) => i,
            _ => match self.peers.iter().position(|p| p.rtc.accepts(&input)) {
                Some(i) => {
                    self.by_source.insert(source, self.peers[i].id);
                    i
                }
                None => return false,
            },
        };
        if let Err(e) = self.peers[i].rtc.handle_input(input) {
            // A datagram str0m cannot use is dropped; the connection itself carries on.
            tracing::debug!(error = %e, "media datagram refused");
        }
        self.work(now, vec![i]);
        true
    }

    /// Time passed: retransmissions, RTCP, ICE consent. Call it at `poll_timeout` at the latest.
    pub fn handle_timeout(&mut self, now: Instant) {
        if now >= self.next_choose {
            self.next_choose = now + layers::CHOOSE_EVERY;
            self.choose_due.extend(self.peers.iter().map(|p| p.id));
        }
        let mut due = Vec::new();
        for (i, p) in self.peers.iter_mut().enumerate() {
            for t in &mut p.tracks_in {
                if t.voice.silent(now) {
                    self.out.push_back(Output::Speaking { peer: p.id, on: false });
                }
            }
            if p.next_timeout <= now {
                if let Err(e) = p.rtc.handle_input(Input::Timeout(now)) {
                    tracing::debug!(error = %e, "media timeout failed");
                    p.rtc.disconnect();
                    self.maybe_dead = true;
                }
                due.push(i);
            }
        }
        self.work(now, due);
    }

    /// When `handle_timeout` is next due.
    pub fn poll_timeout(&self, now: Instant) -> Instant {
        self.peers.iter().map(|p| p.next_timeout).min().unwrap_or(now + MAX_WAIT).min(now + MAX_WAIT)
    }

    /// The next thing to do, in order.
    pub fn poll_output(&mut self) -> Option<Output> {
        self.out.pop_front()
    }

    /// Drains the given participants' outputs, passes what concerns the others on to them, and
    /// repeats for those until nothing is left; then sends the offers that became due.
    fn work(&mut self, now: Instant, mut touched: Vec<usize>) {
        loop {
            while !touched.is_empty() {
                touched.sort_unstable();
                touched.dedup();
                let mut propagated = Vec::new();
                for &i in &touched {
                    let Some(p) = self.peers.get_mut(i) else { continue };
                    drain(i, p, now, &mut self.out, &mut propagated);
                    self.maybe_dead |= !p.rtc.is_alive();
                }
                touched.clear();
                for (from, prop) in propagated {
                    self.propagate(now, from, prop, &mut touched);
                }
            }
            if self.choose_due.is_empty() {
                break;
            }
            let mut due = std::mem::take(&mut self.choose_due);
            due.sort_unstable();
            due.dedup();
            for peer in due {
                if let Some(i) = self.index(peer) {
                    self.choose(i, now, &mut touched);
                }
            }
        }
        self.reap();
        self.negotiate_all();
    }

    fn propagate(&mut self, now: Instant, from: usize, prop: Propagated, touched: &mut Vec<usize>) {
        match prop {
            Propagated::TrackOpen(mid) => {
                let origin = &self.peers[from];
                if origin.echo {
                    return;
                }
                let Some(t) = origin.tracks_in.iter().find(|t| t.mid == mid) else { return };
                let out = track_out(origin, t);
                let Some(members) = self.rooms.get(&origin.room) else { return };
                for &i in members.iter().filter(|&&i| i != from) {
                    let p = &mut self.peers[i];
                    if !p.echo {
                        p.tracks_out.push(out.clone());
                        p.renegotiate = true;
                    }
                }
            }
            Propagated::Media(origin, data, woke) => {
                if self.peers[from].echo {
                    let p = &mut self.peers[from];
                    if write(p, data.mid, &data, data.time) {
                        self.forwarded += 1;
                    }
                    touched.push(from);
                    return;
                }
                let track = self.peers[from].tracks_in.iter().find(|t| t.mid == data.mid).map(|t| t.name);
                if track == Some(TrackName::Microphone)
                    && let Some(level) = data.ext_vals.audio_level
                    && let Some(t) = self.peers[from].tracks_in.iter_mut().find(|t| t.mid == data.mid)
                    && let Some(on) = t.voice.heard(-i16::from(level.unsigned_abs()), data.network_time)
                {
                    self.out.push_back(Output::Speaking { peer: origin, on });
                }
                let video = matches!(track, Some(TrackName::Camera | TrackName::Screen));
                if self.recording.contains(&self.peers[from].room) {
                    self.record_frame(now, from, origin, &data, track, touched);
                }
                let Some(members) = self.rooms.get(&self.peers[from].room) else { return };
                let keyframe = video && data.is_keyframe();
                let mut wanted = false;
                for &i in members.iter().filter(|&&i| i != from) {
                    let p = &mut self.peers[i];
                    if woke {
                        self.choose_due.push(p.id);
                    }
                    if video && !p.receive_video {
                        continue;
                    }
                    let Some(t) = p.tracks_out.iter_mut().find(|t| t.origin == origin && t.origin_mid == data.mid)
                    else {
                        continue;
                    };
                    let OutState::Open(mid) = t.state else { continue };
                    let time = if video {
                        match follow(t, &data.rid, keyframe, &data) {
                            Some(time) => time,
                            None => {
                                wanted |= t.target.as_ref() == Some(&data.rid);
                                continue;
                            }
                        }
                    } else {
                        data.time
                    };
                    if write(p, mid, &data, time) {
                        self.forwarded += 1;
                    }
                    touched.push(i);
                }
                // A subscriber waits for this layer's keyframe.
                if wanted {
                    request_keyframe(&mut self.peers[from], data.mid, &data.rid, KeyframeRequestKind::Pli, now, false);
                    touched.push(from);
                }
            }
            Propagated::Connected => self.keyframes_for(from, now, touched),
            Propagated::Keyframe(origin, mid, layer, kind) => {
                if let Some(o) = self.index(origin) {
                    request_keyframe(&mut self.peers[o], mid, &layer, kind, now, false);
                    touched.push(o);
                }
            }
            Propagated::Estimate => self.choose_due.push(self.peers[from].id),
        }
    }

    /// Chooses the layer of every video this participant receives from its downlink's estimate
    /// (see `layers`), asks the publishers for keyframes of newly chosen layers, and tells the
    /// estimator what rates to look for.
    fn choose(&mut self, i: usize, now: Instant, touched: &mut Vec<usize>) {
        let p = &self.peers[i];
        if p.echo {
            return;
        }
        let open = |t: &&TrackOut| matches!(t.state, OutState::Open(_));
        // What the audio this participant receives carries, as measured.
        let audio: u64 = p
            .tracks_out
            .iter()
            .filter(open)
            .filter(|t| t.kind == MediaKind::Audio)
            .filter_map(|t| {
                let o = self.index(t.origin)?;
                let tin = self.peers[o].tracks_in.iter().find(|x| x.mid == t.origin_mid)?;
                Some(tin.layers.first()?.bps(now))
            })
            .sum();
        // (index in tracks_out, publisher's index, screen) of each video, shared screens first.
        let mut order = Vec::new();
        let mut videos = Vec::new();
        for (k, t) in p.tracks_out.iter().enumerate().filter(|(_, t)| t.kind == MediaKind::Video && open(t)) {
            let Some(o) = self.index(t.origin) else { continue };
            let Some(tin) = self.peers[o].tracks_in.iter().find(|x| x.mid == t.origin_mid) else { continue };
            let mut offered: Vec<(LayerId, u64)> =
                tin.layers.iter().filter(|l| l.active(now)).map(|l| (l.rid, l.bps(now))).collect();
            offered.sort_by_key(|l| l.1);
            let sending = t.sending.as_ref().and_then(|s| offered.iter().position(|l| &l.0 == s));
            let single = tin.layers.iter().all(|l| l.rid.is_none());
            order.push((k, o, tin.name == TrackName::Screen));
            videos.push(layers::Video { layers: offered, sending, single });
        }
        let mut by_priority: Vec<usize> = (0..videos.len()).collect();
        by_priority.sort_by_key(|&v| !order[v].2);
        let sorted: Vec<layers::Video> = by_priority.iter().map(|&v| videos[v].clone()).collect();
        let estimate = p.estimate;
        let allocation = layers::allocate(estimate, audio, &sorted);
        let receive_video = p.receive_video;
        let mut requests = Vec::new();
        let p = &mut self.peers[i];
        for (slot, &v) in by_priority.iter().enumerate() {
            let (k, o, _) = order[v];
            let chosen = allocation.chosen[slot].filter(|_| receive_video);
            let t = &mut p.tracks_out[k];
            // A pause waits until the estimate has stayed short for `PAUSE_AFTER`; until then the
            // smallest layer stays (a voice-only switch pauses at once).
            let target = match chosen {
                Some(c) => {
                    t.short_since = None;
                    Some(videos[v].layers[c].0)
                }
                None if receive_video && t.target.is_some() && !videos[v].layers.is_empty() => {
                    let since = *t.short_since.get_or_insert(now);
                    if now.saturating_duration_since(since) < layers::PAUSE_AFTER {
                        Some(videos[v].layers[0].0)
                    } else {
                        None
                    }
                }
                None => None,
            };
            // A layer that no longer fits at all is stopped now rather than at the next one's
            // keyframe: every frame more of it would queue in the pacer ahead of the smaller
            // layer and the audio. The picture holds its last frame for the round trip a
            // keyframe takes.
            let overflowing = videos[v]
                .sending
                .is_some_and(|s| chosen.is_some_and(|c| c < s) && videos[v].layers[s].1 + audio > estimate);
            if overflowing {
                t.sending = None;
            }
            if target != t.target || overflowing {
                if let Some(layer) = &target
                    && t.sending.as_ref() != Some(layer)
                {
                    requests.push((o, t.origin_mid, *layer, t.sending.is_none()));
                }
                if target.is_none() {
                    t.sending = None;
                }
                t.target = target;
            }
        }
        let asked = (allocation.minimum, allocation.desired);
        let far = |a: u64, b: u64| a.abs_diff(b) * 20 > b.max(1);
        if far(asked.0, p.bwe_asked.0) || far(asked.1, p.bwe_asked.1) {
            p.bwe_asked = asked;
            p.rtc.bwe().set_bitrate(Bitrate::bps(asked.0), Bitrate::bps(asked.1));
            touched.push(i);
        }
        for (o, mid, layer, force) in requests {
            request_keyframe(&mut self.peers[o], mid, &layer, KeyframeRequestKind::Pli, now, force);
            touched.push(o);
        }
    }

    /// Asks the publisher of every video this participant receives for a keyframe of the layer
    /// chosen for it.
    fn keyframes_for(&mut self, i: usize, now: Instant, touched: &mut Vec<usize>) {
        let wanted: Vec<(PeerId, Mid, LayerId)> = self.peers[i]
            .tracks_out
            .iter()
            .filter(|t| t.kind == MediaKind::Video && matches!(t.state, OutState::Open(_)))
            .filter_map(|t| Some((t.origin, t.origin_mid, t.target?)))
            .collect();
        for (origin, mid, layer) in wanted {
            if let Some(o) = self.index(origin) {
                request_keyframe(&mut self.peers[o], mid, &layer, KeyframeRequestKind::Pli, now, true);
                touched.push(o);
            }
        }
    }

    /// Participants whose connection died are removed, and the caller is told.
    fn reap(&mut self) {
        if !std::mem::take(&mut self.maybe_dead) {
            return;
        }
        let dead: Vec<PeerId> = self.peers.iter().filter(|p| !p.rtc.is_alive()).map(|p| p.id).collect();
        for peer in dead {
            self.leave(peer);
            self.out.push_back(Output::Closed { peer });
        }
    }

    /// Offers to every participant whose tracks changed, once no answer is awaited.
    fn negotiate_all(&mut self) {
        for p in self.peers.iter_mut().filter(|p| p.renegotiate && p.pending.is_none()) {
            p.renegotiate = false;
            if let Some(sdp) = negotiate(p) {
                self.out.push_back(Output::Offer { peer: p.id, sdp });
            }
        }
    }
}

fn track_out(origin: &Peer, t: &TrackIn) -> TrackOut {
    let stream = match t.name {
        TrackName::Screen => format!("{}-screen", origin.label),
        TrackName::Microphone | TrackName::Camera => origin.label.clone(),
    };
    TrackOut {
        origin: origin.id,
        origin_mid: t.mid,
        kind: t.kind,
        stream,
        state: OutState::ToOpen,
        sending: None,
        target: None,
        time_offset: 0,
        last: None,
        short_since: None,
    }
}

/// Whether a frame of `layer` of a video goes to this subscriber, and at what RTP time: frames of
/// the layer being forwarded do, until the chosen layer's first keyframe, from which on that one
/// does. A pause (no layer chosen) stops the video at once.
fn follow(t: &mut TrackOut, layer: &LayerId, keyframe: bool, data: &MediaData) -> Option<MediaTime> {
    let target = t.target.as_ref()?;
    if t.sending.as_ref() != Some(layer) {
        if target != layer || !keyframe {
            return None;
        }
        // Moving to this layer: its clock is not the last one's, so the subscriber's timeline is
        // carried on from the last frame forwarded by the time that passed since.
        if let Some((last, at)) = t.last {
            let passed = data.network_time.saturating_duration_since(at);
            let ticks = passed.as_micros() as u64 * u64::from(data.time.frequency().get()) / 1_000_000;
            t.time_offset = last.wrapping_add(ticks.max(1)).wrapping_sub(data.time.numer());
        }
        t.sending = Some(*layer);
    }
    let time = data.time.numer().wrapping_add(t.time_offset);
    t.last = Some((time, data.network_time));
    Some(MediaTime::new(time, data.time.frequency()))
}

/// Writes one frame to a participant's transceiver at `time`; false when it cannot carry it (no
/// common codec, or the transceiver is gone).
fn write(p: &mut Peer, mid: Mid, data: &MediaData, time: MediaTime) -> bool {
    let Some(writer) = p.rtc.writer(mid) else { return false };
    let Some(pt) = writer.match_params(data.params) else { return false };
    match writer.write(pt, data.network_time, time, data.data.clone()) {
        Ok(()) => true,
        Err(e) => {
            tracing::debug!(error = %e, "forwarding a frame failed");
            false
        }
    }
}

/// Asks a publisher for a keyframe of one layer of a video, at most every `KEYFRAME_INTERVAL`
/// unless `force`.
fn request_keyframe(p: &mut Peer, mid: Mid, layer: &LayerId, kind: KeyframeRequestKind, now: Instant, force: bool) {
    let Some(t) = p.tracks_in.iter_mut().find(|t| t.mid == mid) else { return };
    if let Some(l) = t.layers.iter_mut().find(|l| &l.rid == layer) {
        if !force && l.last_keyframe_request.is_some_and(|at| now.duration_since(at) < KEYFRAME_INTERVAL) {
            return;
        }
        l.last_keyframe_request = Some(now);
    }
    if let Some(mut writer) = p.rtc.writer(mid)
        && writer.is_request_keyframe_possible(kind)
    {
        let _ = writer.request_keyframe(*layer, kind);
    }
}

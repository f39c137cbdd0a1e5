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

use str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use str0m::media::{KeyframeRequestKind, MediaData, MediaKind, Mid};
use str0m::net::{Protocol, Receive};
use str0m::{Candidate, Input, Rtc};

mod recording;
mod rtc;
mod voice;

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
    last_keyframe_request: Option<Instant>,
    /// A recording of the room started and this camera has not sent a keyframe since: it is
    /// asked again (at most every `KEYFRAME_INTERVAL`) until it does, because a publisher may
    /// ignore a request that comes too soon after another.
    recording_needs_keyframe: bool,
    /// Packets of this video were lost for good: nothing is forwarded until its next keyframe.
    broken: bool,
    /// A microphone's speaking state, from its packets' audio levels.
    voice: Voice,
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
}

/// Something one participant's `Rtc` produced that concerns the others. These live only between
/// draining one participant and writing to the others; boxing the frame would cost an allocation
/// per frame for nothing.
#[allow(clippy::large_enum_variant)]
enum Propagated {
    TrackOpen(Mid),
    Media(PeerId, MediaData),
    /// A subscriber wants a keyframe of (origin, origin's mid).
    Keyframe(PeerId, Mid, KeyframeRequestKind),
    /// The participant's DTLS is up: frames written before were lost, so it needs keyframes.
    Connected,
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
}

impl std::fmt::Debug for Sfu {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sfu").field("local", &self.local).field("peers", &self.peers.len()).finish()
    }
}

fn rtc_config() -> str0m::RtcConfig {
    Rtc::builder().set_ice_lite(true).clear_codecs().enable_opus(true, false).enable_vp8(true).enable_h264(true)
}

impl Sfu {
    /// `local` is the address browsers reach: the advertised IP and the bound UDP port. Every
    /// datagram fed in must name it as its destination.
    pub fn new(local: SocketAddr) -> Self {
        Sfu {
            local,
            peers: Vec::new(),
            slots: HashMap::new(),
            rooms: HashMap::new(),
            maybe_dead: false,
            by_source: HashMap::new(),
            out: Default::default(),
            forwarded: 0,
            recording: Default::default(),
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
        let mut rtc = rtc_config().build(now);
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
        let mut opened = Vec::new();
        for t in &mut p.tracks_out {
            if let OutState::Negotiating(m) = t.state {
                t.state = OutState::Open(m);
                opened.push((t.origin, t.origin_mid, t.kind));
            }
        }
        p.tracks_out.retain(|t| !matches!(t.state, OutState::NegotiatingStop(_)));
        // What changed while the offer was out goes in the next one.
        p.renegotiate = true;
        // A new subscriber must see video at once: ask each publisher for a keyframe.
        for (origin, mid, kind) in opened {
            if kind == MediaKind::Video
                && let Some(o) = self.index(origin)
            {
                request_keyframe(&mut self.peers[o], mid, KeyframeRequestKind::Pli, now, true);
            }
        }
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
        if on && !was {
            let mut touched = Vec::new();
            self.keyframes_for(i, now, &mut touched);
            self.work(now, touched);
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
            Propagated::Media(origin, data) => {
                if self.peers[from].echo {
                    let p = &mut self.peers[from];
                    if write(p, data.mid, &data) {
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
                for &i in members.iter().filter(|&&i| i != from) {
                    let p = &mut self.peers[i];
                    if video && !p.receive_video {
                        continue;
                    }
                    let Some(mid) = p
                        .tracks_out
                        .iter()
                        .find(|t| t.origin == origin && t.origin_mid == data.mid)
                        .and_then(|t| if let OutState::Open(m) = t.state { Some(m) } else { None })
                    else {
                        continue;
                    };
                    if write(p, mid, &data) {
                        self.forwarded += 1;
                    }
                    touched.push(i);
                }
            }
            Propagated::Connected => self.keyframes_for(from, now, touched),
            Propagated::Keyframe(origin, mid, kind) => {
                if let Some(o) = self.index(origin) {
                    request_keyframe(&mut self.peers[o], mid, kind, now, false);
                    touched.push(o);
                }
            }
        }
    }

    /// Asks the publisher of every video this participant receives for a keyframe.
    fn keyframes_for(&mut self, i: usize, now: Instant, touched: &mut Vec<usize>) {
        let wanted: Vec<(PeerId, Mid)> = self.peers[i]
            .tracks_out
            .iter()
            .filter(|t| t.kind == MediaKind::Video && matches!(t.state, OutState::Open(_)))
            .map(|t| (t.origin, t.origin_mid))
            .collect();
        for (origin, mid) in wanted {
            if let Some(o) = self.index(origin) {
                request_keyframe(&mut self.peers[o], mid, KeyframeRequestKind::Pli, now, true);
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
    TrackOut { origin: origin.id, origin_mid: t.mid, kind: t.kind, stream, state: OutState::ToOpen }
}

/// Writes one frame to a participant's transceiver; false when it cannot carry it (no common
/// codec, or the transceiver is gone).
fn write(p: &mut Peer, mid: Mid, data: &MediaData) -> bool {
    let Some(writer) = p.rtc.writer(mid) else { return false };
    let Some(pt) = writer.match_params(data.params) else { return false };
    match writer.write(pt, data.network_time, data.time, data.data.clone()) {
        Ok(()) => true,
        Err(e) => {
            tracing::debug!(error = %e, "forwarding a frame failed");
            false
        }
    }
}

fn request_keyframe(p: &mut Peer, mid: Mid, kind: KeyframeRequestKind, now: Instant, force: bool) {
    let Some(t) = p.tracks_in.iter_mut().find(|t| t.mid == mid) else { return };
    if !force && t.last_keyframe_request.is_some_and(|at| now.duration_since(at) < KEYFRAME_INTERVAL) {
        return;
    }
    t.last_keyframe_request = Some(now);
    if let Some(mut writer) = p.rtc.writer(mid)
        && writer.is_request_keyframe_possible(kind)
    {
        let _ = writer.request_keyframe(None, kind);
    }
}

//! Driving one participant's str0m `Rtc`: draining its output, reading what its events mean for
//! the room, and putting its due track changes into an offer.

use std::time::Instant;

use str0m::bwe::BweKind;
use str0m::media::{Direction, KeyframeRequestKind, MediaKind};
use str0m::{Event, IceConnectionState, Output as RtcOutput};

use super::layers::{Layer, MAX_LAYERS};
use super::{MAX_TRACKS_IN, OutState, Output, Peer, Propagated, TrackIn, TrackName, request_keyframe};

/// Polls one participant until str0m has nothing more to say.
pub(super) fn drain(
    i: usize,
    p: &mut Peer,
    now: Instant,
    out: &mut std::collections::VecDeque<Output>,
    propagated: &mut Vec<(usize, Propagated)>,
) {
    loop {
        if !p.rtc.is_alive() {
            p.next_timeout = now;
            return;
        }
        match p.rtc.poll_output() {
            Ok(RtcOutput::Timeout(t)) => {
                p.next_timeout = t;
                return;
            }
            Ok(RtcOutput::Transmit(t)) => out.push_back(Output::Transmit {
                source: t.source,
                destination: t.destination,
                contents: t.contents.into(),
            }),
            Ok(RtcOutput::Event(e)) => {
                if let Some(prop) = event(p, e, now) {
                    propagated.push((i, prop));
                }
            }
            Err(e) => {
                tracing::debug!(error = %e, "a media connection failed");
                p.rtc.disconnect();
            }
        }
    }
}

/// What one str0m event means for the room.
fn event(p: &mut Peer, e: Event, now: Instant) -> Option<Propagated> {
    match e {
        Event::Connected => Some(Propagated::Connected),
        Event::IceConnectionStateChange(IceConnectionState::Disconnected) => {
            p.rtc.disconnect();
            None
        }
        Event::MediaAdded(m) if m.direction.is_receiving() => {
            if p.tracks_in.len() >= MAX_TRACKS_IN {
                return None;
            }
            let videos = p.tracks_in.iter().filter(|t| t.kind == MediaKind::Video).count();
            let name = match (m.kind, videos) {
                (MediaKind::Audio, _) => TrackName::Microphone,
                (MediaKind::Video, 0) => TrackName::Camera,
                (MediaKind::Video, _) => TrackName::Screen,
            };
            p.tracks_in.push(TrackIn {
                mid: m.mid,
                kind: m.kind,
                name,
                layers: Vec::new(),
                recording_needs_keyframe: false,
                recording_layer: None,
                voice: super::voice::Voice::default(),
            });
            Some(Propagated::TrackOpen(m.mid))
        }
        Event::MediaData(data) => {
            let t = p.tracks_in.iter_mut().find(|t| t.mid == data.mid)?;
            if t.kind != MediaKind::Video {
                // Audio is measured too: it is what every subscriber's estimate carries first.
                match t.layers.first_mut() {
                    Some(l) => l.frame(now, data.data.len()),
                    None => {
                        t.layers.push(Layer::new(None, now));
                        t.layers[0].frame(now, data.data.len())
                    }
                };
                return Some(Propagated::Media(p.id, data, false));
            }
            // Each simulcast layer is its own stream: its rate, continuity and keyframe
            // requests are kept apart. A publisher names at most `MAX_LAYERS`; others are dropped.
            let l = match t.layers.iter().position(|l| l.rid == data.rid) {
                Some(l) => l,
                None if t.layers.len() < MAX_LAYERS => {
                    t.layers.push(Layer::new(data.rid, now));
                    t.layers.len() - 1
                }
                None => return None,
            };
            let layer = &mut t.layers[l];
            let woke = layer.frame(now, data.data.len());
            // A video frame after packets lost for good would be decoded against a picture the
            // subscribers never got: smeared video. From the gap on, the layer's frames are held
            // back and the publisher is asked for a keyframe (at most every `KEYFRAME_INTERVAL`),
            // and forwarding resumes with it. Audio is forwarded as it comes: Opus conceals a gap.
            if data.is_keyframe() {
                layer.broken = false;
                if let Some((w, h)) = crate::webm::vp8_keyframe_size(&data.data) {
                    layer.pixels = u32::from(w) * u32::from(h);
                }
            } else if layer.broken || !data.contiguous {
                layer.broken = true;
                let mid = t.mid;
                request_keyframe(p, mid, &data.rid, KeyframeRequestKind::Pli, now, false);
                return None;
            }
            Some(Propagated::Media(p.id, data, woke))
        }
        Event::KeyframeRequest(req) => {
            if p.echo {
                return Some(Propagated::Keyframe(p.id, req.mid, req.rid, req.kind));
            }
            let t = p.tracks_out.iter().find(|t| t.mid() == Some(req.mid))?;
            let layer = t.sending.or(t.target)?;
            Some(Propagated::Keyframe(t.origin, t.origin_mid, layer, req.kind))
        }
        Event::EgressBitrateEstimate(BweKind::Twcc { estimate, .. }) => {
            p.estimate = estimate.as_u64();
            Some(Propagated::Estimate)
        }
        _ => None,
    }
}

/// Puts the participant's due track changes into one offer, when no other offer is out.
pub(super) fn negotiate(p: &mut Peer) -> Option<String> {
    if p.pending.is_some() || !p.rtc.is_alive() || p.echo {
        return None;
    }
    let mut api = p.rtc.sdp_api();
    for t in &mut p.tracks_out {
        match t.state {
            OutState::ToOpen => {
                let mid = api.add_media(t.kind, Direction::SendOnly, Some(t.stream.clone()), None, None);
                t.state = OutState::Negotiating(mid);
            }
            OutState::ToStop(mid) => {
                api.stop_media(mid);
                t.state = OutState::NegotiatingStop(mid);
            }
            _ => {}
        }
    }
    if !api.has_changes() {
        return None;
    }
    let (offer, pending) = api.apply()?;
    p.pending = Some(pending);
    Some(offer.to_sdp_string())
}

//! Driving one participant's str0m `Rtc`: draining its output, reading what its events mean for
//! the room, and putting its due track changes into an offer.

use std::time::Instant;

use str0m::media::{Direction, MediaKind};
use str0m::{Event, IceConnectionState, Output as RtcOutput};

use super::{MAX_TRACKS_IN, OutState, Output, Peer, Propagated, TrackIn, TrackName};

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
                if let Some(prop) = event(p, e) {
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
fn event(p: &mut Peer, e: Event) -> Option<Propagated> {
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
                last_keyframe_request: None,
                recording_needs_keyframe: false,
            });
            Some(Propagated::TrackOpen(m.mid))
        }
        Event::MediaData(data) => {
            if !p.tracks_in.iter().any(|t| t.mid == data.mid) {
                return None;
            }
            Some(Propagated::Media(p.id, data))
        }
        Event::KeyframeRequest(req) => {
            if p.echo {
                return Some(Propagated::Keyframe(p.id, req.mid, req.kind));
            }
            let t = p.tracks_out.iter().find(|t| t.mid() == Some(req.mid))?;
            Some(Propagated::Keyframe(t.origin, t.origin_mid, req.kind))
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

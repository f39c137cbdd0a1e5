//! Recording: while a room records, its microphone (Opus), camera and screen (VP8) frames are
//! handed out as `Output::Frame`. Starting asks every camera and screen for a keyframe, and a
//! track is asked again (at most every `KEYFRAME_INTERVAL`) until it has sent one, since a browser
//! ignores a request that follows another too closely and the recording cannot show a picture
//! before its first keyframe. A simulcast video is recorded from its largest active layer; when
//! that layer stops, the recording moves to the next largest at its first keyframe.

use std::time::Instant;

use str0m::media::{KeyframeRequestKind, MediaData, Mid};

use super::{LayerId, Output, PeerId, RecordedFrame, Sfu, TrackName, request_keyframe};

impl Sfu {
    /// Starts or stops handing a room's microphone, camera and screen frames out for recording.
    /// Starting asks every camera and screen in the room for a keyframe, so the recording can
    /// begin with pictures.
    pub fn record(&mut self, now: Instant, room: &str, on: bool) {
        if !on {
            self.recording.remove(room);
            return;
        }
        self.recording.insert(room.to_owned());
        let mut touched = Vec::new();
        for (i, p) in self.peers.iter_mut().enumerate() {
            if p.room != room {
                continue;
            }
            let pictures: Vec<(Mid, Option<LayerId>)> = p
                .tracks_in
                .iter()
                .filter(|t| t.name != TrackName::Microphone)
                .map(|t| (t.mid, t.largest(now)))
                .collect();
            for (mid, layer) in pictures {
                request_keyframe(p, mid, layer.as_ref().unwrap_or(&None), KeyframeRequestKind::Pli, now, true);
                if let Some(t) = p.tracks_in.iter_mut().find(|t| t.mid == mid) {
                    t.recording_needs_keyframe = true;
                    t.recording_layer = layer;
                }
            }
            touched.push(i);
        }
        self.work(now, touched);
    }

    /// Hands one frame of a recorded room out, when it is a microphone's Opus or a camera's or
    /// screen's VP8.
    pub(super) fn record_frame(
        &mut self,
        now: Instant,
        from: usize,
        origin: PeerId,
        data: &MediaData,
        track: Option<TrackName>,
        touched: &mut Vec<usize>,
    ) {
        let codec = data.params.spec().codec;
        let (track, video) = match track {
            Some(t @ TrackName::Microphone) if codec == str0m::format::Codec::Opus => (t, false),
            Some(t @ (TrackName::Camera | TrackName::Screen)) if codec == str0m::format::Codec::Vp8 => (t, true),
            _ => return,
        };
        let keyframe = video && data.data.first().is_some_and(|b| b & 1 == 0);
        if video {
            let p = &mut self.peers[from];
            let Some(t) = p.tracks_in.iter_mut().find(|t| t.mid == data.mid) else { return };
            let stopped = t.recording_layer.as_ref().is_none_or(|l| t.layer(l).is_none_or(|l| !l.active(now)));
            if stopped && let Some(largest) = t.largest(now) {
                t.recording_needs_keyframe |= t.recording_layer.as_ref() != Some(&largest);
                t.recording_layer = Some(largest);
            }
            if t.recording_layer.as_ref() != Some(&data.rid) {
                return;
            }
            if keyframe {
                t.recording_needs_keyframe = false;
            } else if t.recording_needs_keyframe {
                // Frames before the layer's first keyframe cannot be decoded.
                request_keyframe(p, data.mid, &data.rid, KeyframeRequestKind::Pli, now, false);
                touched.push(from);
                return;
            }
        }
        let p = &self.peers[from];
        self.out.push_back(Output::Frame(RecordedFrame {
            room: p.room.clone(),
            peer: origin,
            label: p.label.clone(),
            track,
            keyframe,
            at: data.network_time,
            data: data.data.clone(),
        }));
    }
}

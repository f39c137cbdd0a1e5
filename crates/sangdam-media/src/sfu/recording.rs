//! Recording: while a room records, its microphone (Opus), camera and screen (VP8) frames are
//! handed out as `Output::Frame`. Starting asks every camera and screen for a keyframe, and a
//! track is asked again (at most every `KEYFRAME_INTERVAL`) until it has sent one, since a browser
//! ignores a request that follows another too closely and the recording cannot show a picture
//! before its first keyframe.

use std::time::Instant;

use str0m::media::{KeyframeRequestKind, MediaData, Mid};

use super::{Output, PeerId, RecordedFrame, Sfu, TrackName, request_keyframe};

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
            let pictures: Vec<Mid> =
                p.tracks_in.iter().filter(|t| t.name != TrackName::Microphone).map(|t| t.mid).collect();
            for mid in pictures {
                request_keyframe(p, mid, KeyframeRequestKind::Pli, now, true);
                if let Some(t) = p.tracks_in.iter_mut().find(|t| t.mid == mid) {
                    t.recording_needs_keyframe = true;
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
            match p.tracks_in.iter_mut().find(|t| t.mid == data.mid) {
                Some(t) if keyframe => t.recording_needs_keyframe = false,
                Some(t) if t.recording_needs_keyframe => {
                    request_keyframe(p, data.mid, KeyframeRequestKind::Pli, now, false);
                    touched.push(from);
                }
                _ => {}
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

//! Simulcast layers and the downlink: what each layer of a published video carries, and which
//! layer each subscriber gets from the bandwidth str0m estimates toward it (TWCC).
//!
//! A browser publishes its camera in up to three layers (the page asks for a quarter, a half and
//! the full picture), each its own RTP stream named by a `rid`. The SFU measures what each layer
//! carries, and for every subscriber fits its videos into its estimate: first each video's
//! smallest layer, in order (a shared screen before cameras), then one step up at a time while
//! the estimate allows. A video that does not fit even at its smallest is paused, so that audio,
//! which is never held back, keeps its room. Moving up needs [`UP_MARGIN`] to spare, so that an
//! estimate close to a layer's rate does not flip the picture back and forth. Forwarding moves to
//! a newly chosen layer at that layer's next keyframe (asked for at once), and the old layer is
//! forwarded until then, so a subscriber never sees a gap.
//!
//! A video without simulcast (another client, a shared screen, or a browser that sends one
//! stream) is one layer the SFU cannot make smaller, and it is never paused: str0m's pacer holds
//! it to the estimate while audio, which the pacer never holds, goes first. It is counted as at
//! most [`SINGLE_LAYER_COST`], so that it does not push the simulcast videos beside it to their
//! smallest layer.

use std::time::{Duration, Instant};

use str0m::media::Rid;

/// A layer by its `rid`; `None` for a video without simulcast.
pub(super) type LayerId = Option<Rid>;

/// How often every subscriber's layers are chosen again, besides whenever its estimate changes.
pub(super) const CHOOSE_EVERY: Duration = Duration::from_millis(250);
/// A layer with no frame for this long is not chosen (a browser drops its top layers when its own
/// uplink or processor is short).
const IDLE: Duration = Duration::from_millis(1500);
/// Share of the estimate the media is aimed at when the estimator is told what to look for; the
/// rest is room for retransmissions and RTCP.
const USABLE: f64 = 0.85;
/// How long the estimate must stay too low for a video's smallest layer before the video is
/// paused: the estimator dips on a burst and comes back, and a paused picture takes a keyframe
/// and a margin to come back.
pub(super) const PAUSE_AFTER: Duration = Duration::from_secs(1);
/// A layer above the one being forwarded must fit this many times over before it is chosen; the
/// layer being forwarded stays while it fits at all. While the downlink is not full, str0m's
/// estimate stays a little above what is sent (it dips to 85 % of the measured throughput at
/// each sign of a queue), so what fits now keeps fitting, and what would be more must be found
/// by the estimator's probes first.
pub(super) const UP_MARGIN: f64 = 1.25;
/// What a video without simulcast is counted as at most.
pub(super) const SINGLE_LAYER_COST: u64 = 150_000;
/// The estimate a subscriber starts from, before str0m has measured anything: a browser's own
/// start. The first picture is the small layer, and the estimator's probes find the room for the
/// larger ones within seconds. (At 1 Mbit/s the calls over a slow downlink and after a blackout
/// recovered more slowly in the browser tests; in a group of eight the first pictures come one
/// after another as the estimate grows.)
pub(super) const INITIAL_ESTIMATE: u64 = 300_000;
/// Layers measured per published video; a browser sends at most three.
pub(super) const MAX_LAYERS: usize = 3;
/// The window over which a layer's rate is measured.
const WINDOW: Duration = Duration::from_millis(500);
/// What each packet adds to its payload on the way out: RTP header and extensions, the SRTP tag,
/// UDP and IP. The estimate is of what goes on the wire, so a layer is measured the same way.
const PACKET_OVERHEAD: usize = 12 + 16 + 10 + 8 + 20;
/// Payload per packet (str0m's packetizers keep under the path MTU).
const PAYLOAD_PER_PACKET: usize = 1_100;

/// One layer of a published video, as received.
#[derive(Debug)]
pub(super) struct Layer {
    pub rid: LayerId,
    /// Packets of this layer were lost for good: nothing of it is forwarded until its next
    /// keyframe.
    pub broken: bool,
    pub last_keyframe_request: Option<Instant>,
    window_start: Instant,
    window_bytes: u64,
    /// Measured bits per second, smoothed over the last windows.
    bps: u64,
    last_frame: Instant,
    /// The picture's size (width times height) as its last VP8 keyframe names it; 0 unknown.
    pub pixels: u32,
}

impl Layer {
    pub fn new(rid: LayerId, now: Instant) -> Layer {
        Layer {
            rid,
            broken: false,
            last_keyframe_request: None,
            window_start: now,
            window_bytes: 0,
            bps: 0,
            last_frame: now,
            pixels: 0,
        }
    }

    /// Counts a frame of `bytes` (with what its packets add on the wire). True when the layer was idle until now (its first frame, or the
    /// first after a pause of the publisher's), so the subscribers' choices are due again.
    pub fn frame(&mut self, now: Instant, bytes: usize) -> bool {
        let woke = !self.active(now) || self.bps == 0 && self.window_bytes == 0;
        if woke {
            self.window_start = now;
            self.window_bytes = 0;
        }
        self.last_frame = now;
        let packets = bytes.div_ceil(PAYLOAD_PER_PACKET).max(1);
        self.window_bytes += (bytes + packets * PACKET_OVERHEAD) as u64;
        let elapsed = now.saturating_duration_since(self.window_start);
        if elapsed >= WINDOW {
            let measured = self.window_bytes * 8 * 1000 / (elapsed.as_millis().max(1) as u64);
            self.bps = if self.bps == 0 { measured } else { (self.bps + measured) / 2 };
            self.window_start = now;
            self.window_bytes = 0;
        }
        woke
    }

    /// The layer sent a frame lately.
    pub fn active(&self, now: Instant) -> bool {
        now.saturating_duration_since(self.last_frame) < IDLE
    }

    /// Bits per second this layer carries: the measured rate, or while the first window runs,
    /// what has come so far at the same pace.
    pub fn bps(&self, now: Instant) -> u64 {
        if self.bps > 0 {
            return self.bps;
        }
        let elapsed = now.saturating_duration_since(self.window_start).as_millis().max(100) as u64;
        self.window_bytes * 8 * 1000 / elapsed
    }
}

/// One video a subscriber receives, as the allocation sees it.
#[derive(Debug, Clone)]
pub(super) struct Video {
    /// The publisher's active layers, smallest first, with their rates.
    pub layers: Vec<(LayerId, u64)>,
    /// The index in `layers` being forwarded now, if any.
    pub sending: Option<usize>,
    /// The video has no simulcast: one layer, never paused, counted as [`SINGLE_LAYER_COST`] at
    /// most.
    pub single: bool,
}

/// What the allocation decided for one subscriber.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Allocation {
    /// Per video, the index of its chosen layer; `None`: paused.
    pub chosen: Vec<Option<usize>>,
    /// The lowest rate worth keeping up (with padding when media sends less): what is chosen,
    /// and while a video is paused, its smallest layer. Padding beyond it would fill a downlink
    /// that is already full; the room for the next step is found by the estimator's probes
    /// toward `desired`.
    pub minimum: u64,
    /// The rate that would carry one step up (the smallest there is), with the margin a move up
    /// needs: what the estimator probes for. With no step up it is still a little above what is
    /// sent, so that the estimate stays above it and a narrowing downlink shows at once. Probing for more at once would overflow a slow
    /// downlink's queue with each probe, and audio with it.
    pub desired: u64,
}

fn cost(v: &Video, layer: usize) -> u64 {
    let bps = v.layers[layer].1;
    if v.single { bps.min(SINGLE_LAYER_COST) } else { bps }
}

/// What the move of one video to `layer` needs on top of what it has, with the margin when it is
/// above the layer being forwarded.
fn step(v: &Video, from: Option<usize>, layer: usize) -> u64 {
    let extra = cost(v, layer) - from.map_or(0, |l| cost(v, l)).min(cost(v, layer));
    if v.sending.is_none_or(|s| layer > s) { (extra as f64 * UP_MARGIN) as u64 } else { extra }
}

/// Fits a subscriber's videos into its estimate, after its audio (both in bits per second).
pub(super) fn allocate(estimate: u64, audio: u64, videos: &[Video]) -> Allocation {
    let mut budget = estimate.saturating_sub(audio);
    let mut chosen: Vec<Option<usize>> = vec![None; videos.len()];
    // Each video's smallest layer, in order.
    for (i, v) in videos.iter().enumerate() {
        if v.layers.is_empty() {
            continue;
        }
        let need = step(v, None, 0);
        if v.single || need <= budget {
            chosen[i] = Some(0);
            budget = budget.saturating_sub(cost(v, 0));
        }
    }
    // Then one step up at a time, round the videos, while the estimate allows.
    loop {
        let mut moved = false;
        for (i, v) in videos.iter().enumerate() {
            let Some(now) = chosen[i] else { continue };
            if now + 1 >= v.layers.len() {
                continue;
            }
            let need = step(v, Some(now), now + 1);
            if need <= budget {
                budget -= cost(v, now + 1) - cost(v, now).min(cost(v, now + 1));
                chosen[i] = Some(now + 1);
                moved = true;
            }
        }
        if !moved {
            break;
        }
    }
    let used: u64 = videos.iter().zip(&chosen).filter_map(|(v, c)| c.map(|c| v.layers[c].1)).sum();
    let next: u64 = videos
        .iter()
        .zip(&chosen)
        .filter_map(|(v, c)| match *c {
            Some(c) if c + 1 < v.layers.len() => Some(v.layers[c + 1].1 - v.layers[c].1.min(v.layers[c + 1].1)),
            None if !v.layers.is_empty() => Some(v.layers[0].1),
            _ => None,
        })
        .min()
        .unwrap_or(0);
    let gross = |bps: u64| ((bps + audio) as f64 / USABLE) as u64;
    let margin = |bps: u64| (bps as f64 * UP_MARGIN) as u64;
    // A paused video keeps its smallest layer's rate up with padding, so that the estimator sees
    // when the downlink can carry it again.
    let paused: u64 = videos
        .iter()
        .zip(&chosen)
        .filter(|(v, c)| c.is_none() && !v.layers.is_empty())
        .map(|(v, _)| v.layers[0].1)
        .min()
        .unwrap_or(0);
    Allocation { chosen, minimum: used + audio + paused, desired: gross(used + margin(next)) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One Opus stream for speech, with headers.
    const AUDIO: u64 = 48_000;

    fn simulcast(sending: Option<usize>) -> Video {
        Video {
            layers: vec![(Some("q".into()), 120_000), (Some("h".into()), 400_000), (Some("f".into()), 1_200_000)],
            sending,
            single: false,
        }
    }

    #[test]
    fn a_slow_downlink_gets_the_smallest_layer_and_a_fast_one_the_largest() {
        assert_eq!(allocate(250_000, AUDIO, &[simulcast(None)]).chosen, vec![Some(0)]);
        assert_eq!(allocate(3_000_000, AUDIO, &[simulcast(None)]).chosen, vec![Some(2)]);
        assert_eq!(allocate(800_000, AUDIO, &[simulcast(Some(1))]).chosen, vec![Some(1)]);
    }

    #[test]
    fn video_that_does_not_fit_is_paused_before_audio_suffers() {
        // 100 kbit/s carries the audio and not even the smallest picture.
        assert_eq!(allocate(100_000, AUDIO, &[simulcast(Some(0))]).chosen, vec![None]);
        // Two videos at 250 kbit/s: one small picture fits, the second is paused.
        assert_eq!(allocate(250_000, AUDIO, &[simulcast(None), simulcast(None)]).chosen, vec![Some(0), None]);
    }

    #[test]
    fn moving_up_needs_room_to_spare_and_staying_does_not() {
        // Just enough for the middle layer (280 kbit/s on top of the smallest), not with the
        // margin a move up needs.
        let just = 400_000 + AUDIO + 1_000;
        assert_eq!(allocate(just, AUDIO, &[simulcast(Some(0))]).chosen, vec![Some(0)]);
        assert_eq!(allocate(just, AUDIO, &[simulcast(Some(1))]).chosen, vec![Some(1)]);
    }

    #[test]
    fn with_no_step_up_the_estimator_still_looks_a_little_above_what_is_sent() {
        let a = allocate(3_000_000, AUDIO, &[simulcast(Some(2))]);
        assert_eq!(a.chosen, vec![Some(2)]);
        assert_eq!(a.desired, ((1_200_000 + AUDIO) as f64 / USABLE) as u64);
    }

    #[test]
    fn a_video_without_simulcast_is_never_paused_and_counts_as_a_small_picture() {
        let single = Video { layers: vec![(None, 1_500_000)], sending: Some(0), single: true };
        assert_eq!(allocate(100_000, AUDIO, std::slice::from_ref(&single)).chosen, vec![Some(0)]);
        // Beside it, a simulcast video still gets its middle layer at 1 Mbit/s.
        assert_eq!(allocate(1_000_000, AUDIO, &[single, simulcast(Some(1))]).chosen, vec![Some(0), Some(1)]);
    }

    #[test]
    fn the_estimator_is_asked_to_find_room_for_the_next_step() {
        let a = allocate(250_000, AUDIO, &[simulcast(Some(0))]);
        assert_eq!(a.minimum, 120_000 + AUDIO);
        assert_eq!(a.desired, ((120_000 + 350_000 + AUDIO) as f64 / USABLE) as u64);
    }

    #[test]
    fn a_layer_measures_what_it_carries() {
        let start = Instant::now();
        let mut l = Layer::new(None, start);
        assert!(l.frame(start, 1000));
        for i in 1..=30u32 {
            assert!(!l.frame(start + Duration::from_millis(33) * i, 1000));
        }
        // 30 frames of 1000 bytes a second, one packet each: 240 kbit/s, and 16 kbit/s more on
        // the wire.
        let bps = l.bps(start + Duration::from_secs(1));
        assert!((220_000..=300_000).contains(&bps), "{bps}");
        assert!(!l.active(start + Duration::from_secs(3)));
        assert!(l.frame(start + Duration::from_secs(3), 1000));
    }
}

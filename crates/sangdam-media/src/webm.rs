//! A WebM writer for recordings, just what the SFU needs: VP8 video and Opus audio tracks,
//! SimpleBlocks in clusters of at most five seconds, live-style unknown sizes for the segment and
//! clusters, and the duration patched into the header at the end. Timestamps are milliseconds
//! since the recording started, taken from when each frame reached the server, so every track
//! shares one clock.

/// What a track carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Codec {
    Vp8,
    Opus,
}

#[derive(Debug, Clone)]
pub struct Track {
    /// 1, 2, 3 … in the order declared.
    pub number: u64,
    pub codec: Codec,
    pub name: String,
    /// Video only: the picture size of the first keyframe.
    pub width: u16,
    pub height: u16,
}

/// The picture size a VP8 keyframe announces, or `None` for an inter frame or garbage.
pub fn vp8_keyframe_size(frame: &[u8]) -> Option<(u16, u16)> {
    if frame.len() < 10 || frame[0] & 1 != 0 || frame[3..6] != [0x9d, 0x01, 0x2a] {
        return None;
    }
    let w = u16::from_le_bytes([frame[6], frame[7]]) & 0x3fff;
    let h = u16::from_le_bytes([frame[8], frame[9]]) & 0x3fff;
    (w > 0 && h > 0).then_some((w, h))
}

fn size(n: u64) -> Vec<u8> {
    // The shortest of the 1- to 8-byte forms (all ones is reserved for "unknown").
    for len in 1..=8u32 {
        if n < (1u64 << (7 * len)) - 1 {
            let mut out = vec![0u8; len as usize];
            for (i, b) in out.iter_mut().enumerate() {
                *b = (n >> (8 * (len as usize - 1 - i))) as u8;
            }
            out[0] |= 0x80 >> (len - 1);
            return out;
        }
    }
    vec![0x01, 0, 0, 0, 0, 0, 0, 0]
}

const UNKNOWN: [u8; 8] = [0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff];

fn el(id: &[u8], body: &[u8]) -> Vec<u8> {
    let mut out = id.to_vec();
    out.extend(size(body.len() as u64));
    out.extend_from_slice(body);
    out
}

fn uint(id: &[u8], v: u64) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take(7).take_while(|b| **b == 0).count();
    el(id, &bytes[skip..])
}

fn float(id: &[u8], v: f64) -> Vec<u8> {
    el(id, &v.to_be_bytes())
}

/// Opus's identification header (RFC 7845): version 1, two channels, 3840 samples of pre-skip,
/// 48 kHz, no gain, mapping family 0.
fn opus_head() -> Vec<u8> {
    let mut h = b"OpusHead".to_vec();
    h.push(1);
    h.push(2);
    h.extend_from_slice(&3840u16.to_le_bytes());
    h.extend_from_slice(&48_000u32.to_le_bytes());
    h.extend_from_slice(&0i16.to_le_bytes());
    h.push(0);
    h
}

fn track_entry(t: &Track) -> Vec<u8> {
    let mut body = uint(&[0xD7], t.number);
    body.extend(uint(&[0x73, 0xC5], t.number));
    body.extend(uint(&[0x9C], 0)); // FlagLacing: off
    body.extend(el(&[0x53, 0x6E], t.name.as_bytes()));
    match t.codec {
        Codec::Vp8 => {
            body.extend(uint(&[0x83], 1));
            body.extend(el(&[0x86], b"V_VP8"));
            let mut video = uint(&[0xB0], u64::from(t.width));
            video.extend(uint(&[0xBA], u64::from(t.height)));
            body.extend(el(&[0xE0], &video));
        }
        Codec::Opus => {
            body.extend(uint(&[0x83], 2));
            body.extend(el(&[0x86], b"A_OPUS"));
            body.extend(el(&[0x63, 0xA2], &opus_head()));
            body.extend(uint(&[0x56, 0xAA], 6_500_000)); // CodecDelay, ns
            body.extend(uint(&[0x56, 0xBB], 80_000_000)); // SeekPreRoll, ns
            let mut audio = float(&[0xB5], 48_000.0);
            audio.extend(uint(&[0x9F], 2));
            body.extend(el(&[0xE1], &audio));
        }
    }
    el(&[0xAE], &body)
}

/// Writes one recording into a byte sink.
#[derive(Debug, Default)]
pub struct Muxer {
    cluster_start: Option<u64>,
    last_ms: u64,
    /// Where the duration's eight bytes are, to patch at the end.
    duration_offset: u64,
}

/// The longest a cluster covers: block timestamps are 16-bit offsets from the cluster's.
const CLUSTER_MS: u64 = 5_000;

impl Muxer {
    /// The file's header: EBML header, segment start, info with a duration to patch, tracks.
    pub fn header(&mut self, tracks: &[Track]) -> Vec<u8> {
        let mut ebml = uint(&[0x42, 0x86], 1);
        ebml.extend(uint(&[0x42, 0xF7], 1));
        ebml.extend(uint(&[0x42, 0xF2], 4));
        ebml.extend(uint(&[0x42, 0xF3], 8));
        ebml.extend(el(&[0x42, 0x82], b"webm"));
        ebml.extend(uint(&[0x42, 0x87], 4));
        ebml.extend(uint(&[0x42, 0x85], 2));
        let mut out = el(&[0x1A, 0x45, 0xDF, 0xA3], &ebml);
        out.extend_from_slice(&[0x18, 0x53, 0x80, 0x67]);
        out.extend_from_slice(&UNKNOWN);
        let mut info = uint(&[0x2A, 0xD7, 0xB1], 1_000_000);
        info.extend(el(&[0x4D, 0x80], b"Sangdam"));
        info.extend(el(&[0x57, 0x41], b"Sangdam"));
        let before_duration = info.len();
        info.extend(float(&[0x44, 0x89], 0.0));
        let info_el = el(&[0x15, 0x49, 0xA9, 0x66], &info);
        // The duration's value is the last eight bytes of the info element.
        self.duration_offset = (out.len() + info_el.len() - 8) as u64;
        debug_assert_eq!(info.len() - before_duration, 2 + 1 + 8);
        out.extend(info_el);
        let entries: Vec<u8> = tracks.iter().flat_map(track_entry).collect();
        out.extend(el(&[0x16, 0x54, 0xAE, 0x6B], &entries));
        out
    }

    /// One frame at `ms` since the start; starts a cluster when needed.
    pub fn frame(&mut self, track: u64, ms: u64, keyframe: bool, data: &[u8]) -> Vec<u8> {
        let ms = ms.max(self.last_ms);
        self.last_ms = ms;
        let mut out = Vec::with_capacity(data.len() + 32);
        let start = match self.cluster_start {
            Some(s) if ms - s < CLUSTER_MS => s,
            _ => {
                out.extend_from_slice(&[0x1F, 0x43, 0xB6, 0x75]);
                out.extend_from_slice(&UNKNOWN);
                out.extend(uint(&[0xE7], ms));
                self.cluster_start = Some(ms);
                ms
            }
        };
        let mut block = size(track);
        block.extend_from_slice(&((ms - start) as i16).to_be_bytes());
        block.push(if keyframe { 0x80 } else { 0 });
        block.extend_from_slice(data);
        out.extend(el(&[0xA3], &block));
        out
    }

    /// The duration to patch in at the end: its offset in the file and its eight bytes.
    pub fn duration_patch(&self) -> (u64, [u8; 8]) {
        (self.duration_offset, (self.last_ms as f64).to_be_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_use_the_shortest_form() {
        assert_eq!(size(0), vec![0x80]);
        assert_eq!(size(126), vec![0xFE]);
        assert_eq!(size(127), vec![0x40, 0x7F]);
        assert_eq!(size(300), vec![0x41, 0x2C]);
    }

    #[test]
    fn vp8_keyframes_name_their_size() {
        let mut key = vec![0x10, 0x02, 0x00, 0x9d, 0x01, 0x2a];
        key.extend_from_slice(&640u16.to_le_bytes());
        key.extend_from_slice(&480u16.to_le_bytes());
        assert_eq!(vp8_keyframe_size(&key), Some((640, 480)));
        key[0] |= 1;
        assert_eq!(vp8_keyframe_size(&key), None);
        assert_eq!(vp8_keyframe_size(b"short"), None);
    }

    #[test]
    fn the_duration_patch_points_into_the_info() {
        let mut m = Muxer::default();
        let tracks = [Track { number: 1, codec: Codec::Opus, name: "a".into(), width: 0, height: 0 }];
        let head = m.header(&tracks);
        let (at, _) = m.duration_patch();
        let at = at as usize;
        assert_eq!(&head[at - 3..at], &[0x44, 0x89, 0x88]);
        m.frame(1, 20, true, b"x");
        let c = m.frame(1, 5_100, true, b"y");
        assert_eq!(&c[..4], &[0x1F, 0x43, 0xB6, 0x75], "a new cluster after five seconds");
        assert_eq!(m.duration_patch().1, 5_100f64.to_be_bytes());
    }
}

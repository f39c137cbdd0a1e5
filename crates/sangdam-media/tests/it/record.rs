//! Recording: the SFU hands out the microphone and camera frames of a recorded room only, and the
//! recorder writes them into one WebM file per participant that ffprobe (Debian's ffmpeg) reads as
//! one VP8 and one Opus track, of the recorded length; a screen shared during the recording
//! becomes a file of its own, placed on the recording's clock.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use sangdam_media::{Part, PartKind, RecordSink, RecordSinks, RecordedFrame, Recording, TrackName};

use crate::net::Net;

struct MemorySink(Arc<Mutex<Vec<u8>>>);

type Bytes = Arc<Mutex<Vec<u8>>>;

/// Every part's bytes, by part index.
#[derive(Default, Clone)]
struct MemorySinks(Arc<Mutex<Vec<(Part, Bytes)>>>);

impl RecordSinks for MemorySinks {
    fn open(&mut self, index: usize, part: &Part) -> std::io::Result<Box<dyn RecordSink>> {
        let mut parts = self.0.lock().unwrap();
        assert_eq!(index, parts.len(), "parts are opened in order");
        let bytes = Arc::new(Mutex::new(Vec::new()));
        parts.push((part.clone(), bytes.clone()));
        Ok(Box::new(MemorySink(bytes)))
    }
}

impl RecordSink for MemorySink {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(())
    }

    fn patch(&mut self, offset: u64, bytes: &[u8]) -> std::io::Result<()> {
        let mut v = self.0.lock().unwrap();
        let at = offset as usize;
        v[at..at + bytes.len()].copy_from_slice(bytes);
        Ok(())
    }

    fn finish(self: Box<Self>) -> std::io::Result<()> {
        Ok(())
    }
}

/// ffprobe's JSON about a file, or `None` when ffprobe is not installed (and not required).
pub fn ffprobe(path: &std::path::Path) -> Option<String> {
    let out = std::process::Command::new("ffprobe")
        .args([
            "-v",
            "error",
            "-show_entries",
            "stream=codec_type,codec_name,width,height:format=duration",
            "-of",
            "json",
        ])
        .arg(path)
        .output();
    match out {
        Ok(o) => {
            assert!(o.status.success(), "ffprobe refused the file: {}", String::from_utf8_lossy(&o.stderr));
            Some(String::from_utf8_lossy(&o.stdout).into_owned())
        }
        Err(_) if std::env::var("SANGDAM_REQUIRE_E2E").is_err() => {
            eprintln!("skipped the ffprobe check: ffprobe is not installed (Debian package ffmpeg)");
            None
        }
        Err(e) => panic!("ffprobe is required: {e}"),
    }
}

#[test]
fn a_recorded_room_becomes_a_webm_with_every_microphone_and_camera() {
    let mut net = Net::new();
    net.join("alice", "room-1");
    net.join("bob", "room-1");
    net.join("eve", "room-2");
    net.stream_for(Duration::from_millis(500));
    assert!(net.recorded.is_empty(), "nothing is recorded unasked");

    let now = net.now;
    net.sfu.record(now, "room-1", true);
    net.send_media(true, true);
    net.stream_for(Duration::from_secs(3));
    net.sfu.record(net.now, "room-1", false);
    let frames = std::mem::take(&mut net.recorded);
    net.stream_for(Duration::from_millis(300));
    assert!(net.recorded.is_empty(), "recording stops when asked");
    assert!(frames.iter().all(|f| f.room == "room-1" && f.label != "eve"), "only the recorded room");

    let sinks = MemorySinks::default();
    let recording = Recording::start(Box::new(sinks.clone())).unwrap();
    for f in frames {
        recording.push(f);
    }
    let report = recording.finish().unwrap();
    assert_eq!((report.video_tracks, report.audio_tracks), (2, 2), "{report:?}");
    assert!((2_700..=3_300).contains(&report.duration_ms), "{report:?}");
    assert_eq!(report.dropped, 0, "{report:?}");
    let labels: Vec<(&str, PartKind, u64)> =
        report.parts.iter().map(|p| (p.part.label.as_str(), p.part.kind, p.offset_ms)).collect();
    assert_eq!(labels, [("alice", PartKind::Person, 0), ("bob", PartKind::Person, 0)], "one file per person");

    let dir = tempfile::tempdir().unwrap();
    for (part, bytes) in sinks.0.lock().unwrap().iter() {
        let path = dir.path().join(format!("{}.webm", part.label));
        std::fs::write(&path, bytes.lock().unwrap().as_slice()).unwrap();
        if let Some(json) = ffprobe(&path) {
            assert_eq!(json.matches("\"vp8\"").count(), 1, "{json}");
            assert_eq!(json.matches("\"opus\"").count(), 1, "{json}");
            assert!(json.contains("\"width\": 640") && json.contains("\"height\": 480"), "{json}");
            let duration: f64 =
                json.split("\"duration\": \"").nth(1).and_then(|s| s.split('"').next()).unwrap().parse().unwrap();
            assert!((2.7..=3.3).contains(&duration), "{json}");
        }
    }
}

/// A VP8 frame: a keyframe names its picture size.
fn vp8(keyframe: bool, width: u16, height: u16) -> Arc<[u8]> {
    let mut f = vec![if keyframe { 0x10 } else { 0x11 }, 0, 0];
    if keyframe {
        f.extend_from_slice(&[0x9d, 0x01, 0x2a]);
        f.extend_from_slice(&width.to_le_bytes());
        f.extend_from_slice(&height.to_le_bytes());
    }
    f.resize(200, 0x42);
    f.into()
}

#[test]
fn a_screen_shared_during_a_recording_is_a_part_of_its_own_on_the_same_clock() {
    let origin = Instant::now();
    let frame = |label: &str, track: TrackName, ms: u64, keyframe: bool| RecordedFrame {
        room: "r".into(),
        peer: sangdam_media::PeerId(1),
        label: label.into(),
        track,
        keyframe,
        at: origin + Duration::from_millis(ms),
        data: match track {
            TrackName::Microphone => Arc::from(&b"opus"[..]),
            TrackName::Camera => vp8(keyframe, 640, 480),
            TrackName::Screen => vp8(keyframe, 1280, 720),
        },
    };
    let sinks = MemorySinks::default();
    let recording = Recording::start(Box::new(sinks.clone())).unwrap();
    for i in 0..200u64 {
        let ms = i * 20;
        recording.push(frame("host", TrackName::Microphone, ms, false));
        recording.push(frame("host", TrackName::Camera, ms, i % 50 == 0));
        // A screen begins at 1.5 s with a frame that is not a keyframe: it waits for one.
        if ms >= 1_500 {
            recording.push(frame("host", TrackName::Screen, ms, ms == 1_600 || ms == 3_000));
        }
    }
    let report = recording.finish().unwrap();
    let parts: Vec<(PartKind, u64, bool, bool)> =
        report.parts.iter().map(|p| (p.part.kind, p.offset_ms, p.audio, p.video)).collect();
    assert_eq!(parts, [(PartKind::Person, 0, true, true), (PartKind::Screen, 1_600, false, true)], "{report:?}");
    assert_eq!(report.parts[1].duration_ms, 3_980 - 1_600, "the screen's own clock starts at its keyframe");
    assert_eq!(report.duration_ms, 3_980);
    assert_eq!(report.dropped, 5, "the screen's frames before its first keyframe");

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("screen.webm");
    std::fs::write(&path, sinks.0.lock().unwrap()[1].1.lock().unwrap().as_slice()).unwrap();
    if let Some(json) = ffprobe(&path) {
        assert_eq!(json.matches("\"vp8\"").count(), 1, "{json}");
        assert!(!json.contains("opus"), "{json}");
        assert!(json.contains("\"width\": 1280") && json.contains("\"height\": 720"), "{json}");
    }
}

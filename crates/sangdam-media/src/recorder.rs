//! Writing a room's recording: frames from the SFU go over a bounded channel to a thread of their
//! own, which muxes them into WebM files and hands the bytes to sinks the web layer opens (its
//! encrypting files). The SFU never waits on a disk: when the channel is full a frame is dropped
//! and counted.
//!
//! A recording is a set of parts, each a WebM file a browser plays on its own, so a player can
//! show every camera side by side and mix every voice: one part per participant (their
//! microphone and camera) and one per shared screen. Every part's timestamps count from its own
//! first frame; [`PartReport::offset_ms`] says where it begins on the recording's clock.
//!
//! A part's tracks are declared before its first frame is written, and a VP8 track needs its
//! picture size, so the first frames are held until every camera seen has sent a keyframe (the
//! SFU asks for them when recording starts), at most [`HOLD`]. A participant's track that appears
//! later is not recorded; a screen shared later becomes a part of its own from its first keyframe.

use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use crate::sfu::{RecordedFrame, TrackName};
use crate::webm::{Codec, Muxer, Track, vp8_keyframe_size};

/// Where one part's bytes go.
pub trait RecordSink: Send + 'static {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Rewrites bytes already written, within the file's first 64 KiB (the header's duration).
    fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()>;
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// Opens the file of each part as the recorder needs it.
pub trait RecordSinks: Send + 'static {
    /// The sink for part `index` (0, 1, 2, … in the order parts begin).
    fn open(&mut self, index: usize, part: &Part) -> io::Result<Box<dyn RecordSink>>;
}

/// What a part holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PartKind {
    /// A participant's microphone and camera.
    Person,
    /// A participant's shared screen.
    Screen,
}

/// A part of a recording: whose, and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The participant's label (their user id).
    pub label: String,
    pub kind: PartKind,
}

/// One written part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartReport {
    pub part: Part,
    /// Where the part begins on the recording's clock.
    pub offset_ms: u64,
    pub duration_ms: u64,
    pub bytes: u64,
    pub audio: bool,
    pub video: bool,
}

/// How long frames are held at most while waiting for every camera's first keyframe.
pub const HOLD: Duration = Duration::from_secs(3);
/// Frames waiting for the writer before new ones are dropped (about ten seconds of a room of four).
const QUEUE: usize = 4096;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingReport {
    /// From the first frame to the end of the part that ends last.
    pub duration_ms: u64,
    pub bytes: u64,
    pub frames: u64,
    /// Frames the writer could not keep up with, or of tracks not in the file.
    pub dropped: u64,
    pub video_tracks: usize,
    pub audio_tracks: usize,
    /// In the order they were opened (the index given to [`RecordSinks::open`]).
    pub parts: Vec<PartReport>,
}

/// A recording in progress.
pub struct Recording {
    tx: SyncSender<RecordedFrame>,
    dropped: Arc<AtomicU64>,
    thread: std::thread::JoinHandle<io::Result<RecordingReport>>,
}

impl std::fmt::Debug for Recording {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recording").field("dropped", &self.dropped.load(Ordering::Relaxed)).finish()
    }
}

impl Recording {
    pub fn start(sinks: Box<dyn RecordSinks>) -> io::Result<Self> {
        let (tx, rx) = sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counted = dropped.clone();
        let thread =
            std::thread::Builder::new().name("sangdam-recorder".into()).spawn(move || write(rx, sinks, counted))?;
        Ok(Self { tx, dropped, thread })
    }

    /// Hands a frame to the writer without waiting.
    pub fn push(&self, frame: RecordedFrame) {
        match self.tx.try_send(frame) {
            Ok(()) => {}
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => {
                self.dropped.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    /// Ends the recording and waits for every file to be complete (blocking: call off the executor).
    pub fn finish(self) -> io::Result<RecordingReport> {
        drop(self.tx);
        self.thread.join().map_err(|_| io::Error::other("the recorder thread panicked"))?
    }
}

#[derive(Default)]
struct Seen {
    audio: bool,
    video: Option<(u16, u16)>,
    video_frames: bool,
}

/// A part being written.
struct Open {
    report: PartReport,
    sink: Box<dyn RecordSink>,
    mux: Muxer,
    /// Track numbers of the audio and the video, when the part has them.
    audio: Option<u64>,
    video: Option<u64>,
    /// The video is written from its first keyframe on.
    video_started: bool,
    /// When the part's clock starts.
    base: Instant,
}

impl Open {
    fn start(
        sinks: &mut dyn RecordSinks,
        index: usize,
        part: Part,
        audio: bool,
        size: Option<(u16, u16)>,
        base: Instant,
        origin: Instant,
    ) -> io::Result<Self> {
        let mut tracks = Vec::new();
        let name = |what: &str| format!("{} {what}", part.label);
        if audio {
            tracks.push(Track { number: 1, codec: Codec::Opus, name: name("audio"), width: 0, height: 0 });
        }
        if let Some((width, height)) = size {
            let number = tracks.len() as u64 + 1;
            let what = if part.kind == PartKind::Screen { "screen" } else { "video" };
            tracks.push(Track { number, codec: Codec::Vp8, name: name(what), width, height });
        }
        let mut sink = sinks.open(index, &part)?;
        let mut mux = Muxer::default();
        let head = mux.header(&tracks);
        sink.write(&head)?;
        Ok(Self {
            report: PartReport {
                part,
                offset_ms: base.saturating_duration_since(origin).as_millis() as u64,
                duration_ms: 0,
                bytes: head.len() as u64,
                audio,
                video: size.is_some(),
            },
            sink,
            mux,
            audio: audio.then_some(1),
            video: size.map(|_| tracks.len() as u64),
            video_started: false,
            base,
        })
    }

    /// Writes `f`; false when the part has no track for it (or its video has not started yet).
    fn put(&mut self, f: &RecordedFrame) -> io::Result<bool> {
        let video = f.track != TrackName::Microphone;
        let Some(number) = (if video { self.video } else { self.audio }) else { return Ok(false) };
        if video && !self.video_started {
            if !f.keyframe {
                return Ok(false);
            }
            self.video_started = true;
        }
        let ms = f.at.saturating_duration_since(self.base).as_millis() as u64;
        let bytes = self.mux.frame(number, ms, f.keyframe || !video, &f.data);
        self.report.bytes += bytes.len() as u64;
        self.sink.write(&bytes)?;
        Ok(true)
    }

    fn finish(mut self) -> io::Result<PartReport> {
        let (offset, bytes) = self.mux.duration_patch();
        self.sink.patch(offset, &bytes)?;
        self.sink.finish()?;
        self.report.duration_ms = f64::from_be_bytes(bytes) as u64;
        Ok(self.report)
    }
}

fn part_of(f: &RecordedFrame) -> Part {
    let kind = if f.track == TrackName::Screen { PartKind::Screen } else { PartKind::Person };
    Part { label: f.label.clone(), kind }
}

fn write(
    rx: Receiver<RecordedFrame>,
    mut sinks: Box<dyn RecordSinks>,
    dropped: Arc<AtomicU64>,
) -> io::Result<RecordingReport> {
    let mut held: Vec<RecordedFrame> = Vec::new();
    let mut seen: Vec<(String, Seen)> = Vec::new();
    let mut open = true;
    let started = Instant::now();
    // Hold frames until every camera has a keyframe (and a little audio has come), or HOLD passes.
    while open && started.elapsed() < HOLD {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(f) => {
                if f.track != TrackName::Screen {
                    let i = match seen.iter().position(|(l, _)| *l == f.label) {
                        Some(i) => i,
                        None => {
                            seen.push((f.label.clone(), Seen::default()));
                            seen.len() - 1
                        }
                    };
                    let s = &mut seen[i].1;
                    if f.track == TrackName::Camera {
                        s.video_frames = true;
                        if s.video.is_none() && f.keyframe {
                            s.video = vp8_keyframe_size(&f.data);
                        }
                    } else {
                        s.audio = true;
                    }
                }
                held.push(f);
            }
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => open = false,
        }
        let ready = !seen.is_empty() && seen.iter().all(|(_, s)| !s.video_frames || s.video.is_some());
        if ready && started.elapsed() >= Duration::from_millis(500) {
            break;
        }
    }
    let origin = held.iter().map(|f| f.at).min().unwrap_or_else(Instant::now);
    let mut parts: Vec<Open> = Vec::new();
    for (label, s) in seen {
        if s.audio || s.video.is_some() {
            let part = Part { label, kind: PartKind::Person };
            parts.push(Open::start(sinks.as_mut(), parts.len(), part, s.audio, s.video, origin, origin)?);
        }
    }
    let mut frames = 0u64;
    let mut skipped = 0u64;
    let mut put = |f: RecordedFrame, parts: &mut Vec<Open>| -> io::Result<()> {
        let part = part_of(&f);
        let i = match parts.iter().position(|p| p.report.part == part) {
            Some(i) => i,
            // A screen becomes a part from its first keyframe, whenever it is shared.
            None if part.kind == PartKind::Screen && f.keyframe => match vp8_keyframe_size(&f.data) {
                Some(size) => {
                    let index = parts.len();
                    parts.push(Open::start(sinks.as_mut(), index, part, false, Some(size), f.at, origin)?);
                    index
                }
                None => {
                    skipped += 1;
                    return Ok(());
                }
            },
            None => {
                skipped += 1;
                return Ok(());
            }
        };
        if parts[i].put(&f)? {
            frames += 1;
        } else {
            skipped += 1;
        }
        Ok(())
    };
    for f in held {
        put(f, &mut parts)?;
    }
    while let Ok(f) = rx.recv() {
        put(f, &mut parts)?;
    }
    let mut report =
        RecordingReport { frames, dropped: skipped + dropped.load(Ordering::Relaxed), ..Default::default() };
    for p in parts {
        let r = p.finish()?;
        report.bytes += r.bytes;
        report.audio_tracks += usize::from(r.audio);
        report.video_tracks += usize::from(r.video);
        report.duration_ms = report.duration_ms.max(r.offset_ms + r.duration_ms);
        report.parts.push(r);
    }
    Ok(report)
}

//! Writing a room's recording: frames from the SFU go over a bounded channel to a thread of their
//! own, which muxes them into WebM and hands the bytes to a [`RecordSink`] (the web layer's
//! encrypting file). The SFU never waits on a disk: when the channel is full a frame is dropped
//! and counted.
//!
//! The tracks must be declared before the first frame is written, and a VP8 track needs its
//! picture size, so the first frames are held until every camera seen has sent a keyframe (the
//! SFU asks for them when recording starts), at most [`HOLD`]. A track that appears later (a
//! participant who joined after the start) is not recorded.

use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, SyncSender, TrySendError, sync_channel};
use std::time::{Duration, Instant};

use crate::sfu::RecordedFrame;
use crate::webm::{Codec, Muxer, Track, vp8_keyframe_size};

/// Where a recording's bytes go.
pub trait RecordSink: Send + 'static {
    fn write(&mut self, bytes: &[u8]) -> io::Result<()>;
    /// Rewrites bytes already written, within the file's first 64 KiB (the header's duration).
    fn patch(&mut self, offset: u64, bytes: &[u8]) -> io::Result<()>;
    fn finish(self: Box<Self>) -> io::Result<()>;
}

/// How long frames are held at most while waiting for every camera's first keyframe.
pub const HOLD: Duration = Duration::from_secs(3);
/// Frames waiting for the writer before new ones are dropped (about ten seconds of a room of four).
const QUEUE: usize = 4096;

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RecordingReport {
    pub duration_ms: u64,
    pub bytes: u64,
    pub frames: u64,
    /// Frames the writer could not keep up with, or of tracks not in the file.
    pub dropped: u64,
    pub video_tracks: usize,
    pub audio_tracks: usize,
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
    pub fn start(sink: Box<dyn RecordSink>) -> io::Result<Self> {
        let (tx, rx) = sync_channel(QUEUE);
        let dropped = Arc::new(AtomicU64::new(0));
        let counted = dropped.clone();
        let thread =
            std::thread::Builder::new().name("sangdam-recorder".into()).spawn(move || write(rx, sink, counted))?;
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

    /// Ends the recording and waits for the file to be complete (blocking: call off the executor).
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

fn write(
    rx: Receiver<RecordedFrame>,
    mut sink: Box<dyn RecordSink>,
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
                let i = match seen.iter().position(|(l, _)| *l == f.label) {
                    Some(i) => i,
                    None => {
                        seen.push((f.label.clone(), Seen::default()));
                        seen.len() - 1
                    }
                };
                let s = &mut seen[i].1;
                if f.video {
                    s.video_frames = true;
                    if s.video.is_none() && f.keyframe {
                        s.video = vp8_keyframe_size(&f.data);
                    }
                } else {
                    s.audio = true;
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
    let mut tracks = Vec::new();
    let mut numbers: HashMap<(String, bool), u64> = HashMap::new();
    for (label, s) in &seen {
        if s.audio {
            let number = tracks.len() as u64 + 1;
            tracks.push(Track { number, codec: Codec::Opus, name: format!("{label} audio"), width: 0, height: 0 });
            numbers.insert((label.clone(), false), number);
        }
        if let Some((width, height)) = s.video {
            let number = tracks.len() as u64 + 1;
            tracks.push(Track { number, codec: Codec::Vp8, name: format!("{label} video"), width, height });
            numbers.insert((label.clone(), true), number);
        }
    }
    let mut report = RecordingReport {
        video_tracks: tracks.iter().filter(|t| t.codec == Codec::Vp8).count(),
        audio_tracks: tracks.iter().filter(|t| t.codec == Codec::Opus).count(),
        ..RecordingReport::default()
    };
    let mut mux = Muxer::default();
    let head = mux.header(&tracks);
    report.bytes += head.len() as u64;
    sink.write(&head)?;
    let origin = held.iter().map(|f| f.at).min();
    // A camera's frames are written from its first keyframe on.
    let mut started_video: Vec<String> = Vec::new();
    let mut put = |f: RecordedFrame, sink: &mut Box<dyn RecordSink>, report: &mut RecordingReport| -> io::Result<()> {
        let Some(&number) = numbers.get(&(f.label.clone(), f.video)) else {
            report.dropped += 1;
            return Ok(());
        };
        if f.video && !started_video.contains(&f.label) {
            if !f.keyframe {
                report.dropped += 1;
                return Ok(());
            }
            started_video.push(f.label.clone());
        }
        let ms = origin.map_or(0, |o| f.at.saturating_duration_since(o).as_millis() as u64);
        let bytes = mux.frame(number, ms, f.keyframe || !f.video, &f.data);
        report.bytes += bytes.len() as u64;
        report.frames += 1;
        sink.write(&bytes)
    };
    for f in held {
        put(f, &mut sink, &mut report)?;
    }
    while let Ok(f) = rx.recv() {
        put(f, &mut sink, &mut report)?;
    }
    let (offset, bytes) = mux.duration_patch();
    sink.patch(offset, &bytes)?;
    sink.finish()?;
    report.duration_ms = f64::from_be_bytes(bytes) as u64;
    report.dropped += dropped.load(Ordering::Relaxed);
    Ok(report)
}

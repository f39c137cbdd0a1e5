//! Sangdam's media server: a selective forwarding unit (SFU) on str0m.
//!
//! `sfu` is the sans-IO core (datagrams, signaling and time in; datagrams and offers out), used
//! as is by the tests and the in-memory benchmark. `server` runs the rooms on worker tasks, each
//! with its own `Sfu`, behind one UDP socket, and talks to the web layer through their command
//! channels.

mod recorder;
mod server;
mod sfu;
pub mod webm;

pub use recorder::{Part, PartKind, PartReport, RecordSink, RecordSinks, Recording, RecordingReport};
pub use server::{CHECK_LIFETIME, MAX_WORKERS, MediaConfig, MediaServer, Signal};
pub use sfu::{MAX_TRACKS_IN, Output, PeerId, RecordedFrame, Sfu, SfuError, TrackName};
pub use str0m;

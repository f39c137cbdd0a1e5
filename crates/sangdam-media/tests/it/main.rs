//! The SFU with str0m peers and no browser: who receives what, late joiners, leavers, and bad
//! input.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod net;
mod record;
mod sfu;
mod sockets;

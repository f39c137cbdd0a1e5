//! The SFU with str0m peers and no browser, in memory (who receives what, late joiners, leavers,
//! loss, bad input) and over real loopback sockets with its workers (`sockets`, with the peers of
//! `peers`, which the benchmark over real sockets uses too).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod net;
mod peers;
mod record;
mod sfu;
mod simulcast;
mod sockets;

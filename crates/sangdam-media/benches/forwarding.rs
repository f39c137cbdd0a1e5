//! The SFU's forwarding cost: rooms of str0m participants in memory, each sending an Opus packet
//! every 5 ms and a VP8 frame of 3 packets every 10 ms, for 5 seconds of virtual time. Only the time spent inside the SFU is counted, so the figure is forwarded RTP
//! packets per second of one core's SFU work. Run with `cargo bench -p sangdam-media`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// The tests' in-memory network; the benchmark uses only part of it.
#[allow(dead_code)]
#[path = "../tests/it/net.rs"]
mod net;

use std::time::Duration;

fn main() {
    println!("{:<28} {:>12} {:>12} {:>12} {:>16}", "room", "packets out", "SFU time", "of it timers", "packets/s/core");
    // The last two shapes show whether the cost per packet grows with the rooms on the server.
    for (rooms, size) in [(1, 2), (1, 4), (1, 8), (4, 4), (25, 2), (100, 2)] {
        let mut runs = Vec::new();
        let mut packets = 0;
        let mut time = Duration::ZERO;
        let mut timers = Duration::ZERO;
        for _ in 0..3 {
            let mut net = net::Net::new();
            net.video_frame_bytes = 3000;
            for r in 0..rooms {
                for p in 0..size {
                    net.join(&format!("r{r}p{p}"), &format!("room-{r}"));
                }
            }
            // Let every offer settle before measuring.
            net.stream_for(Duration::from_millis(500));
            net.sfu_time = Duration::ZERO;
            net.timer_time = Duration::ZERO;
            net.rtp_out = 0;
            net.stream_for(Duration::from_secs(5));
            runs.push(net.rtp_out as f64 / net.sfu_time.as_secs_f64());
            packets = net.rtp_out;
            time = net.sfu_time;
            timers = net.timer_time;
        }
        runs.sort_by(f64::total_cmp);
        let label = format!("{rooms} room(s) of {size}");
        println!(
            "{label:<28} {packets:>12} {:>10.0}ms {:>10.0}ms {:>16.0}",
            time.as_secs_f64() * 1000.0,
            timers.as_secs_f64() * 1000.0,
            runs[1]
        );
    }
}

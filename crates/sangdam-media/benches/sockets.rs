//! The media server over real loopback UDP sockets, loaded by str0m peers that send Opus every
//! 20 ms and VP8 at 30 frames a second (about 600 kbit/s). The server runs on its own tokio
//! runtime, whose threads are named `sfu`; the peers run on the main thread. What is measured over
//! each window: the RTP packets the peers received (each one forwarded by the server), the CPU
//! time of the server's threads (from `/proc/self/task/*/stat`), so packets per second of one
//! core's server work, CPU per participant, each frame's delay from its sender's write to its
//! receiver (median and 99th percentile), and the frames lost on the way.
//!
//! Run with `cargo bench -p sangdam-media --bench sockets` (Linux only: it reads `/proc`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

#[allow(dead_code)]
#[path = "../tests/it/peers.rs"]
mod peers;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use sangdam_media::{MediaConfig, MediaServer};

/// The CPU time so far of this process's threads whose name starts with `prefix`.
fn cpu_of_threads(prefix: &str) -> Duration {
    // The clock ticks of `utime` and `stime` (fields 14 and 15 of `stat`), 100 a second on Linux.
    const TICK: Duration = Duration::from_millis(10);
    let mut ticks = 0u64;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(prefix) {
            continue;
        }
        let stat = std::fs::read_to_string(task.path().join("stat")).unwrap_or_default();
        // The name in parentheses may hold spaces: the fields are counted after it.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        // After the name, field 3 (state) is at 0, so utime (14) is at 11 and stime (15) at 12.
        ticks += fields.get(11).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
        ticks += fields.get(12).and_then(|f| f.parse::<u64>().ok()).unwrap_or(0);
    }
    TICK * u32::try_from(ticks).unwrap_or(u32::MAX)
}

struct Figures {
    packets: u64,
    packets_per_core_second: f64,
    cpu_share: f64,
    cpu_ms_per_participant_second: f64,
    median: Duration,
    p99: Duration,
    loss: f64,
}

fn scenario(server: &MediaServer, rooms: usize, size: usize, window: Duration) -> Figures {
    let generator = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    generator.block_on(async {
        let mut all = Vec::new();
        let mut id = 0u64;
        for r in 0..rooms {
            for p in 0..size {
                id += 1;
                all.push(peers::join(server, id, &format!("room-{r}"), &format!("r{r}p{p}")).await);
            }
        }
        // Every connection up and every offer answered before measuring.
        peers::run(server, &mut all, Duration::from_secs(3)).await;
        for p in &mut all {
            p.got.clear();
            p.delays.clear();
            p.rtp_in = 0;
            p.written = 0;
        }
        let cpu = cpu_of_threads("sfu");
        let started = Instant::now();
        peers::run(server, &mut all, window).await;
        let wall = started.elapsed();
        let cpu = cpu_of_threads("sfu").saturating_sub(cpu);
        for p in &all {
            server.leave(p.id);
        }
        let packets: u64 = all.iter().map(|p| p.rtp_in).sum();
        let received: u64 = all.iter().map(|p| p.got.len() as u64).sum();
        // Each frame written goes to everyone else in the room; the last moments' frames may
        // still be on their way when the window ends, so loss is counted generously.
        let expected: u64 = all.iter().map(|p| p.written * (size as u64 - 1)).sum();
        let mut delays: Vec<Duration> = all.iter().flat_map(|p| p.delays.iter().copied()).collect();
        delays.sort_unstable();
        let at = |q: f64| delays.get(((delays.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
        Figures {
            packets,
            packets_per_core_second: packets as f64 / cpu.as_secs_f64().max(0.01),
            cpu_share: cpu.as_secs_f64() / wall.as_secs_f64(),
            cpu_ms_per_participant_second: cpu.as_secs_f64() * 1000.0 / wall.as_secs_f64() / all.len() as f64,
            median: at(0.5),
            p99: at(0.99),
            loss: 1.0 - (received as f64 / expected.max(1) as f64).min(1.0),
        }
    })
}

fn main() {
    let window =
        Duration::from_secs(std::env::var("SANGDAM_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10));
    println!(
        "{:<8} {:<16} {:>10} {:>14} {:>9} {:>16} {:>9} {:>9} {:>7}",
        "workers", "rooms", "packets", "packets/s/core", "CPU", "CPU ms/s/person", "median", "p99", "loss"
    );
    for workers in [1, 2] {
        let server_runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .thread_name("sfu")
            .enable_all()
            .build()
            .unwrap();
        let server = server_runtime.block_on(async {
            let config = MediaConfig { bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), public_ip: None, workers };
            MediaServer::start(config).unwrap()
        });
        for (rooms, size) in [(1, 2), (10, 2), (50, 2), (100, 2), (10, 8)] {
            let f = scenario(&server, rooms, size, window);
            println!(
                "{workers:<8} {:<16} {:>10} {:>14.0} {:>8.0}% {:>16.2} {:>7.1}ms {:>7.1}ms {:>6.2}%",
                format!("{rooms} of {size}"),
                f.packets,
                f.packets_per_core_second,
                f.cpu_share * 100.0,
                f.cpu_ms_per_participant_second,
                f.median.as_secs_f64() * 1000.0,
                f.p99.as_secs_f64() * 1000.0,
                f.loss * 100.0
            );
            // Let the last scenario's connections close.
            std::thread::sleep(Duration::from_secs(1));
        }
        server_runtime.shutdown_timeout(Duration::from_secs(1));
    }
}

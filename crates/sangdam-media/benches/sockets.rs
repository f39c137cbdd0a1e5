//! The media server over real loopback UDP sockets, loaded by str0m peers that send Opus every
//! 20 ms and VP8 at 30 frames a second (about 600 kbit/s). The server runs on its own tokio
//! runtime, whose threads are named `sfu`; the peers run on the main thread. What is measured over
//! each window: the RTP packets the peers received (each one forwarded by the server), the CPU
//! time of the server's threads (from `/proc/self/task/*/stat`), so packets per second of one
//! core's server work, CPU per participant, each frame's delay from its sender's write to its
//! receiver (median and 99th percentile), and the frames lost on the way.
//!
//! Run with `cargo bench -p sangdam-media --bench sockets` (Linux only: it reads `/proc`);
//! `SANGDAM_BENCH_SECONDS` sets the window (10 s) and `SANGDAM_BENCH_SHAPES` the shapes
//! (`1x2,10x8`: rooms x participants).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::cast_precision_loss)]

#[path = "sockets/janus.rs"]
mod janus;
#[allow(dead_code)]
#[path = "../tests/it/peers.rs"]
mod peers;

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use sangdam_media::{MediaConfig, MediaServer};

/// The CPU time (user and system) in a `/proc/.../stat` file.
fn cpu_in_stat(path: &std::path::Path) -> Duration {
    // The clock ticks of `utime` and `stime` (fields 14 and 15), 100 a second on Linux.
    const TICK: Duration = Duration::from_millis(10);
    let stat = std::fs::read_to_string(path).unwrap_or_default();
    // The name in parentheses may hold spaces: the fields are counted after it.
    let Some((_, rest)) = stat.rsplit_once(')') else { return Duration::ZERO };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // After the name, field 3 (state) is at 0, so utime (14) is at 11 and stime (15) at 12.
    let ticks = [11, 12].iter().filter_map(|i| fields.get(*i)?.parse::<u32>().ok()).sum::<u32>();
    TICK * ticks
}

/// The CPU time so far of this process's threads whose name starts with `prefix`.
fn cpu_of_threads(prefix: &str) -> Duration {
    let mut cpu = Duration::ZERO;
    for task in std::fs::read_dir("/proc/self/task").unwrap().flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if comm.starts_with(prefix) {
            cpu += cpu_in_stat(&task.path().join("stat"));
        }
    }
    cpu
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

/// How long the peers run before the window is measured, with either server.
const WARM_UP: Duration = Duration::from_secs(6);

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
        // Every connection up, every offer answered and each downlink's estimate grown to what it
        // carries before measuring.
        peers::run(server, &mut all, WARM_UP).await;
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
        let delays: Vec<Duration> = all.iter().flat_map(|p| p.delays.iter().copied()).collect();
        figures(packets, received, expected, delays, cpu, wall, all.len())
    })
}

/// The same load on Janus's VideoRoom.
fn janus_scenario(rooms: usize, size: usize, window: Duration) -> Option<Figures> {
    let generator = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    generator.block_on(async {
        let mut j = janus::Janus::start().await?;
        let mut all: Vec<janus::Peer> = Vec::new();
        for r in 0..rooms {
            let room = 1000 + r as u64;
            j.room(room, size).await;
            for p in 0..size {
                all.push(j.publish(room, &format!("r{r}p{p}")).await);
            }
        }
        // Every publisher's connection up before anyone subscribes to it.
        let up = Instant::now();
        while !all.iter().all(janus::Peer::publishing) && up.elapsed() < Duration::from_secs(20) {
            janus::run(&mut all, Duration::from_millis(200)).await;
        }
        for r in 0..rooms {
            let room = 1000 + r as u64;
            let members = &mut all[r * size..(r + 1) * size];
            let feeds: Vec<u64> = members.iter().map(|m| m.feed).collect();
            for m in members.iter_mut() {
                let others: Vec<u64> = feeds.iter().copied().filter(|f| *f != m.feed).collect();
                j.subscribe(room, m, &others).await;
            }
        }
        let mut flat = all;
        janus::run(&mut flat, WARM_UP).await;
        flat.iter_mut().for_each(janus::Peer::reset);
        let stat = std::path::PathBuf::from(format!("/proc/{}/stat", j.pid()));
        let cpu = cpu_in_stat(&stat);
        let started = Instant::now();
        janus::run(&mut flat, window).await;
        let wall = started.elapsed();
        let cpu = cpu_in_stat(&stat).saturating_sub(cpu);
        let packets: u64 = flat.iter().map(|p| p.rtp_in).sum();
        let received: u64 = flat.iter().map(|p| p.got).sum();
        let expected: u64 = flat.iter().map(|p| p.written * (size as u64 - 1)).sum();
        let delays: Vec<Duration> = flat.iter().flat_map(|p| p.delays.iter().copied()).collect();
        Some(figures(packets, received, expected, delays, cpu, wall, flat.len()))
    })
}

fn figures(
    packets: u64,
    received: u64,
    expected: u64,
    mut delays: Vec<Duration>,
    cpu: Duration,
    wall: Duration,
    participants: usize,
) -> Figures {
    delays.sort_unstable();
    let at = |q: f64| delays.get(((delays.len() as f64 - 1.0) * q) as usize).copied().unwrap_or_default();
    Figures {
        packets,
        packets_per_core_second: packets as f64 / cpu.as_secs_f64().max(0.01),
        cpu_share: cpu.as_secs_f64() / wall.as_secs_f64(),
        cpu_ms_per_participant_second: cpu.as_secs_f64() * 1000.0 / wall.as_secs_f64() / participants as f64,
        median: at(0.5),
        p99: at(0.99),
        loss: 1.0 - (received as f64 / expected.max(1) as f64).min(1.0),
    }
}

fn print(server: &str, rooms: usize, size: usize, f: &Figures) {
    println!(
        "{server:<10} {:<12} {:>10} {:>14.0} {:>8.0}% {:>16.2} {:>7.1}ms {:>7.1}ms {:>6.2}%",
        format!("{rooms} of {size}"),
        f.packets,
        f.packets_per_core_second,
        f.cpu_share * 100.0,
        f.cpu_ms_per_participant_second,
        f.median.as_secs_f64() * 1000.0,
        f.p99.as_secs_f64() * 1000.0,
        f.loss * 100.0
    );
}

fn main() {
    let window =
        Duration::from_secs(std::env::var("SANGDAM_BENCH_SECONDS").ok().and_then(|s| s.parse().ok()).unwrap_or(10));
    println!(
        "{:<10} {:<12} {:>10} {:>14} {:>9} {:>16} {:>9} {:>9} {:>7}",
        "server", "rooms", "packets", "packets/s/core", "CPU", "CPU ms/s/person", "median", "p99", "loss"
    );
    // `SANGDAM_BENCH_SHAPES=1x2,10x8` runs only those shapes.
    let shapes: Vec<(usize, usize)> = match std::env::var("SANGDAM_BENCH_SHAPES") {
        Ok(list) => list
            .split(',')
            .filter_map(|s| s.split_once('x'))
            .filter_map(|(r, n)| Some((r.trim().parse().ok()?, n.trim().parse().ok()?)))
            .collect(),
        Err(_) => vec![(1, 2), (10, 2), (50, 2), (100, 2), (10, 8)],
    };
    for (rooms, size) in shapes {
        for workers in [1, 2] {
            let server_runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(workers)
                .thread_name("sfu")
                .enable_all()
                .build()
                .unwrap();
            let server = server_runtime.block_on(async {
                let bind = SocketAddr::from((Ipv4Addr::LOCALHOST, 0));
                MediaServer::start(MediaConfig { bind, public_ip: None, public_port: None, workers }).unwrap()
            });
            let f = scenario(&server, rooms, size, window);
            print(&format!("sangdam {workers}w"), rooms, size, &f);
            server_runtime.shutdown_timeout(Duration::from_secs(1));
        }
        match janus_scenario(rooms, size, window) {
            Some(f) => print("janus", rooms, size, &f),
            None => println!("janus      not installed (apt-get install janus), or it did not start"),
        }
    }
}

//! The media server on a real UDP socket, with str0m peers on their own loopback sockets: the
//! rooms spread over several workers behind the one port, each room's participants receive each
//! other and nobody else, and a participant who joins a room on another worker from a new address
//! is found there.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use sangdam_media::str0m::media::MediaKind;
use sangdam_media::{MediaConfig, MediaServer, PeerId};
use tokio::net::UdpSocket;

use crate::peers::{join, offer_and_join, run};

fn server(workers: usize) -> MediaServer {
    let config =
        MediaConfig { bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), public_ip: None, public_port: None, workers };
    MediaServer::start(config).expect("the media server starts")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rooms_on_several_workers_forward_within_each_room_only() {
    let server = server(3);
    assert_eq!(server.workers(), 3);
    let mut peers = Vec::new();
    // Eight rooms of two: with three workers, some share a worker and none has them all.
    for room in 0..8u64 {
        peers.push(join(&server, room * 2 + 1, &format!("room-{room}"), &format!("a{room}")).await);
        peers.push(join(&server, room * 2 + 2, &format!("room-{room}"), &format!("b{room}")).await);
    }
    let used: std::collections::BTreeSet<usize> = (0..8).map(|r| server.room_worker(&format!("room-{r}"))).collect();
    assert!(used.len() >= 2, "the rooms are spread over the workers: {used:?}");
    run(&server, &mut peers, Duration::from_secs(4)).await;
    for room in 0..8usize {
        let (a, b) = (&peers[room * 2], &peers[room * 2 + 1]);
        for (me, other) in [(a, b), (b, a)] {
            assert!(me.got_from(&other.name, MediaKind::Audio) > 20, "{} hears {}", me.name, other.name);
            assert!(me.got_from(&other.name, MediaKind::Video) > 10, "{} sees {}", me.name, other.name);
            let strangers = me.got.iter().filter(|(s, _)| s != &other.name).count();
            assert_eq!(strangers, 0, "{} receives only its room", me.name);
        }
    }
    // On loopback a frame takes milliseconds from its sender to its receiver, not the seconds of
    // a queue that grows.
    let mut delays: Vec<Duration> = peers.iter().flat_map(|p| p.delays.iter().copied()).collect();
    delays.sort_unstable();
    assert!(delays[delays.len() / 2] < Duration::from_millis(100), "median delay {:?}", delays[delays.len() / 2]);
    let (participants, forwarded) = server.stats().await;
    assert_eq!(participants, 16);
    assert!(forwarded > 16 * 100, "{forwarded} frames forwarded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_participant_who_moves_or_changes_address_is_found_again() {
    let server = server(4);
    // A second room on another worker than the first.
    let second =
        (0..).map(|i| format!("second-{i}")).find(|r| server.room_worker(r) != server.room_worker("first")).unwrap();
    let mut peers = vec![
        join(&server, 1, "first", "anna").await,
        join(&server, 2, "first", "ben").await,
        join(&server, 3, &second, "chris").await,
    ];
    run(&server, &mut peers, Duration::from_secs(2)).await;
    assert!(peers[0].got_from("ben", MediaKind::Video) > 0);
    assert_eq!(peers[2].got.len(), 0, "chris is alone in his room");

    // Ben joins the second room (on another worker) from a new socket: the first room's worker
    // lets him go and the second's finds him at his new address.
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap();
    peers[1] = offer_and_join(&server, PeerId(2), &second, "ben", socket).await;
    for p in &mut peers {
        p.got.clear();
    }
    run(&server, &mut peers, Duration::from_secs(3)).await;
    assert!(peers[2].got_from("ben", MediaKind::Video) > 10, "chris sees ben");
    assert!(peers[1].got_from("chris", MediaKind::Audio) > 20, "ben hears chris");
    let late = peers[0].got.iter().filter(|(s, _)| s == "ben").count();
    assert!(late < 10, "anna stops receiving ben ({late} frames after he left)");
    let (participants, _) = server.stats().await;
    assert_eq!(participants, 3, "ben is on one worker only");
}

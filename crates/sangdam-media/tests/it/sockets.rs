//! The media server on a real UDP socket, with str0m peers on their own loopback sockets: the
//! rooms spread over several workers behind the one port, each room's participants receive each
//! other and nobody else, a participant who joins another room moves to its worker, and one
//! whose address changes is found again.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use sangdam_media::str0m::change::{SdpAnswer, SdpOffer, SdpPendingOffer};
use sangdam_media::str0m::format::Codec;
use sangdam_media::str0m::media::{Direction, MediaKind, MediaTime, Mid};
use sangdam_media::str0m::net::{Protocol, Receive};
use sangdam_media::str0m::{Candidate, Event, Input, Output, Rtc};
use sangdam_media::{MediaConfig, MediaServer, PeerId, Signal};
use tokio::net::UdpSocket;
use tokio::sync::mpsc;

/// One participant: a str0m peer on its own UDP socket, signaling straight to the server.
pub struct Peer {
    pub name: String,
    pub id: PeerId,
    pub rtc: Rtc,
    pub socket: UdpSocket,
    pub signals: mpsc::UnboundedReceiver<Signal>,
    pub audio: Mid,
    pub video: Mid,
    pub streams: HashMap<Mid, String>,
    /// Frames received: (stream, kind).
    pub got: Vec<(String, MediaKind)>,
    /// Video frames written.
    pub frames: u32,
}

impl Peer {
    pub fn got_from(&self, stream: &str, kind: MediaKind) -> usize {
        self.got.iter().filter(|(s, k)| s == stream && *k == kind).count()
    }
}

/// Joins `room` as `name` through `server`, sending audio and video.
pub async fn join(server: &MediaServer, id: u64, room: &str, name: &str) -> Peer {
    let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("a client socket");
    offer_and_join(server, PeerId(id), room, name, socket).await
}

async fn offer_and_join(server: &MediaServer, id: PeerId, room: &str, name: &str, socket: UdpSocket) -> Peer {
    let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).enable_vp8(true).build(Instant::now());
    rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").expect("a host candidate"));
    let mut api = rtc.sdp_api();
    let audio = api.add_media(MediaKind::Audio, Direction::SendOnly, Some(name.into()), None, None);
    let video = api.add_media(MediaKind::Video, Direction::SendOnly, Some(name.into()), None, None);
    let (offer, pending): (SdpOffer, SdpPendingOffer) = api.apply().expect("an offer");
    let (tx, signals) = mpsc::unbounded_channel();
    let answer = server.join(id, room, name, offer.to_sdp_string(), tx).await.expect("joined");
    rtc.sdp_api().accept_answer(pending, SdpAnswer::from_sdp_string(&answer).unwrap()).expect("accepted");
    Peer {
        name: name.into(),
        id,
        rtc,
        socket,
        signals,
        audio,
        video,
        streams: HashMap::new(),
        got: Vec::new(),
        frames: 0,
    }
}

/// Moves datagrams, offers and timers for every peer for `d`, writing an audio frame every 20 ms
/// and a video frame every 33 ms (a keyframe each second).
pub async fn run(server: &MediaServer, peers: &mut [Peer], d: Duration) {
    let start = Instant::now();
    let mut next_audio = start;
    let mut next_video = start;
    let mut buf = vec![0u8; 2000];
    while start.elapsed() < d {
        let now = Instant::now();
        let (audio, video) = (now >= next_audio, now >= next_video);
        if audio {
            next_audio += Duration::from_millis(20);
        }
        if video {
            next_video += Duration::from_millis(33);
        }
        for p in peers.iter_mut() {
            while let Ok(signal) = p.signals.try_recv() {
                if let Signal::Offer(sdp) = signal {
                    let answer = p.rtc.sdp_api().accept_offer(SdpOffer::from_sdp_string(&sdp).unwrap()).unwrap();
                    server.answer(p.id, answer.to_sdp_string()).await.expect("answer taken");
                }
            }
            while let Ok((n, source)) = p.socket.try_recv_from(&mut buf) {
                let local = p.socket.local_addr().unwrap();
                if let Ok(r) = Receive::new(Protocol::Udp, source, local, &buf[..n]) {
                    let _ = p.rtc.handle_input(Input::Receive(now, r));
                }
            }
            let _ = p.rtc.handle_input(Input::Timeout(now));
            if p.rtc.is_connected() {
                write_media(p, now, start, audio, video);
            }
            loop {
                match p.rtc.poll_output() {
                    Ok(Output::Timeout(_)) | Err(_) => break,
                    Ok(Output::Transmit(t)) => {
                        let _ = p.socket.try_send_to(&t.contents, t.destination);
                    }
                    Ok(Output::Event(Event::MediaAdded(m))) => {
                        let stream = p.rtc.media(m.mid).map(|x| x.stream_id().to_owned()).unwrap_or_default();
                        p.streams.insert(m.mid, stream);
                    }
                    Ok(Output::Event(Event::MediaData(data))) => {
                        let kind =
                            if data.params.spec().codec == Codec::Opus { MediaKind::Audio } else { MediaKind::Video };
                        p.got.push((p.streams.get(&data.mid).cloned().unwrap_or_default(), kind));
                    }
                    Ok(Output::Event(_)) => {}
                }
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn write_media(p: &mut Peer, now: Instant, start: Instant, audio: bool, video: bool) {
    let time: MediaTime = (now - start).into();
    if audio {
        let pt = p.rtc.codec_config().find(|c| c.spec().codec == Codec::Opus).map(|c| c.pt());
        if let (Some(pt), Some(w)) = (pt, p.rtc.writer(p.audio)) {
            let _ = w.write(pt, now, time, vec![0xfc; 60]);
        }
    }
    if video {
        let keyframe = p.frames.is_multiple_of(30);
        let mut frame = vec![if keyframe { 0x10 } else { 0x11 }, 0, 0];
        if keyframe {
            frame.extend_from_slice(&[0x9d, 0x01, 0x2a, 0x80, 0x02, 0xe0, 0x01]);
        }
        frame.resize(2500, 0x42);
        let pt = p.rtc.codec_config().find(|c| c.spec().codec == Codec::Vp8).map(|c| c.pt());
        if let (Some(pt), Some(w)) = (pt, p.rtc.writer(p.video)) {
            let _ = w.write(pt, now, time, frame);
        }
        p.frames += 1;
    }
}

fn server(workers: usize) -> MediaServer {
    let config = MediaConfig { bind: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)), public_ip: None, workers };
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

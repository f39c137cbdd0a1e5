use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use sangdam_media::str0m::media::MediaKind;
use sangdam_media::{PeerId, SfuError};

use crate::net::Net;

/// Every participant receives every other participant's audio and video, and never its own.
fn everyone_hears_and_sees_everyone(n: usize) {
    let mut net = Net::new();
    let names: Vec<String> = (0..n).map(|i| format!("p{i}")).collect();
    for name in &names {
        net.join(name, "room-1");
    }
    net.stream_for(Duration::from_secs(2));
    for c in &net.clients {
        for other in names.iter().filter(|o| **o != c.name) {
            let audio = c.got_from(other, MediaKind::Audio);
            let video = c.got_from(other, MediaKind::Video);
            assert!(audio > 50, "{} got {audio} audio frames from {other}", c.name);
            assert!(video > 20, "{} got {video} video frames from {other}", c.name);
        }
        assert_eq!(c.got_from(&c.name, MediaKind::Audio), 0, "{} hears itself", c.name);
        assert!(c.got.iter().all(|g| g.data.ends_with(format!("from {}", g.stream).as_bytes())));
    }
}

#[test]
fn two_participants_receive_each_other() {
    everyone_hears_and_sees_everyone(2);
}

#[test]
fn four_participants_receive_all_others() {
    everyone_hears_and_sees_everyone(4);
}

#[test]
fn rooms_are_separate() {
    let mut net = Net::new();
    net.join("a", "room-1");
    net.join("b", "room-2");
    net.stream_for(Duration::from_secs(1));
    assert!(net.clients.iter().all(|c| c.got.is_empty()));
}

#[test]
fn a_late_joiner_gets_a_keyframe_at_once() {
    let mut net = Net::new();
    net.join("a", "room-1");
    net.join("b", "room-1");
    net.stream_for(Duration::from_secs(1));
    let asked_before = net.clients[0].keyframe_requests.len();
    let c = net.join("c", "room-1");
    // The SFU asks the publishers for a keyframe as soon as the newcomer's tracks are open.
    net.run_until(Duration::from_millis(500), |net| net.clients[0].keyframe_requests.len() > asked_before);
    // The publisher answers with one, and the newcomer receives it.
    net.send_media(true, true);
    net.run_until(Duration::from_millis(200), |net| {
        net.clients[c].got.iter().any(|g| g.stream == "a" && g.kind == MediaKind::Video && g.keyframe)
    });
}

#[test]
fn a_participant_who_leaves_stops_being_forwarded() {
    let mut net = Net::new();
    for name in ["a", "b", "c"] {
        net.join(name, "room-1");
    }
    net.stream_for(Duration::from_secs(1));
    net.leave(2);
    for c in &mut net.clients {
        c.got.clear();
    }
    net.stream_for(Duration::from_secs(1));
    assert!(net.clients[0].got_from("b", MediaKind::Video) > 10);
    assert!(net.clients[1].got_from("a", MediaKind::Audio) > 10);
    for c in &net.clients[..2] {
        assert_eq!(c.got_from("c", MediaKind::Audio) + c.got_from("c", MediaKind::Video), 0);
    }
    assert!(net.clients[2].got.is_empty());
    assert_eq!(net.sfu.peer_count(), 2);
    // The others' browsers are told to stop the tracks: every transceiver of c is stopped.
    for c in &net.clients[..2] {
        let stopped =
            c.streams.iter().filter(|(_, s)| *s == "c").all(|(mid, _)| c.rtc.media(*mid).is_none_or(|m| m.stopped()));
        assert!(stopped, "{} still has c's tracks", c.name);
    }
}

#[test]
fn garbage_sdp_is_refused_and_harms_nobody() {
    let mut net = Net::new();
    net.join("a", "room-1");
    net.join("b", "room-1");
    let now = net.now;
    for sdp in ["", "hello", "v=0\r\nm=audio 9 UDP/TLS/RTP/SAVPF 111\r\n", &"x".repeat(100_000)] {
        let err = net.sfu.join(now, PeerId(99), "room-1", "evil", sdp, false).unwrap_err();
        assert!(matches!(err, SfuError::BadSdp | SfuError::Refused(_)), "{err:?}");
    }
    assert_eq!(net.sfu.answer(now, net.clients[0].peer, "garbage"), Err(SfuError::BadSdp));
    assert_eq!(net.sfu.answer(now, PeerId(42), "garbage"), Err(SfuError::UnknownPeer));
    assert_eq!(net.sfu.peer_count(), 2);
    net.stream_for(Duration::from_secs(1));
    assert!(net.clients[0].got_from("b", MediaKind::Video) > 10);
    assert!(net.clients[1].got_from("a", MediaKind::Audio) > 10);
}

#[test]
fn malformed_packets_are_dropped_and_harm_nobody() {
    let mut net = Net::new();
    net.join("a", "room-1");
    net.join("b", "room-1");
    let sfu_addr = net.sfu.local_addr();
    let stranger: SocketAddr = (Ipv4Addr::new(192, 0, 2, 7), 1234).into();
    let a_addr = net.clients[0].addr;
    let mut shapes: Vec<Vec<u8>> = vec![
        vec![],
        vec![0],
        vec![0xff; 1500],
        // Looks like STUN, RTP, RTCP and DTLS by its first byte, then nonsense.
        [&[0x00, 0x01, 0x00, 0x08][..], &[0xaa; 28]].concat(),
        [&[0x80, 0x60][..], &[0x55; 40]].concat(),
        [&[0x80, 0xc8][..], &[0x55; 40]].concat(),
        [&[0x16, 0xfe, 0xfd][..], &[0x01; 60]].concat(),
    ];
    // A replay of a genuine-looking RTP header with a broken payload.
    shapes.push([&[0x80, 0x6f, 0x00, 0x01, 0, 0, 0, 1, 0xde, 0xad, 0xbe, 0xef][..], &[0; 20]].concat());
    for _ in 0..3 {
        for bytes in &shapes {
            for source in [stranger, a_addr] {
                net.sfu.receive(net.now, source, sfu_addr, bytes);
            }
        }
        net.stream_for(Duration::from_millis(300));
    }
    for c in &mut net.clients {
        c.got.clear();
    }
    net.stream_for(Duration::from_secs(1));
    assert!(net.clients[0].got_from("b", MediaKind::Video) > 10);
    assert!(net.clients[1].got_from("a", MediaKind::Video) > 10);
    assert!(net.clients[1].got_from("a", MediaKind::Audio) > 30);
    assert_eq!(net.sfu.peer_count(), 2);
}

#[test]
fn a_voice_only_participant_gets_no_video_until_it_asks_again() {
    let mut net = Net::new();
    net.join("a", "room-1");
    net.join("b", "room-1");
    let b = net.clients[1].peer;
    net.sfu.set_receive_video(net.now, b, false).expect("set");
    net.stream_for(Duration::from_secs(1));
    assert_eq!(net.clients[1].got_from("a", MediaKind::Video), 0);
    assert!(net.clients[1].got_from("a", MediaKind::Audio) > 30);
    let asked = net.clients[0].keyframe_requests.len();
    net.sfu.set_receive_video(net.now, b, true).expect("set");
    net.run_until(Duration::from_millis(200), |net| net.clients[0].keyframe_requests.len() > asked);
    net.stream_for(Duration::from_millis(500));
    assert!(net.clients[1].got_from("a", MediaKind::Video) > 5);
}

#[test]
fn joining_again_replaces_the_old_connection() {
    let mut net = Net::new();
    net.join("a", "room-1");
    net.join("b", "room-1");
    net.stream_for(Duration::from_millis(500));
    // b's network changed: its page joins again under the same id with a new connection.
    let old = net.clients[1].peer;
    net.leave(1);
    let b2 = net.join("b", "room-1");
    assert_ne!(net.clients[b2].peer, old);
    net.stream_for(Duration::from_secs(1));
    assert!(net.clients[0].got_from("b", MediaKind::Video) > 10);
    assert!(net.clients[b2].got_from("a", MediaKind::Video) > 10);
}

#[test]
fn a_participant_whose_network_vanishes_is_closed_and_no_longer_forwarded() {
    let mut net = Net::new();
    for name in ["a", "b", "c"] {
        net.join(name, "room-1");
    }
    net.stream_for(Duration::from_millis(500));
    let c = net.clients[2].peer;
    net.vanish(2);
    // ICE consent lapses: the SFU drops the connection and says so, so the page can join again.
    net.run_until(Duration::from_secs(60), |net| net.closed.contains(&c));
    assert_eq!(net.sfu.peer_count(), 2);
    assert_eq!(net.closed, vec![c], "only the vanished participant is closed");
    for cl in &mut net.clients {
        cl.got.clear();
    }
    net.stream_for(Duration::from_secs(1));
    assert!(net.clients[0].got_from("b", MediaKind::Video) > 10);
    assert!(net.clients[1].got_from("a", MediaKind::Audio) > 10);
}

/// The number a frame of the harness carries (`#12 video from a`).
fn frame_number(data: &[u8]) -> Option<u32> {
    let text = String::from_utf8_lossy(data);
    text.rsplit('#').next()?.split(' ').next()?.parse().ok()
}

#[test]
fn after_packets_lost_for_good_video_resumes_only_with_a_keyframe() {
    let mut net = Net::new();
    net.video_frame_bytes = 3000; // three packets a frame, so a loss leaves a frame with a hole
    net.retransmit = false; // what is lost stays lost (a retransmission can be lost too)
    let a = net.join("a", "room-1");
    let b = net.join("b", "room-1");
    net.send_media(true, true);
    net.stream_for(Duration::from_millis(500));
    // One RTP packet in seven from the publisher is lost on the way to the SFU for two seconds;
    // the publisher answers every keyframe request with a keyframe.
    net.lose_from = Some((a, 7));
    let mut answered = 0;
    let mut healed = 0;
    for step in 0..700u32 {
        if step == 400 {
            net.lose_from = None;
            healed = net.frames_sent;
        }
        // A request is answered with the next video frame.
        let video = step % 2 == 0;
        let asked = net.clients[a].keyframe_requests.len();
        let keyframe = video && asked > answered;
        if video {
            answered = asked;
        }
        net.send_media(video, keyframe);
        net.tick();
    }
    assert!(net.clients[a].keyframe_requests.len() > 1, "the gap made the SFU ask for keyframes");
    // What the subscriber got of the publisher's video: after any frame missing from the
    // sequence, the next it gets is a keyframe; nothing is decoded across a hole.
    let got: Vec<(u32, bool)> = net.clients[b]
        .got
        .iter()
        .filter(|g| g.stream == "a" && g.kind == MediaKind::Video)
        .map(|g| (frame_number(&g.data).expect("a numbered frame"), g.keyframe))
        .collect();
    let gaps = got.windows(2).filter(|w| w[1].0 != w[0].0 + 1).count();
    assert!(gaps > 0, "the loss cost whole frames: {got:?}");
    for w in got.windows(2) {
        assert!(w[1].0 == w[0].0 + 1 || w[1].1, "frame {} followed {} without a keyframe", w[1].0, w[0].0);
    }
    // Once the network heals, the video flows again: within the keyframe requests' interval
    // (500 ms) the next keyframe comes, and every frame of the last second after it (100 sent).
    let after = got.iter().filter(|g| g.0 >= healed + 50).count();
    assert!(after >= 98, "{after} frames in the last second");
}

#[test]
fn speaking_is_read_from_the_audio_level_of_the_microphone_packets() {
    let mut net = Net::new();
    let a = net.join("a", "room-1");
    net.join("b", "room-1");
    let peer = net.clients[a].peer;
    net.clients[a].level = Some(-90);
    net.stream_for(Duration::from_millis(500));
    assert!(net.speaking.is_empty(), "silence is not speaking: {:?}", net.speaking);
    // A word too short to count (100 ms), then speech.
    net.clients[a].level = Some(-20);
    net.stream_for(Duration::from_millis(100));
    net.clients[a].level = Some(-90);
    net.stream_for(Duration::from_millis(300));
    assert!(net.speaking.is_empty(), "a click is not speaking: {:?}", net.speaking);
    net.clients[a].level = Some(-25);
    net.stream_for(Duration::from_millis(1000));
    assert_eq!(net.speaking, [(peer, true)], "told once");
    // A pause shorter than the quiet time keeps it on; a longer one ends it.
    net.clients[a].level = Some(-80);
    net.stream_for(Duration::from_millis(400));
    net.clients[a].level = Some(-25);
    net.stream_for(Duration::from_millis(300));
    net.clients[a].level = Some(-80);
    net.stream_for(Duration::from_millis(1000));
    assert_eq!(net.speaking, [(peer, true), (peer, false)]);
    // Speaking, then muted: no packets at all, and it still ends.
    net.clients[a].level = Some(-25);
    net.stream_for(Duration::from_millis(500));
    net.clients[a].muted = true;
    net.stream_for(Duration::from_millis(1200));
    assert_eq!(net.speaking, [(peer, true), (peer, false), (peer, true), (peer, false)]);
}

#[test]
fn with_retransmissions_a_lossy_link_loses_no_frame_either_way() {
    for direction in ["publisher to SFU", "SFU to subscriber"] {
        let mut net = Net::new();
        net.video_frame_bytes = 3000;
        let a = net.join("a", "room-1");
        let b = net.join("b", "room-1");
        net.send_media(true, true);
        net.stream_for(Duration::from_millis(500));
        let first = net.frames_sent;
        // One RTP packet in seven lost for two seconds: the receiver asks (NACK) and the packet
        // comes again (RTX), so no frame is missing and nothing needs a keyframe.
        if direction == "publisher to SFU" {
            net.lose_from = Some((a, 7));
        } else {
            net.lose_to = Some((b, 7));
        }
        net.stream_for(Duration::from_secs(2));
        net.lose_from = None;
        net.lose_to = None;
        let last = net.frames_sent;
        net.stream_for(Duration::from_millis(300));
        let mut got: Vec<u32> = net.clients[b]
            .got
            .iter()
            .filter(|g| g.stream == "a" && g.kind == MediaKind::Video)
            .filter_map(|g| frame_number(&g.data))
            .filter(|n| (first..last).contains(n))
            .collect();
        got.sort_unstable();
        got.dedup();
        assert_eq!(got.len(), (last - first) as usize, "{direction}: every frame of the lossy seconds arrived");
    }
}

/// A browser's offer ("minptime=10;useinbandfec=1", as Chromium writes it) is answered with
/// Opus's in-band FEC and DTX, so that the browser sends a packet now and then in silence rather
/// than fifty a second, and a lost frame can be rebuilt from the next.
#[test]
fn opus_is_answered_with_in_band_fec_and_dtx() {
    use sangdam_media::str0m::Rtc;
    use sangdam_media::str0m::media::Direction;
    let mut net = Net::new();
    let now = net.now;
    let mut browser = Rtc::builder().clear_codecs().enable_opus(true, false).enable_vp8(true).build(now);
    let mut api = browser.sdp_api();
    api.add_media(MediaKind::Audio, Direction::SendRecv, Some("mic".into()), None, None);
    let (offer, _) = api.apply().expect("an offer");
    let offer = offer.to_sdp_string();
    let opus_line = |sdp: &str| sdp.lines().find(|l| l.starts_with("a=fmtp:111")).map(str::to_owned);
    assert_eq!(opus_line(&offer).as_deref(), Some("a=fmtp:111 minptime=10;useinbandfec=1"), "{offer}");
    let answer = net.sfu.join(now, PeerId(7), "room-1", "browser", &offer, false).expect("joined");
    let fmtp = opus_line(&answer).expect("the answer describes Opus");
    for p in ["useinbandfec=1", "usedtx=1", "minptime=10"] {
        assert!(fmtp.contains(p), "{p} in {fmtp}");
    }
}

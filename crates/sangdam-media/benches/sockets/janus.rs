//! The same load against Janus 1.1.2's VideoRoom (Debian's `janus`), started as a child process on
//! this host with a configuration written for the run (HTTP API on loopback port 18088, ICE on the
//! host's own address only, since libnice gathers no loopback candidates, RTP ports 30000-39999). Each peer publishes on one connection and receives the others of its
//! room on a second one (one subscription to every other feed), which is how the VideoRoom works.

use std::net::Ipv4Addr;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use sangdam_media::str0m::change::{SdpAnswer, SdpOffer};
use sangdam_media::str0m::media::{Direction, MediaKind, Mid};
use sangdam_media::str0m::{Candidate, Event, Rtc};
use serde_json::{Value, json};
use tokio::net::UdpSocket;

use super::peers::{Pace, pump, received};

const PORT: u16 = 18088;

/// A Janus process; killed when dropped.
pub struct Janus {
    child: Child,
    _dir: tempfile::TempDir,
    http: reqwest::Client,
    next_transaction: u64,
}

impl Drop for Janus {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Janus {
    /// Starts Janus, or `None` when it is not installed.
    pub async fn start() -> Option<Janus> {
        let dir = tempfile::tempdir().ok()?;
        let ip = host_ip();
        let lib = "/usr/lib/x86_64-linux-gnu/janus";
        let folder = dir.path().display();
        let general = format!(
            "general: {{\n configs_folder = \"{folder}\"\n plugins_folder = \"{lib}/plugins\"\n \
             transports_folder = \"{lib}/transports\"\n events_folder = \"{lib}/events\"\n \
             loggers_folder = \"{lib}/loggers\"\n debug_level = 2\n session_timeout = 300\n}}\n\
             media: {{\n rtp_port_range = \"30000-39999\"\n}}\n\
             nat: {{\n ice_enforce_list = \"{ip}\"\n ignore_mdns = true\n}}\n\
             plugins: {{\n disable = \"libjanus_audiobridge.so,libjanus_duktape.so,libjanus_echotest.so,libjanus_lua.so,\
             libjanus_nosip.so,libjanus_recordplay.so,libjanus_sip.so,libjanus_streaming.so,libjanus_textroom.so,\
             libjanus_videocall.so,libjanus_voicemail.so\"\n}}\n\
             transports: {{\n disable = \"libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,\
             libjanus_websockets.so\"\n}}\n\
             events: {{\n broadcast = false\n}}\n\
             loggers: {{\n disable = \"libjanus_jsonlog.so\"\n}}\n"
        );
        std::fs::write(dir.path().join("janus.jcfg"), general).ok()?;
        let http = format!(
            "general: {{\n base_path = \"/janus\"\n http = true\n port = {PORT}\n interface = \"lo\"\n}}\n\
             admin: {{\n admin_http = false\n}}\n"
        );
        std::fs::write(dir.path().join("janus.transport.http.jcfg"), http).ok()?;
        std::fs::write(dir.path().join("janus.plugin.videoroom.jcfg"), "general: {\n}\n").ok()?;
        let child = Command::new("janus")
            .arg("-F")
            .arg(dir.path())
            .arg("-C")
            .arg(dir.path().join("janus.jcfg"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        let mut janus = Janus { child, _dir: dir, http: reqwest::Client::new(), next_transaction: 0 };
        for _ in 0..50 {
            tokio::time::sleep(Duration::from_millis(100)).await;
            if janus.post("", json!({ "janus": "info" })).await.is_some() {
                return Some(janus);
            }
        }
        None
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    async fn post(&mut self, path: &str, mut body: Value) -> Option<Value> {
        self.next_transaction += 1;
        body["transaction"] = json!(format!("t{}", self.next_transaction));
        let url = format!("http://127.0.0.1:{PORT}/janus{path}");
        self.http.post(url).json(&body).send().await.ok()?.json().await.ok()
    }

    async fn session(&mut self) -> u64 {
        let r = self.post("", json!({ "janus": "create" })).await.expect("a Janus session");
        r["data"]["id"].as_u64().expect("a session id")
    }

    async fn attach(&mut self, session: u64) -> u64 {
        let r = self
            .post(&format!("/{session}"), json!({ "janus": "attach", "plugin": "janus.plugin.videoroom" }))
            .await
            .expect("attached");
        r["data"]["id"].as_u64().expect("a handle id")
    }

    async fn message(&mut self, session: u64, handle: u64, body: Value, jsep: Option<Value>) -> Value {
        let mut m = json!({ "janus": "message", "body": body });
        if let Some(j) = jsep {
            m["jsep"] = j;
        }
        self.post(&format!("/{session}/{handle}"), m).await.expect("a reply")
    }

    /// The next event of `session` for `handle` that carries plugin data.
    async fn event(&mut self, session: u64, handle: u64) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            let url = format!("http://127.0.0.1:{PORT}/janus/{session}?maxev=1");
            let Ok(r) = self.http.get(url).send().await else { continue };
            let Ok(v) = r.json::<Value>().await else { continue };
            if v["sender"].as_u64() == Some(handle) && v.get("plugindata").is_some() {
                return v;
            }
        }
        panic!("no event from Janus for handle {handle}");
    }

    /// Creates a VideoRoom for `publishers`.
    pub async fn room(&mut self, room: u64, publishers: usize) {
        let session = self.session().await;
        let handle = self.attach(session).await;
        let body = json!({ "request": "create", "room": room, "publishers": publishers, "bitrate": 0,
                           "audiocodec": "opus", "videocodec": "vp8" });
        let r = self.message(session, handle, body, None).await;
        assert_eq!(r["plugindata"]["data"]["videoroom"], "created", "{r}");
    }

    /// A peer joins `room` as a publisher sending audio and video.
    pub async fn publish(&mut self, room: u64, name: &str) -> Peer {
        let session = self.session().await;
        let handle = self.attach(session).await;
        let (mut rtc, socket) = rtc().await;
        let mut api = rtc.sdp_api();
        let audio = api.add_media(MediaKind::Audio, Direction::SendOnly, Some(name.into()), None, None);
        let video = api.add_media(MediaKind::Video, Direction::SendOnly, Some(name.into()), None, None);
        let (offer, pending) = api.apply().expect("an offer");
        let body = json!({ "request": "join", "ptype": "publisher", "room": room, "display": name });
        let jsep = json!({ "type": "offer", "sdp": offer.to_sdp_string(), "trickle": false });
        self.message(session, handle, body, Some(jsep)).await;
        let e = self.event(session, handle).await;
        let sdp = e["jsep"]["sdp"].as_str().expect("an answer");
        rtc.sdp_api().accept_answer(pending, SdpAnswer::from_sdp_string(sdp).unwrap()).expect("accepted");
        let feed = e["plugindata"]["data"]["id"].as_u64().expect("a feed id");
        Peer {
            session,
            feed,
            publisher: Conn { rtc, socket },
            subscriber: None,
            audio,
            video,
            got: 0,
            delays: Vec::new(),
            rtp_in: 0,
            frames: 0,
            written: 0,
        }
    }

    /// `peer` subscribes to `feeds` (the others of its room) on a second connection.
    pub async fn subscribe(&mut self, room: u64, peer: &mut Peer, feeds: &[u64]) {
        let handle = self.attach(peer.session).await;
        let streams: Vec<Value> = feeds.iter().map(|f| json!({ "feed": f })).collect();
        let body = json!({ "request": "join", "ptype": "subscriber", "room": room, "streams": streams });
        let mut e = Value::Null;
        // A feed is offered once Janus has seen its publisher's connection come up.
        for _ in 0..50 {
            self.message(peer.session, handle, body.clone(), None).await;
            e = self.event(peer.session, handle).await;
            if e["plugindata"]["data"]["error_code"] != 428 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let sdp = e["jsep"]["sdp"].as_str().unwrap_or_else(|| panic!("an offer from Janus: {e}"));
        let (mut rtc, socket) = rtc().await;
        let answer = rtc.sdp_api().accept_offer(SdpOffer::from_sdp_string(sdp).unwrap()).expect("offer taken");
        let jsep = json!({ "type": "answer", "sdp": answer.to_sdp_string(), "trickle": false });
        self.message(peer.session, handle, json!({ "request": "start" }), Some(jsep)).await;
        peer.subscriber = Some(Conn { rtc, socket });
    }
}

/// The host's own address: Janus (libnice) gathers no loopback candidates, so its peers use the
/// address of the host's interface, which the kernel still delivers locally.
fn host_ip() -> Ipv4Addr {
    std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))
        .and_then(|s| {
            s.connect((Ipv4Addr::new(192, 0, 2, 1), 9))?;
            s.local_addr()
        })
        .ok()
        .and_then(|a| match a.ip() {
            std::net::IpAddr::V4(ip) if !ip.is_unspecified() => Some(ip),
            _ => None,
        })
        .unwrap_or(Ipv4Addr::LOCALHOST)
}

async fn rtc() -> (Rtc, UdpSocket) {
    let socket = UdpSocket::bind((host_ip(), 0)).await.expect("a client socket");
    let mut rtc = Rtc::builder().clear_codecs().enable_opus(true, false).enable_vp8(true).build(Instant::now());
    rtc.add_local_candidate(Candidate::host(socket.local_addr().unwrap(), "udp").expect("a host candidate"));
    (rtc, socket)
}

pub struct Conn {
    rtc: Rtc,
    socket: UdpSocket,
}

/// One participant of a Janus room: its publishing connection and its subscribing one.
pub struct Peer {
    session: u64,
    pub feed: u64,
    publisher: Conn,
    subscriber: Option<Conn>,
    audio: Mid,
    video: Mid,
    /// Frames received from the others.
    pub got: u64,
    pub delays: Vec<Duration>,
    pub rtp_in: u64,
    frames: u32,
    pub written: u64,
}

impl Peer {
    /// Its publishing connection is up (Janus offers a feed only from then on).
    pub fn publishing(&self) -> bool {
        self.publisher.rtc.is_connected()
    }

    pub fn reset(&mut self) {
        self.got = 0;
        self.delays.clear();
        self.rtp_in = 0;
        self.written = 0;
    }
}

/// Moves datagrams and timers of every connection for `d`, the publishers writing as the
/// Sangdam benchmark's peers do.
pub async fn run(peers: &mut [Peer], d: Duration) {
    let mut pace = Pace::new();
    while pace.start.elapsed() < d {
        let now = Instant::now();
        let (audio, video) = pace.due(now);
        for p in peers.iter_mut() {
            if p.publisher.rtc.is_connected() {
                write(p, now, pace.start, audio, video);
            }
            let Peer { publisher, subscriber, got, delays, rtp_in, .. } = p;
            pump(&mut publisher.rtc, &publisher.socket, now, &mut 0, &mut |_, _| {});
            if let Some(sub) = subscriber {
                pump(&mut sub.rtc, &sub.socket, now, rtp_in, &mut |_, e| {
                    if let Event::MediaData(data) = e {
                        *got += 1;
                        delays.extend(received(&data).1);
                    }
                });
            }
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

fn write(p: &mut Peer, now: Instant, start: Instant, audio: bool, video: bool) {
    let mids = (p.audio, p.video);
    p.written += super::peers::write_frames(&mut p.publisher.rtc, mids, now, start, (audio, video), p.frames);
    if video {
        p.frames += 1;
    }
}

//! A UDP relay between the browsers and the media port, for calls over a bad network: the media
//! server advertises the relay's port (`media_public_port`), each browser's datagrams go through
//! it, and a rule per browser's address (in the order they first sent; the rest follow a default)
//! can hold what it receives to a bandwidth, lose a share either way, or cut it off. (Chromium's
//! statistics name a local candidate whose port is not always the one its datagrams come from,
//! so browsers are told apart by the order they connect: the counselor's page connects before
//! the client is admitted.) The bandwidth is a bottleneck
//! link: a queue drained at that rate, dropping what would wait longer than 200 ms.

use std::collections::HashMap;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::time::Instant;

/// What happens to one browser's media.
#[derive(Debug, Clone, Copy, Default)]
pub struct Rule {
    /// What the browser receives is held to this many bits per second.
    pub down_bps: Option<u64>,
    /// Share of what the browser sends that is lost.
    pub up_loss: f64,
    /// Nothing passes either way.
    pub cut: bool,
}

#[derive(Default)]
struct Rules {
    by_address: HashMap<SocketAddr, Rule>,
    default: Rule,
    /// Every browser address seen, in the order they first sent.
    seen: Vec<SocketAddr>,
}

impl Rules {
    fn of(&self, browser: SocketAddr) -> Rule {
        self.by_address.get(&browser).copied().unwrap_or(self.default)
    }
}

pub struct Relay {
    socket: Arc<UdpSocket>,
    rules: Arc<Mutex<Rules>>,
}

/// A small generator for the losses, so the test needs no dependency and repeats itself.
struct Dice(u64);

impl Dice {
    fn below(&mut self, p: f64) -> bool {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 11) as f64 / (1u64 << 53) as f64) < p
    }
}

impl Relay {
    pub async fn bind() -> Relay {
        let socket = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.expect("the relay's socket");
        Relay { socket: Arc::new(socket), rules: Arc::default() }
    }

    pub fn port(&self) -> u16 {
        self.socket.local_addr().unwrap().port()
    }

    /// The browser addresses seen so far, in the order they first sent.
    pub fn browsers(&self) -> Vec<SocketAddr> {
        self.rules.lock().unwrap().seen.clone()
    }

    /// The rule for the browser at `address`.
    pub fn set(&self, address: SocketAddr, rule: Rule) {
        self.rules.lock().unwrap().by_address.insert(address, rule);
    }

    /// The rule for every browser without its own.
    pub fn set_default(&self, rule: Rule) {
        self.rules.lock().unwrap().default = rule;
    }

    /// Relays between the browsers and the media server at `server` until the test ends.
    pub fn start(&self, server: SocketAddr) {
        let (socket, rules) = (self.socket.clone(), self.rules.clone());
        tokio::spawn(async move {
            let mut flows: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
            let mut dice = Dice(7);
            let mut buf = [0u8; 2048];
            while let Ok((n, browser)) = socket.recv_from(&mut buf).await {
                let rule = rules.lock().unwrap().of(browser);
                if flows.contains_key(&browser) && (rule.cut || dice.below(rule.up_loss)) {
                    continue;
                }
                let upstream = match flows.get(&browser) {
                    Some(u) => u.clone(),
                    None => {
                        let u = Arc::new(UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)).await.unwrap());
                        rules.lock().unwrap().seen.push(browser);
                        flows.insert(browser, u.clone());
                        tokio::spawn(downlink(u.clone(), socket.clone(), browser, rules.clone()));
                        u
                    }
                };
                let _ = upstream.send_to(&buf[..n], server).await;
            }
        });
    }
}

/// What the media server sends one browser, through that browser's rule.
async fn downlink(upstream: Arc<UdpSocket>, socket: Arc<UdpSocket>, browser: SocketAddr, rules: Arc<Mutex<Rules>>) {
    // Datagrams leave the bottleneck in order, each at its time.
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    tokio::spawn(async move {
        while let Some((at, data)) = rx.recv().await {
            tokio::time::sleep_until(at).await;
            let _ = socket.send_to(&data, browser).await;
        }
    });
    let mut free_at = Instant::now();
    let mut buf = [0u8; 2048];
    while let Ok((n, _)) = upstream.recv_from(&mut buf).await {
        let rule = rules.lock().unwrap().of(browser);
        if rule.cut {
            continue;
        }
        let now = Instant::now();
        let at = match rule.down_bps {
            None => now,
            Some(bps) => {
                let start = free_at.max(now);
                if start - now > Duration::from_millis(200) {
                    continue;
                }
                // On the wire with its UDP and IP headers.
                free_at = start + Duration::from_nanos((n as u64 + 28) * 8 * 1_000_000_000 / bps);
                free_at
            }
        };
        if tx.send((at, buf[..n].to_vec())).is_err() {
            return;
        }
    }
}

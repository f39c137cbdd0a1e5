//! A small SMTP server on loopback that speaks enough of RFC 5321 for a real client (lettre) to
//! deliver to it, and keeps what it receives for the tests to read.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub from: String,
    pub to: Vec<String>,
    pub data: String,
}

#[derive(Clone)]
pub struct SmtpServer {
    pub port: u16,
    received: Arc<Mutex<Vec<ReceivedMail>>>,
    arrived: Arc<Notify>,
    /// Mail to this address is read to its end and then never answered: a receiving server that
    /// hangs, or a sender killed before the reply.
    stall_for: Option<String>,
}

impl SmtpServer {
    /// The settings that send to this server (plain SMTP on loopback, no login).
    pub fn config(&self) -> sangdam_web::SmtpConfig {
        sangdam_web::SmtpConfig {
            host: "127.0.0.1".into(),
            port: self.port,
            security: sangdam_web::SmtpSecurity::None,
            username: None,
            password: None,
        }
    }

    pub async fn start() -> Self {
        Self::start_stalling(None).await
    }

    /// A server that never answers the end of a mail to `recipient` (but records it).
    pub async fn start_stalling(recipient: Option<&str>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = SmtpServer {
            port,
            received: Arc::default(),
            arrived: Arc::default(),
            stall_for: recipient.map(str::to_owned),
        };
        let s = server.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let s = s.clone();
                tokio::spawn(async move { s.session(stream).await });
            }
        });
        server
    }

    async fn session(&self, stream: tokio::net::TcpStream) {
        let (read, mut write) = stream.into_split();
        let mut lines = BufReader::new(read);
        let _ = write.write_all(b"220 localhost ESMTP sangdam-test\r\n").await;
        let (mut from, mut to) = (String::new(), Vec::new());
        let mut line = String::new();
        loop {
            line.clear();
            if lines.read_line(&mut line).await.unwrap_or(0) == 0 {
                return;
            }
            let upper = line.to_ascii_uppercase();
            let reply: &[u8] = if upper.starts_with("EHLO") {
                b"250-localhost\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"
            } else if upper.starts_with("HELO") || upper.starts_with("RSET") || upper.starts_with("NOOP") {
                b"250 OK\r\n"
            } else if upper.starts_with("MAIL FROM:") {
                from = line[10..].trim().to_owned();
                b"250 OK\r\n"
            } else if upper.starts_with("RCPT TO:") {
                to.push(line[8..].trim().trim_matches(['<', '>']).to_owned());
                b"250 OK\r\n"
            } else if upper.starts_with("DATA") {
                let _ = write.write_all(b"354 go ahead\r\n").await;
                let mut data = String::new();
                loop {
                    let mut l = String::new();
                    if lines.read_line(&mut l).await.unwrap_or(0) == 0 {
                        return;
                    }
                    if l == ".\r\n" {
                        break;
                    }
                    data.push_str(&l);
                }
                let stall = self.stall_for.as_ref().is_some_and(|s| to.contains(s));
                self.received.lock().unwrap().push(ReceivedMail {
                    from: from.clone(),
                    to: std::mem::take(&mut to),
                    data,
                });
                self.arrived.notify_waiters();
                if stall {
                    std::future::pending::<()>().await;
                }
                b"250 OK queued\r\n"
            } else if upper.starts_with("QUIT") {
                let _ = write.write_all(b"221 bye\r\n").await;
                return;
            } else {
                b"502 not implemented\r\n"
            };
            if write.write_all(reply).await.is_err() {
                return;
            }
        }
    }

    /// Waits (at most 10 s) until `n` mails have arrived, and returns them.
    pub async fn wait_for(&self, n: usize) -> Vec<ReceivedMail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        loop {
            let notified = self.arrived.notified();
            {
                let got = self.received.lock().unwrap();
                if got.len() >= n {
                    return got.clone();
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} mails, got {}", self.received.lock().unwrap().len());
            }
        }
    }
}

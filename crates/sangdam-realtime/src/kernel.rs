//! What the realtime sockets (the chat center's client and console, the session room's) share,
//! written once: the socket loop ([`Socket`]), each connection's allowance of messages
//! ([`Bucket`]) and the form of the ids a page gives its messages.
//!
//! The loop does what every connection does between its handler's turns: it waits for the page's
//! first message (`hello`), then for whichever comes first of the page's next message (taken from
//! its allowance and parsed, or refused with the Fluent id of the reason), a message for the page
//! from the connection's queue (sent on; some end the connection), a source of the caller's own
//! (the hub dropping a slow connection, the media server's offers), and the session behind the
//! socket ending (the socket is closed with [`SESSION_ENDED`] so that the page reloads). What a
//! message means is the caller's: the kernel knows no hub, store or HTTP; the web crate gives it
//! the socket ([`Wire`]) and the session check ([`Session`]).

use std::future::Future;
use std::time::{Duration, Instant};

use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::mpsc;

/// A connection that keeps sending past its allowance this many times is closed.
pub const MAX_REFUSALS: u32 = 50;

/// One connection's allowance of messages: a burst, refilled at a steady rate.
#[derive(Debug)]
pub struct Bucket {
    burst: f64,
    per_second: f64,
    tokens: f64,
    at: Instant,
    refusals: u32,
}

impl Bucket {
    /// A full bucket of `burst` messages, refilled at `per_second`.
    pub fn new((burst, per_second): (f64, f64)) -> Self {
        Self { burst, per_second, tokens: burst, at: Instant::now(), refusals: 0 }
    }

    /// Takes one message's allowance: `Err(close)` when the message is refused, with `close` true
    /// once the connection has been refused more than [`MAX_REFUSALS`] times.
    pub fn take(&mut self) -> Result<(), bool> {
        let now = Instant::now();
        self.tokens = (self.tokens + now.duration_since(self.at).as_secs_f64() * self.per_second).min(self.burst);
        self.at = now;
        if self.tokens < 1.0 {
            self.refusals += 1;
            return Err(self.refusals > MAX_REFUSALS);
        }
        self.tokens -= 1.0;
        Ok(())
    }
}

/// The id a page gives a message, so a message sent twice (a reconnect, a retry) is stored once:
/// 1 to 64 letters, digits, `-` and `_`.
pub fn valid_message_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The close code a socket gets when its session has ended: the page reloads (and so meets the
/// sign-in page) instead of reconnecting.
pub const SESSION_ENDED: u16 = 4001;

/// What a page sent, as the kernel needs it.
#[derive(Debug, PartialEq, Eq)]
pub enum Frame {
    Text(String),
    /// A ping or a pong: nothing to do.
    Ping,
    /// Closed, failed, or a frame outside the protocol (binary, too large): the connection ends.
    Closed,
}

/// The socket under a connection.
pub trait Wire: Send {
    /// The page's next frame.
    fn recv(&mut self) -> impl Future<Output = Frame> + Send;
    /// Sends one text frame; `false` once the connection is gone.
    fn send(&mut self, text: String) -> impl Future<Output = bool> + Send;
    /// Closes the socket with `code` and `reason`.
    fn close(&mut self, code: u16, reason: &'static str) -> impl Future<Output = ()> + Send;
}

/// The session behind a connection, checked again while the connection lasts.
pub trait Session: Send {
    /// Resolves when the session should be checked again (never, for a guest). Safe to drop
    /// midway: it sits in the loop's `select!`.
    fn due(&mut self) -> impl Future<Output = ()> + Send;
    /// Whether the connection may go on.
    fn still_valid(&mut self) -> impl Future<Output = bool> + Send;
}

/// Why a connection's loop ended.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum End {
    /// The page closed the socket, a send failed, or the page sent something outside the protocol.
    Closed,
    /// The page kept sending past its allowance more than [`MAX_REFUSALS`] times.
    Flooding,
    /// The session behind the socket ended; the socket was closed with [`SESSION_ENDED`].
    SessionEnded,
    /// The connection's queue closed, or a message that ends the connection was sent.
    Finished,
}

/// What the loop hands its caller.
#[derive(Debug)]
pub enum Step<In, X> {
    /// A message from the page, within its allowance and well-formed.
    Message(In),
    /// A message refused: the Fluent id of what to tell the page (`error-room-rate` past the
    /// allowance, `error-room-message` when it does not parse).
    Refused(&'static str),
    /// The caller's own source resolved.
    Other(X),
    /// The connection is over.
    End(End),
}

/// One realtime connection: its socket, its session and its allowance.
pub struct Socket<W, S> {
    wire: W,
    session: S,
    bucket: Bucket,
}

impl<W: Wire, S: Session> Socket<W, S> {
    /// A connection allowed `rate` (a burst, then messages per second).
    pub fn new(wire: W, session: S, rate: (f64, f64)) -> Self {
        Self { wire, session, bucket: Bucket::new(rate) }
    }

    /// The page's first message, if it comes within `within` and parses as `In`.
    pub async fn hello<In: DeserializeOwned>(&mut self, within: Duration) -> Option<In> {
        match tokio::time::timeout(within, self.wire.recv()).await {
            Ok(Frame::Text(t)) => serde_json::from_str(&t).ok(),
            _ => None,
        }
    }

    /// Sends one message to the page; `false` once the connection is gone.
    pub async fn send<T: Serialize>(&mut self, msg: &T) -> bool {
        match serde_json::to_string(msg) {
            Ok(text) => self.wire.send(text).await,
            // Nothing the protocols hold fails to serialize; a message that did is left out.
            Err(_) => true,
        }
    }

    /// Runs the connection until the page sends a message, its own source `other` resolves or the
    /// connection ends, sending on whatever comes from `out` meanwhile (a message for which `ends`
    /// is true is the last).
    pub async fn next<In: DeserializeOwned, Out: Serialize, X>(
        &mut self,
        out: &mut mpsc::Receiver<Out>,
        ends: impl Fn(&Out) -> bool,
        other: impl Future<Output = X>,
    ) -> Step<In, X> {
        tokio::pin!(other);
        loop {
            tokio::select! {
                () = self.session.due() => {
                    if !self.session.still_valid().await {
                        self.wire.close(SESSION_ENDED, "session ended").await;
                        return Step::End(End::SessionEnded);
                    }
                }
                x = &mut other => return Step::Other(x),
                msg = out.recv() => {
                    let Some(msg) = msg else { return Step::End(End::Finished) };
                    let last = ends(&msg);
                    if !self.send(&msg).await {
                        return Step::End(End::Closed);
                    }
                    if last {
                        return Step::End(End::Finished);
                    }
                }
                frame = self.wire.recv() => match frame {
                    Frame::Ping => {}
                    Frame::Closed => return Step::End(End::Closed),
                    Frame::Text(text) => {
                        if let Err(close) = self.bucket.take() {
                            return if close { Step::End(End::Flooding) } else { Step::Refused("error-room-rate") };
                        }
                        return match serde_json::from_str::<In>(&text) {
                            Ok(m) => Step::Message(m),
                            Err(_) => Step::Refused("error-room-message"),
                        };
                    }
                },
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusals_then_the_close() {
        let mut b = Bucket::new((3.0, 0.0));
        assert_eq!((b.take(), b.take(), b.take()), (Ok(()), Ok(()), Ok(())));
        for _ in 0..MAX_REFUSALS {
            assert_eq!(b.take(), Err(false));
        }
        assert_eq!(b.take(), Err(true));
    }

    #[test]
    fn message_ids() {
        assert!(valid_message_id("m-1_a"));
        assert!(!valid_message_id(""));
        assert!(!valid_message_id(&"a".repeat(65)));
        assert!(!valid_message_id("a b"));
    }

    /// A socket in memory: what the test sends as the page, and what the page receives.
    struct Memory {
        from_page: mpsc::UnboundedReceiver<Frame>,
        to_page: mpsc::UnboundedSender<String>,
        closed_with: Option<u16>,
    }

    impl Wire for Memory {
        async fn recv(&mut self) -> Frame {
            self.from_page.recv().await.unwrap_or(Frame::Closed)
        }
        async fn send(&mut self, text: String) -> bool {
            self.to_page.send(text).is_ok()
        }
        async fn close(&mut self, code: u16, _reason: &'static str) {
            self.closed_with = Some(code);
        }
    }

    /// A session that is due at once and valid while `valid` says so.
    struct Checked {
        valid: bool,
        due_now: bool,
    }

    impl Session for Checked {
        async fn due(&mut self) {
            if !self.due_now {
                std::future::pending::<()>().await;
            }
        }
        async fn still_valid(&mut self) -> bool {
            self.valid
        }
    }

    type Page = (mpsc::UnboundedSender<Frame>, mpsc::UnboundedReceiver<String>);

    fn socket(rate: (f64, f64), session: Checked) -> (Socket<Memory, Checked>, Page) {
        let (page_tx, from_page) = mpsc::unbounded_channel();
        let (to_page, page_rx) = mpsc::unbounded_channel();
        (Socket::new(Memory { from_page, to_page, closed_with: None }, session, rate), (page_tx, page_rx))
    }

    const OPEN: Checked = Checked { valid: true, due_now: false };

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Say {
        text: String,
    }

    #[tokio::test]
    async fn hello_then_messages_refusals_and_the_flood_closing_it() {
        let (mut s, (page, _seen)) = socket((2.0, 0.0), OPEN);
        page.send(Frame::Text(r#"{"text":"hello"}"#.into())).unwrap();
        assert_eq!(s.hello::<Say>(Duration::from_secs(1)).await, Some(Say { text: "hello".into() }));
        let (_tx, mut out) = mpsc::channel::<u8>(4);
        page.send(Frame::Ping).unwrap();
        page.send(Frame::Text(r#"{"text":"a"}"#.into())).unwrap();
        page.send(Frame::Text("not json".into())).unwrap();
        let step = s.next::<Say, u8, ()>(&mut out, |_| false, std::future::pending()).await;
        assert!(matches!(step, Step::Message(Say { text }) if text == "a"));
        let step = s.next::<Say, u8, ()>(&mut out, |_| false, std::future::pending()).await;
        assert!(matches!(step, Step::Refused("error-room-message")));
        // The allowance (a burst of 2, no refill) is spent: refused, then closed as a flood.
        for _ in 0..MAX_REFUSALS {
            page.send(Frame::Text(r#"{"text":"b"}"#.into())).unwrap();
            assert!(matches!(
                s.next::<Say, u8, ()>(&mut out, |_| false, std::future::pending()).await,
                Step::Refused("error-room-rate")
            ));
        }
        page.send(Frame::Text(r#"{"text":"b"}"#.into())).unwrap();
        assert!(matches!(
            s.next::<Say, u8, ()>(&mut out, |_| false, std::future::pending()).await,
            Step::End(End::Flooding)
        ));
    }

    #[tokio::test]
    async fn a_hello_that_does_not_come_or_does_not_parse_is_none() {
        let (mut s, (page, _seen)) = socket((2.0, 0.0), OPEN);
        assert_eq!(s.hello::<Say>(Duration::from_millis(20)).await, None);
        page.send(Frame::Text("{}".into())).unwrap();
        assert_eq!(s.hello::<Say>(Duration::from_secs(1)).await, None);
    }

    #[tokio::test]
    async fn messages_for_the_page_go_out_and_the_last_one_ends_it() {
        let (mut s, (_page, mut seen)) = socket((2.0, 0.0), OPEN);
        let (tx, mut out) = mpsc::channel::<u8>(4);
        tx.send(1).await.unwrap();
        tx.send(9).await.unwrap();
        let step = s.next::<Say, u8, ()>(&mut out, |m| *m == 9, std::future::pending()).await;
        assert!(matches!(step, Step::End(End::Finished)));
        assert_eq!((seen.recv().await.unwrap(), seen.recv().await.unwrap()), ("1".to_owned(), "9".to_owned()));
        drop(tx);
        assert!(matches!(
            s.next::<Say, u8, ()>(&mut out, |_| false, std::future::pending()).await,
            Step::End(End::Finished)
        ));
    }

    #[tokio::test]
    async fn the_callers_source_and_a_closed_page() {
        let (mut s, (page, _seen)) = socket((2.0, 0.0), OPEN);
        let (_tx, mut out) = mpsc::channel::<u8>(4);
        assert!(matches!(s.next::<Say, u8, u8>(&mut out, |_| false, async { 7 }).await, Step::Other(7)));
        drop(page);
        assert!(matches!(
            s.next::<Say, u8, ()>(&mut out, |_| false, std::future::pending()).await,
            Step::End(End::Closed)
        ));
    }

    #[tokio::test]
    async fn a_session_that_ended_closes_the_socket_with_its_code() {
        let (mut s, (_page, _seen)) = socket((2.0, 0.0), Checked { valid: false, due_now: true });
        let (_tx, mut out) = mpsc::channel::<u8>(4);
        assert!(matches!(
            s.next::<Say, u8, ()>(&mut out, |_| false, std::future::pending()).await,
            Step::End(End::SessionEnded)
        ));
        assert_eq!(s.wire.closed_with, Some(SESSION_ENDED));
    }
}

//! What Sangdam's two live places share and hold in memory, apart from the sockets that use it:
//! the kernel every realtime socket runs on ([`kernel`]: a connection's allowance of messages,
//! the form of a message's id), the chat center's hub and messages ([`chat`]), the session room's
//! hub, messages and whiteboard ([`room`]), and the notice a client is shown after a crisis
//! message ([`care_notice`]). The sockets themselves (reading the store, checking access, writing
//! audit entries) live in the web crate; neither place imports the other, and this crate knows no
//! database, HTTP or media server.

pub mod care_notice;
pub mod chat;
pub mod kernel;
pub mod room;

//! The chat center's connections ([`hub`]) and the messages its two sockets exchange
//! ([`protocol`]): a client's page and a staff console.

pub mod hub;
pub mod protocol;

//! The session room's connections and each room's state under its one lock ([`hub`]), the
//! messages of its socket ([`protocol`]) and the whiteboard's items ([`board`]).

pub mod board;
pub mod hub;
pub mod protocol;

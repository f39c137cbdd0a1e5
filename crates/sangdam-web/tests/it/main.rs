//! Integration tests of the web layer: the real server on port 0, a fresh database per test, a
//! real HTTP client with cookies, a real SMTP server on loopback. Every test runs on SQLite, and
//! again on PostgreSQL when `SANGDAM_TEST_DATABASE_URL` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod helpers;
mod smtp;
mod webdriver;

mod a11y;
mod access;
mod accounts;
mod admin;
mod aftercare;
mod api;
mod audit;
mod booking;
mod browser;
mod chat;
mod chat_load;
mod crisis;
mod forms;
mod limits;
mod mail;
mod questionnaires;
mod queue;
mod records;
mod relay;
mod reminders;
mod room;
mod security;
mod structure;
mod tls;
mod two_factor;
mod video;
mod waitlist;
mod webhooks;

//! iCalendar (RFC 5545) text for invitations (RFC 5546 `METHOD`) and calendar feeds.

use jiff::Timestamp;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// A new or changed event, for the recipient's calendar to add or update.
    Request,
    /// A cancelled event, for the recipient's calendar to remove.
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Request => "REQUEST",
            Method::Cancel => "CANCEL",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Tentative,
    Confirmed,
    Cancelled,
}

#[derive(Debug, Clone)]
pub struct Event {
    /// Stable across every change of the same appointment.
    pub uid: String,
    /// Increases with each change, so calendars apply the newest.
    pub sequence: u32,
    pub start: Timestamp,
    pub end: Timestamp,
    pub stamp: Timestamp,
    pub summary: String,
    pub description: String,
    pub status: EventStatus,
    pub url: Option<String>,
    /// `(name, email)`.
    pub organizer: Option<(String, String)>,
    pub attendees: Vec<(String, String)>,
}

fn utc(t: Timestamp) -> String {
    t.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes TEXT values (RFC 5545 section 3.3.11).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A parameter value, quoted when it holds `:`, `;` or `,` (which cannot be escaped there).
fn param(s: &str) -> String {
    let clean: String = s.chars().filter(|c| *c != '"' && !c.is_control()).collect();
    if clean.contains([':', ';', ',']) { format!("\"{clean}\"") } else { clean }
}

/// Folds a content line at 75 octets, never inside a UTF-8 character.
fn fold(line: &str, out: &mut String) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

pub fn calendar(method: Option<Method>, name: Option<&str>, events: &[Event]) -> String {
    let mut out = String::new();
    let mut line = |l: String| fold(&l, &mut out);
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line("PRODID:-//Sangdam//Sangdam//KO".into());
    line("CALSCALE:GREGORIAN".into());
    match method {
        Some(Method::Request) => line("METHOD:REQUEST".into()),
        Some(Method::Cancel) => line("METHOD:CANCEL".into()),
        None => {}
    }
    if let Some(name) = name {
        line(format!("X-WR-CALNAME:{}", text(name)));
    }
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", text(&e.uid)));
        line(format!("SEQUENCE:{}", e.sequence));
        line(format!("DTSTAMP:{}", utc(e.stamp)));
        line(format!("DTSTART:{}", utc(e.start)));
        line(format!("DTEND:{}", utc(e.end)));
        line(format!("SUMMARY:{}", text(&e.summary)));
        if !e.description.is_empty() {
            line(format!("DESCRIPTION:{}", text(&e.description)));
        }
        line(format!(
            "STATUS:{}",
            match e.status {
                EventStatus::Tentative => "TENTATIVE",
                EventStatus::Confirmed => "CONFIRMED",
                EventStatus::Cancelled => "CANCELLED",
            }
        ));
        if let Some(url) = &e.url {
            line(format!("URL:{url}"));
        }
        if let Some((name, email)) = &e.organizer {
            line(format!("ORGANIZER;CN={}:mailto:{email}", param(name)));
        }
        for (name, email) in &e.attendees {
            line(format!("ATTENDEE;CN={};ROLE=REQ-PARTICIPANT:mailto:{email}", param(name)));
        }
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_escaped_and_folded() {
        let start = Timestamp::from_second(1_796_000_400).unwrap();
        let e = Event {
            uid: "appt-123@sangdam".into(),
            sequence: 2,
            start,
            end: Timestamp::from_second(1_796_003_400).unwrap(),
            stamp: start,
            summary: "상담, 첫 회기; video".into(),
            description: "줄 하나\n줄 둘 ".repeat(10),
            status: EventStatus::Confirmed,
            url: Some("https://sangdam.example/appointments/x".into()),
            organizer: Some(("김, 상담사".into(), "c@example.com".into())),
            attendees: vec![("Client".into(), "a@example.com".into())],
        };
        let ics = calendar(Some(Method::Request), None, &[e]);
        assert!(ics.contains("METHOD:REQUEST\r\n"));
        assert!(ics.contains("SUMMARY:상담\\, 첫 회기\\; video\r\n"));
        assert!(ics.contains("DTSTART:20261130T010000Z\r\n"), "{ics}");
        assert!(ics.contains("SEQUENCE:2\r\n"));
        assert!(ics.contains("ORGANIZER;CN=\"김, 상담사\":mailto:c@example.com"));
        for l in ics.split("\r\n") {
            assert!(l.len() <= 75, "line too long: {l}");
        }
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("DESCRIPTION:{}", "줄 하나\\n줄 둘 ".repeat(10))));
    }
}

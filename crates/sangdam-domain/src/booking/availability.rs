//! A counselor's availability: weekly hours in their own time zone, date exceptions, and the rules
//! that shape bookings (buffer, minimum notice, horizon, daily cap, cancel window).

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};

pub const MINUTES_PER_DAY: u16 = 24 * 60;

/// A span of local wall-clock time within one day, in minutes since midnight: `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "RawInterval")]
pub struct Interval {
    start: u16,
    end: u16,
}

/// What a stored interval looks like before it is checked.
#[derive(Deserialize)]
struct RawInterval {
    start: u16,
    end: u16,
}

impl TryFrom<RawInterval> for Interval {
    type Error = AvailabilityError;
    fn try_from(r: RawInterval) -> Result<Self, Self::Error> {
        Interval::new(r.start, r.end)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AvailabilityError {
    #[error("a time must look like 09:30")]
    TimeMalformed,
    #[error("the end must come after the start")]
    EmptyInterval,
    #[error("a rule is out of range")]
    RuleOutOfRange,
}

impl AvailabilityError {
    pub fn message_id(self) -> &'static str {
        match self {
            AvailabilityError::TimeMalformed => "error-time-malformed",
            AvailabilityError::EmptyInterval => "error-interval-empty",
            AvailabilityError::RuleOutOfRange => "error-rule-range",
        }
    }
}

impl Interval {
    pub fn new(start: u16, end: u16) -> Result<Self, AvailabilityError> {
        if start >= end || end > MINUTES_PER_DAY {
            return Err(AvailabilityError::EmptyInterval);
        }
        Ok(Self { start, end })
    }

    /// Reads `09:00`-style times; `24:00` is the end of the day.
    pub fn parse(start: &str, end: &str) -> Result<Self, AvailabilityError> {
        Self::new(parse_hhmm(start)?, parse_hhmm(end)?)
    }

    pub fn start(self) -> u16 {
        self.start
    }

    pub fn end(self) -> u16 {
        self.end
    }

    pub fn format(self) -> (String, String) {
        (format_hhmm(self.start), format_hhmm(self.end))
    }
}

pub fn parse_hhmm(s: &str) -> Result<u16, AvailabilityError> {
    let (h, m) = s.trim().split_once(':').ok_or(AvailabilityError::TimeMalformed)?;
    let (h, m): (u16, u16) = (
        h.parse().map_err(|_| AvailabilityError::TimeMalformed)?,
        m.parse().map_err(|_| AvailabilityError::TimeMalformed)?,
    );
    if m >= 60 || h > 24 || (h == 24 && m != 0) || !(1..=2).contains(&s.trim().split(':').next().map_or(0, str::len)) {
        return Err(AvailabilityError::TimeMalformed);
    }
    Ok(h * 60 + m)
}

pub fn format_hhmm(minutes: u16) -> String {
    format!("{:02}:{:02}", minutes / 60, minutes % 60)
}

/// Working hours per weekday, Monday first.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct WeeklyHours(pub [Vec<Interval>; 7]);

impl WeeklyHours {
    pub fn day(&self, weekday: Weekday) -> &[Interval] {
        &self.0[weekday.to_monday_zero_offset() as usize]
    }

    pub fn set_day(&mut self, weekday: Weekday, intervals: Vec<Interval>) {
        self.0[weekday.to_monday_zero_offset() as usize] = intervals;
    }

    /// Monday to Friday, 09:00–18:00: a counselor's starting point.
    pub fn office_hours() -> Self {
        let day = vec![Interval { start: 9 * 60, end: 18 * 60 }];
        Self([day.clone(), day.clone(), day.clone(), day.clone(), day, vec![], vec![]])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExceptionKind {
    /// Time off: no bookings in this span on this date.
    Off,
    /// Extra hours on this date beyond the weekly hours.
    Extra,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateException {
    pub date: Date,
    pub kind: ExceptionKind,
    pub interval: Interval,
}

/// The rules that shape bookings, with the defaults from the product brief.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRules {
    pub buffer_minutes: u32,
    pub min_notice_minutes: u32,
    pub horizon_days: u32,
    /// At most this many sessions a day (counselor wellbeing); `None` for no cap.
    pub daily_cap: Option<u32>,
    /// Clients may cancel or move free of charge until this many hours before the start.
    pub cancel_window_hours: u32,
}

impl Default for BookingRules {
    fn default() -> Self {
        Self {
            buffer_minutes: 10,
            min_notice_minutes: 12 * 60,
            horizon_days: 60,
            daily_cap: Some(6),
            cancel_window_hours: 24,
        }
    }
}

impl BookingRules {
    pub fn check(&self) -> Result<(), AvailabilityError> {
        let ok = self.buffer_minutes <= 240
            && self.min_notice_minutes <= 30 * 24 * 60
            && (1..=365).contains(&self.horizon_days)
            && self.daily_cap.is_none_or(|c| (1..=48).contains(&c))
            && self.cancel_window_hours <= 24 * 14;
        if ok { Ok(()) } else { Err(AvailabilityError::RuleOutOfRange) }
    }
}

/// Everything that decides when a counselor can be booked.
#[derive(Debug, Clone)]
pub struct Availability {
    pub timezone: TimeZone,
    pub weekly: WeeklyHours,
    pub exceptions: Vec<DateException>,
    pub rules: BookingRules,
}

impl Availability {
    /// The working spans of one local date: the weekly hours plus extra hours, minus time off.
    pub fn day_intervals(&self, date: Date) -> Vec<Interval> {
        let mut minutes = [false; MINUTES_PER_DAY as usize];
        let mut mark = |i: &Interval, on: bool| {
            for m in &mut minutes[i.start as usize..i.end as usize] {
                *m = on;
            }
        };
        for i in self.weekly.day(date.weekday()) {
            mark(i, true);
        }
        for e in self.exceptions.iter().filter(|e| e.date == date && e.kind == ExceptionKind::Extra) {
            mark(&e.interval, true);
        }
        for e in self.exceptions.iter().filter(|e| e.date == date && e.kind == ExceptionKind::Off) {
            mark(&e.interval, false);
        }
        let mut out = Vec::new();
        let mut start = None;
        for (m, on) in minutes.iter().enumerate() {
            match (start, on) {
                (None, true) => start = Some(m as u16),
                (Some(s), false) => {
                    out.push(Interval { start: s, end: m as u16 });
                    start = None;
                }
                _ => {}
            }
        }
        if let Some(s) = start {
            out.push(Interval { start: s, end: MINUTES_PER_DAY });
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_parse_strictly() {
        assert_eq!(parse_hhmm("09:30"), Ok(570));
        assert_eq!(parse_hhmm("9:05"), Ok(545));
        assert_eq!(parse_hhmm("24:00"), Ok(1440));
        for bad in ["24:01", "9", "09:60", "xx:00", "123:00", ""] {
            assert!(parse_hhmm(bad).is_err(), "{bad}");
        }
        assert_eq!(Interval::parse("10:00", "09:00"), Err(AvailabilityError::EmptyInterval));
    }

    #[test]
    fn exceptions_add_and_remove_hours() {
        let date = Date::constant(2026, 12, 7); // a Monday
        let mut a = Availability {
            timezone: TimeZone::UTC,
            weekly: WeeklyHours::office_hours(),
            exceptions: vec![],
            rules: BookingRules::default(),
        };
        assert_eq!(a.day_intervals(date), vec![Interval { start: 540, end: 1080 }]);
        a.exceptions.push(DateException {
            date,
            kind: ExceptionKind::Off,
            interval: Interval::parse("12:00", "13:00").unwrap(),
        });
        a.exceptions.push(DateException {
            date,
            kind: ExceptionKind::Extra,
            interval: Interval::parse("18:00", "20:00").unwrap(),
        });
        assert_eq!(a.day_intervals(date), vec![Interval { start: 540, end: 720 }, Interval { start: 780, end: 1200 }]);
        assert!(a.day_intervals(Date::constant(2026, 12, 12)).is_empty(), "Saturday");
    }
}

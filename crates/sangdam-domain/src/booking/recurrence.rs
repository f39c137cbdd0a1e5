//! Recurring series: the same local wall-clock time every week or every two weeks, so a weekly
//! 19:00 session stays at 19:00 across daylight-saving changes.

use jiff::Timestamp;
use jiff::tz::TimeZone;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Week,
    TwoWeeks,
}

impl Every {
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "weekly" => Some(Every::Week),
            "biweekly" => Some(Every::TwoWeeks),
            _ => None,
        }
    }

    fn days(self) -> i64 {
        match self {
            Every::Week => 7,
            Every::TwoWeeks => 14,
        }
    }
}

/// The most sessions one series may book at once.
pub const MAX_OCCURRENCES: u32 = 26;

/// A series that cannot keep its local time: on `date` that wall-clock time does not exist (the
/// clocks jump over it for daylight saving), so the session would silently move by an hour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SkippedTime {
    pub date: jiff::civil::Date,
}

/// The starts of a series of `count` sessions from `first`, at the same local time in `tz`. A
/// local time that happens twice (clocks going back) takes its first occurrence; a local time that
/// does not exist on some date refuses the whole series, naming that date, rather than booking
/// that session an hour later than the others without saying so.
pub fn series(first: Timestamp, tz: &TimeZone, every: Every, count: u32) -> Result<Vec<Timestamp>, SkippedTime> {
    let local = first.to_zoned(tz.clone()).datetime();
    let mut out = Vec::new();
    for i in 0..i64::from(count.min(MAX_OCCURRENCES)) {
        let Ok(dt) = local.checked_add(jiff::Span::new().days(i * every.days())) else { break };
        let ambiguous = tz.to_ambiguous_timestamp(dt);
        if matches!(ambiguous.offset(), jiff::tz::AmbiguousOffset::Gap { .. }) {
            return Err(SkippedTime { date: dt.date() });
        }
        if let Ok(t) = ambiguous.earlier() {
            out.push(t);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_local_time_holds_across_dst() {
        let ny = jiff::tz::db().get("America/New_York").unwrap();
        let first = date(2026, 2, 24).at(19, 0, 0, 0).to_zoned(ny.clone()).unwrap().timestamp();
        let starts = series(first, &ny, Every::Week, 4).unwrap();
        let local: Vec<String> =
            starts.iter().map(|t| t.to_zoned(ny.clone()).strftime("%m-%d %H:%M %Z").to_string()).collect();
        assert_eq!(local, ["02-24 19:00 EST", "03-03 19:00 EST", "03-10 19:00 EDT", "03-17 19:00 EDT"]);
        assert_eq!(series(first, &ny, Every::TwoWeeks, 3).unwrap().len(), 3);
        assert_eq!(series(first, &ny, Every::Week, 100).unwrap().len(), MAX_OCCURRENCES as usize);
    }

    #[test]
    fn a_time_the_clocks_skip_refuses_the_series() {
        // 02:30 on 2026-03-08 does not exist in New York: the third weekly session would move.
        let ny = jiff::tz::db().get("America/New_York").unwrap();
        let first = date(2026, 2, 22).at(2, 30, 0, 0).to_zoned(ny.clone()).unwrap().timestamp();
        assert_eq!(series(first, &ny, Every::Week, 4), Err(SkippedTime { date: date(2026, 3, 8) }));
        assert_eq!(series(first, &ny, Every::Week, 2).unwrap().len(), 2, "before the change it is fine");
        // 01:30 on 2026-11-01 happens twice: the first one is taken, every week at 01:30 EDT/EST.
        let first = date(2026, 10, 25).at(1, 30, 0, 0).to_zoned(ny.clone()).unwrap().timestamp();
        let starts = series(first, &ny, Every::Week, 2).unwrap();
        assert_eq!(starts[1].to_zoned(ny.clone()).strftime("%H:%M %Z").to_string(), "01:30 EDT");
    }
}

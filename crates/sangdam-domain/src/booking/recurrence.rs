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

/// The starts of a series of `count` sessions from `first`, at the same local time in `tz`. A
/// local time that does not exist on some date is moved forward, as clocks are; the caller checks
/// every start against the counselor's free slots, so such a start is refused rather than booked.
pub fn series(first: Timestamp, tz: &TimeZone, every: Every, count: u32) -> Vec<Timestamp> {
    let local = first.to_zoned(tz.clone()).datetime();
    (0..i64::from(count.min(MAX_OCCURRENCES)))
        .filter_map(|i| {
            let dt = local.checked_add(jiff::Span::new().days(i * every.days())).ok()?;
            dt.to_zoned(tz.clone()).ok().map(|z| z.timestamp())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;

    use super::*;

    #[test]
    fn the_local_time_holds_across_dst() {
        let ny = jiff::tz::db().get("America/New_York").unwrap();
        let first = date(2026, 2, 24).at(19, 0, 0, 0).to_zoned(ny.clone()).unwrap().timestamp();
        let starts = series(first, &ny, Every::Week, 4);
        let local: Vec<String> =
            starts.iter().map(|t| t.to_zoned(ny.clone()).strftime("%m-%d %H:%M %Z").to_string()).collect();
        assert_eq!(local, ["02-24 19:00 EST", "03-03 19:00 EST", "03-10 19:00 EDT", "03-17 19:00 EDT"]);
        assert_eq!(series(first, &ny, Every::TwoWeeks, 3).len(), 3);
        assert_eq!(series(first, &ny, Every::Week, 100).len(), MAX_OCCURRENCES as usize);
    }
}

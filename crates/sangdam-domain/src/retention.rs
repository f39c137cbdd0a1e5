//! How long what the product keeps is kept: the signed notes of a client who deleted their
//! account (years, as the law on medical records asks) and recordings (days). An admin sets both
//! in the product within these bounds; the settings file gives the defaults.

use std::ops::RangeInclusive;

/// Years a signed note may be kept after its client's account is deleted.
pub const NOTE_YEARS: RangeInclusive<i64> = 1..=50;

/// Days a recording may be kept.
pub const RECORDING_DAYS: RangeInclusive<i64> = 1..=3650;

/// Years typed by an admin, when within [`NOTE_YEARS`].
pub fn parse_note_years(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|y| NOTE_YEARS.contains(y))
}

/// Days typed by an admin, when within [`RECORDING_DAYS`].
pub fn parse_recording_days(s: &str) -> Option<i64> {
    s.trim().parse::<i64>().ok().filter(|d| RECORDING_DAYS.contains(d))
}

/// The moment before which a deleted client's signed notes are purged: `years` calendar years
/// before `now` (UTC; 29 February steps back to the 28th). The earliest time there is when the
/// span cannot be taken.
pub fn note_cutoff(now: i64, years: u32) -> i64 {
    let Ok(t) = jiff::Timestamp::from_second(now) else { return i64::MIN };
    let span = jiff::Span::new().years(i64::from(years));
    t.to_zoned(jiff::tz::TimeZone::UTC).checked_sub(span).map_or(i64::MIN, |z| z.timestamp().as_second())
}

/// The moment before which a recording is deleted: `days` whole days before `now`.
pub fn recording_cutoff(now: i64, days: u32) -> i64 {
    now - i64::from(days) * 86_400
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_and_cutoffs() {
        assert_eq!(parse_note_years(" 10 "), Some(10));
        for bad in ["0", "51", "ten", "", "-1"] {
            assert_eq!(parse_note_years(bad), None, "{bad}");
        }
        assert_eq!(parse_recording_days("3650"), Some(3650));
        assert_eq!(parse_recording_days("3651"), None);
        // 2028-02-29 minus one year is 2027-02-28.
        let leap = jiff::civil::date(2028, 2, 29).at(12, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap();
        let back = jiff::civil::date(2027, 2, 28).at(12, 0, 0, 0).to_zoned(jiff::tz::TimeZone::UTC).unwrap();
        assert_eq!(note_cutoff(leap.timestamp().as_second(), 1), back.timestamp().as_second());
        assert_eq!(recording_cutoff(1_000_000, 2), 1_000_000 - 172_800);
    }
}

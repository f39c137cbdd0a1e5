//! A moment as people read it in their language: `12월 7일 (월) 오전 11:00 KST`,
//! `Mon, Dec 7, 11:00 AM KST`, with the year only when it is not this year's. The zone's
//! abbreviation stays, since a visitor, a mail's reader and a counselor abroad may each read
//! another zone.

use crate::Language;

/// Weekday names from Monday, as a calendar's column heads and dates show them.
pub const KO_WEEKDAYS: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];
pub const EN_WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
/// Month names, in full (`January`) for a calendar's title; dates use their first three letters.
pub const EN_MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A time of day as people read it: `오전 9:00`, `9:00 AM` (noon is 12 PM, midnight 12 AM).
pub fn clock(lang: Language, hour: i8, minute: i8) -> String {
    let twelve = match hour % 12 {
        0 => 12,
        h => h,
    };
    match lang {
        Language::Ko => format!("{} {twelve}:{minute:02}", if hour < 12 { "오전" } else { "오후" }),
        Language::En => format!("{twelve}:{minute:02} {}", if hour < 12 { "AM" } else { "PM" }),
    }
}

/// A day as people read it: `12월 7일 (월)`, `Mon, Dec 7`.
pub fn day(lang: Language, d: jiff::civil::Date) -> String {
    let w = usize::from(d.weekday().to_monday_zero_offset().unsigned_abs()) % 7;
    match lang {
        Language::Ko => format!("{}월 {}일 ({})", d.month(), d.day(), KO_WEEKDAYS[w]),
        Language::En => format!("{}, {} {}", EN_WEEKDAYS[w], month_short(d), d.day()),
    }
}

fn month_short(d: jiff::civil::Date) -> &'static str {
    let m = EN_MONTHS[usize::from(d.month().unsigned_abs()).saturating_sub(1) % 12];
    &m[..3]
}

/// `at` in `zone`, for a reader of `lang` whose present is `now` (which decides whether the year
/// is shown).
pub fn moment(at: jiff::Timestamp, zone: &jiff::tz::TimeZone, lang: Language, now: jiff::Timestamp) -> String {
    let z = at.to_zoned(zone.clone());
    let this_year = now.to_zoned(zone.clone()).year() == z.year();
    let abbreviation = z.strftime("%Z").to_string();
    let time = clock(lang, z.hour(), z.minute());
    let d = z.date();
    match lang {
        Language::Ko if this_year => format!("{} {time} {abbreviation}", day(lang, d)),
        Language::Ko => format!("{}년 {} {time} {abbreviation}", z.year(), day(lang, d)),
        Language::En if this_year => format!("{}, {time} {abbreviation}", day(lang, d)),
        Language::En => format!("{}, {}, {time} {abbreviation}", day(lang, d), z.year()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn korean_and_english_as_people_write_them() {
        let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
        // 2026-12-07 11:00 and 23:05 in Seoul (a Monday).
        let at: jiff::Timestamp = "2026-12-07T02:00:00Z".parse().unwrap();
        let night: jiff::Timestamp = "2026-12-07T14:05:00Z".parse().unwrap();
        let now: jiff::Timestamp = "2026-12-06T00:00:00Z".parse().unwrap();
        assert_eq!(moment(at, &seoul, Language::Ko, now), "12월 7일 (월) 오전 11:00 KST");
        assert_eq!(moment(night, &seoul, Language::Ko, now), "12월 7일 (월) 오후 11:05 KST");
        assert_eq!(moment(at, &seoul, Language::En, now), "Mon, Dec 7, 11:00 AM KST");
        // Another year is named; noon and midnight read as people say them.
        let next_year: jiff::Timestamp = "2027-01-01T03:00:00Z".parse().unwrap();
        assert_eq!(moment(next_year, &seoul, Language::Ko, now), "2027년 1월 1일 (금) 오후 12:00 KST");
        assert_eq!(moment(next_year, &seoul, Language::En, now), "Fri, Jan 1, 2027, 12:00 PM KST");
        let midnight: jiff::Timestamp = "2026-12-07T15:00:00Z".parse().unwrap();
        assert_eq!(moment(midnight, &seoul, Language::En, now), "Tue, Dec 8, 12:00 AM KST");
    }
}

//! A moment as people read it in their language: `12월 7일 (월) 오전 11:00 KST`,
//! `Mon, Dec 7, 11:00 AM KST`, with the year only when it is not this year's. The zone's
//! abbreviation stays, since a visitor, a mail's reader and a counselor abroad may each read
//! another zone.

use crate::Language;

const KO_WEEKDAYS: [&str; 7] = ["월", "화", "수", "목", "금", "토", "일"];
const EN_WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
const EN_MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `at` in `zone`, for a reader of `lang` whose present is `now` (which decides whether the year
/// is shown).
pub fn moment(at: jiff::Timestamp, zone: &jiff::tz::TimeZone, lang: Language, now: jiff::Timestamp) -> String {
    let z = at.to_zoned(zone.clone());
    let this_year = now.to_zoned(zone.clone()).year() == z.year();
    let weekday = usize::from(z.weekday().to_monday_zero_offset().unsigned_abs());
    let (hour, minute) = (z.hour(), z.minute());
    let abbreviation = z.strftime("%Z").to_string();
    let twelve = match hour % 12 {
        0 => 12,
        h => h,
    };
    match lang {
        Language::Ko => {
            let year = if this_year { String::new() } else { format!("{}년 ", z.year()) };
            let half = if hour < 12 { "오전" } else { "오후" };
            format!(
                "{year}{}월 {}일 ({}) {half} {twelve}:{minute:02} {abbreviation}",
                z.month(),
                z.day(),
                KO_WEEKDAYS[weekday % 7]
            )
        }
        Language::En => {
            let year = if this_year { String::new() } else { format!(", {}", z.year()) };
            let half = if hour < 12 { "AM" } else { "PM" };
            let month = EN_MONTHS[usize::from(z.month().unsigned_abs()).saturating_sub(1) % 12];
            format!(
                "{}, {month} {}{year}, {twelve}:{minute:02} {half} {abbreviation}",
                EN_WEEKDAYS[weekday % 7],
                z.day()
            )
        }
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

//! Free slots: where a session of a given length can start.
//!
//! Slots lie on a grid in the counselor's local wall-clock time: from the start of each working
//! span, one every `duration + buffer` minutes. Each grid time is turned into an instant in the
//! counselor's time zone. A local time that does not exist (the hour skipped when clocks spring
//! forward) yields no slot; a local time that happens twice (clocks falling back) yields the
//! earlier instant only; and a grid time that, through such a change, would start before the
//! previous one ends is dropped, so slots never overlap. The grid does not depend on the query,
//! so the slot a client saw is recognized again when they book it.

use std::collections::HashMap;

use jiff::civil::Date;
use jiff::tz::AmbiguousOffset;
use jiff::{SignedDuration, Timestamp};

use super::availability::Availability;

/// A time the counselor is not free (an appointment), `[start, end)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Busy {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slot {
    pub start: Timestamp,
    pub end: Timestamp,
}

#[derive(Debug, Clone, Copy)]
pub struct SlotQuery {
    pub now: Timestamp,
    pub duration_minutes: u32,
    /// Search from here (never earlier than now plus the minimum notice).
    pub from: Timestamp,
    /// Search up to here (never later than the booking horizon).
    pub until: Option<Timestamp>,
    pub limit: usize,
}

fn minutes(m: u32) -> SignedDuration {
    SignedDuration::from_mins(i64::from(m))
}

/// The busy times, sorted, with a running maximum of their ends, so that "does anything overlap
/// this span" is one binary search even for a counselor with years of appointments.
struct BusyIndex {
    starts: Vec<Timestamp>,
    max_end: Vec<Timestamp>,
}

impl BusyIndex {
    fn new(busy: &[Busy]) -> Self {
        let mut sorted: Vec<Busy> = busy.to_vec();
        sorted.sort_by_key(|b| b.start);
        let mut max_end = Vec::with_capacity(sorted.len());
        let mut running: Option<Timestamp> = None;
        for b in &sorted {
            let m = running.map_or(b.end, |r| r.max(b.end));
            running = Some(m);
            max_end.push(m);
        }
        Self { starts: sorted.iter().map(|b| b.start).collect(), max_end }
    }

    /// Whether any busy span, widened by `buffer` on both sides, overlaps `[start, end)`.
    fn overlaps(&self, start: Timestamp, end: Timestamp, buffer: SignedDuration) -> bool {
        // Busy spans that start before `end + buffer` are the only candidates; among them, the
        // latest end decides.
        let limit = end.checked_add(buffer).unwrap_or(end);
        let n = self.starts.partition_point(|s| *s < limit);
        n > 0 && self.max_end[n - 1].checked_add(buffer).unwrap_or(self.max_end[n - 1]) > start
    }
}

/// The grid of one local date: every slot the counselor's hours allow, before any filter.
fn day_grid(av: &Availability, date: Date, duration: u32) -> Vec<Slot> {
    let step = duration + av.rules.buffer_minutes;
    let mut out: Vec<Slot> = Vec::new();
    for interval in av.day_intervals(date) {
        let mut t = u32::from(interval.start());
        while t + duration <= u32::from(interval.end()) {
            let local = date.at((t / 60) as i8, (t % 60) as i8, 0, 0);
            let ambiguous = av.timezone.to_ambiguous_timestamp(local);
            let start = match ambiguous.offset() {
                AmbiguousOffset::Unambiguous { .. } | AmbiguousOffset::Fold { .. } => ambiguous.earlier().ok(),
                AmbiguousOffset::Gap { .. } => None,
            };
            if let Some(start) = start
                && let Ok(end) = start.checked_add(minutes(duration))
            {
                let clear = out.last().is_none_or(|prev| {
                    prev.end.checked_add(minutes(av.rules.buffer_minutes)).is_ok_and(|after| start >= after)
                });
                if clear {
                    out.push(Slot { start, end });
                }
            }
            t += step.max(1);
        }
    }
    out
}

/// The free slots for a session of `q.duration_minutes`, earliest first, at most `q.limit`.
pub fn free_slots(av: &Availability, busy: &[Busy], q: &SlotQuery) -> Vec<Slot> {
    let rules = &av.rules;
    let Ok(earliest) = q.now.checked_add(minutes(rules.min_notice_minutes)) else { return vec![] };
    let earliest = earliest.max(q.from);
    let Ok(horizon) = q.now.checked_add(SignedDuration::from_hours(24 * i64::from(rules.horizon_days))) else {
        return vec![];
    };
    let latest = q.until.map_or(horizon, |u| u.min(horizon));
    if earliest > latest || q.duration_minutes == 0 || q.limit == 0 {
        return vec![];
    }
    let index = BusyIndex::new(busy);
    let buffer = minutes(rules.buffer_minutes);
    let tz = &av.timezone;
    let first_day = earliest.to_zoned(tz.clone()).date().yesterday().unwrap_or(earliest.to_zoned(tz.clone()).date());
    let last_day = latest.to_zoned(tz.clone()).date();

    // Sessions already booked per local date, for the daily cap.
    let mut per_day: HashMap<Date, u32> = HashMap::new();
    if rules.daily_cap.is_some() {
        for b in busy {
            let d = b.start.to_zoned(tz.clone()).date();
            if d >= first_day && d <= last_day {
                *per_day.entry(d).or_default() += 1;
            }
        }
    }

    let mut out = Vec::new();
    let mut date = first_day;
    while date <= last_day {
        let capped = rules.daily_cap.is_some_and(|cap| per_day.get(&date).copied().unwrap_or(0) >= cap);
        if !capped {
            for slot in day_grid(av, date, q.duration_minutes) {
                if slot.start < earliest || slot.start > latest || index.overlaps(slot.start, slot.end, buffer) {
                    continue;
                }
                out.push(slot);
                if out.len() >= q.limit {
                    return out;
                }
            }
        }
        let Ok(next) = date.tomorrow() else { break };
        date = next;
    }
    out
}

/// Whether a session of `duration_minutes` may start exactly at `start` now: the same answer the
/// slot list gives, so a tampered or stale slot is refused.
pub fn is_free_slot(av: &Availability, busy: &[Busy], start: Timestamp, duration_minutes: u32, now: Timestamp) -> bool {
    let q = SlotQuery { now, duration_minutes, from: start, until: Some(start), limit: 1 };
    free_slots(av, busy, &q).first().is_some_and(|s| s.start == start)
}

#[cfg(test)]
mod tests {
    use jiff::civil::date;
    use jiff::tz::TimeZone;

    use super::*;
    use crate::booking::availability::{BookingRules, Interval, WeeklyHours};

    fn tz(name: &str) -> TimeZone {
        jiff::tz::db().get(name).unwrap()
    }

    fn every_day(start: &str, end: &str) -> WeeklyHours {
        let day = vec![Interval::parse(start, end).unwrap()];
        WeeklyHours(std::array::from_fn(|_| day.clone()))
    }

    fn availability(zone: &str, weekly: WeeklyHours, rules: BookingRules) -> Availability {
        Availability { timezone: tz(zone), weekly, exceptions: vec![], rules }
    }

    fn no_rules() -> BookingRules {
        BookingRules {
            buffer_minutes: 0,
            min_notice_minutes: 0,
            horizon_days: 60,
            daily_cap: None,
            cancel_window_hours: 24,
        }
    }

    fn at(zone: &str, y: i16, mo: i8, d: i8, h: i8, mi: i8) -> Timestamp {
        date(y, mo, d).at(h, mi, 0, 0).to_zoned(tz(zone)).unwrap().timestamp()
    }

    #[test]
    fn a_seoul_counselor_seen_from_new_york() {
        let av =
            availability("Asia/Seoul", WeeklyHours::office_hours(), BookingRules { buffer_minutes: 10, ..no_rules() });
        // Monday 2026-12-07 09:00 in Seoul is Sunday 19:00 in New York.
        let now = at("America/New_York", 2026, 12, 6, 8, 0);
        let q = SlotQuery { now, duration_minutes: 50, from: now, until: None, limit: 3 };
        let slots = free_slots(&av, &[], &q);
        let ny: Vec<String> = slots
            .iter()
            .map(|s| s.start.to_zoned(tz("America/New_York")).strftime("%a %H:%M %Z").to_string())
            .collect();
        assert_eq!(ny, ["Sun 19:00 EST", "Sun 20:00 EST", "Sun 21:00 EST"]);
    }

    #[test]
    fn a_local_time_that_does_not_exist_gives_no_slot() {
        // New York springs forward on 2026-03-08: 02:00 becomes 03:00.
        let av = availability("America/New_York", every_day("00:00", "05:00"), no_rules());
        let now = at("America/New_York", 2026, 3, 7, 12, 0);
        let until = at("America/New_York", 2026, 3, 8, 6, 0);
        let q = SlotQuery {
            now,
            duration_minutes: 60,
            from: at("America/New_York", 2026, 3, 8, 0, 0),
            until: Some(until),
            limit: 10,
        };
        let local: Vec<String> = free_slots(&av, &[], &q)
            .iter()
            .map(|s| s.start.to_zoned(tz("America/New_York")).strftime("%H:%M %Z").to_string())
            .collect();
        assert_eq!(local, ["00:00 EST", "01:00 EST", "03:00 EDT", "04:00 EDT"]);
    }

    #[test]
    fn a_local_time_that_happens_twice_gives_one_slot() {
        // New York falls back on 2026-11-01: 01:00-02:00 happens twice.
        let av = availability("America/New_York", every_day("00:00", "04:00"), no_rules());
        let now = at("America/New_York", 2026, 10, 31, 12, 0);
        let q = SlotQuery {
            now,
            duration_minutes: 60,
            from: now,
            until: Some(at("America/New_York", 2026, 11, 1, 5, 0)),
            limit: 10,
        };
        let slots = free_slots(&av, &[], &q);
        let local: Vec<String> =
            slots.iter().map(|s| s.start.to_zoned(tz("America/New_York")).strftime("%H:%M %Z").to_string()).collect();
        assert_eq!(local, ["00:00 EDT", "01:00 EDT", "02:00 EST", "03:00 EST"]);
        for pair in slots.windows(2) {
            assert!(pair[0].end <= pair[1].start);
        }
    }

    #[test]
    fn notice_horizon_buffer_busy_and_cap() {
        let rules = BookingRules {
            buffer_minutes: 15,
            min_notice_minutes: 12 * 60,
            horizon_days: 2,
            daily_cap: Some(2),
            cancel_window_hours: 24,
        };
        let av = availability("Asia/Seoul", every_day("09:00", "12:00"), rules);
        let now = at("Asia/Seoul", 2026, 12, 7, 20, 0);
        let busy = [Busy { start: at("Asia/Seoul", 2026, 12, 8, 9, 0), end: at("Asia/Seoul", 2026, 12, 8, 9, 50) }];
        let q = SlotQuery { now, duration_minutes: 50, from: now, until: None, limit: 100 };
        let slots = free_slots(&av, &busy, &q);
        let local: Vec<String> =
            slots.iter().map(|s| s.start.to_zoned(tz("Asia/Seoul")).strftime("%m-%d %H:%M").to_string()).collect();
        // Dec 8: 09:00 is booked; 10:05 starts exactly when its 15-minute buffer ends, and the cap
        // of two a day still allows one more. Dec 9 is within the two-day horizon, Dec 10 is not.
        assert_eq!(local, ["12-08 10:05", "12-08 11:10", "12-09 09:00", "12-09 10:05", "12-09 11:10"]);
        let capped =
            [busy[0], Busy { start: at("Asia/Seoul", 2026, 12, 8, 11, 10), end: at("Asia/Seoul", 2026, 12, 8, 12, 0) }];
        let slots = free_slots(&av, &capped, &q);
        assert!(slots.iter().all(|s| s.start >= at("Asia/Seoul", 2026, 12, 9, 0, 0)), "Dec 8 has reached its cap");
        assert!(is_free_slot(&av, &busy, at("Asia/Seoul", 2026, 12, 9, 9, 0), 50, now));
        assert!(!is_free_slot(&av, &busy, at("Asia/Seoul", 2026, 12, 9, 9, 1), 50, now), "off the grid");
        assert!(!is_free_slot(&av, &busy, at("Asia/Seoul", 2026, 12, 8, 9, 0), 50, now), "taken");
        assert!(!is_free_slot(&av, &busy, at("Asia/Seoul", 2026, 12, 7, 21, 0), 50, now), "too soon and outside hours");
        assert!(!is_free_slot(&av, &busy, at("Asia/Seoul", 2026, 12, 10, 9, 0), 50, now), "beyond the horizon");
    }

    mod properties {
        use proptest::prelude::*;

        use super::*;
        use crate::booking::availability::{DateException, ExceptionKind};

        const ZONES: &[&str] = &[
            "Asia/Seoul",
            "America/New_York",
            "Europe/London",
            "Australia/Sydney",
            "Asia/Kolkata",
            "Pacific/Chatham",
            "America/Santiago",
            "UTC",
        ];

        fn interval() -> impl Strategy<Value = Interval> {
            (0u16..1380, 15u16..600).prop_map(|(s, len)| Interval::new(s, (s + len).min(1440)).unwrap())
        }

        fn weekly() -> impl Strategy<Value = WeeklyHours> {
            proptest::collection::vec(proptest::collection::vec(interval(), 0..3), 7)
                .prop_map(|days| WeeklyHours(std::array::from_fn(|i| days[i].clone())))
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(300))]

            #[test]
            fn slots_obey_every_rule(
                zone in proptest::sample::select(ZONES),
                weekly in weekly(),
                // Any time in 2026, so DST changes in every zone are crossed.
                now_secs in 1_767_225_600i64..1_798_761_600,
                duration in proptest::sample::select(&[30u32, 45, 50, 60, 90][..]),
                buffer in 0u32..30,
                notice in 0u32..(48 * 60),
                horizon in 1u32..20,
                cap in proptest::option::of(1u32..5),
                busy_offsets in proptest::collection::vec((0i64..(20 * 24 * 60), 15i64..180), 0..15),
                off in proptest::option::of((0i64..20, interval())),
            ) {
                let now = Timestamp::from_second(now_secs).unwrap();
                let rules = BookingRules { buffer_minutes: buffer, min_notice_minutes: notice, horizon_days: horizon, daily_cap: cap, cancel_window_hours: 24 };
                let mut av = availability(zone, weekly, rules);
                if let Some((days, interval)) = off {
                    let d = now.to_zoned(av.timezone.clone()).date().checked_add(jiff::Span::new().days(days)).unwrap();
                    av.exceptions.push(DateException { date: d, kind: ExceptionKind::Off, interval });
                }
                let busy: Vec<Busy> = busy_offsets.iter().map(|(off, len)| {
                    let start = now.checked_add(SignedDuration::from_mins(*off)).unwrap();
                    Busy { start, end: start.checked_add(SignedDuration::from_mins(*len)).unwrap() }
                }).collect();
                let q = SlotQuery { now, duration_minutes: duration, from: now, until: None, limit: 500 };
                let slots = free_slots(&av, &busy, &q);
                let buf = SignedDuration::from_mins(i64::from(buffer));
                for (i, s) in slots.iter().enumerate() {
                    prop_assert_eq!(s.end.duration_since(s.start), SignedDuration::from_mins(i64::from(duration)));
                    prop_assert!(s.start >= now.checked_add(SignedDuration::from_mins(i64::from(notice))).unwrap());
                    prop_assert!(s.start <= now.checked_add(SignedDuration::from_hours(24 * i64::from(horizon))).unwrap());
                    // Free slots are alternatives: two may sit closer than the buffer across midnight
                    // (booking one makes the other collide with it), but they never overlap.
                    if i > 0 {
                        prop_assert!(slots[i - 1].end <= s.start, "slots overlap");
                    }
                    for b in &busy {
                        let clear = s.end.checked_add(buf).unwrap() <= b.start || b.end.checked_add(buf).unwrap() <= s.start;
                        prop_assert!(clear, "slot overlaps an appointment");
                    }
                    // The local start is a real wall-clock time inside the day's hours.
                    let local = s.start.to_zoned(av.timezone.clone());
                    let minute = u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap();
                    let inside = av.day_intervals(local.date()).iter().any(|iv| iv.start() <= minute && minute < iv.end());
                    prop_assert!(inside, "slot outside working hours");
                    if let Some(cap) = cap {
                        let booked = busy.iter().filter(|b| b.start.to_zoned(av.timezone.clone()).date() == local.date()).count();
                        prop_assert!((booked as u32) < cap, "daily cap exceeded");
                    }
                    prop_assert!(is_free_slot(&av, &busy, s.start, duration, now), "a listed slot is refused at booking");
                    let tampered = s.start.checked_add(SignedDuration::from_mins(1)).unwrap();
                    prop_assert!(!is_free_slot(&av, &busy, tampered, duration, now), "a time off the grid is accepted");
                }
            }
        }
    }
}

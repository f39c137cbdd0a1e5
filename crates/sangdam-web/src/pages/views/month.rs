//! The month calendar a client picks a time from, for booking and for moving an appointment: the
//! days with free times marked across the whole booking horizon, then the chosen day's times in
//! the morning and the afternoon. Everything is in the viewer's time zone.

use jiff::civil::Date;
use sangdam_domain::Language;
use sangdam_domain::booking::Slot;
use sangdam_domain::when::{EN_MONTHS, EN_WEEKDAYS, KO_WEEKDAYS, clock, day as day_title};

use crate::ctx::Ctx;

/// One day of the grid.
pub struct DayCell {
    pub date: String,
    pub day: i8,
    pub free: bool,
    pub today: bool,
    pub chosen: bool,
}

/// A time of the chosen day: its start (Unix seconds) and how it reads (`오전 9:00`, `9:00 AM`).
pub struct TimeChoice {
    pub start: i64,
    pub label: String,
}

pub struct MonthView {
    /// `2027-01`, for links.
    pub month: String,
    /// `2027년 1월`, `January 2027`.
    pub title: String,
    pub weekdays: [&'static str; 7],
    /// Weeks from Monday; `None` outside the month.
    pub weeks: Vec<Vec<Option<DayCell>>>,
    pub prev: Option<String>,
    pub next: Option<String>,
    /// The chosen day (`12월 7일 (월)`) and its times.
    pub day_title: Option<String>,
    pub morning: Vec<TimeChoice>,
    pub afternoon: Vec<TimeChoice>,
}

/// The month a `month=2027-01` query names, or the one `today` is in; never before `today`'s
/// month nor after `last`'s.
pub fn chosen_month(query: &str, today: Date, last: Date) -> Date {
    let first = |d: Date| d.first_of_month();
    let asked = format!("{}-01", query.trim()).parse::<Date>().ok().map(first).unwrap_or(first(today));
    asked.clamp(first(today), first(last))
}

/// The grid of `month` (its first day) with the days that have one of `slots` marked, and the
/// times of `day` when it is one of them.
pub fn view(ctx: &Ctx, month: Date, today: Date, last: Date, slots: &[Slot], day: Option<Date>) -> MonthView {
    let zone = ctx.timezone().to_jiff();
    let local = |s: &Slot| s.start.to_zoned(zone.clone());
    let free: std::collections::BTreeSet<Date> = slots.iter().map(|s| local(s).date()).collect();
    let day = day.filter(|d| free.contains(d));
    let lead = usize::from(month.weekday().to_monday_zero_offset().unsigned_abs());
    let mut cells: Vec<Option<DayCell>> = (0..lead).map(|_| None).collect();
    let mut d = month;
    while d.month() == month.month() {
        cells.push(Some(DayCell {
            date: d.to_string(),
            day: d.day(),
            free: free.contains(&d),
            today: d == today,
            chosen: Some(d) == day,
        }));
        match d.tomorrow() {
            Ok(next) => d = next,
            Err(_) => break,
        }
    }
    while !cells.len().is_multiple_of(7) {
        cells.push(None);
    }
    let weeks = cells.chunks(7).map(|w| w.iter().map(|c| c.as_ref().map(copy)).collect()).collect();
    let step = |months: i32| month.checked_add(jiff::Span::new().months(months)).ok();
    let prev = step(-1).filter(|p| *p >= today.first_of_month()).map(|p| p.strftime("%Y-%m").to_string());
    let next = step(1).filter(|n| *n <= last.first_of_month()).map(|n| n.strftime("%Y-%m").to_string());
    let (mut morning, mut afternoon) = (Vec::new(), Vec::new());
    if let Some(chosen) = day {
        for s in slots.iter().filter(|s| local(s).date() == chosen) {
            let z = local(s);
            let choice = TimeChoice { start: s.start.as_second(), label: clock(ctx.lang(), z.hour(), z.minute()) };
            if z.hour() < 12 { morning.push(choice) } else { afternoon.push(choice) }
        }
    }
    MonthView {
        month: month.strftime("%Y-%m").to_string(),
        title: match ctx.lang() {
            Language::Ko => format!("{}년 {}월", month.year(), month.month()),
            Language::En => {
                format!(
                    "{} {}",
                    EN_MONTHS[usize::from(month.month().unsigned_abs()).saturating_sub(1) % 12],
                    month.year()
                )
            }
        },
        weekdays: match ctx.lang() {
            Language::Ko => KO_WEEKDAYS,
            Language::En => EN_WEEKDAYS,
        },
        weeks,
        prev,
        next,
        day_title: day.map(|d| day_title(ctx.lang(), d)),
        morning,
        afternoon,
    }
}

fn copy(c: &DayCell) -> DayCell {
    DayCell { date: c.date.clone(), day: c.day, free: c.free, today: c.today, chosen: c.chosen }
}

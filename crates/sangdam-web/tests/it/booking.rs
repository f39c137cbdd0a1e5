//! Booking over HTTP: the directory, booking one session and a series, 200 concurrent bookings of
//! one slot, cancel and reschedule against the policy window, counselor approval and cancellation,
//! the waitlist, calendar files and feeds, reminders through restarts, and bad input.

use sangdam_domain::booking::{BookingRules, Interval, SessionKind, WeeklyHours};
use sangdam_domain::{Currency, Language, Money, Role, UserId};
use sangdam_store::{CounselorProfile, Offering};

use crate::helpers::{TestApp, between, location};
use crate::{db_test, db_test_each_weekday};

const HOUR: i64 = 3600;
const DAY: i64 = 86_400;

/// A published counselor who offers 50-minute video sessions for 50,000 won, every day 09:00 to
/// 18:00 Seoul time, with the default rules but no daily cap.
pub async fn counselor(app: &TestApp, email: &str, edit: impl FnOnce(&mut CounselorProfile)) -> UserId {
    let id = app.create_user(Role::Counselor, email).await;
    let mut p = CounselorProfile::new(id.clone());
    p.published = true;
    p.bio_ko = "마음이 편안한 상담".into();
    p.languages = vec![Language::Ko, Language::En];
    p.specialties = vec!["anxiety".into()];
    let day = vec![Interval::new(9 * 60, 18 * 60).unwrap()];
    p.weekly = WeeklyHours([day.clone(), day.clone(), day.clone(), day.clone(), day.clone(), day.clone(), day]);
    p.rules = BookingRules { daily_cap: None, ..BookingRules::default() };
    p.offerings = vec![Offering {
        kind: SessionKind::Video,
        duration_minutes: 50,
        price: Money::from_minor(50_000, Currency::Krw).unwrap(),
    }];
    edit(&mut p);
    app.store.save_counselor_profile(&p, app.clock.now(), &sangdam_store::Effects::default()).await.unwrap();
    id
}

/// The bookable starts listed on a counselor's page (in the order shown).
pub async fn listed_slots(app: &TestApp, client: &reqwest::Client, counselor: &UserId) -> Vec<i64> {
    let (status, html) = app.get_html(client, &format!("/counselors/{counselor}")).await;
    assert_eq!(status, 200);
    html.split("&amp;start=").skip(1).filter_map(|p| p.split('"').next()?.parse().ok()).collect()
}

pub async fn book(
    app: &TestApp,
    client: &reqwest::Client,
    counselor: &UserId,
    start: i64,
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let start = start.to_string();
    let mut fields =
        vec![("kind", "video"), ("start", start.as_str()), ("terms", "on"), ("reason", "잠이 잘 오지 않아요")];
    fields.extend_from_slice(extra);
    app.post(client, &format!("/counselors/{counselor}/book"), &fields).await
}

pub async fn appointments_of(app: &TestApp, counselor: &UserId) -> Vec<sangdam_store::AppointmentRecord> {
    let now = app.clock.now();
    app.store.counselor_appointments(counselor, now - 400 * DAY, now + 400 * DAY, false).await.unwrap()
}

/// The text/calendar attachment of a mail, unfolded.
pub fn ics_of(mail: &sangdam_store::MailRecord) -> String {
    let a = mail.attachment.as_ref().expect("a calendar attachment");
    assert!(a.content_type.starts_with("text/calendar"), "{}", a.content_type);
    String::from_utf8(a.data.clone()).unwrap().replace("\r\n ", "")
}

pub fn ics_time(unix: i64) -> String {
    jiff::Timestamp::from_second(unix).unwrap().strftime("%Y%m%dT%H%M%SZ").to_string()
}

db_test!(two_hundred_concurrent_bookings_of_one_slot_one_wins, async |app: &TestApp| {
    let c = counselor(app, "jung@example.com", |_| {}).await;
    // Twenty clients, each sending ten requests at once: 200 requests for the same slot.
    let mut clients = Vec::new();
    for i in 0..20 {
        clients.push(app.signed_in(Role::Client, &format!("client{i}@example.com")).await.0);
    }
    let start = listed_slots(app, &clients[0], &c).await[0];
    let mut tokens = Vec::new();
    for client in &clients {
        tokens.push(app.csrf(client).await);
    }
    let url = app.url(&format!("/counselors/{c}/book"));
    let mut tasks = Vec::new();
    for (client, token) in clients.iter().zip(&tokens) {
        for _ in 0..10 {
            let (client, token, url) = (client.clone(), token.clone(), url.clone());
            let start = start.to_string();
            tasks.push(tokio::spawn(async move {
                let fields = [("kind", "video"), ("start", start.as_str()), ("terms", "on"), ("csrf", token.as_str())];
                let r = client.post(url).form(&fields).send().await.unwrap();
                (r.status().as_u16(), r.text().await.unwrap())
            }));
        }
    }
    let mut won = 0;
    let mut taken = 0;
    for t in tasks {
        let (status, body) = t.await.unwrap();
        match status {
            303 => won += 1,
            409 => {
                assert!(body.contains("방금 다른 분이 예약했거나"), "the loser is told the time was just taken");
                assert!(body.contains("id=\"alternatives\""), "and shown the next free times");
                taken += 1;
            }
            other => panic!("unexpected answer {other}: {body}"),
        }
    }
    assert_eq!((won, taken), (1, 199));
    let booked = appointments_of(app, &c).await;
    assert_eq!(booked.len(), 1, "exactly one appointment exists");
    assert_eq!(booked[0].starts_at, start);
});

db_test_each_weekday!(a_client_books_moves_and_cancels_with_calendar_files, async |app: &TestApp| {
    // Two days' notice, so that the first free time is outside the 24-hour change window.
    let c = counselor(app, "han@example.com", |p| p.rules.min_notice_minutes = 48 * 60).await;
    let (client, client_id) = app.signed_in(Role::Client, "mina@example.com").await;

    // The directory finds the counselor by specialty and shows the next free time.
    let (status, html) = app.get_html(&client, "/counselors?specialty=anxiety&kind=video&within=7").await;
    assert_eq!(status, 200);
    assert!(html.contains(&format!("/counselors/{c}\"")), "listed");
    let slots = listed_slots(app, &client, &c).await;
    assert!(!slots.is_empty());
    let first = slots[0];
    assert!(first >= app.clock.now() + 48 * HOUR, "minimum notice is kept");

    let (status, html) = app.get_html(&client, &format!("/counselors/{c}/book?kind=video&start={first}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("KST"), "the time is shown with its zone named");
    let r = book(app, &client, &c, first, &[("first_time", "on")]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(location(&r), "/appointments?booked=1");
    let list = appointments_of(app, &c).await;
    assert_eq!(list.len(), 1);
    let a = &list[0];
    assert_eq!(a.client_id, client_id);
    assert_eq!(a.status.as_str(), "confirmed");
    assert_eq!(a.ends_at - a.starts_at, 50 * 60);
    assert_ne!(a.reason.as_deref(), Some("잠이 잘 오지 않아요".as_bytes()), "the reason is stored encrypted");

    // Both sides get a REQUEST with a stable UID.
    for who in ["mina@example.com", "han@example.com"] {
        let mails = app.mails_to(who).await;
        assert_eq!(mails.len(), 1, "one mail each");
        let ics = ics_of(&mails[0]);
        assert!(ics.contains("METHOD:REQUEST"), "{ics}");
        assert!(ics.contains(&format!("UID:{}@sangdam", a.id)));
        assert!(ics.contains("SEQUENCE:0"));
        assert!(ics.contains(&format!("DTSTART:{}", ics_time(first))));
        assert!(ics.contains(&format!("DTEND:{}", ics_time(first + 50 * 60))));
        // Neither side learns the other's sign-in address from the calendar file.
        let other = if who == "han@example.com" { "mina@example.com" } else { "han@example.com" };
        assert!(!ics.contains(other), "{ics}");
    }
    let (_, mine) = app.get_html(&client, "/appointments").await;
    assert!(mine.contains(&format!("id=\"a-{}\"", a.id)));

    // Move it to the next free slot that does not overlap the current one.
    // The month calendar shows a day's times once the day is chosen: the next day's.
    let next_day = jiff::Timestamp::from_second(first + DAY)
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap())
        .date();
    let (status, html) = app
        .get_html(
            &client,
            &format!("/appointments/{}/reschedule?month={}&day={next_day}", a.id, next_day.strftime("%Y-%m")),
        )
        .await;
    assert_eq!(status, 200);
    let later: i64 = html
        .split("name=\"start\" value=\"")
        .skip(1)
        .filter_map(|p| p.split('"').next()?.parse().ok())
        .find(|s: &i64| *s >= first + DAY)
        .unwrap();
    // A chosen time is confirmed on its own page first; nothing moves before that.
    let r = app.post(&client, &format!("/appointments/{}/reschedule", a.id), &[("start", &later.to_string())]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains(r#"id="move-confirm""#));
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().starts_at, first, "not moved yet");
    let r = app
        .post(
            &client,
            &format!("/appointments/{}/reschedule", a.id),
            &[("start", &later.to_string()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let moved = app.store.appointment(&a.id).await.unwrap().unwrap();
    assert_eq!(moved.starts_at, later);
    // Mails queued within one second have no order among themselves; find each by its subject.
    let mail = |who: &'static str, subject: &'static str| async move {
        app.mails_to(who).await.into_iter().find(|m| m.subject.contains(subject)).expect(subject)
    };
    let ics = ics_of(&mail("mina@example.com", "시간 변경").await);
    assert!(ics.contains("SEQUENCE:1") && ics.contains(&format!("UID:{}@sangdam", a.id)));
    assert!(ics.contains(&format!("DTSTART:{}", ics_time(later))));

    // The freed time can be booked again by someone else.
    let (other, _) = app.signed_in(Role::Client, "joon@example.com").await;
    assert_eq!(book(app, &other, &c, first, &[]).await.status(), 303);

    // Cancelling asks first, with a place for a reason; a post without the answer cancels nothing.
    let (status, page) = app.get_html(&client, &format!("/appointments/{}/cancel", a.id)).await;
    assert!(status == 200 && page.contains(r#"id="cancel-confirm""#) && page.contains(r#"name="reason""#));
    let r = app.post(&client, &format!("/appointments/{}/cancel", a.id), &[("reason", "일정이 생겼어요")]).await;
    assert_eq!(r.status(), 200);
    assert!(r.text().await.unwrap().contains("일정이 생겼어요"), "the reason is kept on the page");
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().status.as_str(), "confirmed");
    let long = "가".repeat(501);
    let r =
        app.post(&client, &format!("/appointments/{}/cancel", a.id), &[("reason", &long), ("confirm", "yes")]).await;
    assert_eq!(r.status(), 422, "a reason over 500 characters is refused");
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().status.as_str(), "confirmed");
    // Cancel well before the window: cancelled, and a CANCEL goes out with the reason.
    let r = app
        .post(&client, &format!("/appointments/{}/cancel", a.id), &[("reason", "일정이 생겼어요"), ("confirm", "yes")])
        .await;
    assert_eq!(r.status(), 303);
    let cancelled = app.store.appointment(&a.id).await.unwrap().unwrap();
    assert_eq!(cancelled.status.as_str(), "cancelled");
    let ics = ics_of(&mail("han@example.com", "취소").await);
    assert!(ics.contains("METHOD:CANCEL") && ics.contains("SEQUENCE:2") && ics.contains("STATUS:CANCELLED"), "{ics}");
    assert!(mail("han@example.com", "취소").await.body.contains("사유: 일정이 생겼어요"));
});

db_test_each_weekday!(late_cancellation_is_recorded_and_moving_is_refused_inside_the_window, async |app: &TestApp| {
    let c = counselor(app, "kim@example.com", |_| {}).await;
    let (client, _) = app.signed_in(Role::Client, "sora@example.com").await;
    let start = listed_slots(app, &client, &c).await[0];
    assert_eq!(book(app, &client, &c, start, &[]).await.status(), 303);
    let id = appointments_of(app, &c).await[0].id.clone();
    // Twenty-three hours before the start: inside the default 24-hour window.
    app.clock.advance(start - 23 * HOUR - app.clock.now());
    // That may be hours later: the client signs in again.
    assert_eq!(app.signin(&client, "sora@example.com", crate::helpers::PASSWORD).await.status(), 303);
    let (_, mine) = app.get_html(&client, "/appointments").await;
    assert!(mine.contains("늦은 취소로 기록되고"), "the client is warned before cancelling late");
    let r = app
        .post(
            &client,
            &format!("/appointments/{id}/reschedule"),
            &[("start", &(start + DAY).to_string()), ("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), 400, "moving inside the window is refused");
    assert_eq!(app.store.appointment(&id).await.unwrap().unwrap().starts_at, start, "nothing changed");
    assert_eq!(app.post(&client, &format!("/appointments/{id}/cancel"), &[("confirm", "yes")]).await.status(), 303);
    assert_eq!(app.store.appointment(&id).await.unwrap().unwrap().status.as_str(), "late_cancelled");
    // Both mails name it a late cancellation, and a cancellation with no reason shows none.
    for email in ["sora@example.com", "kim@example.com"] {
        let mut mail = None;
        for _ in 0..100 {
            mail = app.mails_to(email).await.into_iter().find(|m| m.subject.contains("취소"));
            if mail.is_some() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        let mail = mail.expect("the cancellation is mailed");
        assert!(mail.subject.contains("늦은 예약 취소"), "{}", mail.subject);
        assert!(mail.body.contains("늦은 취소") && !mail.body.contains("사유"), "{}", mail.body);
    }

    // The counselor sees it in the calendar.
    let (counselor_client, _) = (crate::helpers::new_client(), ());
    assert_eq!(app.signin(&counselor_client, "kim@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&counselor_client).await;
    let day =
        jiff::Timestamp::from_second(start).unwrap().to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap()).date();
    let (status, html) = app.get_html(&counselor_client, &format!("/counselor/calendar?view=day&date={day}")).await;
    assert_eq!(status, 200);
    assert!(html.contains("status-late_cancelled"), "{html}");
});

db_test_each_weekday!(a_weekly_series_is_booked_all_or_none, async |app: &TestApp| {
    let c = counselor(app, "park@example.com", |_| {}).await;
    let (client, _) = app.signed_in(Role::Client, "yuna@example.com").await;
    let (other, _) = app.signed_in(Role::Client, "hoon@example.com").await;
    let start = listed_slots(app, &client, &c).await[0];
    // Someone already has the third week's session.
    assert_eq!(book(app, &other, &c, start + 14 * DAY, &[]).await.status(), 303);
    let r = book(app, &client, &c, start, &[("repeat", "weekly"), ("count", "4")]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("하나도 예약하지 않았습니다"));
    assert_eq!(appointments_of(app, &c).await.len(), 1, "none of the series was booked");

    // Every two weeks avoids it: all four are booked, each on its own.
    let r = book(app, &client, &c, start + DAY, &[("repeat", "biweekly"), ("count", "4")]).await;
    assert_eq!(r.status(), 303);
    let series: Vec<_> = appointments_of(app, &c).await.into_iter().filter(|a| a.series_id.is_some()).collect();
    assert_eq!(series.len(), 4);
    for (i, a) in series.iter().enumerate() {
        assert_eq!(a.starts_at, start + DAY + 14 * DAY * i as i64, "same local time every two weeks");
    }
    // One of them is cancelled on its own.
    assert_eq!(
        app.post(&client, &format!("/appointments/{}/cancel", series[1].id), &[("confirm", "yes")]).await.status(),
        303
    );
    let after = appointments_of(app, &c).await;
    assert_eq!(after.iter().filter(|a| a.status.holds_time() && a.series_id.is_some()).count(), 3);

    // Out-of-range counts are refused.
    let r = book(app, &client, &c, start + 2 * DAY, &[("repeat", "weekly"), ("count", "27")]).await;
    assert_eq!(r.status(), 422);
});

db_test_each_weekday!(counselors_approve_and_cancel_with_a_reason, async |app: &TestApp| {
    let c = counselor(app, "lee@example.com", |p| p.requires_approval = true).await;
    let (client, _) = app.signed_in(Role::Client, "dana@example.com").await;
    let start = listed_slots(app, &client, &c).await[0];
    assert_eq!(book(app, &client, &c, start, &[]).await.status(), 303);
    let a = appointments_of(app, &c).await.remove(0);
    assert_eq!(a.status.as_str(), "requested");
    // The requested time is held: nobody else can book it.
    let (other, _) = app.signed_in(Role::Client, "eun@example.com").await;
    assert_eq!(book(app, &other, &c, start, &[]).await.status(), 409);

    let counselor_client = crate::helpers::new_client();
    assert_eq!(app.signin(&counselor_client, "lee@example.com", crate::helpers::PASSWORD).await.status(), 303);
    // Without two-factor the counselor cannot see client data.
    assert_eq!(location(&app.get(&counselor_client, "/counselor/calendar").await), "/account/two-factor?required=1");
    app.enroll_two_factor(&counselor_client).await;
    let (_, html) = app.get_html(&counselor_client, "/counselor/calendar").await;
    assert!(html.contains("잠이 잘 오지 않아요"), "the counselor reads the reason");
    let reads = app.store.audit_records_after(0, 10_000).await.unwrap();
    assert!(reads.iter().any(|r| r.fields.action == "appointments.read"), "and the read is audited");

    let r = app.post(&counselor_client, &format!("/counselor/appointments/{}/approve", a.id), &[]).await;
    assert_eq!(r.status(), 303);
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().status.as_str(), "confirmed");
    assert!(app.mails_to("dana@example.com").await.iter().any(|m| m.subject.contains("예약 확정")));

    // Cancelling needs a reason; the client receives it.
    let r = app.post(&counselor_client, &format!("/counselor/appointments/{}/cancel", a.id), &[("reason", "")]).await;
    assert_eq!(r.status(), 400);
    let r = app
        .post(&counselor_client, &format!("/counselor/appointments/{}/cancel", a.id), &[("reason", "갑작스러운 병가")])
        .await;
    assert_eq!(r.status(), 303);
    let last = app.mails_to("dana@example.com").await.into_iter().find(|m| m.subject.contains("취소")).unwrap();
    assert!(last.body.contains("갑작스러운 병가"));
    assert!(ics_of(&last).contains("METHOD:CANCEL"));
    // A counselor cannot act on another counselor's appointment.
    let other_c = counselor(app, "choi@example.com", |_| {}).await;
    let _ = other_c;
    let stranger = crate::helpers::new_client();
    assert_eq!(app.signin(&stranger, "choi@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&stranger).await;
    let r = app.post(&stranger, &format!("/counselor/appointments/{}/approve", a.id), &[]).await;
    assert_eq!(r.status(), 404);
});

db_test!(bad_booking_input_is_refused_and_changes_nothing, async |app: &TestApp| {
    let c = counselor(app, "oh@example.com", |_| {}).await;
    let (client, _) = app.signed_in(Role::Client, "bora@example.com").await;
    let start = listed_slots(app, &client, &c).await[0];
    let seoul = jiff::tz::TimeZone::get("Asia/Seoul").unwrap();
    let tomorrow_3am = jiff::Timestamp::from_second(start + 2 * DAY)
        .unwrap()
        .to_zoned(seoul)
        .date()
        .at(3, 0, 0, 0)
        .to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap())
        .unwrap()
        .timestamp()
        .as_second();
    /// What is tried, the fields that differ from a good booking, the status expected.
    type Case<'a> = (&'a str, Vec<(&'a str, String)>, u16);
    let cases: Vec<Case<'_>> = vec![
        ("a past slot", vec![("start", (app.clock.now() - HOUR).to_string())], 409),
        ("outside the hours", vec![("start", tomorrow_3am.to_string())], 409),
        ("a tampered slot id", vec![("start", (start + 7).to_string())], 409),
        ("a slot id that is no number", vec![("start", "tomorrow".into())], 422),
        ("an absurd time", vec![("start", i64::MAX.to_string())], 422),
        ("a session type not offered", vec![("start", start.to_string()), ("kind", "chat".into())], 422),
        ("without the terms", vec![("start", start.to_string()), ("terms", String::new())], 422),
        ("a reason too long", vec![("start", start.to_string()), ("reason", "가".repeat(2001))], 422),
        ("beyond the horizon", vec![("start", (start + 70 * DAY).to_string())], 409),
    ];
    for (what, overrides, expected) in cases {
        let mut fields: Vec<(&str, String)> =
            vec![("kind", "video".into()), ("terms", "on".into()), ("reason", "이유".into())];
        for (k, v) in overrides {
            fields.retain(|(key, _)| *key != k);
            fields.push((k, v));
        }
        let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.post(&client, &format!("/counselors/{c}/book"), &borrowed).await;
        assert_eq!(r.status().as_u16(), expected, "{what}");
        let body = r.text().await.unwrap();
        assert!(body.contains("role=\"alert\""), "{what}: a clear message is shown");
        assert!(appointments_of(app, &c).await.is_empty(), "{what}: nothing was booked");
    }

    // Another client's appointment looks like one that does not exist.
    assert_eq!(book(app, &client, &c, start, &[]).await.status(), 303);
    let id = appointments_of(app, &c).await[0].id.clone();
    let (intruder, _) = app.signed_in(Role::Client, "mallory@example.com").await;
    assert_eq!(app.post(&intruder, &format!("/appointments/{id}/cancel"), &[("confirm", "yes")]).await.status(), 404);
    assert_eq!(app.get(&intruder, &format!("/appointments/{id}/reschedule")).await.status(), 404);
    // The confirmation pages are the owner's too, and a month of someone who is not a counselor
    // is not found.
    assert_eq!(app.get(&intruder, &format!("/appointments/{id}/cancel")).await.status(), 404);
    let r = app.post(&intruder, &format!("/appointments/{id}/reschedule"), &[("start", "1"), ("confirm", "yes")]).await;
    assert_eq!(r.status(), 404);
    assert_eq!(app.get(&intruder, "/counselors/aaaaaaaaaaaaaaaaaaaaaaaaaa/calendar").await.status(), 404);
    assert_eq!(app.store.appointment(&id).await.unwrap().unwrap().status.as_str(), "confirmed", "nothing changed");

    // A time zone that does not exist is refused on the profile.
    let r = app
        .post(&client, "/account", &[("display_name", "bora"), ("language", "ko"), ("timezone", "Mars/Olympus_Mons")])
        .await;
    assert_eq!(r.status(), 422);
    // Filters that make no sense get a message, not a crash.
    let (status, _) = app.get_html(&client, "/counselors?within=9999&min_price=abc&kind=hologram").await;
    assert_eq!(status, 422);
    // Staff cannot book as clients.
    let (staff, _) = app.signed_in(Role::Counselor, "staff@example.com").await;
    assert_eq!(book(app, &staff, &c, start + DAY, &[]).await.status(), 403);
});

db_test!(the_calendar_feed_is_private_and_resettable, async |app: &TestApp| {
    let c = counselor(app, "yoon@example.com", |_| {}).await;
    let (client, _) = app.signed_in(Role::Client, "feed@example.com").await;
    let start = listed_slots(app, &client, &c).await[0];
    assert_eq!(book(app, &client, &c, start, &[]).await.status(), 303);
    let r = app.post(&client, "/account/notifications/feed", &[]).await;
    assert_eq!(r.status(), 200);
    let url = between(&r.text().await.unwrap(), "id=\"feed-url\">", "<").unwrap();
    let path = url.strip_prefix(&app.address).unwrap().to_owned();
    let anonymous = crate::helpers::new_client();
    let r = app.get(&anonymous, &path).await;
    assert_eq!(r.status(), 200);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/calendar"));
    let body = r.text().await.unwrap();
    assert!(body.starts_with("BEGIN:VCALENDAR") && !body.contains("METHOD:"));
    assert!(body.contains(&format!("DTSTART:{}", ics_time(start))));
    // Polling again later gives the same text: nothing changed, so nothing looks changed.
    app.clock.advance(600);
    let again = app.get(&anonymous, &path).await.text().await.unwrap();
    assert_eq!(again, body);
    assert!(body.contains("SUMMARY:yoon 상담사와 상담"), "the client's feed names the counselor: {body}");
    // The counselor's feed tells sessions apart by the client, by initials (the default).
    let counselor_browser = crate::helpers::new_client();
    assert_eq!(app.signin(&counselor_browser, "yoon@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&counselor_browser).await;
    let r = app.post(&counselor_browser, "/account/notifications/feed", &[]).await;
    let own = between(&r.text().await.unwrap(), "id=\"feed-url\">", "<").unwrap();
    let theirs = app.get(&anonymous, own.strip_prefix(&app.address).unwrap()).await.text().await.unwrap();
    assert!(theirs.contains("SUMMARY:F. 상담 ("), "{theirs}");
    assert!(!theirs.contains("feed@") && !theirs.contains("yoon 상담사와"), "{theirs}");
    // A new address ends the old one.
    assert_eq!(app.post(&client, "/account/notifications/feed", &[]).await.status(), 200);
    assert_eq!(app.get(&anonymous, &path).await.status(), 404);
    assert_eq!(app.get(&anonymous, "/calendar/not-a-token.ics").await.status(), 404);
});

db_test!(counselors_edit_their_settings_with_validation, async |app: &TestApp| {
    let (client, id) = app.signed_in(Role::Counselor, "settings@example.com").await;
    let (status, html) = app.get_html(&client, "/counselor/settings").await;
    assert_eq!(status, 200);
    assert!(html.contains("hours_mon"));
    let good: Vec<(&str, &str)> = vec![
        ("bio_ko", "불안과 우울을 함께 봅니다"),
        ("lang_ko", "on"),
        ("sp_depression", "on"),
        ("video_on", "on"),
        ("video_minutes", "50"),
        ("video_price", "60,000"),
        ("video_currency", "KRW"),
        ("chat_on", "on"),
        ("chat_minutes", "30"),
        ("chat_price", "25.50"),
        ("chat_currency", "USD"),
        ("hours_mon", "09:00-12:00, 13:00-18:00"),
        ("hours_sat", "10:00-14:00"),
        ("buffer", "15"),
        ("notice_hours", "24"),
        ("horizon", "30"),
        ("cap", "5"),
        ("cancel_window", "48"),
        ("published", "on"),
    ];
    let r = app.post(&client, "/counselor/settings", &good).await;
    assert_eq!(r.status(), 303, "{}", r.text().await.unwrap_or_default());
    let p = app.store.counselor_profile(&id).await.unwrap().unwrap();
    assert_eq!(p.offerings.len(), 2);
    assert_eq!(p.offering(SessionKind::Chat).unwrap().price.minor(), 2550);
    assert_eq!(p.offering(SessionKind::Video).unwrap().price.minor(), 60_000);
    assert_eq!(p.rules.buffer_minutes, 15);
    assert_eq!(p.rules.min_notice_minutes, 24 * 60);
    assert_eq!(p.weekly.day(jiff::civil::Weekday::Monday).len(), 2);
    assert_eq!(p.specialties, vec!["depression".to_owned()]);

    for (field, value) in [
        ("hours_tue", "25:00-26:00"),
        ("hours_wed", "18:00-09:00"),
        ("video_price", "-5"),
        ("video_currency", "XYZ"),
        ("video_minutes", "7"),
        ("horizon", "999"),
    ] {
        let mut bad = good.clone();
        bad.retain(|(k, _)| *k != field);
        bad.push((field, value));
        let r = app.post(&client, "/counselor/settings", &bad).await;
        assert_eq!(r.status(), 422, "{field}={value}");
        assert!(r.text().await.unwrap().contains("role=\"alert\""));
        assert_eq!(app.store.counselor_profile(&id).await.unwrap().unwrap().rules.horizon_days, 30, "nothing saved");
    }
    // A day off as a date exception.
    let r = app
        .post(
            &client,
            "/counselor/exceptions",
            &[("day", "2030-01-07"), ("kind", "off"), ("start", "00:00"), ("end", "24:00")],
        )
        .await;
    assert_eq!(r.status(), 303);
    let exceptions = app.store.list_exceptions(&id).await.unwrap();
    assert_eq!(exceptions.len(), 1);
    // Deleted by mistake, it comes back as it was with the undo the next page offers.
    let r = app.post(&client, &format!("/counselor/exceptions/{}/delete", exceptions[0].0), &[]).await;
    let token = location(&r).strip_prefix("/counselor/settings?undo=").expect("an undo is offered").to_owned();
    assert!(app.store.list_exceptions(&id).await.unwrap().is_empty());
    let r = app.post(&client, "/undo", &[("token", token.as_str()), ("back", "/counselor/settings")]).await;
    assert_eq!(location(&r), "/counselor/settings?undone=ok");
    assert_eq!(app.store.list_exceptions(&id).await.unwrap(), exceptions);
    let r = app
        .post(
            &client,
            "/counselor/exceptions",
            &[("day", "2030-02-30"), ("kind", "off"), ("start", "00:00"), ("end", "24:00")],
        )
        .await;
    assert_eq!(r.status(), 422);
});

db_test!(thirty_exceptions_sent_at_once_stop_at_the_limit, async |app: &TestApp| {
    use sangdam_domain::booking::{DateException, ExceptionKind};
    use sangdam_domain::limits::MAX_EXCEPTIONS;
    let id = counselor(app, "many-days-off@example.com", |_| {}).await;
    let c = crate::helpers::new_client();
    assert_eq!(app.signin(&c, "many-days-off@example.com", crate::helpers::PASSWORD).await.status(), 303);
    app.enroll_two_factor(&c).await;
    let first = jiff::civil::date(2031, 1, 1);
    let day = |n: i64| first.checked_add(jiff::Span::new().days(n)).unwrap();
    let whole = Interval::parse("00:00", "24:00").unwrap();
    let none = sangdam_store::Effects::default();
    for n in 0..(MAX_EXCEPTIONS as i64 - 10) {
        let e = DateException { date: day(n), kind: ExceptionKind::Off, interval: whole };
        app.store.add_exception(&format!("pre{n}"), &id, &e, MAX_EXCEPTIONS, app.clock.now(), &none).await.unwrap();
    }
    let days: Vec<String> = (300..330).map(|n| day(n).to_string()).collect();
    let adds = days.iter().map(|d| {
        let c = &c;
        async move {
            let form = [("day", d.as_str()), ("kind", "off"), ("start", "00:00"), ("end", "24:00")];
            app.post(c, "/counselor/exceptions", &form).await
        }
    });
    let statuses: Vec<u16> = futures_util::future::join_all(adds).await.iter().map(|r| r.status().as_u16()).collect();
    assert_eq!(statuses.iter().filter(|s| **s == 303).count(), 10, "{statuses:?}");
    assert_eq!(app.store.list_exceptions(&id).await.unwrap().len(), MAX_EXCEPTIONS);
    assert_eq!(crate::records::audited_count(app, "counselor.exception-add").await, 10);
});

/// A multipart upload as a browser sends it, with the CSRF token in the form's action.
async fn upload(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    content_type: &str,
    bytes: &[u8],
) -> reqwest::Response {
    let token = app.csrf(client).await;
    let boundary = "----sangdamtestboundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"photo\"; filename=\"{name}\"\r\nContent-Type: {content_type}\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    client
        .post(app.url(&format!("/counselor/photo?csrf={token}")))
        .header("content-type", format!("multipart/form-data; boundary={boundary}"))
        .body(body)
        .send()
        .await
        .unwrap()
}

db_test!(counselor_photos_are_resized_and_cleaned, async |app: &TestApp| {
    let id = counselor(app, "photo@example.com", |_| {}).await;
    let client = crate::helpers::new_client();
    assert_eq!(app.signin(&client, "photo@example.com", crate::helpers::PASSWORD).await.status(), 303);
    // A 1000 × 600 JPEG with an EXIF block naming a camera serial.
    let mut jpeg = Vec::new();
    let img = image::RgbImage::from_fn(1000, 600, |x, y| image::Rgb([(x % 200) as u8, (y % 200) as u8, 120]));
    image::codecs::jpeg::JpegEncoder::new(&mut jpeg).encode_image(&img).unwrap();
    let exif = b"Exif\0\0serial SN-998877";
    let mut segment = vec![0xFF, 0xE1];
    segment.extend_from_slice(&u16::try_from(exif.len() + 2).unwrap().to_be_bytes());
    segment.extend_from_slice(exif);
    jpeg.splice(2..2, segment);

    // Without the token the upload is refused.
    let r = client
        .post(app.url("/counselor/photo"))
        .header("content-type", "multipart/form-data; boundary=x")
        .body("--x--")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    // Not a picture: refused with a message, nothing stored.
    let r = upload(app, &client, "notes.pdf", "application/pdf", b"%PDF-1.7 not a picture").await;
    assert_eq!(r.status(), 422);
    assert!(r.text().await.unwrap().contains("JPEG 또는 PNG"));
    assert!(app.store.counselor_photo(&id).await.unwrap().is_none());
    // Too large for the route: refused with a message.
    let r = upload(app, &client, "big.jpg", "image/jpeg", &vec![0u8; 6 * 1024 * 1024]).await;
    assert!(r.status() == 422 || r.status() == 413, "{}", r.status());

    let r = upload(app, &client, "me.jpg", "image/jpeg", &jpeg).await;
    assert_eq!(r.status(), 303);
    let stored = app.store.counselor_photo(&id).await.unwrap().unwrap();
    let back = image::load_from_memory(&stored).unwrap();
    assert_eq!((back.width(), back.height()), (400, 400));
    assert!(!stored.windows(9).any(|w| w == b"SN-998877"), "metadata is stripped");
    // The public page serves it.
    let r = app.get(&crate::helpers::new_client(), &format!("/counselors/{id}/photo")).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "image/jpeg");
    assert_eq!(r.bytes().await.unwrap().len(), stored.len());
});

db_test!(staff_feeds_need_two_factor, async |app: &TestApp| {
    let (counselor_client, _) = app.signed_in(Role::Counselor, "feedstaff@example.com").await;
    let r = app.post(&counselor_client, "/account/notifications/feed", &[]).await;
    assert_eq!(location(&r), "/account/two-factor?required=1", "a counselor's feed names clients");
    app.enroll_two_factor(&counselor_client).await;
    assert_eq!(app.post(&counselor_client, "/account/notifications/feed", &[]).await.status(), 200);
});

db_test!(a_client_cannot_be_in_two_sessions_at_once, async |app: &TestApp| {
    let a = counselor(app, "a@example.com", |_| {}).await;
    // B's sessions can be moved until their start, so the test can move one.
    let b = counselor(app, "b@example.com", |p| p.rules.cancel_window_hours = 0).await;
    let (client, _) = app.signed_in(Role::Client, "client@example.com").await;
    let slots = listed_slots(app, &client, &a).await;
    assert_eq!(book(app, &client, &a, slots[0], &[]).await.status(), 303);
    // The same time with another counselor is refused, with the reason and other times.
    let r = book(app, &client, &b, slots[0], &[]).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("이미 다른 상담이 있습니다"));
    assert!(appointments_of(app, &b).await.is_empty(), "nothing was booked");
    // Nor can another session be moved onto it.
    assert_eq!(book(app, &client, &b, slots[2], &[]).await.status(), 303);
    let moved = appointments_of(app, &b).await[0].id.clone();
    let r = app
        .post(
            &client,
            &format!("/appointments/{moved}/reschedule"),
            &[("start", &slots[0].to_string()), ("confirm", "yes")],
        )
        .await;
    let status = r.status();
    let html = r.text().await.unwrap();
    assert!(
        html.contains("이미 다른 상담이 있습니다"),
        "{status} {}",
        crate::helpers::between(&html, "role=\"alert\"", "</div>").unwrap_or_default()
    );
    assert_eq!(appointments_of(app, &b).await[0].starts_at, slots[2], "it stayed where it was");
});

/// The listed starts of one kind of session on a counselor's page.
async fn listed_of_kind(app: &TestApp, client: &reqwest::Client, counselor: &UserId, kind: &str) -> Vec<i64> {
    let (_, html) = app.get_html(client, &format!("/counselors/{counselor}")).await;
    let marker = format!("kind={kind}&amp;start=");
    html.split(&marker).skip(1).filter_map(|p| p.split('"').next()?.parse().ok()).collect()
}

/// Twenty clients send ten booking requests each, all at once, spread over `targets`
/// (kind, start); returns how many were booked.
async fn burst(app: &TestApp, counselor: &UserId, targets: &[(&'static str, i64)], tag: &str) -> usize {
    let mut clients = Vec::new();
    for i in 0..20 {
        let (c, _) = app.signed_in(Role::Client, &format!("{tag}{i}@example.com")).await;
        let token = app.csrf(&c).await;
        clients.push((c, token));
    }
    let url = app.url(&format!("/counselors/{counselor}/book"));
    let mut tasks = Vec::new();
    for (i, (client, token)) in clients.iter().enumerate() {
        for j in 0..10 {
            let (kind, start) = targets[(i + j * 7) % targets.len()];
            let (client, token, url) = (client.clone(), token.clone(), url.clone());
            tasks.push(tokio::spawn(async move {
                let start = start.to_string();
                let fields = [("kind", kind), ("start", start.as_str()), ("terms", "on"), ("csrf", token.as_str())];
                client.post(url).form(&fields).send().await.unwrap().status().as_u16()
            }));
        }
    }
    let mut booked = 0;
    for t in tasks {
        match t.await.unwrap() {
            303 => booked += 1,
            409 => {}
            other => panic!("unexpected answer {other}"),
        }
    }
    booked
}

db_test!(buffer_and_daily_cap_hold_under_two_hundred_concurrent_requests, async |app: &TestApp| {
    // A Monday morning: the first free day is a whole working day.
    app.clock.freeze_at(crate::helpers::WEEK_POINTS[0].1);
    // Video 50 minutes and voice 45 minutes with a 10-minute buffer: a voice session at 09:55
    // next to a video session at 09:00 breaks the buffer, though the two do not overlap.
    let voice = Offering {
        kind: SessionKind::Voice,
        duration_minutes: 45,
        price: Money::from_minor(40_000, Currency::Krw).unwrap(),
    };
    let with_voice = |p: &mut CounselorProfile| {
        p.rules.buffer_minutes = 10;
        p.offerings.push(voice);
    };
    let c = counselor(app, "buffer@example.com", with_voice).await;
    let (viewer, _) = app.signed_in(Role::Client, "looker@example.com").await;
    let first_day = |t: i64| {
        jiff::Timestamp::from_second(t).unwrap().to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap()).date()
    };
    let video = listed_of_kind(app, &viewer, &c, "video").await;
    let day = first_day(video[0]);
    let mut targets: Vec<(&'static str, i64)> =
        video.iter().filter(|t| first_day(**t) == day).map(|t| ("video", *t)).collect();
    targets.extend(
        listed_of_kind(app, &viewer, &c, "voice")
            .await
            .into_iter()
            .filter(|t| first_day(*t) == day)
            .map(|t| ("voice", t)),
    );
    assert!(targets.len() >= 6, "both kinds offer several times that day");
    let booked = burst(app, &c, &targets, "buf").await;
    let mut held: Vec<_> = appointments_of(app, &c).await.into_iter().filter(|a| a.status.holds_time()).collect();
    assert_eq!(held.len(), booked);
    held.sort_by_key(|a| a.starts_at);
    for pair in held.windows(2) {
        assert!(
            pair[1].starts_at >= pair[0].ends_at + 600,
            "10 minutes between sessions: {} then {}",
            pair[0].ends_at,
            pair[1].starts_at
        );
    }

    // A daily cap of one: one session a day, however many ask at once.
    let capped = counselor(app, "cap@example.com", |p| {
        p.rules.daily_cap = Some(1);
        p.offerings.push(voice);
    })
    .await;
    let video = listed_of_kind(app, &viewer, &capped, "video").await;
    let day = first_day(video[0]);
    let targets: Vec<(&'static str, i64)> =
        video.iter().filter(|t| first_day(**t) == day).map(|t| ("video", *t)).collect();
    assert!(burst(app, &capped, &targets, "cap").await >= 1);
    let held: Vec<_> = appointments_of(app, &capped).await.into_iter().filter(|a| a.status.holds_time()).collect();
    assert_eq!(held.len(), 1, "one session that day");
    // Once that session is done (completed, or the client did not come), the day stays full.
    for status in ["completed", "no_show"] {
        sangdam_store::on_backend!(&app.store, |pool| {
            sqlx::query("UPDATE appointments SET status = $1 WHERE id = $2")
                .bind(status)
                .bind(&held[0].id)
                .execute(pool)
                .await
                .unwrap();
        });
        let left: Vec<(&'static str, i64)> = targets.iter().filter(|(_, t)| *t != held[0].starts_at).copied().collect();
        assert_eq!(burst(app, &capped, &left, status).await, 0, "a {status} session counts toward the cap");
    }
});

db_test!(a_series_through_a_skipped_hour_is_refused_with_its_date, async |app: &TestApp| {
    // A New York counselor who works through the night; in New York 02:00 on 2026-03-08 does not
    // exist (the clocks jump to 03:00).
    app.clock.freeze_at(1_771_502_400); // 2026-02-19 12:00 UTC
    let c = counselor(app, "night@example.com", |p| {
        let day = vec![Interval::new(0, 24 * 60).unwrap()];
        p.weekly = WeeklyHours([day.clone(), day.clone(), day.clone(), day.clone(), day.clone(), day.clone(), day]);
        p.rules.min_notice_minutes = 60;
    })
    .await;
    let user = app.store.user_by_id(&c).await.unwrap().unwrap();
    let ny = sangdam_domain::Timezone::parse("America/New_York").unwrap();
    app.store
        .update_profile(&c, &user.display_name, Language::En, &ny, app.clock.now(), &sangdam_store::Effects::default())
        .await
        .unwrap();
    let (client, _) = app.signed_in(Role::Client, "owl@example.com").await;
    let tz = jiff::tz::TimeZone::get("America/New_York").unwrap();
    let first = jiff::civil::date(2026, 2, 22).at(2, 0, 0, 0).to_zoned(tz).unwrap().timestamp().as_second();
    let r = book(app, &client, &c, first, &[("repeat", "weekly"), ("count", "4")]).await;
    assert_eq!(r.status(), 409);
    let text = r.text().await.unwrap();
    assert!(text.contains("2026-03-08") && text.contains("일광 절약"), "the skipped date is named");
    assert!(appointments_of(app, &c).await.is_empty(), "nothing was booked");
    // Two sessions before the change are fine.
    assert_eq!(book(app, &client, &c, first, &[("repeat", "weekly"), ("count", "2")]).await.status(), 303);
});

db_test!(the_booking_form_says_until_when_a_time_can_be_cancelled_or_that_it_cannot, async |app: &TestApp| {
    // Monday 2027-01-04 00:00 in Seoul: the first free times (12 h notice) are that day at noon.
    app.clock.freeze_at(1_798_988_400);
    let c = counselor(app, "window@example.com", |_| {}).await;
    let (client, _) = app.signed_in(Role::Client, "reads@example.com").await;
    let slots = listed_slots(app, &client, &c).await;
    let now = app.clock.now();
    let policy = |html: &str| {
        let at = html.find(r#"id="cancel-policy""#).expect("the policy is on the form");
        html[at..].split("</p>").next().unwrap().to_owned()
    };
    // With the default 12 h notice and 24 h window, a time under 24 h away cannot be moved.
    let soon = *slots.iter().find(|s| **s - now < 24 * 3600).expect("a time within a day");
    let (_, html) = app.get_html(&client, &format!("/counselors/{c}/book?kind=video&start={soon}")).await;
    assert!(policy(&html).contains("늦은 취소") && policy(&html).contains("danger"), "{}", policy(&html));
    let later = *slots.iter().find(|s| **s - now > 30 * 3600).expect("a time more than a day away");
    let (_, html) = app.get_html(&client, &format!("/counselors/{c}/book?kind=video&start={later}")).await;
    assert!(policy(&html).contains("무료로 취소"), "{}", policy(&html));
});

/// The free starts of a counselor's video sessions on the day `days` after today (Seoul), from
/// the month calendar.
pub async fn times_in(app: &TestApp, client: &reqwest::Client, counselor: &UserId, days: i64) -> Vec<i64> {
    let today = jiff::Timestamp::from_second(app.clock.now())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap())
        .date();
    let day = today.checked_add(jiff::Span::new().days(days)).unwrap();
    let path = format!("/counselors/{counselor}/calendar?kind=video&day={day}&month={}", day.strftime("%Y-%m"));
    let (status, html) = app.get_html(client, &path).await;
    assert_eq!(status, 200);
    html.split("start=").skip(1).filter_map(|p| p.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()).collect()
}

/// The token of the link to move or cancel without signing in, from the newest mail to `email`
/// whose subject holds `subject` (as the recipient reads it).
pub async fn manage_token(app: &TestApp, email: &str, subject: &str) -> String {
    fresh_token(app, email, subject, &[]).await
}

/// As [`manage_token`], from a mail whose link is none of `seen` (mails queued within one second
/// have no order among themselves).
async fn fresh_token(app: &TestApp, email: &str, subject: &str, seen: &[&str]) -> String {
    for _ in 0..100 {
        let mails = app.mails_to(email).await;
        let tokens = mails
            .iter()
            .filter(|m| m.subject.contains(subject))
            .filter_map(|m| Some(m.body.split("/m/").nth(1)?.split_whitespace().next()?.to_owned()));
        if let Some(t) = tokens.into_iter().find(|t| !seen.contains(&t.as_str())) {
            return t;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("no mail to {email} with a link to manage the appointment ({subject})");
}

/// How many audit entries name `action`.
async fn audited_count(app: &TestApp, action: &str) -> usize {
    app.store.audit_records_after(0, 10_000).await.unwrap().iter().filter(|r| r.fields.action == action).count()
}

/// A counselor (kim) and a client (mina, signed in) who booked the `nth` free time four days
/// ahead: the appointment and the token of the link in mina's booking mail.
struct BookedByMail {
    counselor: UserId,
    client: reqwest::Client,
    client_id: UserId,
    a: sangdam_store::AppointmentRecord,
    token: String,
}

async fn booked_by_mail(app: &TestApp, nth: usize) -> BookedByMail {
    let counselor = counselor(app, "kim@example.com", |_| {}).await;
    let (client, client_id) = app.signed_in(Role::Client, "mina@example.com").await;
    let start = times_in(app, &client, &counselor, 4).await[nth];
    assert_eq!(book(app, &client, &counselor, start, &[]).await.status(), 303);
    let a = appointments_of(app, &counselor).await.into_iter().next().unwrap();
    let token = manage_token(app, "mina@example.com", "예약 완료").await;
    BookedByMail { counselor, client, client_id, a, token }
}

db_test!(a_client_moves_and_cancels_from_the_mail_without_signing_in, async |app: &TestApp| {
    let BookedByMail { counselor: c, client, client_id, a, token } = booked_by_mail(app, 1).await;
    let first = a.starts_at;
    // The outbox keeps the link sealed: what the product shows and a copy of the database do not
    // carry it.
    for m in app.stored_mails_to("mina@example.com").await {
        assert!(!m.body.contains(&token), "the stored body hides the link");
    }
    assert!(
        app.mails_to("kim@example.com").await.iter().all(|m| !m.body.contains("/m/")),
        "the counselor's mail has no such link"
    );

    // Someone with the mail and no session: the appointment, with move and cancel, at the time
    // the mail gave (the client's zone), though this browser is in London.
    let london = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .default_headers([(reqwest::header::COOKIE, "tz=Europe/London".parse().unwrap())].into_iter().collect())
        .build()
        .unwrap();
    let (status, page) = app.get_html(&london, &format!("/m/{token}")).await;
    assert!(status == 200 && page.contains("KST") && !page.contains("GMT"), "the client's zone, as in the mail");
    let (_, month) = app.get_html(&london, &format!("/m/{token}/reschedule")).await;
    assert!(month.contains("KST"), "the move page too");
    let visitor = crate::helpers::new_client();
    let (status, page) = app.get_html(&visitor, &format!("/m/{token}")).await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"id="manage""#) && page.contains(&format!("/m/{token}/cancel")), "{page}");
    assert!(page.contains(r#"name="robots" content="noindex""#));
    let records = app.store.audit_records_after(0, 10_000).await.unwrap();
    let opened = records.iter().find(|r| r.fields.action == "appointment.link.open").expect("opening is audited");
    assert_eq!(opened.fields.actor_id.as_deref(), Some(client_id.as_str()), "under the client's name");

    // A token changed in any part, or made for another appointment, opens nothing.
    let (id, rest) = token.split_once('.').unwrap();
    let (sequence, mac) = rest.split_once('.').unwrap();
    let flipped = format!("{}{}", &mac[..mac.len() - 1], if mac.ends_with('0') { '1' } else { '0' });
    for bad in [
        format!("{id}.{sequence}.{flipped}"),
        format!("{id}.{}.{mac}", sequence.parse::<i64>().unwrap() + 1),
        format!("{}.{sequence}.{mac}", "x".repeat(id.len())),
        format!("{id}.{sequence}"),
        "a".repeat(500),
    ] {
        assert_eq!(app.get(&visitor, &format!("/m/{bad}")).await.status(), 410, "{bad}");
        let r = app.post(&visitor, &format!("/m/{bad}/cancel"), &[("confirm", "yes")]).await;
        assert_eq!(r.status(), 410, "{bad}");
    }
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().status.as_str(), "confirmed");

    // Move through the link: the calendar, the confirmation, then the move.
    let (status, month) = app.get_html(&visitor, &format!("/m/{token}/reschedule")).await;
    assert_eq!(status, 200);
    assert!(month.contains(&format!("/m/{token}/reschedule?")), "the calendar stays on the link");
    let later = times_in(app, &client, &c, 6).await[2];
    let r = app.post(&visitor, &format!("/m/{token}/reschedule"), &[("start", &later.to_string())]).await;
    assert_eq!(r.status(), 200);
    let confirm = r.text().await.unwrap();
    assert!(
        confirm.contains(r#"id="move-confirm""#) && confirm.contains(&format!(r#"action="/m/{token}/reschedule""#))
    );
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().starts_at, first, "not moved before the answer");
    let r = app
        .post(&visitor, &format!("/m/{token}/reschedule"), &[("start", &later.to_string()), ("confirm", "yes")])
        .await;
    assert_eq!(location(&r), "/m/done?moved=1");
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().starts_at, later);
    let (status, done) = app.get_html(&visitor, "/m/done?moved=1").await;
    assert!(status == 200 && done.contains("새 시간"), "{done}");

    // The link did its work: it opens nothing and changes nothing now.
    assert_eq!(app.get(&visitor, &format!("/m/{token}")).await.status(), 410);
    let r = app.post(&visitor, &format!("/m/{token}/cancel"), &[("confirm", "yes")]).await;
    assert_eq!(r.status(), 410);
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().status.as_str(), "confirmed");

    // The mail about the move brings a new link; cancelling through it asks first, then cancels.
    let token2 = fresh_token(app, "mina@example.com", "시간 변경", &[&token]).await;
    let (status, page) = app.get_html(&visitor, &format!("/m/{token2}/cancel")).await;
    assert!(status == 200 && page.contains(r#"id="cancel-confirm""#) && page.contains(&format!("/m/{token2}/cancel")));
    let r = app.post(&visitor, &format!("/m/{token2}/cancel"), &[("reason", "출장이 잡혔어요")]).await;
    assert_eq!(r.status(), 200, "no answer, no cancel");
    assert_eq!(app.store.appointment(&a.id).await.unwrap().unwrap().status.as_str(), "confirmed");
    let r =
        app.post(&visitor, &format!("/m/{token2}/cancel"), &[("reason", "출장이 잡혔어요"), ("confirm", "yes")]).await;
    assert_eq!(location(&r), "/m/done?cancelled=1");
    let cancelled = app.store.appointment(&a.id).await.unwrap().unwrap();
    assert_eq!((cancelled.status.as_str(), cancelled.cancel_reason.as_deref()), ("cancelled", Some("출장이 잡혔어요")));
    assert_eq!(app.get(&visitor, &format!("/m/{token2}")).await.status(), 410);
    assert_eq!(audited_count(app, "appointment.link.reschedule").await, 1);
    assert_eq!(audited_count(app, "appointment.link.cancel").await, 1);
    let records = app.store.audit_records_after(0, 10_000).await.unwrap();
    assert!(
        records.iter().filter(|r| r.fields.action.starts_with("appointment.link.")).all(|r| r
            .fields
            .actor_id
            .as_deref()
            == Some(client_id.as_str())),
        "every use is the client's, by name"
    );
    // The counselor is told, as for a cancellation signed in.
    let mut told = false;
    for _ in 0..100 {
        told = app.mails_to("kim@example.com").await.iter().any(|m| m.body.contains("출장이 잡혔어요"));
        if told {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(told, "the counselor's cancellation mail carries the reason");

    // A link ends when its appointment starts.
    assert_eq!(book(app, &client, &c, first, &[]).await.status(), 303);
    let token3 = fresh_token(app, "mina@example.com", "예약 완료", &[&token]).await;
    assert_eq!(app.get(&visitor, &format!("/m/{token3}")).await.status(), 200);
    app.clock.advance(first + 60 - app.clock.now());
    assert_eq!(app.get(&visitor, &format!("/m/{token3}")).await.status(), 410);
});

db_test!(a_mail_link_changes_the_appointment_once_under_thirty_requests_at_once, async |app: &TestApp| {
    let BookedByMail { counselor: c, client, a, token, .. } = booked_by_mail(app, 0).await;
    let first = a.starts_at;
    let mut targets = times_in(app, &client, &c, 5).await;
    targets.extend(times_in(app, &client, &c, 6).await);
    targets.truncate(15);
    assert_eq!(targets.len(), 15);
    // Thirty holders of the same mail at once: fifteen cancel, fifteen move to fifteen times.
    let mut tasks = Vec::new();
    for i in 0..30 {
        let visitor = crate::helpers::new_client();
        let path = if i % 2 == 0 { format!("/m/{token}/cancel") } else { format!("/m/{token}/reschedule") };
        let start = targets[i / 2].to_string();
        let open = format!("/m/{token}");
        tasks.push(async move {
            // Each visitor first opens the page (their own CSRF cookie), then answers.
            let _ = app.get(&visitor, &open).await;
            let fields: Vec<(&str, &str)> = if i % 2 == 0 {
                vec![("confirm", "yes"), ("reason", "동시에")]
            } else {
                vec![("confirm", "yes"), ("start", start.as_str())]
            };
            app.post(&visitor, &path, &fields).await.status().as_u16()
        });
    }
    let statuses = futures_util::future::join_all(tasks).await;
    let won = statuses.iter().filter(|s| **s == 303).count();
    assert_eq!(won, 1, "exactly one change through one link: {statuses:?}");
    assert!(statuses.iter().all(|s| [303, 400, 410].contains(s)), "{statuses:?}");
    let after = app.store.appointment(&a.id).await.unwrap().unwrap();
    assert_eq!(after.sequence, a.sequence + 1, "changed once");
    let cancelled = after.status.as_str() == "cancelled";
    let moved = after.starts_at != first;
    assert!(cancelled != moved, "cancelled or moved, not both: {after:?}");
    assert_eq!(
        audited_count(app, "appointment.link.cancel").await + audited_count(app, "appointment.link.reschedule").await,
        1,
        "one audited change"
    );
});

db_test!(a_profile_is_saved_only_by_its_counselor_whole_and_with_its_audit_entry, async |app: &TestApp| {
    use sangdam_app::counselors::{self, ProfileError};
    let id = counselor(app, "own-profile@example.com", |_| {}).await;
    let other = counselor(app, "not-mine@example.com", |_| {}).await;
    let mut p = app.store.counselor_profile(&id).await.unwrap().unwrap();
    let actor = |user: &UserId, role: Role| sangdam_app::Actor {
        user: Some((user.clone(), role)),
        address: None,
        at: app.clock.now(),
    };
    p.bio_ko = "다른 사람이 쓴 소개".into();
    for (who, role) in [(&other, Role::Counselor), (&id, Role::Supervisor), (&id, Role::Client)] {
        let r = counselors::save(&app.store, &app.keys, &actor(who, role), &p).await;
        assert!(matches!(r, Err(ProfileError::Forbidden)), "{role:?}");
    }
    // What the form refuses, the service refuses too, whoever calls it.
    let mut published_empty = p.clone();
    published_empty.offerings.clear();
    published_empty.published = true;
    let mut mute = p.clone();
    mute.languages.clear();
    let mut wide = p.clone();
    wide.rules.horizon_days = 5000;
    for (bad, why) in
        [(published_empty, "error-publish-needs-offering"), (mute, "error-languages-required"), (wide, "")]
    {
        match counselors::save(&app.store, &app.keys, &actor(&id, Role::Counselor), &bad).await {
            Err(ProfileError::Invalid(got)) => assert!(why.is_empty() || got == why, "{got}"),
            other => panic!("saved: {other:?}"),
        }
    }
    // With the audit log failing, nothing is saved.
    app.break_audit_log(true).await;
    assert!(counselors::save(&app.store, &app.keys, &actor(&id, Role::Counselor), &p).await.is_err());
    app.break_audit_log(false).await;
    assert_ne!(app.store.counselor_profile(&id).await.unwrap().unwrap().bio_ko, "다른 사람이 쓴 소개");
    counselors::save(&app.store, &app.keys, &actor(&id, Role::Counselor), &p).await.unwrap();
    assert_eq!(app.store.counselor_profile(&id).await.unwrap().unwrap().bio_ko, "다른 사람이 쓴 소개");
});

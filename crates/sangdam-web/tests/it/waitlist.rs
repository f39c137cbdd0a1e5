//! The waitlist: a freed slot is offered to the first client waiting for that day, held for them
//! for 30 minutes, then passed on; leaving with an offer passes it on at once.

use sangdam_domain::{Role, UserId};

use crate::booking::{appointments_of, book, counselor, ics_of, ics_time, listed_slots};
use crate::db_test;
use crate::helpers::{TestApp, between};

struct Scene {
    c: UserId,
    first: reqwest::Client,
    second: reqwest::Client,
    third: reqwest::Client,
    start: i64,
}

/// A counselor with a cap of one session a day; `first` books the day's first slot, `second` and
/// `third` (in that order) wait for the day, and `first` cancels.
async fn scene(app: &TestApp, counselor_name: &str, clients: [&str; 3]) -> Scene {
    let c = counselor(app, &format!("{counselor_name}@example.com"), |p| p.rules.daily_cap = Some(1)).await;
    let (first, _) = app.signed_in(Role::Client, &format!("{}@example.com", clients[0])).await;
    let (second, _) = app.signed_in(Role::Client, &format!("{}@example.com", clients[1])).await;
    let (third, _) = app.signed_in(Role::Client, &format!("{}@example.com", clients[2])).await;
    // Not the first free time: that one may lie within the 12-hour minimum notice plus the
    // 30-minute hold, and a slot that can no longer be booked is rightly never offered.
    let listed = listed_slots(app, &first, &c).await;
    let start = *listed.iter().find(|s| **s >= listed[0] + 3600).expect("a later free time");
    let day =
        jiff::Timestamp::from_second(start).unwrap().to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap()).date();
    assert_eq!(book(app, &first, &c, start, &[]).await.status(), 303);
    // The day is full (cap of one): the others wait for it.
    for client in [&second, &third] {
        let r = app
            .post(client, &format!("/counselors/{c}/waitlist"), &[("day", &day.to_string()), ("kind", "video")])
            .await;
        assert_eq!(r.status(), 303);
    }
    let id = appointments_of(app, &c).await[0].id.clone();
    assert_eq!(app.post(&first, &format!("/appointments/{id}/cancel"), &[("confirm", "yes")]).await.status(), 303);
    Scene { c, first, second, third, start }
}

db_test!(the_waitlist_offers_a_freed_slot_and_passes_it_on, async |app: &TestApp| {
    let Scene { c, first: _, second, third, start } = scene(app, "seo", ["first", "second", "third"]).await;
    let offer = app.mails_to("second@example.com").await.pop().expect("the first waiting is offered the slot");
    assert!(offer.body.contains("30분"), "{}", offer.body);
    let held = ics_of(&offer);
    assert!(held.contains("STATUS:TENTATIVE") && held.contains(&format!("DTSTART:{}", ics_time(start))), "{held}");
    // The slot is held for the second client: the third cannot take it meanwhile.
    assert_eq!(book(app, &third, &c, start, &[]).await.status(), 409);
    assert!(app.mails_to("third@example.com").await.is_empty());
    // Thirty minutes pass without a booking: the offer goes to the next.
    app.clock.advance(31 * 60);
    let mut offered = false;
    for _ in 0..100 {
        if !app.mails_to("third@example.com").await.is_empty() {
            offered = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert!(offered, "the next client is offered the slot");
    // Half an hour idle ended their sessions; they sign in again.
    for (client, email) in [(&second, "second@example.com"), (&third, "third@example.com")] {
        assert_eq!(app.signin(client, email, crate::helpers::PASSWORD).await.status(), 303);
    }
    assert_eq!(book(app, &second, &c, start, &[]).await.status(), 409, "the first offer has lapsed");
    assert_eq!(book(app, &third, &c, start, &[]).await.status(), 303);
});

db_test!(leaving_the_waitlist_with_an_offer_passes_it_on, async |app: &TestApp| {
    let Scene { c, first, second, third, start } = scene(app, "hwang", ["w1", "w2", "w3"]).await;
    assert_eq!(app.mails_to("w2@example.com").await.len(), 1, "the second is offered the slot");
    // The second leaves the waitlist: the held slot goes to the third at once.
    let (_, mine) = app.get_html(&second, "/appointments").await;
    let entry = between(&mine, "action=\"/waitlist/", "/leave").unwrap();
    assert!(mine.contains("자리가 잡혀 있어요"), "the held offer is told in the client's language");
    assert!(!mine.contains("offered"), "not the stored word");
    assert_eq!(app.post(&second, &format!("/waitlist/{entry}/leave"), &[]).await.status(), 303);
    assert_eq!(app.mails_to("w3@example.com").await.len(), 1, "the third is offered it");
    assert_eq!(book(app, &second, &c, start, &[]).await.status(), 409);
    assert_eq!(book(app, &third, &c, start, &[]).await.status(), 303);
    // Someone else's entry cannot be removed.
    assert_eq!(app.post(&first, &format!("/waitlist/{entry}/leave"), &[]).await.status(), 404);
});

db_test!(a_day_outside_the_horizon_is_refused_on_the_form_with_what_was_sent, async |app: &TestApp| {
    let c = counselor(app, "past@example.com", |_| {}).await;
    let (client, _) = app.signed_in(Role::Client, "waits@example.com").await;
    for (day, why) in [("2001-01-01", "기간"), ("2999-12-31", "기간"), ("not a day", "날짜")] {
        let r = app.post(&client, &format!("/counselors/{c}/waitlist"), &[("day", day), ("kind", "video")]).await;
        assert_eq!(r.status(), 422, "{day}");
        let page = r.text().await.unwrap();
        assert!(page.contains(r#"id="errors""#) && page.contains(why), "{day}: the reason, in the page's language");
        assert!(page.contains(&format!(r#"value="{}""#, day.chars().take(10).collect::<String>())), "{day} is kept");
        assert!(page.contains(r#"id="waitlist""#), "on the counselor's page, not a bare error page");
    }
    let r =
        app.post(&client, &format!("/counselors/{c}/waitlist"), &[("day", "2999-12-31"), ("kind", "nothing")]).await;
    assert_eq!(r.status(), 422);
});

db_test!(forty_joins_at_once_stop_at_the_limit_of_days_one_client_waits_for, async |app: &TestApp| {
    use sangdam_domain::limits::MAX_WAITLIST_ENTRIES;
    let a = counselor(app, "burst-a@example.com", |_| {}).await;
    let b = counselor(app, "burst-b@example.com", |_| {}).await;
    let (client, client_id) = app.signed_in(Role::Client, "burst-waiter@example.com").await;
    let today = jiff::Timestamp::from_second(app.clock.now())
        .unwrap()
        .to_zoned(jiff::tz::TimeZone::get("Asia/Seoul").unwrap())
        .date();
    let asks: Vec<(UserId, String)> = [&a, &b]
        .into_iter()
        .flat_map(|c| {
            (1..=20).map(move |d| (c.clone(), today.checked_add(jiff::Span::new().days(d)).unwrap().to_string()))
        })
        .collect();
    let joins = asks.iter().map(|(c, day)| {
        let client = &client;
        async move {
            app.post(client, &format!("/counselors/{c}/waitlist"), &[("day", day.as_str()), ("kind", "video")]).await
        }
    });
    let statuses: Vec<u16> = futures_util::future::join_all(joins).await.iter().map(|r| r.status().as_u16()).collect();
    let joined = statuses.iter().filter(|s| **s == 303).count();
    assert_eq!(joined as i64, MAX_WAITLIST_ENTRIES, "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 303 || *s == 422), "{statuses:?}");
    assert_eq!(app.store.open_waitlist_entries(&client_id).await.unwrap(), MAX_WAITLIST_ENTRIES);
    assert_eq!(crate::records::audited_count(app, "waitlist.join").await, joined, "each join with its entry");
    // Joining a day one waits for already is not a new day: it is accepted at the limit.
    let (c, day) = &asks[statuses.iter().position(|s| *s == 303).unwrap()];
    let r = app.post(&client, &format!("/counselors/{c}/waitlist"), &[("day", day.as_str()), ("kind", "video")]).await;
    assert_eq!(r.status(), 303);
});

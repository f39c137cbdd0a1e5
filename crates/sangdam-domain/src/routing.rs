//! Routing waiting chats to counselors. The queue is ordered by risk first (a crisis message of
//! level high, then concern, then none), then by arrival, as Crisis Text Line orders its queue.
//! Each waiting chat goes to a counselor who is available, covers its topic and language, and is
//! under their capacity; among those, the one idle longest. A high-risk chat goes at once to the
//! available counselor with the most room who speaks its language (anyone available when nobody
//! does), whatever the topic and even above capacity. After-work, break and offline counselors get nothing. Pure: the caller passes
//! the queue, the counselors and the time, and applies the assignments.

use crate::Language;
use crate::crisis::Level;

/// Concurrent chats a counselor takes unless configured otherwise.
pub const DEFAULT_CAPACITY: u32 = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Available,
    Busy,
    /// Wrapping up after a chat ended (set automatically for a configured time).
    AfterWork,
    Break,
    Offline,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::Available, Status::Busy, Status::AfterWork, Status::Break, Status::Offline];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Available => "available",
            Status::Busy => "busy",
            Status::AfterWork => "after_work",
            Status::Break => "break",
            Status::Offline => "offline",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

pub use crate::chat::ChatStatus;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Counselor {
    pub id: String,
    pub status: Status,
    pub topics: Vec<String>,
    pub languages: Vec<Language>,
    pub active: u32,
    pub capacity: u32,
    /// When their last chat was assigned or ended (Unix seconds): the longest idle goes first.
    pub idle_since: i64,
}

impl Counselor {
    fn can_take(&self, chat: &WaitingChat) -> bool {
        self.status == Status::Available
            && self.active < self.capacity
            && self.topics.contains(&chat.topic)
            && self.languages.contains(&chat.language)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingChat {
    pub id: String,
    pub topic: String,
    pub language: Language,
    pub queued_at: i64,
    /// The most urgent crisis level of the client's messages so far.
    pub risk: Option<Level>,
}

/// The counselor one chat should go to now, if any.
pub fn pick<'a>(chat: &WaitingChat, counselors: &'a [Counselor]) -> Option<&'a Counselor> {
    if chat.risk == Some(Level::High) {
        // Most room first (free places, which may be none or fewer), then the longest idle; one who
        // speaks the chat's language first, and when nobody does, anyone available: a person now
        // matters more than the language.
        let room = |c: &Counselor| i64::from(c.capacity) - i64::from(c.active);
        let best = |speaks: bool| {
            counselors
                .iter()
                .filter(|c| c.status == Status::Available && (!speaks || c.languages.contains(&chat.language)))
                .min_by(|a, b| room(b).cmp(&room(a)).then(a.idle_since.cmp(&b.idle_since)).then(a.id.cmp(&b.id)))
        };
        return best(true).or_else(|| best(false));
    }
    counselors.iter().filter(|c| c.can_take(chat)).min_by(|a, b| a.idle_since.cmp(&b.idle_since).then(a.id.cmp(&b.id)))
}

/// The order the queue is served in: high risk, then concern, then the rest; oldest first within
/// each.
pub fn order(queue: &[WaitingChat]) -> Vec<&WaitingChat> {
    let mut order: Vec<&WaitingChat> = queue.iter().collect();
    order.sort_by(|a, b| b.risk.cmp(&a.risk).then(a.queued_at.cmp(&b.queued_at)).then(a.id.cmp(&b.id)));
    order
}

/// Assigns as many waiting chats as can be, in [`order`]: `(chat id, counselor id)` pairs. Each
/// assignment counts against the counselor's capacity and makes them the most recently busy.
pub fn assign(queue: &[WaitingChat], counselors: &[Counselor], now: i64) -> Vec<(String, String)> {
    let mut counselors = counselors.to_vec();
    let mut out = Vec::new();
    for chat in order(queue) {
        let Some(id) = pick(chat, &counselors).map(|c| c.id.clone()) else { continue };
        if let Some(c) = counselors.iter_mut().find(|c| c.id == id) {
            c.active += 1;
            c.idle_since = now;
        }
        out.push((chat.id.clone(), id));
    }
    out
}

/// A waiting client's estimated wait in seconds: the chats ahead of them, spread over the
/// counselors who could serve them, each taking the average handling time.
pub fn estimated_wait(ahead: u32, serving: u32, average_handling_seconds: u32) -> u32 {
    if serving == 0 {
        return (ahead + 1).saturating_mul(average_handling_seconds);
    }
    (ahead / serving + 1).saturating_mul(average_handling_seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counselor(
        id: &str,
        status: Status,
        topics: &[&str],
        languages: &[Language],
        active: u32,
        idle_since: i64,
    ) -> Counselor {
        Counselor {
            id: id.into(),
            status,
            topics: topics.iter().map(|t| (*t).to_owned()).collect(),
            languages: languages.to_vec(),
            active,
            capacity: DEFAULT_CAPACITY,
            idle_since,
        }
    }

    fn chat(id: &str, topic: &str, language: Language, queued_at: i64) -> WaitingChat {
        WaitingChat { id: id.into(), topic: topic.into(), language, queued_at, risk: None }
    }

    const KO: &[Language] = &[Language::Ko];

    #[test]
    fn topic_and_language_must_be_covered() {
        let cs = [
            counselor("career", Status::Available, &["career"], KO, 0, 0),
            counselor("english", Status::Available, &["anxiety"], &[Language::En], 0, 0),
            counselor("both", Status::Available, &["anxiety"], &[Language::Ko, Language::En], 0, 5),
        ];
        assert_eq!(pick(&chat("c", "anxiety", Language::Ko, 0), &cs).map(|c| c.id.as_str()), Some("both"));
        assert_eq!(pick(&chat("c", "anxiety", Language::En, 0), &cs).map(|c| c.id.as_str()), Some("english"));
        assert_eq!(pick(&chat("c", "family", Language::Ko, 0), &cs), None);
    }

    #[test]
    fn capacity_is_respected() {
        let cs = [counselor("full", Status::Available, &["anxiety"], KO, 3, 0)];
        assert_eq!(pick(&chat("c", "anxiety", Language::Ko, 0), &cs), None);
        let queue: Vec<WaitingChat> = (0..5).map(|i| chat(&format!("c{i}"), "anxiety", Language::Ko, i)).collect();
        let cs = [counselor("a", Status::Available, &["anxiety"], KO, 1, 0)];
        let got = assign(&queue, &cs, 100);
        assert_eq!(got.len(), 2, "room for two more: {got:?}");
        assert_eq!((got[0].0.as_str(), got[1].0.as_str()), ("c0", "c1"), "oldest first");
    }

    #[test]
    fn the_longest_idle_goes_first_and_turns_rotate() {
        let cs = [
            counselor("recent", Status::Available, &["anxiety"], KO, 0, 50),
            counselor("idle", Status::Available, &["anxiety"], KO, 0, 10),
            counselor("middle", Status::Available, &["anxiety"], KO, 0, 30),
        ];
        let queue: Vec<WaitingChat> = (0..4).map(|i| chat(&format!("c{i}"), "anxiety", Language::Ko, i)).collect();
        let got: Vec<String> = assign(&queue, &cs, 100).into_iter().map(|(_, c)| c).collect();
        assert_eq!(got, vec!["idle", "middle", "recent", "idle"], "each turn goes to whoever waited longest");
    }

    #[test]
    fn after_work_break_busy_and_offline_get_nothing() {
        for status in [Status::AfterWork, Status::Break, Status::Busy, Status::Offline] {
            let cs = [counselor("x", status, &["anxiety"], KO, 0, 0)];
            assert_eq!(pick(&chat("c", "anxiety", Language::Ko, 0), &cs), None, "{status:?}");
        }
    }

    #[test]
    fn risk_goes_first_and_high_risk_reaches_someone_even_when_everyone_is_full() {
        let mut queue: Vec<WaitingChat> = (0..3).map(|i| chat(&format!("c{i}"), "anxiety", Language::Ko, i)).collect();
        queue.push(WaitingChat { risk: Some(Level::Concern), ..chat("concern", "anxiety", Language::Ko, 50) });
        queue.push(WaitingChat { risk: Some(Level::High), ..chat("high", "family", Language::Ko, 90) });
        let ids: Vec<&str> = order(&queue).iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, vec!["high", "concern", "c0", "c1", "c2"]);
        // Both counselors are full, and neither covers "family": the high-risk chat still goes to
        // the one with the most room; nothing else does.
        let mut a = counselor("a", Status::Available, &["anxiety"], KO, 3, 0);
        let mut b = counselor("b", Status::Available, &["anxiety"], KO, 4, 0);
        a.capacity = 3;
        b.capacity = 5;
        let got = assign(&queue, &[a, b], 100);
        assert_eq!(got, vec![("high".to_owned(), "b".to_owned())]);
        // One who speaks the language first; when nobody does, anyone available; a counselor on a
        // break is not interrupted.
        let en = counselor("en", Status::Available, &["anxiety"], &[Language::En], 0, 0);
        let away = counselor("away", Status::Break, &["anxiety"], KO, 0, 0);
        let ko = counselor("ko", Status::Available, &["career"], KO, 3, 0);
        assert_eq!(
            assign(&queue[4..], &[en.clone(), away.clone(), ko], 100),
            vec![("high".to_owned(), "ko".to_owned())]
        );
        assert_eq!(assign(&queue[4..], &[en, away.clone()], 100), vec![("high".to_owned(), "en".to_owned())]);
        assert_eq!(assign(&queue[4..], &[away], 100), vec![]);
    }

    #[test]
    fn waits_are_estimated_from_the_queue() {
        assert_eq!(estimated_wait(0, 2, 300), 300);
        assert_eq!(estimated_wait(4, 2, 300), 900);
        assert_eq!(estimated_wait(1, 0, 300), 600, "nobody serving: one handling time per chat ahead");
        assert_eq!(Status::parse("after_work"), Some(Status::AfterWork));
    }
}

//! The crisis check: does a client's message speak of ending their life or harming themselves
//! (or of someone else about to), in Korean or English, and how urgently?
//!
//! - [`Level::High`]: intent, a plan, means at hand (pills and doses, 번개탄, a rope, a rooftop or
//!   a bridge), a time, an attempt in progress or just made, a goodbye.
//! - [`Level::Concern`]: passive ideation (wishing to die, to disappear, not to wake up),
//!   hopelessness with a death wish, an urge to hurt oneself.
//!
//! Like the abuse check it is rules first, so the counselor can be told why a message was marked
//! (`Assessment::why` names the rules); where the rules find no `high` and rule nothing out, a
//! learned model of letter sequences may add a level (see [`crate::learned`], named
//! `learned.high` or `learned.concern`). It sees through spacing, symbols and digits inside
//! words (`자 살`, `자1살`), consonant shorthand (`ㅈㅅ`, `ㅈㄱㅅㄷ`), liaison spellings and typos
//! (`주꼬싶다`, `쥭고싶`), slang (`뒤지고 싶다`, `kms`, `unalive`), and it leaves alone what only
//! sounds like it: hyperbole and idioms (`배고파 죽겠어요`, `dying to know`, `kill the
//! process`), past and resolved episodes, others' deaths told as news or memory, a negation
//! (`죽고 싶은 건 아니에요`), and a question about a crisis line's number.
//!
//! A message this check marks is never treated as abuse (see [`crate::abuse::classify`]).

/// How urgent a crisis message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    Concern,
    High,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Concern => "concern",
            Level::High => "high",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "concern" => Some(Level::Concern),
            "high" => Some(Level::High),
            _ => None,
        }
    }

    /// As stored in a number column: 0 none, 1 concern, 2 high.
    pub fn rank(level: Option<Level>) -> i64 {
        match level {
            None => 0,
            Some(Level::Concern) => 1,
            Some(Level::High) => 2,
        }
    }

    pub fn from_rank(rank: i64) -> Option<Level> {
        match rank {
            1 => Some(Level::Concern),
            r if r >= 2 => Some(Level::High),
            _ => None,
        }
    }
}

/// What the check decided, with the names of the rules that decided it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Assessment {
    pub level: Option<Level>,
    pub why: Vec<&'static str>,
}

mod compose;
mod english;
mod korean;
mod risk_check;

pub use risk_check::{ACTIONS, IDEATION, MAX_PROTECTIVE_CHARS, RiskCheck, TIMING, YES_NO};

use english::english;
use korean::korean;

/// A rule: its name for `why`, its level, and the phrases (in the Korean or the English form)
/// any one of which fires it.
pub(crate) struct Rule {
    pub(crate) name: &'static str,
    pub(crate) level: Level,
    pub(crate) any_of: &'static [&'static str],
}

/// A count of at least ten tablets taken: `30알 먹었어요`, `took 40 pills`. `units` follow the
/// number (with or without a space), and one of `taken` comes after it in the message.
pub(crate) fn many_pills(text: &str, units: &[&str], taken: &[&str]) -> bool {
    let lower = text.to_lowercase();
    let chars: Vec<char> = lower.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if !chars[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        let n: u32 = chars[start..i].iter().collect::<String>().parse().unwrap_or(0);
        let rest: String = chars[i..].iter().collect();
        let rest = rest.trim_start();
        let unit = units.iter().find(|u| rest.starts_with(*u));
        if n >= 10
            && let Some(u) = unit
        {
            let after = &rest[u.len()..];
            if taken.iter().any(|t| after.contains(t))
                || taken.iter().any(|t| lower[..lower.len() - rest.len()].contains(t))
            {
                return true;
            }
        }
    }
    false
}

/// Checks a message: its crisis level, if any, and why.
pub fn assess(message: &str) -> Assessment {
    assess_with(message, &crate::learned::model().scores(message), &crate::learned::Thresholds::PRODUCT)
}

/// [`assess`] with the learned model's scores already computed (see [`crate::learned`]). The
/// rules decide first; the model is asked only when they found no `high` and ruled nothing out (a
/// negation, a past episode, someone else, a question about a line, an ordinary topic), the
/// message is long enough ([`crate::learned::MIN_WORDS`]) and the model is as sure as `sure` asks.
pub fn assess_with(message: &str, scores: &[f32; 5], sure: &crate::learned::Thresholds) -> Assessment {
    let mut why = Vec::new();
    let ko = korean(message, &mut why);
    let en = english(message, &mut why);
    let mut level = ko.max(en);
    let ruled_out = |w: &&str| {
        w.ends_with("negated")
            || w.ends_with("see-you-next")
            || w.ends_with("idiom")
            || w.ends_with("idiom-or-task")
            || w.ends_with("past")
            || w.ends_with("others")
            || w.contains("asking")
            || w.contains("topic")
    };
    // What the rules set aside for good: a negation, a next meeting planned, an idiom, a task.
    let for_good = |w: &&str| {
        w.ends_with("negated") || w.ends_with("see-you-next") || w.ends_with("idiom") || w.ends_with("idiom-or-task")
    };
    // What only a surer model may overrule: a past episode, someone else, a question.
    let set_aside = |w: &&str| ruled_out(w) && !w.contains("topic") && !for_good(w);
    // Whether the rules saw any word a crisis is told with, though not enough for a level.
    let cue = why.iter().any(|w| w.ends_with(".cue"));
    if level.is_none() {
        why.retain(ruled_out);
    }
    let long = crate::learned::applies(message);
    let [high, crisis, ..] = *scores;
    let read_by_rules = level;
    // Where the model is all but sure the rules went too far, a `high` becomes `concern`; it
    // never takes a crisis away.
    if long && level == Some(Level::High) && high < sure.doubt {
        level = Some(Level::Concern);
        why.push("learned.doubts-high");
    }
    // Where the rules read a crisis only from circumstances, never from a stated wish or intent,
    // and the model sees none at all, it is cleared.
    let stated = |w: &&str| w.ends_with("ideation") || w.ends_with("passive-wish") || w.ends_with("intent");
    if long && level.is_some() && crisis < sure.clear && high < sure.doubt && !why.iter().any(stated) {
        level = None;
        why.push("learned.clears");
    }
    // Where the rules read only a `concern` (never a `high`) and the model is all but sure there
    // is no crisis: a wish told as past, a meme, a school assignment.
    if long && read_by_rules == Some(Level::Concern) && crisis < sure.dismiss && high < sure.doubt {
        level = None;
        why.push("learned.dismisses");
    }
    // Where the rules saw no word a crisis is told with, the model must be surer.
    let grounded = cue || level.is_some();
    let (mut need_high, mut need_concern) =
        if grounded { (sure.high, sure.concern) } else { (sure.high.max(sure.bare), sure.concern.max(sure.bare)) };
    // Where the rules read an ordinary topic, only a model surer still overrules them.
    if why.iter().any(|w| w.contains("topic")) {
        (need_high, need_concern) = (need_high.max(sure.topic), need_concern.max(sure.topic));
    }
    if why.iter().any(set_aside) {
        (need_high, need_concern) = (need_high.max(sure.aside), need_concern.max(sure.aside));
    }
    if level != Some(Level::High) && !why.iter().any(for_good) && long {
        if high >= need_high {
            level = Some(Level::High);
            why.push("learned.high");
        } else if level.is_none() && crisis >= need_concern {
            level = Some(Level::Concern);
            why.push("learned.concern");
        }
    }
    Assessment { level, why }
}

/// The crisis level of a message, if any.
pub fn check(message: &str) -> Option<Level> {
    assess(message).level
}

#[cfg(test)]
mod tests {
    #[test]
    fn circumstances_the_model_sees_no_crisis_in_are_cleared_a_stated_wish_never() {
        let hobby = assess("Bought a new rope and harness for the climbing gym, my first lesson is tomorrow at noon");
        assert_eq!(hobby.level, None, "{:?}", hobby.why);
        assert!(hobby.why.contains(&"learned.clears"), "{:?}", hobby.why);
        for m in ["I bought rope today and I want to die tonight", "옥상에 올라왔어요 오늘 밤에 뛰어내릴 거예요"]
        {
            assert_eq!(assess(m).level, Some(Level::High), "{m}");
        }
        // The same circumstances with a stated wish keep their level however sure the model is.
        let sure = crate::learned::Thresholds { clear: 1.1, doubt: 1.1, ..crate::learned::Thresholds::PRODUCT };
        let kept = assess_with("I bought rope today and I want to die tonight", &[0.0; 5], &sure);
        assert!(kept.level.is_some(), "{:?}", kept.why);
    }

    use super::*;

    #[test]
    fn intent_plans_means_and_goodbyes_are_high() {
        for m in [
            "다 끝내고 싶어요. 오늘 밤에 죽을 거예요",
            "수면제 모아둔 거 오늘 다 먹으려고요",
            "번개탄 사놨어요",
            "I took all my pills",
            "i'm going to kill myself tonight",
            "지금 옥상이에요",
            "그동안 고마웠어요 다들 안녕",
            "ㅈㅅ할거임",
            "자1살 할 거야",
            "goodbye everyone, this is my last message",
        ] {
            assert_eq!(check(m), Some(Level::High), "{m}");
        }
    }

    #[test]
    fn a_means_a_place_or_a_goodbye_with_a_time_is_high_without_a_word_of_death() {
        for m in [
            "rope's in my backpack",
            "15th floor balcony. door's open",
            "옥상 문 열려 있네",
            "수면제 한 달치 모아둔 거 오늘 다 먹을 거야",
            "ive got the pills counted out on my desk. 60 of them. tonight.",
            "오늘 밤 지나면 다 상관없어질 거예요",
            "if you don't hear from me tomorrow, that's why",
            "엄마가 약통 들고 화장실 문 잠그고 안 나와요 제발 도와주세요",
        ] {
            assert_eq!(check(m), Some(Level::High), "{m}: {:?}", assess(m).why);
        }
    }

    #[test]
    fn the_same_kinds_of_words_on_an_ordinary_day_are_not() {
        for m in [
            "We had lunch on the rooftop terrace today, it was nice to be outside for once",
            "i bought a new knife set for my apartment, finally cooking for myself again",
            "오늘 밤에 루프탑 바 가기로 했어요 친구 생일이라 옥상 자리 예약함",
            "선생님 그동안 고마웠어요. 다음 주 마지막 상담 때 봬요",
            "오늘 감기약 먹었어요",
            "I took my meds today like the doctor said",
            "대학 때 옥상 올라간 적도 있었는데 그때 친구가 잡아줬어요. 지금 생각하면 너무 고마워요",
            "Thanks, bye!",
            "다 끝내고 싶다 이 프로젝트ㅋㅋ 3개월째 질질 끌고 있어요",
            "과제 오늘 밤에 다 끝낼 거예요",
        ] {
            assert_eq!(check(m), None, "{m}: {:?}", assess(m).why);
        }
        // A knife aimed at the counselor is a threat, for the abuse check to see.
        assert_eq!(check("칼 들고 상담실 간다"), None);
    }

    #[test]
    fn an_ending_is_a_tasks_only_when_the_task_is_named_beside_it() {
        // 얘기 elsewhere in the message does not make tonight's ending a talk's.
        let m = "선생님한테 말해봤자 소용없는 거 알아요. 로봇이랑 얘기하는 거 같으니까. 어차피 오늘 밤이면 끝이에요";
        assert_eq!(check(m), Some(Level::High), "{:?}", assess(m).why);
        assert_eq!(check("thank you for everything. goodbye"), Some(Level::High));
    }

    #[test]
    fn passive_ideation_is_concern() {
        for m in [
            "다 끝내고 싶어요",
            "죽고 싶다는 생각이 자꾸 들어요",
            "사라지고 싶어요",
            "ㅈㄱㅅㄷ",
            "i wish i could just not wake up",
            "i wanna kms",
        ] {
            assert_eq!(check(m), Some(Level::Concern), "{m}");
        }
    }

    #[test]
    fn a_risk_check_takes_only_known_answers() {
        let ok = RiskCheck::new("active", "yes", "no", "unknown", "now", "her sister", &["safety_plan".into()]);
        assert_eq!(ok.map(|c| c.actions), Ok(vec!["safety_plan".to_owned()]));
        assert_eq!(RiskCheck::new("maybe", "yes", "no", "no", "now", "", &[]), Err("error-crisis-check"));
        assert_eq!(RiskCheck::new("none", "yes", "no", "no", "now", "", &["call".into()]), Err("error-crisis-check"));
        let lines = RiskCheck::new("none", "no", "no", "no", "none", "언니\r\n친구", &[]);
        assert_eq!(lines.map(|c| c.protective), Ok("언니\n친구".to_owned()), "line breaks as browsers send them");
        let long = "가".repeat(MAX_PROTECTIVE_CHARS + 1);
        assert_eq!(RiskCheck::new("none", "no", "no", "no", "none", &long, &[]), Err("error-crisis-too-long"));
    }

    #[test]
    fn idioms_past_news_and_questions_pass() {
        for m in [
            "배고파 죽겠어요",
            "웃겨 죽는 줄 알았어요",
            "피곤해 죽겠네",
            "I'm dying to know",
            "I'm dead tired",
            "how do I kill the process",
            "3년 전에 자살 시도했었는데 지금은 괜찮아요",
            "I used to self-harm in high school, I'm doing much better now",
            "할머니가 작년에 돌아가셨어요",
            "자살예방 상담전화 번호가 뭐예요?",
            "죽고 싶은 건 아니에요",
            "I don't want to die, I just feel tired",
        ] {
            assert_eq!(check(m), None, "{m}: {:?}", assess(m).why);
        }
    }
}

//! The check of a client's chat message for insults and profanity, threats, and sexual
//! harassment, in Korean and English, including the usual ways of slipping past a word list:
//! spaces or symbols inside words (`시.발`, `f u c k`), consonant-only forms (`ㅅㅂ`, `ㅄ`),
//! digits or Latin look-alikes inside words (`시1발`, `b1tch`, `fuсk` with a Cyrillic `с`),
//! full-width letters, repeated letters (`시이이발`, `fuuuck`), tense or aspirated consonants
//! (`씨빨`, `씨팔`), and Korean typed on an English keyboard (`tlqkf`).
//!
//! Threats and sexual remarks are also read by meaning: a place or person of the counselor's with
//! finding or waiting; body, clothes, photos or a date addressed to them.
//!
//! It is words and rules first, so every decision can be explained to a counselor and to the
//! client (`explain` names them); where they find nothing, a learned model may flag a message it is
//! very sure of (see [`crate::learned`], named `learned.<category>`). Ordinary messages are kept from being flagged: a word a
//! client reports someone else saying (`남편이 저를 죽인다고 했어요`, `he called me an idiot`), a
//! client's hard word about themselves, about someone in their own life or about the app, and a
//! question about sexuality or abuse in their own life. [`classify`] asks the crisis check first:
//! a crisis message is never abuse. The figures on labelled sets are in BENCHMARKS.md. The Korean
//! rules are in `korean`, the English ones in `english`.

/// What a message was flagged for, most serious last.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Category {
    Insult,
    /// Ends the conversation at once (the counselor's choice).
    Sexual,
    Threat,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Insult => "insult",
            Category::Sexual => "sexual",
            Category::Threat => "threat",
        }
    }
}

mod english;
mod korean;

/// What a language's rules note when they found a rude word and set it aside.
const EXEMPT: &str = "exempt";

use english::english;
use korean::korean;

/// Checks a message for abuse alone: the most serious thing it was flagged for, or `None`. Use
/// [`classify`], which first asks the crisis check: a crisis message is never abuse.
pub fn check(message: &str) -> Option<Category> {
    explain(message).0
}

/// The abuse check with the words or rules that decided it.
pub fn explain(message: &str) -> (Option<Category>, Vec<String>) {
    explain_with(message, &crate::learned::model().scores(message), &crate::learned::Thresholds::PRODUCT)
}

/// [`explain`] with the learned model's scores already computed: the rules first, then the model's
/// most likely category if it is sure enough and the message long enough (see
/// [`crate::learned`]).
fn explain_with(
    message: &str,
    scores: &[f32; 5],
    sure: &crate::learned::Thresholds,
) -> (Option<Category>, Vec<String>) {
    let mut why = Vec::new();
    let ko = korean(message, &mut why);
    let en = english(message, &mut why);
    let mut got = match (ko, en) {
        (Some(a), Some(b)) => Some(a.max(b)),
        (a, b) => a.or(b),
    };
    // A rude word the rules found and set aside (said of oneself, told of someone else, a
    // threat made to the client) is the model's to flag again only when it is surer still.
    let exempt = why.iter().any(|w| w == EXEMPT);
    why.retain(|w| w != EXEMPT);
    let long = crate::learned::applies(message);
    // A threat or a sexual remark read by meaning (a place and waiting, a body and a word about
    // it) the model all but rules out is not flagged; a rude word aimed at the counselor is.
    if matches!(got, Some(Category::Threat | Category::Sexual))
        && long
        && scores[2].max(scores[3]).max(scores[4]) < sure.doubt
    {
        got = None;
    }
    if got.is_none() {
        why.clear();
        let need = if exempt { sure.abuse.max(sure.exempt) } else { sure.abuse };
        let [_, _, insult, threat, sexual] = *scores;
        let (category, score) = [(Category::Threat, threat), (Category::Sexual, sexual), (Category::Insult, insult)]
            .into_iter()
            .fold((Category::Insult, 0.0f32), |best, c| if c.1 > best.1 { c } else { best });
        if score >= need && long {
            got = Some(category);
            why.push(format!("learned.{}", category.as_str()));
        }
    }
    (got, why)
}

/// Both checks of a client's message, as the product applies them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub abuse: Option<Category>,
    pub crisis: Option<crate::crisis::Level>,
    /// The rules or words that decided it, for the counselor and for `sangdam classify`.
    pub why: Vec<String>,
}

/// Checks a message for a crisis first: a message that speaks of ending one's life or harming
/// oneself is never abuse, whatever words it uses. Otherwise, the abuse check.
pub fn classify(message: &str) -> Classification {
    classify_with(message, &crate::learned::model().scores(message), &crate::learned::Thresholds::PRODUCT)
}

/// [`classify`] with the learned model's scores and the thresholds given: how the combination is
/// measured with a model trained without the messages it is measured on.
pub fn classify_with(message: &str, scores: &[f32; 5], sure: &crate::learned::Thresholds) -> Classification {
    let crisis = crate::crisis::assess_with(message, scores, sure);
    if crisis.level.is_some() {
        return Classification {
            abuse: None,
            crisis: crisis.level,
            why: crisis.why.iter().map(|w| format!("crisis:{w}")).collect(),
        };
    }
    let (abuse, why) = explain_with(message, scores, sure);
    Classification { abuse, crisis: None, why }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evasive_spellings_are_seen_through() {
        for m in [
            "시 발",
            "시1발",
            "씨~빨",
            "ㅅㅂ",
            "ㅄ",
            "시이이발",
            "ｆｕｃｋ",
            "fuсk",
            "f u c k",
            "b!tch",
            "fuuuck",
            "f*ck",
            "tlqkf",
        ] {
            assert_eq!(check(m), Some(Category::Insult), "{m}");
        }
    }

    #[test]
    fn ordinary_words_that_contain_rude_ones_pass() {
        for m in [
            "시발점이 어디예요",
            "불이 꺼져요",
            "닥쳐올 시험",
            "ㄱㅅㄱㅅ",
            "i assessed my class",
            "scunthorpe",
            "dickens",
            "shiitake",
        ] {
            assert_eq!(check(m), None, "{m}");
        }
    }

    #[test]
    fn reported_and_self_directed_words_pass() {
        assert_eq!(check("동료가 씨발이라고 소리 질렀어요"), None);
        assert_eq!(check("my boss called me an idiot"), None);
        assert_eq!(check("저는 쓰레기 같은 인간이에요"), None);
        assert_eq!(check("이 쓰레기 같은 상담사야"), Some(Category::Insult));
    }

    #[test]
    fn threats_and_harassment_outrank_insults() {
        assert_eq!(check("씨발 죽여버린다"), Some(Category::Threat));
        assert_eq!(check("fuck you, send nudes"), Some(Category::Sexual));
        assert_eq!(check("you're dead right"), None);
        assert_eq!(check("you're dead."), Some(Category::Threat));
    }
}

#[cfg(test)]
mod ordinary_messages {
    use super::*;
    use crate::crisis::Level;

    /// Messages a client wrote in the running product that the check once flagged.
    #[test]
    fn what_clients_wrote_is_not_abuse() {
        for m in [
            "남편이 저를 죽인다고 했어요",
            "아빠가 죽여버리겠다며 소리쳤어요",
            "그 사람이 저를 때리겠냐고 묻더라고요",
            "삼십 분째 기다리고 있어요",
            "십 분만 더 기다릴게요",
            "벌써 사십 분이에요",
            "학비를 대주셨어요",
            "섹스리스 부부 문제로 상담받고 싶어요",
            "아이가 자위를 해요",
            "I'll shoot you an email later",
            "I'm sorry if I hurt you",
            "will they make you pay for the session?",
            "내일 병원에 찾아간다",
            "고양이가 새끼들을 낳았어요",
            "십대 아들이 말을 안 들어요",
            "I'm such an idiot",
            "I feel like shit today",
            "he said he would kill me",
            "my ex threatened to hurt my kids",
            // A rude word about someone of the client's own world, about the client, or a
            // thing; a phrase others keep saying to them.
            "That asshole driver cut me off on the highway",
            "The bastard ghosted me after three years",
            "My coworker is a total jerk, he took credit for my slides again.",
            "Dumbass me forgot my lunch at home.",
            "My parents keep asking when I'm going to \"get a real job.\"",
            "아까 탄 택시기사 미친놈이었음 신호 다 무시함",
            "어떤 개새끼가 제 차 긁고 도망감",
            "아 ㅅㅂ 노트북 또 꺼졌어요 상담 연결 끊겨서 죄송해요",
            "요즘 밥맛이 없어서 하루에 한 끼 정도 먹어요.",
            "와이파이가 약해서 그런지 선생님 목소리가 로봇처럼 들려요",
        ] {
            let c = classify(m);
            assert_eq!(c.abuse, None, "{m}: {:?}", c.why);
        }
        // The same words aimed at the counselor still are.
        for m in ["you asshole", "you're a total jerk", "밥맛없는 상담사네", "로봇이랑 얘기하는 게 낫겠네"]
        {
            assert!(classify(m).abuse.is_some(), "{m}");
        }
    }

    #[test]
    fn a_crisis_is_never_abuse_whatever_words_it_uses() {
        for m in [
            "회사에서 너무 힘들어서 그냥 죽어버리고 싶어요",
            "씨발 그냥 다 끝내고 죽어버릴래",
            "fuck it I'm going to kill myself tonight",
            "ㅅㅂ 약 다 먹었어",
            "this shit is too much, I want to die",
        ] {
            let c = classify(m);
            assert_eq!(c.abuse, None, "{m}: {:?}", c.why);
            assert!(c.crisis.is_some(), "{m}");
        }
        assert_eq!(classify("다 끝내고 싶어요").crisis, Some(Level::Concern));
        assert_eq!(classify("I took all my pills").crisis, Some(Level::High));
    }

    #[test]
    fn abuse_without_listed_words_is_seen() {
        for (m, want) in [
            ("너 사는 곳 알아냈어. 퇴근길 조심해라", Category::Threat),
            ("I know where you live", Category::Threat),
            ("I'll be waiting outside your office when you get off work", Category::Threat),
            ("선생님 몸매 진짜 좋으시네요", Category::Sexual),
            ("send me a pic of you in that dress", Category::Sexual),
            ("you're useless and stupid", Category::Insult),
            ("상담사 자격도 없는 주제에", Category::Insult),
        ] {
            assert_eq!(classify(m).abuse, Some(want), "{m}: {:?}", classify(m).why);
        }
    }
}

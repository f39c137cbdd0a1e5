//! The counselor's side of a chat: the graded response to a client's abusive messages,
//! and a language assistant that points out expressions service guidelines warn against in the
//! counselor's own messages (informal speech to a client, blame, bare commands, a refusal with no
//! alternative). The assistant only advises; it never stops a message.

use crate::abuse::Category;

/// What the product does after a client's flagged message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A polite automatic warning to the client; the counselor sees that it was sent.
    Warning,
    /// The last warning: one more and the counselor is offered to end the conversation.
    FinalWarning,
    /// The warnings are used up: the counselor (or a supervisor) is offered to end the
    /// conversation with one click. The product never ends or bans by itself: that is a
    /// person's decision.
    OfferEnd,
}

/// The step after a flagged message, given how many flagged messages came before it in this
/// conversation. Threats and sexual harassment skip the first warning, and the counselor may end
/// the conversation at once (see [`ends_at_once`]).
pub fn step(previous: u32, category: Category) -> Step {
    let severe = matches!(category, Category::Threat | Category::Sexual);
    match previous + u32::from(severe) {
        0 => Step::Warning,
        1 => Step::FinalWarning,
        _ => Step::OfferEnd,
    }
}

/// Whether the counselor is offered to end the conversation at once for this category.
pub fn ends_at_once(category: Category) -> bool {
    matches!(category, Category::Threat | Category::Sexual)
}

/// What the assistant noticed in a counselor's message, with a Fluent id for its suggestion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Advice {
    /// 반말 to a client.
    Informal,
    Blame,
    BareCommand,
    RefusalWithoutAlternative,
}

impl Advice {
    pub fn message_id(self) -> &'static str {
        match self {
            Advice::Informal => "advice-informal",
            Advice::Blame => "advice-blame",
            Advice::BareCommand => "advice-command",
            Advice::RefusalWithoutAlternative => "advice-alternative",
        }
    }
}

/// Sentence endings of informal Korean: the last word ends like this and not politely.
const KO_INFORMAL_ENDINGS: &[&str] = &[
    "해",
    "했어",
    "할게",
    "알았어",
    "그래",
    "맞아",
    "아니야",
    "몰라",
    "있어",
    "없어",
    "돼",
    "줘",
    "봐",
    "와",
    "가",
    "하지마",
    "하자",
    "해라",
    "거야",
    "잖아",
    "니",
    "냐",
    "어",
    "아",
    "야",
    "려",
    "라",
    "지",
];
const KO_BLAME: &[&str] =
    &["당신 탓", "네 탓", "니 탓", "당신 잘못", "네 잘못", "그러니까 그렇게", "왜 그랬어요", "그것도 몰라"];
const KO_COMMANDS: &[&str] = &["기다려", "조용히 해", "진정해", "그만해", "빨리 해", "다시 말해", "읽어 봐"];
const KO_REFUSALS: &[&str] =
    &["안 돼요", "안됩니다", "안 됩니다", "불가능합니다", "불가능해요", "할 수 없어요", "할 수 없습니다", "어렵습니다"];
const KO_ALTERNATIVES: &[&str] = &["대신", "다른 방법", "가능한 것은", "도와드릴", "안내해", "방법이 있"];
const EN_BLAME: &[&str] =
    &["your fault", "you should have", "that's on you", "you always", "you never", "your own fault"];
const EN_COMMANDS: &[&str] = &["calm down", "wait.", "stop it", "listen to me", "just do it", "be quiet", "hurry up"];
const EN_REFUSALS: &[&str] =
    &["we can't", "i can't", "not possible", "impossible", "no.", "that's not allowed", "we don't do that"];
const EN_ALTERNATIVES: &[&str] =
    &["instead", "alternatively", "what i can do", "you could", "another way", "i can help"];

fn has(text: &str, any: &[&str]) -> bool {
    any.iter().any(|p| text.contains(p))
}

/// Looks at a counselor's message and says what a guideline would change; empty when nothing.
pub fn advise(message: &str) -> Vec<Advice> {
    let text = message.trim().to_lowercase();
    let mut out = Vec::new();
    let informal = text
        .split(['.', '!', '?', '\n'])
        .filter_map(|sentence| sentence.split_whitespace().last())
        .any(|last| KO_INFORMAL_ENDINGS.iter().any(|e| last.ends_with(e)) && !last.ends_with('요'));
    if informal {
        out.push(Advice::Informal);
    }
    if has(&text, KO_BLAME) || has(&text, EN_BLAME) {
        out.push(Advice::Blame);
    }
    let command = KO_COMMANDS
        .iter()
        .any(|c| text.contains(c) && !text.contains(&format!("{c}요")) && !text.contains(&format!("{c} 주")))
        || has(&text, EN_COMMANDS) && !text.contains("please");
    if command {
        out.push(Advice::BareCommand);
    }
    let refusal = (has(&text, KO_REFUSALS) || has(&text, EN_REFUSALS) || text == "no")
        && !has(&text, KO_ALTERNATIVES)
        && !has(&text, EN_ALTERNATIVES);
    if refusal {
        out.push(Advice::RefusalWithoutAlternative);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_strikes_and_severe_ones_skip_a_warning() {
        assert_eq!(step(0, Category::Insult), Step::Warning);
        assert_eq!(step(1, Category::Insult), Step::FinalWarning);
        assert_eq!(step(2, Category::Insult), Step::OfferEnd);
        assert_eq!(step(7, Category::Insult), Step::OfferEnd);
        assert_eq!(step(0, Category::Threat), Step::FinalWarning);
        assert_eq!(step(1, Category::Sexual), Step::OfferEnd);
        assert!(ends_at_once(Category::Threat) && ends_at_once(Category::Sexual) && !ends_at_once(Category::Insult));
    }

    #[test]
    fn the_assistant_notices_what_guidelines_warn_against() {
        assert_eq!(advise("그건 네 잘못이야. 다시 해"), vec![Advice::Informal, Advice::Blame]);
        assert_eq!(advise("잠시만 기다려"), vec![Advice::Informal, Advice::BareCommand]);
        assert_eq!(advise("그건 안 됩니다."), vec![Advice::RefusalWithoutAlternative]);
        assert_eq!(advise("Calm down."), vec![Advice::BareCommand]);
        assert_eq!(advise("No."), vec![Advice::RefusalWithoutAlternative]);
        assert_eq!(advise("It was your fault"), vec![Advice::Blame]);
    }

    #[test]
    fn polite_messages_pass() {
        for m in [
            "잠시만 기다려 주시겠어요?",
            "말씀해 주셔서 고마워요.",
            "그건 어렵지만, 대신 다음 주 상담을 안내해 드릴게요.",
            "오늘 어떤 이야기를 나누고 싶으세요?",
            "Could you please wait a moment?",
            "We can't do that, but instead I can book you a call tomorrow.",
            "Thank you for telling me.",
        ] {
            assert_eq!(advise(m), vec![], "{m}");
        }
    }
}

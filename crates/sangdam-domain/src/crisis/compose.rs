//! Kinds of words that are harmless alone and urgent together.
//!
//! The phrase rules name ways of saying it; people find others. These rules read a message as a
//! handful of kinds of words instead (a means, a place, a time, a decision, an act, a goodbye,
//! someone else) and mark it `high` when the kinds that make a plan or an attempt meet: a rope
//! and "tonight", a rooftop and "going up", pills counted out and "I will", a goodbye and a time.
//! Each language fills in [`Cues`] from its own word lists; the combinations are the same.

/// Which kinds of words a message holds.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Cues {
    /// A means that has no everyday use in a counseling chat: a rope, charcoal, a gun, jumping.
    pub(crate) means: bool,
    /// Pills or medicine, which alone is ordinary.
    pub(crate) pills: bool,
    /// All of them, a month's worth, counted or saved up.
    pub(crate) many: bool,
    /// A high place or a road: a rooftop, a ledge, a bridge, train tracks.
    pub(crate) place: bool,
    /// What people do in those places on an ordinary day: a garden, a walk, photos, a party.
    pub(crate) everyday: bool,
    /// Now, tonight, a day, after an event.
    pub(crate) time: bool,
    /// A decision or getting ready: will, going to, decided, bought, the date is set.
    pub(crate) decided: bool,
    /// Done or under way: took, swallowed, standing on, opened, cutting.
    pub(crate) act: bool,
    /// Dying or ending one's life, said of oneself.
    pub(crate) death: bool,
    /// One way of saying goodbye, and a second, different one.
    pub(crate) goodbye: bool,
    pub(crate) goodbye_twice: bool,
    /// Thanks, sorry, take care: ordinary alone, a goodbye from someone else at risk.
    pub(crate) farewell_word: bool,
    /// Cutting or hurting oneself.
    pub(crate) self_harm: bool,
    /// Bleeding that does not stop, a deep cut.
    pub(crate) bleeding: bool,
    /// Only an urge or a wish (싶다, "want to", "urge").
    pub(crate) only_a_wish: bool,
    /// "I'm safe right now", 지금은 안전해요: the writer says there is no danger now.
    pub(crate) safe: bool,
    /// A friend, a parent, a child, a roommate as the subject.
    pub(crate) someone_else: bool,
    /// Help now, no answer, a locked door.
    pub(crate) urgent: bool,
}

/// The combination that fired, named for `why`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    MeansAndWhen,
    PillsCounted,
    PlaceAndWhen,
    DeathAndWhen,
    Goodbye,
    BleedingNow,
    SomeoneElseNow,
}

impl Cues {
    /// Whether any kind of word that a crisis is told with is here (a time or a decision alone is
    /// not): where the rules find no crisis, the learned model may add one only then.
    pub(crate) fn any(&self) -> bool {
        self.means
            || self.pills
            || (self.place && !self.everyday)
            || self.death
            || self.goodbye
            || self.farewell_word
            || self.self_harm
            || self.bleeding
            || self.urgent
            || self.only_a_wish
    }

    /// The first combination that makes this message urgent, if any.
    pub(crate) fn decide(&self) -> Option<Signal> {
        if self.safe {
            return None;
        }
        let when = self.time || self.decided || self.act;
        let pills_at_risk = self.pills && (self.many || self.death);
        let place = self.place && !self.everyday;
        let danger = self.means || pills_at_risk || place || self.death || self.goodbye || self.self_harm;
        let their_danger = danger || (self.urgent && (self.pills || self.farewell_word)) || (self.pills && self.act);
        if self.someone_else && their_danger && (self.time || self.act || self.urgent) {
            return Some(Signal::SomeoneElseNow);
        }
        if self.means && when {
            return Some(Signal::MeansAndWhen);
        }
        if (pills_at_risk && when) || (self.pills && self.act && self.urgent) {
            return Some(Signal::PillsCounted);
        }
        if place && when {
            return Some(Signal::PlaceAndWhen);
        }
        if self.death && (self.time || self.decided) {
            return Some(Signal::DeathAndWhen);
        }
        if self.goodbye_twice
            || (self.goodbye && (self.time || self.decided || self.death || self.means || pills_at_risk || place))
        {
            return Some(Signal::Goodbye);
        }
        if self.self_harm && (!self.only_a_wish || self.act) && (self.bleeding || (self.act && self.time)) {
            return Some(Signal::BleedingNow);
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_kind_alone_is_never_urgent() {
        let alone = [
            Cues { means: true, ..Cues::default() },
            Cues { pills: true, act: true, time: true, ..Cues::default() },
            Cues { place: true, time: true, everyday: true, ..Cues::default() },
            Cues { death: true, ..Cues::default() },
            Cues { goodbye: true, ..Cues::default() },
            Cues { self_harm: true, only_a_wish: true, bleeding: true, ..Cues::default() },
            Cues { someone_else: true, time: true, ..Cues::default() },
        ];
        for c in alone {
            assert_eq!(c.decide(), None, "{c:?}");
        }
    }

    #[test]
    fn kinds_that_make_a_plan_are() {
        let c = Cues { means: true, time: true, ..Cues::default() };
        assert_eq!(c.decide(), Some(Signal::MeansAndWhen));
        let c = Cues { pills: true, many: true, decided: true, ..Cues::default() };
        assert_eq!(c.decide(), Some(Signal::PillsCounted));
        let c = Cues { place: true, act: true, ..Cues::default() };
        assert_eq!(c.decide(), Some(Signal::PlaceAndWhen));
        let c = Cues { goodbye: true, goodbye_twice: true, ..Cues::default() };
        assert_eq!(c.decide(), Some(Signal::Goodbye));
        let c = Cues { someone_else: true, place: true, urgent: true, ..Cues::default() };
        assert_eq!(c.decide(), Some(Signal::SomeoneElseNow));
    }
}

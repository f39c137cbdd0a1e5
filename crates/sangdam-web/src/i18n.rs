//! Korean and English through Fluent. Every user-visible string lives in `locales/<lang>/*.ftl`,
//! embedded in the binary; Rust code and templates refer to messages by id only.

use std::sync::Arc;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use sangdam_domain::Language;
use unic_langid::LanguageIdentifier;

const KO: &[&str] = &[
    include_str!("../locales/ko/main.ftl"),
    include_str!("../locales/ko/mail.ftl"),
    include_str!("../locales/ko/booking.ftl"),
    include_str!("../locales/ko/room.ftl"),
    include_str!("../locales/ko/records.ftl"),
    include_str!("../locales/ko/chat.ftl"),
    include_str!("../locales/ko/crisis.ftl"),
    include_str!("../locales/ko/audit.ftl"),
    include_str!("../locales/ko/api.ftl"),
];
const EN: &[&str] = &[
    include_str!("../locales/en/main.ftl"),
    include_str!("../locales/en/mail.ftl"),
    include_str!("../locales/en/booking.ftl"),
    include_str!("../locales/en/room.ftl"),
    include_str!("../locales/en/records.ftl"),
    include_str!("../locales/en/chat.ftl"),
    include_str!("../locales/en/crisis.ftl"),
    include_str!("../locales/en/audit.ftl"),
    include_str!("../locales/en/api.ftl"),
];

pub struct I18n {
    ko: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

impl std::fmt::Debug for I18n {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("I18n")
    }
}

fn bundle(lang: &str, sources: &[&str]) -> Result<FluentBundle<FluentResource>, String> {
    let id: LanguageIdentifier = lang.parse().map_err(|e| format!("{lang}: {e}"))?;
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Unicode isolation marks would end up inside HTML attributes and emails; our arguments are
    // never mixed-direction text.
    bundle.set_use_isolating(false);
    for source in sources {
        let resource = FluentResource::try_new((*source).to_owned())
            .map_err(|(_, errors)| format!("{lang}: Fluent syntax errors: {errors:?}"))?;
        bundle.add_resource(resource).map_err(|errors| format!("{lang}: duplicate messages: {errors:?}"))?;
    }
    Ok(bundle)
}

impl I18n {
    pub fn load() -> Result<Self, String> {
        Ok(Self { ko: bundle("ko", KO)?, en: bundle("en", EN)? })
    }

    fn bundle(&self, lang: Language) -> &FluentBundle<FluentResource> {
        match lang {
            Language::Ko => &self.ko,
            Language::En => &self.en,
        }
    }

    pub fn has(&self, lang: Language, id: &str) -> bool {
        self.bundle(lang).has_message(id)
    }

    /// The message `id` in `lang`. A missing message shows its id, which the tests below make
    /// impossible for every id the code and templates use.
    pub fn message(&self, lang: Language, id: &str, args: Option<&FluentArgs<'_>>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
            tracing::warn!(message_id = id, "missing translation");
            return id.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::warn!(message_id = id, ?errors, "translation formatting error");
        }
        text.into_owned()
    }
}

/// A translator bound to one request's language; what templates call.
#[derive(Clone, Debug)]
pub struct Tr {
    i18n: Arc<I18n>,
    pub lang: Language,
}

impl Tr {
    pub fn new(i18n: Arc<I18n>, lang: Language) -> Self {
        Self { i18n, lang }
    }

    pub fn t(&self, id: &str) -> String {
        self.i18n.message(self.lang, id, None)
    }

    /// A message with one named argument.
    pub fn ta(&self, id: &str, name: &str, value: impl ToString) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value.to_string()));
        self.i18n.message(self.lang, id, Some(&args))
    }

    /// A message with one numeric argument, so that Fluent can choose plural forms.
    pub fn tn(&self, id: &str, name: &str, value: i64) -> String {
        let mut args = FluentArgs::new();
        args.set(name, FluentValue::from(value));
        self.i18n.message(self.lang, id, Some(&args))
    }

    pub fn code(&self) -> &'static str {
        self.lang.code()
    }

    pub fn i18n(&self) -> &I18n {
        &self.i18n
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    use super::*;

    fn ids(sources: &[&str]) -> BTreeSet<String> {
        sources
            .iter()
            .flat_map(|s| s.lines())
            .filter_map(|l| {
                let (id, _) = l.split_once(" =")?;
                (!id.is_empty() && !id.starts_with([' ', '#', '-', '.'])).then(|| id.trim().to_owned())
            })
            .collect()
    }

    #[test]
    fn both_languages_have_the_same_messages() {
        let i18n = I18n::load().unwrap();
        let (ko, en) = (ids(KO), ids(EN));
        assert!(ko.len() > 50);
        let only_ko: Vec<_> = ko.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&ko).collect();
        assert!(only_ko.is_empty() && only_en.is_empty(), "only ko: {only_ko:?}; only en: {only_en:?}");
        for id in &ko {
            assert!(i18n.has(Language::Ko, id) && i18n.has(Language::En, id), "{id}");
        }
    }

    const PREFIXES: &[&str] = &[
        "error-",
        "notice-",
        "invite-",
        "reset-",
        "forgot-",
        "role-",
        "invitation-",
        "mail-",
        "two-factor-",
        "signin-",
        "nav-",
        "kind-",
        "status-",
        "weekday-",
        "exception-",
        "ics-",
        "room-",
    ];

    fn is_message_id(id: &str) -> bool {
        id.contains('-')
            && !id.starts_with('-')
            && !id.ends_with('-')
            && id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    }

    /// Every `t("...")`, `ta("...")` and `tn("...")` in the templates and the Rust sources, and
    /// every message id string literal in the sources, names a message in both languages.
    #[test]
    fn every_used_message_exists() {
        let i18n = I18n::load().unwrap();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut used = BTreeSet::new();
        let mut stack = vec![root.join("templates"), root.join("src")];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for marker in [".t(\"", ".ta(\"", ".tn(\""] {
                    for piece in text.split(marker).skip(1) {
                        if let Some(id) = piece.split('"').next()
                            && is_message_id(id)
                        {
                            used.insert(id.to_owned());
                        }
                    }
                }
                // Message ids handed around as plain strings in Rust ("error-404-title").
                if path.extension().is_some_and(|e| e == "rs") {
                    for (i, piece) in text.split('"').enumerate() {
                        if i % 2 == 1 && is_message_id(piece) && PREFIXES.iter().any(|p| piece.starts_with(p)) {
                            used.insert(piece.to_owned());
                        }
                    }
                }
            }
        }
        assert!(used.len() > 50, "{}", used.len());
        let missing: Vec<_> =
            used.iter().filter(|id| !i18n.has(Language::Ko, id) || !i18n.has(Language::En, id)).collect();
        assert!(missing.is_empty(), "messages used but not defined: {missing:?}");
    }

    #[test]
    fn domain_errors_have_messages() {
        use sangdam_domain::email::EmailError;
        use sangdam_domain::password::{GuessHint, PasswordError};
        use sangdam_domain::profile::{DisplayNameError, TimezoneError};
        let i18n = I18n::load().unwrap();
        let mut ids = vec![
            EmailError::Empty.message_id(),
            EmailError::TooLong.message_id(),
            EmailError::Malformed.message_id(),
            DisplayNameError::Empty.message_id(),
            DisplayNameError::TooLong.message_id(),
            DisplayNameError::Control.message_id(),
            TimezoneError.message_id(),
            PasswordError::TooShort { min: 10 }.message_id(),
            PasswordError::TooLong { max: 128 }.message_id(),
        ];
        for hint in [
            GuessHint::Common,
            GuessHint::KeyboardPattern,
            GuessHint::Repeats,
            GuessHint::Sequence,
            GuessHint::DatesOrYears,
            GuessHint::SingleWordOrName,
            GuessHint::PersonalInfo,
            GuessHint::General,
        ] {
            ids.push(PasswordError::TooGuessable(hint).message_id());
        }
        use sangdam_domain::booking::availability::AvailabilityError;
        use sangdam_domain::booking::{AppointmentStatus, SessionKind};
        use sangdam_domain::money::MoneyError;
        ids.extend(AppointmentStatus::ALL.iter().map(|s| s.message_id()));
        ids.extend(SessionKind::ALL.iter().map(|k| k.message_id()));
        ids.extend(
            [AvailabilityError::TimeMalformed, AvailabilityError::EmptyInterval, AvailabilityError::RuleOutOfRange]
                .map(AvailabilityError::message_id),
        );
        ids.extend([MoneyError::Malformed, MoneyError::OutOfRange].map(MoneyError::message_id));
        use sangdam_domain::form::{AnswerError, FormSpecError};
        use sangdam_domain::questionnaire::Band;
        ids.extend(FormSpecError::ALL.map(FormSpecError::message_id));
        ids.extend(AnswerError::ALL.map(AnswerError::message_id));
        ids.extend(Band::ALL.map(Band::message_id));
        ids.extend(sangdam_domain::note::NoteError::ALL.map(sangdam_domain::note::NoteError::message_id));
        ids.extend(sangdam_domain::note::Template::ALL.map(sangdam_domain::note::Template::message_id));
        use sangdam_domain::courtesy::Advice;
        ids.extend(
            [Advice::Informal, Advice::Blame, Advice::BareCommand, Advice::RefusalWithoutAlternative]
                .map(Advice::message_id),
        );
        use sangdam_domain::aftercare::{AftercareError, FEEDBACK_QUESTIONS};
        ids.extend(AftercareError::ALL.map(AftercareError::message_id));
        let questions: Vec<String> = FEEDBACK_QUESTIONS.iter().map(|q| format!("feedback-q-{q}")).collect();
        ids.extend(questions.iter().map(String::as_str));
        let kinds = [
            "form-kind-short-text",
            "form-kind-long-text",
            "form-kind-single",
            "form-kind-multiple",
            "form-kind-scale",
        ];
        ids.extend(kinds);
        let sections = sangdam_domain::note::Template::ALL.iter().flat_map(|t| t.sections());
        let section_ids: Vec<String> = sections.map(|s| format!("note-section-{s}")).collect();
        ids.extend(section_ids.iter().map(String::as_str));
        for id in ids {
            assert!(i18n.has(Language::Ko, id) && i18n.has(Language::En, id), "{id}");
        }
    }
}

//! Outgoing mail. Every email is rendered in the recipient's language and written to the outbox;
//! [`run_sender`] delivers it over SMTP when a server is configured, with retries, and otherwise
//! it stays in the outbox for admins to read in the product.
//!
//! A mail that carries a secret link (a password reset, an invitation, a chat transcript) is
//! stored twice: sealed whole (`sealed_body`, purpose `mail.body`), which only the sender opens,
//! and with the link replaced (`body`), which is all the product ever shows. So neither a copy of
//! the database nor an admin reading the outbox can use the link.
//!
//! Delivery is at least once: a mail is claimed alone under a one-minute lease, sent in one SMTP
//! transaction and marked sent at once; a server that dies between the receiving server's "250"
//! and that mark sends that one mail again after the lease (with the same Message-ID, by which
//! receivers recognize it). Up to [`PARALLEL`] mails are in flight at a time, each claimed on its
//! own, so one slow or stuck recipient never holds the others' mail.

use std::time::Duration;

use anyhow::Context as _;
use lettre::message::header::ContentType;
use lettre::message::{Attachment, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use sangdam_domain::{Email, Language};
use sangdam_store::MailRecord;
use tokio::sync::watch;

use crate::config::{SmtpConfig, SmtpSecurity};
use crate::crypto::random;
use crate::i18n::Tr;
use crate::metrics::Metrics;
use crate::state::AppState;
use crate::worker::Worker;

/// The mails Sangdam sends, with what each one says.
#[derive(Debug, Clone)]
pub enum Mail {
    PasswordReset {
        link: String,
    },
    Invitation {
        link: String,
        role_message_id: &'static str,
    },
    AccountLocked {
        minutes: i64,
        reset_link: String,
    },
    PasswordChanged,
    /// The link that finishes a client's sign-up.
    ConfirmSignup {
        link: String,
        hours: i64,
    },
    /// Someone tried to sign up with an address that has an account.
    SignupExisting {
        signin: String,
        reset: String,
    },
    RoomInvitation {
        link: String,
        host: String,
    },
    /// A client's questionnaire answer needs attention now (no name, no answer in the mail).
    RiskAlert {
        link: String,
    },
    /// To admins and on-call addresses: a risk alert waits and no counselor or supervisor can
    /// see it (no name, no answer).
    RiskAlertNoStaff {
        link: String,
    },
    /// A client's message spoke of suicide or self-harm (no name, no message in the mail).
    CrisisAlert {
        link: String,
    },
    /// To the on-call addresses: a crisis event waits and no counselor is online.
    CrisisOnCall {
        link: String,
    },
    /// The counselor shared a session summary (the mail holds no content).
    SummaryShared {
        link: String,
        counselor: String,
    },
    /// How was the session? A link to the short survey.
    FeedbackInvitation {
        link: String,
        counselor: String,
    },
    /// No next session is booked some days after the last one.
    FollowUp {
        link: String,
        counselor: String,
    },
    /// The counselor asks the client to fill in a form before a session or between sessions.
    FormRequested {
        link: String,
        counselor: String,
    },
    /// A new secure message waits in Sangdam (the mail holds no content).
    NewMessage {
        link: String,
        from: String,
    },
    /// The client asked for the chat's transcript: a link to it (the mail holds no content).
    ChatTranscript {
        link: String,
        days: i64,
    },
    /// To supervisors: a chat or a session was ended because of abuse (no content, no names).
    AbuseAlert {
        link: String,
    },
}

/// Mails in flight at once, each in its own SMTP transaction.
pub const PARALLEL: usize = 4;

impl Mail {
    /// The same mail with its secret link replaced by `text`, when it has one: a link that signs
    /// someone in, sets a password or opens a transcript.
    fn without_secret(&self, text: &str) -> Option<Mail> {
        let hidden = text.to_owned();
        Some(match self {
            Mail::PasswordReset { .. } => Mail::PasswordReset { link: hidden },
            Mail::Invitation { role_message_id, .. } => Mail::Invitation { link: hidden, role_message_id },
            Mail::AccountLocked { minutes, .. } => Mail::AccountLocked { minutes: *minutes, reset_link: hidden },
            Mail::ChatTranscript { days, .. } => Mail::ChatTranscript { link: hidden, days: *days },
            Mail::ConfirmSignup { hours, .. } => Mail::ConfirmSignup { link: hidden, hours: *hours },
            _ => return None,
        })
    }

    /// Subject, the body the product may show, and the whole body sealed (in the outbox row
    /// `id`) when that differs.
    fn for_outbox(&self, state: &AppState, tr: &Tr, id: &str) -> (String, String, Option<Vec<u8>>) {
        let (subject, body) = self.render(tr);
        match self.without_secret(&tr.t("mail-link-hidden")) {
            Some(shown) => {
                let (_, redacted) = shown.render(tr);
                (subject, redacted, Some(state.keys.seal_at(&sangdam_store::sealed::MAIL_BODY, &[id], body.as_bytes())))
            }
            None => (subject, body, None),
        }
    }

    fn render(&self, tr: &Tr) -> (String, String) {
        match self {
            Mail::PasswordReset { link } => (tr.t("mail-reset-subject"), tr.ta("mail-reset-body", "link", link)),
            Mail::Invitation { link, role_message_id } => {
                let role = tr.t(role_message_id);
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("link", link.clone());
                args.set("role", role);
                (tr.t("mail-invite-subject"), tr_args(tr, "mail-invite-body", &args))
            }
            Mail::AccountLocked { minutes, reset_link } => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("minutes", *minutes);
                args.set("link", reset_link.clone());
                (tr.t("mail-locked-subject"), tr_args(tr, "mail-locked-body", &args))
            }
            Mail::PasswordChanged => (tr.t("mail-password-changed-subject"), tr.t("mail-password-changed-body")),
            Mail::ConfirmSignup { link, hours } => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("link", link.clone());
                args.set("hours", *hours);
                (tr.t("mail-signup-confirm-subject"), tr_args(tr, "mail-signup-confirm-body", &args))
            }
            Mail::SignupExisting { signin, reset } => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("signin", signin.clone());
                args.set("reset", reset.clone());
                (tr.t("mail-signup-existing-subject"), tr_args(tr, "mail-signup-existing-body", &args))
            }
            Mail::RiskAlert { link } => (tr.t("mail-risk-subject"), tr.ta("mail-risk-body", "link", link)),
            Mail::RiskAlertNoStaff { link } => {
                (tr.t("mail-risk-nostaff-subject"), tr.ta("mail-risk-nostaff-body", "link", link))
            }
            Mail::CrisisAlert { link } => (tr.t("mail-crisis-subject"), tr.ta("mail-crisis-body", "link", link)),
            Mail::CrisisOnCall { link } => {
                (tr.t("mail-crisis-oncall-subject"), tr.ta("mail-crisis-oncall-body", "link", link))
            }
            Mail::ChatTranscript { link, days } => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("link", link.clone());
                args.set("days", *days);
                (tr.t("mail-chat-transcript-subject"), tr_args(tr, "mail-chat-transcript-body", &args))
            }
            Mail::AbuseAlert { link } => (tr.t("mail-abuse-subject"), tr.ta("mail-abuse-body", "link", link)),
            Mail::SummaryShared { link, counselor } => {
                two_args(tr, ("mail-summary-subject", "mail-summary-body"), link, ("counselor", counselor))
            }
            Mail::FeedbackInvitation { link, counselor } => {
                two_args(tr, ("mail-feedback-subject", "mail-feedback-body"), link, ("counselor", counselor))
            }
            Mail::FollowUp { link, counselor } => {
                two_args(tr, ("mail-follow-up-subject", "mail-follow-up-body"), link, ("counselor", counselor))
            }
            Mail::FormRequested { link, counselor } => {
                two_args(tr, ("mail-form-subject", "mail-form-body"), link, ("counselor", counselor))
            }
            Mail::NewMessage { link, from } => {
                two_args(tr, ("mail-message-subject", "mail-message-body"), link, ("from", from))
            }
            Mail::RoomInvitation { link, host } => {
                let mut args = fluent_bundle::FluentArgs::new();
                args.set("link", link.clone());
                args.set("host", host.clone());
                (tr_args(tr, "mail-room-invite-subject", &args), tr_args(tr, "mail-room-invite-body", &args))
            }
        }
    }
}

/// A subject and body with a link and one more argument.
fn two_args(tr: &Tr, (subject, body): (&str, &str), link: &str, (name, value): (&str, &str)) -> (String, String) {
    let mut args = fluent_bundle::FluentArgs::new();
    args.set("link", link.to_owned());
    args.set(name.to_owned(), value.to_owned());
    (tr_args(tr, subject, &args), tr_args(tr, body, &args))
}

fn tr_args(tr: &Tr, id: &str, args: &fluent_bundle::FluentArgs<'_>) -> String {
    tr.i18n().message(tr.lang, id, Some(args))
}

/// Renders a mail for the outbox, to be queued with the write that sends it
/// (`Effects::with_mail`); the caller wakes the sender once the write has committed.
pub fn prepare(state: &AppState, to: &Email, lang: Language, mail: Mail) -> sangdam_store::QueuedMail {
    let tr = Tr::new(state.i18n.clone(), lang);
    let id = sangdam_domain::ids::encode_random(&random::<16>());
    let (subject, body, sealed_body) = mail.for_outbox(state, &tr, &id);
    sangdam_store::QueuedMail {
        id,
        recipient: to.as_str().to_owned(),
        subject,
        body,
        sealed_body,
        held: state.config.smtp.is_none(),
        key: None,
    }
}

async fn queue(state: &AppState, to: &Email, lang: Language, mail: Mail, key: Option<&str>) -> anyhow::Result<()> {
    let q = prepare(state, to, lang, mail);
    let m = sangdam_store::NewMail {
        id: &q.id,
        recipient: &q.recipient,
        subject: &q.subject,
        body: &q.body,
        idempotency_key: key,
        attachment: None,
        sealed_body: q.sealed_body.as_deref(),
    };
    state.store.enqueue_mail_once(&m, state.clock.now(), q.held).await?;
    state.mail_queued.notify_one();
    Ok(())
}

/// Renders and queues a mail. Returns once it is safely in the outbox.
pub async fn send(state: &AppState, to: &Email, lang: Language, mail: Mail) -> anyhow::Result<()> {
    queue(state, to, lang, mail, None).await
}

/// Queues a mail once under `key`: a job that runs twice queues one mail.
pub async fn send_once(state: &AppState, to: &Email, lang: Language, mail: Mail, key: &str) -> anyhow::Result<()> {
    queue(state, to, lang, mail, Some(key)).await
}

fn transport(cfg: &SmtpConfig) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    let mut builder = match cfg.security {
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&cfg.host),
        SmtpSecurity::StartTls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&cfg.host)?,
        SmtpSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&cfg.host)?,
    }
    .port(cfg.port)
    .timeout(Some(Duration::from_secs(30)));
    if let (Some(user), Some(pass)) = (&cfg.username, &cfg.password) {
        builder = builder.credentials(Credentials::new(user.clone(), pass.expose().to_owned()));
    }
    Ok(builder.build())
}

async fn deliver(
    t: &AsyncSmtpTransport<Tokio1Executor>,
    keys: &crate::crypto::Keys,
    from: &str,
    mail: &MailRecord,
) -> anyhow::Result<()> {
    let body = match &mail.sealed_body {
        Some(sealed) => String::from_utf8(keys.open_at(&sangdam_store::sealed::MAIL_BODY, &[&mail.id], sealed)?)
            .context("a sealed mail body")?,
        None => mail.body.clone(),
    };
    let message = Message::builder()
        .from(from.parse().context("mail_from is not an address")?)
        .to(mail.recipient.parse().context("recipient is not an address")?)
        .subject(mail.subject.clone())
        // The outbox id doubles as the Message-ID, so a retry after a lost reply is recognizable
        // as the same mail by the receiving side.
        .message_id(Some(format!("<{}@sangdam>", mail.id)));
    let message = match &mail.attachment {
        None => message.header(ContentType::TEXT_PLAIN).body(body),
        Some(a) => {
            let content_type = ContentType::parse(&a.content_type).context("attachment content type")?;
            message.multipart(
                MultiPart::mixed()
                    .singlepart(SinglePart::plain(body))
                    .singlepart(Attachment::new(a.name.clone()).body(a.data.clone(), content_type)),
            )
        }
    }
    .context("building the message")?;
    t.send(message).await.context("SMTP delivery")?;
    Ok(())
}

/// Sends one claimed mail and records the outcome.
async fn send_one(state: AppState, transport: AsyncSmtpTransport<Tokio1Executor>, mail: MailRecord) {
    let outcome = deliver(&transport, &state.keys, &state.config.mail_from, &mail).await;
    let now = state.clock.now();
    let result = match outcome {
        Ok(()) => {
            Metrics::inc(&state.metrics.mail_sent);
            state.store.mark_mail_sent(&mail.id, now).await
        }
        Err(e) => {
            Metrics::inc(&state.metrics.mail_failed);
            // The error names the SMTP exchange, not the recipient.
            tracing::warn!(mail = %mail.id, attempt = mail.attempts, error = %e, "mail delivery failed");
            let retry = sangdam_store::MAIL_BACKOFF.retry_at(mail.attempts, now);
            state.store.mark_mail_failed(&mail.id, &format!("{e:#}"), retry, now).await
        }
    };
    if let Err(e) = result {
        tracing::error!(error = ?e, "recording a delivery failed");
    }
}

/// Delivers queued mail until `shutdown` turns true. Each mail is claimed on its own under a
/// one-minute lease, just before it is sent, and up to [`PARALLEL`] are sent at once; a sender
/// that dies mid-send leaves only the mail it was sending to be retried after the lease, and
/// several instances never send one mail twice at once. At shutdown the sends in flight get a
/// few seconds to finish; one still stuck then is dropped (its mail is retried after its lease).
pub async fn run_sender(state: AppState, shutdown: watch::Receiver<bool>) {
    let Some(cfg) = state.config.smtp.clone() else {
        return;
    };
    let transport = match transport(&cfg) {
        Ok(t) => t,
        Err(e) => {
            tracing::error!(error = ?e, "SMTP settings are unusable; mail stays in the outbox");
            return;
        }
    };
    let worker = Worker { wake: &state.mail_queued, poll: Duration::from_secs(5), parallel: PARALLEL };
    let claim = || async {
        let now = state.clock.now();
        match state.store.claim_due_mail(now, now + 60, 1).await {
            Ok(mut batch) => batch.pop(),
            Err(e) => {
                tracing::error!(error = ?e, "claiming mail failed");
                None
            }
        }
    };
    let work = |mail: MailRecord| send_one(state.clone(), transport.clone(), mail);
    worker.run(shutdown, claim, work).await;
}

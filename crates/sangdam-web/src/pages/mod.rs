//! The pages of the product, one module per area, and the router that puts them together.

mod account;
mod admin;
mod aftercare;
mod appointments;
mod booking;
mod calendar;
mod center;
mod chat;
mod counselor;
mod crisis;
mod custom_forms;
mod dashboard;
mod messages;
mod notes;
mod notifications;
mod public;
mod questionnaires;
mod recordings;
mod records;
mod reset;
mod retention;
mod rights;
mod room;
mod signin;
mod signup;
mod tokens;
mod two_factor;
mod undo;
mod views;
mod webhooks;

use axum::Router;
use axum::routing::{get, post};

use crate::error::AppError;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(public::landing))
        .route("/privacy", get(public::privacy))
        .route("/check", get(public::device_check))
        .route("/check/media", post(public::media_check))
        .route("/language", post(public::set_language))
        .route("/healthz", get(public::healthz))
        .route("/readyz", get(public::readyz))
        .route("/metrics", get(public::metrics))
        .route("/static/{file}", get(public::asset))
        .route("/api/docs", get(public::api_docs))
        .route("/signup", get(signup::form).post(signup::submit))
        .route("/signup/confirm/{token}", get(signup::confirm_form).post(signup::confirm))
        .route("/invite/{token}", get(signup::invitation_form).post(signup::accept_invitation))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signin/two-factor", get(signin::two_factor_form).post(signin::two_factor_submit))
        .route("/signout", post(signin::signout))
        .route("/forgot", get(reset::forgot_form).post(reset::forgot_submit))
        .route("/reset/{token}", get(reset::reset_form).post(reset::reset_submit))
        .route("/dashboard", get(dashboard::dashboard))
        .route("/account", get(account::profile_form).post(account::profile_submit))
        .route("/account/password", get(account::password_form).post(account::password_submit))
        .route("/account/sessions", get(account::sessions))
        .route("/account/sessions/end-others", post(account::end_other_sessions))
        .route("/account/sessions/end-all", post(account::end_all_sessions))
        .route("/account/sessions/{id}/end", post(account::end_session))
        .route("/account/two-factor", get(two_factor::page))
        .route("/account/two-factor/start", post(two_factor::start))
        .route("/account/two-factor/confirm", post(two_factor::confirm))
        .route("/account/two-factor/disable", post(two_factor::disable))
        .route("/account/two-factor/recovery-codes", post(two_factor::new_recovery_codes))
        .route("/admin/users", get(admin::users))
        .route("/admin/users/{id}", get(admin::user))
        .route("/admin/users/{id}/role", post(admin::change_role))
        .route("/admin/users/{id}/active", post(admin::change_active))
        .route("/admin/invitations", get(admin::invitations).post(admin::invite))
        .route("/admin/invitations/{id}/revoke", post(admin::revoke_invitation))
        .route("/admin/audit", get(admin::audit_log))
        .route("/admin/outbox", get(admin::outbox))
        .route("/admin/outbox/{id}", get(admin::outbox_mail))
        .route("/admin/jobs", get(admin::jobs))
        .route("/admin/jobs/{id}/retry", post(admin::retry_job))
        .route("/admin/specialties", get(admin::specialties).post(admin::save_specialty))
        .route("/admin/retention", get(retention::form).post(retention::save))
        .route("/admin/tokens", get(tokens::service).post(tokens::service_create))
        .route("/admin/tokens/{id}/revoke", post(tokens::service_revoke))
        .route("/admin/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/admin/webhooks/{id}", get(webhooks::detail))
        .route("/admin/webhooks/{id}/rotate", post(webhooks::rotate))
        .route("/admin/webhooks/{id}/disable", post(webhooks::disable))
        .route("/admin/webhooks/{id}/enable", post(webhooks::enable))
        .route("/admin/webhooks/{id}/delete", post(webhooks::delete))
        .route("/admin/webhooks/{id}/deliveries/{delivery}/replay", post(webhooks::replay))
        .route("/account/tokens", get(tokens::personal).post(tokens::personal_create))
        .route("/account/tokens/{id}/revoke", post(tokens::personal_revoke))
        .route("/admin/specialties/{id}/delete", post(admin::delete_specialty))
        .route("/chat", get(chat::start_form).post(chat::start))
        .route("/chat/{id}", get(chat::page))
        .route("/chat/{id}/ws", get(chat::socket))
        .route("/chat/{id}/transcript", get(chat::transcript))
        // The configured limit (default 20 MB) is enforced while reading; this is the ceiling.
        .route("/chat/{id}/files", post(chat::upload).layer(axum::extract::DefaultBodyLimit::max(256 * 1024 * 1024)))
        .route("/chat/{id}/files/{file}", get(chat::download))
        .route(
            "/center/chats/{id}/files",
            post(center::upload).layer(axum::extract::DefaultBodyLimit::max(256 * 1024 * 1024)),
        )
        .route("/center", get(center::console))
        .route("/center/ws", get(center::socket))
        .route("/center/capacity", post(center::capacity))
        .route("/center/canned", get(center::canned).post(center::add_canned))
        .route("/center/canned/{id}/delete", post(center::delete_canned))
        .route("/undo", post(undo::undo))
        .route("/center/chats/{id}", get(center::transcript))
        .route("/center/chats/{id}/lock", post(center::lock))
        .route("/center/chats/{id}/export", get(center::export))
        .route("/center/dashboard", get(center::dashboard))
        .route("/center/crisis", get(crisis::list))
        .route("/center/crisis/{id}", get(crisis::show))
        .route("/center/crisis/{id}/check", post(crisis::check))
        .route("/center/crisis/{id}/close", post(crisis::close))
        .route("/counselors", get(booking::directory))
        .route("/counselors/{id}", get(booking::counselor_page))
        .route("/counselors/{id}/photo", get(booking::counselor_photo))
        .route("/counselors/{id}/calendar", get(booking::pick))
        .route("/counselors/{id}/book", get(booking::book_form).post(booking::book_submit))
        .route("/counselors/{id}/waitlist", post(booking::join_waitlist))
        .route("/waitlist/{id}/leave", post(appointments::leave_waitlist))
        .route("/appointments", get(appointments::mine))
        .route("/questionnaires", get(questionnaires::list))
        .route("/questionnaires/{name}", get(questionnaires::form).post(questionnaires::submit))
        .route("/risk-alerts/{id}/acknowledge", post(questionnaires::acknowledge))
        .route("/counselor/appointments/{id}/summary", get(aftercare::summary_form).post(aftercare::summary_save))
        .route("/counselor/feedback", get(aftercare::feedback_list))
        .route("/portal", get(aftercare::portal))
        .route("/recordings", get(recordings::list))
        .route("/recordings/{id}", get(recordings::play))
        .route("/recordings/{id}/file", get(recordings::file))
        .route("/recordings/{id}/share", post(recordings::share))
        .route("/counselor/forms", get(custom_forms::list))
        .route("/counselor/forms/new", get(custom_forms::new_form))
        .route("/counselor/forms/assignments", post(custom_forms::assign))
        .route("/counselor/forms/assignments/{id}/delete", post(custom_forms::unassign))
        .route("/counselor/forms/{id}", get(custom_forms::edit_form).post(custom_forms::save_form))
        .route("/forms/requests/{id}", get(custom_forms::fill).post(custom_forms::submit))
        .route("/portal/export", post(rights::export))
        .route("/portal/delete", get(rights::delete_form).post(rights::delete))
        .route("/messages", get(messages::list))
        .route("/messages/{id}", get(messages::thread).post(messages::send))
        .route("/feedback/{id}", get(aftercare::feedback_form).post(aftercare::feedback_submit))
        .route("/clients", get(records::clients))
        .route("/clients/{id}", get(records::client))
        .route("/clients/{id}/profile", post(records::save_profile))
        .route("/clients/{id}/care", post(records::assign_care))
        .route("/clients/{id}/care/end", post(records::end_care))
        .route("/clients/{id}/notes", post(notes::create))
        .route(
            "/notes/{id}",
            get(notes::show)
                .post(notes::save)
                .layer(axum::extract::DefaultBodyLimit::max(crate::ctx::MAX_NOTE_FORM_BYTES)),
        )
        .route("/notes/{id}/versions/{n}", get(notes::version))
        .route("/notes/{id}/sign", post(notes::sign))
        .route("/notes/{id}/addenda", post(notes::add_addendum))
        .route("/appointments/{id}/cancel", get(appointments::cancel_form).post(appointments::client_cancel))
        .route("/m/done", get(appointments::manage::done))
        .route("/m/{token}", get(appointments::manage::show))
        .route("/m/{token}/cancel", get(appointments::manage::cancel_form).post(appointments::manage::cancel))
        .route(
            "/m/{token}/reschedule",
            get(appointments::manage::reschedule_form).post(appointments::manage::reschedule),
        )
        .route(
            "/appointments/{id}/reschedule",
            get(appointments::reschedule_form).post(appointments::reschedule_submit),
        )
        .route("/account/notifications", get(notifications::notifications))
        .route("/account/notifications/reminders", post(notifications::set_reminders))
        .route("/account/notifications/feed", post(notifications::reset_feed))
        .route("/calendar/{file}", get(notifications::feed))
        .route("/appointments/{id}/room", get(room::enter_appointment))
        // Rooms are opened from the counselor's calendar; an address typed by hand leads there.
        .route("/rooms", get(|| async { views::see_other("/counselor/calendar") }).post(room::create))
        .route("/rooms/{id}", get(room::page))
        .route("/rooms/{id}/ws", get(room::socket))
        .route("/rooms/{id}/invite", post(room::invite))
        .route("/rooms/{id}/ice", get(room::ice_servers))
        // The configured limit (default 20 MB) is enforced while reading; this is the ceiling.
        .route(
            "/rooms/{id}/files",
            post(room::upload_file).layer(axum::extract::DefaultBodyLimit::max(256 * 1024 * 1024)),
        )
        .route("/rooms/{id}/files/{file}", get(room::download_file))
        .route("/counselor/settings", get(counselor::settings).post(counselor::save_settings))
        .route(
            "/counselor/photo",
            post(counselor::upload_photo)
                .layer(axum::extract::DefaultBodyLimit::max(crate::photo::MAX_UPLOAD_BYTES + 64 * 1024)),
        )
        .route("/counselor/photo/delete", post(counselor::delete_photo))
        .route("/counselor/exceptions", post(counselor::add_exception))
        .route("/counselor/exceptions/{id}/delete", post(counselor::delete_exception))
        .route("/counselor/calendar", get(calendar::calendar))
        .route("/counselor/appointments/{id}/approve", post(calendar::approve))
        .route("/counselor/appointments/{id}/cancel", post(calendar::counselor_cancel))
        .route("/counselor/appointments/{id}/outcome", post(calendar::record_outcome))
        .fallback(not_found)
}

async fn not_found() -> AppError {
    AppError::NotFound
}

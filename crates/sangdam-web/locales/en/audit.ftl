# Audit log: human labels for action codes, outcomes and the automatic actor.
# Each action id is audit-action- plus the code with every . and _ replaced by -.

## Accounts (account.*)
audit-action-account-delete = Deleted own account
audit-action-account-invitation-accept = Accepted an invitation and signed up
audit-action-account-profile = Edited own profile
audit-action-account-signup = Created an account by signing up
audit-action-account-signup-request = Asked for a sign-up email link

## Administration (admin.*)
audit-action-admin-audit-search = Searched the audit log
audit-action-admin-invitation-create = Created an account invitation
audit-action-client-invite = Invited a client to make an account
audit-action-admin-invitation-revoke = Revoked an account invitation
audit-action-admin-invitations-read = Viewed the list of invitations
audit-action-admin-jobs-list = Viewed the background jobs
audit-action-admin-jobs-retry = Retried a background job
audit-action-admin-mail-read = Read a mail in the outbox
audit-action-admin-outbox-list = Viewed the mail outbox
audit-action-admin-retention = Changed the data retention settings
audit-action-admin-specialty-delete = Deleted a counseling specialty
audit-action-admin-specialty-save = Saved a counseling specialty
audit-action-admin-user-deactivate = Deactivated a user account
audit-action-admin-user-reactivate = Reactivated a user account
audit-action-admin-user-read = Viewed a user's details
audit-action-admin-user-role = Changed a user's role
audit-action-admin-users-search = Searched the user list

## Appointment (appointment.*)
audit-action-appointment-approve = Approved an appointment request
audit-action-appointment-book = Booked an appointment
audit-action-appointment-cancel = Cancelled an appointment
audit-action-appointment-outcome = Recorded whether the session took place
audit-action-appointment-reschedule = Moved an appointment to another time

## Appointments (appointments.*)
audit-action-appointments-read = Viewed the appointment list

## Audit log (audit.*)
audit-action-audit-chain = Checked the audit log chain
audit-action-audit-keyed = Secured the audit chain with a key

## Calendar (calendar.*)
audit-action-calendar-feed-reset = Made a new private calendar address

## Client care (care.*)
audit-action-care-assign = Assigned a client to a counselor
audit-action-care-end = Ended a counselor's care of a client

## Chat (chat.*)
audit-action-chat-assign = Assigned a chat to a counselor
audit-action-chat-break-end = Counselor's recovery break ended
audit-action-chat-close = Closed a chat
audit-action-chat-dashboard = Viewed the chat dashboard
audit-action-chat-end-abuse = Ended a chat because of abuse
audit-action-chat-evidence-lock = Kept a chat as evidence
audit-action-chat-export = Exported a chat transcript
audit-action-chat-file = Stored a file shared in a chat
audit-action-chat-file-read = Opened a file from a chat
audit-action-chat-file-share = Shared a file in a chat
audit-action-chat-message = Stored a chat message
audit-action-chat-read = Read a chat transcript
audit-action-chat-start = Started a new chat
audit-action-chat-take-crisis = Counselor took a crisis chat
audit-action-chat-transcript-to = Asked for the transcript by email
audit-action-chat-transcript-link = Opened a chat transcript link
audit-action-chat-transfer = Transferred a chat to another counselor
audit-action-chat-watch = Supervisor watched a chat

## Chats (chats.*)
audit-action-chats-language = Set the language of a chat

## Command line (cli.*)
audit-action-cli-keys-rotate = Rotated encryption keys from the command line

## Client (client.*)
audit-action-client-profile-save = Saved a client's profile
audit-action-client-read = Opened a client's record

## Clients (clients.*)
audit-action-clients-list = Viewed the client list

## Counselor (counselor.*)
audit-action-counselor-exception-add = Added a day off or extra hours
audit-action-counselor-photo = Changed a counselor's photo
audit-action-counselor-photo-delete = Deleted a counselor's photo
audit-action-counselor-settings = Saved profile and booking settings

## Crisis (crisis.*)
audit-action-crisis-alert = Sent a crisis alert to staff
audit-action-crisis-assess = Recorded a risk check
audit-action-crisis-assessment = Stored a crisis risk assessment
audit-action-crisis-close = Closed a crisis event
audit-action-crisis-detect = Detected a crisis message
audit-action-crisis-list = Viewed the open crisis events
audit-action-crisis-mail = Mailed a crisis alert
audit-action-crisis-on-call = Mailed the on-call staff
audit-action-crisis-place = Noted where a crisis happened
audit-action-crisis-raise = Raised a crisis's risk level
audit-action-crisis-read = Opened a crisis event

## Data (data.*)
audit-action-data-export = Exported a client's data

## Feedback (feedback.*)
audit-action-feedback-comment = Stored a feedback comment
audit-action-feedback-read = Read session feedback
audit-action-feedback-submit = Submitted session feedback

## Forms (form.*)
audit-action-form-answer = Answered a requested form
audit-action-form-answers = Stored answers to a form
audit-action-form-assign = Asked a client to complete a form
audit-action-form-save = Saved a custom form
audit-action-form-unassign = Withdrew a form request

## Message (message.*)
audit-action-message-send = Sent a direct message

## Messages (messages.*)
audit-action-messages-read = Read a message conversation

## Session notes (note.*)
audit-action-note-addendum = Added an addendum to a note
audit-action-note-create = Created a session note
audit-action-note-read = Read a session note
audit-action-note-save = Saved a session note draft
audit-action-note-sign = Signed and locked a session note
audit-action-note-signed = Checked a signed note's seal
audit-action-note-write = Edited a session note

## Password (password.*)
audit-action-password-change = Changed own password
audit-action-password-reset = Reset a password by email link
audit-action-password-reset-request = Asked for a password reset

## Client portal (portal.*)
audit-action-portal-read = Opened the client's aftercare portal

## Questionnaires (questionnaire.*)
audit-action-questionnaire-answers = Stored questionnaire answers
audit-action-questionnaire-submit = Submitted a questionnaire

## Recordings (recording.*)
audit-action-recording-play = Played a session recording
audit-action-recording-share = Shared a recording with the client
audit-action-recording-unshare = Stopped sharing a recording

## Risk (risk.*)
audit-action-risk-client = Looked up a client's risk alerts
audit-action-risk-mail = Mailed a risk alert
audit-action-risk-response = Flagged a risky questionnaire answer

## Risk alert (risk_alert.*)
audit-action-risk-alert-acknowledge = Acknowledged a risk alert

## Risk alerts (risk_alerts.*)
audit-action-risk-alerts-read = Viewed the risk alerts

## Session rooms (room.*)
audit-action-room-chat = Stored a chat message in a room
audit-action-room-create = Opened a new session room
audit-action-room-enter = Entered a session room
audit-action-room-file = Stored a file shared in a room
audit-action-room-file-read = Opened a file from a room
audit-action-room-file-share = Shared a file in a room
audit-action-room-invite = Invited someone to a room

## Signed-in sessions (session.*)
audit-action-session-end = Signed out a session
audit-action-session-end-all = Signed out on all devices
audit-action-session-end-others = Signed out on all other devices

## Sign-in (signin.*)
audit-action-signin-failed = Failed sign-in attempt
audit-action-signin-locked = Sign-in refused, account locked
audit-action-signin-ok = Signed in successfully
audit-action-signin-password = Password accepted, code still needed
audit-action-signin-throttled = Sign-in slowed after too many attempts
audit-action-signin-two-factor-failed = Wrong two-factor code at sign-in

## Sign-up (signup.*)
audit-action-signup-mail = Sent a sign-up email

## Session summaries (summary.*)
audit-action-summary-homework = Stored homework in a session summary
audit-action-summary-read = Read a session summary
audit-action-summary-save = Saved a session summary for the client

## Two-factor authentication (two_factor.*)
audit-action-two-factor-disable = Turned off two-factor authentication
audit-action-two-factor-enable = Turned on two-factor authentication
audit-action-two-factor-recovery-codes = Made new two-factor recovery codes

## Waitlist (waitlist.*)
audit-action-waitlist-join = Joined a counselor's waitlist

## Outcomes
audit-outcome-ok = Allowed
audit-outcome-denied = Denied
audit-outcome-locked = Locked
audit-outcome-failed = Failed
audit-outcome-throttled = Throttled

## Actors
audit-actor-product = Sangdam (automatic)
audit-action-signout = Signed out
audit-outcome-expired = Expired
audit-outcome-mailed = Mailed
audit-action-appointment-link-open = Opened an appointment from the link in a mail
audit-action-appointment-link-cancel = Cancelled an appointment from the link in a mail
audit-action-appointment-link-reschedule = Moved an appointment from the link in a mail
audit-action-api-token-create = Made an API token
audit-action-api-token-revoke = Revoked an API token
audit-action-api-appointments-list = Listed appointments through the API
audit-action-api-appointment-read = Read an appointment through the API
audit-action-api-appointment-change = Tried to change an appointment through the API
audit-outcome-personal = Personal token
audit-outcome-service = Service token
audit-action-webhook-create = Added a webhook endpoint
audit-action-webhook-rotate = Replaced a webhook secret
audit-action-webhook-disable = Turned a webhook endpoint off
audit-action-webhook-enable = Turned a webhook endpoint on
audit-action-webhook-delete = Deleted a webhook endpoint
audit-action-webhook-replay = Sent a webhook again
audit-action-webhook-gone = A webhook receiver answered 410 Gone
audit-outcome-disabled = Turned off
audit-action-api-clients-list = Listed clients through the API
audit-action-client-scores-read = Read a client's questionnaire scores
audit-action-api-chats-list = Listed live chats through the API

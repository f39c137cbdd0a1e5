## Common
site-name = Sangdam
lang-ko = 한국어
lang-en = English
save = Save
nav-skip = Skip to content
nav-label = Main menu
nav-dashboard = Home
nav-admin = Admin
nav-account = Account settings
nav-more = More
nav-menu = Menu
nav-crisis = Crisis events
nav-you = Account
nav-signin = Sign in
nav-signup = Sign up
nav-signout = Sign out
footer-language = Language
footer-privacy = Privacy notice
footer-tagline = Sangdam is an open-source online counseling platform.
banner-enroll = Counselors and staff must set up two-factor sign-in before they can see client information.
banner-enroll-link = Set it up now
form-errors-title = Please check what you entered.
page-previous = Previous
page-next = Next
page-older = Older entries

## Roles
role-client = Client
role-counselor = Counselor
role-supervisor = Supervisor
role-admin = Admin

## Landing page
landing-title = Online counseling
landing-heading = A safe place to talk
landing-lead = Sangdam is an online counseling platform where clients and counselors meet by video, voice and chat, book sessions, keep records and follow up afterwards.
landing-cta-signup = Start counseling
landing-features-label = What Sangdam does
landing-clients-title = For clients
landing-clients-body = Find a counselor who fits you, book a time, and meet safely in your browser. You can download your records or ask for their deletion at any time.
landing-counselors-title = For counselors
landing-counselors-body = Schedule, session records and follow-up in one place, with built-in protection from abusive and harassing clients.
landing-privacy-title = Privacy
landing-privacy-body = Counseling content is stored encrypted, and every access to client information is written to a tamper-evident audit log.
landing-staff-title = Counselor and staff accounts
landing-staff-body = Counselors and staff join through an invitation link from an admin. Please look for the invitation email.

## Privacy notice
privacy-title = Privacy notice
privacy-version = Version { $version }
privacy-collect-title = What we collect
privacy-collect-body = Your email, display name, language and time zone, sign-in records (time and network address), and what you enter or share during counseling.
privacy-use-title = Why we use it
privacy-use-body = Only to book and hold counseling sessions, keep records, and keep your account secure. Never for advertising.
privacy-protect-title = How we protect it
privacy-protect-body = Passwords are hashed with Argon2id and counseling records are stored encrypted. Every access to client information is written to the audit log.
privacy-rights-title = Your rights
privacy-rights-body = Under the Personal Information Protection Act you may ask at any time to see, correct, download or delete your information.

## Sign-up
signup-title = Sign up
signup-lead = Create a client account. Counselors and staff join through an invitation link.
signup-submit = Create account
signup-sent-title = Check your mail
signup-sent-body = We sent a mail to { $email }. Follow it to finish signing up.
signup-sent-hint = The link works for { $hours } hours. If you cannot find the mail, look in your spam folder, or sign up again in a while.
signup-confirm-title = Finish signing up
signup-confirm-body = This creates the account { $email }. Choose its password; you are signed in as soon as you finish.
signup-confirm-button = Finish signing up
signup-link-invalid-title = This sign-up link cannot be used
signup-link-invalid-body = This sign-up link was used already or has expired. Sign up again, or sign in if you already finished.
signup-have-account = Already have an account?
field-email = Email
field-display-name = Display name
field-display-name-hint = The name your counselor sees. A nickname is fine.
field-password = Password
field-password-hint = At least 10 characters. Several words strung together are easy to remember and hard to guess.
field-new-password = New password
field-current-password = Current password
field-language = Language
field-timezone = Time zone
field-timezone-hint = For example Asia/Seoul
field-consent = I agree to the collection and use of my personal information.
field-consent-link = (read the notice)
field-code = Verification code
field-code-hint = The 6 digits from your authenticator app, or a recovery code

## Invitations
invite-title = Accept your invitation
invite-lead = You have been invited as { $role }. Fill in the form below to finish joining.
invite-submit = Join and start
invite-invalid-title = This invitation cannot be used
invite-invalid-body = The invitation link has already been used or has expired. Please ask whoever invited you (the center or your admin) for a new one.

## Sign-in
signin-title = Sign in
signin-submit = Sign in
signin-forgot = Forgot your password?
signin-no-account = No account yet?
two-factor-signin-title = Two-factor sign-in
two-factor-signin-lead = Enter the 6-digit code shown in your authenticator app. If you cannot use your phone, enter a recovery code.
two-factor-signin-submit = Verify
notice-password-reset = Your password was changed. Please sign in with the new one.
notice-signed-out = You are signed out.
notice-signed-out-everywhere = You are signed out on every device.

## Password reset
forgot-title = Reset your password
forgot-lead = Enter the email you signed up with and we will send you a link to set a new password. The link works once, for 30 minutes.
forgot-submit = Send the link
forgot-sent-title = Check your email
forgot-sent-body = If an account exists for that address, we have sent it a link to reset the password. If nothing arrives within a few minutes, look in your spam folder.
reset-title = Set a new password
reset-submit = Change password
reset-invalid-title = This link cannot be used
reset-invalid-body = The link has already been used or has expired after 30 minutes.
reset-invalid-again = Get a new link

## Dashboard
dashboard-hello = Hello, { $name }
dashboard-welcome = Welcome to Sangdam. We recommend setting up two-factor sign-in to keep your account safe.
dashboard-role = Role: { $role }
dashboard-sessions = { $count ->
    [one] Signed in on { $count } device
   *[other] Signed in on { $count } devices
}
dashboard-client-title = My counseling
dashboard-client-profile = Profile, language and time zone
dashboard-counselor-title = Counselor home
dashboard-supervisor-title = Supervisor home
dashboard-supervisor-body = Counselors' load and incident handling come together here. Seeing client information requires two-factor sign-in.
dashboard-admin-title = Operations

## Account settings
account-profile-title = Profile
account-password-title = Change password
account-sessions-title = Signed-in devices
account-security-title = Security
account-nav-label = Account settings menu
account-role = Role
account-back = ← Back to account settings
account-password-others = Changing your password signs you out on every device except this one.
account-password-submit = Change password
account-sessions-lead = These devices are signed in to your account now. If you do not recognize one, sign it out and change your password.
notice-saved = Saved.
undo-deleted = Deleted. You can undo this for 10 minutes.
undo-button = Undo
undo-restored = Restored as it was.
undo-expired = This can no longer be undone.
undo-taken = It could not be restored: the limit is reached or something took its place.
notice-password-changed = Your password was changed. Every other device was signed out.
sessions-device = Device
sessions-address = Network address
sessions-started = Signed in
sessions-last-seen = Last used
sessions-actions = Actions
sessions-this = This device
sessions-end = Sign out
sessions-end-others = Sign out all other devices
sessions-end-all = Sign out everywhere

## Two-factor sign-in
two-factor-title = Two-factor sign-in
two-factor-on = On
two-factor-off = Off
two-factor-why = A code from an authenticator app is asked for at sign-in, so your account stays safe even if your password becomes known.
two-factor-required = You must set up two-factor sign-in before you can see client information.
two-factor-start-submit = Set up two-factor sign-in
two-factor-step-app = Get an authenticator app on your phone (Google Authenticator, Microsoft Authenticator, 1Password and others).
two-factor-step-scan = Scan this QR code with the app.
two-factor-qr-label = QR code to add Sangdam to your authenticator app
two-factor-key-label = If you cannot scan it, type this key into the app:
two-factor-step-confirm = Enter the 6-digit code the app shows to finish.
two-factor-confirm-submit = Verify and turn on
two-factor-enabled = Two-factor sign-in is on.
two-factor-codes-title = Recovery codes
two-factor-codes-lead = Single-use codes for when you lose your phone. They are shown only now: write them down somewhere safe. Each code works once.
two-factor-codes-left = Recovery codes left: { $count }
two-factor-codes-renewed = New recovery codes were made. The old ones no longer work.
two-factor-renew-title = Make new recovery codes
two-factor-renew-submit = Make new recovery codes
two-factor-disable-title = Turn off two-factor sign-in
two-factor-disable-lead = Your password and a current code are needed. Counselors and staff cannot see client information while it is off.
two-factor-disable-submit = Turn off two-factor sign-in

## Admin
admin-users-title = Users
admin-invitations-title = Invitations
admin-audit-title = Audit log
admin-outbox-title = Outbox
admin-users-search = Name or email
admin-all = All
admin-search-submit = Search
admin-users-count = { $count ->
    [one] { $count } user
   *[other] { $count } users
}
admin-invite-link = Invite counselors and staff
admin-status = Status
admin-active = Active
admin-inactive = Deactivated
admin-created = Created
admin-expires = Expires
admin-change-role = Change role
admin-deactivate = Deactivate
admin-deactivate-hint = Deactivating signs this user out everywhere at once and stops them from signing in.
admin-reactivate = Reactivate
admin-user-history = Recent history
admin-user-history-all = Full audit log
admin-invite-title = New invitation
admin-invite-lead = An invitation link works once, for 7 days.
admin-invite-submit = Send invitation
admin-invite-created = The invitation email was sent. If it does not arrive, pass on this link yourself:
admin-invite-revoke = Withdraw
invitation-open = Waiting
invitation-used = Used
invitation-expired = Expired
admin-audit-lead = Every sign-in, admin action and access to client information, in order. Each entry carries the hash of the one before it, so tampering can be found.
audit-actor = Actor (email)
audit-action = Action
audit-target = Target
audit-outcome = Outcome
audit-time = Time
audit-from = From
audit-to = To
admin-outbox-held = No mail server (SMTP) is configured, so mail is kept here instead of being sent.
admin-outbox-smtp = Mail goes out through the configured mail server; its delivery state is shown here.
outbox-to = To
outbox-subject = Subject
outbox-sent = Sent
status-mail-held = Held (no mail server)
status-mail-pending = Waiting
status-mail-sending = Sending
status-mail-sent = Sent
status-mail-failed = Failed
status-job-pending = Waiting
status-job-running = Running
status-job-done = Done
status-job-failed = Failed

## Errors
error-home = Go to the start page
error-400-title = The request cannot be handled
error-403-title = Access denied
error-403-body = You do not have permission to see this page.
error-404-title = Page not found
error-404-body = The address has changed or the page does not exist.
error-413-title = Too much was sent
error-413-body = What you sent is larger than allowed. Please shorten it and try again.
error-500-title = Something went wrong
error-500-body = Something went wrong while handling your request. Please try again in a moment. What you entered may not have been saved.
error-csrf-title = The security check failed
error-csrf-body = The page was too old, or the request came from another site. Please reload the page and try again.
error-form-invalid = The form could not be read. Please reload the page and try again.
error-email-empty = Please enter your email.
error-email-too-long = The email is too long.
error-email-malformed = That does not look like an email address, e.g. name@example.com.
error-email-taken = A new account cannot be made with this email. If it is yours, sign in or reset your password.
error-invitation-open = An invitation to this address is still open. Withdraw it below to send a new one.
error-name-empty = Please enter a display name.
error-name-too-long = A display name can be at most 50 characters.
error-name-control = The display name contains characters that cannot be used.
error-timezone-unknown = Unknown time zone. Pick one from the list or type one like Asia/Seoul.
error-language-unknown = Please choose 한국어 or English.
error-consent-required = To sign up you must agree to the collection and use of your personal information.
error-password-too-short = The password must be at least { $min } characters.
error-password-too-long = The password can be at most { $max } characters.
error-password-common = This password is too common. Please choose one others could not guess.
error-password-keyboard = Passwords that follow the keyboard (like qwerty) are easy to guess.
error-password-repeats = Passwords that repeat a letter or a group are easy to guess.
error-password-sequence = Sequences like abc or 1234 are easy to guess.
error-password-dates = Passwords with dates or years in them are easy to guess.
error-password-word = A single word or name is easy to guess. Try several words together.
error-password-personal = Passwords containing your email or name are easy to guess.
error-password-guessable = This password is easy to guess. Make it longer, with several words.
error-signin-failed = The email or password is not right.
error-signin-wait = Too many sign-in attempts. Please try again in { $seconds ->
    [one] { $seconds } second
   *[other] { $seconds } seconds
}.
error-signin-locked = Too many sign-in attempts: the account is locked for a while. Try again in { $minutes ->
    [one] { $minutes } minute
   *[other] { $minutes } minutes
}, or reset your password.
error-signin-address-limit = Too many failed sign-ins from this network. Please try again later.
error-too-many-requests = Too many requests. Please try again later.
error-too-many-signups = Too many sign-ups from this network. Please try again later.
error-code-wrong = The code is wrong or was already used. Please enter the new code your app shows.
error-current-password = The current password is not right.
error-disable-two-factor = The password or the code is not right.
error-role-unknown = Unknown role.
error-self-change = You cannot change your own role or status. Please ask another admin.
error-last-admin = This is the last active admin: the center would have no one to run it. Make someone else an admin first.
error-audit-actor-unknown = No user has that email.
error-date-invalid = Please write dates like 2026-01-31.
error-410-title = This link has expired
error-link-expired = This link has expired. Ask the counseling center again if you still need it.
error-503-title = Please try again in a moment
error-503-body = Too many requests are being handled right now. Nothing was saved; please try again in a few seconds.
dashboard-next-title = Your next session
dashboard-next-with = with { $name }
dashboard-next-none = No session is booked. Find a counselor and choose a time that suits you.
dashboard-waiting-title = Waiting for you
dashboard-nothing-waiting = Nothing is waiting for you right now.
dashboard-today-title = Today
dashboard-today-none = No sessions today.
dashboard-room-opens = { $minutes ->
    [one] The room opens 1 minute before the start.
   *[other] The room opens { $minutes } minutes before the start.
}
dashboard-forms-open = { $count ->
    [one] 1 to answer
   *[other] { $count } to answer
}
confirm-revoke = Revoke this invitation? The link in the mail stops working.
confirm-delete = Delete it? This cannot be undone.
confirm-sign-out-others = Sign out every other device?
confirm-photo-delete = Delete your photo? Your profile shows no picture until you upload another.
confirm-unassign = Stop asking clients to fill in this form? Answers already given stay on their records.
confirm-yes = Yes, go ahead
confirm-no = No, go back

## Booking: directory, counselor pages, booking, appointments, calendar, notifications
nav-counselors = Find a counselor
nav-appointments = Appointments
nav-calendar = My calendar
delete = Delete
minutes = { $count ->
    [one] { $count } minute
   *[other] { $count } minutes
}
kind-video = Video
kind-voice = Voice
kind-chat = Chat
status-requested = Waiting for approval
status-confirmed = Confirmed
status-completed = Completed
status-no-show = No-show
status-cancelled = Cancelled
status-late-cancelled = Cancelled late
weekday-mon = Monday
weekday-tue = Tuesday
weekday-wed = Wednesday
weekday-thu = Thursday
weekday-fri = Friday
weekday-sat = Saturday
weekday-sun = Sunday
exception-off = Time off
exception-extra = Extra hours

directory-title = Find a counselor
directory-search = Name
directory-specialty = Specialties
directory-kind = Session type
directory-min-price = Lowest price
directory-max-price = Highest price
directory-within = Free within (days)
directory-empty = No counselor matches these filters yet.
directory-next = Next free time: { $time }
directory-no-slots = No free times in the booking window.
counselor-zone = Time zone: { $zone }
counselor-approval = This counselor confirms each booking personally; you will be told by email.
counselor-next-slots = Next free times
counselor-sign-in-to-book = Sign in to book
slots-shown-in = Times are shown in your time zone ({ $zone }).

book-title = Book a session
book-with = Book a session with { $name }
book-reason = Reason for the visit
book-reason-hint = Optional. Only your counselor reads it; it is stored encrypted.
book-first-time = This is my first counseling session
book-repeat = Repeat
book-repeat-none = Just this once
book-repeat-weekly = Every week
book-repeat-biweekly = Every two weeks
book-count = Number of sessions when repeating (2 to { $max })
book-terms = I accept the counseling terms and the privacy notice.
book-terms-link = Read them
book-submit = Book
book-alternatives = Free times you can choose instead
book-back = Back

mine-title = My appointments
mine-find = Find a counselor
mine-upcoming = Upcoming
mine-past = Past
mine-none = Nothing here yet.
mine-series = Recurring
mine-cancel = Cancel
mine-reschedule = Move
mine-late-warning = The free cancellation window has passed: a cancellation now is recorded as late and shown to your counselor.
mine-cancel-reason = Reason given: { $reason }
reschedule-title = Move an appointment
reschedule-current = Now: { $time }
waitlist-title = Waitlist
waitlist-hint = Nothing free on the day you want? Wait for it: if a time frees up, the first person waiting is offered it by email.
waitlist-day = Date
waitlist-join = Join the waitlist
waitlist-leave = Leave
waitlist-status-waiting = Waiting
waitlist-status-offered = A time is held for you: see your email
waitlist-status-booked = Booked
waitlist-status-passed = The offer passed
waitlist-status-left = Left

notice-booked = Your appointment is booked. A confirmation is on its way by email.
notice-cancelled = The appointment is cancelled. Both of you have been told.
notice-moved = The appointment has moved. Both of you have been told.
notice-waitlist-joined = You are on the waitlist for that day.

notifications-title = Reminders and calendar
notifications-reminders = Email me a reminder before each appointment ({ $offsets } before)
feed-title = Calendar subscription
feed-hint = Subscribe to your appointments from Google, Apple or Outlook calendar with a private address. Anyone with the address can read your appointment times, so keep it to yourself; making a new one stops the old one.
feed-new = Your new calendar address (shown once):
feed-exists = You have a calendar address. Make a new one if the old one may have leaked.
feed-create = Make a calendar address
feed-reset = Make a new address

settings-title = Profile and booking settings
settings-public-page = My public page
settings-profile = Profile
settings-bio-ko = Introduction in Korean
settings-bio-en = Introduction in English
settings-languages = Languages I counsel in
settings-zone-change = change
settings-approval = I confirm each booking myself
settings-published = Show me in the directory
settings-offerings = Session types
settings-offer = Offered
settings-duration = Length in minutes
settings-price = Price
settings-currency = Currency
settings-hours = Weekly hours
settings-hours-hint = In your own time zone, for example 09:00-12:00, 13:00-18:00. Leave a day empty for a day off.
settings-rules = Booking rules
settings-buffer = Break between sessions (minutes)
settings-notice = Minimum notice (hours)
settings-horizon = Bookable how far ahead (days)
settings-cap = Most sessions a day (empty: no limit)
settings-cancel-window = Free cancellation until (hours before)
settings-exceptions = Time off and extra hours
settings-exception-kind = Kind
settings-from = From
settings-to = To
settings-exception-add = Add

calendar-title = My calendar
calendar-day = Day
calendar-week = Week
calendar-free = No appointments.
calendar-first-time = First visit
calendar-approve = Approve
calendar-decline = Decline
calendar-cancel-reason = Reason (the client is told)
calendar-completed = Took place
calendar-no-show = Did not come

admin-jobs-title = Job queue
admin-job-kind = Kind
admin-job-due = Due
admin-job-attempts = Attempts
admin-job-error = Last error
admin-job-retry = Retry
admin-specialties-title = Specialties
admin-specialty-add = Add or rename a specialty
admin-specialty-id = Identifier (lowercase letters, digits, hyphens)
admin-specialty-position = Position in lists

error-kind-unknown = Choose one of the session types this counselor offers.
error-slot-invalid = That time is not one of the offered times. Choose a time from the list.
error-slot-unavailable = This time was just taken or is no longer free. Choose another time.
error-series-unavailable = Not every session of the series is free, so none was booked. Choose another start or fewer sessions.
error-series-skipped-time = In the counselor's time zone this time does not exist on { $date } (the clocks skip it for daylight saving), so that session would move by an hour. Nothing was booked. Choose another start, or book only the sessions before that date.
error-reason-too-long = The reason may be at most { $max } characters.
error-terms-required = Please accept the counseling terms to book.
error-repeat-invalid = Choose how often the sessions repeat.
error-count-range = A series has between 2 and { $max } sessions.
error-appointment-closed = This appointment can no longer be changed.
error-reschedule-window = This appointment can no longer be moved: the counselor's change window has passed. You can still cancel it.
error-date-out-of-range = Choose a date within the counselor's booking window.
error-within-days = "Free within" takes a number of days from 1 to 60.
error-price-filter = A price filter takes a number such as 50000 or 80.
error-search-too-long = The search text may be at most 100 characters.
error-specialty-unknown = Choose a specialty from the list.
error-bio-too-long = An introduction may be at most { $max } characters.
error-languages-required = Choose at least one language.
error-duration-range = { $kind }: the length is 15 to 240 minutes, in steps of 5.
error-currency-unknown = Choose a currency from the list.
error-too-many-spans = At most 6 spans a day.
error-time-malformed = A time looks like 09:30.
error-interval-empty = The end must come after the start.
error-rule-range = A booking rule is out of range: break up to 240 minutes, notice up to 720 hours, 1 to 365 days ahead, 1 to 48 sessions a day, cancellation up to 336 hours before.
error-price-malformed = A price is a number such as 50000 or 80.00.
error-price-range = That price is out of range.
error-publish-needs-offering = Offer at least one session type before showing yourself in the directory.
error-cancel-reason-required = Please give the client a reason.
error-cancel-reason-too-long = The reason may be at most 500 characters.
error-outcome-too-early = A session can be marked only after it has started.
error-specialty-id = The identifier takes 1 to 40 lowercase letters, digits or hyphens.
error-specialty-name = Both names are needed, each at most 40 characters.
error-specialty-position = The place in lists is a whole number from 0 to 1000.
error-specialty-limit = The center lists { $max } specialties already, the most it may. Rename or delete one first.

ics-summary-counselor = { $client } ({ $kind })
ics-summary = Counseling with { $counselor } ({ $kind })
ics-description = Sangdam counseling session. Join or manage it in Sangdam.
ics-offer-description = Held for you from the Sangdam waitlist; it is yours once you book it.
ics-feed-name = Sangdam appointments

mail-booked-subject = [Sangdam] Appointment booked: { $time }
mail-booked-body =
    Hello,

    An appointment with { $name } is booked for { $time } ({ $kind }).
    The attached calendar file adds it to your calendar.

    Your appointments: { $link }{ $manage }
mail-requested-subject = [Sangdam] Appointment requested: { $time }
mail-requested-body =
    Hello,

    An appointment with { $name } for { $time } ({ $kind }) is waiting for the counselor's approval.
    The time is held meanwhile; you will be told when it is confirmed.

    { $link }{ $manage }
mail-confirmed-subject = [Sangdam] Appointment confirmed: { $time }
mail-confirmed-body =
    Hello,

    The appointment with { $name } for { $time } ({ $kind }) is confirmed.

    { $link }{ $manage }
mail-moved-subject = [Sangdam] Appointment moved to { $time }
mail-moved-body =
    Hello,

    The appointment with { $name } has moved to { $time } ({ $kind }).
    The attached calendar file updates your calendar.

    { $link }{ $manage }
mail-cancel-late = This is a late cancellation: it came after the free-cancellation deadline.
mail-cancel-reason = Reason given: { $reason }
mail-late-cancelled-subject = [Sangdam] Late cancellation: { $time }
mail-cancelled-subject = [Sangdam] Appointment cancelled: { $time }
mail-cancelled-body =
    Hello,

    The appointment with { $name } for { $time } ({ $kind }) is cancelled.{ $details }
    The attached calendar file removes it from your calendar.

    { $link }
mail-reminder-subject = [Sangdam] Reminder: { $time }
mail-reminder-body =
    Hello,

    A reminder of your appointment with { $name } at { $time } ({ $kind }).

    { $link }{ $manage }

    You can turn reminders off under Account, Reminders and calendar.
mail-offer-subject = [Sangdam] A time with { $name } is free: { $time }
mail-offer-body =
    Hello,

    A time you were waiting for is free: { $time } with { $name }.
    It is held for you for { $minutes } minutes. Book it here:

    { $link }

    After that it goes to the next person waiting.

settings-photo = Photo
settings-photo-hint = A JPEG or PNG up to 5 MB. It is cropped to a square and resized; location and camera data are removed.
settings-photo-file = Choose a picture
settings-photo-upload = Upload
error-photo-type = The photo must be a JPEG or PNG picture.
error-photo-too-large = The photo may be at most 5 MB and 8000 pixels on a side.
error-photo-missing = Choose a picture to upload.
error-waitlist-full = You are waiting for 20 days already; leave one of them first.
error-exception-past = That date has passed.
error-exceptions-full = At most 200 dates of time off or extra hours; delete some past ones first.
error-client-busy = You already have a session at this time. Choose another time, or move or cancel the other session first.
mail-client-deleted-subject = [Sangdam] Appointment cancelled (client left): { $time }
mail-client-deleted-body =
    Hello,

    The client of the { $time } session ({ $kind }) deleted their account, so the appointment is cancelled.
    The attached calendar file removes it from your calendar.

    { $link }
book-inside-window = This time starts in less than { $hours } hours: once booked it cannot be moved, and cancelling it counts as a late cancellation.
book-free-until = You can cancel or move it free of charge until { $deadline }.
before-days = { $count ->
    [one] 1 day before
   *[other] { $count } days before
}
before-hours = { $count ->
    [one] 1 hour before
   *[other] { $count } hours before
}
before-minutes = { $count ->
    [one] 1 minute before
   *[other] { $count } minutes before
}
cancel-title = Cancel this appointment?
cancel-free = It is still before the free-cancellation deadline: nothing is charged.
cancel-reason = Reason (optional)
cancel-reason-hint = Your counselor sees it. Up to 500 characters.
cancel-submit = Yes, cancel it
cancel-keep = Keep the appointment
move-confirm-title = Move the appointment?
move-from = Now
move-to = New time
move-submit = Move it
move-other = Choose another time
month-prev = Previous month
month-next = Next month
month-legend = Days with free times are links.
month-morning = Morning
month-afternoon = Afternoon
month-pick-day = Choose a day with free times.
counselor-pick-date = Choose another date
calendar-today = Today
mail-manage = Move or cancel it without signing in (the link works until the appointment changes or starts): { $link }
manage-title = Your appointment
manage-hint = You reached this page from the link in a mail, without signing in. It works until the appointment changes or starts; the mail about any change brings a new one.
manage-signin = Sign in to see all your appointments
manage-gone-title = This link no longer works
manage-gone-body = The appointment was changed, cancelled or has started since the mail was sent, or the link is not complete. Sign in to see your appointments, or use the link in the latest mail.
manage-moved = The appointment is moved. Both of you have been told, with the new time.
error-link-used = The appointment was changed meanwhile, so this link no longer works. Nothing was changed by this request; sign in to see your appointments.

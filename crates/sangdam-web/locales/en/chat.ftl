# The chat center and counselor protection.
advice-informal = This reads as informal speech; to a client, a polite ending (…요, …습니다) is kinder.
advice-blame = This may sound like blame; describing what happened, without fault, keeps the client talking.
advice-command = This reads as a bare command; a request ("Could you …?") is gentler.
advice-alternative = A refusal lands softer with an alternative: say what you can do instead.

nav-chat = Chat now
nav-center = Chat center
landing-chat = Chat with a counselor now

## Starting a chat
chat-start-title = Chat with a counselor
chat-notice-title = Before you start
chat-notice-default = The counselor you are about to meet is someone's family too. Please speak with respect: conversations with insults, threats or sexual harassment may be ended, and you may not be able to start a new chat for a while.
chat-nickname = Nickname
chat-nickname-hint = Any name you like; you do not need an account.
chat-topic = What would you like to talk about?
chat-language = Language
chat-consent = I have read the privacy notice and agree that this chat is stored.
chat-privacy-link = Privacy notice
chat-start = Start the chat
chat-banned-title = You cannot start a chat now
chat-banned = A previous chat was ended because of abusive messages. You can start a new chat after { $until }. To talk sooner, book an appointment.
error-chat-nickname = Enter a nickname of up to 40 characters.
error-chat-topic = Choose a topic.
error-chat-language = Choose Korean or English.
error-chat-consent = Please agree to the privacy notice to start a chat.
error-chat-clients-only = Chats are started by clients; staff answer them in the chat center.

## The client's chat page
chat-title = Chat
chat-queued = You are number { $position } in the queue.
chat-wait = Estimated wait: about { $minutes } min.
chat-offered = A counselor is joining…
chat-active = You are talking with { $counselor }.
chat-ended = The chat has ended. Thank you.
chat-ended-abuse-client = The chat was ended because of abusive messages.
chat-typing = Typing…
chat-read = Read
chat-message = Message
chat-send = Send
chat-leave = End the chat
chat-nobody = No counselor can answer right now. Our chat hours:
chat-hours-default = Weekdays 09:00–18:00 (Korea time)
chat-nobody-danger = If you are in danger now, do not wait for the chat: call one of these lines.
chat-nobody-leave = You can leave your message here and end the chat: a counselor reads it and answers later (leave your email under "Transcript by email" for the answer). Or book an appointment.
chat-book = Book an appointment
chat-transcript = Transcript by email
chat-transcript-hint = When the chat ends we email you a link to its transcript. The email itself holds no content.
chat-transcript-send = Email me the transcript
chat-transcript-ok = The link will be emailed when the chat ends.
error-chat-closed = This chat has ended.

## What the product says in a chat (both sides see it)
chat-warning = Please keep the conversation respectful. Insults, threats and sexual remarks are not allowed in this chat.
chat-final-warning = Final warning: if this continues, the chat will be ended and you will not be able to start a new one for a while.
chat-ended-abuse = This chat was ended because of abusive messages.
chat-transferred = Your chat is being passed to another counselor. Please wait a moment.

## The chat center (staff)
center-title = Chat center
center-status = My status
chat-status-available = Available
chat-status-busy = Busy
chat-status-after_work = After-work
chat-status-break = Break
chat-status-offline = Offline
center-more-break = More recovery time
center-capacity = Chats at once
center-canned = Canned responses
center-dashboard = Supervisor dashboard
center-offer = A chat is waiting for you
center-accept = Accept
center-show-flagged = Show message
center-flagged = Flagged message
center-step-warning = A warning was sent to the client.
center-step-final_warning = A final warning was sent to the client.
center-step-end = The chat was ended because of abuse. Take your recovery break.
center-end-now = You can end this chat now.
center-closed = Closed
center-send-as = Send as
center-to-client = To the client
center-note = Internal note
center-whisper = Whisper to the counselor
center-watch = Watch
center-alert = A chat was ended because of abuse.
center-record = Client record
center-transcript = Transcript
center-queue = Queue
center-agents = Counselors
center-category = Closing category
center-close = Close
center-end-abuse = End because of abuse
center-transfer = Transfer
center-to-queue = Back to the queue
center-transfer-note = Note for whoever takes it
center-recent = Recent chats
center-chat-status = Status
center-locked = The transcript is locked as evidence.
center-lock = Lock as evidence
center-export = Export the transcript (with its SHA-256)
center-waiting = Waiting
center-open = Open chats
center-average = Average handling time
center-week-hint = Time in each status over the last 7 days (hours:minutes:seconds).
center-counselor = Counselor
center-load = Chats
center-incidents = Incidents (7 days)
center-chats = Chats closed
chat-category-resolved = Resolved
chat-category-referred = Referred
chat-category-booked = Appointment booked
chat-category-left = Client left
chat-category-unanswered = Not answered
chat-category-abuse = Ended because of abuse
chat-category-other = Other
chat-flag-insult = Insult or profanity
chat-flag-sexual = Sexual harassment
chat-flag-threat = Threat
chat-flag-other = Other abuse
canned-hint = Type "/" and the shortcut in a chat to insert a response. {"{"}client{"}"} and {"{"}counselor{"}"} become the client's nickname and your name.
canned-new = New canned response
canned-none = No canned responses yet. Add one below; type "/" in a chat to use it.
canned-shortcut = Shortcut
canned-body = Text
canned-share = Share with every counselor
canned-shared = shared
error-canned-shortcut = A shortcut is 1–30 letters, digits, - or _.
error-canned-body = The text must be 1–2000 characters.
error-canned-too-many = You have reached 200 canned responses; delete some first.
error-chat-capacity = Choose between 1 and 10 chats at once.
error-chat-category = Choose a closing category.
error-chat-colleague = Choose a colleague in the chat center.
error-chat-gone = This chat is no longer waiting for you.
error-chat-not-yours = This chat is not yours.
error-chat-open = Close the chat first.
error-chat-status = Choose available, busy, break or offline.
error-chat-supervisor-only = Only supervisors can do this.

## Mail
mail-chat-transcript-subject = Your chat transcript
mail-chat-transcript-body = As you asked, here is the link to your chat's transcript:
    { $link }

    Anyone with this link can read the transcript until it expires in { $days } days; do not forward it.
mail-abuse-subject = A counselor met abuse in Sangdam
mail-abuse-body = A chat or session was ended because of abuse. The counselor is on a recovery break. Open the supervisor dashboard to see the incident and support them:
    { $link }
room-end-abuse-confirm = End the session now because of abuse? You will get a protected recovery break and your supervisors will be told.
timeline-chat = Live chat
center-left = Messages left while waiting
center-left-hint = Clients who wrote while nobody could answer and then left. Read the message and answer by email (when they left an address) or from their record.
center-reply-to = The client asked for answers at:
error-chat-file-not-yet = Files can be shared once a counselor has joined the chat.
error-chat-files-full = This chat already holds 20 files.
error-files-full = This session room already holds 50 files, the most it takes.
center-chat-active = in conversation
center-chat-offered = offered, not yet accepted
error-chat-too-many-pages = This chat is open in too many windows already. Close the others and try again.
error-room-too-many-pages = This session room is open in too many windows already. Close the others and try again.
center-end-break = End break
error-break-protected = Your status cannot change during a protected recovery break. It ends on time; ask for more time, or ask a supervisor to end it.
center-state-queued = Waiting
center-state-offered = Offered
center-state-active = In conversation
center-state-closed = Closed
center-assign-to = Assign to
center-my-chats = My conversations
center-keys = Keys: Alt+A accepts an offer, Alt+↓ and Alt+↑ go to the next and previous conversation, / opens the canned answers.
center-no-chat = No conversation is open. Set yourself available to be offered one.
center-contact = About this client
refresh-auto = Update every 30 seconds
glance-high = { $count ->
    [one] 1 at high risk
   *[other] { $count } at high risk
}

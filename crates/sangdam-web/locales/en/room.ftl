## The session room
room-title = Session room
room-join = Enter the room
room-connecting = Connecting…
room-waiting = Please wait a moment: your counselor will let you in shortly. You can check your camera and microphone meanwhile.
room-admitted = You have been let in.
room-declined = The counselor did not let you in this time. You can write to them or book another time.
room-knock = is waiting to come in.
room-admit = Let in
room-decline = Decline
room-reconnecting = Connection lost: reconnecting…
room-connected = Connected.
room-ended = The session has ended.
room-host = counselor
room-elapsed = Elapsed
room-remaining = remaining
room-joined = joined
room-left = left
room-participants = In the room
room-end = End the session for everyone
room-invite = Invite by email
room-invite-submit = Invite
room-chat = Chat
room-chat-label = Message
room-chat-send = Send
room-new = Open a room now
room-new-title = Title (optional)
error-room-rate = You are sending messages too fast; wait a moment.
error-room-message = That message could not be understood.
error-room-failed = That did not work; please try again.
error-room-not-admitted = You can write once you have been let in.
error-chat-too-long = A message may be at most 4000 characters, without control characters.
error-room-host-only = Only the counselor can do that.
error-room-not-open = The room opens shortly before the appointment starts and closes an hour after it ends.
error-room-ended = This session has ended.
error-room-title = A room title may be at most 100 characters.
mail-room-invite-subject = [Sangdam] { $host } invites you to a session room
mail-room-invite-body =
    Hello,

    { $host } invites you to a session room in Sangdam. Sign in and enter here:

    { $link }
room-files = Files
room-file-share = Share a file
room-file-hint = { $mb } MB at most: PDF, pictures, text, Word, Excel, PowerPoint and 한글 files. Only the people in this room can download it.
room-file-failed = The file could not be shared: check its kind and size.
error-file-name = The file name cannot be used; rename the file.
error-file-type = This kind of file cannot be shared, or its content does not match its name.
error-file-empty = The file is empty.
error-file-too-large = The file is too large.
room-board = Whiteboard
room-board-pen = Pen
room-board-text = Text
room-board-color = Colour
room-board-clear = Clear the board
room-board-prompt = Text to place on the board
room-color-black = Black
room-color-red = Red
room-color-blue = Blue
room-color-green = Green
error-board-full = The whiteboard is full; the counselor can clear it.

# The chat center and counselor protection (issue 6).
advice-informal = This reads as informal speech; to a client, a polite ending (…요, …습니다) is kinder.
advice-blame = This may sound like blame; describing what happened, without fault, keeps the client talking.
advice-command = This reads as a bare command; a request ("Could you …?") is gentler.
advice-alternative = A refusal lands softer with an alternative: say what you can do instead.

## Mail
mail-reset-subject = [Sangdam] Your password reset link
mail-reset-body =
    Hello,

    Someone asked to reset the password of your Sangdam account. Set a new password here.
    The link works once, for 30 minutes.

    { $link }

    If you did not ask for this, you can ignore this email: your password stays as it is.
mail-invite-subject = [Sangdam] You are invited
mail-invite-body =
    Hello,

    You have been invited to Sangdam as { $role }. Finish joining with this link.
    The link works once, for 7 days.

    { $link }
mail-locked-subject = [Sangdam] Your account is locked after failed sign-ins
mail-locked-body =
    Hello,

    After many failed sign-ins in a short time, your account is locked for { $minutes } minutes.
    If this was not you, someone may be guessing your password.
    We recommend resetting your password here and turning on two-factor sign-in.

    { $link }
mail-password-changed-subject = [Sangdam] Your password was changed
mail-password-changed-body =
    Hello,

    The password of your Sangdam account was just changed. If you did it, there is nothing more to do.
    If you did not, reset your password at once and tell your admin.
mail-link-hidden = (a private link only the recipient can see)
outbox-secret-hidden = This mail carries a private link (finishing a sign-up, a password reset, an invitation or a transcript) meant only for its recipient, so the link is not shown. It goes only to the mail server and is stored encrypted.
mail-signup-confirm-subject = [Sangdam] Finish signing up
mail-signup-confirm-body =
    Hello,

    Someone (we hope you) asked for a counseling account with this address. Open this link to choose your password and finish signing up (it works for { $hours } hours):
    { $link }

    If it was not you, ignore this mail: no account is created.
mail-signup-existing-subject = [Sangdam] This address already has an account
mail-signup-existing-body =
    Hello,

    Someone tried to create a new account with this address, but it already has one.
    If it was you, sign in: { $signin }
    If you forgot your password, you can reset it: { $reset }

    If it was not you, you can ignore this mail; nothing changed in your account.

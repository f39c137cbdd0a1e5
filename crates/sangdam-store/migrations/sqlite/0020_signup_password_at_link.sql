-- The password of a sign-up is chosen on the page the mailed link opens, not on the first form:
-- whoever typed someone else's address there must not hold the password of the account that the
-- address's owner then confirms. Pending sign-ups ask for it when they are finished.
ALTER TABLE pending_signups DROP COLUMN password_hash;

-- A mail that carries a secret link (a password reset, an invitation, a transcript link) keeps
-- that link only sealed: `sealed_body` holds the whole body under the key of purpose `mail.body`,
-- and `body` the same text with the link replaced, which is all the product ever shows.
ALTER TABLE mail_outbox ADD COLUMN sealed_body BYTEA;

-- Mails written before this kept their links in clear: the ones no longer waiting to be sent lose
-- their text (a held mail was only ever read in the product).
UPDATE mail_outbox SET body = '(removed: this mail held a private link)'
WHERE status IN ('held', 'sent', 'failed')
  AND (body LIKE '%/reset/%' OR body LIKE '%/invite/%' OR body LIKE '%/transcript?%');

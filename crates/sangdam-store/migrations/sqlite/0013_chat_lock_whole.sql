-- The evidence lock covers everything the locked transcript shows: a locked chat's header (who,
-- topic, language, times, closing category) and its files' names, kinds and sizes. Only sealed
-- values may still change, by key rotation re-sealing them.

DROP TRIGGER chats_evidence_kept;
CREATE TRIGGER chats_evidence_kept BEFORE UPDATE ON chats
WHEN OLD.evidence_hash IS NOT NULL AND (
    NEW.evidence_hash IS NOT OLD.evidence_hash OR NEW.status <> OLD.status OR NEW.id <> OLD.id
    OR NEW.client_id IS NOT OLD.client_id OR NEW.nickname <> OLD.nickname OR NEW.device <> OLD.device
    OR NEW.topic <> OLD.topic OR NEW.language <> OLD.language OR NEW.counselor_id IS NOT OLD.counselor_id
    OR NEW.queued_at <> OLD.queued_at OR NEW.accepted_at IS NOT OLD.accepted_at
    OR NEW.closed_at IS NOT OLD.closed_at OR NEW.close_category IS NOT OLD.close_category
    OR NEW.last_seq <> OLD.last_seq OR NEW.flagged <> OLD.flagged)
BEGIN
    SELECT RAISE(ABORT, 'sangdam: evidence is locked');
END;

CREATE TRIGGER chat_files_locked_update BEFORE UPDATE ON chat_files
WHEN (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL AND (
    NEW.id <> OLD.id OR NEW.chat_id <> OLD.chat_id OR NEW.name <> OLD.name
    OR NEW.content_type <> OLD.content_type OR NEW.size <> OLD.size OR NEW.at <> OLD.at)
BEGIN
    SELECT RAISE(ABORT, 'sangdam: evidence is locked');
END;

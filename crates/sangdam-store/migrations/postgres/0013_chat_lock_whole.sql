-- The evidence lock covers everything the locked transcript shows: a locked chat's header (who,
-- topic, language, times, closing category) and its files' names, kinds and sizes. Only sealed
-- values may still change, by key rotation re-sealing them.

CREATE OR REPLACE FUNCTION chat_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'chat_messages' THEN
        IF TG_OP = 'INSERT' THEN
            IF (SELECT status FROM chats WHERE id = NEW.chat_id) = 'closed' THEN
                RAISE EXCEPTION 'sangdam: chat is closed';
            END IF;
            RETURN NEW;
        END IF;
        IF (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL THEN
            IF TG_OP = 'DELETE' OR NEW.chat_id <> OLD.chat_id OR NEW.seq <> OLD.seq OR NEW.kind <> OLD.kind
                OR NEW.at <> OLD.at OR NEW.flag IS DISTINCT FROM OLD.flag
                OR NEW.sender_id IS DISTINCT FROM OLD.sender_id THEN
                RAISE EXCEPTION 'sangdam: evidence is locked';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF OLD.evidence_hash IS NOT NULL AND (TG_OP = 'DELETE'
        OR NEW.evidence_hash IS DISTINCT FROM OLD.evidence_hash OR NEW.status <> OLD.status OR NEW.id <> OLD.id
        OR NEW.client_id IS DISTINCT FROM OLD.client_id OR NEW.nickname <> OLD.nickname
        OR NEW.device <> OLD.device OR NEW.topic <> OLD.topic OR NEW.language <> OLD.language
        OR NEW.counselor_id IS DISTINCT FROM OLD.counselor_id OR NEW.queued_at <> OLD.queued_at
        OR NEW.accepted_at IS DISTINCT FROM OLD.accepted_at OR NEW.closed_at IS DISTINCT FROM OLD.closed_at
        OR NEW.close_category IS DISTINCT FROM OLD.close_category OR NEW.last_seq <> OLD.last_seq
        OR NEW.flagged <> OLD.flagged) THEN
        RAISE EXCEPTION 'sangdam: evidence is locked';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END;
$$;

CREATE OR REPLACE FUNCTION chat_files_lock() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'chat_files' THEN
        IF TG_OP = 'INSERT' THEN
            IF (SELECT status FROM chats WHERE id = NEW.chat_id) = 'closed' THEN
                RAISE EXCEPTION 'sangdam: chat is closed';
            END IF;
            RETURN NEW;
        END IF;
        IF (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL THEN
            IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.chat_id <> OLD.chat_id OR NEW.name <> OLD.name
                OR NEW.content_type <> OLD.content_type OR NEW.size <> OLD.size OR NEW.at <> OLD.at THEN
                RAISE EXCEPTION 'sangdam: evidence is locked';
            END IF;
        END IF;
        IF TG_OP = 'DELETE' THEN
            RETURN OLD;
        END IF;
        RETURN NEW;
    END IF;
    IF (SELECT evidence_hash FROM chats WHERE id = OLD.chat_id) IS NOT NULL
        AND NEW.file_id IS DISTINCT FROM OLD.file_id THEN
        RAISE EXCEPTION 'sangdam: evidence is locked';
    END IF;
    RETURN NEW;
END;
$$;
CREATE TRIGGER chat_files_lock_update BEFORE UPDATE ON chat_files
FOR EACH ROW EXECUTE FUNCTION chat_files_lock();

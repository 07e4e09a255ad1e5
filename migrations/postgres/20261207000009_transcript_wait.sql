-- The bot holds back a conversation's later messages while a voice note in it waits for its
-- transcript (`Store::pending_customer_messages`). That check looked through every unprocessed
-- message, and with a backlog PostgreSQL chose to scan the whole messages table for it on every
-- round (3.7 ms with 12,400 messages waiting, growing with the table). Only the few messages
-- actually waiting for a transcript are indexed here, so the check is one index probe.
CREATE INDEX messages_transcript_wait ON messages(conversation_id, id)
    WHERE transcript_state = 'pending' AND processed = FALSE;

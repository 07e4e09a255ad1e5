-- Every customer message moves its conversation's `last_message_at`. While that column was in an
-- index (`conversations_recent`, for the list's Bot and Closed groups), no such update could be a
-- heap-only (HOT) update: each wrote a new entry into every index of the table, including the
-- unique contact index that the next message's upsert searches, and under a burst of webhooks
-- those dead entries piled up faster than vacuum removed them (the ingest statement spent most of
-- its time in the conversations upsert). The list is now ordered through the minute of the last
-- message, which changes once a minute at most, so updates within a minute stay heap-only; the
-- order is still exact (`active_minute DESC, last_message_at DESC, id DESC`, the rest sorted
-- within the index's minutes).
ALTER TABLE conversations
    ADD COLUMN active_minute BIGINT GENERATED ALWAYS AS (last_message_at / 60000) STORED;
DROP INDEX conversations_recent;
CREATE INDEX conversations_active ON conversations(owner, active_minute DESC);

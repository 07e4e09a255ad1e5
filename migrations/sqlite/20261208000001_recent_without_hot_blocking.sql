-- The list's Bot and Closed groups are ordered by the minute of the last message first
-- (`active_minute DESC, last_message_at DESC, id DESC`, the same order as before), as on
-- PostgreSQL, where an index on `last_message_at` itself made every customer message's update of
-- its conversation write every index of the table (see the PostgreSQL migration). SQLite has no
-- such cost; its index carries the whole order.
ALTER TABLE conversations
    ADD COLUMN active_minute INTEGER GENERATED ALWAYS AS (last_message_at / 60000) VIRTUAL;
DROP INDEX conversations_recent;
CREATE INDEX conversations_active ON conversations(owner, active_minute DESC, last_message_at DESC, id DESC);

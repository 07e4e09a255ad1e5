-- Channels and the bot: inbound processing state, reply routing, the durable outbox.

-- Customer messages are stored unprocessed; the bot worker decides on each after the webhook has
-- been acknowledged, so a crash after the 200 loses nothing.
ALTER TABLE messages ADD COLUMN processed BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE messages ADD COLUMN media_id TEXT;
CREATE INDEX messages_unprocessed ON messages(id) WHERE processed = FALSE;

-- Consecutive customer messages no scenario matched, and the account that received them
-- (the WhatsApp phone number id replies must come from).
ALTER TABLE conversations ADD COLUMN unmatched_count BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN channel_account TEXT;

-- Outbound messages waiting to be delivered, retried with backoff until done or failed.
CREATE TABLE outbox (
    id INTEGER PRIMARY KEY,
    message_id BIGINT NOT NULL REFERENCES messages(id),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed')),
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX outbox_due ON outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX outbox_message ON outbox(message_id);

-- Private notes: an operator's message to the other operators, stored in the conversation and
-- never sent to the customer (no outbox row, left out of the widget's history and the bot's context).
ALTER TABLE messages ADD COLUMN note BOOLEAN NOT NULL DEFAULT FALSE;

-- Canned replies: shared ones (owner_id NULL, kept by admins) and each operator's own.
CREATE TABLE canned_replies (
    id INTEGER PRIMARY KEY,
    owner_id BIGINT REFERENCES users(id) ON DELETE CASCADE,
    shortcut TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE UNIQUE INDEX canned_replies_shared ON canned_replies(shortcut) WHERE owner_id IS NULL;
CREATE UNIQUE INDEX canned_replies_personal ON canned_replies(owner_id, shortcut) WHERE owner_id IS NOT NULL;

-- `@name` in a note pages that operator: a fourth kind of notification (`reason` holds the note's
-- message id). SQLite cannot change a CHECK in place: the table is rebuilt (nothing references it).
CREATE TABLE notification_outbox_next (
    id INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('alert', 'offer', 'test', 'mention')),
    conversation_id BIGINT REFERENCES conversations(id),
    episode BIGINT,
    step BIGINT NOT NULL DEFAULT 0,
    user_id BIGINT NOT NULL REFERENCES users(id),
    device_id BIGINT REFERENCES devices(id) ON DELETE SET NULL,
    reason TEXT,
    state TEXT NOT NULL CHECK (state IN ('pending', 'done', 'failed', 'dead')),
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    claimed_by TEXT
);
INSERT INTO notification_outbox_next (id, dedup_key, kind, conversation_id, episode, step, user_id,
    device_id, reason, state, attempts, next_attempt_at, last_error, created_at, updated_at, claimed_by)
SELECT id, dedup_key, kind, conversation_id, episode, step, user_id, device_id, reason, state,
    attempts, next_attempt_at, last_error, created_at, updated_at, claimed_by
FROM notification_outbox;
DROP TABLE notification_outbox;
ALTER TABLE notification_outbox_next RENAME TO notification_outbox;
CREATE INDEX notification_outbox_due ON notification_outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_outbox_conversation ON notification_outbox(conversation_id, state);
CREATE INDEX notification_outbox_device ON notification_outbox(device_id);

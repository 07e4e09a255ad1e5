-- Queue routing, the SLA paging ladder and push notifications to operators' devices.

-- Round robin offers to whoever was offered least recently.
ALTER TABLE users ADD COLUMN last_offered_at BIGINT;

-- Where an operator's alerts go: a browser's Web Push subscription (endpoint + keys) or a native
-- wrapper's FCM / APNs token (in `endpoint`). Delivery health is kept per device.
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('webpush', 'fcm', 'apns')),
    endpoint TEXT NOT NULL,
    p256dh TEXT,
    auth TEXT,
    label TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    last_success_at BIGINT,
    last_error TEXT,
    last_error_at BIGINT,
    UNIQUE (kind, endpoint)
);
CREATE INDEX devices_user ON devices(user_id);

-- One row per waiting conversation: its episode (when it started waiting), the last ladder step
-- paged, who holds the offer, and whether the SLA breach was recorded. Updates are conditional on
-- `version`, so two tickers never advance the same step twice.
CREATE TABLE queue_state (
    conversation_id BIGINT PRIMARY KEY REFERENCES conversations(id),
    escalated_at BIGINT NOT NULL,
    last_step BIGINT NOT NULL,
    offered_to TEXT NOT NULL DEFAULT '[]',
    offer_expires_at BIGINT,
    offer_count BIGINT NOT NULL DEFAULT 0,
    breached_at BIGINT,
    version BIGINT NOT NULL DEFAULT 0,
    updated_at BIGINT NOT NULL
);

-- Conversations already waiting when this migration runs join the ladder where they stand.
INSERT INTO queue_state (conversation_id, escalated_at, last_step, updated_at)
    SELECT id, waiting_since, 0, waiting_since FROM conversations
    WHERE owner = 'waiting' AND waiting_since IS NOT NULL;

-- The durable notification outbox: one row per alert per device. `dedup_key` names the
-- (conversation, episode, step or offer, device), so a step is never queued twice; a worker claims
-- due rows with a lease and records the outcome.
CREATE TABLE notification_outbox (
    id INTEGER PRIMARY KEY,
    dedup_key TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('alert', 'offer', 'test')),
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
    updated_at BIGINT NOT NULL
);
CREATE INDEX notification_outbox_due ON notification_outbox(next_attempt_at) WHERE state = 'pending';
CREATE INDEX notification_outbox_conversation ON notification_outbox(conversation_id, state);
CREATE INDEX notification_outbox_device ON notification_outbox(device_id);

-- Monitoring: breaches per day, the last inbound message and recent failures per channel.
CREATE INDEX conversation_events_kind ON conversation_events(kind, created_at);
CREATE INDEX messages_inbound ON messages(channel, created_at) WHERE sender = 'customer';
CREATE INDEX messages_failed ON messages(channel, created_at) WHERE delivery_status = 'failed';

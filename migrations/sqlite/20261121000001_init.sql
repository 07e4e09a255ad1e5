-- Baton schema, SQLite flavour. Times are unix milliseconds; booleans are 0/1.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    email TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('operator', 'admin')),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    max_conversations BIGINT NOT NULL DEFAULT 5,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    channel TEXT NOT NULL CHECK (channel IN ('whatsapp', 'telegram', 'web')),
    external_id TEXT NOT NULL,
    name TEXT,
    phone TEXT,
    created_at BIGINT NOT NULL,
    UNIQUE (channel, external_id)
);

CREATE TABLE conversations (
    id INTEGER PRIMARY KEY,
    contact_id BIGINT NOT NULL UNIQUE REFERENCES contacts(id),
    channel TEXT NOT NULL,
    owner TEXT NOT NULL CHECK (owner IN ('bot', 'waiting', 'assigned', 'closed')),
    ai_enabled BOOLEAN NOT NULL DEFAULT TRUE,
    assignee_id BIGINT REFERENCES users(id),
    waiting_since BIGINT,
    assigned_at BIGINT,
    escalation_reason TEXT,
    version BIGINT NOT NULL DEFAULT 0,
    last_message_at BIGINT NOT NULL,
    last_message_preview TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    closed_at BIGINT,
    CHECK ((owner = 'assigned') = (assignee_id IS NOT NULL))
);
-- The list reads one owner group at a time in its own order.
CREATE INDEX conversations_waiting ON conversations(owner, waiting_since, id);
CREATE INDEX conversations_recent ON conversations(owner, last_message_at DESC, id DESC);
CREATE INDEX conversations_assignee ON conversations(assignee_id, owner);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    channel TEXT NOT NULL,
    sender TEXT NOT NULL CHECK (sender IN ('customer', 'bot', 'operator', 'system')),
    author_id BIGINT REFERENCES users(id),
    body TEXT NOT NULL,
    media_type TEXT,
    media_url TEXT,
    platform_message_id TEXT,
    bot_confidence DOUBLE PRECISION,
    context_used TEXT,
    delivery_status TEXT,
    delivery_error TEXT,
    created_at BIGINT NOT NULL
);
-- Exactly-once ingestion: a platform id is stored once per channel (NULLs never collide).
CREATE UNIQUE INDEX messages_platform_id ON messages(channel, platform_message_id);
CREATE INDEX messages_conversation ON messages(conversation_id, id);

CREATE TABLE scenarios (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    triggers TEXT NOT NULL,
    response TEXT NOT NULL,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    priority BIGINT NOT NULL DEFAULT 0,
    channels TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);

CREATE TABLE conversation_events (
    id INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    kind TEXT NOT NULL,
    actor_id BIGINT REFERENCES users(id),
    target_id BIGINT REFERENCES users(id),
    reason TEXT,
    created_at BIGINT NOT NULL
);
CREATE INDEX conversation_events_conversation ON conversation_events(conversation_id, id);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at BIGINT NOT NULL
);

-- WhatsApp's customer service window: free-form replies are allowed for 24 hours after the
-- customer's last message, counted from the platform's own timestamp of it (unix ms; for
-- channels without one, when Baton received it). Conversations stored before this migration
-- count from their last stored customer message.
ALTER TABLE conversations ADD COLUMN last_customer_at BIGINT;
UPDATE conversations SET last_customer_at = (
    SELECT MAX(m.created_at) FROM messages m
    WHERE m.conversation_id = conversations.id AND m.sender = 'customer');

-- Why a send failed, as data the interface words in the reader's language (see
-- `domain::delivery::FailureKind`); `delivery_error` keeps the platform's detail for logs.
ALTER TABLE messages ADD COLUMN delivery_error_kind TEXT;
-- An operator message sent as a WhatsApp template: the template's name, language and filled
-- parameters (JSON, see `domain::templates::TemplateCall`); `body` holds the filled text.
ALTER TABLE messages ADD COLUMN template TEXT;

-- The WhatsApp message templates operators may send (approved by Meta per business account and
-- language; Baton keeps a copy to fill and send them).
CREATE TABLE whatsapp_templates (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    language TEXT NOT NULL,
    category TEXT NOT NULL CHECK (category IN ('MARKETING', 'UTILITY', 'AUTHENTICATION')),
    body TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    UNIQUE (name, language)
);

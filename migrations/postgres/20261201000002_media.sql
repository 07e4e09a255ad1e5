-- Media in the chat (issue 13). A customer's media is fetched from the platform by a background
-- worker after the webhook was answered; an operator's or a widget visitor's upload is stored at
-- once. The bytes live in the media store (`BATON_MEDIA_DIR`), the row holds what to serve.
-- `media_state`: pending (to fetch), ready (stored under `media_key`), failed (gave up).
ALTER TABLE messages ADD COLUMN media_state TEXT;
ALTER TABLE messages ADD COLUMN media_mime TEXT;
-- A document's file name as shown (sanitised), or the caption-less label of others.
ALTER TABLE messages ADD COLUMN media_name TEXT;
ALTER TABLE messages ADD COLUMN media_size BIGINT;
ALTER TABLE messages ADD COLUMN media_key TEXT;
ALTER TABLE messages ADD COLUMN media_attempts BIGINT NOT NULL DEFAULT 0;
-- When the next fetch attempt is due (also the claim: a worker moves it forward by its lease).
ALTER TABLE messages ADD COLUMN media_due_at BIGINT;
ALTER TABLE messages ADD COLUMN media_error TEXT;
-- The unguessable capability a widget visitor fetches an operator's attachment with.
ALTER TABLE messages ADD COLUMN media_token TEXT;
-- Voice notes: `transcript_state` pending (the bot waits for it), done, failed or off (no
-- transcription configured).
ALTER TABLE messages ADD COLUMN transcript TEXT;
ALTER TABLE messages ADD COLUMN transcript_state TEXT;
CREATE INDEX messages_media_due ON messages(media_due_at) WHERE media_state = 'pending';
CREATE UNIQUE INDEX messages_media_token ON messages(media_token);

-- Only messages with a stored file have a token: index those alone. Every other message (text,
-- bot replies, history lines) no longer adds an entry to this index when it is written or
-- updated. Lookups by token (`media_token = $1`) imply `IS NOT NULL`, so they still use it.
DROP INDEX messages_media_token;
CREATE UNIQUE INDEX messages_media_token ON messages(media_token) WHERE media_token IS NOT NULL;

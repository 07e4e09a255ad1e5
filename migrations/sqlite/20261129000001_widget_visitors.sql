-- Web widget identities are issued by the server: a random token handed to the widget once and
-- presented on every later connection. Only the token's SHA-256 is stored; `external_id` is the
-- visitor's contact id on the `web` channel (never the token itself).
CREATE TABLE widget_visitors (
    token_hash TEXT PRIMARY KEY,
    external_id TEXT NOT NULL UNIQUE,
    created_at BIGINT NOT NULL
);

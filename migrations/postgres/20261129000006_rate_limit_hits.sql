-- Rate-limited events (sign-in attempts), counted in the database so that several instances
-- share one window per key.
CREATE TABLE rate_limit_hits (
    id BIGSERIAL PRIMARY KEY,
    key TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX rate_limit_hits_key_at ON rate_limit_hits (key, at);
CREATE INDEX rate_limit_hits_at ON rate_limit_hits (at);

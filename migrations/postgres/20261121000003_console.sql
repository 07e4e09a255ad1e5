-- Operator console: availability (an operator can be signed in but away), and the indexes the
-- chat view pages with.
ALTER TABLE users ADD COLUMN available BOOLEAN NOT NULL DEFAULT TRUE;

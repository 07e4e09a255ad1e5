-- The audit log (issue 15): every change a person makes, append-only. `actor_*` are who acted as
-- they were at the time (no foreign key: an entry outlives any change to the account), `ip` the
-- client address (behind trusted proxies, the forwarded one), `target` what it concerns
-- (`user:5`, `conversation:9`, `contact:3`, `settings:queue`), `details` JSON with the changed
-- fields before and after (never a password, token or secret). Entries have no retention: the
-- triggers below refuse every UPDATE and DELETE, from the app or anyone else.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at INTEGER NOT NULL,
    actor_id INTEGER,
    actor_email TEXT,
    actor_name TEXT,
    ip TEXT,
    kind TEXT NOT NULL,
    target TEXT,
    details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_log_actor ON audit_log(actor_id, id);
CREATE INDEX audit_log_kind ON audit_log(kind, id);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- Who holds a leased outbox row's claim (the instance id, BATON_INSTANCE_ID). A restarted
-- instance releases its own claims at once instead of waiting out the lease.
ALTER TABLE outbox ADD COLUMN claimed_by TEXT;
ALTER TABLE notification_outbox ADD COLUMN claimed_by TEXT;

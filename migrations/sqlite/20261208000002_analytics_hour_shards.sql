-- An hour's message counts are split over a few rows (`shard`), each bot transaction adding to
-- one of them (chosen by its first counted message's id, `storage::analytics::hour_shard`), and
-- the report adds them up. With one row per hour and channel, every escalation written beside
-- another (up to 8 at once) queued on that row until the other's commit, holding its conversation,
-- and the webhooks for that conversation queued behind it (about 1 ms per escalation under load).
CREATE TABLE analytics_hours_sharded (
    hour BIGINT NOT NULL,
    channel TEXT NOT NULL,
    shard INTEGER NOT NULL DEFAULT 0,
    customer_messages BIGINT NOT NULL DEFAULT 0,
    bot_replies BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, channel, shard)
);
INSERT INTO analytics_hours_sharded (hour, channel, customer_messages, bot_replies)
    SELECT hour, channel, customer_messages, bot_replies FROM analytics_hours;
DROP TABLE analytics_hours;
ALTER TABLE analytics_hours_sharded RENAME TO analytics_hours;

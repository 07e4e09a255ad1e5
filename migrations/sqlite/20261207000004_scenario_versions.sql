-- Scenario versions. The `scenarios` table is the draft admins edit; each publish stores the whole
-- set as a new version (a JSON list of `domain::bot::Scenario`), and the bot answers from the
-- newest version.
CREATE TABLE scenario_versions (
    id INTEGER PRIMARY KEY,
    scenarios TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    note TEXT,
    -- A restore publishes an old version again: which one.
    restored_from BIGINT,
    published_at BIGINT NOT NULL
);

-- The version that decided a customer message (`bot_outcome`: `scenario:<id>`, `external`,
-- `fallback` or `handoff`), a bot reply, and an escalation.
ALTER TABLE messages ADD COLUMN scenario_version BIGINT;
ALTER TABLE messages ADD COLUMN bot_outcome TEXT;
ALTER TABLE conversation_events ADD COLUMN scenario_version BIGINT;
CREATE INDEX messages_scenario_version ON messages(scenario_version, bot_outcome)
    WHERE scenario_version IS NOT NULL;

-- What a running bot answers from today becomes version 1, so nothing changes for it.
INSERT INTO scenario_versions (id, scenarios, note, published_at)
SELECT 1,
       (SELECT json_group_array(json(s)) FROM (
          SELECT json_object('id', id, 'name', name, 'triggers', json(triggers), 'response', response,
                   'enabled', json(CASE WHEN enabled THEN 'true' ELSE 'false' END),
                   'priority', priority, 'channels', json(COALESCE(channels, '[]'))) AS s
          FROM scenarios ORDER BY priority DESC, lower(name), id)),
       NULL,
       CAST(strftime('%s', 'now') AS INTEGER) * 1000
WHERE EXISTS (SELECT 1 FROM scenarios);

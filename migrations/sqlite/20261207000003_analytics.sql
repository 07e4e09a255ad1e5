-- Analytics (issue 14): facts kept apart from conversations and messages, so the numbers survive
-- the retention job (issue 15) deleting old closed conversations with their messages. No foreign
-- keys, no text: ids, codes, times (unix ms) and durations (ms).
--
-- analytics_facts: one row per moment that matters, written in the same transaction as the change
-- it records (storage::analytics). kind:
--   opened       a stretch of a conversation began (its thread was created, or reopened)
--   escalated    handed to the queue; reason = the escalation code (keyword, no_match, ...)
--   taken_over   an admin took it (from the bot: a handoff with reason 'taken_over'; from the
--                queue: the end of a wait)
--   accepted     an operator took it from the queue; duration_ms = the wait
--   transferred  given to operator_id
--   returned / released / reopened: the other ownership changes
--   closed       duration_ms = since the stretch began; handled_ms = since the closer took it
--   first_reply  the first operator message after a handoff; duration_ms = since the handoff,
--                handled_ms = since the replying operator took it
--   scenario     a bot reply from scenario scenario_id; handoff_after = the stretch was handed to
--                a person afterwards
-- stretch_at: when the stretch the fact belongs to began (with conversation_id, the stretch's key).
-- first_handoff: the first handoff (escalated, or taken over from the bot) of its stretch.
CREATE TABLE analytics_facts (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    at BIGINT NOT NULL,
    conversation_id BIGINT NOT NULL,
    stretch_at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    reason TEXT,
    operator_id BIGINT,
    scenario_id BIGINT,
    confidence DOUBLE PRECISION,
    duration_ms BIGINT,
    handled_ms BIGINT,
    first_handoff BOOLEAN NOT NULL DEFAULT FALSE,
    handoff_after BOOLEAN NOT NULL DEFAULT FALSE
);
-- Covering the period queries (kind and time, and what the flow measures read).
CREATE INDEX analytics_facts_kind_at ON analytics_facts(kind, at, operator_id, duration_ms, handled_ms, reason);
CREATE INDEX analytics_facts_stretch ON analytics_facts(conversation_id, stretch_at);
CREATE INDEX analytics_facts_handoffs ON analytics_facts(stretch_at) WHERE first_handoff;

-- Message counts per hour (at / 3600000) and channel, added to by each bot round.
CREATE TABLE analytics_hours (
    hour BIGINT NOT NULL,
    channel TEXT NOT NULL,
    customer_messages BIGINT NOT NULL DEFAULT 0,
    bot_replies BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (hour, channel)
);

-- The current stretch: when it began (NULL: not recorded yet), whether it was handed to a person,
-- and since when a human reply is due (the last handoff, until an operator writes).
ALTER TABLE conversations ADD COLUMN stretch_at BIGINT;
ALTER TABLE conversations ADD COLUMN stretch_handed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversations ADD COLUMN reply_due_at BIGINT;

-- Backfill from the history kept so far (conversations, their event log and messages), so the
-- page has numbers from day one. Reasons logged as sentences by older versions are read by their
-- words. Customer messages the bot has not decided yet are counted by its next round instead.
UPDATE conversations SET stretch_at = COALESCE((SELECT MAX(e.created_at) FROM conversation_events e
    WHERE e.conversation_id = conversations.id AND e.kind = 'reopened'), created_at);

INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel)
    SELECT 'opened', created_at, id, created_at, channel FROM conversations;
INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel)
    SELECT 'opened', e.created_at, e.conversation_id, e.created_at, c.channel
    FROM conversation_events e JOIN conversations c ON c.id = e.conversation_id WHERE e.kind = 'reopened';

INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel, reason, operator_id,
    duration_ms, handled_ms)
SELECT ev.kind, ev.created_at, ev.conversation_id, ev.stretch_at, ev.channel,
    CASE
        WHEN ev.kind = 'taken_over' AND (ev.prev_kind IS NULL OR ev.prev_kind IN ('returned', 'reopened'))
            THEN 'taken_over'
        WHEN ev.kind <> 'escalated' THEN NULL
        WHEN ev.reason IN ('keyword', 'no_match', 'low_confidence', 'bot_requested', 'bot_failed',
            'paused', 'ai_off', 'voice_note') THEN ev.reason
        WHEN ev.reason LIKE 'keyword%' THEN 'keyword'
        WHEN ev.reason LIKE 'no scenario matched%' THEN 'no_match'
        WHEN ev.reason LIKE 'bot confidence%' THEN 'low_confidence'
        WHEN ev.reason LIKE 'the bot asked%' THEN 'bot_requested'
        WHEN ev.reason LIKE 'the bot failed%' THEN 'bot_failed'
        WHEN ev.reason LIKE 'the bot is paused%' THEN 'paused'
        WHEN ev.reason LIKE 'AI is off%' THEN 'ai_off'
        WHEN ev.reason LIKE 'a voice note%' THEN 'voice_note'
        ELSE 'other'
    END,
    CASE WHEN ev.kind = 'transferred' THEN ev.target_id ELSE ev.actor_id END,
    CASE
        WHEN ev.kind IN ('accepted', 'taken_over') AND ev.prev_kind IN ('escalated', 'released')
            THEN ev.created_at - ev.prev_at
        WHEN ev.kind = 'closed' THEN ev.created_at - ev.stretch_at
    END,
    CASE WHEN ev.kind = 'closed' AND ev.prev_kind IN ('accepted', 'taken_over', 'transferred')
        THEN ev.created_at - ev.prev_at END
FROM (
    SELECT e.id, e.conversation_id, e.kind, e.actor_id, e.target_id, e.reason, e.created_at, c.channel,
        COALESCE((SELECT MAX(r.created_at) FROM conversation_events r WHERE r.conversation_id = e.conversation_id
            AND r.kind = 'reopened' AND r.id <= e.id), c.created_at) AS stretch_at,
        LAG(e.kind) OVER (PARTITION BY e.conversation_id ORDER BY e.id) AS prev_kind,
        LAG(e.created_at) OVER (PARTITION BY e.conversation_id ORDER BY e.id) AS prev_at
    FROM conversation_events e JOIN conversations c ON c.id = e.conversation_id
    WHERE e.kind IN ('escalated', 'accepted', 'taken_over', 'transferred', 'returned', 'released',
        'closed', 'reopened')
) ev
WHERE ev.kind <> 'reopened';

UPDATE analytics_facts SET first_handoff = TRUE WHERE reason IS NOT NULL AND id = (
    SELECT MIN(f.id) FROM analytics_facts f WHERE f.conversation_id = analytics_facts.conversation_id
        AND f.stretch_at = analytics_facts.stretch_at AND f.reason IS NOT NULL);

INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel, operator_id, duration_ms)
SELECT 'first_reply', m.created_at, m.conversation_id, h.stretch_at, h.channel, m.author_id, m.created_at - h.at
FROM analytics_facts h JOIN messages m ON m.id = (
    SELECT MIN(x.id) FROM messages x WHERE x.conversation_id = h.conversation_id
        AND x.sender = 'operator' AND x.note = FALSE AND x.created_at >= h.at)
WHERE h.reason IS NOT NULL AND NOT EXISTS (
    SELECT 1 FROM analytics_facts h2 WHERE h2.conversation_id = h.conversation_id
        AND h2.reason IS NOT NULL AND h2.at > h.at AND h2.at <= m.created_at);

INSERT INTO analytics_facts (kind, at, conversation_id, stretch_at, channel, scenario_id, handoff_after)
SELECT 'scenario', s.created_at, s.conversation_id, s.stretch_at, s.channel, s.scenario_id,
    EXISTS (SELECT 1 FROM analytics_facts h WHERE h.conversation_id = s.conversation_id
        AND h.stretch_at = s.stretch_at AND h.reason IS NOT NULL AND h.at >= s.created_at)
FROM (
    SELECT m.created_at, m.conversation_id, m.channel, CAST(SUBSTR(m.context_used, 10) AS BIGINT) AS scenario_id,
        COALESCE((SELECT MAX(r.created_at) FROM conversation_events r WHERE r.conversation_id = m.conversation_id
            AND r.kind = 'reopened' AND r.created_at <= m.created_at), c.created_at) AS stretch_at
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE m.sender = 'bot' AND m.context_used LIKE 'scenario:%'
) s;

INSERT INTO analytics_hours (hour, channel, customer_messages, bot_replies)
SELECT created_at / 3600000, channel,
    SUM(CASE WHEN sender = 'customer' THEN 1 ELSE 0 END), SUM(CASE WHEN sender = 'bot' THEN 1 ELSE 0 END)
FROM messages WHERE sender = 'bot' OR (sender = 'customer' AND processed = TRUE)
GROUP BY created_at / 3600000, channel;

UPDATE conversations SET stretch_handed = TRUE WHERE EXISTS (SELECT 1 FROM analytics_facts f
    WHERE f.conversation_id = conversations.id AND f.stretch_at = conversations.stretch_at
        AND f.reason IS NOT NULL);
UPDATE conversations SET reply_due_at = (SELECT MAX(f.at) FROM analytics_facts f
    WHERE f.conversation_id = conversations.id AND f.stretch_at = conversations.stretch_at
        AND f.reason IS NOT NULL)
WHERE owner IN ('waiting', 'assigned') AND NOT EXISTS (SELECT 1 FROM analytics_facts r
    WHERE r.conversation_id = conversations.id AND r.kind = 'first_reply'
        AND r.stretch_at = conversations.stretch_at AND r.at >= COALESCE(conversations.waiting_since, 0));

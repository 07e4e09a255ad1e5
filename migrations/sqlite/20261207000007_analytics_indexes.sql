-- The Analytics page reads a month of facts from indexes alone, with or without statistics:
-- every fact's index also carries the channel (a page filtered by channel) and a scenario
-- match's scenario and whether a handoff followed it; the first handoffs' index carries their
-- reason.
DROP INDEX analytics_facts_kind_at;
CREATE INDEX analytics_facts_kind_at ON analytics_facts(kind, at, operator_id, duration_ms, handled_ms, reason, channel, scenario_id, handoff_after);
DROP INDEX analytics_facts_handoffs;
CREATE INDEX analytics_facts_handoffs ON analytics_facts(stretch_at, reason, channel, first_handoff) WHERE first_handoff;

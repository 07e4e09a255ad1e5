-- Satisfaction answers for analytics, kept apart from csat_surveys (which the retention job and
-- erasure delete with their conversation, comments included): no text, no foreign keys, so the
-- CSAT score of a period stays what it was after old conversations are deleted. Written in the
-- same transaction as the survey (storage::csat).
CREATE TABLE analytics_csat (
    survey_id BIGINT PRIMARY KEY,
    created_at BIGINT NOT NULL,
    channel TEXT NOT NULL,
    operator_id BIGINT,
    status TEXT NOT NULL,
    score INTEGER
);
CREATE INDEX analytics_csat_created ON analytics_csat(created_at);

INSERT INTO analytics_csat (survey_id, created_at, channel, operator_id, status, score)
SELECT id, created_at, channel, operator_id, status, score FROM csat_surveys;

-- Customer satisfaction (issue 14): when a stretch of a conversation that an operator handled is
-- closed, the customer is asked to rate it. One row per request.
-- status: 'asked' (sent, no answer yet), 'answered', 'skipped' (not sent: survey off for the
-- channel, or WhatsApp's 24-hour window was closed).
-- scale: 'stars' (score 1-5) or 'thumbs' (score 1 = down, 5 = up). An answer is positive when
-- score >= 4. operator_id: who handled the stretch (the survey rates them).
CREATE TABLE csat_surveys (
    id INTEGER PRIMARY KEY,
    conversation_id BIGINT NOT NULL REFERENCES conversations(id),
    operator_id BIGINT REFERENCES users(id),
    channel TEXT NOT NULL,
    scale TEXT NOT NULL CHECK (scale IN ('stars', 'thumbs')),
    status TEXT NOT NULL CHECK (status IN ('asked', 'answered', 'skipped')),
    score INTEGER CHECK (score BETWEEN 1 AND 5),
    comment TEXT,
    created_at BIGINT NOT NULL,
    answered_at BIGINT,
    CHECK ((status = 'answered') = (score IS NOT NULL))
);
CREATE INDEX csat_surveys_conversation ON csat_surveys(conversation_id, created_at);
CREATE INDEX csat_surveys_created ON csat_surveys(created_at);

-- Business hours (issue 14): the local day (`YYYY-MM-DD` in the business's time zone) on which
-- the customer was last given the out-of-hours reply, so they get it at most once a day.
ALTER TABLE conversations ADD COLUMN out_of_hours_day TEXT;

-- Customer satisfaction: an outbound survey question carries its survey (JSON, see
-- `domain::csat::SurveyAsk`) so each channel's sender draws its buttons.
ALTER TABLE messages ADD COLUMN survey TEXT;

-- The interface language a person chose on the Account page ('en', 'es'); NULL follows the
-- browser's Accept-Language.
ALTER TABLE users ADD COLUMN language TEXT;
-- The language the interface was in when this device subscribed to alerts: alerts for someone who
-- never chose a language are written in the language of the phone that receives them.
ALTER TABLE devices ADD COLUMN language TEXT;
-- A history line in a form each reader's interface words in its own language (JSON, see
-- `domain::history::SystemLine`); `body` keeps the English words for previews and exports.
ALTER TABLE messages ADD COLUMN system_line TEXT;

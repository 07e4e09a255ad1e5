-- The contact panel: notes operators keep about a customer, and a name an operator gave them
-- (`name_locked`: kept when the channel later reports another name; cleared with the name).
ALTER TABLE contacts ADD COLUMN notes TEXT NOT NULL DEFAULT '';
ALTER TABLE contacts ADD COLUMN name_locked BOOLEAN NOT NULL DEFAULT FALSE;

-- WhatsApp read receipts: the last customer message (id) the customer's app was told is read,
-- so opening a chat again sends nothing new.
ALTER TABLE conversations ADD COLUMN read_through BIGINT;

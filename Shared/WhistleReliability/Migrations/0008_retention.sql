-- 0008: retention (WHISTLE_RAW_BODY_DAYS). Once a demand's ticket has been closed (or rejected)
-- for that many days, or a demand that opened no ticket (rejected) is that old, intake's
-- RetentionService sets its raw body and its normalized form to NULL and deletes its reporter
-- row; identity_cleared_at records when. The ticket, its timeline and its figures stay.
ALTER TABLE demands ALTER COLUMN raw_body DROP NOT NULL;
ALTER TABLE demands ADD COLUMN identity_cleared_at timestamptz;
-- The demands not yet cleared, in id order: what each pass walks (recent ones and those of open
-- tickets only, however long the history grows).
CREATE INDEX demands_uncleared_idx ON demands (id) WHERE identity_cleared_at IS NULL;

-- 0010: whistles at every level (吹哨, CONTRACT §10). A whistle message (routing key `whistle`)
-- is stored in `demands` with channel 'whistle' and opens a ticket of channel 'whistle' whose
-- `ticket_facts.area_code` is the whistle's area (any level) and whose `ticket_facts.whistle` is
-- {"by", "departments", "reason"}; `demands` and `ticket_facts` need no new column. Its deadlines
-- are reference data like every channel's, so `deadline_policies` accepts the channel.
ALTER TABLE deadline_policies DROP CONSTRAINT deadline_policies_channel_check;
ALTER TABLE deadline_policies ADD CONSTRAINT deadline_policies_channel_check
    CHECK (channel IN ('hotline', '12345', 'grid', 'petition', 'whistle'));
-- The whistles a department blew, newest first (the four-level view and the whistler's rulings).
CREATE INDEX ticket_facts_whistler_idx ON ticket_facts ((whistle ->> 'by'), opened_at DESC) WHERE channel = 'whistle';

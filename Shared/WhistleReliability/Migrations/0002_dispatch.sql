-- The dispatch flow: petitions linked to an open ticket on the same matter, how a ticket's
-- category was decided, and the indexes the dispatcher's clocks and re-dispatches read by.

-- A petition on the same matter as an open ticket is never merged, only linked (DESIGN "Merging").
ALTER TABLE tickets ADD COLUMN linked_ticket text REFERENCES tickets (ticket_no);
-- given (by the adapter), keywords (the classifier), none (triage), command_center (routed by hand).
ALTER TABLE tickets ADD COLUMN category_method text
    CHECK (category_method IN ('given', 'keywords', 'none', 'command_center'));

-- Pending timers of one ticket or assignment, for cancelling them when the work moves on.
CREATE INDEX timers_pending_ticket_idx ON timers (ticket_no) WHERE fired_at IS NULL AND cancelled_at IS NULL;

-- The dispatcher's record of which timer fired what, for the "no timer fired twice" audit.
ALTER TABLE timers ADD COLUMN fired_by text;

-- A message the broker returned as unroutable (no queue bound yet, e.g. a department's queue
-- not declared yet) stays in the outbox and is tried again from this instant on.
ALTER TABLE outbox ADD COLUMN not_before timestamptz;

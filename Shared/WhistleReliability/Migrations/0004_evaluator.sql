-- Evaluator: department KPIs kept from events, demand statistics for hotspots and the dashboard.

-- The event each timeline entry mirrors (NULL for entries no event announces, and for entries
-- written before this migration). `whistlectl scores rebuild` recomputes the KPIs from the
-- timeline and marks these events counted, so that a late delivery of one is not counted twice.
ALTER TABLE timeline ADD COLUMN event_id text;

-- Events evaluator has counted (KPIs and demand statistics), once each, whatever the delivery.
CREATE TABLE evaluator_applied (
    event_id   text PRIMARY KEY,
    applied_at timestamptz NOT NULL DEFAULT now()
);

-- Demands (opened or merged) per hour of their event time × grid × category × channel.
-- area_code and category_code are '' when the demand named no grid or had no category.
CREATE TABLE demand_stats (
    hour          timestamptz NOT NULL,
    area_code     text NOT NULL,
    category_code text NOT NULL,
    channel       text NOT NULL,
    count         integer NOT NULL CHECK (count > 0),
    PRIMARY KEY (area_code, category_code, hour, channel)
);
CREATE INDEX demand_stats_hour_idx ON demand_stats (hour);

-- Dashboard and read API: open tickets by escalation, and open assignments by deadline.
CREATE INDEX tickets_escalated_idx ON tickets (opened_at DESC)
    WHERE escalation_level IS NOT NULL AND status NOT IN ('closed', 'rejected');
CREATE INDEX assignments_open_due_idx ON assignments (resolve_due)
    WHERE status IN ('dispatched', 'acknowledged');
CREATE INDEX assignments_unacknowledged_idx ON assignments (ack_due) WHERE status = 'dispatched';

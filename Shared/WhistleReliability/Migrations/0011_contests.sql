-- 0011: 吹空哨 (CONTRACT §10). A co-department summoned by a whistle may contest its assignment
-- once; the command center that supervises the whistler rules `upheld` or `empty`, and `empty`
-- cancels the assignment. Both are kept on the assignment (dispatcher's table), with why any
-- assignment was cancelled and when each of its clocks went overdue: a ruling `empty` says what
-- the cancelled assignment had counted, so that its KPIs can be taken back (`whistle.ruled`).
ALTER TABLE assignments
    ADD COLUMN contest_reason     text CHECK (contest_reason IN ('not_needed', 'not_our_duty')),
    ADD COLUMN contest_note       text,
    ADD COLUMN contested_at       timestamptz,
    ADD COLUMN ruling             text CHECK (ruling IN ('upheld', 'empty')),
    ADD COLUMN ruling_note        text,
    ADD COLUMN ruled_by           text,
    ADD COLUMN ruled_at           timestamptz,
    ADD COLUMN cancel_reason      text CHECK (cancel_reason IN ('empty_whistle', 'triage', 'became_lead')),
    ADD COLUMN ack_overdue_at     timestamptz,
    ADD COLUMN resolve_overdue_at timestamptz,
    ADD CONSTRAINT assignments_contest_complete CHECK ((contested_at IS NULL) = (contest_reason IS NULL)),
    ADD CONSTRAINT assignments_ruling_after_contest CHECK (ruling IS NULL OR contested_at IS NOT NULL),
    ADD CONSTRAINT assignments_ruling_complete CHECK ((ruled_at IS NULL) = (ruling IS NULL));

-- The clocks of open assignments that already went overdue, from the dispatch timeline (only an
-- open assignment can still be contested and ruled).
UPDATE assignments a SET ack_overdue_at = o.first_at
FROM (SELECT data ->> 'assignment_id' AS id, min(at) AS first_at FROM dispatch_timeline
      WHERE type = 'assignment.overdue' AND data ->> 'clock' = 'acknowledge' GROUP BY 1) o
WHERE a.assignment_id::text = o.id AND a.status IN ('dispatched', 'acknowledged');
UPDATE assignments a SET resolve_overdue_at = o.first_at
FROM (SELECT data ->> 'assignment_id' AS id, min(at) AS first_at FROM dispatch_timeline
      WHERE type = 'assignment.overdue' AND data ->> 'clock' = 'resolve' GROUP BY 1) o
WHERE a.assignment_id::text = o.id AND a.status IN ('dispatched', 'acknowledged');


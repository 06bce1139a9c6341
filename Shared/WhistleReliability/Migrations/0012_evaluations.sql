-- 0012: evaluations (CONTRACT §2, §10). 一哨一考核 at every level: a whistle ticket is scored by
-- its whistler, and a department only once its assignment is completed or overdue, never when an
-- empty-whistle ruling (吹空哨) cancelled it. Intake reads no assignment directly: the read view
-- `ticket_departments` shows it what the rule needs (the columns after `department` are new; a
-- department the whistle named but not dispatched yet has a row with them NULL).
CREATE OR REPLACE VIEW ticket_departments AS
SELECT f.ticket_no, w.department,
       NULL::uuid AS assignment_id, NULL::text AS status, NULL::timestamptz AS ack_due, NULL::timestamptz AS resolve_due,
       NULL::timestamptz AS acknowledged_at, NULL::timestamptz AS completed_at, NULL::timestamptz AS returned_at,
       NULL::timestamptz AS overdue_at, NULL::boolean AS empty_whistle
FROM ticket_facts f CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(f.whistle -> 'departments', '[]')) AS w(department)
UNION
SELECT a.ticket_no, a.department,
       a.assignment_id, a.status, a.ack_due, a.resolve_due,
       a.acknowledged_at, a.completed_at, a.returned_at,
       least(a.ack_overdue_at, a.resolve_overdue_at), coalesce(a.cancel_reason = 'empty_whistle' OR a.ruling = 'empty', false)
FROM assignments a;
COMMENT ON VIEW ticket_departments IS 'read model: the departments a whistle named or an assignment went to, with each assignment''s clocks (一哨一考核).';

-- Period evaluation (年终考核评议, CONTRACT §10): a street office scores its district's
-- departments for a year (YYYY) or a quarter (YYYY-Qn), once per street, department and period.
CREATE TABLE period_evaluations (
    id            bigserial PRIMARY KEY,
    message_id    text NOT NULL,
    period        text NOT NULL CHECK (period ~ '^[0-9]{4}(-Q[1-4])?$'),
    by_department text NOT NULL,
    department    text NOT NULL,
    score         integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    comment       text,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (by_department, period, department)
);
COMMENT ON TABLE period_evaluations IS 'owner: intake. Street offices'' period evaluations of their district''s departments (年终考核评议).';

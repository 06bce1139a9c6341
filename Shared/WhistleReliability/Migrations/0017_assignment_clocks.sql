-- 0017 (issue 17): the acknowledge and resolve clocks are read from the assignments themselves.
-- Until now every dispatched assignment inserted five rows of `timers` (ack_due_soon, ack_overdue,
-- resolve_due_soon, resolve_overdue, escalate_city) and deleted them again when the work was
-- acknowledged or completed. The four clocks of the assignment now live on its row: the warning
-- instants (80 % of each window; with `ack_due` and `resolve_due` they are everything the clocks
-- fire at) and each clock's stage (0 nothing announced, 1 `assignment.due_soon` announced,
-- 2 `assignment.overdue` announced). A partial index per clock holds only the open assignments
-- whose clock still has something to fire, keyed by its next instant; the timer pass reads it,
-- fires, and advances the stage in the same transaction (the ticket locked FOR UPDATE SKIP
-- LOCKED), so no clock fires twice. Only `escalate_city` (planned when `resolve_overdue` fires)
-- and `feedback_window` remain rows of `timers`.
ALTER TABLE assignments
    ADD COLUMN ack_warning_at     timestamptz,
    ADD COLUMN resolve_warning_at timestamptz,
    ADD COLUMN ack_stage          smallint NOT NULL DEFAULT 0,
    ADD COLUMN resolve_stage      smallint NOT NULL DEFAULT 0;

-- An upgraded database: the open assignments take their clocks from their pending timer rows.
-- The warning is the pending due-soon row's instant, else 80 % of the window from the dispatch
-- instant to the millisecond (`AssignmentClock.warningInstant`; its stage is then past it). A
-- clock whose due-soon row is pending is at stage 0, one whose overdue row alone is pending at 1,
-- one with neither (fired or stopped) at 2.
WITH pending AS (
    SELECT assignment_id,
           min(due_at) FILTER (WHERE kind = 'ack_due_soon')     AS ack_warning,
           min(due_at) FILTER (WHERE kind = 'resolve_due_soon') AS resolve_warning,
           bool_or(kind = 'ack_due_soon')                        AS ack_soon,
           bool_or(kind = 'ack_overdue')                         AS ack_late,
           bool_or(kind = 'resolve_due_soon')                    AS resolve_soon,
           bool_or(kind = 'resolve_overdue')                     AS resolve_late
    FROM timers
    WHERE fired_at IS NULL AND cancelled_at IS NULL AND assignment_id IS NOT NULL
      AND kind IN ('ack_due_soon', 'ack_overdue', 'resolve_due_soon', 'resolve_overdue')
    GROUP BY assignment_id
), open AS (
    SELECT o.assignment_id, p.ack_warning, p.resolve_warning, p.ack_soon, p.ack_late, p.resolve_soon, p.resolve_late,
           round(extract(epoch FROM o.created_at) * 1000)  AS start_ms,
           round(extract(epoch FROM o.ack_due) * 1000)     AS ack_ms,
           round(extract(epoch FROM o.resolve_due) * 1000) AS resolve_ms
    FROM assignments o LEFT JOIN pending p ON p.assignment_id = o.assignment_id
    WHERE o.status IN ('dispatched', 'acknowledged')
)
UPDATE assignments a SET
    ack_warning_at = coalesce(x.ack_warning, timestamptz 'epoch'
        + (x.start_ms + div(greatest(x.ack_ms - x.start_ms, 0) * 80, 100)) * interval '1 millisecond'),
    resolve_warning_at = coalesce(x.resolve_warning, timestamptz 'epoch'
        + (x.start_ms + div(greatest(x.resolve_ms - x.start_ms, 0) * 80, 100)) * interval '1 millisecond'),
    ack_stage = CASE WHEN x.ack_soon THEN 0 WHEN x.ack_late THEN 1 ELSE 2 END,
    resolve_stage = CASE WHEN x.resolve_soon THEN 0 WHEN x.resolve_late THEN 1 ELSE 2 END
FROM open x
WHERE a.assignment_id = x.assignment_id;

-- The converted rows go. A pending escalate_city of a clock not yet overdue goes too: it is planned
-- again, at the same instant, when that clock's resolve_overdue fires (and moves with an extension).
DELETE FROM timers
WHERE fired_at IS NULL AND cancelled_at IS NULL
  AND kind IN ('ack_due_soon', 'ack_overdue', 'resolve_due_soon', 'resolve_overdue');
DELETE FROM timers t USING assignments a
WHERE t.assignment_id = a.assignment_id AND t.kind = 'escalate_city' AND t.fired_at IS NULL AND t.cancelled_at IS NULL
  AND a.resolve_stage < 2;

ALTER TABLE assignments
    ADD CONSTRAINT assignments_clock_stages CHECK (ack_stage BETWEEN 0 AND 2 AND resolve_stage BETWEEN 0 AND 2);

-- The clocks still to fire, by their next instant (the warning at stage 0, the deadline at 1; a
-- row written without a warning, by a tool or a test rather than dispatcher, warns at its
-- deadline); an assignment leaves the index when its clock is overdue or its work is no longer open.
CREATE INDEX assignments_ack_clock_idx
    ON assignments ((CASE WHEN ack_stage = 0 THEN coalesce(ack_warning_at, ack_due) ELSE ack_due END))
    WHERE status = 'dispatched' AND ack_stage < 2;
CREATE INDEX assignments_resolve_clock_idx
    ON assignments ((CASE WHEN resolve_stage = 0 THEN coalesce(resolve_warning_at, resolve_due) ELSE resolve_due END))
    WHERE status IN ('dispatched', 'acknowledged') AND resolve_stage < 2;

COMMENT ON TABLE timers IS
    'owner: dispatcher. The clocks that have no home on an assignment: escalate_city and feedback_window.';

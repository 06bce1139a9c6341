-- Indexes for the dispatch flow's lookups by place and by assignment.

-- Merge candidates (并单) are looked up per new demand among the open tickets of its category:
-- the most recent in its grid, and the most recent of the category (for one nearby in another grid).
CREATE INDEX tickets_open_grid_idx ON tickets (category_code, area_code, opened_at DESC)
    WHERE status NOT IN ('closed', 'rejected');
CREATE INDEX tickets_open_recent_idx ON tickets (category_code, opened_at DESC)
    WHERE status NOT IN ('closed', 'rejected');

-- A reply stops its assignment's clocks: pending timers are cancelled by assignment.
CREATE INDEX timers_pending_assignment_idx ON timers (assignment_id) WHERE fired_at IS NULL AND cancelled_at IS NULL;

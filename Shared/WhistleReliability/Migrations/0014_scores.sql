-- Issue 15: the KPIs of whistles and contests (吹哨, 吹空哨), and the streets' period evaluations.

-- Per department and local day, from events (KPIFold): whistles blown (ticket.accepted with a
-- whistler), its whistles ruled empty, contests made, contests lost (ruled upheld).
ALTER TABLE kpi_daily
    ADD COLUMN whistles       integer NOT NULL DEFAULT 0,
    ADD COLUMN whistles_empty integer NOT NULL DEFAULT 0,
    ADD COLUMN contests       integer NOT NULL DEFAULT 0,
    ADD COLUMN contests_lost  integer NOT NULL DEFAULT 0;

-- A street office's evaluation of a district department for a year (YYYY) or a quarter (YYYY-Qn),
-- from evaluation.recorded with a period. It counts in every scores range that shares a local day
-- with first_day..last_day. No timeline holds it (it is about no ticket): a rebuild keeps it.
CREATE TABLE period_scores (
    department    text NOT NULL,
    by_department text NOT NULL,
    period        text NOT NULL,
    first_day     date NOT NULL,
    last_day      date NOT NULL,
    score         integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (department, by_department, period),
    CHECK (first_day <= last_day)
);
CREATE INDEX period_scores_days_idx ON period_scores (first_day, last_day);
COMMENT ON TABLE period_scores IS 'owner: evaluator. Streets'' period evaluations of district departments.';

-- 0009: one writing service per table (docs/architecture.md lists every table's owner).
--
-- A ticket used to be one row written by two services: intake inserted it and counted merged
-- demands into it, dispatcher moved it through its states. It is now two tables, each with one
-- writer, and the view `tickets`, which every reader reads:
--   ticket_facts  (intake)     what the opening demand said, as accepted, and how many demands joined;
--   ticket_states (dispatcher) where the work stands. No row yet: the ticket is still `accepted`.
-- The timeline, likewise, is `intake_timeline` and `dispatch_timeline` behind the view `timeline`;
-- both draw their ids from one sequence, so `ORDER BY id` is still the order entries were made.

ALTER TABLE tickets RENAME TO ticket_facts;
-- The opening demand's attachments, so that dispatcher never reads a demand's normalized form.
ALTER TABLE ticket_facts ADD COLUMN attachments jsonb NOT NULL DEFAULT '[]';
UPDATE ticket_facts f SET attachments = d.normalized -> 'attachments'
FROM demands d
WHERE d.ticket_no = f.ticket_no AND d.outcome = 'accepted' AND jsonb_typeof(d.normalized -> 'attachments') = 'array';

CREATE TABLE ticket_states (
    ticket_no        text PRIMARY KEY REFERENCES ticket_facts (ticket_no),
    status           text NOT NULL CHECK (status IN ('accepted', 'triage', 'dispatched', 'in_progress', 'resolved', 'closed', 'rejected')),
    -- The category dispatcher decided (keywords with newer reference data, or the command
    -- center's triage); NULL while intake's classification stands.
    category_code    text,
    category_method  text CHECK (category_method IN ('given', 'keywords', 'none', 'command_center')),
    lead_department  text,
    reopen_count     integer NOT NULL DEFAULT 0,
    return_count     integer NOT NULL DEFAULT 0,
    dispatch_round   integer NOT NULL DEFAULT 0,
    escalation_level text CHECK (escalation_level IN ('street', 'district', 'city')),
    extended         boolean NOT NULL DEFAULT false,
    outcome          text CHECK (outcome IN ('satisfied', 'no_feedback', 'unsatisfied_final', 'rejected')),
    resolved_at      timestamptz,
    feedback_due     timestamptz,
    closed_at        timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
INSERT INTO ticket_states (ticket_no, status, category_code, category_method, lead_department, reopen_count, return_count,
                           dispatch_round, escalation_level, extended, outcome, resolved_at, feedback_due, closed_at, updated_at)
SELECT ticket_no, status, NULL, category_method, lead_department, reopen_count, return_count, dispatch_round,
       escalation_level, extended, outcome, resolved_at, feedback_due, closed_at, updated_at
FROM ticket_facts;  -- the category so far stays in ticket_facts: both readings agree on it
-- Dropping the columns drops the indexes on them (the open-ticket and escalation indexes).
ALTER TABLE ticket_facts
    DROP COLUMN status, DROP COLUMN lead_department, DROP COLUMN reopen_count, DROP COLUMN return_count,
    DROP COLUMN dispatch_round, DROP COLUMN escalation_level, DROP COLUMN extended, DROP COLUMN outcome,
    DROP COLUMN resolved_at, DROP COLUMN feedback_due, DROP COLUMN closed_at;

-- Merge candidates (并单). `absorbing` is intake's memory of which of its tickets may still
-- absorb a new demand: true when opened; intake sets it false when it meets the ticket in a
-- state that does not absorb (MergePolicy.absorbingStatuses, read from the read model), so its
-- indexes hold the open tickets only. Tickets dispatcher re-categorized or reopened are few and
-- found through dispatcher's state.
ALTER TABLE ticket_facts ADD COLUMN absorbing boolean NOT NULL DEFAULT true;
UPDATE ticket_facts f SET absorbing = false FROM ticket_states s
WHERE s.ticket_no = f.ticket_no AND s.status NOT IN ('accepted', 'triage', 'dispatched', 'in_progress');
CREATE INDEX ticket_facts_grid_idx ON ticket_facts (category_code, area_code, opened_at DESC) WHERE absorbing;
CREATE INDEX ticket_facts_recent_idx ON ticket_facts (category_code, opened_at DESC) WHERE absorbing;
CREATE INDEX ticket_facts_opened_idx ON ticket_facts (opened_at DESC);
CREATE INDEX ticket_states_recategorized_idx ON ticket_states (category_code) WHERE category_code IS NOT NULL;
CREATE INDEX ticket_states_reopened_idx ON ticket_states (status) WHERE reopen_count > 0;
CREATE INDEX ticket_states_status_idx ON ticket_states (status);
CREATE INDEX ticket_states_escalated_idx ON ticket_states (escalation_level)
    WHERE escalation_level IS NOT NULL AND status NOT IN ('closed', 'rejected');

-- The read model of a ticket: its facts and its state. `decided_category` (dispatcher's) and
-- `reopened` let a query reach the re-categorized and the reopened tickets by index;
-- `classified_category` is intake's.
CREATE VIEW tickets AS
SELECT f.ticket_no, coalesce(s.status, 'accepted') AS status, f.channel,
       coalesce(s.category_code, f.category_code) AS category_code,
       coalesce(s.category_method, f.category_method) AS category_method,
       f.urgency, f.area_code, s.lead_department, f.title, f.content, f.location, f.confidential, f.petition_kind,
       f.subject_unit, f.petitioners, f.whistle, f.attachments, f.linked_ticket, f.report_count,
       coalesce(s.reopen_count, 0) AS reopen_count, coalesce(s.return_count, 0) AS return_count,
       coalesce(s.dispatch_round, 0) AS dispatch_round, s.escalation_level, coalesce(s.extended, false) AS extended,
       s.outcome, f.opened_at, s.resolved_at, s.feedback_due, s.closed_at,
       greatest(f.updated_at, s.updated_at) AS updated_at, s.category_code AS decided_category,
       f.category_code AS classified_category, s.reopen_count > 0 AS reopened
FROM ticket_facts f LEFT JOIN ticket_states s ON s.ticket_no = f.ticket_no;

-- The timeline: the rows made so far stay in dispatch_timeline; intake's new ones go to its own.
ALTER TABLE timeline RENAME TO dispatch_timeline;
CREATE TABLE intake_timeline (LIKE dispatch_timeline INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE intake_timeline ADD PRIMARY KEY (id);
ALTER TABLE intake_timeline ADD FOREIGN KEY (ticket_no) REFERENCES ticket_facts (ticket_no);
CREATE INDEX intake_timeline_ticket_idx ON intake_timeline (ticket_no, id);
CREATE TRIGGER intake_timeline_append_only BEFORE UPDATE OR DELETE ON intake_timeline
    FOR EACH ROW EXECUTE FUNCTION timeline_is_append_only();
CREATE VIEW timeline AS
SELECT id, ticket_no, at, type, actor, data, event_id FROM intake_timeline
UNION ALL
SELECT id, ticket_no, at, type, actor, data, event_id FROM dispatch_timeline;

-- What 一哨一考核 needs of a ticket without reading dispatcher's assignments: every department
-- the whistle named or an assignment went to.
CREATE VIEW ticket_departments AS
SELECT f.ticket_no, w.department
FROM ticket_facts f CROSS JOIN LATERAL jsonb_array_elements_text(coalesce(f.whistle -> 'departments', '[]')) AS w(department)
UNION
SELECT a.ticket_no, a.department FROM assignments a;

-- Every table names its one writer (checked by the test suite against the service roles' grants).
COMMENT ON TABLE areas IS 'owner: whistlectl (seed). The area tree: grid, community, street, district, city.';
COMMENT ON TABLE departments IS 'owner: whistlectl (seed). Departments and their supervising department.';
COMMENT ON TABLE categories IS 'owner: whistlectl (seed). Demand categories and their keywords.';
COMMENT ON TABLE routing_rules IS 'owner: whistlectl (seed). Category x area -> lead and co-departments.';
COMMENT ON TABLE deadline_policies IS 'owner: whistlectl (seed). Deadlines by channel x urgency.';
COMMENT ON TABLE calendar_days IS 'owner: whistlectl (seed). Holidays and make-up working days.';
COMMENT ON TABLE settings IS 'owner: whistlectl (seed). Small operator settings.';
COMMENT ON TABLE ticket_sequences IS 'owner: intake. The daily ticket number sequences.';
COMMENT ON TABLE ticket_facts IS 'owner: intake. What the opening demand said, and how many demands joined the ticket.';
COMMENT ON TABLE ticket_states IS 'owner: dispatcher. Where the work on a ticket stands; no row: accepted.';
COMMENT ON TABLE demands IS 'owner: intake. Every inbound demand, valid or not, with its raw body.';
COMMENT ON TABLE demand_reporters IS 'owner: intake. Reporters'' identity, apart from the demand.';
COMMENT ON TABLE assignments IS 'owner: dispatcher. One department''s task on a ticket.';
COMMENT ON TABLE timers IS 'owner: dispatcher. Deadlines and other clocks.';
COMMENT ON TABLE intake_timeline IS 'owner: intake. Its entries of the append-only timeline.';
COMMENT ON TABLE dispatch_timeline IS 'owner: dispatcher. Its entries of the append-only timeline (and every entry made before 0009).';
COMMENT ON TABLE feedback IS 'owner: intake. Citizens'' feedback as received.';
COMMENT ON TABLE evaluations IS 'owner: intake. The whistling street''s scores (一哨一考核).';
COMMENT ON TABLE notifications IS 'owner: notifier. Every message to a citizen, department or supervisor, and its delivery.';
COMMENT ON TABLE event_journal IS 'owner: notifier. The events it acted on, once each.';
COMMENT ON TABLE kpi_daily IS 'owner: evaluator. Departments'' daily figures.';
COMMENT ON TABLE hotspot_alerts IS 'owner: evaluator. Hotspots raised.';
COMMENT ON TABLE evaluator_applied IS 'owner: evaluator. The events folded into its figures.';
COMMENT ON TABLE demand_stats IS 'owner: evaluator. Demands by area, category, hour and channel.';
COMMENT ON TABLE access_log IS 'owner: evaluator. Reads of confidential tickets and of reporters in clear.';
COMMENT ON TABLE inbox IS 'owner: every service, its own rows (consumer). Messages already applied.';
COMMENT ON TABLE outbox IS 'owner: every service, its own rows (publisher). Messages to publish.';
COMMENT ON TABLE message_failures IS 'owner: every service, its own rows (consumer). Messages it could not apply.';
COMMENT ON TABLE schema_privileges IS 'owner: the schema owner (migrations). The grants last applied.';
COMMENT ON VIEW tickets IS 'read model: ticket_facts (intake) and ticket_states (dispatcher).';
COMMENT ON VIEW timeline IS 'read model: intake_timeline and dispatch_timeline, in id order.';
COMMENT ON VIEW ticket_departments IS 'read model: the departments a whistle named or an assignment went to.';

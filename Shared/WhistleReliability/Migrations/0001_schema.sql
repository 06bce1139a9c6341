-- Whistle schema v1: reference data, the dispatch flow, the reliability tables and the
-- evaluator's figures. Applied once, under an advisory lock, by whichever service starts first.

-- ── Reference data ───────────────────────────────────────────────────────────────────────────
-- The area tree: grid → community → street → district → city.
CREATE TABLE areas (
    code         text PRIMARY KEY,
    name         text NOT NULL,
    level        text NOT NULL CHECK (level IN ('grid', 'community', 'street', 'district', 'city')),
    parent_code  text REFERENCES areas (code) DEFERRABLE INITIALLY DEFERRED,
    centroid_lat double precision CHECK (centroid_lat BETWEEN -90 AND 90),
    centroid_lon double precision CHECK (centroid_lon BETWEEN -180 AND 180),
    polygon      jsonb,
    updated_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX areas_parent_idx ON areas (parent_code);

-- Departments; parent_code is the supervising department, area_code the area served.
CREATE TABLE departments (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    level       text NOT NULL CHECK (level IN ('city', 'district', 'street', 'community')),
    kind        text NOT NULL CHECK (kind IN ('bureau', 'street_office', 'community_committee', 'petition_bureau', 'command_center')),
    parent_code text REFERENCES departments (code) DEFERRABLE INITIALLY DEFERRED,
    area_code   text NOT NULL REFERENCES areas (code) DEFERRABLE INITIALLY DEFERRED,
    active      boolean NOT NULL DEFAULT true,
    updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE categories (
    code        text PRIMARY KEY,
    name        text NOT NULL,
    parent_code text REFERENCES categories (code) DEFERRABLE INITIALLY DEFERRED,
    keywords    text[] NOT NULL DEFAULT '{}',
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- Routing: the most specific rule wins (grid > community > street > district > default = NULL area).
CREATE TABLE routing_rules (
    id              bigserial PRIMARY KEY,
    category_code   text NOT NULL REFERENCES categories (code) DEFERRABLE INITIALLY DEFERRED,
    area_code       text REFERENCES areas (code) DEFERRABLE INITIALLY DEFERRED,
    lead_department text NOT NULL REFERENCES departments (code) DEFERRABLE INITIALLY DEFERRED,
    co_departments  text[] NOT NULL DEFAULT '{}',
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX routing_rules_key ON routing_rules (category_code, coalesce(area_code, ''));

-- Deadlines by channel × urgency; units: minutes, hours, days (calendar) or working_days.
CREATE TABLE deadline_policies (
    channel          text NOT NULL CHECK (channel IN ('hotline', '12345', 'grid', 'petition')),
    urgency          text NOT NULL CHECK (urgency IN ('normal', 'urgent')),
    acknowledge_amount integer NOT NULL CHECK (acknowledge_amount > 0),
    acknowledge_unit text NOT NULL CHECK (acknowledge_unit IN ('minutes', 'hours', 'days', 'working_days')),
    resolve_amount   integer NOT NULL CHECK (resolve_amount > 0),
    resolve_unit     text NOT NULL CHECK (resolve_unit IN ('minutes', 'hours', 'days', 'working_days')),
    extension_amount integer CHECK (extension_amount > 0),
    extension_unit   text CHECK (extension_unit IN ('minutes', 'hours', 'days', 'working_days')),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (channel, urgency)
);

-- The working-day calendar: only exceptions to "Monday–Friday work": public holidays on
-- weekdays (working = false) and make-up working days on weekends (调休, working = true).
CREATE TABLE calendar_days (
    day     date PRIMARY KEY,
    working boolean NOT NULL,
    name    text NOT NULL
);

-- Small operator settings (e.g. calendar.timezone).
CREATE TABLE settings (
    key        text PRIMARY KEY,
    value      text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- ── The flow ─────────────────────────────────────────────────────────────────────────────────
-- Ticket numbers W<local date>-<daily sequence>.
CREATE TABLE ticket_sequences (
    day        date PRIMARY KEY,
    last_value integer NOT NULL
);

CREATE TABLE tickets (
    ticket_no        text PRIMARY KEY,
    status           text NOT NULL CHECK (status IN ('accepted', 'triage', 'dispatched', 'in_progress', 'resolved', 'closed', 'rejected')),
    channel          text NOT NULL,
    category_code    text,
    urgency          text NOT NULL CHECK (urgency IN ('normal', 'urgent')),
    area_code        text,
    lead_department  text,
    title            text,
    content          text NOT NULL,
    location         jsonb,
    confidential     boolean NOT NULL DEFAULT false,
    petition_kind    text CHECK (petition_kind IN ('request', 'complaint')),
    subject_unit     text,
    petitioners      integer,
    whistle          jsonb,
    report_count     integer NOT NULL DEFAULT 1,
    reopen_count     integer NOT NULL DEFAULT 0,
    return_count     integer NOT NULL DEFAULT 0,
    dispatch_round   integer NOT NULL DEFAULT 0,
    escalation_level text CHECK (escalation_level IN ('street', 'district', 'city')),
    extended         boolean NOT NULL DEFAULT false,
    outcome          text CHECK (outcome IN ('satisfied', 'no_feedback', 'unsatisfied_final', 'rejected')),
    opened_at        timestamptz NOT NULL,
    resolved_at      timestamptz,
    feedback_due     timestamptz,
    closed_at        timestamptz,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX tickets_open_idx ON tickets (category_code, area_code, opened_at) WHERE status NOT IN ('closed', 'rejected');
CREATE INDEX tickets_status_idx ON tickets (status, opened_at);

-- Every inbound demand, valid or not, with its raw body. Personal data lives in demand_reporters.
CREATE TABLE demands (
    id           bigserial PRIMARY KEY,
    message_id   text NOT NULL,
    routing_key  text NOT NULL,
    channel      text,
    external_id  text,
    outcome      text NOT NULL CHECK (outcome IN ('accepted', 'merged', 'duplicate', 'rejected')),
    ticket_no    text REFERENCES tickets (ticket_no),
    raw_body     bytea NOT NULL,
    normalized   jsonb,
    errors       jsonb,
    submitted_at timestamptz,
    received_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (routing_key, message_id)
);
-- (channel, external_id) opens one ticket at most: a second one is a duplicate.
CREATE UNIQUE INDEX demands_external_key ON demands (channel, external_id) WHERE outcome IN ('accepted', 'merged');
CREATE INDEX demands_ticket_idx ON demands (ticket_no);
CREATE INDEX demands_received_idx ON demands (received_at);

-- Reporters' identity, apart from the demand: read only where a role needs it.
CREATE TABLE demand_reporters (
    demand_id    bigint PRIMARY KEY REFERENCES demands (id),
    name         text,
    phone        text,
    anonymous    boolean NOT NULL DEFAULT false,
    reporter_ref text
);

-- One department's task on a ticket.
CREATE TABLE assignments (
    assignment_id   uuid PRIMARY KEY,
    ticket_no       text NOT NULL REFERENCES tickets (ticket_no),
    department      text NOT NULL,
    role            text NOT NULL CHECK (role IN ('lead', 'co')),
    status          text NOT NULL CHECK (status IN ('dispatched', 'acknowledged', 'completed', 'returned', 'cancelled')),
    round           integer NOT NULL,
    reopen_count    integer NOT NULL DEFAULT 0,
    ack_due         timestamptz NOT NULL,
    resolve_due     timestamptz NOT NULL,
    acknowledged_at timestamptz,
    completed_at    timestamptz,
    returned_at     timestamptz,
    result          text,
    return_reason   text CHECK (return_reason IN ('not_our_duty', 'wrong_area', 'duplicate', 'insufficient_info')),
    extended_at     timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX assignments_ticket_idx ON assignments (ticket_no);
CREATE INDEX assignments_department_idx ON assignments (department, status);

-- The append-only audit log of every state change.
CREATE TABLE timeline (
    id        bigserial PRIMARY KEY,
    ticket_no text NOT NULL REFERENCES tickets (ticket_no),
    at        timestamptz NOT NULL,
    type      text NOT NULL,
    actor     text,
    data      jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX timeline_ticket_idx ON timeline (ticket_no, id);
CREATE FUNCTION timeline_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'timeline is append-only' USING ERRCODE = 'restrict_violation';
END $$;
CREATE TRIGGER timeline_append_only BEFORE UPDATE OR DELETE ON timeline
    FOR EACH ROW EXECUTE FUNCTION timeline_is_append_only();

CREATE TABLE feedback (
    id           bigserial PRIMARY KEY,
    message_id   text NOT NULL,
    ticket_no    text NOT NULL REFERENCES tickets (ticket_no),
    satisfaction text NOT NULL CHECK (satisfaction IN ('satisfied', 'basically_satisfied', 'unsatisfied')),
    resolved     boolean NOT NULL,
    comment      text,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- 一哨一考核: the whistling street scores each department of a ticket once.
CREATE TABLE evaluations (
    id            bigserial PRIMARY KEY,
    message_id    text NOT NULL,
    ticket_no     text NOT NULL REFERENCES tickets (ticket_no),
    by_department text NOT NULL,
    department    text NOT NULL,
    score         integer NOT NULL CHECK (score BETWEEN 0 AND 100),
    comment       text,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    UNIQUE (ticket_no, department)
);

-- ── Reliability ──────────────────────────────────────────────────────────────────────────────
-- Message ids already applied by a consumer, recorded in the transaction of the effect.
CREATE TABLE inbox (
    consumer    text NOT NULL,
    message_id  text NOT NULL,
    received_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, message_id)
);

-- Messages to publish, written in the transaction of the effect; deleted once confirmed.
-- Each service relays its own rows (publisher); its instances share them with SKIP LOCKED.
CREATE TABLE outbox (
    id            bigserial PRIMARY KEY,
    publisher     text NOT NULL,
    exchange      text NOT NULL,
    routing_key   text NOT NULL,
    message_id    text NOT NULL,
    type          text,
    body          text NOT NULL,
    mandatory     boolean NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX outbox_publisher_idx ON outbox (publisher, id);
-- Rows live for milliseconds: vacuum the churn early so relays never wade through dead tuples.
ALTER TABLE outbox SET (autovacuum_vacuum_scale_factor = 0, autovacuum_vacuum_threshold = 2000,
                        autovacuum_vacuum_cost_delay = 0, autovacuum_analyze_scale_factor = 0,
                        autovacuum_analyze_threshold = 2000);

-- Deadlines and other clocks; claimed with FOR UPDATE SKIP LOCKED by any dispatcher.
CREATE TABLE timers (
    id            bigserial PRIMARY KEY,
    kind          text NOT NULL,
    ticket_no     text NOT NULL REFERENCES tickets (ticket_no),
    assignment_id uuid REFERENCES assignments (assignment_id),
    due_at        timestamptz NOT NULL,
    data          jsonb NOT NULL DEFAULT '{}',
    fired_at      timestamptz,
    cancelled_at  timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX timers_due_idx ON timers (due_at) WHERE fired_at IS NULL AND cancelled_at IS NULL;
CREATE UNIQUE INDEX timers_key ON timers (ticket_no, coalesce(assignment_id::text, ''), kind, due_at);

-- What a consumer has seen of an event stream (the services' journal of events they act on).
CREATE TABLE event_journal (
    consumer    text NOT NULL,
    event_id    text NOT NULL,
    event_type  text NOT NULL,
    ticket_no   text,
    occurred_at timestamptz NOT NULL,
    data        jsonb NOT NULL DEFAULT '{}',
    recorded_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);
CREATE INDEX event_journal_ticket_idx ON event_journal (ticket_no);

-- ── Notifications ────────────────────────────────────────────────────────────────────────────
CREATE TABLE notifications (
    id              bigserial PRIMARY KEY,
    notification_id uuid NOT NULL UNIQUE,
    event_id        text NOT NULL,
    event_type      text NOT NULL,
    ticket_no       text,
    audience        text NOT NULL CHECK (audience IN ('citizen', 'department', 'supervisor', 'reporter')),
    recipient       text NOT NULL,
    template        text NOT NULL,
    text            text NOT NULL,
    urgent          boolean NOT NULL DEFAULT false,
    status          text NOT NULL CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'undeliverable', 'suppressed')),
    reason          text,
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text,
    sent_at         timestamptz,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, audience, recipient, template)
);
CREATE INDEX notifications_due_idx ON notifications (next_attempt_at) WHERE status IN ('pending', 'sending');
CREATE INDEX notifications_ticket_idx ON notifications (ticket_no);

-- ── Evaluation ───────────────────────────────────────────────────────────────────────────────
CREATE TABLE kpi_daily (
    department          text NOT NULL,
    day                 date NOT NULL,
    dispatched          integer NOT NULL DEFAULT 0,
    acknowledged        integer NOT NULL DEFAULT 0,
    acknowledged_on_time integer NOT NULL DEFAULT 0,
    completed           integer NOT NULL DEFAULT 0,
    completed_on_time   integer NOT NULL DEFAULT 0,
    resolved            integer NOT NULL DEFAULT 0,
    answered            integer NOT NULL DEFAULT 0,
    satisfied           integer NOT NULL DEFAULT 0,
    basically_satisfied integer NOT NULL DEFAULT 0,
    returned            integer NOT NULL DEFAULT 0,
    reworked            integer NOT NULL DEFAULT 0,
    overdue             integer NOT NULL DEFAULT 0,
    escalations         integer NOT NULL DEFAULT 0,
    evaluation_sum      integer NOT NULL DEFAULT 0,
    evaluation_count    integer NOT NULL DEFAULT 0,
    PRIMARY KEY (department, day)
);

CREATE TABLE hotspot_alerts (
    area_code     text NOT NULL,
    category_code text NOT NULL,
    window_start  timestamptz NOT NULL,
    window_hours  integer NOT NULL,
    count         integer NOT NULL,
    baseline      double precision NOT NULL,
    detected_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (area_code, category_code, window_start, window_hours)
);

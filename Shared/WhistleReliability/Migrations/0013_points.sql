-- 0013: 积分回馈 (CONTRACT §10 Points). Reporters earn points when a ticket closes satisfied and
-- streets redeem them; intake keeps the ledger (it owns the demands and their reporters).

-- The rules, as reference data: one row, seeded with the contract's defaults. An operator
-- changes them with `whistlectl points rules`; intake reads them at every award.
CREATE TABLE points_rules (
    only_row      boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    opened_points integer NOT NULL DEFAULT 10 CHECK (opened_points BETWEEN 0 AND 1000000),
    merged_points integer NOT NULL DEFAULT 2 CHECK (merged_points BETWEEN 0 AND 1000000),
    yearly_cap    integer NOT NULL DEFAULT 1000 CHECK (yearly_cap BETWEEN 0 AND 100000000),
    updated_at    timestamptz NOT NULL DEFAULT now()
);
INSERT INTO points_rules DEFAULT VALUES;

-- The reporter of each demand as the ledger knows him (PointsRule.reporterRef): a grid worker's
-- reporter.id, or `phone:` + 16 hex digits of SHA-256 of a citizen's phone; NULL when anonymous
-- or unknown. Set by intake when it stores the demand; kept when retention clears the reporter's
-- identity, so that `whistlectl points rebuild` can replay every closing.
ALTER TABLE demands ADD COLUMN points_ref text;

-- One row per reporter: his balance (never below zero), and the row an award or a redemption
-- locks, so that the yearly cap and the balance hold however many intakes run at once.
CREATE TABLE points_accounts (
    reporter_ref text PRIMARY KEY,
    balance      integer NOT NULL CHECK (balance >= 0),
    updated_at   timestamptz NOT NULL DEFAULT now()
);

-- The ledger: every award (once per ticket and reporter, however often ticket.closed comes;
-- `points` after the yearly cap, possibly 0, `requested` before it) and every redemption (once
-- per street and external_id). `street_code` is where the points were earned (the street of the
-- ticket's area; NULL when the ticket has no area) or redeemed (the street office's street);
-- `year` is the local calendar year whose cap an award counts against.
CREATE TABLE points_entries (
    id            bigserial PRIMARY KEY,
    reporter_ref  text NOT NULL REFERENCES points_accounts (reporter_ref),
    kind          text NOT NULL CHECK (kind IN ('award', 'redemption')),
    points        integer NOT NULL,
    requested     integer,
    reason        text NOT NULL,
    ticket_no     text REFERENCES ticket_facts (ticket_no),
    street_code   text,
    by_department text,
    external_id   text,
    message_id    text NOT NULL,
    year          integer NOT NULL,
    at            timestamptz NOT NULL,
    recorded_at   timestamptz NOT NULL DEFAULT now(),
    CHECK ((kind = 'award' AND ticket_no IS NOT NULL AND points >= 0 AND requested >= points)
        OR (kind = 'redemption' AND by_department IS NOT NULL AND external_id IS NOT NULL AND points < 0))
);
CREATE UNIQUE INDEX points_entries_award_key ON points_entries (ticket_no, reporter_ref) WHERE kind = 'award';
CREATE UNIQUE INDEX points_entries_redemption_key ON points_entries (by_department, external_id) WHERE kind = 'redemption';
CREATE INDEX points_entries_reporter_idx ON points_entries (reporter_ref, year, id);
CREATE INDEX points_entries_street_idx ON points_entries (street_code, year);

COMMENT ON TABLE points_rules IS 'owner: whistlectl (points rules). The points rules of 积分回馈: opened, merged, yearly cap.';
COMMENT ON TABLE points_accounts IS 'owner: intake. Each reporter''s points balance, locked by every award and redemption.';
COMMENT ON TABLE points_entries IS 'owner: intake. The points ledger: awards of closed tickets and streets'' redemptions.';

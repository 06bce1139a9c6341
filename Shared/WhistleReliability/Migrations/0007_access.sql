-- CONTRACT §8: every read of a confidential ticket, and every read that showed a reporter in
-- clear, is recorded in the transaction of the read. Written by evaluator only (its read API);
-- read by auditors and petition bureaus through GET /v1/access-log.
CREATE TABLE access_log (
    id                bigserial PRIMARY KEY,
    at                timestamptz NOT NULL DEFAULT now(),
    subject           text NOT NULL,
    department        text,
    role              text NOT NULL,
    ticket_no         text NOT NULL,
    area_code         text,
    route             text NOT NULL,
    confidential      boolean NOT NULL,
    reporter_in_clear boolean NOT NULL,
    address           text
);
CREATE INDEX access_log_at_idx ON access_log (at, id);
CREATE INDEX access_log_ticket_idx ON access_log (ticket_no);

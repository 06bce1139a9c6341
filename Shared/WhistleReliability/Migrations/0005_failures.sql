-- Why a message failed its consumer: recorded each time it fails (the last error is kept), so
-- that `whistlectl dlq list` shows the reason beside the dead letter the broker keeps.
CREATE TABLE message_failures (
    consumer    text NOT NULL,
    routing_key text NOT NULL,
    message_id  text NOT NULL,
    error       text NOT NULL,
    deliveries  integer NOT NULL,
    failed_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, routing_key, message_id)
);

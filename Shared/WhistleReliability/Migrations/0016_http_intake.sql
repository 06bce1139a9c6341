-- Issue 16: Open311 GeoReport v2 and HTTP intake (CONTRACT §9).

-- The registered HTTP clients: Open311 clients (kind open311, channel 12345) and HTTP adapters of
-- one demand channel each (kind adapter). A key is shown once when whistlectl creates it and
-- stored only as its SHA-256; a revoked client keeps its row (revoked_at) so that its id is never
-- given to another client.
CREATE TABLE api_clients (
    id         text PRIMARY KEY CHECK (id ~ '^[a-z0-9-]{1,40}$'),
    kind       text NOT NULL CHECK (kind IN ('open311', 'adapter')),
    channel    text NOT NULL CHECK (channel IN ('hotline', '12345', 'grid', 'petition')),
    name       text CHECK (char_length(name) <= 200),
    key_hash   bytea NOT NULL UNIQUE CHECK (octet_length(key_hash) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz,
    CHECK (kind <> 'open311' OR channel = '12345')
);
COMMENT ON TABLE api_clients IS 'owner: whistlectl. Open311 clients and HTTP adapters with their hashed keys; evaluator reads it.';

-- Who brought each demand in: the registered client a gateway named (x-whistle-adapter), else the
-- publisher's broker user; and how it came over HTTP (open311 | http), null over AMQP.
ALTER TABLE demands
    ADD COLUMN adapter text,
    ADD COLUMN via     text CHECK (via IN ('open311', 'http'));

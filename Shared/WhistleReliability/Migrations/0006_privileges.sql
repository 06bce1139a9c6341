-- 0006: the fingerprint of the service roles' grants last applied (DatabasePrivilegesApplier),
-- so that an unchanged model on unchanged roles is not granted again at every start.
CREATE TABLE schema_privileges (
    only_row    boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    fingerprint text NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT now()
);

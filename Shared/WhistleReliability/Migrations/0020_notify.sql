-- Issue 17: the reference data announces its changes instead of being re-read every 15 s.
-- Every statement that changes a table of the reference snapshot (whistlectl seed, an operator's
-- psql) queues one NOTIFY on channel whistle_reference; PostgreSQL sends it when the transaction
-- commits and folds the notifications of one transaction into one. Each service's ReferenceCache
-- LISTENs and reloads; its periodic refresh is only a slow safety net.
CREATE FUNCTION whistle_reference_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('whistle_reference', '');
    RETURN NULL;
END $$;

CREATE TRIGGER areas_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON areas
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();
CREATE TRIGGER departments_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON departments
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();
CREATE TRIGGER categories_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON categories
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();
CREATE TRIGGER routing_rules_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON routing_rules
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();
CREATE TRIGGER gazetteer_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON gazetteer
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();
CREATE TRIGGER deadline_policies_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON deadline_policies
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();
CREATE TRIGGER calendar_days_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON calendar_days
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();
CREATE TRIGGER settings_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON settings
    FOR EACH STATEMENT EXECUTE FUNCTION whistle_reference_changed();

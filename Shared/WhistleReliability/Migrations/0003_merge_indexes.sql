-- Merge candidates (并单) are looked up per new demand among the open tickets of its category:
-- the most recent in its grid, and those around its coordinates.
CREATE INDEX tickets_open_grid_idx ON tickets (category_code, area_code, opened_at DESC)
    WHERE status NOT IN ('closed', 'rejected');
CREATE INDEX tickets_open_lat_idx ON tickets (category_code, ((location->>'lat')::float8))
    WHERE status NOT IN ('closed', 'rejected');

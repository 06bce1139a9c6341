-- Issue 16: every demand placed. The gazetteer places an address without coordinates: roads,
-- building-number ranges of a road, estates (小区), communities and landmarks, each with the area
-- a match places the demand into. Written by `whistlectl seed` (gazetteer.yaml), read by every
-- service (ReferenceSnapshot → AreaPlacer). Coordinates are placed by `areas.polygon`.
CREATE TABLE gazetteer (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('road', 'building', 'estate', 'community', 'landmark')),
    name        text NOT NULL CHECK (length(btrim(name)) > 0),
    aliases     text[] NOT NULL DEFAULT '{}' CHECK (array_position(aliases, NULL) IS NULL),
    area_code   text NOT NULL REFERENCES areas (code) DEFERRABLE INITIALLY DEFERRED,
    number_from integer CHECK (number_from >= 1),
    number_to   integer,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    -- A building entry is a road's range of building numbers; no other kind has numbers.
    CHECK ((kind = 'building') = (number_from IS NOT NULL)),
    CHECK ((number_from IS NULL) = (number_to IS NULL)),
    CHECK (number_from <= number_to)
);
-- One entry per (kind, name) — per range start for a road's building ranges: the seed's key.
CREATE UNIQUE INDEX gazetteer_key ON gazetteer (kind, name, coalesce(number_from, 0));
CREATE INDEX gazetteer_area_idx ON gazetteer (area_code);
COMMENT ON TABLE gazetteer IS 'owner: whistlectl (seed). Places an address names (roads, building numbers, estates, communities, landmarks) and the area each places a demand into.';

-- +goose Up
-- Real territories in (imports of national datasets) and a change log of
-- every write, from which any batch is reverted and changes are served.

-- A source dataset's own identifier (BD TOPO, OCS GE, OSM, Admin Express
-- ids), by which a new edition updates the features of the previous one.
ALTER TABLE roads
    ADD COLUMN importance text,
    ADD COLUMN nb_voies integer,
    ADD COLUMN sens text,
    ADD COLUMN source_id text;
ALTER TABLE land_cover ADD COLUMN source_id text;
ALTER TABLE communes ADD COLUMN source_id text;
CREATE UNIQUE INDEX roads_source_idx ON roads (source_id) WHERE source_id IS NOT NULL;
CREATE UNIQUE INDEX land_cover_source_idx ON land_cover (year, source_id) WHERE source_id IS NOT NULL;
CREATE INDEX land_cover_year_idx ON land_cover (year);

-- New features get Socle's own ids.
CREATE SEQUENCE roads_id_seq OWNED BY roads.id;
SELECT setval('roads_id_seq', coalesce((SELECT max(id) FROM roads), 0) + 1, false);
CREATE SEQUENCE land_cover_id_seq OWNED BY land_cover.id;
SELECT setval('land_cover_id_seq', coalesce((SELECT max(id) FROM land_cover), 0) + 1, false);

-- Real files mix single and multi geometries: roads and land cover keep
-- either form.
ALTER TABLE roads ALTER COLUMN geom TYPE geometry(Geometry, 2154);
ALTER TABLE roads ADD CONSTRAINT roads_geom_type CHECK (GeometryType(geom) IN ('LINESTRING', 'MULTILINESTRING'));
ALTER TABLE land_cover ALTER COLUMN geom TYPE geometry(Geometry, 2154);
ALTER TABLE land_cover ADD CONSTRAINT land_cover_geom_type CHECK (GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON'));

-- The change log: every change a batch makes to a feature, with the
-- columns it replaced (every column of an update or a delete, geom as hex
-- WKB; NULL for an insert). Batches write one at a time, so seq is the
-- order of their commits.
CREATE TABLE feature_changes (
    seq         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    batch       text NOT NULL,
    collection  text NOT NULL,
    feature_id  text NOT NULL,
    op          text NOT NULL CHECK (op IN ('insert', 'update', 'delete')),
    before      jsonb
);
CREATE INDEX feature_changes_batch_idx ON feature_changes (batch, seq);
CREATE INDEX feature_changes_feature_idx ON feature_changes (collection, feature_id, seq);
CREATE INDEX feature_changes_collection_idx ON feature_changes (collection, seq);

-- What the updater logged before: the derived values its batches replaced,
-- and the candidates and reports they added, in the order of the batches.
INSERT INTO feature_changes (batch, collection, feature_id, op, before)
SELECT batch, collection, feature_id, op, before FROM (
    SELECT h.batch, h.collection, h.feature_id::text AS feature_id, 'update' AS op, h.previous AS before, b.started_at, 1 AS k
    FROM update_history h JOIN batches b ON b.id = h.batch
    UNION ALL
    SELECT a.fibre_batch, 'address_candidates', a.key, 'insert', NULL, b.started_at, 2
    FROM address_candidates a JOIN batches b ON b.id = a.fibre_batch
    UNION ALL
    SELECT r.report_batch, 'road_reports', r.key, 'insert', NULL, b.started_at, 3
    FROM road_reports r JOIN batches b ON b.id = r.report_batch
) x ORDER BY started_at, batch, k, feature_id;
DROP TABLE update_history;

-- +goose Down
CREATE TABLE update_history (
    batch       text NOT NULL REFERENCES batches (id),
    collection  text NOT NULL,
    feature_id  bigint NOT NULL,
    previous    jsonb NOT NULL,
    PRIMARY KEY (batch, collection, feature_id)
);
INSERT INTO update_history (batch, collection, feature_id, previous)
SELECT batch, collection, feature_id::bigint, before FROM feature_changes
WHERE op = 'update' AND collection IN ('addresses', 'roads') ON CONFLICT DO NOTHING;
DROP TABLE feature_changes;
ALTER TABLE land_cover DROP CONSTRAINT land_cover_geom_type;
ALTER TABLE land_cover ALTER COLUMN geom TYPE geometry(Polygon, 2154) USING ST_GeometryN(geom, 1);
ALTER TABLE roads DROP CONSTRAINT roads_geom_type;
ALTER TABLE roads ALTER COLUMN geom TYPE geometry(LineString, 2154) USING ST_GeometryN(geom, 1);
DROP SEQUENCE land_cover_id_seq;
DROP SEQUENCE roads_id_seq;
DROP INDEX land_cover_year_idx;
ALTER TABLE communes DROP COLUMN source_id;
ALTER TABLE land_cover DROP COLUMN source_id;
ALTER TABLE roads DROP COLUMN source_id, DROP COLUMN sens, DROP COLUMN nb_voies, DROP COLUMN importance;

-- +goose Up
-- address_candidates and road_reports become served collections (DESIGN.md:
-- internal and restricted by default), shaped like the other layers: the
-- batch that created a row is a property (fibre_batch, report_batch, as
-- addresses carry fibre_batch), `batch` and `updated_at` are the last
-- writer's as elsewhere. The provenance is a plain value, not a foreign key,
-- so that a territory copied from another store keeps it.
ALTER TABLE address_candidates DROP CONSTRAINT address_candidates_batch_fkey;
ALTER TABLE address_candidates RENAME COLUMN batch TO fibre_batch;
ALTER INDEX address_candidates_batch_idx RENAME TO address_candidates_fibre_batch_idx;
ALTER TABLE address_candidates
    ADD COLUMN batch text NOT NULL DEFAULT '',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE address_candidates SET batch = fibre_batch, updated_at = created_at;
CREATE INDEX address_candidates_created_idx ON address_candidates (created_at);

ALTER TABLE road_reports DROP CONSTRAINT road_reports_batch_fkey;
ALTER TABLE road_reports RENAME COLUMN batch TO report_batch;
ALTER INDEX road_reports_batch_idx RENAME TO road_reports_report_batch_idx;
ALTER TABLE road_reports
    ADD COLUMN batch text NOT NULL DEFAULT '',
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
UPDATE road_reports SET batch = report_batch;
CREATE INDEX road_reports_geom_idx ON road_reports USING gist (geom);
CREATE INDEX road_reports_observed_idx ON road_reports (observed_at);

INSERT INTO layer_state (collection) VALUES ('address_candidates'), ('road_reports') ON CONFLICT DO NOTHING;

-- +goose Down
DELETE FROM layer_state WHERE collection IN ('address_candidates', 'road_reports');
DROP INDEX road_reports_observed_idx, road_reports_geom_idx, address_candidates_created_idx;
ALTER TABLE road_reports DROP COLUMN batch, DROP COLUMN updated_at;
ALTER INDEX road_reports_report_batch_idx RENAME TO road_reports_batch_idx;
ALTER TABLE road_reports RENAME COLUMN report_batch TO batch;
ALTER TABLE address_candidates DROP COLUMN batch, DROP COLUMN updated_at;
ALTER INDEX address_candidates_fibre_batch_idx RENAME TO address_candidates_batch_idx;
ALTER TABLE address_candidates RENAME COLUMN fibre_batch TO batch;

-- +goose Up
-- The updater: field files joined into the layers (fibre deployment into
-- addresses, road-state reports into roads), each batch traceable and
-- reversible.

-- Every file as it arrived, stored before it is processed (nothing is lost).
-- Road-report files still hold vehicle ids: this table is never served, and
-- `socle update purge` removes deposits past their retention.
CREATE TABLE update_inputs (
    sha256       text PRIMARY KEY,
    kind         text NOT NULL,
    source       text NOT NULL DEFAULT '',
    actor        text NOT NULL DEFAULT '',
    size         bigint NOT NULL,
    data         bytea NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now()
);

-- The values an updater batch replaced, one row per changed feature: "what
-- did batch X change" is SELECT * FROM update_history WHERE batch = X, and
-- reverting X writes `previous` back.
CREATE TABLE update_history (
    batch       text NOT NULL REFERENCES batches (id),
    collection  text NOT NULL,
    feature_id  bigint NOT NULL,
    previous    jsonb NOT NULL,
    PRIMARY KEY (batch, collection, feature_id)
);
CREATE INDEX update_history_feature_idx ON update_history (collection, feature_id);

-- Reverted batches: who reverted them and when.
CREATE TABLE update_reverts (
    batch        text PRIMARY KEY REFERENCES batches (id),
    actor        text NOT NULL DEFAULT '',
    reverted_at  timestamptz NOT NULL DEFAULT now(),
    counts       jsonb NOT NULL DEFAULT '{}'
);

-- Buildings of fibre files that match no address, with the reason: the
-- commune reviews them (internal data, not a served collection yet).
CREATE TABLE address_candidates (
    key             text PRIMARY KEY,
    batch           text NOT NULL REFERENCES batches (id),
    line            integer NOT NULL,
    imb_id          text NOT NULL DEFAULT '',
    numero          integer,
    suffixe         text NOT NULL DEFAULT '',
    voie_nom        text NOT NULL DEFAULT '',
    commune_insee   text NOT NULL DEFAULT '',
    commune_nom     text NOT NULL DEFAULT '',
    code_postal     text NOT NULL DEFAULT '',
    fibre_status    text NOT NULL DEFAULT '',
    fibre_operator  text NOT NULL DEFAULT '',
    reason          text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    geom            geometry(Point, 2154) NOT NULL
);
CREATE INDEX address_candidates_batch_idx ON address_candidates (batch);
CREATE INDEX address_candidates_geom_idx ON address_candidates USING gist (geom);

-- Road-state reports, pseudonymised (vehicle holds a keyed hash, never the
-- vehicle id), snapped to a road segment or kept with the reason they were
-- not. Closed data.
CREATE TABLE road_reports (
    key          text PRIMARY KEY,
    batch        text NOT NULL REFERENCES batches (id),
    line         integer NOT NULL,
    observed_at  timestamptz NOT NULL,
    vehicle      text NOT NULL,
    heading      double precision,
    condition    smallint NOT NULL CHECK (condition BETWEEN 0 AND 3),
    comment      text NOT NULL DEFAULT '',
    road_id      bigint,
    distance     double precision,
    reason       text NOT NULL DEFAULT '',
    geom         geometry(Point, 2154) NOT NULL
);
CREATE INDEX road_reports_road_idx ON road_reports (road_id, observed_at) WHERE road_id IS NOT NULL;
CREATE INDEX road_reports_batch_idx ON road_reports (batch);

-- +goose Down
DROP TABLE road_reports, address_candidates, update_reverts, update_history, update_inputs;

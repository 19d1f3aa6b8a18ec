-- +goose Up
-- ZAN from real data (issue 13): the artificialisation flux between OCS GE
-- millésimes, per commune and for the EPCI, recomputed after every batch
-- that changes the land cover or the communes (and logged under a derive
-- batch, so that the change feeds show it); the Cerema NAF-consumption file
-- that sets the 2011–2021 reference; where each commune's indicators come
-- from.
CREATE TABLE artificialisation (
    key                 text PRIMARY KEY,
    insee               text NOT NULL,
    nom                 text NOT NULL,
    level               text NOT NULL CHECK (level IN ('commune', 'epci')),
    from_year           smallint NOT NULL,
    to_year             smallint NOT NULL,
    area_ha             double precision NOT NULL,
    artificialised_ha   double precision NOT NULL,
    deartificialised_ha double precision NOT NULL,
    net_ha              double precision NOT NULL,
    stock_from_ha       double precision,
    stock_ha            double precision,
    stock_share         double precision,
    source              text NOT NULL,
    matrix_version      text NOT NULL,
    updated_at          timestamptz NOT NULL DEFAULT now(),
    batch               text NOT NULL DEFAULT '',
    geom                geometry(MultiPolygon, 2154) NOT NULL
);
CREATE INDEX artificialisation_geom_idx ON artificialisation USING gist (geom);
CREATE INDEX artificialisation_insee_idx ON artificialisation (insee, from_year);
INSERT INTO layer_state (collection) VALUES ('artificialisation') ON CONFLICT DO NOTHING;

-- The Cerema files, one row per commune and year (m², as the file gives
-- it), kept per batch: the current file is the latest import-consommation
-- batch not reverted.
CREATE TABLE consommation (
    batch  text NOT NULL,
    insee  text NOT NULL,
    nom    text NOT NULL DEFAULT '',
    year   smallint NOT NULL,
    m2     double precision NOT NULL,
    PRIMARY KEY (batch, insee, year)
);

ALTER TABLE communes ADD COLUMN zan_source text;

-- +goose Down
ALTER TABLE communes DROP COLUMN zan_source;
DROP TABLE consommation;
DELETE FROM layer_state WHERE collection = 'artificialisation';
DROP TABLE artificialisation;

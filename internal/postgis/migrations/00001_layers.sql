-- +goose Up
-- The reference layers of the territory. Geometry is stored in the territory's
-- CRS (Lambert-93, EPSG:2154) and transformed on output. Every table carries
-- updated_at (usable by `datetime`) and the id of the batch that last wrote the
-- row, so that each figure names its provenance.
-- Socle's tables live in their own schema (created before goose runs), so a
-- territory can share a database with other applications.
CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public;

-- One row per collection, bumped by every write in the same transaction: the
-- data version that caches (extents, counts, tiles) are keyed on, and the
-- revision date metadata reports.
CREATE TABLE layer_state (
    collection  text PRIMARY KEY,
    version     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    last_batch  text NOT NULL DEFAULT ''
);
INSERT INTO layer_state (collection) VALUES ('addresses'), ('roads'), ('land_cover'), ('communes');

-- A batch is one import or update run: what came in, from whom, with what result.
CREATE TABLE batches (
    id           text PRIMARY KEY,
    kind         text NOT NULL,
    collection   text,
    source       text NOT NULL DEFAULT '',
    file_sha256  text NOT NULL DEFAULT '',
    actor        text NOT NULL DEFAULT '',
    started_at   timestamptz NOT NULL DEFAULT now(),
    finished_at  timestamptz,
    status       text NOT NULL DEFAULT 'running',
    counts       jsonb NOT NULL DEFAULT '{}'
);

-- Records a batch did not load, with the reason: nothing is dropped silently.
CREATE TABLE batch_rejects (
    batch   text NOT NULL REFERENCES batches (id) ON DELETE CASCADE,
    line    integer NOT NULL,
    col     text NOT NULL DEFAULT '',
    reason  text NOT NULL,
    raw     text NOT NULL DEFAULT ''
);
CREATE INDEX batch_rejects_batch_idx ON batch_rejects (batch, line);

CREATE TABLE communes (
    insee        text PRIMARY KEY CHECK (insee ~ '^[0-9][0-9AB][0-9]{3}$'),
    nom          text NOT NULL,
    epci_siren   text NOT NULL DEFAULT '',
    population   integer,
    -- artificialisation indicators, derived from land_cover (see refresh_commune_indicators)
    artificialised_ha_by_year   jsonb NOT NULL DEFAULT '{}',
    artificialised_ha_2011_2021 double precision NOT NULL DEFAULT 0,
    artificialised_ha_since_2021 double precision NOT NULL DEFAULT 0,
    zan_budget_ha_2021_2031     double precision NOT NULL DEFAULT 0,
    zan_budget_used_pct         double precision,
    updated_at   timestamptz NOT NULL DEFAULT now(),
    batch        text NOT NULL DEFAULT '',
    geom         geometry(MultiPolygon, 2154) NOT NULL
);
CREATE INDEX communes_geom_idx ON communes USING gist (geom);

CREATE TABLE roads (
    id            bigint PRIMARY KEY,
    name          text NOT NULL DEFAULT '',
    road_class    text NOT NULL DEFAULT '',
    surface       text NOT NULL DEFAULT '',
    width         double precision,
    commune_insee text NOT NULL DEFAULT '',
    -- road state, joined in by the updater from field reports (0 good … 3 dangerous)
    condition             smallint CHECK (condition BETWEEN 0 AND 3),
    condition_observed_at timestamptz,
    report_count          integer NOT NULL DEFAULT 0,
    condition_batch       text,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    batch         text NOT NULL DEFAULT '',
    geom          geometry(LineString, 2154) NOT NULL
);
CREATE INDEX roads_geom_idx ON roads USING gist (geom);
CREATE INDEX roads_commune_idx ON roads (commune_insee, id);
CREATE INDEX roads_updated_idx ON roads (updated_at);

CREATE TABLE addresses (
    id                      bigint PRIMARY KEY,
    cle_interop             text NOT NULL UNIQUE,
    numero                  integer NOT NULL CHECK (numero BETWEEN 0 AND 99999),
    suffixe                 text,
    voie_nom                text NOT NULL DEFAULT '',
    lieudit_complement_nom  text,
    commune_insee           text NOT NULL,
    commune_nom             text NOT NULL,
    commune_deleguee_insee  text,
    commune_deleguee_nom    text,
    position                text,
    cad_parcelles           text,
    source                  text NOT NULL DEFAULT '',
    date_der_maj            date,
    certification_commune   boolean NOT NULL DEFAULT false,
    -- FTTH status, joined in by the updater from the operators' files
    fibre_status            text,
    fibre_operator          text,
    fibre_updated_at        timestamptz,
    fibre_batch             text,
    updated_at              timestamptz NOT NULL DEFAULT now(),
    batch                   text NOT NULL DEFAULT '',
    geom                    geometry(Point, 2154) NOT NULL
);
CREATE INDEX addresses_geom_idx ON addresses USING gist (geom);
CREATE INDEX addresses_commune_idx ON addresses (commune_insee, id);
CREATE INDEX addresses_date_idx ON addresses (date_der_maj);
CREATE SEQUENCE addresses_id_seq OWNED BY addresses.id;

CREATE TABLE land_cover (
    id                  bigint PRIMARY KEY,
    code_cs             text NOT NULL,
    code_us             text NOT NULL,
    artificialised      boolean NOT NULL,
    year                smallint NOT NULL,
    year_artificialised smallint,
    area_m2             double precision NOT NULL DEFAULT 0,
    commune_insee       text NOT NULL DEFAULT '',
    updated_at          timestamptz NOT NULL DEFAULT now(),
    batch               text NOT NULL DEFAULT '',
    geom                geometry(Polygon, 2154) NOT NULL
);
CREATE INDEX land_cover_geom_idx ON land_cover USING gist (geom);
CREATE INDEX land_cover_commune_idx ON land_cover (commune_insee, id);

-- Artificialisation indicators of each commune, derived from land_cover: the
-- hectares artificialised per year, the 2011–2021 reference consumption, and
-- the consumption since 2021 against the ZAN allowance (half the reference,
-- loi Climat et résilience, art. 191).
-- +goose StatementBegin
CREATE FUNCTION refresh_commune_indicators() RETURNS void LANGUAGE sql AS $$
    WITH per_year AS (
        SELECT commune_insee, year_artificialised AS y, sum(area_m2) / 10000.0 AS ha
        FROM land_cover
        WHERE artificialised AND year_artificialised IS NOT NULL
        GROUP BY 1, 2
    ), per_commune AS (
        SELECT commune_insee,
               jsonb_object_agg(y::text, round(ha::numeric, 4) ORDER BY y) AS by_year,
               coalesce(sum(ha) FILTER (WHERE y BETWEEN 2011 AND 2020), 0) AS ref,
               coalesce(sum(ha) FILTER (WHERE y >= 2021), 0) AS since
        FROM per_year GROUP BY 1
    )
    UPDATE communes c SET
        artificialised_ha_by_year    = coalesce(p.by_year, '{}'),
        artificialised_ha_2011_2021  = round(coalesce(p.ref, 0)::numeric, 4),
        artificialised_ha_since_2021 = round(coalesce(p.since, 0)::numeric, 4),
        zan_budget_ha_2021_2031      = round((coalesce(p.ref, 0) / 2)::numeric, 4),
        zan_budget_used_pct          = CASE WHEN coalesce(p.ref, 0) > 0
                                            THEN round((100 * p.since / (p.ref / 2))::numeric, 2) END
    FROM communes c2 LEFT JOIN per_commune p ON p.commune_insee = c2.insee
    WHERE c.insee = c2.insee
      AND (c.artificialised_ha_by_year, c.artificialised_ha_2011_2021, c.artificialised_ha_since_2021)
          IS DISTINCT FROM (coalesce(p.by_year, '{}'), round(coalesce(p.ref, 0)::numeric, 4)::float8,
                            round(coalesce(p.since, 0)::numeric, 4)::float8);
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION refresh_commune_indicators();
DROP TABLE land_cover, addresses, roads, communes, batch_rejects, batches, layer_state;

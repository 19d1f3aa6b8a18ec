-- load-bench-territory.sql — copy the shared benchmark territory (public.addresses, roads,
-- landcover, communes, made by shared/bench/territory.sql) into Socle's schema, with the same
-- ids and geometries, so that pg_featureserv (serving public.*) and Socle (serving socle.*)
-- answer the same requests from identical rows.
--
-- Prerequisites: territory.sql loaded in public, `socle migrate` run on the same database.
-- Idempotent: the four Socle tables are emptied and refilled in one transaction.
--
--   psql -h 127.0.0.1 -U postgres -d bench -v ON_ERROR_STOP=1 -f bench/load-bench-territory.sql
--
-- Column mapping (kit → Socle):
--   communes   insee, nom, population, geom; epci_siren = Toulouse Métropole's SIREN (243100518)
--   roads      id, name, road_class, surface, width (numeric → float8), commune_insee, updated_at, geom
--   addresses  id, cle_interop, numero, suffixe, voie_nom, commune_insee, commune_nom, position,
--              source, updated_at, geom; date_der_maj = updated_at::date; certification_commune =
--              (source = 'commune'); lieudit/commune déléguée/cad_parcelles/fibre_* stay NULL
--   landcover → land_cover: id, code_cs, code_us, artificialised, year_artificialised, area_m2
--              (numeric → float8), commune_insee, updated_at, geom; year (vintage) = 2024
-- Every row gets batch = 'bench-territory', recorded in socle.batches.
-- Rows are written in the order of their geometries (ORDER BY geom: PostGIS's Hilbert order), as
-- `socle import` and `socle copy` write the new rows of a batch into PostGIS; public.* stays in
-- the kit's order (by id, the addresses spread at random), as pg_featureserv serves a table as it
-- is. Set -v order=id to copy in id order instead (the layout before Socle sorted its imports).

\set ON_ERROR_STOP on
\if :{?order}
\else
  \set order geom
\endif
SET search_path = socle, public;
SET client_min_messages = warning;

BEGIN;

TRUNCATE socle.addresses, socle.roads, socle.land_cover, socle.communes;
DELETE FROM socle.batches WHERE id = 'bench-territory';
INSERT INTO socle.batches (id, kind, collection, source, actor, finished_at, status)
VALUES ('bench-territory', 'import-bench', NULL, 'shared/bench/territory.sql (public schema)', 'bench/load-bench-territory.sql', now(), 'done');

INSERT INTO socle.communes (insee, nom, epci_siren, population, updated_at, batch, geom)
SELECT insee, nom, '243100518', population, now(), 'bench-territory', geom
FROM public.communes ORDER BY insee;

INSERT INTO socle.roads (id, name, road_class, surface, width, commune_insee, updated_at, batch, geom)
SELECT id, name, road_class, surface, width::float8, commune_insee, updated_at, 'bench-territory', geom
FROM public.roads ORDER BY :order, id;

INSERT INTO socle.addresses (id, cle_interop, numero, suffixe, voie_nom, commune_insee, commune_nom,
                             position, source, date_der_maj, certification_commune, updated_at, batch, geom)
SELECT id, cle_interop, numero, suffixe, voie_nom, commune_insee, commune_nom,
       position, source, (updated_at AT TIME ZONE 'UTC')::date, source = 'commune', updated_at, 'bench-territory', geom
FROM public.addresses ORDER BY :order, id;
SELECT setval('socle.addresses_id_seq', (SELECT max(id) FROM socle.addresses));

INSERT INTO socle.land_cover (id, code_cs, code_us, artificialised, year, year_artificialised, area_m2,
                              commune_insee, updated_at, batch, geom)
SELECT id, code_cs, code_us, artificialised, 2024, year_artificialised, area_m2::float8,
       commune_insee, updated_at, 'bench-territory', geom
FROM public.landcover ORDER BY :order, id;

-- The data version every cache is keyed on (summaries, counts, extents).
UPDATE socle.layer_state SET version = version + 1, updated_at = clock_timestamp(), last_batch = 'bench-territory';
SELECT socle.refresh_commune_indicators();

COMMIT;

-- VACUUM as well: a server with autovacuum (the default) would have done it by the time the tables
-- are read, and without it no page is marked all-visible, so a count cannot be answered from an
-- index alone (the CI machines' PostgreSQL runs with autovacuum = off).
VACUUM ANALYZE socle.communes; VACUUM ANALYZE socle.roads; VACUUM ANALYZE socle.addresses; VACUUM ANALYZE socle.land_cover;

SELECT 'socle.' || l AS layer, n FROM (
  SELECT 'communes' AS l, count(*) AS n FROM socle.communes
  UNION ALL SELECT 'roads', count(*) FROM socle.roads
  UNION ALL SELECT 'addresses', count(*) FROM socle.addresses
  UNION ALL SELECT 'land_cover', count(*) FROM socle.land_cover) c;

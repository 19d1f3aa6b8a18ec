-- +goose Up
-- refresh_commune_indicators now says which communes it changed, so that
-- caches of their tiles can be dropped.
DROP FUNCTION refresh_commune_indicators();
-- +goose StatementBegin
CREATE FUNCTION refresh_commune_indicators() RETURNS SETOF text LANGUAGE sql AS $$
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
                                            THEN round((100 * p.since / (p.ref / 2))::numeric, 2) END,
        updated_at                   = now()
    FROM communes c2 LEFT JOIN per_commune p ON p.commune_insee = c2.insee
    WHERE c.insee = c2.insee
      AND (c.artificialised_ha_by_year, c.artificialised_ha_2011_2021, c.artificialised_ha_since_2021)
          IS DISTINCT FROM (coalesce(p.by_year, '{}'), round(coalesce(p.ref, 0)::numeric, 4)::float8,
                            round(coalesce(p.since, 0)::numeric, 4)::float8)
    RETURNING c.insee;
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION refresh_commune_indicators();

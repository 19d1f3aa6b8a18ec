-- +goose Up
-- CQL2 ACCENTI: decompose (NFD) and drop the combining diacritical marks, as
-- the Go evaluator does, so both stores agree. PostgreSQL's unaccent would
-- also rewrite punctuation (’ → ') and ligatures (œ → oe), which are not
-- accents. IMMUTABLE, so an expression index can use it.
-- +goose StatementBegin
CREATE FUNCTION accenti(s text) RETURNS text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT regexp_replace(normalize(s, NFD), '[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]', '', 'g')
$$;
-- +goose StatementEnd

-- +goose Down
DROP FUNCTION accenti(text);

#!/usr/bin/env bash
# floor-socle.sh — pgbench runs of the SQL that Socle issues for each benchmark scenario (as built
# by internal/postgis/items.go and query.go), next to pg_featureserv's SQL for the same request, on
# the same request lists as the HTTP scenarios. It splits a server's time into "database" and
# "everything else", and Socle's database time into its parts (count, ordered page).
#
# The socle_* scripts are the SQL of internal/postgis/items.go since the single-statement bbox page
# (issue 18): properties read as text (their JSON is written in Go), the id as text, the order keys
# as a JSON array; a limit-100 bbox page is one statement (narrowPage: the matches found once,
# narrow, counted, and only the page's rows read whole by row address), as Socle sends it for a box
# expected to hold more than the page; a limit-1000 page is the page, then a count when it is full.
# One difference: Socle binds the query box already projected and densified in Go; here PostgreSQL
# computes it (ST_Segmentize then ST_Transform), once per statement.

# Unlike the bench kit's floor-postgis.sh (simple protocol, values inlined), the request values are
# bound parameters of prepared statements (-M prepared), as pgx sends them; the per-transaction
# pick of a bbox/id/commune is a pgbench CASE expression, so no extra round trip.
# Every Socle script runs with Socle's session settings (search_path socle,public,
# max_parallel_workers_per_gather = 0; see internal/postgis/store.go).
#
# Scenarios (one pgbench transaction = the statements one HTTP request costs):
#   socle_items_bbox_l1000          the page: ORDER BY id LIMIT 1001, then count(*) in bbox (a full page)
#   socle_items_bbox_l1000_page     the page statement alone
#   socle_items_bbox_l1000_count    the count statement alone
#   pgfs_items_bbox_l1000           pg_featureserv's items statement (public.addresses), LIMIT 1000
#   socle_items_bbox_l100           the one statement of a box's page with its count (narrowPage), LIMIT 101
#   pgfs_items_bbox_l100
#   socle_item_by_id / pgfs_item_by_id
#   socle_filter_commune            count(*) where commune_insee = $1, then ORDER BY id LIMIT 101
#   pgfs_filter_commune             commune_insee = '...' LIMIT 100 (no order, no count)
#   proposed_items_bbox_l1000/_l100 a suggested rewrite of Socle's page statement (see below)
#   proposed_items_bbox_count       Socle's count with the query box computed once
#
# Env: DATABASE_URL (postgresql://postgres@127.0.0.1:5432/bench), KIT (the bench kit: shared/bench
#      beside the repository's directory, i.e. bench/../../shared/bench), REQUESTS_DIR ($KIT/requests),
#      PG_CLIENTS ("4"), PG_THREADS 2, FLOOR_DURATION 15, PGBENCH_MODE (prepared), SCENARIOS,
#      OUT_DIR (default: a new directory from mktemp -d in $TMPDIR, socle-floor-<UTC ts>.XXXXXX).
#      Output: $OUT_DIR/floor-socle.tsv
set -euo pipefail
KIT="${KIT:-$(dirname "$0")/../../shared/bench}"
REQ="${REQUESTS_DIR:-$KIT/requests}"
[ -f "$REQ/bboxes.txt" ] || { echo "no request lists at $REQ: set KIT to the bench kit's directory (or REQUESTS_DIR to its requests/)" >&2; exit 2; }
DB="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/bench}"
case "$DB" in *@127.0.0.1*|*@localhost*) ;; *) echo "DATABASE_URL must be on 127.0.0.1" >&2; exit 2;; esac
PG_CLIENTS="${PG_CLIENTS:-4}"; PG_THREADS="${PG_THREADS:-2}"; DUR="${FLOOR_DURATION:-15}"
MODE="${PGBENCH_MODE:-prepared}"
OUT_DIR="${OUT_DIR:-$(mktemp -d -t "socle-floor-$(date -u +%Y%m%dT%H%M%SZ).XXXXXX")}"
S="$OUT_DIR/pgbench-socle"; mkdir -p "$S"

# caseexpr FILE COLUMN -> pgbench expression "case when :i = 1 then v1 when ... end"
caseexpr() {
  awk -v c="$2" -F'[ ,]' 'BEGIN{printf "case"} {printf " when :i = %d then %s", NR, $c} END{printf " end"}' "$1"
}
NB=$(wc -l < "$REQ/bboxes.txt"); NI=$(wc -l < "$REQ/item_ids.txt"); NC=$(wc -l < "$REQ/communes.txt")
PICK_BBOX="\\set i random(1, $NB)
\\set x1 $(caseexpr "$REQ/bboxes.txt" 1)
\\set y1 $(caseexpr "$REQ/bboxes.txt" 2)
\\set x2 $(caseexpr "$REQ/bboxes.txt" 3)
\\set y2 $(caseexpr "$REQ/bboxes.txt" 4)"
PICK_ID="\\set i random(1, $NI)
\\set id $(caseexpr "$REQ/item_ids.txt" 1)"
# INSEE codes of the kit are all numeric: a pgbench integer variable, sent as text.
PICK_INSEE="\\set i random(1, $NC)
\\set insee $(caseexpr "$REQ/communes.txt" 1)"

# Socle's select list for addresses (jsonColumns with every catalog property, as text).
P=""
for n in cle_interop numero suffixe voie_nom lieudit_complement_nom commune_insee commune_nom \
         commune_deleguee_insee commune_deleguee_nom position cad_parcelles source date_der_maj \
         certification_commune fibre_status fibre_operator fibre_updated_at fibre_batch; do
  P="$P${P:+, }t.\"$n\"::text"
done
SOCLE_COLS="t.\"id\"::text, ST_AsGeoJSON(ST_Transform(t.geom, 4326), 7), $P, json_build_array(t.\"id\")::text"
SOCLE_BBOX="ST_Intersects(t.geom, (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326), 0.01), 2154)))"
# pg_featureserv 1.3.1's statement (internal/data/db_sql.go), values bound instead of inlined.
PGFS_COLS='"id","cle_interop"::text,"numero","suffixe"::text,"voie_nom"::text,"commune_insee"::text,"commune_nom"::text,"position"::text,"source"::text,"updated_at"::text'
PGFS_SEL="SELECT ST_AsGeoJSON( ST_Transform( (\"geom\")::geometry, 4326)  ) AS _geojson , $PGFS_COLS FROM \"public\".\"addresses\""
PGFS_BBOX="ST_Intersects(\"geom\", ST_Transform( ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326), 2154))"

w() { printf '%s\n' "$2" > "$S/$1.sql"; }
w socle_items_bbox_l1000 "$PICK_BBOX
SELECT $SOCLE_COLS FROM \"socle\".\"addresses\" t WHERE $SOCLE_BBOX ORDER BY t.\"id\" ASC LIMIT 1001;
SELECT count(*) FROM \"socle\".\"addresses\" t WHERE $SOCLE_BBOX;"
w socle_items_bbox_l100 "$PICK_BBOX
WITH m AS MATERIALIZED (SELECT t.ctid AS socle_tid, t.\"id\" FROM \"socle\".\"addresses\" t WHERE $SOCLE_BBOX) SELECT $SOCLE_COLS, (SELECT count(*) FROM m)::text FROM \"socle\".\"addresses\" t WHERE t.ctid = ANY(ARRAY(SELECT t.socle_tid FROM m t ORDER BY t.\"id\" ASC LIMIT 101)) ORDER BY t.\"id\" ASC;"
for lim in 1000 100; do
  w "pgfs_items_bbox_l$lim" "$PICK_BBOX
$PGFS_SEL  WHERE  $PGFS_BBOX LIMIT $lim;"
done
w socle_items_bbox_l1000_page "$PICK_BBOX
SELECT $SOCLE_COLS FROM \"socle\".\"addresses\" t WHERE $SOCLE_BBOX ORDER BY t.\"id\" ASC LIMIT 1001;"
w socle_items_bbox_l1000_count "$PICK_BBOX
SELECT count(*) FROM \"socle\".\"addresses\" t WHERE $SOCLE_BBOX;"
w socle_item_by_id "$PICK_ID
SELECT $SOCLE_COLS FROM \"socle\".\"addresses\" t WHERE t.\"id\" = :id;"
w pgfs_item_by_id "$PICK_ID
$PGFS_SEL WHERE \"id\" = :id LIMIT 1;"
w socle_filter_commune "$PICK_INSEE
SELECT count(*) FROM \"socle\".\"addresses\" t WHERE t.\"commune_insee\" = :insee::text;
SELECT $SOCLE_COLS FROM \"socle\".\"addresses\" t WHERE t.\"commune_insee\" = :insee::text ORDER BY t.\"id\" ASC LIMIT 101;"
w pgfs_filter_commune "$PICK_INSEE
$PGFS_SEL  WHERE (\"commune_insee\" = :insee::text) LIMIT 100;"

# Proposals (SQL that Socle does NOT issue today; see docs/benchmarks.md, "Suggested changes"):
# the page selected first (ORDER BY/LIMIT in a subquery) and serialised after, so only the returned
# rows are turned into JSON; properties by row_to_json instead of json_build_object; the query box
# computed once per statement (a scalar subquery, i.e. an InitPlan) instead of once per row under a
# generic plan; no count(*) (numberMatched is implied when the first page is not full).
PROP_COLS=""
for n in cle_interop numero suffixe voie_nom lieudit_complement_nom commune_insee commune_nom \
         commune_deleguee_insee commune_deleguee_nom position cad_parcelles source date_der_maj \
         certification_commune fibre_status fibre_operator fibre_updated_at fibre_batch; do
  PROP_COLS="$PROP_COLS${PROP_COLS:+, }p.\"$n\""
done
BOX_ONCE="ST_Intersects(t.geom, (SELECT ST_Transform(ST_Segmentize(ST_MakeEnvelope(:x1, :y1, :x2, :y2, 4326), 0.01), 2154)))"
for lim in 1000 100; do
  w "proposed_items_bbox_l$lim" "$PICK_BBOX
SELECT p.\"id\"::text, ST_AsGeoJSON(ST_Transform(p.geom, 4326), 7), row_to_json(x)::text, p.\"id\"::text FROM (SELECT t.* FROM \"socle\".\"addresses\" t WHERE $BOX_ONCE ORDER BY t.\"id\" ASC LIMIT $((lim + 1))) p CROSS JOIN LATERAL (SELECT $PROP_COLS) x ORDER BY p.\"id\";"
done
w proposed_items_bbox_count "$PICK_BBOX
SELECT count(*) FROM \"socle\".\"addresses\" t WHERE $BOX_ONCE;"

ORDER="socle_items_bbox_l1000 socle_items_bbox_l1000_page socle_items_bbox_l1000_count pgfs_items_bbox_l1000
socle_items_bbox_l100 pgfs_items_bbox_l100 socle_item_by_id pgfs_item_by_id socle_filter_commune pgfs_filter_commune
proposed_items_bbox_l1000 proposed_items_bbox_l100 proposed_items_bbox_count"
printf 'scenario\tclients\ttps\tp50_ms\tp99_ms\tmean_ms\tfailed\n' > "$OUT_DIR/floor-socle.tsv"
for name in $ORDER; do
  if [ -n "${SCENARIOS:-}" ] && [[ " $SCENARIOS " != *" $name "* ]]; then continue; fi
  f="$S/$name.sql"
  # Socle's session settings (internal/postgis/store.go) for its scripts; server defaults otherwise.
  case "$name" in socle_*) opts="-c search_path=socle,public -c max_parallel_workers_per_gather=0" ;; *) opts="" ;; esac
  for c in $PG_CLIENTS; do
    j=$(( c < PG_THREADS ? c : PG_THREADS ))
    ld="$OUT_DIR/log-$name-c$c"; rm -rf "$ld"; mkdir -p "$ld"
    PGOPTIONS="$opts" pgbench -n -M "$MODE" -c "$c" -j "$j" -T 2 -f "$f" "$DB" > /dev/null 2>&1   # warm-up
    PGOPTIONS="$opts" pgbench -n -M "$MODE" -c "$c" -j "$j" -T "$DUR" -f "$f" -l --log-prefix="$ld/tx" "$DB" > "$ld/pgbench.out" 2>&1 || { cat "$ld/pgbench.out"; exit 1; }
    tps=$(sed -n 's/^tps = \([0-9.]*\).*/\1/p' "$ld/pgbench.out" | head -1)
    failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$ld/pgbench.out"); failed=${failed:-0}
    cat "$ld"/tx* | awk '{print $3}' | sort -n > "$ld/lat_us"
    read -r p50 p99 mean < <(awk '{a[NR]=$1; s+=$1} END{i50=int(NR*0.50); i99=int(NR*0.99); if(i50<1)i50=1; if(i99<1)i99=1; printf "%.2f %.2f %.2f\n", a[i50]/1000, a[i99]/1000, s/NR/1000}' "$ld/lat_us")
    rm -f "$ld"/tx* "$ld/lat_us"
    printf '%s\t%s\t%.1f\t%s\t%s\t%s\t%s\n' "$name" "$c" "$tps" "$p50" "$p99" "$mean" "$failed" | tee -a "$OUT_DIR/floor-socle.tsv"
  done
done

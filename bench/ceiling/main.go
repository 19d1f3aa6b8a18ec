// Command ceiling is a measuring tool, not a server to run: the least a Go
// net/http server can do to answer the kit's two requests that issue 18
// targets, on the PostGIS tables Socle serves, so that what a request costs
// PostgreSQL, net/http and pgx can be told from what Socle adds.
//
//	GET /collections/addresses/items/{id}
//	GET /collections/addresses/items?bbox=x1,y1,x2,y2&limit=N
//
// With -sql socle it sends Socle's statements (internal/postgis/items.go:
// the single feature's, and a box's page with its exact count, narrowPage;
// copied here as the kit's territory makes them: keep them in step)
// through one pgx pool set up as Socle's, and writes the rows as GeoJSON of
// about the bytes Socle writes (the same features and properties, links of
// the same length). With -sql pgfs it sends pg_featureserv's statement of a
// box's page instead (the first N matches: no order, no count). There is
// no router, middleware, access log, cache, catalogue or error handling
// beyond a status: whatever Socle's rate is below this one's is what those
// cost; whatever this one's is below pg_featureserv×1.5 no Go server built
// this way reaches on the same machine.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"net/http"
	"runtime"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/paulmach/orb/encoding/wkb"

	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/ogc/crs"
)

// The addresses' properties as the kit's territory has them, with their
// JSON kinds: s string, n number, b boolean.
var props = []struct{ name, kind string }{
	{"cle_interop", "s"}, {"numero", "n"}, {"suffixe", "s"}, {"voie_nom", "s"},
	{"lieudit_complement_nom", "s"}, {"commune_insee", "s"}, {"commune_nom", "s"},
	{"commune_deleguee_insee", "s"}, {"commune_deleguee_nom", "s"}, {"position", "s"},
	{"cad_parcelles", "s"}, {"source", "s"}, {"date_der_maj", "s"},
	{"certification_commune", "b"}, {"fibre_status", "s"}, {"fibre_operator", "s"},
	{"fibre_updated_at", "s"}, {"fibre_batch", "s"},
}

func columns() string {
	cols := []string{`t."id"::text`, "ST_AsGeoJSON(ST_Transform(t.geom, 4326), 7)"}
	for _, p := range props {
		cols = append(cols, fmt.Sprintf("t.%q::text", p.name))
	}
	return strings.Join(cols, ", ")
}

var (
	featureSQL = "SELECT " + columns() + ` FROM "socle"."addresses" t WHERE t."id" = $1`
	// Socle's narrowPage for a box expected to hold more than the page.
	socleBoxSQL = `WITH m AS MATERIALIZED (SELECT t.ctid AS socle_tid, t."id" FROM "socle"."addresses" t ` +
		`WHERE ST_Intersects(t.geom, ST_GeomFromWKB($1, 2154))) SELECT ` + columns() +
		`, json_build_array(t."id")::text, (SELECT count(*) FROM m)::text FROM "socle"."addresses" t ` +
		`WHERE t.ctid = ANY(ARRAY(SELECT t.socle_tid FROM m t ORDER BY t."id" ASC LIMIT $2)) ORDER BY t."id" ASC`
	// pg_featureserv's: the first matches, the box projected in SQL.
	pgfsBoxSQL = "SELECT " + columns() + `, NULL, NULL FROM "socle"."addresses" t ` +
		`WHERE ST_Intersects(t.geom, ST_Transform(ST_MakeEnvelope($1, $2, $3, $4, 4326), 2154)) LIMIT $5`
)

type server struct {
	pool *pgxpool.Pool
	tr   crs.Transformer
	pgfs bool
}

func main() {
	dbURL := flag.String("database-url", "postgres://postgres@127.0.0.1:5432/bench?sslmode=disable", "PostgreSQL URL")
	addr := flag.String("addr", "127.0.0.1:8092", "listen address")
	mode := flag.String("sql", "socle", "statements of a box's page: socle (ordered, counted) or pgfs (first matches)")
	flag.Parse()
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(*dbURL)
	if err != nil {
		log.Fatal(err)
	}
	// Socle's pool: 4 connections a core, at least 8 (postgis.Options), and its session settings.
	cfg.MaxConns = int32(max(8, 4*runtime.NumCPU()))
	rp := cfg.ConnConfig.RuntimeParams
	rp["search_path"] = "socle,public"
	rp["jit"] = "off"
	rp["max_parallel_workers_per_gather"] = "0"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		log.Fatal(err)
	}
	tr, err := crs.NewTransformer(4326, 2154)
	if err != nil {
		log.Fatal(err)
	}
	s := &server{pool: pool, tr: tr, pgfs: *mode == "pgfs"}
	http.HandleFunc("GET /collections/addresses/items/{id}", s.feature)
	http.HandleFunc("GET /collections/addresses/items", s.page)
	log.Fatal(http.ListenAndServe(*addr, nil))
}

// appendFeature writes one row (id, GeoJSON, properties as text) as a Feature.
func appendFeature(dst []byte, raw [][]byte) []byte {
	dst = append(dst, `{"type":"Feature","id":`...)
	dst = append(dst, raw[0]...)
	dst = append(dst, `,"geometry":`...)
	dst = append(dst, raw[1]...)
	dst = append(dst, `,"properties":{`...)
	for i, p := range props {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = append(dst, '"')
		dst = append(dst, p.name...)
		dst = append(dst, `":`...)
		v := raw[2+i]
		switch {
		case v == nil:
			dst = append(dst, "null"...)
		case p.kind == "n":
			dst = append(dst, v...)
		case p.kind == "b":
			dst = strconv.AppendBool(dst, v[0] == 't')
		default:
			dst = socle.AppendJSONString(dst, string(v))
		}
	}
	return append(dst, '}', '}')
}

func (s *server) feature(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseInt(r.PathValue("id"), 10, 64)
	if err != nil {
		http.Error(w, "bad id", http.StatusBadRequest)
		return
	}
	rows, err := s.pool.Query(r.Context(), featureSQL, id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	if !rows.Next() {
		http.Error(w, "not found", http.StatusNotFound)
		return
	}
	b := appendFeature(make([]byte, 0, 2048), rows.RawValues())
	b = b[:len(b)-1] // the links, as long as Socle's
	self := "http://" + r.Host + r.URL.Path
	b = fmt.Appendf(b, `,"links":[{"href":"%s?f=json","rel":"self","type":"application/geo+json","title":"Ce document en JSON"},`+
		`{"href":"%s?f=html","rel":"alternate","type":"text/html","title":"Ce document en HTML"},`+
		`{"href":"%s?f=jsonfg","rel":"alternate","type":"application/vnd.ogc.fg+json","title":"Cet objet en JSON-FG"},`+
		`{"href":"http://%s/collections/addresses","rel":"collection","type":"application/json","title":"Adresses (Base Adresse Locale)"}]}`,
		self, self, self, r.Host)
	rows.Close()
	h := w.Header()
	h["Content-Type"] = []string{"application/geo+json"}
	h["Content-Length"] = []string{strconv.Itoa(len(b))}
	_, _ = w.Write(b)
}

func (s *server) page(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var box [4]float64
	parts := strings.Split(q.Get("bbox"), ",")
	if len(parts) != 4 {
		http.Error(w, "bad bbox", http.StatusBadRequest)
		return
	}
	for i, p := range parts {
		v, err := strconv.ParseFloat(p, 64)
		if err != nil {
			http.Error(w, "bad bbox", http.StatusBadRequest)
			return
		}
		box[i] = v
	}
	limit, err := strconv.Atoi(q.Get("limit"))
	if err != nil || limit < 1 {
		limit = 10
	}
	var rows pgx.Rows
	if s.pgfs {
		rows, err = s.pool.Query(r.Context(), pgfsBoxSQL, box[0], box[1], box[2], box[3], limit)
	} else {
		// As Socle: the box densified and projected in Go, bound as WKB.
		poly, perr := crs.BoxPolygon(box[0], box[1], box[2], box[3], 32, s.tr)
		if perr != nil {
			http.Error(w, perr.Error(), http.StatusBadRequest)
			return
		}
		buf, werr := wkb.Marshal(poly)
		if werr != nil {
			http.Error(w, werr.Error(), http.StatusInternalServerError)
			return
		}
		rows, err = s.pool.Query(r.Context(), socleBoxSQL, buf, limit+1)
	}
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer rows.Close()
	w.Header()["Content-Type"] = []string{"application/geo+json"}
	b := make([]byte, 0, 32<<10)
	b = append(b, `{"type":"FeatureCollection","features":[`...)
	n, matched := 0, []byte("0")
	for rows.Next() {
		raw := rows.RawValues()
		if c := raw[len(raw)-1]; c != nil {
			matched = append(matched[:0], c...)
		}
		if n == limit {
			break
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = appendFeature(b, raw)
		n++
		if len(b) > 16<<10 { // Socle writes a page as it reads it
			_, _ = w.Write(b)
			b = b[:0]
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	self := "http://" + r.Host + r.URL.Path + "?bbox=" + strings.ReplaceAll(q.Get("bbox"), ",", "%2C")
	b = fmt.Appendf(b, `],"numberMatched":%s,"numberReturned":%d,"timeStamp":"2026-12-07T00:00:00Z","links":[`, matched, n)
	for _, f := range []string{"json", "html", "csv", "fgb", "jsonfg", "gpkg"} {
		b = fmt.Appendf(b, `{"href":"%s\u0026f=%s\u0026limit=%d","rel":"alternate","type":"application/geo+json","title":"Cette page"},`, self, f, limit)
	}
	b = fmt.Appendf(b, `{"href":"%s\u0026cursor=eyJrIjpbNzI5ODJdLCJxIjoiZmMwNTAyODQ3MTIxIn0\u0026f=json\u0026limit=%d","rel":"next","type":"application/geo+json","title":"Page suivante"},`, self, limit)
	b = fmt.Appendf(b, `{"href":"http://%s/collections/addresses","rel":"collection","type":"application/json","title":"Adresses (Base Adresse Locale)"}]}`, r.Host)
	_, _ = w.Write(b)
}

package server_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/config"
	"github.com/socle-geo/socle/internal/server"
	"github.com/socle-geo/socle/internal/socle"
)

// securityStore is what the secured server keeps in either store.
type securityStore interface {
	CreateAPIKey(ctx context.Context, k socle.APIKey) error
	RevokeAPIKey(ctx context.Context, id string, at time.Time) error
	APIKey(ctx context.Context, id string) (socle.APIKey, error)
	AppendAudit(ctx context.Context, e socle.AuditEntry) error
	Audit(ctx context.Context, q socle.AuditQuery) ([]socle.AuditEntry, error)
}

// testIssuer is an OpenID provider inside the test, with its own key.
type testIssuer struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

func newTestIssuer(t *testing.T) *testIssuer {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is := &testIssuer{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": is.srv.URL, "jwks_uri": is.srv.URL + "/jwks",
			"authorization_endpoint": is.srv.URL + "/auth", "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	is.srv = httptest.NewServer(mux)
	t.Cleanup(is.srv.Close)
	return is
}

func (is *testIssuer) token(t *testing.T, key *rsa.PrivateKey, iss string, roles ...string) string {
	t.Helper()
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key}, (&jose.SignerOptions{}).WithHeader("kid", "k1").WithType("JWT"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(s).Claims(map[string]any{"iss": iss, "sub": "agent-7", "aud": "socle", "exp": time.Now().Add(time.Hour).Unix(),
		"iat": time.Now().Unix(), "realm_access": map[string]any{"roles": roles}}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// securedCatalog is the default catalog with closed collections: the
// default one is all public.
func securedCatalog(t *testing.T) *socle.Catalog {
	t.Helper()
	c := socle.DefaultCatalog()
	sec := config.Security{Collections: map[string]config.CollectionSecurity{
		"addresses":  {Personal: []string{"voie_nom"}},
		"land_cover": {Access: "internal", Personal: []string{"code_us"}},
		"roads":      {Access: "restricted", Roles: []string{"roads"}, Personal: []string{"name"}},
		// Street names are personal here, wherever they are.
		"address_candidates": {Personal: []string{"voie_nom"}},
	}}
	if err := sec.Apply(c); err != nil {
		t.Fatal(err)
	}
	return c
}

type secured struct {
	url   string
	store securityStore
	creds map[string][]string // caller -> headers
}

// newSecured serves the test territory with closed collections, API keys of
// every kind and an OIDC issuer.
func newSecured(t *testing.T, opts server.Options) *secured {
	t.Helper()
	base(t)
	st, ok := env.store.(securityStore)
	if !ok {
		t.Fatalf("%T keeps no keys", env.store)
	}
	ctx := context.Background()
	is, other := newTestIssuer(t), newTestIssuer(t)
	now := time.Now()
	key := func(name string, roles, rights []string, created time.Time, ttl time.Duration, revoke bool) []string {
		secret, k, err := auth.NewKey(name, roles, rights, created, ttl)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.CreateAPIKey(ctx, k); err != nil {
			t.Fatal(err)
		}
		if revoke {
			if err := st.RevokeAPIKey(ctx, k.ID, now); err != nil {
				t.Fatal(err)
			}
		}
		return []string{"Authorization", "Bearer " + secret}
	}
	forger, _ := rsa.GenerateKey(rand.Reader, 2048)
	s := &secured{store: st, creds: map[string][]string{
		"anonymous":       nil,
		"internal":        key("intranet", []string{"reader"}, nil, now, time.Hour, false),
		"restricted role": {"Authorization", "Bearer " + is.token(t, is.key, is.srv.URL, "sig-voirie")},
		"ingest-only":     key("fibre operator", nil, []string{auth.RightIngestFibre}, now, time.Hour, false),
		"admin":           key("ops", nil, []string{auth.RightAdmin}, now, time.Hour, false),
		"expired key":     key("old", []string{"roads"}, []string{auth.RightAdmin}, now.Add(-2*time.Hour), time.Hour, false),
		"revoked key":     key("gone", []string{"roads"}, []string{auth.RightAdmin}, now, time.Hour, true),
		"forged token":    {"Authorization", "Bearer " + is.token(t, forger, is.srv.URL, "sig-admin")},
		"other issuer":    {"Authorization", "Bearer " + other.token(t, other.key, other.srv.URL, "sig-admin")},
	}}
	addUpdaterRows(t)
	// The ingest key goes through X-API-Key, as QGIS may send it.
	s.creds["ingest-only"] = []string{"X-API-Key", strings.TrimPrefix(s.creds["ingest-only"][1], "Bearer ")}
	opts.BaseURL = goldenBase
	opts.Auth = &auth.Authenticator{Keys: st, OIDC: auth.NewOIDC(auth.OIDCConfig{Issuer: is.srv.URL, Audience: "socle",
		RolesClaim: "realm_access.roles", RoleMap: map[string]string{"sig-voirie": "roads", "sig-admin": auth.RightAdmin}}, nil, nil)}
	opts.Audit = st
	opts.OIDCIssuer = is.srv.URL
	srv := httptest.NewServer(server.New(env.store, securedCatalog(t), quiet, opts).Handler())
	t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

func (s *secured) get(t *testing.T, caller, path string, extra ...string) (*http.Response, []byte) {
	t.Helper()
	return tileGet(t, s.url, path, append(slices.Clone(s.creds[caller]), extra...)...)
}

var callers = []string{"anonymous", "internal", "restricted role", "ingest-only", "admin", "expired key", "revoked key", "forged token", "other issuer"}

// badCredential: every path answers 401 with a challenge.
var badCredential = map[string]bool{"expired key": true, "revoked key": true, "forged token": true, "other issuer": true}

// sees says which collections each valid caller may read.
// address_candidates and road_reports keep their default levels (DESIGN.md):
// internal, and restricted to the role roads.
var sees = map[string][]string{
	"anonymous":       {"addresses", "communes", "artificialisation"},
	"internal":        {"addresses", "land_cover", "communes", "artificialisation", "address_candidates"},
	"restricted role": {"addresses", "land_cover", "communes", "artificialisation", "roads", "address_candidates", "road_reports"},
	"ingest-only":     {"addresses", "land_cover", "communes", "artificialisation", "address_candidates"},
	"admin":           {"addresses", "roads", "land_cover", "communes", "artificialisation", "address_candidates", "road_reports"},
}

func TestSecurityMatrix(t *testing.T) {
	s := newSecured(t, server.Options{})
	// A road id to ask for, as the admin sees it.
	_, body := s.get(t, "admin", "/collections/roads/items?limit=1")
	var fc struct {
		Features []struct {
			ID         json.Number    `json:"id"`
			Properties map[string]any `json:"properties"`
		} `json:"features"`
	}
	if err := json.Unmarshal(body, &fc); err != nil || len(fc.Features) != 1 {
		t.Fatalf("admin items of roads: %v %s", err, body)
	}
	roadID := fc.Features[0].ID.String()
	x, y := xyz(1.512, 43.535, 14)
	all := []string{"addresses", "roads", "land_cover", "communes", "address_candidates", "road_reports"}
	perCollection := []string{"", "/items?limit=2", "/items/{id}", "/queryables", "/schema", "/tiles",
		"/tiles/WebMercatorQuad", "/tiles/WebMercatorQuad?f=tilejson", fmt.Sprintf("/tiles/WebMercatorQuad/14/%d/%d", y, x), "?f=html", "/items?f=html&limit=2",
		"/changes?limit=2", "/changes?since=latest", "/changes?coalesce=true&limit=2",
		"/items?limit=2&f=csv", "/items?limit=2&f=fgb", "/items?limit=2&f=jsonfg", "/items/{id}?f=jsonfg",
		"/items?limit=2&separator=semicolon&f=csv", "/items?limit=2&f=gpkg"}
	ids := map[string]string{"addresses": "1", "roads": roadID, "land_cover": "1", "communes": "31254", "address_candidates": "sec-c1", "road_reports": "sec-r1"}

	for _, caller := range callers {
		t.Run(caller, func(t *testing.T) {
			// Every collection endpoint: 200 when visible, 404 otherwise.
			for _, c := range all {
				for _, suffix := range perCollection {
					path := "/collections/" + c + strings.ReplaceAll(suffix, "{id}", ids[c])
					resp, body := s.get(t, caller, path)
					want := http.StatusNotFound
					if slices.Contains(sees[caller], c) {
						want = http.StatusOK
					}
					if badCredential[caller] {
						want = http.StatusUnauthorized
					}
					if resp.StatusCode != want {
						t.Errorf("%s: %d, want %d: %.200s", path, resp.StatusCode, want, body)
						continue
					}
					if want == http.StatusNotFound && strings.Contains(string(body), `"`+c+`"`) && strings.Contains(string(body), "allowed") {
						t.Errorf("%s: the 404 lists the hidden collection: %s", path, body)
					}
				}
				style := "/styles/" + c
				resp, _ := s.get(t, caller, style)
				if want := slices.Contains(sees[caller], c) || badCredential[caller]; (resp.StatusCode == 200) != (want && !badCredential[caller]) {
					t.Errorf("%s: %d", style, resp.StatusCode)
				}
			}
			if badCredential[caller] {
				for _, path := range []string{"/", "/collections", "/api", "/tiles/WebMercatorQuad/14/0/0", "/admin/audit", "/styles/territoire"} {
					resp, body := s.get(t, caller, path)
					if resp.StatusCode != 401 || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `Bearer realm="socle", error="invalid_token"`) {
						t.Errorf("%s: %d %q %s", path, resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
					}
				}
				return
			}
			visible := sees[caller]
			// The documents that name no collection answer everyone.
			for _, path := range []string{"/", "/?f=html", "/conformance", "/tileMatrixSets", "/tileMatrixSets/WebMercatorQuad",
				"/tiles", "/tiles/WebMercatorQuad", "/styles", "/healthz", "/readyz", "/assets/socle.css"} {
				if resp, body := s.get(t, caller, path); resp.StatusCode != 200 {
					t.Errorf("%s: %d %.200s", path, resp.StatusCode, body)
				}
			}
			// The lists.
			_, body := s.get(t, caller, "/collections")
			var cols struct {
				Collections []struct{ ID, ItemType string } `json:"collections"`
			}
			_ = json.Unmarshal(body, &cols)
			var got, catalogues []string
			for _, c := range cols.Collections {
				if c.ItemType == "record" {
					// The catalogue (OGC API – Records) answers everyone,
					// its records filtered (TestSecurityMetadata).
					catalogues = append(catalogues, c.ID)
					continue
				}
				got = append(got, c.ID)
			}
			if len(catalogues) != 1 {
				t.Errorf("/collections lists the record collections %v, want [catalogue]", catalogues)
			}
			if !sameSet(got, visible) {
				t.Errorf("/collections lists %v, want %v", got, visible)
			}
			// The Atom feed names the batches of visible collections only.
			_, atom := s.get(t, caller, "/changes.atom")
			for _, c := range all {
				if !slices.Contains(visible, c) && strings.Contains(string(atom), "/collections/"+c+"/") {
					t.Errorf("/changes.atom names the hidden collection %s", c)
				}
			}
			_, html := s.get(t, caller, "/collections?f=html")
			for _, c := range all {
				if slices.Contains(visible, c) != strings.Contains(string(html), "/collections/"+c+"?") {
					t.Errorf("/collections?f=html and %s: visible %v", c, slices.Contains(visible, c))
				}
			}
			// The OpenAPI document names only what the caller sees, and
			// says which operations need a credential.
			_, body = s.get(t, caller, "/api")
			var api struct {
				Paths      map[string]map[string]map[string]any `json:"paths"`
				Components struct {
					SecuritySchemes map[string]any `json:"securitySchemes"`
				} `json:"components"`
			}
			if err := json.Unmarshal(body, &api); err != nil {
				t.Fatal(err)
			}
			doc, err := openapi3.NewLoader().LoadFromData(body)
			if err != nil {
				t.Fatal(err)
			}
			if err := doc.Validate(context.Background()); err != nil {
				t.Errorf("invalid OpenAPI document: %v", err)
			}
			for _, c := range all {
				_, has := api.Paths["/collections/"+c+"/items"]
				if has != slices.Contains(visible, c) {
					t.Errorf("/api and %s: has %v", c, has)
				}
			}
			if op := api.Paths["/collections/land_cover/items"]["get"]; op != nil && op["security"] == nil {
				t.Errorf("/api: the internal collection's items need no credential")
			}
			if op := api.Paths["/collections/communes/items"]["get"]; op["security"] != nil {
				t.Errorf("/api: the public collection's items need a credential")
			}
			if api.Components.SecuritySchemes["openId"] == nil || api.Paths["/admin/audit"]["get"]["security"] == nil {
				t.Errorf("/api lacks the security schemes: %v", api.Components.SecuritySchemes)
			}
			// Dataset tiles: a layer the caller cannot read is absent, also
			// when the cache holds the tile made for another caller.
			path := fmt.Sprintf("/tiles/WebMercatorQuad/14/%d/%d", y, x)
			for range 2 {
				resp, body := s.get(t, caller, path)
				layers := decodeTile(t, body)
				for _, c := range []string{"roads", "land_cover", "communes"} {
					if (layers[c] != nil) != slices.Contains(visible, c) {
						t.Errorf("%s (%s): layers %v", path, resp.Header.Get("X-Cache"), keys(layers))
					}
				}
				if l := layers["land_cover"]; l != nil && len(l.Features) > 0 {
					if _, ok := l.Features[0].Properties["code_us"]; ok {
						t.Errorf("a personal property reached a tile")
					}
				}
			}
			_, body = s.get(t, caller, "/tiles/WebMercatorQuad?f=tilejson")
			var tj struct {
				VectorLayers []struct{ ID string } `json:"vector_layers"`
			}
			_ = json.Unmarshal(body, &tj)
			got = nil
			for _, l := range tj.VectorLayers {
				got = append(got, l.ID)
			}
			if !sameSet(got, visible) {
				t.Errorf("TileJSON layers %v, want %v", got, visible)
			}
			_, body = s.get(t, caller, "/styles/territoire")
			var style struct {
				Layers []struct {
					SourceLayer string `json:"source-layer"`
				} `json:"layers"`
			}
			if err := json.Unmarshal(body, &style); err != nil {
				t.Fatal(err)
			}
			drawn := map[string]bool{}
			for _, l := range style.Layers {
				drawn[l.SourceLayer] = true
			}
			for _, c := range all {
				if drawn[c] != slices.Contains(visible, c) {
					t.Errorf("/styles/territoire draws %s: %v", c, drawn[c])
				}
			}
			// The QGIS style too, and the style list.
			_, qml := s.get(t, caller, "/styles/territoire?f=qml")
			var qmlDoc struct {
				Styles []struct {
					Layer string `xml:"layer,attr"`
				} `xml:"renderer>styles>style"`
				Labels []struct {
					Layer string `xml:"layer,attr"`
				} `xml:"labeling>styles>style"`
			}
			if err := xml.Unmarshal(qml, &qmlDoc); err != nil {
				t.Fatalf("territoire.qml as served: %v", err)
			}
			drawn = map[string]bool{}
			for _, st := range qmlDoc.Styles {
				drawn[st.Layer] = true
			}
			for _, st := range qmlDoc.Labels {
				if !slices.Contains(visible, st.Layer) {
					t.Errorf("/styles/territoire?f=qml labels %s", st.Layer)
				}
			}
			_, list := s.get(t, caller, "/styles")
			for _, c := range all {
				if drawn[c] != slices.Contains(visible, c) {
					t.Errorf("/styles/territoire?f=qml draws %s: %v", c, drawn[c])
				}
				if listed := strings.Contains(string(list), `"id":"`+c+`"`); listed != slices.Contains(visible, c) {
					t.Errorf("/styles lists %s: %v", c, listed)
				}
			}
			// The audit log: admins only.
			resp, _ := s.get(t, caller, "/admin/audit")
			want := map[string]int{"anonymous": 401, "admin": 200}[caller]
			if want == 0 {
				want = 403
			}
			if resp.StatusCode != want {
				t.Errorf("/admin/audit: %d, want %d", resp.StatusCode, want)
			}
			if want == 401 && resp.Header.Get("WWW-Authenticate") == "" {
				t.Errorf("/admin/audit: 401 without a challenge")
			}
		})
	}
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(a, b)
}

// TestPersonalProperties: personal properties leave only a restricted
// collection, to its roles.
func TestPersonalProperties(t *testing.T) {
	s := newSecured(t, server.Options{})
	for _, tc := range []struct {
		caller, path, prop string
		shown              bool
	}{
		{"anonymous", "/collections/addresses/items?limit=3", "voie_nom", false},
		{"admin", "/collections/addresses/items?limit=3", "voie_nom", false},
		{"admin", "/collections/addresses/items/1", "voie_nom", false},
		{"admin", "/collections/addresses/changes?limit=3", "voie_nom", false},
		{"admin", "/collections/addresses/changes?limit=3&coalesce=true", "voie_nom", false},
		{"internal", "/collections/land_cover/items?limit=3", "code_us", false},
		{"restricted role", "/collections/roads/items?limit=3", "name", true},
		{"admin", "/collections/roads/items?limit=3", "name", true},
	} {
		resp, body := s.get(t, tc.caller, tc.path)
		if resp.StatusCode != 200 {
			t.Fatalf("%s %s: %d", tc.caller, tc.path, resp.StatusCode)
		}
		if strings.Contains(string(body), `"`+tc.prop+`":`) != tc.shown {
			t.Errorf("%s %s: %s shown: %v", tc.caller, tc.path, tc.prop, !tc.shown)
		}
		if !strings.Contains(string(body), `"commune_insee":`) {
			t.Errorf("%s %s: other properties are missing: %.300s", tc.caller, tc.path, body)
		}
	}
	// Nor in any other format: CSV (its header), FlatGeobuf (its columns),
	// JSON-FG.
	for _, tc := range []struct {
		caller, collection, prop string
		shown                    bool
	}{
		{"anonymous", "addresses", "voie_nom", false},
		{"admin", "addresses", "voie_nom", false},
		{"internal", "land_cover", "code_us", false},
		{"restricted role", "roads", "name", true},
	} {
		for _, f := range []string{"csv", "fgb", "jsonfg", "gpkg"} {
			path := "/collections/" + tc.collection + "/items?limit=3&f=" + f
			resp, body := s.get(t, tc.caller, path)
			if resp.StatusCode != 200 {
				t.Fatalf("%s %s: %d %.200s", tc.caller, path, resp.StatusCode, body)
			}
			if bytes.Contains(body, []byte(tc.prop)) != tc.shown {
				t.Errorf("%s %s: %s shown: %v", tc.caller, path, tc.prop, !tc.shown)
			}
			if !bytes.Contains(body, []byte("commune_insee")) {
				t.Errorf("%s %s: other properties are missing: %.300q", tc.caller, path, body)
			}
		}
	}
	// Nor in the tile archive of the bulk downloads: every gzip member of
	// it (tiles, directories, metadata) read.
	resp, archive := s.get(t, "admin", "/datasets/addresses/download/addresses.pmtiles")
	if resp.StatusCode != 200 || !bytes.HasPrefix(archive, []byte("PMTiles")) {
		t.Fatalf("addresses.pmtiles: %d", resp.StatusCode)
	}
	members, numero := 0, false
	for i := 0; i+3 < len(archive); i++ {
		if archive[i] != 0x1f || archive[i+1] != 0x8b || archive[i+2] != 8 {
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(archive[i:]))
		if err != nil {
			continue
		}
		zr.Multistream(false)
		data, err := io.ReadAll(zr)
		if err != nil {
			continue
		}
		members++
		numero = numero || bytes.Contains(data, []byte("numero"))
		if bytes.Contains(data, []byte("voie_nom")) {
			t.Fatal("a personal property reached the tile archive")
		}
	}
	if members < 3 || !numero {
		t.Errorf("the archive's %d gzip members hold no addresses", members)
	}
	// Nor through selection, filters, sorting, schemas or HTML.
	for _, path := range []string{
		"/collections/addresses/items?properties=voie_nom",
		"/collections/addresses/items?filter=voie_nom%3D%27Rue%20de%20la%20Mairie%27",
		"/collections/addresses/items?voie_nom=x",
		"/collections/addresses/items?sortby=voie_nom",
		"/collections/addresses/changes?properties=voie_nom",
		"/collections/addresses/items?properties=voie_nom&f=csv",
		"/collections/addresses/items?properties=voie_nom&f=fgb",
		"/collections/addresses/items?sortby=voie_nom&f=jsonfg",
		"/collections/addresses/items?voie_nom=x&f=gpkg",
	} {
		if resp, body := s.get(t, "admin", path); resp.StatusCode != 400 {
			t.Errorf("%s: %d %.200s", path, resp.StatusCode, body)
		}
	}
	for _, path := range []string{"/collections/addresses/queryables", "/collections/addresses/schema", "/collections/addresses?f=html",
		"/collections/addresses/items?f=html&limit=5", "/api"} {
		if _, body := s.get(t, "admin", path); strings.Contains(string(body), "voie_nom") {
			t.Errorf("%s names a personal property", path)
		}
	}
	var addr pointFeature
	_, raw := s.get(t, "admin", "/collections/addresses/items/100")
	if err := json.Unmarshal(raw, &addr); err != nil {
		t.Fatal(err)
	}
	x, y := xyz(addr.Geometry.Coordinates[0], addr.Geometry.Coordinates[1], 16)
	_, body := s.get(t, "admin", fmt.Sprintf("/collections/addresses/tiles/WebMercatorQuad/16/%d/%d", y, x))
	l := decodeTile(t, body)["addresses"]
	if l == nil || len(l.Features) == 0 {
		t.Fatal("no addresses in the z16 tile")
	}
	for _, f := range l.Features {
		if _, ok := f.Properties["voie_nom"]; ok {
			t.Fatal("a personal property reached a tile")
		}
	}
}

// TestAudit: reads of restricted data and their refusals are recorded, and
// admins read them back; nobody alters them through the API.
func TestAudit(t *testing.T) {
	s := newSecured(t, server.Options{})
	marker := fmt.Sprintf("limit=%d", 1+time.Now().UnixNano()%900)
	s.get(t, "restricted role", "/collections/roads/items?"+marker)
	s.get(t, "anonymous", "/collections/roads/items?"+marker)
	s.get(t, "revoked key", "/collections/roads/items?"+marker)
	s.get(t, "admin", "/collections/communes/items?"+marker) // public: not audited
	resp, body := s.get(t, "admin", "/admin/audit?target=roads&limit=1000")
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var doc struct {
		Entries []socle.AuditEntry `json:"entries"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	found := map[string]int{}
	for _, e := range doc.Entries {
		if strings.Contains(e.Detail, marker) {
			found[e.Actor] = e.Status
			if e.Remote != "127.0.0.1" || e.Action != "read" || e.Time.IsZero() {
				t.Errorf("entry %+v", e)
			}
		}
	}
	if found["oidc:agent-7"] != 200 || found["anonymous"] != 404 || len(found) != 2 {
		t.Errorf("audited reads %v, want the role's 200 and the anonymous 404", found)
	}
	resp, body = s.get(t, "admin", "/admin/audit?action=auth&limit=5")
	if !strings.Contains(string(body), "revoked") {
		t.Errorf("refused credentials are not audited: %d %s", resp.StatusCode, body)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		req, _ := http.NewRequest(method, s.url+"/admin/audit", strings.NewReader(`{}`))
		req.Header.Set(s.creds["admin"][0], s.creds["admin"][1])
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed {
			t.Errorf("%s /admin/audit: %d", method, resp.StatusCode)
		}
	}
	// Paging goes backwards through the log.
	_, body = s.get(t, "admin", "/admin/audit?limit=1")
	if !strings.Contains(string(body), `"rel":"next"`) {
		t.Errorf("no next link: %s", body)
	}
	for _, bad := range []string{"limit=0", "limit=5000", "since=yesterday", "before=x", "who=me"} {
		if resp, _ := s.get(t, "admin", "/admin/audit?"+bad); resp.StatusCode != 400 {
			t.Errorf("/admin/audit?%s: %d", bad, resp.StatusCode)
		}
	}
}

// TestAbuse: bursts, oversized bodies, deep and long filters.
func TestAbuse(t *testing.T) {
	t.Run("burst per credential", func(t *testing.T) {
		s := newSecured(t, server.Options{RateLimit: 5})
		var last *http.Response
		for range 6 {
			last, _ = s.get(t, "internal", "/collections")
		}
		if last.StatusCode != http.StatusTooManyRequests || last.Header.Get("Retry-After") == "" {
			t.Fatalf("6th request in a minute: %d, Retry-After %q", last.StatusCode, last.Header.Get("Retry-After"))
		}
		// Another credential from the same address has its own budget.
		if resp, _ := s.get(t, "admin", "/collections"); resp.StatusCode != 200 {
			t.Fatalf("another credential: %d", resp.StatusCode)
		}
	})
	t.Run("burst per address", func(t *testing.T) {
		s := newSecured(t, server.Options{RateLimitAddress: 5})
		codes := map[int]int{}
		for i := range 8 {
			// Changing credentials (even bad ones) does not escape it.
			resp, _ := s.get(t, callers[i%len(callers)], "/conformance")
			codes[resp.StatusCode]++
		}
		if codes[http.StatusTooManyRequests] != 3 {
			t.Fatalf("statuses %v: want 3 refused", codes)
		}
	})
	s := newSecured(t, server.Options{MaxBodyBytes: 1024})
	t.Run("oversized body", func(t *testing.T) {
		for _, method := range []string{http.MethodPost, http.MethodGet} {
			req, _ := http.NewRequest(method, s.url+"/collections", strings.NewReader(strings.Repeat("x", 4096)))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusRequestEntityTooLarge {
				t.Errorf("%s with 4 KiB: %d", method, resp.StatusCode)
			}
		}
		// A streamed body without a length is cut at the limit too.
		pr, pw := io.Pipe()
		go func() {
			_, _ = pw.Write([]byte(strings.Repeat("x", 4096)))
			pw.Close()
		}()
		req, _ := http.NewRequest(http.MethodPost, s.url+"/collections", pr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			t.Errorf("streamed body: %d", resp.StatusCode)
		}
	})
	t.Run("deep and long filters", func(t *testing.T) {
		deep := strings.Repeat("NOT (", 200) + "insee = '31254'" + strings.Repeat(")", 200)
		long := "nom IN (" + strings.Repeat("'Labège',", 9000) + "'x')"
		for name, f := range map[string]string{"deep": deep, "long": long} {
			resp, body := s.get(t, "anonymous", "/collections/communes/items?filter="+urlEscape(f))
			if resp.StatusCode != 400 {
				t.Errorf("%s filter: %d %.200s", name, resp.StatusCode, body)
			}
		}
	})
}

func urlEscape(s string) string {
	r := strings.NewReplacer(" ", "%20", "'", "%27", "(", "%28", ")", "%29", "=", "%3D", ",", "%2C", "è", "%C3%A8")
	return r.Replace(s)
}

// TestCORSAndCaching: only listed origins may read from a browser, and
// what an authenticated caller is shown stays out of shared caches.
func TestCORSAndCaching(t *testing.T) {
	s := newSecured(t, server.Options{CORSOrigins: []string{"https://carto.sicoval.fr"}})
	for origin, allowed := range map[string]bool{"https://carto.sicoval.fr": true, "https://evil.example": false} {
		resp, _ := s.get(t, "anonymous", "/collections", "Origin", origin)
		if got := resp.Header.Get("Access-Control-Allow-Origin"); (got == origin) != allowed || (!allowed && got != "") {
			t.Errorf("origin %s: Access-Control-Allow-Origin %q", origin, got)
		}
	}
	req, _ := http.NewRequest(http.MethodOptions, s.url+"/collections/roads/items", nil)
	req.Header.Set("Origin", "https://carto.sicoval.fr")
	req.Header.Set("Access-Control-Request-Method", "GET")
	req.Header.Set("Access-Control-Request-Headers", "x-api-key")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "X-API-Key") {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	// A contractor's web page may deposit through the airlock.
	req, _ = http.NewRequest(http.MethodOptions, s.url+"/ingest/fibre", nil)
	req.Header.Set("Origin", "https://carto.sicoval.fr")
	req.Header.Set("Access-Control-Request-Method", "POST")
	req.Header.Set("Access-Control-Request-Headers", "authorization, content-type")
	if resp, err = http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if !strings.Contains(resp.Header.Get("Access-Control-Allow-Methods"), "POST") || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "Content-Type") {
		t.Errorf("POST preflight: %d %v", resp.StatusCode, resp.Header)
	}
	for _, path := range []string{"/styles/territoire", "/collections/roads", "/collections/roads/items?limit=1"} {
		resp, _ := s.get(t, "admin", path)
		if cc := resp.Header.Get("Cache-Control"); !strings.HasPrefix(cc, "private") || !strings.Contains(resp.Header.Get("Vary"), "Authorization") {
			t.Errorf("%s for an admin: Cache-Control %q, Vary %q", path, cc, resp.Header.Get("Vary"))
		}
	}
	if resp, _ := s.get(t, "anonymous", "/styles/territoire"); strings.Contains(resp.Header.Get("Cache-Control"), "private") {
		t.Errorf("anonymous style: %q", resp.Header.Get("Cache-Control"))
	}
}

// TestSecurityMetadata: the catalogues (ISO records, CSW, OGC API Records,
// DCAT, the dataset APIs and their downloads) show a caller only the
// datasets whose every collection it may read.
func TestSecurityMetadata(t *testing.T) {
	s := newSecured(t, server.Options{})
	datasets := map[string][]string{"addresses": {"addresses"}, "roads": {"roads"}, "artificialisation": {"land_cover", "communes"}}
	for _, caller := range []string{"anonymous", "internal", "restricted role", "admin"} {
		t.Run(caller, func(t *testing.T) {
			_, list := s.get(t, caller, "/datasets")
			_, cswHits := s.get(t, caller, "/csw?service=CSW&version=2.0.2&request=GetRecords&typeNames=csw:Record&resultType=results&elementSetName=brief&maxRecords=50")
			_, dcat := s.get(t, caller, "/dcat")
			_, cat := s.get(t, caller, "/collections/catalogue/items?limit=50")
			for id, cols := range datasets {
				want := true
				for _, c := range cols {
					want = want && slices.Contains(sees[caller], c)
				}
				record := "fr-243100633-" + id
				status := map[bool]int{true: http.StatusOK, false: http.StatusNotFound}[want]
				for _, path := range []string{"/datasets/" + id + "/", "/datasets/" + id + "/collections", "/metadata/" + record + "?f=xml",
					"/collections/catalogue/items/" + record, "/datasets/" + id + "/download/" + cols[0] + ".geojson",
					"/datasets/" + id + "/download/" + cols[0] + ".pmtiles"} {
					if resp, _ := s.get(t, caller, path); resp.StatusCode != status {
						t.Errorf("%s: %d, want %d", path, resp.StatusCode, status)
					}
				}
				for name, body := range map[string][]byte{"/datasets": list, "/csw GetRecords": cswHits, "/dcat": dcat, "/collections/catalogue/items": cat} {
					if got := bytes.Contains(body, []byte(`"`+id+`"`)) || bytes.Contains(body, []byte(record)); got != want {
						t.Errorf("%s names %s: %v, want %v", name, id, got, want)
					}
				}
			}
		})
	}
}

// addUpdaterRows gives address_candidates and road_reports a row each
// (sec-c1, sec-r1), near the tile the matrix asks for, as a batch would;
// added once, later batches find them stored.
func addUpdaterRows(t *testing.T) {
	t.Helper()
	st, ok := env.store.(interface {
		ApplyUpdate(context.Context, *socle.Update) (socle.UpdateResult, error)
	})
	if !ok {
		t.Fatalf("%T takes no updates", env.store)
	}
	// 1.512°E 43.535°N in Lambert-93.
	x, y := 580150.0, 6273850.0
	now := time.Now()
	n := 3
	if _, err := st.ApplyUpdate(context.Background(), &socle.Update{Batch: socle.Batch{ID: socle.NewBatchID("update-fibre", now), Kind: "update-fibre", Actor: "test"},
		Collection: "addresses",
		Candidates: []socle.AddressCandidate{{Key: "sec-c1", Line: 2, ImbID: "IMB/SEC", Numero: &n, VoieNom: "Impasse des Tests", CommuneInsee: "31254",
			Reason: "no address with this number", X: x, Y: y, CreatedAt: now}},
		Reports: nil}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.ApplyUpdate(context.Background(), &socle.Update{Batch: socle.Batch{ID: socle.NewBatchID("update-road-reports", now), Kind: "update-road-reports", Actor: "test"},
		Collection: "roads",
		Reports:    []socle.RoadReport{{Key: "sec-r1", Line: 2, Time: now, Vehicle: "pseudo", Condition: 1, Reason: "too far from every road", X: x + 20, Y: y}}}); err != nil {
		t.Fatal(err)
	}
}

package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/paulmach/orb"
	"github.com/paulmach/orb/encoding/wkb"
	"github.com/paulmach/orb/planar"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/socle-geo/socle/internal/locate"
	"github.com/socle-geo/socle/internal/socle"
	"github.com/socle-geo/socle/internal/source"
	"github.com/socle-geo/socle/internal/zan"
)

// FileOptions are the options of `socle import layer`.
type FileOptions struct {
	// Profile names a built-in profile (Profiles); "" is "socle".
	Profile string
	// Mapping is the path of a mapping file (ReadMapping), whose rules
	// override the profile's.
	Mapping string
	// Layer picks a GeoPackage table or an archive member.
	Layer string
	// CRS overrides the file's coordinate system.
	CRS string
	// Year is the millésime of land cover, when the file does not say.
	Year int
	// Replace says the file is the whole new state of the collection (for
	// land cover, of Year): the features it lacks are retired.
	Replace bool
	// DryRun reports what the import would do and writes nothing.
	DryRun bool
}

// ImportFile loads a published geodata file — GeoJSON, GeoPackage,
// Shapefile (alone or zipped), FlatGeobuf, CSV — into a collection, its
// fields mapped by a profile and a mapping file, in one batch: each
// record inserted, updated or left alone by its source identifier (or, for
// a file without one, its content), the features the file lacks retired
// with Replace. What the file lacks and the profile or mapping names is
// refused before anything is written; a record that cannot be loaded is
// rejected with its number and reason and the rest loads.
func (im *Importer) ImportFile(ctx context.Context, collection, path string, o FileOptions) (Report, error) {
	start := im.now()
	rep := Report{Collection: collection, File: path, Profile: o.Profile}
	if rep.Profile == "" {
		rep.Profile = "socle"
	}
	c, ok := im.Catalog.Collection(collection)
	if !ok {
		return rep, &socle.Error{Code: socle.ENOTFOUND, Message: "unknown collection " + collection, Allowed: ids(im.Catalog)}
	}
	if c.FromUpdater() {
		return rep, socle.Errorf(socle.EINVALID, "%s is written by the updater (socle update), not imported", collection)
	}
	prof, err := LookupProfile(o.Profile)
	if err != nil {
		return rep, err
	}
	if prof.Collection != "" && prof.Collection != c.ID {
		return rep, socle.Errorf(socle.EINVALID, "the %s profile loads %s, not %s", prof.Name, prof.Collection, c.ID)
	}
	_, hasYear := c.Property("year")
	if o.Year != 0 && !hasYear {
		return rep, socle.Errorf(socle.EINVALID, "--year is the millésime of land cover; %s has none", c.ID)
	}
	if o.Replace && hasYear && o.Year == 0 {
		return rep, socle.Errorf(socle.EINVALID, "--replace on %s replaces one millésime: say which with --year", c.ID)
	}
	rules := prof.Rules
	if prof.Name == "socle" {
		rules = socleRules(c)
	}
	if o.Mapping != "" {
		over, err := ReadMapping(o.Mapping, c)
		if err != nil {
			return rep, err
		}
		rules = merge(rules, over)
	}
	layer := o.Layer
	if layer == "" && len(prof.Table) > 0 {
		if layers, err := source.Layers(path); err == nil && len(layers) > 1 {
			for _, l := range layers {
				if slices.ContainsFunc(prof.Table, func(t string) bool { return strings.EqualFold(t, l) || strings.EqualFold(t, layerBase(l)) }) {
					layer = l
					break
				}
			}
		}
	}
	src, err := source.Open(path, source.Options{Layer: layer, CRS: o.CRS})
	if err != nil {
		return rep, &socle.Error{Code: socle.EINVALID, Message: err.Error(), Err: err}
	}
	defer src.Close()
	fields, err := src.Fields()
	if err != nil {
		return rep, &socle.Error{Code: socle.EINVALID, Message: err.Error(), Err: err}
	}
	b := &rowBuilder{c: c, prof: prof, rules: rules, year: int64(o.Year), srid: src.SRID(), format: src.Format(),
		names: map[string]string{}}
	for _, f := range fields {
		b.names[strings.ToLower(f.Name)] = f.Name
	}
	if err := b.check(fields); err != nil {
		return rep, err
	}
	if hasYear && o.Year == 0 && !b.gives("year") {
		return rep, socle.Errorf(socle.EINVALID, "the file has no millésime field for year; give it with --year YYYY; nothing was loaded")
	}
	if err := checkGeometryType(c, src.GeometryType()); err != nil {
		return rep, err
	}
	if _, ok := c.Property("commune_insee"); ok && c.ID != "communes" {
		b.locate = func() *locate.Locator {
			if b.loc == nil {
				b.loc = locate.New(nil)
				if r, ok := im.Store.(locate.Reader); ok {
					if l, err := locate.Load(ctx, r, im.Catalog); err == nil {
						b.loc = l
					} else if im.Log != nil {
						im.Log.Warn("communes not read: no commune by location", "err", err)
					}
				}
			}
			return b.loc
		}
	}
	sum, err := fileSHA256(path)
	if err != nil {
		return rep, err
	}
	batch := socle.Batch{ID: socle.NewBatchID("import-layer", start), Kind: "import-layer", Source: filepath.Base(path),
		FileSHA256: sum, Actor: im.Actor, DryRun: o.DryRun, Replace: o.Replace}
	if o.Replace && hasYear {
		p, _ := c.Property("year")
		batch.Scope = []socle.Equals{{Property: p, Value: int64(o.Year)}}
	}
	st := &fileStream{ctx: ctx, src: src, build: b.row}
	if r, ok := im.Store.(locate.Reader); ok && o.Replace {
		if _, ok := c.Property("source_id"); ok {
			st.key = func() string { return b.lastKey }
			st.check = storedKeys(ctx, r, c, batch.Scope)
		}
	}
	if bar := im.countBar(src.Count(), collection); bar != nil {
		st.bar = bar
		defer bar.Finish() //nolint:errcheck // cosmetic
	}
	rep.Result, err = im.Store.Import(ctx, batch, c, st)
	rep.Rejects = st.rejects
	rep.Duration = im.now().Sub(start)
	if err == nil && st.err != nil {
		err = st.err
	}
	return rep, err
}

func layerBase(l string) string {
	l = filepath.Base(l)
	return strings.TrimSuffix(l, filepath.Ext(l))
}

// socleRules reads every property Socle does not derive by its own name.
func socleRules(c *socle.Collection) []Rule {
	var rules []Rule
	for _, p := range c.Properties {
		if !p.Derived && p.Name != "updated_at" {
			rules = append(rules, Rule{Target: p.Name, Fields: []string{p.Name}})
		}
	}
	return rules
}

// checkGeometryType refuses a file that declares a geometry type of
// another kind than the collection's.
func checkGeometryType(c *socle.Collection, declared string) error {
	if declared == "" || declared == "GeometryCollection" || declared == "Geometry" {
		return nil
	}
	if family(declared) != family(c.GeometryType) {
		return socle.Errorf(socle.EINVALID, "the file holds %ss; %s holds %ss", declared, c.ID, family(c.GeometryType))
	}
	return nil
}

// family is a geometry type without its Multi.
func family(t string) string { return strings.TrimPrefix(t, "Multi") }

func fileSHA256(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// countBar returns a progress bar of records on a terminal (a spinner when
// the count is unknown), nil otherwise.
func (im *Importer) countBar(count int, label string) *progressbar.ProgressBar {
	if im.Progress == nil || !term.IsTerminal(int(im.Progress.Fd())) {
		return nil
	}
	return progressbar.NewOptions(count,
		progressbar.OptionSetWriter(im.Progress),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("features"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

// fileStream streams a source's records to a store as rows.
type fileStream struct {
	ctx     context.Context
	src     *source.Source
	build   func(*source.Record) (socle.Row, *socle.Reject)
	row     socle.Row
	rejects []socle.Reject
	err     error
	bar     *progressbar.ProgressBar
	n       int
	rows    int
	// key, with --replace, is the source_id of the record just refused;
	// keyed are the refused records that have one, and check fails the
	// batch when one of them names a stored feature that the replace
	// would retire.
	key        func() string
	keyed      []keyedReject
	unreadable *socle.Reject
	check      func([]keyedReject) error
	// wrongType counts the records of another geometry type: a file of
	// nothing else is refused whole.
	wrongType int
	wrongWhy  string
}

func (s *fileStream) Next() bool {
	for {
		if s.err != nil {
			return false
		}
		if s.n%1024 == 0 {
			if err := s.ctx.Err(); err != nil {
				s.err = err
				return false
			}
		}
		rec, err := s.src.Next()
		if err == io.EOF && s.check != nil && len(s.keyed) > 0 {
			s.err = s.check(s.keyed)
		}
		if err == io.EOF {
			if s.rows == 0 && s.wrongType > 0 && s.wrongType == len(s.rejects) {
				s.err = &socle.Error{Code: socle.EINVALID, Message: s.wrongWhy + " (every record); nothing was loaded"}
			}
			return false
		}
		s.n++
		if s.bar != nil && s.n%256 == 0 {
			_ = s.bar.Add(256)
		}
		var re *source.RecordError
		if errors.As(err, &re) {
			s.rejects = append(s.rejects, socle.Reject{Line: re.Num, Column: "geometry", Reason: re.Err.Error()})
			if s.check != nil && s.unreadable == nil {
				// Which feature it was is unknown: a replace would
				// retire it if it is stored.
				s.unreadable = &s.rejects[len(s.rejects)-1]
				s.err = &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf(
					"--replace: record %d cannot be read (%v), and the stored feature it updates would be retired; fix the record, or import without --replace; nothing was loaded", re.Num, re.Err)}
			}
			continue
		}
		if err != nil {
			s.err = &socle.Error{Code: socle.EINVALID, Message: err.Error() + "; nothing was loaded", Err: err}
			return false
		}
		row, rej := s.build(rec)
		if rej != nil {
			rej.Line = rec.Num
			s.rejects = append(s.rejects, *rej)
			if s.key != nil && rej.Column != "year" {
				if k := s.key(); k != "" {
					s.keyed = append(s.keyed, keyedReject{*rej, k})
				}
			}
			if strings.HasPrefix(rej.Reason, "expected a ") {
				s.wrongType++
				s.wrongWhy = rej.Reason
			}
			continue
		}
		s.rows++
		s.row = row
		return true
	}
}

type keyedReject struct {
	socle.Reject
	key string
}

// storedKeys refuses a replace that would retire a stored feature whose
// new version the file has but could not be loaded: what is stored is not
// lost for a record's error. It asks the store for each refused record's
// source_id (within the replaced millésime).
func storedKeys(ctx context.Context, r locate.Reader, c *socle.Collection, scope []socle.Equals) func([]keyedReject) error {
	return func(keyed []keyedReject) error {
		for i, k := range keyed {
			if i == 1000 {
				break
			}
			eqs := []socle.TextEquals{{Property: "source_id", Value: k.key}}
			for _, e := range scope {
				eqs = append(eqs, socle.TextEquals{Property: e.Property.Name, Value: fmt.Sprint(e.Value)})
			}
			q, err := socle.ResolveItems(c, socle.ItemsRequest{Equals: eqs, Limit: 1, Properties: []string{}})
			if err != nil {
				return err
			}
			found := false
			if _, err := r.Records(ctx, q, func(*socle.Record) error { found = true; return nil }); err != nil {
				return err
			}
			if found {
				return &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf(
					"--replace: record %d (source_id %s) was rejected (%s) and its stored feature would be retired; fix the record, or import without --replace; nothing was loaded",
					k.Line, k.key, k.Reason)}
			}
		}
		return nil
	}
}

func (s *fileStream) Row() *socle.Row         { return &s.row }
func (s *fileStream) Err() error              { return s.err }
func (s *fileStream) Rejects() []socle.Reject { return s.rejects }

// rowBuilder makes a collection's rows of a source's records.
type rowBuilder struct {
	c      *socle.Collection
	prof   *Profile
	rules  []Rule
	year   int64
	srid   int
	format source.Format
	// names maps a field's lower-case name to its name in the file.
	names map[string]string
	// asked maps a name rules and profiles ask for, as they spell it, to
	// its name in the file (present false when the file lacks it): the
	// rules ask for the same few names every record, and lower-casing
	// them each time was an allocation a field a record.
	asked  map[string]fileName
	locate func() *locate.Locator
	loc    *locate.Locator
	// lastKey is the source_id of the record last mapped, "" when none.
	lastKey string
}

// fileName is a field's name in the file, when the file has the field.
type fileName struct {
	name    string
	present bool
}

// check refuses, before anything is read, a rule whose fields the file
// lacks.
func (b *rowBuilder) check(fields []source.Field) error {
	for _, r := range b.rules {
		if !r.Required || len(r.Fields) == 0 {
			continue
		}
		if !slices.ContainsFunc(r.Fields, func(f string) bool { _, ok := b.names[strings.ToLower(f)]; return ok }) {
			var have []string
			for _, f := range fields {
				have = append(have, f.Name)
			}
			return &socle.Error{Code: socle.EINVALID, Message: fmt.Sprintf("the file has no field %s (for %s); nothing was loaded; its fields: %s",
				strings.Join(r.Fields, " or "), r.Target, strings.Join(have, ", "))}
		}
	}
	return nil
}

// gives tells whether a rule sets target: a constant, a computed value, or
// a field the file has.
func (b *rowBuilder) gives(target string) bool {
	for _, r := range b.rules {
		if r.Target != target {
			continue
		}
		if r.Value != nil || r.Fn != nil {
			return true
		}
		for _, f := range r.Fields {
			if _, ok := b.names[strings.ToLower(f)]; ok {
				return true
			}
		}
	}
	return false
}

// row maps one record.
func (b *rowBuilder) row(rec *source.Record) (socle.Row, *socle.Reject) {
	c := b.c
	get := func(name string) any {
		n, ok := b.asked[name]
		if !ok {
			n.name, n.present = b.names[strings.ToLower(name)]
			if b.asked == nil {
				b.asked = map[string]fileName{}
			}
			b.asked[name] = n
		}
		if !n.present {
			return nil
		}
		return rec.Fields[n.name]
	}
	if b.prof.Accept != nil {
		if why := b.prof.Accept(get); why != "" {
			return socle.Row{}, &socle.Reject{Reason: why}
		}
	}
	b.lastKey = ""
	raw := make(map[string]any, len(b.rules)+4) // the rules' targets and the few set below
	for _, r := range b.rules {
		var v any
		if r.Fn != nil {
			v = r.Fn(get)
		} else {
			v = first(get, r.Fields...)
		}
		if empty(v) && r.Value != nil {
			v = r.Value
		}
		if r.Values != nil && !empty(v) {
			if to, ok := r.Values[str(v)]; ok {
				v = to
			}
		}
		if v != nil {
			raw[r.Target] = v
		}
	}
	// A GeoJSON or FlatGeobuf feature's own id is the publisher's
	// identifier when no field gives one (Overpass exports: "way/123").
	if _, ok := c.Property("source_id"); ok && b.prof.Name != "socle" && empty(raw["source_id"]) && rec.ID != nil &&
		(b.format == source.GeoJSON || b.format == source.FlatGeobuf) {
		raw["source_id"] = str(rec.ID)
	}
	if p, ok := c.Property("source_id"); ok && !empty(raw["source_id"]) {
		b.lastKey = str(coerce(p, raw["source_id"]))
	}
	g, rej := shape(c, rec.Geometry)
	if rej != nil {
		return socle.Row{}, rej
	}
	if p, ok := c.Property("year"); ok && b.year != 0 {
		if y, present := raw[p.Name]; present {
			if tv, err := typed(p, coerce(p, y)); err == nil && tv != b.year {
				return socle.Row{}, &socle.Reject{Column: "year", Reason: fmt.Sprintf("the record's millésime %v is not --year %d", y, b.year)}
			}
		} else {
			raw[p.Name] = b.year
		}
	}
	// A collection keyed by a property (the communes' insee) takes the
	// record's own id for it in the socle profile.
	if c.IDColumn != "" && empty(raw[c.IDColumn]) {
		if id := b.sourceID(rec, get); !empty(id) {
			raw[c.IDColumn] = str(id)
		}
	}
	// The identity of a record without an identifier: its content, as read.
	var contentID string
	if _, ok := c.Property("source_id"); ok && empty(raw["source_id"]) && slices.Contains(c.Keys, "source_id") && b.sourceID(rec, get) == nil {
		contentID = contentHash(rec.Geometry, raw)
	}
	g, rej = toStorage(g, b.srid)
	if rej != nil {
		return socle.Row{}, rej
	}
	g, rej = repair(c, g)
	if rej != nil {
		return socle.Row{}, rej
	}
	if c.ID == "land_cover" {
		raw["area_m2"] = math.Round(planar.Area(g)*100) / 100
		if empty(raw["artificialised"]) {
			art, err := zan.Artificialised(str(raw["code_cs"]), str(raw["code_us"]))
			if err != nil {
				return socle.Row{}, &socle.Reject{Column: "code_cs,code_us", Reason: "artificialised cannot be derived: " + err.Error()}
			}
			raw["artificialised"] = art
		}
	}
	if b.locate != nil && empty(raw["commune_insee"]) {
		code := b.locate().Commune(g)
		if code == "" {
			return socle.Row{}, &socle.Reject{Column: "commune_insee", Reason: "no commune code in the record and it lies in no commune of the communes layer (import the communes first)"}
		}
		raw["commune_insee"] = code
	}
	if contentID != "" {
		raw["source_id"] = contentID
	}
	for k, v := range raw {
		if p, ok := c.Property(k); ok {
			raw[k] = coerce(p, v)
		}
	}
	props, rej := typedProperties(c, raw)
	if rej != nil {
		return socle.Row{}, rej
	}
	row := socle.Row{Geometry: g, Properties: props}
	switch {
	case c.ID == "communes":
		row.ID = props["insee"]
	case b.prof.Name == "socle":
		id, rej := idValue(c, b.sourceID(rec, get))
		if rej != nil {
			return socle.Row{}, rej
		}
		row.ID = id
	}
	return row, nil
}

// sourceID is the record's own Socle id in the socle profile: the GeoJSON
// id member, else an id field.
func (b *rowBuilder) sourceID(rec *source.Record, get func(string) any) any {
	if b.prof.Name != "socle" {
		return nil
	}
	if rec.ID != nil && (b.format == source.GeoJSON || b.format == source.FlatGeobuf) {
		return rec.ID
	}
	return get("id")
}

// idValue checks an id of the socle profile against the collection's id
// type; nil lets the store match by key.
func idValue(c *socle.Collection, id any) (any, *socle.Reject) {
	if empty(id) {
		return nil, nil
	}
	switch c.IDType {
	case socle.TypeInteger:
		var n int64
		var err error
		switch x := id.(type) {
		case int64:
			n = x
		case float64:
			if x != math.Trunc(x) || x > 1<<53 {
				err = errors.New("not an integer")
			}
			n = int64(x)
		case string:
			n, err = strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		default:
			err = errors.New("not an integer")
		}
		if err != nil || n < 0 {
			return nil, &socle.Reject{Column: "id", Reason: fmt.Sprintf("id %v is not a non-negative integer", id)}
		}
		return n, nil
	default:
		return str(id), nil
	}
}

// coerce makes a value read from a file the type typed expects: numbers
// for text properties as their decimal text (an INSEE code read as a
// number gets its leading zero back), integers for booleans as 0/1.
func coerce(p socle.Property, v any) any {
	switch p.Type {
	case socle.TypeString:
		switch x := v.(type) {
		case int64:
			s := strconv.FormatInt(x, 10)
			if (p.Name == "insee" || strings.HasSuffix(p.Name, "_insee")) && len(s) == 4 {
				s = "0" + s
			}
			return s
		case float64:
			return strconv.FormatFloat(x, 'f', -1, 64)
		case bool:
			return strconv.FormatBool(x)
		}
	case socle.TypeBoolean:
		if x, ok := v.(int64); ok && (x == 0 || x == 1) {
			return x == 1
		}
	case socle.TypeInteger:
		if s, ok := v.(string); ok {
			// Shapefile numbers come as text when the DBF has them so.
			if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil && f == math.Trunc(f) {
				return f
			}
		}
	}
	return v
}

// contentHash identifies a record without an identifier by its geometry
// and mapped values, so that the same file imported twice matches itself.
func contentHash(g orb.Geometry, raw map[string]any) string {
	h := sha256.New()
	if g != nil {
		if b, err := wkb.Marshal(g); err == nil {
			h.Write(b)
		}
	}
	keys := make([]string, 0, len(raw))
	for k := range raw {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		v, _ := json.Marshal(raw[k])
		fmt.Fprintf(h, "\x00%s=%s", k, v)
	}
	return "sha256:" + hex.EncodeToString(h.Sum(nil))[:32]
}

// shape checks a record's geometry against the collection's type: the
// single or multi form of its kind, degenerate parts and repeated vertices
// dropped, rings closed.
func shape(c *socle.Collection, g orb.Geometry) (orb.Geometry, *socle.Reject) {
	bad := func(format string, args ...any) (orb.Geometry, *socle.Reject) {
		return nil, &socle.Reject{Column: "geometry", Reason: fmt.Sprintf(format, args...)}
	}
	if g == nil {
		return bad("missing geometry")
	}
	want := family(c.GeometryType)
	if got := family(g.GeoJSONType()); got != want {
		return bad("expected a %s, got a %s", c.GeometryType, g.GeoJSONType())
	}
	nonFinite := false
	forEachPoint(g, func(p orb.Point) {
		if math.IsNaN(p[0]) || math.IsInf(p[0], 0) || math.IsNaN(p[1]) || math.IsInf(p[1], 0) {
			nonFinite = true
		}
	})
	if nonFinite {
		return bad("non-finite coordinate")
	}
	switch x := g.(type) {
	case orb.LineString:
		l := dedupe(x)
		if len(l) < 2 {
			return bad("a line needs at least 2 distinct points")
		}
		g = orb.LineString(l)
	case orb.MultiLineString:
		var out orb.MultiLineString
		for _, ls := range x {
			if l := dedupe(ls); len(l) >= 2 {
				out = append(out, orb.LineString(l))
			}
		}
		if len(out) == 0 {
			return bad("a line needs at least 2 distinct points")
		}
		g = out
	case orb.Polygon:
		p, why := cleanPolygon(x)
		if why != "" {
			return bad("%s", why)
		}
		g = p
	case orb.MultiPolygon:
		var out orb.MultiPolygon
		why := ""
		for _, p := range x {
			cp, w := cleanPolygon(p)
			if w != "" {
				why = w
				continue
			}
			out = append(out, cp)
		}
		if len(out) == 0 {
			if why == "" {
				why = "empty geometry"
			}
			return bad("%s", why)
		}
		g = out
	case orb.MultiPoint:
		if len(x) == 0 {
			return bad("empty geometry")
		}
	}
	return form(c, g)
}

// form gives g the collection's single or multi form.
func form(c *socle.Collection, g orb.Geometry) (orb.Geometry, *socle.Reject) {
	if slices.Contains(c.GeometryTypes(), g.GeoJSONType()) {
		return g, nil
	}
	switch x := g.(type) {
	case orb.Point:
		return orb.MultiPoint{x}, nil
	case orb.LineString:
		return orb.MultiLineString{x}, nil
	case orb.Polygon:
		return orb.MultiPolygon{x}, nil
	case orb.MultiPoint:
		if len(x) == 1 {
			return x[0], nil
		}
	case orb.MultiLineString:
		if len(x) == 1 {
			return x[0], nil
		}
	case orb.MultiPolygon:
		if len(x) == 1 {
			return x[0], nil
		}
	}
	return nil, &socle.Reject{Column: "geometry", Reason: fmt.Sprintf("expected a %s, got a %s of several parts", c.GeometryType, g.GeoJSONType())}
}

// dedupe drops consecutive repeated vertices.
func dedupe[T ~[]orb.Point](pts T) []orb.Point {
	out := make([]orb.Point, 0, len(pts))
	for i, p := range pts {
		if i > 0 && p == out[len(out)-1] {
			continue
		}
		out = append(out, p)
	}
	return out
}

// cleanPolygon closes rings and drops repeated vertices; a hole that
// encloses nothing is dropped, a shell that encloses nothing is refused.
func cleanPolygon(p orb.Polygon) (orb.Polygon, string) {
	var out orb.Polygon
	for i, r := range p {
		pts := dedupe(r)
		if len(pts) > 1 && pts[0] != pts[len(pts)-1] {
			pts = append(pts, pts[0])
		}
		if len(pts) < 4 {
			if i == 0 {
				return nil, "a polygon ring needs at least 3 distinct points"
			}
			continue
		}
		out = append(out, orb.Ring(pts))
	}
	if len(out) == 0 {
		return nil, "empty geometry"
	}
	orient(out)
	return out, ""
}

// orient turns a polygon's shell counterclockwise and its holes clockwise
// (the OGC and RFC 7946 convention): Shapefiles store them the other way,
// and the same polygon read from any format is then stored alike.
func orient(p orb.Polygon) {
	for i, r := range p {
		if o := r.Orientation(); (i == 0 && o == orb.CW) || (i > 0 && o == orb.CCW) {
			r.Reverse()
		}
	}
}

// repair makes a polygon that is not valid in the storage CRS valid, as
// PostGIS's ST_MakeValid does (a ring that crosses itself is split into
// the loops it makes), or refuses it with the reason.
func repair(c *socle.Collection, g orb.Geometry) (orb.Geometry, *socle.Reject) {
	switch g.(type) {
	case orb.Polygon, orb.MultiPolygon:
	default:
		return g, nil
	}
	mp, repaired, err := zan.MakeValid(g)
	if err != nil {
		return nil, &socle.Reject{Column: "geometry", Reason: "invalid polygon that cannot be repaired: " + err.Error()}
	}
	if !repaired {
		return g, nil
	}
	if len(mp) == 0 || planar.Area(mp) == 0 {
		return nil, &socle.Reject{Column: "geometry", Reason: "the polygon encloses no area"}
	}
	for _, p := range mp {
		orient(p)
	}
	var out orb.Geometry = mp
	if _, single := g.(orb.Polygon); single && len(mp) == 1 {
		out = mp[0]
	}
	return form(c, out)
}

package source

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode"
)

// wktNode is a node of a WKT CRS (OGC 01-009 WKT 1, its ESRI dialect, or
// ISO 19162 WKT 2): KEYWORD[value, value, KEYWORD[...], ...].
type wktNode struct {
	key  string
	vals []string // quoted strings and numbers, in order
	kids []*wktNode
}

// parseWKT parses a WKT CRS into its tree.
func parseWKT(s string) (*wktNode, error) {
	p := wktParser{s: s}
	n, err := p.node(0)
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i != len(p.s) {
		return nil, fmt.Errorf("wkt: text after the CRS at %d", p.i)
	}
	return n, nil
}

type wktParser struct {
	s string
	i int
}

func (p *wktParser) space() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t' || p.s[p.i] == '\r' || p.s[p.i] == '\n') {
		p.i++
	}
}

func (p *wktParser) node(depth int) (*wktNode, error) {
	if depth > 64 {
		return nil, errors.New("wkt: nested too deep")
	}
	p.space()
	start := p.i
	for p.i < len(p.s) && (p.s[p.i] == '_' || p.s[p.i] < 0x80 && (unicode.IsLetter(rune(p.s[p.i])) || unicode.IsDigit(rune(p.s[p.i])))) {
		p.i++
	}
	if p.i == start {
		return nil, fmt.Errorf("wkt: expected a keyword at %d", p.i)
	}
	n := &wktNode{key: strings.ToUpper(p.s[start:p.i])}
	p.space()
	if p.i >= len(p.s) || p.s[p.i] != '[' && p.s[p.i] != '(' {
		// A bare enumeration value (AXIS["x", EAST]).
		n.vals = append(n.vals, n.key)
		n.key = ""
		return n, nil
	}
	closer := byte(']')
	if p.s[p.i] == '(' {
		closer = ')'
	}
	p.i++
	for {
		p.space()
		if p.i >= len(p.s) {
			return nil, errors.New("wkt: unexpected end")
		}
		switch c := p.s[p.i]; {
		case c == closer:
			p.i++
			return n, nil
		case c == ',':
			p.i++
		case c == '"':
			p.i++
			var b strings.Builder
			for {
				j := strings.IndexByte(p.s[p.i:], '"')
				if j < 0 {
					return nil, errors.New("wkt: unterminated string")
				}
				b.WriteString(p.s[p.i : p.i+j])
				p.i += j + 1
				if p.i < len(p.s) && p.s[p.i] == '"' { // "" inside a string
					b.WriteByte('"')
					p.i++
					continue
				}
				break
			}
			n.vals = append(n.vals, b.String())
		case c == '-' || c == '+' || c == '.' || c >= '0' && c <= '9':
			start := p.i
			for p.i < len(p.s) && strings.IndexByte("+-.eE0123456789", p.s[p.i]) >= 0 {
				p.i++
			}
			n.vals = append(n.vals, p.s[start:p.i])
		default:
			k, err := p.node(depth + 1)
			if err != nil {
				return nil, err
			}
			if k.key == "" {
				n.vals = append(n.vals, k.vals...)
			} else {
				n.kids = append(n.kids, k)
			}
		}
	}
}

func (n *wktNode) kid(keys ...string) *wktNode {
	for _, k := range n.kids {
		for _, key := range keys {
			if k.key == key {
				return k
			}
		}
	}
	return nil
}

func (n *wktNode) name() string {
	if len(n.vals) > 0 {
		return n.vals[0]
	}
	return ""
}

func (n *wktNode) num(i int) (float64, bool) {
	if i >= len(n.vals) {
		return 0, false
	}
	f, err := strconv.ParseFloat(n.vals[i], 64)
	return f, err == nil
}

// epsgCode returns the EPSG code of a node's own AUTHORITY (WKT 1) or ID
// (WKT 2), 0 if it has none.
func (n *wktNode) epsgCode() int {
	a := n.kid("AUTHORITY", "ID")
	if a == nil || len(a.vals) < 2 || !strings.EqualFold(a.vals[0], "EPSG") {
		return 0
	}
	c, err := strconv.Atoi(strings.TrimSpace(a.vals[1]))
	if err != nil {
		f, ok := a.num(1)
		if !ok || f != math.Trunc(f) {
			return 0
		}
		c = int(f)
	}
	return c
}

// normKey lowercases a name and keeps its letters and digits: ESRI's
// Lambert_Conformal_Conic, OGC's Lambert Conformal Conic (2SP) and WKT 2's
// "Lambert Conic Conformal (2SP)" compare on it.
func normKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r < 0x80 && (unicode.IsLetter(r) || unicode.IsDigit(r)) {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// crsFromWKT recognises a CRS from its WKT (a .prj file, a GeoPackage
// definition, a FlatGeobuf header): by its EPSG authority when it names
// one Socle can transform, else by what it is — the projection method
// and its parameters on a GRS 80 or WGS 84 ellipsoid in metres, not the
// name alone, since IGN and ESRI name the same CRS many ways ("RGF93
// Lambert 93", "RGF93_Lambert_93", "RGF93 / Lambert-93"). It returns the
// SRID, 0 when the CRS is well formed but not one Socle knows, with the
// CRS's name for messages.
func crsFromWKT(wkt string) (int, string, error) {
	wkt = strings.TrimSpace(strings.TrimPrefix(wkt, "\ufeff"))
	if wkt == "" {
		return 0, "", errors.New("empty CRS definition")
	}
	root, err := parseWKT(wkt)
	if err != nil {
		return 0, "", err
	}
	name := root.name()
	if c := root.epsgCode(); c != 0 && transformable(c) {
		return c, name, nil
	}
	switch root.key {
	case "PROJCS", "PROJCRS", "PROJECTEDCRS":
		return projectedSRID(root), name, nil
	case "GEOGCS", "GEOGCRS", "GEOGRAPHICCRS", "GEODCRS", "GEODETICCRS", "BASEGEOGCRS":
		if root.kid("CS") != nil {
			if cs := root.kid("CS"); len(cs.vals) > 0 && !strings.EqualFold(cs.vals[0], "ellipsoidal") {
				return 0, name, nil
			}
		}
		return geographicSRID(root), name, nil
	case "COMPD_CS", "COMPOUNDCRS":
		for _, k := range root.kids {
			if s, _, err := crsFromWKT(k.String()); err == nil && s != 0 {
				return s, name, nil
			}
		}
	}
	return 0, name, nil
}

// String writes a node back as WKT (for the parts of a compound CRS).
func (n *wktNode) String() string {
	var b strings.Builder
	b.WriteString(n.key + "[")
	for i, v := range n.vals {
		if i > 0 {
			b.WriteByte(',')
		}
		if _, err := strconv.ParseFloat(v, 64); err == nil {
			b.WriteString(v)
		} else {
			b.WriteString(`"` + strings.ReplaceAll(v, `"`, `""`) + `"`)
		}
	}
	for i, k := range n.kids {
		if i > 0 || len(n.vals) > 0 {
			b.WriteByte(',')
		}
		b.WriteString(k.String())
	}
	b.WriteByte(']')
	return b.String()
}

// ellipsoidOK tells whether the CRS's ellipsoid is GRS 80 or WGS 84 (the
// same to 0.1 mm: every datum here is a null transformation to WGS 84).
func ellipsoidOK(n *wktNode) bool {
	var sph *wktNode
	var walk func(*wktNode)
	walk = func(n *wktNode) {
		for _, k := range n.kids {
			if sph != nil {
				return
			}
			if k.key == "SPHEROID" || k.key == "ELLIPSOID" {
				sph = k
				return
			}
			walk(k)
		}
	}
	walk(n)
	if sph == nil {
		return false
	}
	a, ok1 := sph.num(1)
	invf, ok2 := sph.num(2)
	return ok1 && ok2 && math.Abs(a-6378137) < 0.01 && math.Abs(invf-298.2572) < 0.001
}

// datumSRID names the geographic CRS of a datum by its name.
func datumSRID(n *wktNode) int {
	d := ""
	var walk func(*wktNode)
	walk = func(n *wktNode) {
		for _, k := range n.kids {
			if d == "" && k.key == "DATUM" {
				d = normKey(k.name())
				return
			}
			walk(k)
		}
	}
	walk(n)
	switch {
	case strings.Contains(d, "rgaf09"):
		return 5489
	case strings.Contains(d, "rgfg95"):
		return 4624
	case strings.Contains(d, "rgr92"):
		return 4627
	case strings.Contains(d, "rgm04"):
		return 4470
	case strings.Contains(d, "rgf93") || strings.Contains(d, "reseaugeodesiquefrancais1993"):
		return 4171
	case strings.Contains(d, "etrs") || strings.Contains(d, "europeanterrestrialreferencesystem1989"):
		return 4258
	}
	return 4326
}

func geographicSRID(n *wktNode) int {
	if c := n.epsgCode(); c != 0 && geographic(c) {
		return c
	}
	if !ellipsoidOK(n) {
		return 0
	}
	if u := n.kid("UNIT", "ANGLEUNIT"); u != nil {
		if f, ok := u.num(1); ok && math.Abs(f-math.Pi/180) > 1e-12 {
			return 0 // grads, radians
		}
	}
	return datumSRID(n)
}

// projParams reads a projected CRS's method and parameters (WKT 1
// PROJECTION and PARAMETER, WKT 2 CONVERSION's METHOD and PARAMETER), by
// normalised name.
func projParams(n *wktNode) (method string, params map[string]float64) {
	params = map[string]float64{}
	holder := n
	if c := n.kid("CONVERSION"); c != nil {
		holder = c
	}
	if m := holder.kid("PROJECTION", "METHOD"); m != nil {
		method = normKey(m.name())
	}
	for _, k := range holder.kids {
		if k.key == "PARAMETER" {
			if f, ok := k.num(1); ok {
				params[paramAlias(normKey(k.name()))] = f
			}
		}
	}
	return method, params
}

// paramAlias maps the WKT 1, ESRI and WKT 2 names of a parameter to one.
func paramAlias(k string) string {
	switch k {
	case "latitudeof1ststandardparallel", "standardparallel1":
		return "sp1"
	case "latitudeof2ndstandardparallel", "standardparallel2":
		return "sp2"
	case "latitudeoforigin", "latitudeoffalseorigin", "latitudeofnaturalorigin", "latitudeofcenter", "latitudeofprojectioncentre", "latitudeofcentre":
		return "lat0"
	case "centralmeridian", "longitudeoffalseorigin", "longitudeofnaturalorigin", "longitudeofcenter", "longitudeoforigin", "longitudeofprojectioncentre", "longitudeofcentre":
		return "lon0"
	case "falseeasting", "eastingatfalseorigin", "eastingatprojectioncentre":
		return "x0"
	case "falsenorthing", "northingatfalseorigin", "northingatprojectioncentre":
		return "y0"
	case "scalefactor", "scalefactoratnaturalorigin", "scalefactoronprojectioncentre":
		return "k0"
	}
	return k
}

// known projected CRS by their parameters.
type projDef struct {
	srid                      int
	method                    string // lcc, tm, laea, webmerc
	sp1, sp2, lat0, lon0      float64
	x0, y0, k0                float64
	requiresDatum, anyEllipse bool
}

var projDefs = func() []projDef {
	d := []projDef{
		{srid: 2154, method: "lcc", sp1: 49, sp2: 44, lat0: 46.5, lon0: 3, x0: 700000, y0: 6600000, k0: 1},
		{srid: 3035, method: "laea", lat0: 52, lon0: 10, x0: 4321000, y0: 3210000, k0: 1},
		{srid: 5490, method: "tm", lon0: -63, x0: 500000, k0: 0.9996},
		{srid: 2972, method: "tm", lon0: -51, x0: 500000, k0: 0.9996},
		{srid: 2975, method: "tm", lon0: 57, x0: 500000, y0: 10000000, k0: 0.9996},
		{srid: 4471, method: "tm", lon0: 45, x0: 500000, y0: 10000000, k0: 0.9996},
		{srid: 3857, method: "webmerc", x0: 0, y0: 0, k0: 1, anyEllipse: true},
	}
	for z := 42; z <= 50; z++ {
		l := float64(z)
		d = append(d, projDef{srid: 3900 + z, method: "lcc", sp1: l - 0.75, sp2: l + 0.75, lat0: l, lon0: 3,
			x0: 1700000, y0: float64(z-41)*1000000 + 200000, k0: 1})
	}
	return d
}()

func methodKind(m string, params map[string]float64) string {
	switch {
	case strings.Contains(m, "auxiliarysphere") || strings.Contains(m, "pseudomercator") || strings.Contains(m, "popularvisualisation"):
		return "webmerc"
	case strings.HasPrefix(m, "lambertconformalconic") || strings.HasPrefix(m, "lambertconicconformal"):
		if strings.HasSuffix(m, "1sp") {
			return "lcc1"
		}
		return "lcc"
	case m == "transversemercator" || m == "gausskruger" || m == "utm":
		return "tm"
	case strings.HasPrefix(m, "lambertazimuthalequalarea"):
		return "laea"
	}
	return m
}

func near(a, b, tol float64) bool { return math.Abs(a-b) <= tol }

func projectedSRID(n *wktNode) int {
	method, p := projParams(n)
	kind := methodKind(method, p)
	// Linear unit: metres only.
	if u := n.kid("UNIT", "LENGTHUNIT"); u != nil {
		if f, ok := u.num(1); ok && f != 1 {
			return 0
		}
	}
	if _, ok := p["k0"]; !ok {
		p["k0"] = 1
	}
	if kind == "webmerc" {
		return 3857
	}
	if !ellipsoidOK(n) {
		return 0
	}
	for _, d := range projDefs {
		if d.method != kind {
			continue
		}
		if !near(p["lon0"], d.lon0, 1e-9) || !near(p["x0"], d.x0, 1e-3) || !near(p["y0"], d.y0, 1e-3) || !near(p["k0"], d.k0, 1e-9) {
			continue
		}
		switch kind {
		case "lcc":
			s1, s2 := p["sp1"], p["sp2"]
			if !(near(s1, d.sp1, 1e-9) && near(s2, d.sp2, 1e-9) || near(s1, d.sp2, 1e-9) && near(s2, d.sp1, 1e-9)) || !near(p["lat0"], d.lat0, 1e-9) {
				continue
			}
		case "laea":
			if !near(p["lat0"], d.lat0, 1e-9) {
				continue
			}
		case "tm":
			if !near(p["lat0"], 0, 1e-9) {
				continue
			}
		}
		return d.srid
	}
	return 0
}

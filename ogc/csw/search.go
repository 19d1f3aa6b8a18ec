package csw

import (
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/socle-geo/socle/ogc/iso19139"
)

// Result is one page of a search.
type Result struct {
	// Matched is the number of records the query selects.
	Matched int
	// Records are the records of the page, in order.
	Records []iso19139.Record
	// NextRecord is the position of the first record after the page, 0
	// when none follows. An empty page (resultType hits, maxRecords 0)
	// is followed by the record at StartPosition, if there is one.
	NextRecord int
}

// Search runs a GetRecords query over records: it keeps those its filter
// selects, sorts them by the query's sort keys and then by file
// identifier (so that pages neither repeat nor skip a record), and cuts
// the page at StartPosition, MaxRecords records long. For resultType hits
// the page is empty and only Matched counts. Records are not modified.
func Search(g *GetRecords, records []iso19139.Record) Result {
	match := compile(g.Query.Filter)
	var hits []*entry
	for i := range records {
		e := newEntry(&records[i])
		if match(e) {
			hits = append(hits, e)
		}
	}
	sortEntries(hits, g.Query.SortBy)
	res := Result{Matched: len(hits)}
	start := g.StartPosition
	if start < 1 {
		start = 1
	}
	n := g.MaxRecords
	if g.ResultType == Hits || g.ResultType == Validate {
		n = 0
	}
	from := start - 1
	if from < len(hits) {
		to := min(from+n, len(hits))
		for _, e := range hits[from:to] {
			res.Records = append(res.Records, *e.rec)
		}
		if to < len(hits) {
			res.NextRecord = to + 1
		}
	}
	return res
}

// Lookup returns the records of the given file identifiers, in the order
// asked, each once; unknown identifiers are skipped (CSW 2.0.2 answers
// them with an empty response, not an exception).
func Lookup(ids []string, records []iso19139.Record) []iso19139.Record {
	var out []iso19139.Record
	seen := map[string]bool{}
	for _, id := range ids {
		if seen[id] {
			continue
		}
		seen[id] = true
		for _, r := range records {
			if r.FileIdentifier == id {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

// entry is a record with the values of its queryables.
type entry struct {
	rec  *iso19139.Record
	bbox *rect
}

func newEntry(r *iso19139.Record) *entry {
	e := &entry{rec: r}
	if b := r.BBox; b != nil {
		e.bbox = &rect{b.West, b.South, b.East, b.North}
	}
	return e
}

// texts are the text values of a queryable.
func (e *entry) texts(q Queryable) []string {
	r := e.rec
	var out []string
	add := func(ss ...string) {
		for _, s := range ss {
			if s != "" {
				out = append(out, s)
			}
		}
	}
	switch q {
	case AnyText:
		for _, qq := range []Queryable{Identifier, Title, AlternateTitle, Abstract, Subject, Type, OrganisationName, Format, Rights, Lineage, ServiceType, CRS} {
			add(e.texts(qq)...)
		}
	case Title:
		add(r.Title)
	case AlternateTitle:
		add(r.AlternateTitle)
	case Abstract:
		add(r.Abstract)
	case Subject:
		for _, ks := range r.Keywords {
			for _, k := range ks.Keywords {
				add(k.Text)
			}
		}
		add(r.TopicCategories...)
	case TopicCategory:
		add(r.TopicCategories...)
	case Type:
		add(string(r.HierarchyLevel))
	case Identifier:
		add(r.FileIdentifier)
		for _, i := range r.Identifiers {
			add(i.Code)
		}
	case OrganisationName:
		for _, p := range r.ResponsibleParties {
			add(p.Organisation)
		}
	case Creator, Publisher, Contributor:
		for _, p := range r.ResponsibleParties {
			if dcRole(p.Role) == q {
				add(p.Organisation)
			}
		}
	case Format:
		for _, f := range r.Formats {
			add(f.Name)
		}
	case Language:
		add(r.Language)
	case ResourceLanguage:
		add(r.ResourceLanguages...)
	case Rights:
		for _, a := range append(append([]iso19139.Anchor(nil), r.UseConstraints...), r.AccessConstraints...) {
			add(a.Text)
		}
	case Relation:
		if r.Service != nil {
			for _, o := range r.Service.OperatesOn {
				if o.UUIDRef != "" {
					add(o.UUIDRef)
				} else {
					add(o.Href)
				}
			}
		}
	case ServiceType:
		if r.IsService() && r.Service != nil {
			add(r.Service.Type)
		}
	case CRS:
		add(r.CRS...)
	case Lineage:
		add(r.Lineage)
	}
	return out
}

// dcRole maps a CI_RoleCode to the Dublin Core element of the party.
func dcRole(role string) Queryable {
	switch role {
	case "originator", "author", "owner", "principalInvestigator":
		return Creator
	case "publisher", "distributor", "resourceProvider":
		return Publisher
	}
	return Contributor
}

// dates are the date values of a queryable.
func (e *entry) dates(q Queryable) []time.Time {
	r := e.rec
	var out []time.Time
	typed := func(t iso19139.DateType) {
		for _, d := range r.Dates {
			if d.Type == t {
				out = append(out, d.Date)
			}
		}
	}
	switch q {
	case Modified:
		if !r.DateStamp.IsZero() {
			out = append(out, r.DateStamp)
		}
	case Date:
		if d, ok := resourceDate(*r); ok {
			out = append(out, d)
		}
	case CreationDate:
		typed(iso19139.DateCreation)
	case PublicationDate:
		typed(iso19139.DatePublication)
	case RevisionDate:
		typed(iso19139.DateRevision)
	case TempExtentBegin:
		if t := r.TemporalExtent; t != nil && !t.Begin.IsZero() {
			out = append(out, t.Begin)
		}
	case TempExtentEnd:
		if t := r.TemporalExtent; t != nil && !t.End.IsZero() {
			out = append(out, t.End)
		}
	}
	return out
}

// resourceDate is the date of the resource Dublin Core gives: its last
// revision, else its publication, else its creation.
func resourceDate(r iso19139.Record) (time.Time, bool) {
	for _, t := range []iso19139.DateType{iso19139.DateRevision, iso19139.DatePublication, iso19139.DateCreation} {
		for _, d := range r.Dates {
			if d.Type == t && !d.Date.IsZero() {
				return d.Date, true
			}
		}
	}
	return time.Time{}, false
}

// formatDate writes a date as a day when it has no time of day.
func formatDate(t time.Time) string {
	h, m, s := t.Clock()
	if h == 0 && m == 0 && s == 0 && t.Nanosecond() == 0 {
		return t.Format(time.DateOnly)
	}
	return t.Format(time.RFC3339)
}

// values are the values of a queryable as text, dates formatted.
func (e *entry) values(q Queryable) []string {
	if !q.isDate() {
		return e.texts(q)
	}
	var out []string
	for _, d := range e.dates(q) {
		out = append(out, formatDate(d))
	}
	return out
}

type matcher func(*entry) bool

// compile turns a filter into a function of a record.
func compile(f Filter) matcher {
	switch f := f.(type) {
	case nil:
		return func(*entry) bool { return true }
	case And:
		ms := compileAll(f.Operands)
		return func(e *entry) bool {
			for _, m := range ms {
				if !m(e) {
					return false
				}
			}
			return true
		}
	case Or:
		ms := compileAll(f.Operands)
		return func(e *entry) bool {
			for _, m := range ms {
				if m(e) {
					return true
				}
			}
			return false
		}
	case Not:
		m := compile(f.Operand)
		return func(e *entry) bool { return !m(e) }
	case Comparison:
		return compileComparison(f)
	case Like:
		re := likeRegexp(f)
		return func(e *entry) bool {
			for _, v := range e.values(f.Property) {
				if re.MatchString(applyFunc(f.Func, v)) {
					return true
				}
			}
			return false
		}
	case Between:
		return func(e *entry) bool {
			// One value within both bounds.
			for _, v := range e.values(f.Property) {
				if cmpValue(f.Property, v, f.Lower, true) >= 0 && cmpValue(f.Property, v, f.Upper, true) <= 0 {
					return true
				}
			}
			return false
		}
	case IsNull:
		return func(e *entry) bool {
			if f.Property.IsSpatial() {
				return e.bbox == nil
			}
			return len(e.values(f.Property)) == 0
		}
	case SpatialFilter:
		return func(e *entry) bool {
			if e.bbox == nil {
				return false
			}
			r := *e.bbox
			switch f.Op {
			case BBOX, Intersects:
				return intersects(r, f.Geometry)
			case Disjoint:
				return !intersects(r, f.Geometry)
			case Within:
				return within(r, f.Geometry)
			case Contains:
				return containsGeometry(r, f.Geometry)
			case Equals:
				return equalsGeometry(r, f.Geometry)
			}
			return false
		}
	}
	return func(*entry) bool { return false }
}

func compileAll(fs []Filter) []matcher {
	ms := make([]matcher, len(fs))
	for i, f := range fs {
		ms[i] = compile(f)
	}
	return ms
}

func applyFunc(fn, v string) string {
	switch fn {
	case "upper":
		return strings.ToUpper(v)
	case "lower":
		return strings.ToLower(v)
	}
	return v
}

// cmpValue compares a value of q with a literal: as dates for a date
// queryable (a literal day against the value's day), as text otherwise.
// The result is -1, 0 or +1.
func cmpValue(q Queryable, v, lit string, matchCase bool) int {
	if q.isDate() {
		if lt, ok := parseTime(lit); ok {
			if vt, ok := parseTime(v); ok {
				if len(strings.TrimSpace(lit)) == len(time.DateOnly) {
					return strings.Compare(vt.Format(time.DateOnly), lt.Format(time.DateOnly))
				}
				return vt.Compare(lt)
			}
		}
	}
	if !matchCase {
		v, lit = strings.ToLower(v), strings.ToLower(lit)
	}
	return strings.Compare(v, lit)
}

var timeLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02T15:04", time.DateOnly, "2006-01", "2006"}

func parseTime(s string) (time.Time, bool) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func compileComparison(c Comparison) matcher {
	holds := func(cmp int) bool {
		switch c.Op {
		case EqualTo:
			return cmp == 0
		case LessThan:
			return cmp < 0
		case GreaterThan:
			return cmp > 0
		case LessThanOrEqualTo:
			return cmp <= 0
		case GreaterThanOrEqualTo:
			return cmp >= 0
		}
		return false
	}
	if c.Property == AnyText && (c.Op == EqualTo || c.Op == NotEqualTo) {
		// A full-text search: "AnyText = 'x'" asks for records holding
		// x, in any case.
		lit := strings.ToLower(c.Literal)
		return func(e *entry) bool {
			found := false
			for _, v := range e.texts(AnyText) {
				if strings.Contains(strings.ToLower(v), lit) {
					found = true
					break
				}
			}
			return found == (c.Op == EqualTo)
		}
	}
	return func(e *entry) bool {
		vs := e.values(c.Property)
		if c.Op == NotEqualTo {
			if len(vs) == 0 {
				return false
			}
			for _, v := range vs {
				if cmpValue(c.Property, applyFunc(c.Func, v), c.Literal, c.MatchCase) == 0 {
					return false
				}
			}
			return true
		}
		for _, v := range vs {
			if holds(cmpValue(c.Property, applyFunc(c.Func, v), c.Literal, c.MatchCase)) {
				return true
			}
		}
		return false
	}
}

// likeRegexp translates a Like pattern to an anchored regular expression.
func likeRegexp(l Like) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?s)")
	if !l.MatchCase {
		b.WriteString("(?i)")
	}
	b.WriteString("^")
	escaped := false
	for _, r := range l.Pattern {
		switch {
		case escaped:
			b.WriteString(regexp.QuoteMeta(string(r)))
			escaped = false
		case l.Escape != 0 && r == l.Escape:
			escaped = true
		case r == l.Wildcard:
			b.WriteString(".*")
		case r == l.SingleChar:
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	if escaped {
		b.WriteString(regexp.QuoteMeta(string(l.Escape)))
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// sortEntries sorts by the keys, then by file identifier; records without
// a value for a key come last.
func sortEntries(es []*entry, keys []SortKey) {
	type keyed struct {
		e    *entry
		vals []sortValue
	}
	ks := make([]keyed, len(es))
	for i, e := range es {
		ks[i] = keyed{e: e}
		for _, k := range keys {
			ks[i].vals = append(ks[i].vals, sortValueOf(e, k.Property))
		}
	}
	sort.SliceStable(ks, func(i, j int) bool {
		for n, k := range keys {
			a, b := ks[i].vals[n], ks[j].vals[n]
			if a.missing != b.missing {
				return b.missing
			}
			if a.missing {
				continue
			}
			c := a.compare(b)
			if k.Descending {
				c = -c
			}
			if c != 0 {
				return c < 0
			}
		}
		return ks[i].e.rec.FileIdentifier < ks[j].e.rec.FileIdentifier
	})
	for i := range ks {
		es[i] = ks[i].e
	}
}

type sortValue struct {
	missing bool
	text    string
	num     float64
	isNum   bool
	when    time.Time
	isTime  bool
}

func (a sortValue) compare(b sortValue) int {
	switch {
	case a.isTime:
		return a.when.Compare(b.when)
	case a.isNum:
		switch {
		case a.num < b.num:
			return -1
		case a.num > b.num:
			return 1
		}
		return 0
	}
	return strings.Compare(a.text, b.text)
}

// sortValueOf is the first value of a queryable; a bounding box sorts by
// its area.
func sortValueOf(e *entry, q Queryable) sortValue {
	switch {
	case q.IsSpatial():
		if e.bbox == nil {
			return sortValue{missing: true}
		}
		b := *e.bbox
		return sortValue{num: math.Abs((b.maxx - b.minx) * (b.maxy - b.miny)), isNum: true}
	case q.isDate():
		ds := e.dates(q)
		if len(ds) == 0 {
			return sortValue{missing: true}
		}
		return sortValue{when: ds[0], isTime: true}
	}
	vs := e.texts(q)
	if len(vs) == 0 {
		return sortValue{missing: true}
	}
	return sortValue{text: strings.ToLower(vs[0])}
}

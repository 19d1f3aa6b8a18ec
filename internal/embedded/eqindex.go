package embedded

import (
	"slices"
	"sort"
	"sync"

	"github.com/socle-geo/socle/ogc/cql2"
)

// equalIndex orders the features of one text or integer column by value,
// so that `?commune_insee=31003` or the CQL2 `commune_insee = '31003'`
// reads the few thousand features of a commune, not the whole collection.
// It holds positions in the snapshot's id-ordered features (4 bytes a
// feature, whatever the column's cardinality), sorted by value then
// position. Each snapshot builds its indexes on first use: a write makes a
// new snapshot, hence new indexes.
type equalIndex struct {
	once  sync.Once
	order []int32
}

// indexable reports whether a column's values can be looked up in an
// equalIndex: text and integers, ordered as they compare for equality.
func indexable(k kind) bool { return k == kText || k == kInt }

// equal returns the features whose column col equals v, in id order, in a
// new slice (the caller's to overwrite).
func (l *layer) equal(col int, v any) []*feature {
	ix := &l.eq[col]
	k := l.t.cols[col].kind
	ix.once.Do(func() {
		ix.order = make([]int32, 0, len(l.feats))
		for i, f := range l.feats {
			if !f.isNull(col) {
				ix.order = append(ix.order, int32(i))
			}
		}
		slices.SortStableFunc(ix.order, func(a, b int32) int {
			return compareVals(k, col, l.feats[a], l.feats[b])
		})
	})
	cmp := func(i int) int { return l.feats[ix.order[i]].compareVal(k, col, v) }
	lo := sort.Search(len(ix.order), func(i int) bool { return cmp(i) >= 0 })
	hi := lo + sort.Search(len(ix.order)-lo, func(i int) bool { return cmp(lo+i) > 0 })
	out := make([]*feature, hi-lo)
	for i := range out {
		out[i] = l.feats[ix.order[lo+i]]
	}
	return out
}

// equalHints collects the conditions `property = literal` that a CQL2
// filter requires (at its top level or under AND): a feature that matches
// the filter has those values, so the index may give the candidates.
// covered is true when the filter is nothing but those conditions: then
// they are the whole test (text equality is by bytes in both stores).
func (t *table) equalHints(e cql2.Expr) (hints []equalsCond, covered bool) {
	switch e := e.(type) {
	case cql2.And:
		covered = true
		for _, a := range e.Args {
			h, c := t.equalHints(a)
			hints = append(hints, h...)
			covered = covered && c
		}
		return hints, covered
	case cql2.Comparison:
		if e.Op != cql2.Eq {
			return nil, false
		}
		p, ok := e.Left.(cql2.Property)
		lit := e.Right
		if !ok {
			p, ok = e.Right.(cql2.Property)
			lit = e.Left
		}
		if !ok {
			return nil, false
		}
		i, ok := t.byName[p.Name]
		if !ok {
			return nil, false
		}
		switch k := t.cols[i].kind; x := lit.(type) {
		case cql2.String:
			if k == kText {
				return []equalsCond{{col: i, kind: k, val: x.Value}}, true
			}
		case cql2.Number:
			if k == kInt && x.IsInt {
				return []equalsCond{{col: i, kind: k, val: x.Int}}, true
			}
		}
	}
	return nil, false
}

// candidates returns the features an equality index gives for the
// predicate's conditions (the smallest such set), and whether there was
// one. exact is true when they are the answer: one equality and nothing
// else to test.
func (p *predicate) candidates(l *layer) (fs []*feature, found, exact bool) {
	for _, conds := range [][]equalsCond{p.equals, p.hints} {
		for _, e := range conds {
			if !indexable(e.kind) {
				continue
			}
			if e.val == nil { // NULL equals nothing
				return nil, true, true
			}
			if x := l.equal(e.col, e.val); !found || len(x) < len(fs) {
				fs, found = x, true
			}
		}
	}
	exact = found && len(p.equals) == 1 && p.filter == nil && p.box == nil && p.dtCol < 0
	return fs, found, exact
}

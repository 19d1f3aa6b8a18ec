package cql2

import "time"

// bound is an instant or an open end of an interval: inf is -1 for the
// open start and +1 for the open end.
type bound struct {
	t   time.Time
	inf int8
}

func (a bound) cmp(b bound) int {
	if a.inf != 0 || b.inf != 0 {
		return cmpInt(int64(a.inf), int64(b.inf))
	}
	return a.t.Compare(b.t)
}

// period is the value of an interval: closed at both ends (CQL2 clause
// 7.8.1), possibly unbounded.
type period struct {
	start, end bound
}

func (ev Evaluator) interval(e Interval, f Feature) (any, error) {
	var p period
	for i, x := range [2]Expr{e.Start, e.End} {
		b := &p.start
		if i == 1 {
			b = &p.end
		}
		if x == nil {
			b.inf = int8(2*i - 1)
			continue
		}
		v, err := ev.value(x, f)
		if err != nil || v == nil {
			return nil, err // a null bound makes the interval null
		}
		t, ok := v.(time.Time)
		if !ok {
			return nil, evalErrorf("interval bound %s is %s", describe(x), typeName(v))
		}
		b.t = t
	}
	if p.start.cmp(p.end) > 0 {
		return nil, evalErrorf("interval starts after it ends")
	}
	return p, nil
}

// temporal evaluates a temporal predicate after the definitions of the
// W3C/OGC Time Ontology in OWL that CQL2 clause 7.8.2 refers to, an instant
// being an interval whose start and end coincide.
func (ev Evaluator) temporal(e Temporal, f Feature) (tri, error) {
	var ps [2]period
	for i, x := range [2]Expr{e.Left, e.Right} {
		v, err := ev.value(x, f)
		if err != nil || v == nil {
			return tNull, err
		}
		switch v := v.(type) {
		case time.Time:
			if e.Op.intervalOnly() {
				return tFalse, evalErrorf("%s applies to intervals, not instants", string(e.Op))
			}
			ps[i] = period{bound{t: v}, bound{t: v}}
		case period:
			ps[i] = v
		default:
			return tFalse, evalErrorf("%s of %s", string(e.Op), typeName(v))
		}
	}
	a, b := ps[0], ps[1]
	ss, ee := a.start.cmp(b.start), a.end.cmp(b.end)
	se, es := a.start.cmp(b.end), a.end.cmp(b.start)
	var r bool
	switch e.Op {
	case TBefore:
		r = es < 0
	case TAfter:
		r = se > 0
	case TDisjoint:
		r = es < 0 || se > 0
	case TIntersects:
		r = es >= 0 && se <= 0
	case TEquals:
		r = ss == 0 && ee == 0
	case TMeets:
		r = es == 0
	case TMetBy:
		r = se == 0
	case TOverlaps:
		r = ss < 0 && es > 0 && ee < 0
	case TOverlappedBy:
		r = ss > 0 && se < 0 && ee > 0
	case TStarts:
		r = ss == 0 && ee < 0
	case TStartedBy:
		r = ss == 0 && ee > 0
	case TDuring:
		r = ss > 0 && ee < 0
	case TContains:
		r = ss < 0 && ee > 0
	case TFinishes:
		r = ss > 0 && ee == 0
	case TFinishedBy:
		r = ss < 0 && ee == 0
	default:
		return tFalse, evalErrorf("unknown temporal function %q", string(e.Op))
	}
	return triOf(r), nil
}

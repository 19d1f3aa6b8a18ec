package geomrel

import (
	"fmt"

	"github.com/paulmach/orb"
)

// Dim is the dimension of one intersection in a DE-9IM matrix.
type Dim int8

// Dimensions of an intersection: DimF for the empty set.
const (
	DimF Dim = -1
	Dim0 Dim = 0
	Dim1 Dim = 1
	Dim2 Dim = 2
)

// Matrix is a DE-9IM intersection matrix: entry 3*i+j is the dimension of
// the intersection of part i of the first geometry with part j of the
// second, parts being numbered 0 interior, 1 boundary, 2 exterior.
type Matrix [9]Dim

// String returns the matrix in the usual nine-character form, e.g.
// "212101212".
func (m Matrix) String() string {
	b := make([]byte, 9)
	for i, d := range m {
		if d == DimF {
			b[i] = 'F'
		} else {
			b[i] = byte('0' + d)
		}
	}
	return string(b)
}

// Matches reports whether m matches a nine-character pattern of 'T' (any
// non-empty intersection), 'F', '*', '0', '1' and '2'. It panics on a
// malformed pattern, which is a programming error.
func (m Matrix) Matches(pattern string) bool {
	if len(pattern) != 9 {
		panic(fmt.Sprintf("geomrel: malformed DE-9IM pattern %q", pattern))
	}
	for i := range 9 {
		d := m[i]
		switch c := pattern[i]; c {
		case '*':
		case 'T', 't':
			if d == DimF {
				return false
			}
		case 'F', 'f':
			if d != DimF {
				return false
			}
		case '0', '1', '2':
			if d != Dim(c-'0') {
				return false
			}
		default:
			panic(fmt.Sprintf("geomrel: malformed DE-9IM pattern %q", pattern))
		}
	}
	return true
}

// Relate returns the DE-9IM matrix of a and b.
func Relate(a, b orb.Geometry) (Matrix, error) {
	m, _, _, err := relate(a, b)
	return m, err
}

// Intersects reports whether a and b have at least one point in common.
func Intersects(a, b orb.Geometry) (bool, error) {
	m, _, _, err := relate(a, b)
	return err == nil && !m.Matches("FF*FF****"), err
}

// Disjoint reports whether a and b have no point in common.
func Disjoint(a, b orb.Geometry) (bool, error) {
	m, _, _, err := relate(a, b)
	return err == nil && m.Matches("FF*FF****"), err
}

// Equals reports whether a and b are topologically equal. Two empty
// geometries are equal.
func Equals(a, b orb.Geometry) (bool, error) {
	m, da, db, err := relate(a, b)
	if err != nil {
		return false, err
	}
	if da < 0 && db < 0 {
		return true, nil
	}
	return m.Matches("T*F**FFF*"), nil
}

// Touches reports whether a and b meet only at their boundaries. It is
// false for two puntal geometries.
func Touches(a, b orb.Geometry) (bool, error) {
	m, da, db, err := relate(a, b)
	if err != nil || (da == 0 && db == 0) {
		return false, err
	}
	return m.Matches("FT*******") || m.Matches("F**T*****") || m.Matches("F***T****"), nil
}

// Within reports whether a lies inside b.
func Within(a, b orb.Geometry) (bool, error) {
	m, _, _, err := relate(a, b)
	return err == nil && m.Matches("T*F**F***"), err
}

// Contains reports whether b lies inside a.
func Contains(a, b orb.Geometry) (bool, error) {
	m, _, _, err := relate(a, b)
	return err == nil && m.Matches("T*****FF*"), err
}

// Overlaps reports whether a and b have the same dimension, share some
// interior points and each has interior points outside the other.
func Overlaps(a, b orb.Geometry) (bool, error) {
	m, da, db, err := relate(a, b)
	if err != nil || da != db || da < 0 {
		return false, err
	}
	if da == 1 {
		return m.Matches("1*T***T**"), nil
	}
	return m.Matches("T*T***T**"), nil
}

// Crosses reports whether the interiors of a and b meet in a geometry of
// lower dimension than the larger of the two and each has interior points
// outside the other, as defined for point/line, point/area, line/line and
// line/area pairs.
func Crosses(a, b orb.Geometry) (bool, error) {
	m, da, db, err := relate(a, b)
	if err != nil || da < 0 || db < 0 {
		return false, err
	}
	switch {
	case da < db:
		return m.Matches("T*T******"), nil
	case da > db:
		return m.Matches("T*****T**"), nil
	case da == 1:
		return m.Matches("0********"), nil
	}
	return false, nil
}

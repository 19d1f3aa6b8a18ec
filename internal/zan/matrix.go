package zan

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
)

//go:embed nomenclature/*.csv
var nomenclatureFS embed.FS

// matrixOrigin says where the embedded matrix comes from (see
// nomenclature/SOURCES.md); Version appends the file's checksum.
const matrixOrigin = "OCS GE couverture × usage (MTES-MCT/sparte CouvertureUsageMatrix, parent of 73dfda2c)"

// Matrix is the OCS GE cover × use matrix that decides whether a land-cover
// parcel is artificialised, with the two nomenclatures it refers to.
// A Matrix is read-only once built and safe for concurrent use.
type Matrix struct {
	cells   map[[2]string]bool // (code_cs, code_us) → artificialised
	cover   map[string]string  // cover code → its parent ("" at level 1)
	use     map[string]string  // use code → its parent
	version string
}

// UnknownCodeError is a cover or use code that is in neither nomenclature.
type UnknownCodeError struct {
	Kind string // "cover" (code_cs) or "use" (code_us)
	Code string
}

func (e *UnknownCodeError) Error() string {
	return fmt.Sprintf("zan: unknown OCS GE %s code %q", e.Kind, e.Code)
}

var defaultMatrix = sync.OnceValue(func() *Matrix {
	open := func(name string) []byte {
		b, err := nomenclatureFS.ReadFile("nomenclature/" + name)
		if err != nil {
			panic(err) // SAFETY: embedded at build time; a missing file is a build defect
		}
		return b
	}
	mx := open("ocsge-matrice-artificialisation.csv")
	sum := sha256.Sum256(mx)
	m, err := ParseMatrix(bytes.NewReader(mx), bytes.NewReader(open("ocsge-nomenclature-couverture.csv")),
		bytes.NewReader(open("ocsge-nomenclature-usage.csv")), matrixOrigin+", sha256:"+hex.EncodeToString(sum[:6]))
	if err != nil {
		panic(err) // SAFETY: the embedded files are checked by the package tests
	}
	return m
})

// DefaultMatrix is the official matrix embedded in the binary.
func DefaultMatrix() *Matrix { return defaultMatrix() }

// Artificialised tells, with the official matrix, whether a parcel of cover
// codeCS and use codeUS is artificialised.
func Artificialised(codeCS, codeUS string) (bool, error) {
	return DefaultMatrix().Artificialised(codeCS, codeUS)
}

// ParseMatrix reads a matrix (CSV code_cs,code_us,artificialise[,…]) and the
// cover and use nomenclatures (CSV code,parent,…), each with a header line.
// version names it in metadata lineage.
func ParseMatrix(matrix, cover, use io.Reader, version string) (*Matrix, error) {
	m := &Matrix{cells: map[[2]string]bool{}, version: version}
	var err error
	if m.cover, err = readNomenclature(cover, "cover"); err != nil {
		return nil, err
	}
	if m.use, err = readNomenclature(use, "use"); err != nil {
		return nil, err
	}
	r := csv.NewReader(matrix)
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("zan: matrix: %w", err)
	}
	col := columns(header)
	ics, ius, iart := col["code_cs"], col["code_us"], col["artificialise"]
	if ics < 0 || ius < 0 || iart < 0 {
		return nil, fmt.Errorf("zan: matrix: header needs code_cs, code_us and artificialise, got %q", header)
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("zan: matrix: %w", err)
		}
		line, _ := r.FieldPos(0)
		if len(rec) <= max(ics, ius, iart) {
			return nil, fmt.Errorf("zan: matrix: line %d: %d fields", line, len(rec))
		}
		cs, us := normCode(rec[ics]), normCode(rec[ius])
		if _, ok := m.cover[cs]; !ok && cs != "" {
			return nil, fmt.Errorf("zan: matrix: line %d: %w", line, &UnknownCodeError{"cover", cs})
		}
		if _, ok := m.use[us]; !ok && us != "" {
			return nil, fmt.Errorf("zan: matrix: line %d: %w", line, &UnknownCodeError{"use", us})
		}
		var art bool
		switch strings.ToLower(strings.TrimSpace(rec[iart])) {
		case "true", "t", "1", "oui":
			art = true
		case "false", "f", "0", "non":
		default:
			return nil, fmt.Errorf("zan: matrix: line %d: artificialise %q is not a boolean", line, rec[iart])
		}
		m.cells[[2]string{cs, us}] = art
	}
	if len(m.cells) == 0 {
		return nil, fmt.Errorf("zan: matrix: no rows")
	}
	return m, nil
}

func readNomenclature(r io.Reader, kind string) (map[string]string, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("zan: %s nomenclature: %w", kind, err)
	}
	col := columns(header)
	icode, iparent := col["code"], col["parent"]
	if icode < 0 || iparent < 0 {
		return nil, fmt.Errorf("zan: %s nomenclature: header needs code and parent, got %q", kind, header)
	}
	out := map[string]string{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("zan: %s nomenclature: %w", kind, err)
		}
		if len(rec) <= max(icode, iparent) {
			line, _ := cr.FieldPos(0)
			return nil, fmt.Errorf("zan: %s nomenclature: line %d: %d fields", kind, line, len(rec))
		}
		out[normCode(rec[icode])] = normCode(rec[iparent])
	}
	for code, parent := range out {
		if _, ok := out[parent]; parent != "" && !ok {
			return nil, fmt.Errorf("zan: %s nomenclature: %s has unknown parent %s", kind, code, parent)
		}
	}
	return out, nil
}

func columns(header []string) map[string]int {
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	for _, k := range []string{"code_cs", "code_us", "artificialise", "code", "parent"} {
		if _, ok := col[k]; !ok {
			col[k] = -1
		}
	}
	return col
}

// normCode is a code as the nomenclatures write it: trimmed, upper case.
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// Version names the matrix for metadata lineage: its origin and checksum.
func (m *Matrix) Version() string { return m.version }

// Artificialised tells whether a parcel of cover codeCS and use codeUS is
// artificialised. Codes are compared trimmed and case-insensitively; an
// empty code is "unknown", as in the matrix. A pair the matrix has no row
// for is looked up through the codes' parents in the nomenclatures (the
// matrix gives CS2.2.1 for all of CS2.2.1.1 … CS2.2.1.5), cover first.
func (m *Matrix) Artificialised(codeCS, codeUS string) (bool, error) {
	cs, us := normCode(codeCS), normCode(codeUS)
	if _, ok := m.cover[cs]; !ok && cs != "" {
		return false, &UnknownCodeError{"cover", cs}
	}
	if _, ok := m.use[us]; !ok && us != "" {
		return false, &UnknownCodeError{"use", us}
	}
	for c := cs; ; c = m.cover[c] {
		for u := us; ; u = m.use[u] {
			if art, ok := m.cells[[2]string{c, u}]; ok {
				return art, nil
			}
			if u == "" {
				break
			}
		}
		if c == "" {
			break
		}
	}
	return false, fmt.Errorf("zan: the matrix has no row for cover %q and use %q nor for their parents", cs, us)
}

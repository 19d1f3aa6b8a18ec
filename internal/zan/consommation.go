package zan

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/socle-geo/socle/internal/socle"
)

// The Cerema file "consommation d'espaces naturels, agricoles et
// forestiers" (from the DGFiP fichiers fonciers, published on the portail
// de l'artificialisation): one row per commune, its INSEE code in idcom
// (idcomtxt its name), then for each year a column nafAAartBB (BB = AA + 1)
// holding the NAF land consumed from 1 January 20AA to 1 January 20BB, in
// square metres, followed by its split by destination (artAAactBB,
// artAAhabBB, …) and multi-year totals (naf11art21, naf09art22, …) that
// this reader leaves aside. So the 2011–2021 reference of the Climate and
// Resilience law (1 January 2011 → 1 January 2021) is naf11art12 + … +
// naf20art21, ten columns. Sources: the portal's data pages ("données 1er
// janvier 2009 – 1er janvier 2023"), and the public code that reads the
// file: MTES-MCT/sparte (Cerema.calculate_fields sums naf11art12 …
// naf20art21 into naf11art21 and divides by 10,000 for hectares).

// ConsommationRow is one commune's row of the Cerema file.
type ConsommationRow struct {
	Line  int // in the file, from 1 (the header)
	INSEE string
	Name  string // idcomtxt, when the file has it
	// M2 is the NAF land consumed per year, in m²: M2[2011] is the column
	// naf11art12 (1 January 2011 → 1 January 2012). An empty cell leaves
	// its year out.
	M2 map[int]float64
}

// Consommation is a Cerema file as read.
type Consommation struct {
	Rows      []ConsommationRow // the good rows, in file order
	Years     []int             // the yearly columns found, by first year
	Separator rune
	Encoding  string      // "UTF-8" or "Windows-1252"
	Rejects   []*RowError // the bad rows, with why
}

// RowError is a row of a Cerema file kept out, with where and why: Column
// (from 1) and Header name the bad cell, or are zero and empty when the
// whole row is at fault.
type RowError struct {
	Line   int
	Column int
	Header string
	Value  string
	Reason string
}

func (e *RowError) Error() string {
	if e.Column > 0 {
		return fmt.Sprintf("zan: consommation: line %d, column %d (%s): %q %s", e.Line, e.Column, e.Header, e.Value, e.Reason)
	}
	return fmt.Sprintf("zan: consommation: line %d: %s", e.Line, e.Reason)
}

// Err joins the rejects, nil when there are none: for a caller that takes
// the file whole or not at all.
func (c *Consommation) Err() error {
	errs := make([]error, len(c.Rejects))
	for i, r := range c.Rejects {
		errs[i] = r
	}
	return errors.Join(errs...)
}

var (
	yearColumn = regexp.MustCompile(`^naf(\d\d)art(\d\d)$`)
	inseeCode  = regexp.MustCompile(`^[0-9][0-9AB][0-9]{3}$`)
)

// ReadConsommation reads a Cerema NAF-consumption file: separator ';', ','
// or tab (the one the header uses most), UTF-8 (with or without a byte
// order mark) or Windows-1252, header names in any case. The INSEE code
// column is idcom (or insee, code_insee, codgeo); a code that a
// spreadsheet shortened to four digits gets its leading zero back. The
// yearly columns are naf{AA}art{AA+1}; values are m², a decimal comma is
// read with ';'. A row with a bad code, a non-numeric cell or a commune
// already seen is kept out, in Rejects, with its line and column; which
// communes are the territory's is the caller's business, so all are
// returned. The error is for a file that cannot be read as one at all.
func ReadConsommation(r io.Reader) (*Consommation, error) {
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("zan: consommation: %w", err)
	}
	c := &Consommation{Encoding: "UTF-8"}
	raw = bytes.TrimPrefix(raw, []byte("\ufeff"))
	if !utf8.Valid(raw) {
		if raw, err = charmap.Windows1252.NewDecoder().Bytes(raw); err != nil {
			return nil, fmt.Errorf("zan: consommation: neither UTF-8 nor Windows-1252: %w", err)
		}
		c.Encoding = "Windows-1252"
	}
	head, _, _ := bytes.Cut(raw, []byte("\n"))
	c.Separator = ';'
	for _, sep := range []rune{',', '\t'} {
		if bytes.Count(head, []byte(string(sep))) > bytes.Count(head, []byte(string(c.Separator))) {
			c.Separator = sep
		}
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = c.Separator
	cr.FieldsPerRecord = -1
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("zan: consommation: header: %w", err)
	}
	header = slices.Clone(header)
	iInsee, iName := -1, -1
	years := map[int]int{} // column → year
	for i, h := range header {
		h = strings.ToLower(strings.TrimSpace(h))
		header[i] = h
		switch h {
		case "idcom", "insee", "code_insee", "codgeo", "com":
			if iInsee < 0 {
				iInsee = i
			}
		case "idcomtxt", "nom", "libgeo", "nom_commune":
			if iName < 0 {
				iName = i
			}
		}
		if m := yearColumn.FindStringSubmatch(h); m != nil {
			a, _ := strconv.Atoi(m[1])
			b, _ := strconv.Atoi(m[2])
			if b == a+1 {
				years[i] = 2000 + a
				c.Years = append(c.Years, 2000+a)
			}
		}
	}
	if iInsee < 0 {
		return nil, fmt.Errorf("zan: consommation: no INSEE code column (idcom) in the header %q", header)
	}
	if len(years) == 0 {
		return nil, fmt.Errorf("zan: consommation: no yearly column (naf11art12 …) in the header")
	}
	slices.Sort(c.Years)
	if hasDup(c.Years) {
		return nil, fmt.Errorf("zan: consommation: a yearly column is given twice")
	}
	decimalComma := c.Separator == ';' || c.Separator == '\t'
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			// A quoting error: the reader cannot tell where rows end any
			// more, so the file is not read at all (the error has the line).
			return nil, fmt.Errorf("zan: consommation: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a blank line
		}
		if len(rec) != len(header) {
			c.Rejects = append(c.Rejects, &RowError{Line: line, Reason: fmt.Sprintf("%d fields, the header has %d", len(rec), len(header))})
			continue
		}
		code := strings.ToUpper(strings.TrimSpace(rec[iInsee]))
		if len(code) == 4 && strings.Trim(code, "0123456789") == "" {
			code = "0" + code
		}
		if !inseeCode.MatchString(code) {
			c.Rejects = append(c.Rejects, &RowError{Line: line, Column: iInsee + 1, Header: header[iInsee], Value: rec[iInsee], Reason: "is not an INSEE commune code"})
			continue
		}
		if first, ok := seen[code]; ok {
			c.Rejects = append(c.Rejects, &RowError{Line: line, Column: iInsee + 1, Header: header[iInsee], Value: rec[iInsee], Reason: fmt.Sprintf("was given already on line %d", first)})
			continue
		}
		row := ConsommationRow{Line: line, INSEE: code, M2: make(map[int]float64, len(years))}
		if iName >= 0 {
			row.Name = strings.TrimSpace(rec[iName])
		}
		var bad *RowError
		for i, y := range years {
			v, ok, err := parseM2(rec[i], decimalComma)
			if err != nil {
				bad = &RowError{Line: line, Column: i + 1, Header: header[i], Value: rec[i], Reason: err.Error()}
				break
			}
			if ok {
				row.M2[y] = v
			}
		}
		if bad != nil {
			c.Rejects = append(c.Rejects, bad)
			continue
		}
		seen[code] = line
		c.Rows = append(c.Rows, row)
	}
	return c, nil
}

func hasDup(sorted []int) bool {
	for i := 1; i < len(sorted); i++ {
		if sorted[i] == sorted[i-1] {
			return true
		}
	}
	return false
}

// parseM2 reads a cell in m²: empty (or NA) is no value; a number may have
// a decimal comma when the separator is not a comma.
func parseM2(s string, decimalComma bool) (float64, bool, error) {
	s = strings.TrimSpace(s)
	switch strings.ToUpper(s) {
	case "", "NA", "N/A", "NULL":
		return 0, false, nil
	}
	if decimalComma && strings.Count(s, ",") == 1 && !strings.Contains(s, ".") {
		s = strings.Replace(s, ",", ".", 1)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || v != v || v > 1e15 || v < -1e15 {
		return 0, false, errors.New("is not a number of square metres")
	}
	return v, true, nil
}

// The reference period of the Climate and Resilience law (art. 194): the
// ten years from 1 January 2011 to 1 January 2021, the columns naf11art12
// … naf20art21; the allowance covers 1 January 2021 to 1 January 2031.
const (
	ReferenceFrom = 2011
	ReferenceTo   = 2021 // exclusive: the last yearly column is naf20art21
	// LawShare is the share of the reference a territory may consume
	// 2021–2031 when no regional plan (SRADDET) sets another: half.
	LawShare = 0.5
)

// Allowance says what share of its 2011–2021 consumption each commune may
// consume from 2021 to 2031: the law's half, unless a regional plan
// territorialised another share, for the whole territory (Share) or for
// some communes (PerCommune, by INSEE code, overriding Share).
type Allowance struct {
	Share      float64 // 0: LawShare
	PerCommune map[string]float64
}

func (a Allowance) share(insee string) float64 {
	if s, ok := a.PerCommune[insee]; ok {
		return s
	}
	if a.Share > 0 {
		return a.Share
	}
	return LawShare
}

// Reference is a commune's (or, with INSEE "", the territory's) reference
// consumption and ZAN allowance, in hectares.
type Reference struct {
	INSEE       string
	Name        string
	ReferenceHa float64 // NAF land consumed 1 Jan 2011 → 1 Jan 2021
	Missing     []int   // years of the reference period the file has no value for
	Share       float64 // of the reference allowed 2021–2031
	AllowanceHa float64 // ReferenceHa × Share
	// SinceHa is the consumption from 1 January 2021 to the end of the
	// file's last yearly column (SinceYears).
	SinceHa    float64
	SinceYears []int
	// UsedShare is SinceHa / AllowanceHa (0 when there is no allowance).
	UsedShare float64
}

// References computes, for each row, the 2011–2021 reference (the sum of
// naf11art12 … naf20art21, m² → ha), the 2021–2031 allowance and the
// consumption since 2021, and the same for all rows together (the
// territory: its allowance is the sum of the communes'). A commune with
// years missing gets them listed, its reference the sum of the others.
func (c *Consommation) References(a Allowance) ([]Reference, Reference) {
	const ha = 10000.0
	total := Reference{}
	var out []Reference
	for _, row := range c.Rows {
		r := Reference{INSEE: row.INSEE, Name: row.Name, Share: a.share(row.INSEE)}
		var ref float64
		for y := ReferenceFrom; y < ReferenceTo; y++ {
			v, ok := row.M2[y]
			if !ok {
				r.Missing = append(r.Missing, y)
			}
			ref += v
		}
		var since float64
		for _, y := range c.Years {
			if v, ok := row.M2[y]; ok && y >= ReferenceTo {
				since += v
				r.SinceYears = append(r.SinceYears, y)
			}
		}
		r.ReferenceHa, r.SinceHa = ref/ha, since/ha
		r.AllowanceHa = r.ReferenceHa * r.Share
		if r.AllowanceHa > 0 {
			r.UsedShare = r.SinceHa / r.AllowanceHa
		}
		out = append(out, r)
		total.ReferenceHa += r.ReferenceHa
		total.AllowanceHa += r.AllowanceHa
		total.SinceHa += r.SinceHa
		for _, y := range r.Missing {
			if !slices.Contains(total.Missing, y) {
				total.Missing = append(total.Missing, y)
			}
		}
	}
	slices.Sort(total.Missing)
	for _, y := range c.Years {
		if y >= ReferenceTo {
			total.SinceYears = append(total.SinceYears, y)
		}
	}
	if total.ReferenceHa > 0 {
		total.Share = total.AllowanceHa / total.ReferenceHa
	}
	if total.AllowanceHa > 0 {
		total.UsedShare = total.SinceHa / total.AllowanceHa
	}
	return out, total
}

// ConsommationResult is what loading a Cerema file did: the rows read,
// the communes of the territory stored, the communes the file has that the
// territory does not (kept apart, in the batch's rejects, not stored), the
// rows refused (a bad code or cell, with line and column, in the batch's
// rejects too) and the years of the reference period some stored commune
// has no value for.
type ConsommationResult struct {
	BatchID  string   `json:"batch"`
	Read     int      `json:"read"`
	Stored   int      `json:"stored"`
	Unknown  []string `json:"unknown_communes,omitempty"`
	Rejected int      `json:"rejected"`
	Missing  []int    `json:"missing_years,omitempty"`
	// Absent are the territory's communes the file has no row for: their
	// indicators keep the land-cover estimate.
	Absent []string `json:"absent_communes,omitempty"`
	DryRun bool     `json:"dry_run,omitempty"`
}

// Split sorts the good rows of c between the communes of the territory
// (known, by INSEE code) and the others; it fills r's counts but Stored
// and the batch, and returns the rows to store and the records to keep in
// the batch's rejects: the rows refused and those of unknown communes.
func (c *Consommation) Split(known map[string]bool, r *ConsommationResult) ([]ConsommationRow, []socle.Reject) {
	var keep []ConsommationRow
	var rejects []socle.Reject
	for _, e := range c.Rejects {
		rejects = append(rejects, socle.Reject{Line: e.Line, Column: e.Header, Reason: e.Error(), Raw: e.Value})
	}
	seen := map[string]bool{}
	missing := map[int]bool{}
	for _, row := range c.Rows {
		if !known[row.INSEE] {
			r.Unknown = append(r.Unknown, row.INSEE)
			rejects = append(rejects, socle.Reject{Line: row.Line, Column: "idcom", Reason: UnknownReason, Raw: row.INSEE})
			continue
		}
		seen[row.INSEE] = true
		keep = append(keep, row)
		for y := ReferenceFrom; y < ReferenceTo; y++ {
			if _, ok := row.M2[y]; !ok {
				missing[y] = true
			}
		}
	}
	for code := range known {
		if !seen[code] {
			r.Absent = append(r.Absent, code)
		}
	}
	slices.Sort(r.Absent)
	r.Read = len(c.Rows) + len(c.Rejects)
	r.Rejected = len(c.Rejects)
	for y := range missing {
		r.Missing = append(r.Missing, y)
	}
	slices.Sort(r.Missing)
	return keep, rejects
}

// UnknownReason is the reason a row of a commune outside the territory is
// kept apart with.
const UnknownReason = "the commune is not one of the territory's: kept apart, not stored"

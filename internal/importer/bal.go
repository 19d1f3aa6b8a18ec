package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/bal"
	"github.com/socle-geo/socle/internal/socle"
)

// ImportBAL loads a Base Adresse Locale CSV (1.3 or 1.4; 1.5 rows need a
// cle_interop) into addresses. Rows are validated by the BAL rules; a row
// with an error is rejected with its line, column and reason; the others are
// upserted by cle_interop in one batch. A file-level error (e.g. BAN ids on
// some rows only) rejects the whole file and loads nothing.
func (im *Importer) ImportBAL(ctx context.Context, path string) (Report, error) {
	start := im.now()
	rep := Report{Collection: "addresses", File: path}
	c, ok := im.Catalog.Collection("addresses")
	if !ok {
		return rep, errors.New("importer: the catalog has no addresses collection")
	}
	f, err := os.Open(path)
	if err != nil {
		return rep, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return rep, err
	}
	h := sha256.New()
	var r io.Reader = io.TeeReader(f, h)
	if bar := im.bar(st.Size(), "BAL"); bar != nil {
		defer bar.Finish() //nolint:errcheck // cosmetic
		r = io.TeeReader(r, bar)
	}
	br, err := bal.NewReader(r)
	if err != nil {
		return rep, &socle.Error{Code: socle.EINVALID, Message: "BAL: " + err.Error(), Err: err}
	}
	var rows []socle.Row
	var rejects []socle.Reject
	for {
		a, issues, err := br.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return rep, &socle.Error{Code: socle.EINVALID, Message: "BAL: " + err.Error(), Err: err}
		}
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if bal.HasError(issues) {
			rejects = append(rejects, balReject(issues))
			continue
		}
		row, rej := balRow(c, a)
		if rej != nil {
			rej.Line = a.Line
			rejects = append(rejects, *rej)
			continue
		}
		rows = append(rows, row)
	}
	if fileIssues := br.FileIssues(); bal.HasError(fileIssues) {
		var msgs []string
		for _, i := range fileIssues {
			if i.Severity == bal.Error {
				msgs = append(msgs, i.Code+": "+i.Message)
			}
		}
		return rep, socle.Errorf(socle.EINVALID, "BAL: the file is invalid as a whole, nothing was loaded: %s", strings.Join(msgs, "; "))
	}
	_, _ = io.Copy(h, f)
	b := socle.Batch{ID: socle.NewBatchID("import-bal", start), Kind: "import-bal", Source: filepath.Base(path),
		FileSHA256: hex.EncodeToString(h.Sum(nil)), Actor: im.Actor}
	rep.Result, err = im.Store.Import(ctx, b, c, socle.RowsOf(rows, rejects))
	rep.Rejects = rejects
	rep.Duration = time.Since(start)
	return rep, err
}

// balReject keeps every error of a row: line, columns and the validator's
// French messages.
func balReject(issues []bal.Issue) socle.Reject {
	var rej socle.Reject
	var cols, reasons []string
	for _, i := range issues {
		if i.Severity != bal.Error {
			continue
		}
		rej.Line = i.Line
		if i.Column != "" {
			cols = append(cols, i.Column)
		}
		reasons = append(reasons, i.Code+" — "+i.Message)
	}
	rej.Column = strings.Join(cols, ",")
	rej.Reason = strings.Join(reasons, "; ")
	return rej
}

// balRow maps a valid BAL row to an addresses row. The position comes from
// long/lat (WGS84) when present, else from x/y in Lambert-93.
func balRow(c *socle.Collection, a bal.Address) (socle.Row, *socle.Reject) {
	if a.CleInterop == "" {
		return socle.Row{}, &socle.Reject{Column: "cle_interop", Reason: "no cle_interop (BAL 1.5): Socle keys addresses by cle_interop"}
	}
	var p orb.Point
	srid := 0
	switch {
	case a.Long != nil && a.Lat != nil:
		p, srid = orb.Point{*a.Long, *a.Lat}, 4326
	case a.X != nil && a.Y != nil:
		p, srid = orb.Point{*a.X, *a.Y}, 2154
	default:
		return socle.Row{}, &socle.Reject{Column: "long,lat", Reason: "no position: neither long/lat nor x/y"}
	}
	props := map[string]any{
		"cle_interop": a.CleInterop, "numero": a.Numero, "suffixe": nullIfEmpty(a.Suffixe),
		"voie_nom": a.VoieNom, "lieudit_complement_nom": nullIfEmpty(a.LieuditComplementNom),
		"commune_insee": a.CommuneINSEE, "commune_nom": a.CommuneNom,
		"commune_deleguee_insee": nullIfEmpty(a.CommuneDelegueeINSEE), "commune_deleguee_nom": nullIfEmpty(a.CommuneDelegueeNom),
		"position": nullIfEmpty(a.Position), "cad_parcelles": nullIfEmpty(strings.Join(a.CadParcelles, "|")),
		"source": a.Source, "certification_commune": a.CertificationCommune,
	}
	if a.DateDerMaj != nil {
		props["date_der_maj"] = socle.Day(*a.DateDerMaj)
	}
	typed, rej := typedProperties(c, props)
	if rej != nil {
		return socle.Row{}, rej
	}
	g, rej := toStorage(p, srid)
	if rej != nil {
		return socle.Row{}, rej
	}
	return socle.Row{Geometry: g, Properties: typed}, nil
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

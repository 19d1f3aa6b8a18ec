// Package importer loads files into a store: GeoJSON layers, the sample
// territory, Base Adresse Locale files. It validates every record, keeps the
// rejected ones with their reason, and hands the rest to the store as one
// batch.
package importer

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/paulmach/orb/geojson"
	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/socle-geo/socle/internal/socle"
)

// Writer is what the importer needs of a store.
type Writer = socle.Importer

// Importer loads files into a store.
type Importer struct {
	Store   Writer
	Catalog *socle.Catalog
	Log     *slog.Logger
	// Progress receives a progress bar when it is a terminal; nil for none.
	Progress *os.File
	// Actor names who runs the import, for the batch record.
	Actor string
	Now   func() time.Time
}

// Report is what one import did.
type Report struct {
	Collection string             `json:"collection"`
	File       string             `json:"file"`
	Profile    string             `json:"profile,omitempty"`
	Result     socle.ImportResult `json:"result"`
	Rejects    []socle.Reject     `json:"rejects,omitempty"`
	Duration   time.Duration      `json:"duration_ns"`
}

// String is the summary printed at the end of an import.
func (r Report) String() string {
	retired, dry := "", ""
	if r.Result.Retired > 0 {
		retired = fmt.Sprintf(", retired %d", r.Result.Retired)
	}
	if r.Result.DryRun {
		dry = " — dry run, nothing written"
	}
	return fmt.Sprintf("%s ← %s: read %d, loaded %d (inserted %d, updated %d, unchanged %d)%s, rejected %d, in %s (batch %s)%s",
		r.Collection, filepath.Base(r.File), r.Result.Read, r.Result.Inserted+r.Result.Updated+r.Result.Unchanged,
		r.Result.Inserted, r.Result.Updated, r.Result.Unchanged, retired, r.Result.Rejected, r.Duration.Round(time.Millisecond), r.Result.BatchID, dry)
}

// Summary is the JSON report of `socle import layer --report`: the batch,
// the counts, and every rejected record with its number and reason.
type Summary struct {
	Batch      string           `json:"batch"`
	Collection string           `json:"collection"`
	File       string           `json:"file"`
	Profile    string           `json:"profile,omitempty"`
	DryRun     bool             `json:"dry_run"`
	Read       int              `json:"read"`
	Inserted   int              `json:"inserted"`
	Updated    int              `json:"updated"`
	Unchanged  int              `json:"unchanged"`
	Retired    int              `json:"retired"`
	Rejected   []RejectedRecord `json:"rejected"`
	Seconds    float64          `json:"seconds"`
}

// RejectedRecord is a record that was not loaded: its 1-based number in
// the file (the Shapefile record, the GeoJSON feature, the CSV data row),
// the field at fault when one is, and why.
type RejectedRecord struct {
	Record int    `json:"record"`
	Field  string `json:"field,omitempty"`
	Reason string `json:"reason"`
}

// Summary returns the report as `--report` writes it.
func (r Report) Summary() Summary {
	s := Summary{Batch: r.Result.BatchID, Collection: r.Collection, File: r.File, Profile: r.Profile, DryRun: r.Result.DryRun,
		Read: r.Result.Read, Inserted: r.Result.Inserted, Updated: r.Result.Updated, Unchanged: r.Result.Unchanged,
		Retired: r.Result.Retired, Rejected: []RejectedRecord{}, Seconds: r.Duration.Seconds()}
	for _, rej := range r.Rejects {
		s.Rejected = append(s.Rejected, RejectedRecord{Record: rej.Line, Field: rej.Column, Reason: rej.Reason})
	}
	return s
}

func (im *Importer) now() time.Time {
	if im.Now != nil {
		return im.Now()
	}
	return time.Now()
}

// FixtureOrder is the order the sample territory's layers load in.
var FixtureOrder = []string{"communes", "roads", "land_cover", "addresses"}

// ImportFixtures loads the sample territory from dir (one GeoJSON file per
// collection, named after it).
func (im *Importer) ImportFixtures(ctx context.Context, dir string) ([]Report, error) {
	return im.ImportFixturesFS(ctx, os.DirFS(dir))
}

// ImportFixturesFS loads the sample territory from fsys, e.g. the copy
// embedded in the binary.
func (im *Importer) ImportFixturesFS(ctx context.Context, fsys fs.FS) ([]Report, error) {
	var reports []Report
	for _, id := range FixtureOrder {
		r, err := im.importLayer(ctx, "import-fixtures", id, fsys, id+".geojson")
		reports = append(reports, r)
		if err != nil {
			return reports, err
		}
	}
	return reports, nil
}

// ImportLayer loads a GeoJSON FeatureCollection into a collection.
func (im *Importer) ImportLayer(ctx context.Context, collection, path string) (Report, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return Report{Collection: collection, File: path}, err
	}
	return im.importLayer(ctx, "import-layer", collection, os.DirFS(filepath.Dir(abs)), filepath.Base(abs))
}

func (im *Importer) importLayer(ctx context.Context, kind, collection string, fsys fs.FS, path string) (Report, error) {
	start := im.now()
	rep := Report{Collection: collection, File: path}
	c, ok := im.Catalog.Collection(collection)
	if !ok {
		return rep, &socle.Error{Code: socle.ENOTFOUND, Message: "unknown collection " + collection, Allowed: ids(im.Catalog)}
	}
	if c.FromUpdater() {
		// Their rows come from field files, each traced to its batch.
		return rep, socle.Errorf(socle.EINVALID, "%s is written by the updater (socle update), not imported", collection)
	}
	f, err := fsys.Open(path)
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
	if bar := im.bar(st.Size(), collection); bar != nil {
		defer bar.Finish() //nolint:errcheck // cosmetic
		r = io.TeeReader(r, bar)
	}
	var rows []socle.Row
	var rejects []socle.Reject
	err = readGeoJSON(r, func(feat *geojson.Feature, srid, index int) error {
		row, rej := featureRow(c, feat, srid)
		if rej != nil {
			rej.Line = index
			rejects = append(rejects, *rej)
			return nil
		}
		rows = append(rows, row)
		return ctx.Err()
	})
	if err != nil {
		return rep, &socle.Error{Code: socle.EINVALID, Message: err.Error(), Err: err}
	}
	_, _ = io.Copy(h, f) // hash any trailing bytes
	b := socle.Batch{ID: socle.NewBatchID(kind, start), Kind: kind, Source: filepath.Base(path),
		FileSHA256: hex.EncodeToString(h.Sum(nil)), Actor: im.Actor}
	rep.Result, err = im.Store.Import(ctx, b, c, socle.RowsOf(rows, rejects))
	rep.Rejects = rejects
	rep.Duration = im.now().Sub(start)
	if err == nil && im.Log != nil {
		im.Log.Debug("import done", "collection", collection, "file", path, "batch", b.ID,
			"read", rep.Result.Read, "inserted", rep.Result.Inserted, "updated", rep.Result.Updated,
			"unchanged", rep.Result.Unchanged, "rejected", rep.Result.Rejected, "duration", rep.Duration)
	}
	return rep, err
}

// ReadGeoJSON reads a GeoJSON FeatureCollection as an import hands it to a
// store: rows checked for c, typed, in the storage CRS, and the records
// refused with their reason.
func ReadGeoJSON(c *socle.Collection, r io.Reader) ([]socle.Row, []socle.Reject, error) {
	var rows []socle.Row
	var rejects []socle.Reject
	err := readGeoJSON(r, func(feat *geojson.Feature, srid, index int) error {
		row, rej := featureRow(c, feat, srid)
		if rej != nil {
			rej.Line = index
			rejects = append(rejects, *rej)
			return nil
		}
		rows = append(rows, row)
		return nil
	})
	return rows, rejects, err
}

// bar returns a byte progress bar on a terminal, nil otherwise.
func (im *Importer) bar(size int64, label string) *progressbar.ProgressBar {
	if im.Progress == nil || !term.IsTerminal(int(im.Progress.Fd())) {
		return nil
	}
	return progressbar.NewOptions64(size,
		progressbar.OptionSetWriter(im.Progress),
		progressbar.OptionSetDescription(label),
		progressbar.OptionShowBytes(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionClearOnFinish())
}

func ids(c *socle.Catalog) []string {
	var out []string
	for _, col := range c.Collections {
		out = append(out, col.ID)
	}
	return out
}

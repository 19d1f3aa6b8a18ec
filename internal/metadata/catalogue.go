package metadata

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/socle-geo/socle/internal/socle"
)

// Store is what metadata needs of a store: each collection's summary and
// the batches that wrote it.
type Store interface {
	Summary(ctx context.Context, c *socle.Collection) (socle.Summary, error)
	Batches(ctx context.Context, collections []string, limit int) ([]socle.BatchRecord, error)
}

// Options tune a Catalogue.
type Options struct {
	// LineageLimit bounds the imports a lineage lists (default 20).
	LineageLimit int
	// Formats are the bulk download formats offered for each collection
	// (default GeoJSON only).
	Formats []Format
}

// Format is a bulk download format.
type Format struct {
	// Ext is the file extension, e.g. "geojson", "gpkg".
	Ext       string
	MediaType string
	// Name and Version name the format in records.
	Name, Version string
	// Href is the media type's URI.
	Href string
}

// Bulk download formats.
var (
	FormatGeoJSON    = Format{Ext: "geojson", MediaType: "application/geo+json", Name: "GeoJSON", Version: "RFC 7946", Href: "https://www.iana.org/assignments/media-types/application/geo+json"}
	FormatGeoPackage = Format{Ext: "gpkg", MediaType: "application/geopackage+sqlite3", Name: "GeoPackage", Version: "1.3", Href: "https://www.iana.org/assignments/media-types/application/geopackage+sqlite3"}
)

// Catalogue makes the records of a territory.
type Catalogue struct {
	files   *Files
	catalog *socle.Catalog
	store   Store
	opts    Options

	mu     sync.Mutex
	states map[string]*State
}

// New returns the catalogue of the datasets the files describe.
func New(files *Files, catalog *socle.Catalog, store Store, opts Options) *Catalogue {
	if opts.LineageLimit <= 0 {
		opts.LineageLimit = 20
	}
	if len(opts.Formats) == 0 {
		opts.Formats = []Format{FormatGeoJSON}
	}
	return &Catalogue{files: files, catalog: catalog, store: store, opts: opts, states: map[string]*State{}}
}

// Files returns the metadata files.
func (c *Catalogue) Files() *Files { return c.files }

// Formats returns the bulk download formats.
func (c *Catalogue) Formats() []Format { return c.opts.Formats }

// State is what the data says of a dataset.
type State struct {
	Dataset     *DatasetFile
	Collections []*socle.Collection
	// Summaries are the collections' summaries, in the order of
	// Collections.
	Summaries []socle.Summary
	// Batches are the committed imports of the collections, newest first.
	Batches []socle.BatchRecord
	// BBox is the union of the collections' extents in CRS84; nil when
	// they are empty.
	BBox *socle.BBox
	// Start and End bound the collections' temporal properties.
	Start, End *time.Time
	// Revision is the time of the last write, zero when none.
	Revision time.Time
	// Count is the number of features of all collections.
	Count int64
	// Version changes whenever a collection changes.
	Version string
	// ZAN says where the ZAN figures come from, for a dataset that holds
	// the artificialisation collection (nil otherwise).
	ZAN *socle.ZANLineage
}

// visibleKey holds, in a request's context, which collections its caller
// may read.
type visibleKey struct{}

// Visibility says which collections the caller of a request may read.
type Visibility interface {
	Visible(collection string) bool
}

// WithVisibility returns ctx in which catalogues show only the datasets
// whose every collection v says visible: records, counts and extents tell
// a caller nothing of data it may not read.
func WithVisibility(ctx context.Context, v Visibility) context.Context {
	return context.WithValue(ctx, visibleKey{}, v)
}

// Visible reports whether the caller of ctx may see dataset d (all of it);
// without WithVisibility, every dataset is visible.
func Visible(ctx context.Context, d *DatasetFile) bool {
	v, ok := ctx.Value(visibleKey{}).(Visibility)
	if !ok {
		return true
	}
	for _, id := range d.Collections {
		if !v.Visible(id) {
			return false
		}
	}
	return true
}

// Datasets returns the states of every dataset the caller of ctx may see,
// in the files' order.
func (c *Catalogue) Datasets(ctx context.Context) ([]*State, error) {
	var out []*State
	for _, d := range c.files.Datasets {
		if !Visible(ctx, d) {
			continue
		}
		s, err := c.state(ctx, d)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// Dataset returns the state of one dataset.
func (c *Catalogue) Dataset(ctx context.Context, id string) (*State, error) {
	d, ok := c.files.Dataset(id)
	if !ok || !Visible(ctx, d) {
		return nil, socle.Errorf(socle.ENOTFOUND, "no dataset %s", id)
	}
	return c.state(ctx, d)
}

// state reads the summaries, and the batches when a collection changed
// since the last call: harvesters paging through the catalogue cost one
// summary per collection and page.
func (c *Catalogue) state(ctx context.Context, d *DatasetFile) (*State, error) {
	s := &State{Dataset: d}
	var version []string
	for _, id := range d.Collections {
		col, ok := c.catalog.Collection(id)
		if !ok {
			return nil, socle.Errorf(socle.EINTERNAL, "metadata: no collection %s", id)
		}
		sum, err := c.store.Summary(ctx, col)
		if err != nil {
			return nil, err
		}
		s.Collections = append(s.Collections, col)
		s.Summaries = append(s.Summaries, sum)
		version = append(version, strconv.FormatInt(sum.Version, 10)+"@"+sum.UpdatedAt.UTC().Format(time.RFC3339Nano))
	}
	s.Version = strings.Join(version, ",")
	c.mu.Lock()
	cached, ok := c.states[d.ID]
	c.mu.Unlock()
	if ok && cached.Version == s.Version {
		return cached, nil
	}
	batches, err := c.store.Batches(ctx, d.Collections, c.opts.LineageLimit*2)
	if err != nil {
		return nil, err
	}
	for _, b := range batches {
		// A derive batch is a recomputation, not an import: the ZAN
		// paragraph of the lineage says when it last ran.
		if b.Status == "done" && b.Kind != socle.KindDerive && len(s.Batches) < c.opts.LineageLimit {
			s.Batches = append(s.Batches, b)
		}
	}
	if zs, ok := c.store.(zanLineageStore); ok && slices.Contains(d.Collections, "artificialisation") {
		lin, err := zs.ZANLineage(ctx)
		if err != nil {
			return nil, err
		}
		s.ZAN = &lin
	}
	for _, sum := range s.Summaries {
		s.Count += sum.Count
		if sum.UpdatedAt.After(s.Revision) && sum.Version > 0 {
			s.Revision = sum.UpdatedAt.UTC()
		}
		if b := sum.BBox; b != nil {
			if s.BBox == nil {
				bb := *b
				s.BBox = &bb
			} else {
				s.BBox.MinX, s.BBox.MinY = min(s.BBox.MinX, b.MinX), min(s.BBox.MinY, b.MinY)
				s.BBox.MaxX, s.BBox.MaxY = max(s.BBox.MaxX, b.MaxX), max(s.BBox.MaxY, b.MaxY)
			}
		}
		if sum.Start != nil && (s.Start == nil || sum.Start.Before(*s.Start)) {
			t := sum.Start.UTC()
			s.Start = &t
		}
		if sum.End != nil && (s.End == nil || sum.End.After(*s.End)) {
			t := sum.End.UTC()
			s.End = &t
		}
	}
	// The temporal extent of an artificialisation dataset is that of its
	// millésimes, the dates the land cover describes (not those of its
	// imports): from the 1st of January of the first to the 31st of
	// December of the last.
	if s.ZAN != nil && len(s.ZAN.Millesimes) > 0 {
		first := time.Date(s.ZAN.Millesimes[0], 1, 1, 0, 0, 0, 0, time.UTC)
		last := time.Date(s.ZAN.Millesimes[len(s.ZAN.Millesimes)-1], 12, 31, 0, 0, 0, 0, time.UTC)
		s.Start, s.End = &first, &last
	}
	c.mu.Lock()
	c.states[d.ID] = s
	c.mu.Unlock()
	return s, nil
}

// zanLineageStore is a store that says where its ZAN figures come from
// (both stores do, through their ledger).
type zanLineageStore interface {
	ZANLineage(ctx context.Context) (socle.ZANLineage, error)
}

// DownloadURL is the URL of the bulk download of a collection of a
// dataset in a format.
func DownloadURL(base, dataset, collection string, f Format) string {
	return fmt.Sprintf("%s/datasets/%s/download/%s.%s", base, dataset, collection, f.Ext)
}

package source

import (
	"archive/zip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bodgit/sevenzip"
)

// IGN ships BD TOPO, OCS GE and Admin Express as .zip or .7z archives of
// Shapefiles (often dozens, in folders) or of one GeoPackage. A Shapefile
// in a zip is read straight from the archive, its siblings decompressed
// side by side as they are read; a GeoPackage (SQLite needs a file) and
// anything in a 7z (whose solid blocks cannot be read in parallel) is
// first extracted to a temporary directory that Close removes.

// archiveEntry is a file of an archive.
type archiveEntry struct {
	name string // path inside the archive, with '/'
	size int64
	open func() (io.ReadCloser, error)
}

// archiveMembers lists the Shapefiles (by .shp) and GeoPackages of an
// archive's entries, skipping macOS resource forks.
func archiveMembers(entries []archiveEntry) (shps, gpkgs []archiveEntry) {
	for _, e := range entries {
		if strings.HasPrefix(e.name, "__MACOSX/") || strings.HasSuffix(e.name, "/") {
			continue
		}
		switch strings.ToLower(path.Ext(e.name)) {
		case ".shp":
			shps = append(shps, e)
		case ".gpkg":
			gpkgs = append(gpkgs, e)
		}
	}
	sort.Slice(shps, func(i, j int) bool { return shps[i].name < shps[j].name })
	return shps, gpkgs
}

// entryLayer is a Shapefile's layer name: its base name without .shp.
func entryLayer(e archiveEntry) string {
	b := path.Base(e.name)
	return strings.TrimSuffix(b, path.Ext(b))
}

// archiveShape is a Shapefile inside an archive.
type archiveShape struct {
	base    string
	entries map[string]archiveEntry // by lower-case extension
}

func (a archiveShape) name() string { return a.base }

func (a archiveShape) open(ext string) (io.ReadCloser, int64, error) {
	e, ok := a.entries[ext]
	if !ok {
		return nil, 0, fs.ErrNotExist
	}
	rc, err := e.open()
	if err != nil {
		return nil, 0, err
	}
	return rc, e.size, nil
}

// siblings gathers the files of the Shapefile whose .shp is shp.
func siblings(entries []archiveEntry, shp archiveEntry) archiveShape {
	stem := strings.TrimSuffix(shp.name, path.Ext(shp.name))
	a := archiveShape{base: entryLayer(shp), entries: map[string]archiveEntry{}}
	for _, e := range entries {
		ext := path.Ext(e.name)
		if strings.EqualFold(strings.TrimSuffix(e.name, ext), stem) {
			a.entries[strings.ToLower(ext)] = e
		}
	}
	return a
}

// chooseMember picks the Shapefile or GeoPackage to read.
func chooseMember(name string, shps, gpkgs []archiveEntry, layer string) (shp, gpkg *archiveEntry, err error) {
	switch {
	case len(shps) == 0 && len(gpkgs) == 0:
		return nil, nil, fmt.Errorf("source: %s holds no Shapefile (.shp) and no GeoPackage (.gpkg)", name)
	case len(shps) == 0 && len(gpkgs) == 1:
		return nil, &gpkgs[0], nil
	case len(gpkgs) > 1 && len(shps) == 0:
		return nil, nil, fmt.Errorf("source: %s holds %d GeoPackages; only an archive of one is read", name, len(gpkgs))
	}
	var names []string
	for i, s := range shps {
		n := entryLayer(s)
		names = append(names, n)
		if layer != "" && (strings.EqualFold(n, layer) || strings.EqualFold(s.name, layer) ||
			strings.EqualFold(strings.TrimSuffix(s.name, path.Ext(s.name)), layer)) {
			return &shps[i], nil, nil
		}
	}
	if layer == "" && len(shps) == 1 && len(gpkgs) == 0 {
		return &shps[0], nil, nil
	}
	for i, g := range gpkgs {
		names = append(names, path.Base(g.name))
		if layer != "" && strings.EqualFold(path.Base(g.name), layer) {
			return nil, &gpkgs[i], nil
		}
	}
	if layer == "" {
		return nil, nil, fmt.Errorf("source: %s holds %d layers, pick one with --layer: %s", name, len(names), strings.Join(names, ", "))
	}
	return nil, nil, fmt.Errorf("source: %s has no layer %q; its layers: %s", name, layer, strings.Join(names, ", "))
}

// extract copies entries into a new temporary directory under their base
// names and returns the directory.
func extract(s *Source, entries ...archiveEntry) (string, error) {
	dir, err := s.tempDir()
	if err != nil {
		return "", err
	}
	for _, e := range entries {
		if err := copyEntry(e, filepath.Join(dir, path.Base(e.name))); err != nil {
			return "", fmt.Errorf("%s: %w (corrupt or truncated archive?)", e.name, err)
		}
	}
	return dir, nil
}

func copyEntry(e archiveEntry, dst string) error {
	rc, err := e.open()
	if err != nil {
		return err
	}
	defer rc.Close()
	f, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, rc); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func zipEntries(z *zip.Reader) []archiveEntry {
	var out []archiveEntry
	for _, f := range z.File {
		out = append(out, archiveEntry{name: f.Name, size: int64(f.UncompressedSize64), open: f.Open})
	}
	return out
}

func sevenZipEntries(z *sevenzip.Reader) []archiveEntry {
	var out []archiveEntry
	for _, f := range z.File {
		if f.FileInfo().IsDir() {
			continue
		}
		out = append(out, archiveEntry{name: f.Name, size: int64(f.UncompressedSize), open: f.Open})
	}
	return out
}

// openArchive lists an archive's entries; Close closes it.
func openArchive(s *Source, p string, kind Format) ([]archiveEntry, error) {
	name := filepath.Base(p)
	switch kind {
	case formatZip:
		z, err := zip.OpenReader(p)
		if err != nil {
			return nil, fmt.Errorf("source: %s: corrupt or truncated zip archive: %w", name, err)
		}
		s.cleanups = append(s.cleanups, z.Close)
		return zipEntries(&z.Reader), nil
	case format7z:
		z, err := sevenzip.OpenReader(p)
		if err != nil {
			return nil, fmt.Errorf("source: %s: corrupt or truncated 7z archive: %w", name, err)
		}
		s.cleanups = append(s.cleanups, z.Close)
		return sevenZipEntries(&z.Reader), nil
	}
	return nil, errors.New("source: not an archive")
}

func openZip(s *Source, p string, opts Options) (opened, error) {
	return openArchived(s, p, formatZip, opts)
}
func open7z(s *Source, p string, opts Options) (opened, error) {
	return openArchived(s, p, format7z, opts)
}

func openArchived(s *Source, p string, kind Format, opts Options) (opened, error) {
	entries, err := openArchive(s, p, kind)
	if err != nil {
		return opened{}, err
	}
	shps, gpkgs := archiveMembers(entries)
	shp, gpkg, err := chooseMember(filepath.Base(p), shps, gpkgs, opts.Layer)
	if err != nil {
		return opened{}, err
	}
	if gpkg != nil {
		dir, err := extract(s, *gpkg)
		if err != nil {
			return opened{}, fmt.Errorf("source: %s: %w", filepath.Base(p), err)
		}
		layer := opts.Layer
		if strings.EqualFold(layer, path.Base(gpkg.name)) {
			layer = ""
		}
		return openGPKG(filepath.Join(dir, path.Base(gpkg.name)), layer)
	}
	files := siblings(entries, *shp)
	if kind == formatZip {
		return openShapefile(files)
	}
	var members []archiveEntry
	for _, e := range files.entries {
		members = append(members, e)
	}
	dir, err := extract(s, members...)
	if err != nil {
		return opened{}, fmt.Errorf("source: %s: %w", filepath.Base(p), err)
	}
	return openShapefile(dirFiles(filepath.Join(dir, path.Base(shp.name))))
}

func archiveLayers(s *Source, p string, kind Format) ([]string, error) {
	entries, err := openArchive(s, p, kind)
	if err != nil {
		return nil, err
	}
	shps, gpkgs := archiveMembers(entries)
	var out []string
	for _, e := range shps {
		out = append(out, entryLayer(e))
	}
	for _, g := range gpkgs {
		dir, err := extract(s, g)
		if err != nil {
			return nil, fmt.Errorf("source: %s: %w", filepath.Base(p), err)
		}
		tables, err := gpkgLayers(filepath.Join(dir, path.Base(g.name)))
		if err != nil {
			return nil, err
		}
		out = append(out, tables...)
	}
	return out, nil
}

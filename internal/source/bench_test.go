package source

import (
	"bufio"
	"database/sql"
	"encoding/binary"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/socle-geo/socle/internal/benchmem"
)

// BenchmarkRead reads a generated BD TOPO-shaped layer of road sections
// (a 5-point line, identifier, nature, name, width, importance, lanes) as a
// GeoPackage and as a Shapefile, of 100,000 and 1,000,000 features, and
// reports features/s and the peak of memory in use while reading: it must
// not grow with the file. The files are made in b.TempDir(), outside the
// timer (a 1,000,000-feature pair takes about 250 MB of disk). Run with
// -benchtime=1x.
func BenchmarkRead(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		for _, format := range []string{"gpkg", "shapefile"} {
			b.Run(fmt.Sprintf("%s-%d", format, n), func(b *testing.B) {
				dir := b.TempDir()
				var path string
				var err error
				if format == "gpkg" {
					path, err = writeBenchGPKG(dir, n)
				} else {
					path, err = writeBenchShapefile(dir, n)
				}
				if err != nil {
					b.Fatal(err)
				}
				runtime.GC()
				sampler := benchmem.Sample()
				b.ResetTimer()
				for i := 0; i < b.N; i++ {
					s, err := Open(path, Options{})
					if err != nil {
						b.Fatal(err)
					}
					got := 0
					for r, err := range s.Records() {
						if err != nil {
							b.Fatal(err)
						}
						if r.Geometry == nil || r.Fields["NATURE"] == nil {
							b.Fatalf("record %d: %v", r.Num, r)
						}
						got++
					}
					s.Close()
					if got != n {
						b.Fatalf("%d features, want %d", got, n)
					}
				}
				b.StopTimer()
				b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "features/s")
				benchmem.Report(b, sampler.Finish())
			})
		}
	}
}

// benchRoad returns road section i: its line in Lambert-93 and attributes.
func benchRoad(i int) (pts [5][2]float64, id, nature, name string, width float64, importance string, lanes int) {
	x := 500000 + float64(i%1000)*100
	y := 6200000 + float64(i/1000)*50
	for j := range pts {
		pts[j] = [2]float64{x + float64(j)*20, y + float64(j%2)*7.5}
	}
	natures := []string{"Route à 1 chaussée", "Route à 2 chaussées", "Chemin", "Sentier", "Bretelle"}
	return pts, fmt.Sprintf("TRONROUT%016d", i), natures[i%len(natures)], fmt.Sprintf("Rue de l'Église %d", i%977),
		3 + float64(i%40)/10, fmt.Sprint(1 + i%5), 1 + i%3
}

func writeBenchGPKG(dir string, n int) (string, error) {
	path := filepath.Join(dir, "troncons.gpkg")
	db, err := sql.Open("sqlite", path)
	if err != nil {
		return "", err
	}
	defer db.Close()
	for _, q := range []string{
		`PRAGMA application_id = 1196444487`,
		`PRAGMA journal_mode = OFF`,
		`PRAGMA synchronous = OFF`,
		`CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT)`,
		`INSERT INTO gpkg_spatial_ref_sys VALUES ('RGF93 v1 / Lambert-93', 2154, 'EPSG', 2154, 'undefined', NULL)`,
		`CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT, description TEXT DEFAULT '', last_change DATETIME, min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE, srs_id INTEGER)`,
		`INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('troncon_de_route', 'features', 2154)`,
		`CREATE TABLE gpkg_geometry_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, geometry_type_name TEXT NOT NULL, srs_id INTEGER NOT NULL, z TINYINT NOT NULL, m TINYINT NOT NULL)`,
		`INSERT INTO gpkg_geometry_columns VALUES ('troncon_de_route', 'geom', 'LINESTRING', 2154, 0, 0)`,
		`CREATE TABLE troncon_de_route (fid INTEGER PRIMARY KEY AUTOINCREMENT, geom LINESTRING, cleabs TEXT, nature TEXT, nom_1_g TEXT, largeur REAL, importance TEXT, nb_voies INTEGER)`,
	} {
		if _, err := db.Exec(q); err != nil {
			return "", fmt.Errorf("%s: %w", q, err)
		}
	}
	tx, err := db.Begin()
	if err != nil {
		return "", err
	}
	st, err := tx.Prepare(`INSERT INTO troncon_de_route (geom, cleabs, nature, nom_1_g, largeur, importance, nb_voies) VALUES (?, ?, ?, ?, ?, ?, ?)`)
	if err != nil {
		return "", err
	}
	blob := make([]byte, 0, 8+9+5*16)
	for i := 0; i < n; i++ {
		pts, id, nature, name, width, imp, lanes := benchRoad(i)
		blob = append(blob[:0], 'G', 'P', 0, 1, 0x6A, 0x08, 0, 0) // no envelope, little-endian, srs_id 2154
		blob = append(blob, 1, 2, 0, 0, 0, 5, 0, 0, 0)
		for _, p := range pts {
			blob = binary.LittleEndian.AppendUint64(blob, math.Float64bits(p[0]))
			blob = binary.LittleEndian.AppendUint64(blob, math.Float64bits(p[1]))
		}
		if _, err := st.Exec(blob, id, nature, name, width, imp, lanes); err != nil {
			return "", err
		}
	}
	if err := tx.Commit(); err != nil {
		return "", err
	}
	// Column names upper-cased as BD TOPO's Shapefiles have them, for the
	// benchmark's check.
	if _, err := db.Exec(`ALTER TABLE troncon_de_route RENAME COLUMN nature TO NATURE`); err != nil {
		return "", err
	}
	return path, nil
}

// writeBenchShapefile writes a PolyLine Shapefile (.shp, .shx, .dbf in
// Windows-1252, .prj) of n road sections.
func writeBenchShapefile(dir string, n int) (string, error) {
	base := filepath.Join(dir, "TRONCON_DE_ROUTE")
	const content = 4 + 32 + 4 + 4 + 4 + 5*16 // shape type, box, parts, points, part index, points
	shpLen := 100 + n*(8+content)
	header := func(fileLen int) []byte {
		h := make([]byte, 100)
		binary.BigEndian.PutUint32(h, 9994)
		binary.BigEndian.PutUint32(h[24:], uint32(fileLen/2))
		binary.LittleEndian.PutUint32(h[28:], 1000)
		binary.LittleEndian.PutUint32(h[32:], 3)
		for i, v := range []float64{500000, 6200000, 600080, 6200000 + float64(n/1000+1)*50} {
			binary.LittleEndian.PutUint64(h[36+8*i:], math.Float64bits(v))
		}
		return h
	}
	shpF, err := os.Create(base + ".shp")
	if err != nil {
		return "", err
	}
	defer shpF.Close()
	shxF, err := os.Create(base + ".shx")
	if err != nil {
		return "", err
	}
	defer shxF.Close()
	dbfF, err := os.Create(base + ".dbf")
	if err != nil {
		return "", err
	}
	defer dbfF.Close()
	shp, shx, dbf := bufio.NewWriterSize(shpF, 1<<20), bufio.NewWriter(shxF), bufio.NewWriterSize(dbfF, 1<<20)
	shp.Write(header(shpLen))
	shx.Write(header(100 + 8*n))

	type field struct {
		name      string
		kind      byte
		len, decs int
	}
	fields := []field{{"ID", 'C', 24, 0}, {"NATURE", 'C', 30, 0}, {"NOM_1_G", 'C', 40, 0}, {"LARGEUR", 'N', 5, 1}, {"IMPORTANCE", 'C', 1, 0}, {"NB_VOIES", 'N', 2, 0}}
	recLen := 1
	for _, f := range fields {
		recLen += f.len
	}
	dh := make([]byte, 32)
	dh[0] = 3
	binary.LittleEndian.PutUint32(dh[4:], uint32(n))
	binary.LittleEndian.PutUint16(dh[8:], uint16(32+32*len(fields)+1))
	binary.LittleEndian.PutUint16(dh[10:], uint16(recLen))
	dh[29] = 0x57 // Windows-1252
	dbf.Write(dh)
	for _, f := range fields {
		d := make([]byte, 32)
		copy(d, f.name)
		d[11], d[16], d[17] = f.kind, byte(f.len), byte(f.decs)
		dbf.Write(d)
	}
	dbf.WriteByte(0x0D)

	rec := make([]byte, 8+content)
	row := make([]byte, recLen)
	put := func(off, width int, s string, right bool) {
		b := []byte(s)
		for i := range width {
			row[off+i] = ' '
		}
		if right {
			copy(row[off+width-len(b):], b)
		} else {
			copy(row[off:], b)
		}
	}
	enc1252 := func(s string) string { // the few accents of the names
		out := make([]byte, 0, len(s))
		for _, r := range s {
			switch r {
			case 'à':
				out = append(out, 0xE0)
			case 'É':
				out = append(out, 0xC9)
			default:
				out = append(out, byte(r))
			}
		}
		return string(out)
	}
	offset := 100
	for i := 0; i < n; i++ {
		pts, id, nature, name, width, imp, lanes := benchRoad(i)
		binary.BigEndian.PutUint32(rec, uint32(i+1))
		binary.BigEndian.PutUint32(rec[4:], content/2)
		c := rec[8:]
		binary.LittleEndian.PutUint32(c, 3)
		for j, v := range []float64{pts[0][0], pts[0][1], pts[4][0], pts[1][1]} {
			binary.LittleEndian.PutUint64(c[4+8*j:], math.Float64bits(v))
		}
		binary.LittleEndian.PutUint32(c[36:], 1)
		binary.LittleEndian.PutUint32(c[40:], 5)
		binary.LittleEndian.PutUint32(c[44:], 0)
		for j, p := range pts {
			binary.LittleEndian.PutUint64(c[48+16*j:], math.Float64bits(p[0]))
			binary.LittleEndian.PutUint64(c[56+16*j:], math.Float64bits(p[1]))
		}
		shp.Write(rec)
		var idx [8]byte
		binary.BigEndian.PutUint32(idx[:], uint32(offset/2))
		binary.BigEndian.PutUint32(idx[4:], content/2)
		shx.Write(idx[:])
		offset += len(rec)

		row[0] = ' '
		put(1, 24, id, false)
		put(25, 30, enc1252(nature), false)
		put(55, 40, enc1252(name), false)
		put(95, 5, fmt.Sprintf("%.1f", width), true)
		put(100, 1, imp, false)
		put(101, 2, fmt.Sprint(lanes), true)
		dbf.Write(row)
	}
	dbf.WriteByte(0x1A)
	for _, w := range []*bufio.Writer{shp, shx, dbf} {
		if err := w.Flush(); err != nil {
			return "", err
		}
	}
	prj := `PROJCS["RGF93_Lambert_93",GEOGCS["GCS_RGF_1993",DATUM["D_RGF_1993",SPHEROID["GRS_1980",6378137.0,298.257222101]],PRIMEM["Greenwich",0.0],UNIT["Degree",0.0174532925199433]],PROJECTION["Lambert_Conformal_Conic"],PARAMETER["False_Easting",700000.0],PARAMETER["False_Northing",6600000.0],PARAMETER["Central_Meridian",3.0],PARAMETER["Standard_Parallel_1",44.0],PARAMETER["Standard_Parallel_2",49.0],PARAMETER["Latitude_Of_Origin",46.5],UNIT["Meter",1.0]]`
	if err := os.WriteFile(base+".prj", []byte(prj), 0o644); err != nil {
		return "", err
	}
	return base + ".shp", nil
}

// TestBenchFiles reads small files made by the benchmark's writers.
func TestBenchFiles(t *testing.T) {
	dir := t.TempDir()
	g, err := writeBenchGPKG(dir, 1000)
	if err != nil {
		t.Fatal(err)
	}
	sh, err := writeBenchShapefile(dir, 1000)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{g, sh} {
		s, err := Open(p, Options{})
		if err != nil {
			t.Fatal(err)
		}
		recs := readAll(t, s)
		s.Close()
		if len(recs) != 1000 || s.SRID() != 2154 {
			t.Fatalf("%s: %d records, SRID %d", p, len(recs), s.SRID())
		}
		r := recs[1]
		name := r.Fields["NOM_1_G"]
		if name == nil {
			name = r.Fields["nom_1_g"]
		}
		if name != "Rue de l'Église 1" || r.Fields["NATURE"] != "Route à 2 chaussées" {
			t.Errorf("%s: record %d: %v", p, r.Num, r.Fields)
		}
	}
}

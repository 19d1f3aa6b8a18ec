// Package source reads geodata files as they are published — GeoJSON,
// GeoPackage, Shapefile (alone or in a .zip or .7z archive), FlatGeobuf and
// CSV — detecting their format, coordinate system and text encoding, and
// streams their features as Records: geometry (orb, 2D, in the file's CRS)
// and typed field values. It knows nothing of Socle's collections or
// stores: the importer maps Records onto collections and writes them.
//
//	src, err := source.Open("TRONCON_DE_ROUTE.zip", source.Options{})
//	if err != nil { … }          // unreadable file, unknown layer, unknown CRS
//	defer src.Close()
//	tr, _ := crs.NewTransformer(src.SRID(), 2154)
//	for rec, err := range src.Records() {
//		var bad *source.RecordError
//		if errors.As(err, &bad) { reject(bad.Num, bad.Err); continue }
//		if err != nil { return err } // the file cannot be read further
//		…
//	}
//
// Memory does not grow with the file: every reader streams, one record at
// a time. BenchmarkRead (go test -bench Read -benchtime=1x) reads a
// generated BD TOPO-shaped layer of 1,000,000 road sections at about
// 860,000 features/s from a Shapefile and 370,000 from a GeoPackage on a
// shared 2-core machine, with 12-16 MiB of memory in use at the peak, the
// same as for 100,000.
//
// # Formats
//
// The format is told by the file's first bytes (zip, 7z, SQLite, FlatGeobuf
// and Shapefile signatures, a JSON object), then by its extension for CSV.
//
//   - GeoJSON: a FeatureCollection, a Feature or a bare geometry; the
//     features are decoded one at a time from a stream. A "crs" member
//     (urn:ogc:def:crs:EPSG::2154, IGNF:LAMB93, CRS84) names the CRS.
//   - GeoPackage: read with the SQLite driver already used by the
//     embedded store (modernc.org/sqlite, pure Go); the binary geometry
//     header and WKB (ISO and extended, Z and M dropped) are decoded here.
//     Options.Layer picks a table; several tables and no layer, or a
//     missing one, is an error that lists them. The CRS comes from
//     gpkg_spatial_ref_sys, by organisation and code, else by its WKT.
//   - Shapefile: .shp, .shx and .dbf are required, .prj and .cpg read when
//     there; read in index order (the .shx), so gaps and reordered records
//     are followed. Polygon rings are grouped into polygons by orientation
//     and containment; MultiPatch becomes MultiPolygon.
//   - FlatGeobuf: header, index skipped, features in file order.
//   - CSV: ',', ';' or tab, detected; a WKT column (wkt, geometry, geom,
//     the_geom) or coordinate columns (lon/lat, longitude/latitude,
//     lng/lat, x/y), without regard to case. Values are strings; an empty
//     cell is nil.
//
// # Coordinate systems
//
// The CRS is read from the .prj WKT, gpkg_spatial_ref_sys, the FlatGeobuf
// header or the GeoJSON crs member. WKT is recognised by its EPSG
// authority when it has one, else by what it describes — projection method
// and parameters, GRS 80 / WGS 84 ellipsoid, metres — so that IGN's
// "RGF93 Lambert 93" and ESRI's "RGF_1993_Lambert_93" with no code are
// both EPSG:2154. Recognised: 2154, CC42-CC50 (3942-3950), 4326, CRS84,
// 4258, 4171, 3857, 3035, and the DROM's 5490, 2972, 2975, 4471 (ogc/crs
// transforms them all). Options.CRS overrides. A file whose CRS is unknown
// is read as longitudes/latitudes only if its coordinates can be: else Open
// refuses it, naming --crs.
//
// # Text
//
// DBF text is decoded by the .cpg's code page, else by the DBF's language
// driver byte (0x57 and 0x03: Windows-1252), else value by value: valid
// UTF-8 as UTF-8, anything else as Windows-1252. A value that is not valid
// in its declared UTF-8 is read as Windows-1252 too, so no replacement
// character is ever produced. CSV text is detected the same way.
//
// # Errors
//
// Open fails for what makes the whole file unreadable: a corrupt or
// truncated archive, header or database, a missing sibling, an unknown
// layer, an unknown CRS. A record that cannot be read (an invalid geometry,
// a value that does not parse) is a *RecordError with its number, and
// reading goes on; a file that breaks mid-way (truncated) ends the reading
// with an error.
//
// # Libraries
//
// Pure Go throughout. Hand-written here, each fuzzed: the Shapefile and DBF
// reader, WKB, WKT (geometries and CRS) and FlatGeobuf. The Go Shapefile
// modules looked at did not fit: github.com/jonas-p/go-shp is unmaintained
// since 2017, panics on corrupt files and ignores encodings;
// github.com/twpayne/go-shapefile (MIT, 2025) assumes an M part in every Z
// shape, stops at the first bad record, has no MultiPatch, defaults to
// ISO-8859-1 without reading the language driver, groups rings by order
// rather than containment, runs three goroutines per record and brings a
// second geometry library. No FlatGeobuf module was to be had from the Go
// module proxy, and generated FlatBuffers code panics on corrupt offsets.
// Used: modernc.org/sqlite (GeoPackage), golang.org/x/text (code pages),
// github.com/paulmach/orb (geometry, GeoJSON geometry decoding) and
// github.com/bodgit/sevenzip (BSD-3-Clause, maintained; .7z archives).
package source

package source

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// Archive formats, opened to reach the Shapefile or GeoPackage inside.
const (
	formatZip Format = "zip"
	format7z  Format = "7z"
)

// detect tells a file's format by its first bytes, then by its extension
// for the text formats. A Shapefile may be named by any of its siblings.
func detect(path string) (Format, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("source: %w", err)
	}
	defer f.Close()
	if st, err := f.Stat(); err == nil && st.IsDir() {
		return "", fmt.Errorf("source: %s is a directory", path)
	}
	head := make([]byte, 512)
	n, err := io.ReadFull(f, head)
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return "", fmt.Errorf("source: %w", err)
	}
	head = head[:n]
	ext := strings.ToLower(filepath.Ext(path))
	name := filepath.Base(path)
	switch {
	case n == 0:
		return "", fmt.Errorf("source: %s is empty", name)
	case bytes.HasPrefix(head, []byte("PK\x03\x04")) || bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return formatZip, nil
	case bytes.HasPrefix(head, []byte("7z\xbc\xaf\x27\x1c")):
		return format7z, nil
	case bytes.HasPrefix(head, []byte("SQLite format 3\x00")):
		return GeoPackage, nil
	case bytes.HasPrefix(head, fgbMagic[:4]):
		return FlatGeobuf, nil
	case n >= 4 && binary.BigEndian.Uint32(head) == 9994 || ext == ".dbf" || ext == ".shx":
		return Shapefile, nil
	}
	switch ext {
	case ".zip":
		return "", fmt.Errorf("source: %s is not a zip archive (corrupt or truncated?)", name)
	case ".7z":
		return "", fmt.Errorf("source: %s is not a 7z archive (corrupt or truncated?)", name)
	case ".gpkg":
		return "", fmt.Errorf("source: %s is not a GeoPackage: not an SQLite file (corrupt or truncated?)", name)
	case ".fgb":
		return "", fmt.Errorf("source: %s is not a FlatGeobuf file: no FlatGeobuf signature (corrupt or truncated?)", name)
	case ".shp":
		return "", fmt.Errorf("source: %s is not a Shapefile: no Shapefile signature (corrupt or truncated?)", name)
	case ".csv", ".tsv", ".txt":
		return CSV, nil
	}
	t := bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\xef\xbb\xbf")), " \t\r\n")
	if len(t) > 0 && t[0] == '{' {
		return GeoJSON, nil
	}
	if ext == ".geojson" || ext == ".json" {
		return "", fmt.Errorf("source: %s is not GeoJSON: it does not start with a JSON object", name)
	}
	return "", fmt.Errorf("source: %s: unrecognised format (read: GeoJSON, GeoPackage, Shapefile, FlatGeobuf, CSV, or a .zip or .7z of a Shapefile or GeoPackage)", name)
}

// crsCode finds the EPSG code in the usual spellings: EPSG:2154,
// EPSG::2154, urn:ogc:def:crs:EPSG:6.3:2154, …/def/crs/EPSG/0/2154, 2154.
var crsCode = regexp.MustCompile(`^\[?(?:(?i:(?:urn:ogc:def:crs:)?EPSG:(?:[0-9.]*:)?)|(?i:https?://www\.opengis\.net/def/crs/EPSG/[0-9.]+/))?(\d+)\]?$`)

// ignfCodes maps the IGNF register's names that IGN writes in GeoJSON crs
// members (urn:ogc:def:crs:IGNF::LAMB93) to their EPSG equivalents.
var ignfCodes = map[string]int{
	"LAMB93": 2154, "RGF93G": 4171, "RGF93GDD": 4171, "WGS84G": 4326, "WGS84RRAFGEO": 4326, "ETRS89G": 4258,
	"RGF93CC42": 3942, "RGF93CC43": 3943, "RGF93CC44": 3944, "RGF93CC45": 3945, "RGF93CC46": 3946,
	"RGF93CC47": 3947, "RGF93CC48": 3948, "RGF93CC49": 3949, "RGF93CC50": 3950,
	"RGAF09UTM20": 5490, "UTM22RGFG95": 2972, "RGR92UTM40S": 2975, "RGM04UTM38S": 4471,
}

// ignfCode returns the EPSG code of an IGNF name (IGNF:LAMB93,
// urn:ogc:def:crs:IGNF::LAMB93), 0 if it is not one.
func ignfCode(s string) int {
	u := strings.ToUpper(strings.TrimSpace(s))
	i := strings.LastIndex(u, "IGNF:")
	if i < 0 {
		return 0
	}
	return ignfCodes[strings.TrimLeft(u[i+5:], ":0123456789.")]
}

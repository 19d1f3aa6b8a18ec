package crs

// The CRS below are read from imported files and transformed to the
// territory's storage CRS; Socle does not serve them (Supported is
// unchanged). Each datum involved — RGF93 v1, and the overseas RGAF09
// (Antilles), RGFG95 (Guyane), RGR92 (La Réunion), RGM04 (Mayotte) — is tied
// to WGS 84 by a null transformation in the EPSG dataset, and PROJ applies
// it as such, so they reach every other supported CRS through geographic
// coordinates unchanged, like RGF93 and ETRS89 in transform.go.

// importProjections holds the projected import-only CRS by EPSG code.
var importProjections = map[int]projection{
	// RGF93 v1 / CC42 to CC50, the nine "conique conforme" zones of 1°
	// (EPSG:3942 to 3950): LCC with standard parallels at lat0 ± 0.75°,
	// origin at lat0 = 42° to 50° on 3°E, false easting 1,700,000 m and
	// false northing (lat0 − 41) × 1,000,000 + 200,000 m.
	3942: newCC(42), 3943: newCC(43), 3944: newCC(44),
	3945: newCC(45), 3946: newCC(46), 3947: newCC(47),
	3948: newCC(48), 3949: newCC(49), 3950: newCC(50),
	// RGAF09 / UTM zone 20N (Guadeloupe, Martinique, Saint-Barthélemy,
	// Saint-Martin).
	5490: newUTM(grs80, 20, false),
	// RGFG95 / UTM zone 22N (Guyane).
	2972: newUTM(grs80, 22, false),
	// RGR92 / UTM zone 40S (La Réunion).
	2975: newUTM(grs80, 40, true),
	// RGM04 / UTM zone 38S (Mayotte).
	4471: newUTM(grs80, 38, true),
}

// importGeographic holds the geographic import-only CRS (longitude,
// latitude in degrees on GRS 80), the same as 4326 here.
var importGeographic = map[int]bool{
	4171: true, // RGF93 v1
	5489: true, // RGAF09
	4624: true, // RGFG95
	4627: true, // RGR92
	4470: true, // RGM04
}

// newCC is RGF93 v1 / CC<lat0>.
func newCC(lat0 int) *lcc {
	l := float64(lat0)
	return newLCC(grs80, l-0.75, l+0.75, l, 3, 1700000, float64(lat0-41)*1000000+200000)
}

// importProjection returns the projection of an import-only SRID (nil for
// a geographic one) and whether the SRID is one.
func importProjection(srid int) (projection, bool) {
	if p, ok := importProjections[srid]; ok {
		return p, true
	}
	return nil, importGeographic[srid]
}

// ImportSRIDs lists the SRIDs NewTransformer accepts beyond the served CRS:
// those of files Socle can import.
func ImportSRIDs() []int {
	return []int{4171, 3942, 3943, 3944, 3945, 3946, 3947, 3948, 3949, 3950, 5489, 5490, 4624, 2972, 4627, 2975, 4470, 4471}
}

package csvenc_test

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	"github.com/paulmach/orb"

	"github.com/socle-geo/socle/internal/format/csvenc"
	"github.com/socle-geo/socle/ogc/featurestream"
)

// A file for a French-locale spreadsheet: ';', decimal comma, x and y.
func ExampleNewEncoder() {
	cols := []featurestream.Column{
		{Name: "voie_nom", Type: featurestream.TypeString},
		{Name: "numero", Type: featurestream.TypeInteger},
		{Name: "date_der_maj", Type: featurestream.TypeDate},
	}
	var out bytes.Buffer
	e, err := csvenc.NewEncoder(&out, cols, csvenc.Options{Separator: ';', DecimalComma: true, Geometry: csvenc.XY, Decimals: 2})
	if err != nil {
		panic(err)
	}
	e.Encode(&featurestream.Feature{
		ID:       "31254_0042_00012",
		Geometry: orb.Point{578123.456, 6270456.789},
		Values:   []any{"Rue de l’Église; bis", int64(12), time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)},
	})
	e.Close()
	// Rows end in CRLF (RFC 4180); shown here with LF.
	fmt.Print(strings.ReplaceAll(out.String(), "\r\n", "\n"))
	// Output:
	// id;voie_nom;numero;date_der_maj;x;y
	// 31254_0042_00012;"Rue de l’Église; bis";12;2024-03-01;578123,46;6270456,79
}

package metadata_test

import (
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/socle-geo/socle/internal/metadata"
	"github.com/socle-geo/socle/internal/socle"
)

// FuzzLoad: whatever a dataset file holds, Load answers an error or files
// that pass its checks, and never panics.
func FuzzLoad(f *testing.F) {
	dir := filepath.Join(fixturesDir(), "metadata")
	service, err := os.ReadFile(filepath.Join(dir, "service.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	for _, name := range []string{"addresses.yaml", "roads.yaml", "artificialisation.yaml"} {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("id: x\ncollections: [roads, roads]\nresolution: {scale: 1, distance: 2}\n"))
	f.Add([]byte("created: 2024-13-45\n"))
	f.Add([]byte("- a\n- b\n"))
	cat := socle.DefaultCatalog()
	f.Fuzz(func(t *testing.T, data []byte) {
		files, err := metadata.Load(fstest.MapFS{"service.yaml": {Data: service}, "x.yaml": {Data: data}}, cat)
		if err != nil {
			return
		}
		d := files.Datasets[0]
		if d.Title.FR == "" || len(d.Collections) == 0 || len(d.Themes) == 0 || d.Created.IsZero() {
			t.Fatalf("accepted an incomplete dataset: %+v", d)
		}
		for _, c := range d.Collections {
			if col, ok := cat.Collection(c); !ok || col.Access != socle.AccessPublic {
				t.Fatalf("accepted collection %q", c)
			}
		}
	})
}

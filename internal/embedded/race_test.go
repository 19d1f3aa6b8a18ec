//go:build race

package embedded

// largeN is the size of the crash test's import: large enough that the
// kill comes while SQLite writes it; smaller under the race detector, which
// slows imports tenfold.
const largeN = 30000

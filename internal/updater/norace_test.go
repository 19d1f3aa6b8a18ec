//go:build !race

package updater_test

// crashRows is the size of the crash test's batch: large enough that the
// kill comes while SQLite writes it; smaller under the race detector, which
// slows everything tenfold.
const crashRows = 150000

// Package cql2 implements the OGC Common Query Language, CQL2 (OGC 21-065r2,
// version 1.0): a typed syntax tree, parsers and printers for the CQL2-Text
// and CQL2-JSON encodings, and an evaluator that filters features in memory.
//
// The package is storage-free. Stores that translate filters to their own
// query language walk the tree with a type switch; because Expr is sealed,
// the switch over the node types of this package is complete.
//
// Both parsers bound their input (see Parser): a filter longer than
// DefaultMaxLength bytes or nested deeper than DefaultMaxDepth is refused
// with a *LimitError instead of exhausting the server.
//
// The geometric predicates are computed by the geomrel subpackage on planar
// coordinates.
package cql2

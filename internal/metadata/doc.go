// Package metadata makes the territory's metadata records from two
// sources: the metadata files, where a person states what only a person
// knows (titles, abstracts, keywords, the publisher, the licence, the
// lineage text), and the data itself, which knows its extent, its time
// span, its feature counts, when it was last changed and by which imports.
// Records are therefore never stale: an import changes them.
//
// A Catalogue builds ISO 19139 / INSPIRE records (package ogc/iso19139)
// for each dataset and for the download and discovery services, in French
// or English, with links relative to the API's base URL.
package metadata

// Package zan owns the ZAN (zéro artificialisation nette) rules and
// figures: the official OCS GE cover × use matrix that decides what is
// artificialised, the artificialisation flux between two millésimes of land
// cover (or from a change layer) per commune and for the EPCI, and the
// Cerema reference consumption of natural, agricultural and forest land
// (2011–2021) with the 2021–2031 allowance it sets.
//
// It computes from plain values and stores nothing: it may import
// internal/socle types, ogc/* and libraries, never the stores or the
// server, which call it.
package zan

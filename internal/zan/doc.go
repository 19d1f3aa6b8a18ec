// Package zan owns the ZAN (zéro artificialisation nette) rules and
// figures: the official OCS GE cover × use matrix that decides what is
// artificialised (Matrix, Artificialised), the artificialisation flux
// between two millésimes of land cover, or from a change layer, per commune
// and for the EPCI (ComputeFlux, ComputeFluxes, ComputeChangeFlux), and the
// Cerema reference consumption of natural, agricultural and forest land
// 2011–2021 with the 2021–2031 allowance it sets (ReadConsommation,
// Consommation.References).
//
// It computes from plain values and stores nothing: it may import
// internal/socle types, ogc/* and libraries, never the stores or the
// server, which call it. Geometry comes in and goes out as orb values (the
// project's one geometry model), in the territory's projected CRS in metres
// (Lambert-93); the polygon overlay is github.com/peterstace/simplefeatures
// (pure Go), kept inside this package. Why that library, and what was
// measured against PostGIS on dirty polygons: OVERLAY.md beside this file.
// The PostGIS twin of ComputeFlux is postgis.ComputeFluxSQL, which makes its
// Result with NewResult so that both stores apply one rule.
package zan

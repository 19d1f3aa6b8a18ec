// Package bal reads and validates Base Adresse Locale (BAL) CSV files,
// versions 1.3, 1.4 and 1.5, as the official validator does
// (BaseAdresseNationale/validateur-bal @ ecec9a5, v3.5.2): same rules, same
// error codes, French labels and severities (the profile named after the
// detected version).
//
// Reading is streaming: NewReader reads the header (buffering at most
// 64 KiB to detect encoding, separator and line breaks), then Next returns
// one row at a time. The whole-file rules only keep small indexes (BAN ids,
// street and address keys with line numbers).
//
//	r, err := bal.NewReader(f, bal.WithCOG(cog))
//	if err != nil { … } // *bal.MissingColumnsError, bal.ErrEmptyFile, …
//	for {
//		addr, issues, err := r.Next()
//		if err == io.EOF {
//			break
//		}
//		if err != nil { … }
//		if bal.HasError(issues) {
//			continue // rejected row: addr is zero but for addr.Line
//		}
//		load(addr) // inside a transaction
//	}
//	if bal.HasError(r.FileIssues()) { rollback } // the file as a whole is invalid
//
// # Differences with validateur-bal
//
//   - Missing required columns (cle_interop up to 1.4, numero,
//     commune_insee, commune_nom, source, voie_nom / toponyme in 1.5) make
//     NewReader fail; the validator only reports field.<col>.missing (an
//     Info for commune_nom, a Warning for cle_interop and source). Other
//     missing columns are reported as field.<col>.missing with the profile's
//     severity (field.long.missing and field.lat.missing are errors).
//   - file.encoding.non_standard, file.delimiter.non_standard and
//     file.linebreak.non_standard are Warnings (the validator's 1.3, 1.4 and
//     1.5 profiles make them errors; only its legacy 1.3-relax profile has
//     them as warnings).
//   - Header names are matched ignoring case and surrounding spaces, and
//     ten-character truncations (cle_intero, uid_adress, commune_in, …) and
//     the validator's former aliases (x_l93, long_wgs84, date_maj, …) are
//     accepted, each with the Info field.<col>.fuzzy. The validator at
//     ecec9a5 matches exact names only.
//   - Version detection: a toponyme column means 1.5 and any id_ban_* column
//     means 1.4; the validator requires the three id_ban_* columns for both.
//   - Without WithCOG, commune codes are only checked for their format (five
//     digits, or 2A/2B and three digits): commune_ancienne,
//     row.commune_nom_invalide and row.chef_lieu_invalide need the COG.
//     row.cog_no_match_id_ban_commune needs WithIDBanCommune (the validator
//     calls the BAN API).
//   - Rules that depend on later rows (row.different_*_id_ban_*,
//     row.lieudit_complement_nom_not_declared) are reported by FileIssues
//     after io.EOF, with the line of each row concerned.
//   - Rows whose number of fields differs from the header are rejected
//     (csv.trop_de_champs / csv.trop_peu_de_champs) and also reported as a
//     file Error: papaparse's TooManyFields/TooFewFields make the validator
//     refuse the file.
//   - Warnings added: row.incoherence_commune and row.incoherence_suffixe
//     (cle_interop against commune_insee — or commune_deleguee_insee — and
//     suffixe; the validator only checks numero) and row.incoherence_ids_ban
//     (two identical BAN ids on a row, a validator rule removed in 2025).
//   - date_der_maj remediations (Issue.Suggestion) also cover dotted dates
//     (2013.01.26) and ISO date-times.
//   - Street names are compared with an approximation of
//     @ban-team/adresses-util normalize (numbers are not spelled out).
package bal

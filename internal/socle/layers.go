package socle

// The collection ids are a contract (DESIGN.md): scripts and clients rely on them.

func q(name string, t Type, fr, en string) Property {
	return Property{Name: name, Type: t, Title: Text{fr, en}, Queryable: true, Sortable: true}
}

func nullable(p Property) Property { p.Nullable = true; return p }

func derived(p Property) Property { p.Derived = true; return p }

func enum(p Property, values ...string) Property { p.Enum = values; return p }

// BALPositions are the position values of the Base Adresse Locale.
var BALPositions = []string{"entrée", "bâtiment", "cage d’escalier", "logement", "service technique", "délivrance postale", "parcelle", "segment"}

// DefaultCatalog returns the reference layers of a territory.
func DefaultCatalog() *Catalog {
	return &Catalog{Collections: []*Collection{
		{
			ID:    "addresses",
			Title: Text{"Adresses (Base Adresse Locale)", "Addresses (Base Adresse Locale)"},
			Description: Text{
				"Adresses du territoire au format Base Adresse Locale, enrichies du statut de déploiement de la fibre optique (FTTH).",
				"The territory's addresses in the Base Adresse Locale format, enriched with their fibre (FTTH) deployment status.",
			},
			Keywords:     []string{"adresses", "BAL", "Base Adresse Locale", "fibre", "FTTH"},
			InspireTheme: "AD",
			GeometryType: "Point",
			IDType:       TypeInteger,
			Temporal:     "date_der_maj",
			Access:       AccessPublic,
			Tiles:        TileLayer{MaxResolution: 3.5, Properties: []string{"numero", "suffixe", "voie_nom", "fibre_status"}},
			Properties: []Property{
				q("cle_interop", TypeString, "Clé d’interopérabilité", "Interoperability key"),
				q("numero", TypeInteger, "Numéro", "House number"),
				nullable(q("suffixe", TypeString, "Suffixe", "Suffix")),
				q("voie_nom", TypeString, "Nom de la voie", "Street name"),
				nullable(q("lieudit_complement_nom", TypeString, "Lieu-dit complémentaire", "Additional locality")),
				q("commune_insee", TypeString, "Code INSEE de la commune", "Municipality INSEE code"),
				q("commune_nom", TypeString, "Commune", "Municipality"),
				nullable(q("commune_deleguee_insee", TypeString, "Code INSEE de la commune déléguée", "Delegated municipality INSEE code")),
				nullable(q("commune_deleguee_nom", TypeString, "Commune déléguée", "Delegated municipality")),
				nullable(enum(q("position", TypeString, "Type de position", "Position type"), BALPositions...)),
				nullable(q("cad_parcelles", TypeString, "Parcelles cadastrales (séparées par |)", "Cadastral parcels (|-separated)")),
				q("source", TypeString, "Source", "Source"),
				nullable(q("date_der_maj", TypeDate, "Date de dernière mise à jour", "Last update date")),
				q("certification_commune", TypeBoolean, "Certifiée par la commune", "Certified by the municipality"),
				derived(nullable(enum(q("fibre_status", TypeString, "Statut fibre (FTTH)", "Fibre (FTTH) status"),
					"deploye", "en cours de deploiement", "signe", "raccordable demande", "cible", "abandonne"))),
				derived(nullable(q("fibre_operator", TypeString, "Opérateur fibre", "Fibre operator"))),
				derived(nullable(q("fibre_updated_at", TypeDateTime, "Mise à jour fibre", "Fibre status updated at"))),
				derived(nullable(q("fibre_batch", TypeString, "Lot de mise à jour fibre", "Fibre update batch"))),
			},
		},
		{
			ID:    "roads",
			Title: Text{"Réseau routier", "Road network"},
			Description: Text{
				"Tronçons de voirie du territoire, enrichis de l’état de la chaussée relevé par les tournées de collecte des déchets.",
				"Road segments of the territory, enriched with the road condition reported by the waste-collection rounds.",
			},
			Keywords:     []string{"voirie", "routes", "réseau routier", "état de la chaussée"},
			InspireTheme: "TN",
			GeometryType: "LineString",
			IDType:       TypeInteger,
			Temporal:     "updated_at",
			Access:       AccessPublic,
			Tiles:        TileLayer{MaxResolution: 112, Properties: []string{"name", "road_class", "condition", "width"}, Simplify: true},
			Properties: []Property{
				q("name", TypeString, "Nom", "Name"),
				q("road_class", TypeString, "Nature de la route", "Road class"),
				q("surface", TypeString, "Revêtement", "Surface"),
				nullable(q("width", TypeNumber, "Largeur (m)", "Width (m)")),
				q("commune_insee", TypeString, "Code INSEE de la commune", "Municipality INSEE code"),
				derived(nullable(q("condition", TypeInteger, "État (0 bon … 3 dangereux)", "Condition (0 good … 3 dangerous)"))),
				derived(nullable(q("condition_observed_at", TypeDateTime, "Date du dernier relevé", "Latest report time"))),
				derived(q("report_count", TypeInteger, "Nombre de relevés", "Report count")),
				derived(nullable(q("condition_batch", TypeString, "Lot de mise à jour de l’état", "Condition update batch"))),
				q("updated_at", TypeDateTime, "Mise à jour", "Updated at"),
			},
		},
		{
			ID:    "land_cover",
			Title: Text{"Occupation du sol (OCS GE)", "Land cover (OCS GE)"},
			Description: Text{
				"Parcelles d’occupation du sol à grande échelle (couverture et usage OCS GE) et leur artificialisation, pour suivre la trajectoire ZAN.",
				"Large-scale land cover parcels (OCS GE cover and use) and their artificialisation, to follow the ZAN trajectory.",
			},
			Keywords:     []string{"occupation du sol", "OCS GE", "artificialisation", "ZAN"},
			InspireTheme: "LC",
			GeometryType: "Polygon",
			IDType:       TypeInteger,
			Temporal:     "updated_at",
			Access:       AccessPublic,
			Tiles:        TileLayer{MaxResolution: 28, Properties: []string{"code_cs", "code_us", "artificialised", "year_artificialised"}, Simplify: true},
			Properties: []Property{
				q("code_cs", TypeString, "Code de couverture (CS)", "Cover code (CS)"),
				q("code_us", TypeString, "Code d’usage (US)", "Use code (US)"),
				q("artificialised", TypeBoolean, "Artificialisé", "Artificialised"),
				q("year", TypeInteger, "Millésime", "Vintage"),
				nullable(q("year_artificialised", TypeInteger, "Année d’artificialisation", "Year artificialised")),
				q("area_m2", TypeNumber, "Surface (m²)", "Area (m²)"),
				q("commune_insee", TypeString, "Code INSEE de la commune", "Municipality INSEE code"),
				q("updated_at", TypeDateTime, "Mise à jour", "Updated at"),
			},
		},
		{
			ID:    "communes",
			Title: Text{"Communes et indicateurs d’artificialisation", "Municipalities and artificialisation indicators"},
			Description: Text{
				"Limites des communes du territoire, avec les indicateurs d’artificialisation calculés depuis l’occupation du sol : hectares artificialisés par an, consommation de référence 2011–2021 et consommation depuis 2021 au regard de l’objectif de réduction de moitié de la loi Climat et résilience (ZAN).",
				"Boundaries of the territory's municipalities, with artificialisation indicators computed from land cover: hectares artificialised per year, the 2011–2021 reference consumption and the consumption since 2021 against the halving target of the Climate and Resilience law (ZAN).",
			},
			Keywords:     []string{"communes", "limites administratives", "artificialisation", "ZAN"},
			InspireTheme: "AU",
			GeometryType: "MultiPolygon",
			IDType:       TypeString,
			IDColumn:     "insee",
			Access:       AccessPublic,
			Tiles:        TileLayer{MaxResolution: 450, Properties: []string{"insee", "nom", "zan_budget_used_pct", "artificialised_ha_since_2021"}, Simplify: true},
			Properties: []Property{
				q("insee", TypeString, "Code INSEE", "INSEE code"),
				q("nom", TypeString, "Nom", "Name"),
				q("epci_siren", TypeString, "SIREN de l’EPCI", "Intermunicipality SIREN"),
				nullable(q("population", TypeInteger, "Population municipale", "Population")),
				{Name: "artificialised_ha_by_year", Type: TypeObject, Derived: true, Title: Text{"Hectares artificialisés par an", "Hectares artificialised per year"}},
				derived(q("artificialised_ha_2011_2021", TypeNumber, "Artificialisation 2011–2021 (ha, référence)", "Artificialisation 2011–2021 (ha, reference)")),
				derived(q("artificialised_ha_since_2021", TypeNumber, "Artificialisation depuis 2021 (ha)", "Artificialisation since 2021 (ha)")),
				derived(q("zan_budget_ha_2021_2031", TypeNumber, "Enveloppe ZAN 2021–2031 (ha)", "ZAN allowance 2021–2031 (ha)")),
				derived(nullable(q("zan_budget_used_pct", TypeNumber, "Part de l’enveloppe ZAN consommée (%)", "Share of the ZAN allowance used (%)"))),
			},
		},
		{
			ID:    "address_candidates",
			Title: Text{"Adresses candidates (déploiement de la fibre)", "Candidate addresses (fibre deployment)"},
			Description: Text{
				"Immeubles des fichiers de déploiement de la fibre optique qui ne correspondent à aucune adresse connue, avec la raison : des propositions que la commune examine avant de les certifier dans la Base Adresse Locale.",
				"Buildings of the fibre deployment files that match no known address, with the reason: proposals the municipality reviews before certifying them in the Base Adresse Locale.",
			},
			Keywords:      []string{"adresses", "BAL", "fibre", "FTTH", "adresses candidates"},
			InspireTheme:  "AD",
			GeometryType:  "Point",
			IDType:        TypeString,
			IDColumn:      "key",
			BatchProperty: "fibre_batch",
			Temporal:      "created_at",
			Access:        AccessInternal,
			Tiles:         TileLayer{MaxResolution: 3.5, Properties: []string{"numero", "suffixe", "voie_nom", "reason"}},
			Properties: []Property{
				q("fibre_batch", TypeString, "Lot de mise à jour fibre", "Fibre update batch"),
				q("line", TypeInteger, "Ligne du fichier", "File line"),
				q("imb_id", TypeString, "Identifiant de l’immeuble (opérateur)", "Building id (operator)"),
				nullable(q("numero", TypeInteger, "Numéro", "House number")),
				q("suffixe", TypeString, "Suffixe", "Suffix"),
				q("voie_nom", TypeString, "Nom de la voie", "Street name"),
				q("commune_insee", TypeString, "Code INSEE de la commune", "Municipality INSEE code"),
				q("commune_nom", TypeString, "Commune", "Municipality"),
				q("code_postal", TypeString, "Code postal", "Postcode"),
				q("fibre_status", TypeString, "Statut fibre (FTTH)", "Fibre (FTTH) status"),
				q("fibre_operator", TypeString, "Opérateur fibre", "Fibre operator"),
				q("reason", TypeString, "Raison", "Reason"),
				q("created_at", TypeDateTime, "Proposée le", "Proposed at"),
			},
		},
		{
			ID:    "road_reports",
			Title: Text{"Relevés d’état de la voirie", "Road-state reports"},
			Description: Text{
				"Relevés bruts de l’état de la chaussée transmis par les tournées de collecte des déchets, rattachés au tronçon sur lequel ils ont été pris ; les véhicules n’y figurent que sous un pseudonyme. Données fermées.",
				"Raw road-condition reports sent by the waste-collection rounds, snapped to the road segment they were taken on; vehicles appear only as a pseudonym. Closed data.",
			},
			Keywords:      []string{"voirie", "état de la chaussée", "relevés"},
			GeometryType:  "Point",
			IDType:        TypeString,
			IDColumn:      "key",
			BatchProperty: "report_batch",
			Temporal:      "observed_at",
			Access:        AccessRestricted,
			ReadRoles:     []string{"roads"},
			Tiles:         TileLayer{MaxResolution: 3.5, Properties: []string{"condition", "observed_at", "road_id"}},
			Properties: []Property{
				q("report_batch", TypeString, "Lot de relevés", "Report batch"),
				q("line", TypeInteger, "Ligne du fichier", "File line"),
				q("observed_at", TypeDateTime, "Relevé le", "Observed at"),
				q("vehicle", TypeString, "Véhicule (pseudonyme)", "Vehicle (pseudonym)"),
				nullable(q("heading", TypeNumber, "Cap (degrés depuis le nord)", "Heading (degrees from north)")),
				q("condition", TypeInteger, "État (0 bon … 3 dangereux)", "Condition (0 good … 3 dangerous)"),
				q("comment", TypeString, "Commentaire", "Comment"),
				nullable(q("road_id", TypeInteger, "Tronçon", "Road segment")),
				nullable(q("distance", TypeNumber, "Distance au tronçon (m)", "Distance to the segment (m)")),
				q("reason", TypeString, "Raison du non-rattachement", "Why not snapped"),
			},
		},
	}}
}

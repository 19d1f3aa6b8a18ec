package iso19139

// The CSW ISO application profile (OGC 07-045, §8.2.2) answers queries
// with three element sets: brief, summary and full. Its brief and summary
// views leave out elements the ISO 19139 schema requires (gmd:contact,
// gmd:dateStamp, gmd:abstract, the citation date), so that a strict
// validator (and csw:SearchResults validates its records strictly)
// rejects them. The views here keep those mandatory elements and drop the
// rest, so every element set stays a valid gmd:MD_Metadata.

// Brief is the brief element set of r: identifier, language, resource
// type, metadata contact and date, title and dates, abstract, bounding box
// and, for a service, its type.
func (r Record) Brief() Record {
	b := Record{
		FileIdentifier:     r.FileIdentifier,
		Language:           r.Language,
		HierarchyLevel:     r.HierarchyLevel,
		HierarchyLevelName: r.HierarchyLevelName,
		Contact:            r.Contact,
		DateStamp:          r.DateStamp,
		Title:              r.Title,
		Dates:              r.Dates,
		Abstract:           r.Abstract,
		BBox:               r.BBox,
		ResourceLanguages:  r.ResourceLanguages,
	}
	if r.Service != nil {
		b.Service = &Service{Type: r.Service.Type, TypeVersions: r.Service.TypeVersions, CouplingType: r.Service.CouplingType}
		if b.Service.CouplingType == "" && len(r.Service.OperatesOn) > 0 {
			b.Service.CouplingType = "tight"
		}
	}
	return b
}

// Summary is the summary element set of r: the full record without the
// data quality reports (conformity, topological consistency), the
// temporal extent and the service operations.
func (r Record) Summary() Record {
	s := r
	s.Conformity = nil
	s.TopologicalConsistency = nil
	s.TemporalExtent = nil
	s.AlternateTitle = ""
	if r.Service != nil {
		svc := *r.Service
		svc.Operations = nil
		svc.CoupledResources = nil
		s.Service = &svc
	}
	return s
}

package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/peterbourgon/ff/v3/ffyaml"
	"go.yaml.in/yaml/v3"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/socle"
)

// Security is the `security:` section of the YAML file: what flags cannot
// say (per-collection access, personal properties, the OIDC issuer).
//
//	security:
//	  collections:
//	    address_candidates: {access: internal}
//	    road_reports: {access: restricted, roles: [roads], personal: [reporter]}
//	  oidc:
//	    issuer: https://sso.example.org/realms/agglo
//	    audience: socle
//	    roles_claim: realm_access.roles
//	    role_map: {sig-lecteur: reader, sig-voirie: roads, sig-admin: admin}
type Security struct {
	Collections map[string]CollectionSecurity `yaml:"collections"`
	OIDC        *auth.OIDCConfig              `yaml:"oidc"`
}

// CollectionSecurity overrides a collection's access level.
type CollectionSecurity struct {
	// Access is public, internal or restricted.
	Access string `yaml:"access"`
	// Roles may read a restricted collection.
	Roles []string `yaml:"roles"`
	// Personal names properties holding personal data: served only from a
	// restricted collection to its roles, never in tiles.
	Personal []string `yaml:"personal"`
}

// securityKey is the YAML section that the flag parser does not see.
const securityKey = "security"

// yamlParser hands every top-level key but `security` to ff's YAML parser.
func yamlParser(r io.Reader, set func(name, value string) error) error {
	var m map[string]any
	if err := yaml.NewDecoder(r).Decode(&m); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("error parsing YAML config: %w", err)
	}
	delete(m, securityKey)
	b, err := yaml.Marshal(m)
	if err != nil {
		return err
	}
	return ffyaml.Parser(bytes.NewReader(b), set)
}

// ReadSecurity reads the security section of the --config file, if any.
func (c *Config) ReadSecurity() error {
	c.Security = Security{}
	if c.ConfigFile == "" {
		return nil
	}
	b, err := os.ReadFile(c.ConfigFile)
	if err != nil {
		return err
	}
	var doc struct {
		Security yaml.Node `yaml:"security"`
	}
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %w", c.ConfigFile, err)
	}
	if doc.Security.Kind == 0 {
		return nil
	}
	// Unknown keys are mistakes (a misspelt "personal" would leak data).
	var buf bytes.Buffer
	if err := yaml.NewEncoder(&buf).Encode(&doc.Security); err != nil {
		return err
	}
	dec := yaml.NewDecoder(&buf)
	dec.KnownFields(true)
	if err := dec.Decode(&c.Security); err != nil {
		return fmt.Errorf("%s: security: %w", c.ConfigFile, err)
	}
	return nil
}

// Apply sets the access levels and personal properties of catalog,
// reporting every problem at once.
func (s *Security) Apply(catalog *socle.Catalog) error {
	var errs []error
	for id, cs := range s.Collections {
		c, ok := catalog.Collection(id)
		if !ok {
			errs = append(errs, fmt.Errorf("security.collections: no collection %q", id))
			continue
		}
		switch a := socle.Access(cs.Access); a {
		case socle.AccessPublic, socle.AccessInternal, socle.AccessRestricted:
			c.Access = a
		case "":
		default:
			errs = append(errs, fmt.Errorf("security.collections.%s.access %q: expected public, internal or restricted", id, cs.Access))
		}
		if len(cs.Roles) > 0 {
			c.ReadRoles = slices.Clone(cs.Roles)
		}
		if c.Access == socle.AccessRestricted && len(c.ReadRoles) == 0 {
			errs = append(errs, fmt.Errorf("security.collections.%s: a restricted collection needs roles (admins read it anyway)", id))
		}
		for _, name := range cs.Personal {
			i := slices.IndexFunc(c.Properties, func(p socle.Property) bool { return p.Name == name })
			if i < 0 {
				errs = append(errs, fmt.Errorf("security.collections.%s.personal: no property %q", id, name))
				continue
			}
			c.Properties[i].Personal = true
		}
	}
	if o := s.OIDC; o != nil && !strings.HasPrefix(o.Issuer, "https://") && !strings.HasPrefix(o.Issuer, "http://") {
		errs = append(errs, fmt.Errorf("security.oidc.issuer %q: expected an http(s) URL", o.Issuer))
	}
	return errors.Join(errs...)
}

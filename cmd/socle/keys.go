package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/socle-geo/socle/internal/auth"
	"github.com/socle-geo/socle/internal/importer"
	"github.com/socle-geo/socle/internal/socle"
)

const keysUsage = "keys create --name N --roles a,b --rights r1,r2 --expires 90d | keys list | keys revoke ID"

func keysCmd(ctx context.Context, e *env, args []string) error {
	var name, roles, rights, expires string
	rest, err := e.parse("keys", args, func(fs *flag.FlagSet) {
		fs.StringVar(&name, "name", "", "keys create: who or what the key is for")
		fs.StringVar(&roles, "roles", "", "keys create: comma-separated roles (e.g. reader, roads)")
		fs.StringVar(&roles, "role", "", "alias of --roles")
		fs.StringVar(&rights, "rights", "", "keys create: comma-separated rights: "+strings.Join(auth.Rights, ", "))
		fs.StringVar(&expires, "expires", "90d", "keys create: lifetime, e.g. 90d, 12h, or never")
	})
	if err != nil {
		return err
	}
	if len(rest) == 0 {
		return errors.New("usage: socle " + keysUsage)
	}
	catalog := socle.DefaultCatalog()
	store, err := e.openStore(ctx, catalog, e.cfg.Logger(), false)
	if err != nil {
		return err
	}
	defer store.Close()
	now := time.Now().UTC()
	audit := func(action, target string, err error) {
		st := 0
		if err != nil {
			st = 1
		}
		_ = store.AppendAudit(ctx, socle.AuditEntry{Time: now, Actor: actor(), Action: action, Target: target, Remote: "cli", Status: st})
	}
	switch rest[0] {
	case "create":
		if len(rest) != 1 {
			return errors.New("usage: socle keys create --name N --roles a,b --rights r1,r2 --expires 90d")
		}
		if name == "" {
			return errors.New("keys create: --name is required (who or what the key is for)")
		}
		ttl, err := parseLifetime(expires)
		if err != nil {
			return err
		}
		secret, k, err := auth.NewKey(name, list(roles), list(rights), now, ttl)
		if err != nil {
			return err
		}
		err = store.CreateAPIKey(ctx, k)
		audit("key.create", k.ID, err)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "%s\n", secret)
		exp := "never"
		if k.ExpiresAt != nil {
			exp = k.ExpiresAt.Format(time.RFC3339)
		}
		fmt.Fprintf(e.stderr, "key %s (%s) created, expires %s.\nThe key above is shown once: only its hash is stored. Send it as 'Authorization: Bearer KEY' or 'X-API-Key: KEY'.\n", k.ID, k.Name, exp)
		return nil
	case "list":
		keys, err := store.APIKeys(ctx)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(e.stdout, 2, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tROLES\tRIGHTS\tCREATED\tEXPIRES\tSTATUS")
		for _, k := range keys {
			exp, status := "never", "active"
			if k.ExpiresAt != nil {
				exp = k.ExpiresAt.Format(time.RFC3339)
				if !now.Before(*k.ExpiresAt) {
					status = "expired"
				}
			}
			if k.RevokedAt != nil {
				status = "revoked " + k.RevokedAt.Format(time.RFC3339)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", k.ID, k.Name, strings.Join(k.Roles, ","), strings.Join(k.Rights, ","),
				k.CreatedAt.Format(time.RFC3339), exp, status)
		}
		return tw.Flush()
	case "revoke":
		if len(rest) != 2 {
			return errors.New("usage: socle keys revoke ID")
		}
		err := store.RevokeAPIKey(ctx, rest[1], now)
		audit("key.revoke", rest[1], err)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "key %s revoked\n", rest[1])
		return nil
	}
	return fmt.Errorf("unknown keys command %q; usage: socle %s", rest[0], keysUsage)
}

// authenticator checks API keys against store and, when an issuer is
// configured, OpenID Connect tokens.
func authenticator(e *env, store socle.Keys) *auth.Authenticator {
	a := &auth.Authenticator{Keys: store}
	if o := e.cfg.Security.OIDC; o != nil {
		a.OIDC = auth.NewOIDC(*o, nil, nil)
	}
	return a
}

func oidcIssuer(e *env) string {
	if o := e.cfg.Security.OIDC; o != nil {
		return strings.TrimSuffix(o.Issuer, "/")
	}
	return ""
}

// auditImport records an import from the command line: every write is
// in the audit log, whoever made it.
func auditImport(ctx context.Context, store socle.AuditLog, args []string, reports []importer.Report, err error) {
	st := 0
	if err != nil {
		st = 1
	}
	var targets, details []string
	for _, r := range reports {
		targets = append(targets, r.Collection)
		details = append(details, r.String())
	}
	_ = store.AppendAudit(context.WithoutCancel(ctx), socle.AuditEntry{Time: time.Now().UTC(), Actor: actor(), Action: "import",
		Target: strings.Join(targets, ","), Remote: "cli", Status: st, Detail: "import " + strings.Join(args, " ") + ": " + strings.Join(details, "; ")})
}

// parseLifetime reads "90d", a Go duration ("12h"), or "never".
func parseLifetime(s string) (time.Duration, error) {
	if s == "never" {
		return 0, nil
	}
	if d, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(d)
		if err == nil && n > 0 && n <= 3650 {
			return time.Duration(n) * 24 * time.Hour, nil
		}
	} else if d, err := time.ParseDuration(s); err == nil && d > 0 {
		return d, nil
	}
	return 0, socle.Errorf(socle.EINVALID, "--expires %q: expected e.g. 90d, 12h or never", s)
}

func list(s string) []string {
	var out []string
	for _, x := range strings.Split(s, ",") {
		if x = strings.TrimSpace(x); x != "" {
			out = append(out, x)
		}
	}
	return out
}

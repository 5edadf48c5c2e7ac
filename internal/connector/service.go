package connector

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/keys"
)

// Stored is one stored version of a connector: its configuration as JSON
// without the secret, the secret sealed with the node's data key, who made
// the version, why and when. Versions of a name count 1, 2, 3, ...; the
// highest is the current one.
type Stored struct {
	Name         string
	Version      int64
	Department   string
	Enabled      bool
	Config       string // JSON of Config with Auth.Secret empty
	SealedSecret []byte
	AuthorUserID int64 // 0: the system
	AuthorName   string
	Reason       string
	CreatedAt    time.Time
}

// Store persists connector versions.
type Store interface {
	// PutConnectorVersion stores v as version base+1 of v.Name (base 0
	// creates the connector) and sets v.Version and v.CreatedAt (to the
	// store's clock when zero; stored to the microsecond, UTC). It must
	// return fault.Conflict "connector.stale" if base is not the name's
	// current version, including when another writer got there first.
	PutConnectorVersion(ctx context.Context, v *Stored, base int64) error
	// CurrentConnectors returns the current version of every connector,
	// ordered by name.
	CurrentConnectors(ctx context.Context) ([]Stored, error)
	// ConnectorByName returns the current version of a connector; it must
	// return fault.NotFound "connector.not_found" if the name is unknown.
	ConnectorByName(ctx context.Context, name string) (Stored, error)
	// ConnectorVersions returns every version of a connector, oldest
	// first; fault.NotFound "connector.not_found" if the name is unknown.
	ConnectorVersions(ctx context.Context, name string) ([]Stored, error)
}

// Repo is what the service stores into: connectors and the evidence log.
type Repo interface {
	Store
	audit.Store
}

// Items resolves catalogue items (catalog.Service).
type Items interface {
	Get(ctx context.Context, code string) (catalog.Version, error)
}

// Service reads and changes connectors. Only operator administrators (and
// the system) may; every change is a new version with author and reason
// and an evidence entry in the same transaction. Secrets are sealed before
// they are stored and never returned.
type Service struct {
	Repo  Repo
	InTx  func(ctx context.Context, fn func(Repo) error) error
	Seal  *keys.Sealer
	Items Items
	Now   func() time.Time
	// OnChange, when set, runs after a change commits (the node reloads
	// its registry).
	OnChange func(ctx context.Context)
}

// View is a connector version as it is shown: the configuration without
// its secret, whether a secret is stored, and the version's record.
type View struct {
	Config
	SecretSet    bool      `json:"secret_set"`
	Version      int64     `json:"version"`
	AuthorUserID int64     `json:"author_user_id"`
	AuthorName   string    `json:"author_name"`
	Reason       string    `json:"reason"`
	CreatedAt    time.Time `json:"created_at"`
}

var errForbidden = fault.New(fault.Forbidden, "connector.forbidden", "only an operator administrator may see or change connectors")

func canAdmin(p access.Principal) bool {
	return p.IsAdmin() && p.IsOperator() || p.Username == "system" && p.OrgID == 0 && p.UserID == 0
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func aad(name string) []byte { return []byte("connector:" + name) }

func view(st Stored) (View, error) {
	var c Config
	if err := json.Unmarshal([]byte(st.Config), &c); err != nil {
		return View{}, fmt.Errorf("connector %s v%d: stored configuration: %w", st.Name, st.Version, err)
	}
	c.Auth.Secret = ""
	return View{Config: c, SecretSet: len(st.SealedSecret) > 0, Version: st.Version, AuthorUserID: st.AuthorUserID,
		AuthorName: st.AuthorName, Reason: st.Reason, CreatedAt: st.CreatedAt}, nil
}

// List returns the current version of every connector, by name.
func (s *Service) List(ctx context.Context, p access.Principal) ([]View, error) {
	if !canAdmin(p) {
		return nil, errForbidden
	}
	sts, err := s.Repo.CurrentConnectors(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(sts))
	for _, st := range sts {
		v, err := view(st)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Get returns a connector's current version.
func (s *Service) Get(ctx context.Context, p access.Principal, name string) (View, error) {
	if !canAdmin(p) {
		return View{}, errForbidden
	}
	st, err := s.Repo.ConnectorByName(ctx, strings.TrimSpace(name))
	if err != nil {
		return View{}, err
	}
	return view(st)
}

// History returns every version of a connector, oldest first.
func (s *Service) History(ctx context.Context, p access.Principal, name string) ([]View, error) {
	if !canAdmin(p) {
		return nil, errForbidden
	}
	sts, err := s.Repo.ConnectorVersions(ctx, strings.TrimSpace(name))
	if err != nil {
		return nil, err
	}
	out := make([]View, 0, len(sts))
	for _, st := range sts {
		v, err := view(st)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// Save stores cfg as the version after base (0 to add a connector). An
// empty secret keeps the stored one, unless the auth type changes (then a
// secret is required, as for a new connector). A base that is no longer
// current is fault.Conflict "connector.stale"; a configuration equal to the
// current one (and no new secret) stores nothing and returns the current
// version.
func (s *Service) Save(ctx context.Context, p access.Principal, cfg Config, base int64, reason string) (View, error) {
	if !canAdmin(p) {
		return View{}, errForbidden
	}
	if s.Seal == nil {
		return View{}, fmt.Errorf("connector: no data key to seal secrets")
	}
	reason = strings.TrimSpace(reason)
	name := strings.TrimSpace(cfg.Name)
	now := s.now()
	var out View
	changed := false
	err := s.InTx(ctx, func(tx Repo) error {
		cur, err := tx.ConnectorByName(ctx, name)
		exists := err == nil
		if err != nil && !fault.Is(err, fault.NotFound) {
			return err
		}
		var old View
		if exists {
			if old, err = view(cur); err != nil {
				return err
			}
		}
		requireSecret := !exists || Normalize(old.Config).Auth.Type != Normalize(cfg).Auth.Type
		c, err := Validate(cfg, requireSecret)
		if err != nil {
			return err
		}
		if reason == "" {
			return fault.New(fault.Invalid, "connector.reason_required", "state the reason for the change")
		}
		if err := s.checkItems(ctx, tx, c); err != nil {
			return err
		}
		secret := c.Auth.Secret
		c.Auth.Secret = ""
		if secret != "" && exists && len(cur.SealedSecret) > 0 {
			// The stored secret sent again is no change.
			if b, err := s.Seal.Open(cur.SealedSecret, aad(c.Name)); err == nil && subtle.ConstantTimeCompare(b, []byte(secret)) == 1 {
				secret = ""
			}
		}
		js, err := json.Marshal(c)
		if err != nil {
			return err
		}
		if exists && cur.Version == base && secret == "" && string(js) == mustJSON(Normalize(old.Config)) {
			out = old
			return nil
		}
		st := Stored{Name: c.Name, Department: c.Department, Enabled: c.Enabled, Config: string(js), SealedSecret: cur.SealedSecret,
			AuthorUserID: p.UserID, AuthorName: p.ActorName(), Reason: reason, CreatedAt: now}
		if secret != "" {
			if st.SealedSecret, err = s.Seal.Seal([]byte(secret), aad(c.Name)); err != nil {
				return err
			}
		}
		if err := tx.PutConnectorVersion(ctx, &st, base); err != nil {
			return err
		}
		e := audit.Entry{Time: now, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "connector.update",
			Outcome: audit.OK, RemoteAddr: p.RemoteAddr}
		for _, it := range c.Items {
			e.Items = append(e.Items, it.Code)
		}
		note := ""
		if secret != "" {
			note = " (new secret)"
		}
		e.Detail = fmt.Sprintf("connector %s v%d, department %s, enabled %t%s: %s", c.Name, st.Version, c.Department, c.Enabled, note, reason)
		if err := tx.AppendAudit(ctx, &e); err != nil {
			return err
		}
		changed = true
		out, err = view(st)
		return err
	})
	if err != nil {
		return View{}, err
	}
	if changed && s.OnChange != nil {
		s.OnChange(context.WithoutCancel(ctx))
	}
	return out, nil
}

func mustJSON(c Config) string {
	c.Auth.Secret = ""
	b, _ := json.Marshal(c)
	return string(b)
}

// checkItems refuses items the catalogue does not know, items of another
// department, and (for an enabled connector) items another enabled
// connector already serves.
func (s *Service) checkItems(ctx context.Context, tx Repo, c Config) error {
	var fs fault.Fields
	if s.Items != nil {
		for i, it := range c.Items {
			v, err := s.Items.Get(ctx, it.Code)
			switch {
			case fault.Is(err, fault.NotFound):
				fs.Add(fmt.Sprintf("items[%d].code", i), invalid("connector.item_unknown", "the catalogue has no such item").With("value", it.Code))
			case err != nil:
				return err
			case v.Department != c.Department:
				fs.Add(fmt.Sprintf("items[%d].code", i), invalid("connector.item_department", "the item comes from another department").
					With("value", it.Code).With("department", v.Department))
			}
		}
	}
	if c.Enabled {
		others, err := tx.CurrentConnectors(ctx)
		if err != nil {
			return err
		}
		for _, o := range others {
			if o.Name == c.Name || !o.Enabled || o.Department != c.Department {
				continue
			}
			var oc Config
			if err := json.Unmarshal([]byte(o.Config), &oc); err != nil {
				return err
			}
			for i, it := range c.Items {
				if slices.ContainsFunc(oc.Items, func(x ServedItem) bool { return x.Code == it.Code }) {
					fs.Add(fmt.Sprintf("items[%d].code", i), invalid("connector.item_taken", "another enabled connector serves the item").
						With("value", it.Code).With("connector", o.Name))
				}
			}
		}
	}
	return fs.Err()
}

// Active returns every enabled connector with its secret opened, for the
// registry. A connector whose configuration or secret cannot be read (a
// secret sealed with another node's data key) is left out and named in the
// error, which comes with the others.
func (s *Service) Active(ctx context.Context) ([]Loaded, error) {
	sts, err := s.Repo.CurrentConnectors(ctx)
	if err != nil {
		return nil, err
	}
	var (
		out  []Loaded
		errs []error
	)
	for _, st := range sts {
		if !st.Enabled {
			continue
		}
		var c Config
		if err := json.Unmarshal([]byte(st.Config), &c); err != nil {
			errs = append(errs, fmt.Errorf("connector %s v%d: stored configuration: %w", st.Name, st.Version, err))
			continue
		}
		if len(st.SealedSecret) > 0 {
			if s.Seal == nil {
				errs = append(errs, fmt.Errorf("connector %s: no data key to open its secret", st.Name))
				continue
			}
			b, err := s.Seal.Open(st.SealedSecret, aad(st.Name))
			if err != nil {
				errs = append(errs, fmt.Errorf("connector %s: %w", st.Name, err))
				continue
			}
			c.Auth.Secret = string(b)
		}
		out = append(out, Loaded{Config: Normalize(c), Version: st.Version})
	}
	return out, errors.Join(errs...)
}

// Reload loads the enabled connectors into r; those that cannot be read
// are left out and named in the error.
func (s *Service) Reload(ctx context.Context, r *Registry) error {
	ls, err := s.Active(ctx)
	if ls == nil && err != nil {
		return err
	}
	r.Load(ls)
	return err
}

// Watch reloads r from the store every interval until ctx ends, so that a
// change saved through another instance of the node reaches this one
// (connectors whose version did not change keep their state); errors go
// to onErr.
func (s *Service) Watch(ctx context.Context, r *Registry, every time.Duration, onErr func(error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := s.Reload(ctx, r); err != nil && ctx.Err() == nil {
				onErr(err)
			}
		}
	}
}

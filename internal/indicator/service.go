package indicator

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
)

//go:embed systems/default.json
var defaultJSON []byte

// Default returns the embedded default system (systems/default.json),
// checked for structure (not against a feature set).
func Default() (*System, error) {
	s, err := Parse(defaultJSON)
	if err != nil {
		return nil, fmt.Errorf("indicator: the embedded default system is invalid: %w", err)
	}
	return s, nil
}

// Evidence actions of the Service.
const (
	ActionLoadDefault = "indicator.load_default"
	ActionImport      = "indicator.import"
	ActionActivate    = "indicator.activate"
)

// Record is one stored version of an indicator system.
type Record struct {
	ID      int64  `json:"id"`      // 1, 2, ... in order of storing
	Version string `json:"version"` // the system's Version label, unique
	// Body is the system's canonical JSON (System.Canonical); omitted from
	// lists.
	Body         json.RawMessage `json:"system,omitempty"`
	Digest       string          `json:"digest"` // hex SHA-256 of Body
	AuthorUserID int64           `json:"author_user_id"`
	AuthorName   string          `json:"author_name"`
	Reason       string          `json:"reason"`
	CreatedAt    time.Time       `json:"created_at"`
	// Active marks the one version scoring uses; ActivatedAt and
	// ActivatedBy say when it last became active (zero if never).
	Active      bool      `json:"active"`
	ActivatedAt time.Time `json:"activated_at"`
	ActivatedBy string    `json:"activated_by"`
}

// System parses the record's body.
func (r Record) System() (*System, error) { return Parse(r.Body) }

// Store keeps indicator-system versions. Versions are never changed or
// deleted, except for which one is active.
type Store interface {
	// InsertIndicatorSystem stores r as a new, inactive version, sets r.ID
	// and, when zero, r.CreatedAt (the store's clock, UTC). A Version label
	// already stored is fault.Conflict "indicator.version_exists"; r.Active
	// is ignored.
	InsertIndicatorSystem(ctx context.Context, r *Record) error
	// IndicatorSystems returns every stored version, newest (highest ID)
	// first, without their bodies.
	IndicatorSystems(ctx context.Context) ([]Record, error)
	// IndicatorSystem returns one version with its body, or
	// fault.NotFound "indicator.not_found".
	IndicatorSystem(ctx context.Context, id int64) (Record, error)
	// ActiveIndicatorSystem returns the active version with its body, or
	// fault.NotFound "indicator.no_active" when none is.
	ActiveIndicatorSystem(ctx context.Context) (Record, error)
	// ActivateIndicatorSystem makes id the only active version and records
	// by and at on it. An unknown id is fault.NotFound
	// "indicator.not_found" and changes nothing; a concurrent activation
	// that commits first is fault.Conflict "indicator.activate_conflict".
	ActivateIndicatorSystem(ctx context.Context, id int64, by string, at time.Time) error
}

// Reader is what Active needs: the active version.
type Reader interface {
	ActiveIndicatorSystem(ctx context.Context) (Record, error)
}

// Active returns the active system, parsed and, when known is not nil,
// validated against the feature names in known (a system that names a
// feature the set lacks is fault.Invalid "indicator.feature_unknown", not
// scored as missing). No active version is fault.NotFound
// "indicator.no_active".
func Active(ctx context.Context, r Reader, known map[string]bool) (*System, error) {
	rec, err := r.ActiveIndicatorSystem(ctx)
	if err != nil {
		return nil, err
	}
	return parseKnown(rec.Body, known)
}

func parseKnown(body []byte, known map[string]bool) (*System, error) { return parse(body, known) }

// Repo is the storage the Service uses: versions plus the evidence log.
type Repo interface {
	Store
	audit.Store
}

// Service stores, lists and activates indicator-system versions. Reading
// is for operator staff and auditors (it describes the method, holds no
// enterprise data); importing and activating are an operator
// administrator's, with a reason, and leave an evidence entry in the same
// transaction.
type Service struct {
	Repo Repo
	InTx func(ctx context.Context, fn func(Repo) error) error
	// Known is the set of feature names a system may use (the feature
	// set's definitions). Nil skips the check, which only tests should do.
	Known map[string]bool
	Now   func() time.Time

	mu     sync.Mutex
	cached *System
	key    string // ID and digest of the cached system
}

var (
	errForbidden     = fault.New(fault.Forbidden, "indicator.forbidden", "only operator staff and auditors may see indicator systems")
	errEditForbidden = fault.New(fault.Forbidden, "indicator.edit_forbidden", "only an operator administrator may import or activate an indicator system")
	errReason        = fault.New(fault.Invalid, "indicator.reason_required", "state the reason for the change")
)

func isSystem(p access.Principal) bool {
	return p.Username == "system" && p.OrgID == 0 && p.UserID == 0 && p.APIKeyID == 0
}

// CanView reports whether p may see indicator systems.
func CanView(p access.Principal) bool {
	switch p.Role {
	case account.RoleOperatorAdmin, account.RoleOperatorAnalyst, account.RoleAuditor:
		return true
	}
	return isSystem(p)
}

// CanEdit reports whether p may import and activate indicator systems.
func CanEdit(p access.Principal) bool { return p.IsAdmin() || isSystem(p) }

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func entry(p access.Principal, now time.Time, action, detail string) audit.Entry {
	return audit.Entry{Time: now, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: action,
		Outcome: audit.OK, RemoteAddr: p.RemoteAddr, Detail: detail}
}

// List returns every stored version, newest first, without bodies.
func (s *Service) List(ctx context.Context, p access.Principal) ([]Record, error) {
	if !CanView(p) {
		return nil, errForbidden
	}
	return s.Repo.IndicatorSystems(ctx)
}

// Get returns one stored version with its body.
func (s *Service) Get(ctx context.Context, p access.Principal, id int64) (Record, error) {
	if !CanView(p) {
		return Record{}, errForbidden
	}
	return s.Repo.IndicatorSystem(ctx, id)
}

// ActiveRecord returns the active version with its body.
func (s *Service) ActiveRecord(ctx context.Context, p access.Principal) (Record, error) {
	if !CanView(p) {
		return Record{}, errForbidden
	}
	return s.Repo.ActiveIndicatorSystem(ctx)
}

// Active returns the active system for scoring, checked against Known.
// It reads the active version's row on every call and reuses the parsed
// system while that version is unchanged, so an activation (on any node)
// shows at the next call. It is the scoring job's entry point; it returns
// what Active (the function) returns.
func (s *Service) Active(ctx context.Context) (*System, error) {
	rec, err := s.Repo.ActiveIndicatorSystem(ctx)
	if err != nil {
		return nil, err
	}
	key := fmt.Sprintf("%d/%s", rec.ID, rec.Digest)
	s.mu.Lock()
	if s.cached != nil && s.key == key {
		defer s.mu.Unlock()
		return s.cached, nil
	}
	s.mu.Unlock()
	sys, err := parseKnown(rec.Body, s.Known)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cached, s.key = sys, key
	s.mu.Unlock()
	return sys, nil
}

// Import stores body (a System's JSON) as a new version after checking it
// (Parse, then Validate against Known); activate also makes it the active
// version in the same transaction. The stored body is the canonical JSON.
// Evidence: "indicator.import" (and "indicator.activate").
func (s *Service) Import(ctx context.Context, p access.Principal, body []byte, reason string, activate bool) (Record, error) {
	if !CanEdit(p) {
		return Record{}, errEditForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Record{}, errReason
	}
	if len([]rune(reason)) > 500 {
		return Record{}, invalid("indicator.reason_long", "the reason has at most 500 characters")
	}
	sys, err := parseKnown(body, s.Known)
	if err != nil {
		return Record{}, err
	}
	canon, err := sys.Canonical()
	if err != nil {
		return Record{}, err
	}
	now := s.now()
	rec := Record{Version: sys.Version, Body: canon, Digest: Digest(canon), AuthorUserID: p.UserID, AuthorName: p.ActorName(),
		Reason: reason, CreatedAt: now}
	err = s.InTx(ctx, func(tx Repo) error {
		if err := tx.InsertIndicatorSystem(ctx, &rec); err != nil {
			return err
		}
		e := entry(p, now, ActionImport, fmt.Sprintf("%s (id %d, sha256 %s): %s", rec.Version, rec.ID, rec.Digest, reason))
		if err := tx.AppendAudit(ctx, &e); err != nil {
			return err
		}
		if activate {
			return s.activate(ctx, tx, p, &rec, reason, now)
		}
		return nil
	})
	if err != nil {
		return Record{}, err
	}
	return rec, nil
}

// Activate makes version id the active one (scoring uses it from the next
// Active call). Activating the active version changes nothing and records
// nothing. Evidence: "indicator.activate".
func (s *Service) Activate(ctx context.Context, p access.Principal, id int64, reason string) (Record, error) {
	if !CanEdit(p) {
		return Record{}, errEditForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Record{}, errReason
	}
	if len([]rune(reason)) > 500 {
		return Record{}, invalid("indicator.reason_long", "the reason has at most 500 characters")
	}
	now := s.now()
	var out Record
	err := s.InTx(ctx, func(tx Repo) error {
		rec, err := tx.IndicatorSystem(ctx, id)
		if err != nil {
			return err
		}
		if rec.Active {
			out = rec
			return nil
		}
		// A version stored before the feature set changed may name a
		// feature that no longer exists: refuse it rather than score it
		// as missing.
		if _, err := parseKnown(rec.Body, s.Known); err != nil {
			return err
		}
		if err := s.activate(ctx, tx, p, &rec, reason, now); err != nil {
			return err
		}
		out = rec
		return nil
	})
	return out, err
}

// activate switches the active version to rec inside tx and appends the
// evidence entry naming the version it replaces.
func (s *Service) activate(ctx context.Context, tx Repo, p access.Principal, rec *Record, reason string, now time.Time) error {
	prev := "none"
	switch cur, err := tx.ActiveIndicatorSystem(ctx); {
	case err == nil:
		prev = fmt.Sprintf("%s (id %d)", cur.Version, cur.ID)
	case !fault.Is(err, fault.NotFound):
		return err
	}
	if err := tx.ActivateIndicatorSystem(ctx, rec.ID, p.ActorName(), now); err != nil {
		return err
	}
	rec.Active, rec.ActivatedAt, rec.ActivatedBy = true, now, p.ActorName()
	e := entry(p, now, ActionActivate, fmt.Sprintf("%s (id %d, sha256 %s) replaces %s: %s", rec.Version, rec.ID, rec.Digest, prev, reason))
	return tx.AppendAudit(ctx, &e)
}

// LoadDefault stores the embedded default system as the first version and
// activates it, by the system, if no version is stored yet; it reports
// whether it did. A second call, or a second node starting at the same
// time, does nothing. The default is checked against Known first, so a
// feature set that lost a feature the default uses stops the start.
func (s *Service) LoadDefault(ctx context.Context) (bool, error) {
	sys, err := parseKnown(defaultJSON, s.Known)
	if err != nil {
		return false, fmt.Errorf("indicator: the default system does not fit the feature set: %w", err)
	}
	if cur, err := s.Repo.IndicatorSystems(ctx); err != nil || len(cur) > 0 {
		return false, err
	}
	canon, err := sys.Canonical()
	if err != nil {
		return false, err
	}
	p := access.System
	now := s.now()
	loaded := false
	err = s.InTx(ctx, func(tx Repo) error {
		if cur, err := tx.IndicatorSystems(ctx); err != nil || len(cur) > 0 {
			return err
		}
		rec := Record{Version: sys.Version, Body: canon, Digest: Digest(canon), AuthorName: p.ActorName(),
			Reason: "default indicator system", CreatedAt: now}
		if err := tx.InsertIndicatorSystem(ctx, &rec); err != nil {
			return err
		}
		if err := tx.ActivateIndicatorSystem(ctx, rec.ID, p.ActorName(), now); err != nil {
			return err
		}
		e := entry(p, now, ActionLoadDefault, fmt.Sprintf("%s (id %d, sha256 %s): default indicator system, active", rec.Version, rec.ID, rec.Digest))
		loaded = true
		return tx.AppendAudit(ctx, &e)
	})
	if fe, ok := fault.As(err); ok && fe.Kind == fault.Conflict {
		return false, nil // another node loaded it first
	}
	return loaded && err == nil, err
}

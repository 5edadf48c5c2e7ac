package catalog

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Repo is the storage the service uses: the catalogue plus the evidence log.
type Repo interface {
	Store
	audit.Store
}

// Service reads and edits the catalogue. Reading is open to every signed-in
// principal (the catalogue is metadata, not enterprise data; the caller
// checks sign-in); every change is an operator administrator's, with a
// reason, and leaves an evidence entry in the same transaction.
type Service struct {
	Repo Repo
	InTx func(ctx context.Context, fn func(Repo) error) error
	Now  func() time.Time
	// CacheTTL bounds how long a read of the current catalogue is reused
	// (default 2 s). Changes through this Service take effect at once;
	// changes by another node or process within CacheTTL.
	CacheTTL time.Duration

	mu       sync.Mutex
	cached   []Version
	snap     *Snapshot
	cachedAt time.Time
}

// Snapshot is the current catalogue at one moment, shared read-only by
// every reader until the next change: do not modify it.
type Snapshot struct {
	Items  []Item          // ordered by code
	ByCode map[string]Item // the same items by code
}

// Current returns the current catalogue as a read-only snapshot, at most
// CacheTTL old (changes through this Service show at once).
func (s *Service) Current(ctx context.Context) (*Snapshot, error) {
	s.mu.Lock()
	if s.snap != nil && time.Since(s.cachedAt) < s.ttl() {
		defer s.mu.Unlock()
		return s.snap, nil
	}
	s.mu.Unlock()
	vs, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	// Built from what this call read: a change meanwhile (forget) must not
	// leave an empty snapshot behind.
	sn := &Snapshot{Items: make([]Item, len(vs)), ByCode: make(map[string]Item, len(vs))}
	for i, v := range vs {
		sn.Items[i] = v.Item
		sn.ByCode[v.Code] = v.Item
	}
	s.mu.Lock()
	if s.cached != nil {
		s.snap = sn
	}
	s.mu.Unlock()
	return sn, nil
}

// current returns the current version of every item, ordered by code,
// from a snapshot at most CacheTTL old: every shared-data read resolves
// its items here, so the catalogue is not read from the database each
// time. The caller gets its own slice.
func (s *Service) current(ctx context.Context) ([]Version, error) {
	s.mu.Lock()
	if s.cached != nil && time.Since(s.cachedAt) < s.ttl() {
		out := slices.Clone(s.cached)
		s.mu.Unlock()
		return out, nil
	}
	s.mu.Unlock()
	vs, err := s.Repo.CurrentItems(ctx)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.cached, s.snap, s.cachedAt = slices.Clone(vs), nil, time.Now()
	s.mu.Unlock()
	return vs, nil
}

func (s *Service) ttl() time.Duration {
	if s.CacheTTL == 0 {
		return 2 * time.Second
	}
	return s.CacheTTL
}

// forget drops the snapshot after a change through this Service.
func (s *Service) forget() {
	s.mu.Lock()
	s.cached, s.snap = nil, nil
	s.mu.Unlock()
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func isSystem(p access.Principal) bool {
	return p.Username == "system" && p.OrgID == 0 && p.UserID == 0
}

func canEdit(p access.Principal) bool { return p.IsAdmin() || isSystem(p) }

var errForbidden = fault.New(fault.Forbidden, "catalog.edit_forbidden", "only an operator administrator may change the catalogue")

func entry(p access.Principal, now time.Time, action string) audit.Entry {
	return audit.Entry{Time: now, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: action,
		Outcome: audit.OK, RemoteAddr: p.RemoteAddr}
}

// List returns the current version of every item, ordered by category (in
// the order of Categories) and code; category, if not empty, keeps one.
func (s *Service) List(ctx context.Context, category string) ([]Version, error) {
	if category != "" && !slices.Contains(Categories, Category(category)) {
		return nil, invalid("catalog.category", "unknown category").With("value", category)
	}
	vs, err := s.current(ctx)
	if err != nil {
		return nil, err
	}
	out := vs[:0]
	for _, v := range vs {
		if category == "" || string(v.Category) == category {
			out = append(out, v)
		}
	}
	SortByCategory(out)
	return out, nil
}

// SortByCategory orders versions by category (in the order of Categories),
// then code.
func SortByCategory(vs []Version) {
	rank := func(c Category) int {
		if i := slices.Index(Categories, c); i >= 0 {
			return i
		}
		return len(Categories)
	}
	slices.SortStableFunc(vs, func(a, b Version) int {
		if d := rank(a.Category) - rank(b.Category); d != 0 {
			return d
		}
		return strings.Compare(a.Code, b.Code)
	})
}

// Get returns an item's current version.
func (s *Service) Get(ctx context.Context, code string) (Version, error) {
	return s.Repo.ItemByCode(ctx, strings.TrimSpace(code))
}

// History returns every version of an item, oldest first.
func (s *Service) History(ctx context.Context, code string) ([]Version, error) {
	return s.Repo.ItemVersions(ctx, strings.TrimSpace(code))
}

// Save stores item as the next version after baseVersion (0 to add a new
// item). A base that is no longer current is fault.Conflict
// "catalog.stale"; an item equal to the current version is not stored
// again and the current version is returned.
func (s *Service) Save(ctx context.Context, p access.Principal, item Item, baseVersion int64, reason string) (Version, error) {
	if !canEdit(p) {
		return Version{}, errForbidden
	}
	it, err := Validate(item)
	if err != nil {
		return Version{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Version{}, invalid("catalog.reason_required", "state the reason for the change")
	}
	now := s.now()
	var out Version
	err = s.InTx(ctx, func(tx Repo) error {
		cur, err := tx.ItemByCode(ctx, it.Code)
		switch {
		case fault.Is(err, fault.NotFound):
		case err != nil:
			return err
		case cur.Version == baseVersion && Equal(cur.Item, it):
			out = cur
			return nil
		}
		v := Version{Item: it, AuthorUserID: p.UserID, AuthorName: p.ActorName(), Reason: reason, CreatedAt: now}
		if err := tx.PutItemVersion(ctx, &v, baseVersion); err != nil {
			return err
		}
		e := entry(p, now, "catalog.update")
		e.Items = []string{it.Code}
		e.Detail = fmt.Sprintf("%s v%d: %s", it.Code, v.Version, reason)
		out = v
		return tx.AppendAudit(ctx, &e)
	})
	s.forget()
	return out, err
}

// LoadDefaults inserts the default catalogue as version 1 of every item,
// by the system, with one evidence entry, if the catalogue is empty. It
// reports whether it loaded anything; a second call (or a second node
// starting at the same time) does nothing.
func (s *Service) LoadDefaults(ctx context.Context) (bool, error) {
	items, err := Defaults()
	if err != nil {
		return false, err
	}
	cur, err := s.Repo.CurrentItems(ctx)
	if err != nil || len(cur) > 0 {
		return false, err
	}
	now := s.now()
	p := access.System
	loaded := false
	err = s.InTx(ctx, func(tx Repo) error {
		cur, err := tx.CurrentItems(ctx)
		if err != nil || len(cur) > 0 {
			return err
		}
		for _, it := range items {
			v := Version{Item: it, AuthorName: p.ActorName(), Reason: "default catalogue", CreatedAt: now}
			if err := tx.PutItemVersion(ctx, &v, 0); err != nil {
				return err
			}
		}
		e := entry(p, now, "catalog.load_defaults")
		e.Detail = fmt.Sprintf("default catalogue: %d items", len(items))
		loaded = true
		return tx.AppendAudit(ctx, &e)
	})
	s.forget()
	if fe, ok := fault.As(err); ok && fe.Code == "catalog.stale" {
		return false, nil // another node loaded it first
	}
	return loaded && err == nil, err
}

// ImportResult says what an import did.
type ImportResult struct {
	Added     []string `json:"added"`
	Changed   []string `json:"changed"`
	Unchanged int      `json:"unchanged"`
}

// apply stores every item that differs from the current catalogue as a new
// version, atomically, with one evidence entry. Items are validated
// already; labels name each item's place in the source for messages.
func (s *Service) apply(ctx context.Context, p access.Principal, items []Item, reason, format string) (ImportResult, error) {
	res := ImportResult{Added: []string{}, Changed: []string{}}
	if !canEdit(p) {
		return res, errForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		reason = "catalogue import (" + format + ")"
	}
	now := s.now()
	err := s.InTx(ctx, func(tx Repo) error {
		cur, err := tx.CurrentItems(ctx)
		if err != nil {
			return err
		}
		byCode := make(map[string]Version, len(cur))
		for _, v := range cur {
			byCode[v.Code] = v
		}
		for _, it := range items {
			old, exists := byCode[it.Code]
			if exists && Equal(old.Item, it) {
				res.Unchanged++
				continue
			}
			v := Version{Item: it, AuthorUserID: p.UserID, AuthorName: p.ActorName(), Reason: reason, CreatedAt: now}
			if err := tx.PutItemVersion(ctx, &v, old.Version); err != nil {
				return err
			}
			if exists {
				res.Changed = append(res.Changed, it.Code)
			} else {
				res.Added = append(res.Added, it.Code)
			}
		}
		if len(res.Added)+len(res.Changed) == 0 {
			return nil
		}
		e := entry(p, now, "catalog.import")
		e.Items = append(append([]string{}, res.Added...), res.Changed...)
		e.Detail = fmt.Sprintf("%s import: %d added, %d changed, %d unchanged: %s", format, len(res.Added), len(res.Changed), res.Unchanged, reason)
		return tx.AppendAudit(ctx, &e)
	})
	s.forget()
	if err != nil {
		return ImportResult{Added: []string{}, Changed: []string{}}, err
	}
	return res, nil
}

// validateAll validates every item, naming each problem's field with
// label(i) so the user sees where it is; a code twice is an error too.
func validateAll(items []Item, label func(i int) string) ([]Item, error) {
	var fs fault.Fields
	if len(items) == 0 {
		return nil, invalid("catalog.import_empty", "the import holds no items")
	}
	out := make([]Item, len(items))
	seen := map[string]bool{}
	for i, it := range items {
		v, err := Validate(it)
		if err != nil {
			var fe *fault.FieldsError
			if ok := asFields(err, &fe); ok {
				for _, f := range fe.Fields {
					fs = append(fs, fault.FieldError{Field: label(i) + f.Field, Err: f.Err})
				}
			}
			continue
		}
		if seen[v.Code] {
			fs.Add(label(i)+"code", fault.New(fault.Invalid, "catalog.import_duplicate", "duplicate item").With("code", v.Code))
		}
		seen[v.Code] = true
		out[i] = v
	}
	if len(fs) > 0 {
		return nil, &fault.FieldsError{Base: fault.New(fault.Invalid, "catalog.import_invalid", fmt.Sprintf("the import has %d problems", len(fs))).
			With("count", fmt.Sprint(len(fs))), Fields: fs}
	}
	return out, nil
}

package authz

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/personid"
)

// Defaults of the service's limits.
const (
	DefaultMaxValidity        = 366 * 24 * time.Hour
	DefaultMaxOneTimeValidity = 30 * 24 * time.Hour
	maxItems                  = 200
	maxCallbackURL            = 2048
	maxReason                 = 500
)

// Repo is the storage the service uses: authorizations and consents, the
// enterprise and organisation they name, and the evidence log.
type Repo interface {
	Store
	EnterpriseByCode(ctx context.Context, code string) (enterprise.Record, error)
	EnterpriseByID(ctx context.Context, id int64) (enterprise.Record, error)
	OrgByID(ctx context.Context, id int64) (account.Org, error)
	AppendAudit(ctx context.Context, e *audit.Entry) error
}

// Catalogue is the catalogue the items requested must exist in
// (*catalog.Service).
type Catalogue interface {
	Current(ctx context.Context) (*catalog.Snapshot, error)
}

// Service manages authorizations: institutions request, enterprises decide,
// the decision point reads them through Grants.
type Service struct {
	Repo  Repo
	InTx  func(ctx context.Context, fn func(Repo) error) error
	Items Catalogue
	// Signer signs each version of the artefact; nil leaves Signature empty
	// (only in tests that do not look at it).
	Signer *Signer
	// Webhooks sends the deliveries each change stores (to the
	// institution's CallbackURL, in the change's own transaction); nil
	// leaves them pending in the store for a notifier elsewhere.
	Webhooks *Notifier
	// InvitationTTL is how long a consent invitation link stays usable
	// (DefaultInvitationTTL when zero; never beyond the authorization).
	InvitationTTL time.Duration
	// PersonKey keys the hash under which a consenting person's identity
	// number is kept (DeriveKey of the node key).
	PersonKey []byte
	// Persons confirms a consenting person against the enterprise's
	// records; without it no consent can be recorded.
	Persons PersonCheck
	// MaxValidity caps ValidUntil-ValidFrom (DefaultMaxValidity when zero);
	// MaxOneTimeValidity caps it for one-time fetches.
	MaxValidity        time.Duration
	MaxOneTimeValidity time.Duration
	Now                func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) maxValidity(fetch string) time.Duration {
	if fetch == FetchOneTime {
		if s.MaxOneTimeValidity > 0 {
			return s.MaxOneTimeValidity
		}
		return DefaultMaxOneTimeValidity
	}
	if s.MaxValidity > 0 {
		return s.MaxValidity
	}
	return DefaultMaxValidity
}

// DeriveKey derives a purpose-bound key from a secret (the node key's
// seed), so a consenting person's identity number is never stored in a
// form anyone without the node's key can test guesses against.
func DeriveKey(secret []byte, purpose string) []byte {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("creditbridge/" + purpose))
	return m.Sum(nil)
}

// NewID returns a fresh unguessable authorization id: "az_" and 26
// base32 characters (130 bits from crypto/rand).
func NewID() string {
	var b [17]byte
	_, _ = rand.Read(b[:])
	enc := base32.StdEncoding.WithPadding(base32.NoPadding).EncodeToString(b[:])
	return "az_" + strings.ToLower(enc[:26])
}

// ValidID reports whether s has the form of an authorization id.
func ValidID(s string) bool {
	if len(s) != 29 || !strings.HasPrefix(s, "az_") {
		return false
	}
	for _, c := range s[3:] {
		if !(c >= 'a' && c <= 'z' || c >= '2' && c <= '7') {
			return false
		}
	}
	return true
}

// Who may do what.
func isInstitution(p access.Principal) bool {
	if p.OrgKind != account.KindInstitution || p.OrgID == 0 {
		return false
	}
	if p.APIKeyID != 0 {
		return p.HasScope(account.ScopeEnterpriseRead) // requesting is part of reading
	}
	return p.Role == account.RoleInstitutionOfficer
}

func isGrantor(p access.Principal, a Authorization) bool {
	return p.OrgKind == account.KindEnterprise && p.EnterpriseID == a.EnterpriseID && p.APIKeyID == 0 && p.Role == account.RoleEnterpriseAdmin
}

func isGrantee(p access.Principal, a Authorization) bool {
	return isInstitution(p) && p.OrgID == a.InstitutionID
}

func canSee(p access.Principal, a Authorization) bool {
	switch p.OrgKind {
	case account.KindOperator, account.KindAuditor:
		return true
	case account.KindEnterprise:
		return p.EnterpriseID == a.EnterpriseID
	case account.KindInstitution:
		return p.OrgID == a.InstitutionID
	}
	return p.Username == "system" && p.OrgID == 0
}

func errNotFound(id string) error {
	return fault.New(fault.NotFound, "authz.not_found", "no such authorization").With("id", id)
}

// Request records an institution's request for an authorization (status
// pending). Errors: fault.Forbidden "authz.not_institution" for other
// callers, fault.NotFound for an unknown enterprise, fault.Invalid (with
// every field's problem) for a bad request.
func (s *Service) Request(ctx context.Context, p access.Principal, r RequestInput) (Authorization, error) {
	if !isInstitution(p) {
		return Authorization{}, fault.New(fault.Forbidden, "authz.not_institution", "only an institution's officers or API keys may request an authorization")
	}
	if p.Suspended {
		return Authorization{}, fault.New(fault.Forbidden, "access.suspended", "suspended")
	}
	now := s.now()
	a := Authorization{InstitutionID: p.OrgID, InstitutionName: p.OrgName, Purpose: strings.TrimSpace(r.Purpose),
		FetchType: strings.TrimSpace(r.FetchType), Frequency: strings.TrimSpace(r.Frequency), Mode: strings.TrimSpace(r.Mode),
		CallbackURL: strings.TrimSpace(r.CallbackURL), RequestedBy: p.ActorName(), Status: StatusPending, Version: 1,
		CreatedAt: now, UpdatedAt: now}
	var fs fault.Fields
	code, err := creditcode.Parse(r.CreditCode)
	if err != nil {
		fs.Add("credit_code", err)
	}
	if !slices.Contains(access.InstitutionPurposes, a.Purpose) {
		fs.Add("purpose", fault.New(fault.Invalid, "authz.bad_purpose", "the purpose must be one an institution may state").
			With("allowed", strings.Join(access.InstitutionPurposes, ", ")))
	}
	items, err := s.checkItems(ctx, r.Items)
	if err != nil {
		if !fault.Is(err, fault.Invalid) {
			return Authorization{}, err
		}
		fs.Add("items", err)
	}
	a.Items = items
	a.DataFrom, err = parseDate(r.DataFrom, "data_from", true)
	fs.Add("data_from", err)
	a.DataTo, err = parseDate(r.DataTo, "data_to", true)
	fs.Add("data_to", err)
	if !a.DataFrom.IsZero() && !a.DataTo.IsZero() && a.DataTo.Before(a.DataFrom) {
		fs.Add("data_to", fault.New(fault.Invalid, "authz.bad_range", "the data range ends before it starts"))
	}
	if strings.TrimSpace(r.ValidFrom) == "" {
		a.ValidFrom = now.Truncate(time.Second)
	} else if a.ValidFrom, err = parseTime(r.ValidFrom, "valid_from"); err != nil {
		fs.Add("valid_from", err)
	}
	a.ValidUntil, err = parseTime(r.ValidUntil, "valid_until")
	fs.Add("valid_until", err)
	switch a.FetchType {
	case FetchOneTime:
		if a.Frequency != "" {
			fs.Add("frequency", fault.New(fault.Invalid, "authz.bad_frequency", "a one-time fetch has no frequency"))
		}
	case FetchPeriodic:
		if !slices.Contains(Frequencies, a.Frequency) {
			fs.Add("frequency", fault.New(fault.Invalid, "authz.bad_frequency", "a periodic fetch needs a frequency: daily, weekly or monthly"))
		}
	default:
		fs.Add("fetch_type", fault.New(fault.Invalid, "authz.bad_fetch_type", "the fetch type must be one_time or periodic"))
	}
	if !a.ValidUntil.IsZero() && !a.ValidFrom.IsZero() {
		switch {
		case !a.ValidUntil.After(now) || !a.ValidUntil.After(a.ValidFrom):
			fs.Add("valid_until", fault.New(fault.Invalid, "authz.bad_validity", "the validity must end in the future, after it starts"))
		case a.ValidUntil.Sub(a.ValidFrom) > s.maxValidity(a.FetchType):
			fs.Add("valid_until", fault.New(fault.Invalid, "authz.validity_too_long", "the validity is longer than allowed").
				With("days", fmt.Sprint(int(s.maxValidity(a.FetchType).Hours()/24))))
		case a.ValidFrom.Before(now.Add(-24 * time.Hour)):
			fs.Add("valid_from", fault.New(fault.Invalid, "authz.bad_validity", "the validity cannot start in the past"))
		}
	}
	if !slices.Contains(Modes, a.Mode) {
		fs.Add("mode", fault.New(fault.Invalid, "authz.bad_mode", "the mode must be view, store or verify"))
	}
	fs.Add("callback_url", checkCallback(a.CallbackURL))
	if err := fs.Err(); err != nil {
		return Authorization{}, err
	}
	err = s.InTx(ctx, func(tx Repo) error {
		rec, err := tx.EnterpriseByCode(ctx, string(code))
		if err != nil {
			return err
		}
		a.EnterpriseID, a.EnterpriseCode, a.EnterpriseName = rec.ID, rec.Code, rec.NameZH
		if a.InstitutionName == "" {
			if org, err := tx.OrgByID(ctx, p.OrgID); err == nil {
				a.InstitutionName = org.Name
			}
		}
		a.ID = NewID()
		if err := s.sign(&a); err != nil {
			return err
		}
		if err := tx.CreateAuthorization(ctx, &a); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, a, "request"); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.entry(p, a, "request", "", ""))
	})
	if err != nil {
		return Authorization{}, err
	}
	s.wake()
	return a, nil
}

// checkItems validates requested items against the catalogue: each an item
// code or a category prefix ("tax.") matching at least one item, none of
// them never shared with institutions. Duplicates are dropped.
func (s *Service) checkItems(ctx context.Context, in []string) ([]string, error) {
	if len(in) == 0 {
		return nil, fault.New(fault.Invalid, "authz.no_items", "name at least one item or category")
	}
	if len(in) > maxItems {
		return nil, fault.New(fault.Invalid, "authz.too_many_items", "too many items").With("max", fmt.Sprint(maxItems))
	}
	cat, err := s.Items.Current(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, w := range in {
		w = strings.TrimSpace(w)
		if w == "" || slices.Contains(out, w) {
			continue
		}
		if it, ok := cat.ByCode[w]; ok {
			if it.Sharing == catalog.NotShared {
				return nil, fault.New(fault.Invalid, "authz.item_not_shared", "this item is never shared with institutions").With("item", w)
			}
			out = append(out, w)
			continue
		}
		found := false
		if strings.HasSuffix(w, ".") {
			for _, it := range cat.Items {
				if strings.HasPrefix(it.Code, w) {
					found = true
					break
				}
			}
		}
		if !found {
			return nil, fault.New(fault.Invalid, "authz.unknown_item", "no catalogue item or category matches").With("item", w)
		}
		out = append(out, w)
	}
	if len(out) == 0 {
		return nil, fault.New(fault.Invalid, "authz.no_items", "name at least one item or category")
	}
	return out, nil
}

func parseDate(s, field string, required bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		if required {
			return time.Time{}, fault.New(fault.Invalid, "authz.date_required", "a date is required").With("field", field)
		}
		return time.Time{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fault.New(fault.Invalid, "authz.bad_date", "not a date (YYYY-MM-DD)").With("field", field)
	}
	return t.UTC(), nil
}

// parseTime reads an instant: RFC 3339, or a date meaning its midnight UTC.
func parseTime(s, field string) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, fault.New(fault.Invalid, "authz.date_required", "a date is required").With("field", field)
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC().Truncate(time.Second), nil
	}
	return parseDate(s, field, true)
}

// checkCallback accepts https URLs, and http only to a loopback address
// (local development and tests).
func checkCallback(s string) error {
	if s == "" {
		return nil
	}
	bad := fault.New(fault.Invalid, "authz.bad_callback", "the callback must be an https URL (http only to localhost)")
	if len(s) > maxCallbackURL {
		return bad
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || u.User != nil {
		return bad
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		h := u.Hostname()
		if h == "localhost" {
			return nil
		}
		if ip := net.ParseIP(h); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return bad
}

// transition is one lifecycle step: in one transaction it reads the
// authorization, checks who may take the step and from which states,
// applies change, signs the new version, writes it and appends the
// evidence entry; the webhook goes out after the commit.
func (s *Service) transition(ctx context.Context, p access.Principal, id, verb string, may func(access.Principal, Authorization) bool,
	from []Status, to Status, reason string, change func(*Authorization) error) (Authorization, error) {
	if !ValidID(id) {
		return Authorization{}, errNotFound(id)
	}
	if p.Suspended {
		return Authorization{}, fault.New(fault.Forbidden, "access.suspended", "suspended")
	}
	reason = strings.TrimSpace(reason)
	if len([]rune(reason)) > maxReason {
		return Authorization{}, fault.New(fault.Invalid, "authz.reason_too_long", "the reason is too long").With("max", fmt.Sprint(maxReason))
	}
	now := s.now()
	var a Authorization
	err := s.InTx(ctx, func(tx Repo) error {
		var err error
		if a, err = tx.AuthorizationByID(ctx, id); err != nil {
			return err
		}
		if !canSee(p, a) {
			return errNotFound(id)
		}
		if !may(p, a) {
			return fault.New(fault.Forbidden, "authz.not_allowed", "you may not do this to this authorization").With("action", verb)
		}
		if !slices.Contains(from, a.Status) {
			return fault.New(fault.Conflict, "authz.bad_transition", "the authorization's status does not allow this").
				With("status", string(a.Status)).With("action", verb)
		}
		if !now.Before(a.ValidUntil) {
			return fault.New(fault.Conflict, "authz.expired", "the authorization's validity is over").With("until", a.ValidUntil.Format(time.RFC3339))
		}
		old := a.Status
		a.Status, a.Version, a.UpdatedAt = to, a.Version+1, now
		if reason != "" || to == StatusRejected || to == StatusRevoked {
			a.Reason = reason
		}
		if p.OrgKind == account.KindEnterprise {
			a.DecidedBy = p.ActorName()
		}
		if change != nil {
			if err := change(&a); err != nil {
				return err
			}
		}
		if err := s.sign(&a); err != nil {
			return err
		}
		if err := tx.UpdateAuthorization(ctx, &a); err != nil {
			return err
		}
		if err := s.enqueue(ctx, tx, a, verb); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.entry(p, a, verb, old, reason))
	})
	if err != nil {
		return Authorization{}, err
	}
	s.wake()
	return a, nil
}

// Approve makes a pending authorization active, optionally narrowed
// (fewer items, a shorter data range, an earlier expiry, a narrower mode).
// Only the grantor enterprise's administrator may approve.
func (s *Service) Approve(ctx context.Context, p access.Principal, id string, narrow *Narrowing) (Authorization, error) {
	return s.transition(ctx, p, id, "approve", isGrantor, []Status{StatusPending}, StatusActive, "", func(a *Authorization) error {
		if narrow == nil {
			return nil
		}
		return s.narrow(ctx, a, *narrow)
	})
}

// Reject refuses a pending request, with a reason.
func (s *Service) Reject(ctx context.Context, p access.Principal, id, reason string) (Authorization, error) {
	return s.transition(ctx, p, id, "reject", isGrantor, []Status{StatusPending}, StatusRejected, reason, nil)
}

// Pause suspends an active authorization (the enterprise); reads are
// refused until Resume.
func (s *Service) Pause(ctx context.Context, p access.Principal, id, reason string) (Authorization, error) {
	return s.transition(ctx, p, id, "pause", isGrantor, []Status{StatusActive}, StatusPaused, reason, nil)
}

// Resume makes a paused authorization active again (the enterprise).
func (s *Service) Resume(ctx context.Context, p access.Principal, id, reason string) (Authorization, error) {
	return s.transition(ctx, p, id, "resume", isGrantor, []Status{StatusPaused}, StatusActive, reason, nil)
}

// Revoke ends an active or paused authorization for good: the enterprise,
// or the grantee institution giving it up. It takes effect on the next
// read (the decision point reads the status on every read). A pending
// request may be withdrawn by its institution the same way.
func (s *Service) Revoke(ctx context.Context, p access.Principal, id, reason string) (Authorization, error) {
	may := func(p access.Principal, a Authorization) bool { return isGrantor(p, a) || isGrantee(p, a) }
	return s.transition(ctx, p, id, "revoke", may, []Status{StatusActive, StatusPaused, StatusPending}, StatusRevoked, reason, nil)
}

// narrow applies n to a, refusing anything that widens it.
func (s *Service) narrow(ctx context.Context, a *Authorization, n Narrowing) error {
	var fs fault.Fields
	widen := func(field string) {
		fs.Add(field, fault.New(fault.Invalid, "authz.widening", "approval may only narrow the request").With("field", field))
	}
	if len(n.Items) > 0 {
		items, err := s.checkItems(ctx, n.Items)
		if err != nil {
			if !fault.Is(err, fault.Invalid) {
				return err
			}
			fs.Add("items", err)
		}
		orig := access.Grant{Items: a.Items}
		for _, it := range items {
			// A narrower category ("tax.vat.") is covered if its prefix is.
			if !orig.Covers(it) && !orig.Covers(strings.TrimSuffix(it, ".")) {
				widen("items")
				break
			}
		}
		if err == nil {
			a.Items = items
		}
	}
	if d, err := parseDate(n.DataFrom, "data_from", false); err != nil {
		fs.Add("data_from", err)
	} else if !d.IsZero() {
		if d.Before(a.DataFrom) {
			widen("data_from")
		} else {
			a.DataFrom = d
		}
	}
	if d, err := parseDate(n.DataTo, "data_to", false); err != nil {
		fs.Add("data_to", err)
	} else if !d.IsZero() {
		if d.After(a.DataTo) {
			widen("data_to")
		} else {
			a.DataTo = d
		}
	}
	if a.DataTo.Before(a.DataFrom) {
		fs.Add("data_to", fault.New(fault.Invalid, "authz.bad_range", "the data range ends before it starts"))
	}
	if strings.TrimSpace(n.ValidUntil) != "" {
		t, err := parseTime(n.ValidUntil, "valid_until")
		switch {
		case err != nil:
			fs.Add("valid_until", err)
		case t.After(a.ValidUntil):
			widen("valid_until")
		case !t.After(a.UpdatedAt) || !t.After(a.ValidFrom):
			fs.Add("valid_until", fault.New(fault.Invalid, "authz.bad_validity", "the validity must end in the future, after it starts"))
		default:
			a.ValidUntil = t
		}
	}
	if m := strings.TrimSpace(n.Mode); m != "" {
		switch {
		case !slices.Contains(Modes, m):
			fs.Add("mode", fault.New(fault.Invalid, "authz.bad_mode", "the mode must be view, store or verify"))
		case slices.Index(Modes, m) > slices.Index(Modes, a.Mode):
			widen("mode")
		default:
			a.Mode = m
		}
	}
	return fs.Err()
}

// Get returns one authorization visible to p: the grantor enterprise, the
// grantee institution, the operator and auditors; to anyone else it does
// not exist (fault.NotFound).
func (s *Service) Get(ctx context.Context, p access.Principal, id string) (Authorization, error) {
	if !ValidID(id) {
		return Authorization{}, errNotFound(id)
	}
	a, err := s.Repo.AuthorizationByID(ctx, id)
	if err != nil {
		return Authorization{}, err
	}
	if !canSee(p, a) {
		return Authorization{}, errNotFound(id)
	}
	return s.live(a), nil
}

// live shows an authorization past its validity as expired even before
// the sweep has recorded it.
func (s *Service) live(a Authorization) Authorization {
	if !a.Status.Final() && !s.now().Before(a.ValidUntil) {
		a.Status = StatusExpired
	}
	return a
}

// List returns the authorizations p may see, filtered: an enterprise its
// own, an institution those it holds, the operator, auditors and the
// platform itself (access.System) all.
// Departments see none (fault.Forbidden).
func (s *Service) List(ctx context.Context, p access.Principal, f Filter) ([]Authorization, error) {
	switch {
	case p.OrgKind == account.KindOperator, p.OrgKind == account.KindAuditor, p.OrgKind == "" && p.OrgID == 0 && p.Username == access.System.Username:
	case p.OrgKind == account.KindEnterprise:
		f.EnterpriseID = p.EnterpriseID
	case p.OrgKind == account.KindInstitution:
		f.InstitutionID = p.OrgID
	default:
		return nil, fault.New(fault.Forbidden, "authz.not_allowed", "you may not list authorizations").With("action", "list")
	}
	if f.Status != "" && !slices.Contains(Statuses, f.Status) {
		return nil, fault.New(fault.Invalid, "authz.bad_status", "unknown status").With("status", string(f.Status))
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = min(max(f.Limit, 100), 500)
	}
	f.Offset = max(f.Offset, 0)
	as, err := s.Repo.ListAuthorizations(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range as {
		as[i] = s.live(as[i])
	}
	return as, nil
}

// Grants is the decision point's source: every authorization the
// institution holds from the enterprise, in any state (access.Decide
// tells live from dead, so a revocation takes effect on the next read).
func (s *Service) Grants(ctx context.Context, institutionID, enterpriseID int64) ([]access.Grant, error) {
	as, err := s.Repo.AuthorizationsBetween(ctx, institutionID, enterpriseID)
	if err != nil {
		return nil, err
	}
	out := make([]access.Grant, len(as))
	for i, a := range as {
		out[i] = a.Grant()
	}
	return out, nil
}

// SubjectGrants reads the enterprise with code and the institution's
// grants from it (Grants) together: a reader that looks the subject up by
// its code saves the decision point's separate read.
func (s *Service) SubjectGrants(ctx context.Context, code string, institutionID int64) (enterprise.Record, []access.Grant, error) {
	rec, as, err := s.Repo.EnterpriseAndAuthorizations(ctx, code, institutionID)
	if err != nil {
		return rec, nil, err
	}
	out := make([]access.Grant, len(as))
	for i, a := range as {
		out[i] = a.Grant()
	}
	return rec, out, nil
}

// GrantSource is Grants as the access.Guard takes it.
func (s *Service) GrantSource() access.GrantSource { return s.Grants }

// GiveConsent records the grantor enterprise's administrator's
// attestation that one person gave separate consent under an
// authorization (channel admin_attestation: the person consented on a
// signed form the enterprise keeps); the person's own act is the
// invitation link (Invite, AnswerInvitation). Either way the person is
// checked against the enterprise's records, and once a consent is given
// the authorization carries personal information unmasked
// (PersonalConsent). The identity number is kept only as a keyed hash,
// the name only masked. The authorization must be pending, active or
// paused.
func (s *Service) GiveConsent(ctx context.Context, p access.Principal, id string, person ConsentInput) error {
	var fs fault.Fields
	role := strings.TrimSpace(person.Role)
	if role != ConsentLegalRep && role != ConsentShareholder {
		fs.Add("role", fault.New(fault.Invalid, "authz.bad_consent_role", "the person must be the legal representative or a natural-person shareholder"))
	}
	name := consentName(&fs, person.Name)
	idn, err := personid.Validate(person.IDNumber)
	fs.Add("id_number", err)
	if err := fs.Err(); err != nil {
		return err
	}
	if len(s.PersonKey) == 0 {
		return fmt.Errorf("authz: no person key configured")
	}
	if s.Persons == nil {
		return fmt.Errorf("authz: no person check configured")
	}
	var concerned []string
	if p.OrgKind == account.KindEnterprise && p.EnterpriseID != 0 {
		// Only the grantor's users get this far (others are refused in
		// the transaction below, without learning anything from a check).
		a, err := s.Repo.AuthorizationByID(ctx, id)
		if err == nil && isGrantor(p, a) {
			ok, err := s.Persons.Match(ctx, p, a.EnterpriseID, person)
			if err != nil {
				return err
			}
			if !ok {
				var mm fault.Fields
				mm.Add("id_number", fault.New(fault.Invalid, "authz.consent_mismatch",
					"the name and identity number do not match the person the enterprise's records name in this role"))
				return mm.Err()
			}
			if concerned, err = s.concerned(ctx, p, a); err != nil {
				return err
			}
		}
	}
	hash := s.keyed(idn)
	now := s.now()
	var a Authorization
	err = s.InTx(ctx, func(tx Repo) error {
		var err error
		if !ValidID(id) {
			return errNotFound(id)
		}
		if a, err = tx.AuthorizationByID(ctx, id); err != nil {
			return err
		}
		if !canSee(p, a) {
			return errNotFound(id)
		}
		if !isGrantor(p, a) {
			return fault.New(fault.Forbidden, "authz.not_allowed", "you may not do this to this authorization").With("action", "consent")
		}
		if a.Status.Final() || !now.Before(a.ValidUntil) {
			return fault.New(fault.Conflict, "authz.bad_transition", "the authorization's status does not allow this").
				With("status", string(a.Status)).With("action", "consent")
		}
		c := Consent{AuthorizationID: a.ID, Role: role, NameMasked: personid.MaskName(name), PersonHash: hash,
			Channel: ChannelAdminAttestation, GivenBy: p.ActorName(), GivenAt: now}
		complete, err := s.addConsent(ctx, tx, &a, &c, concerned, now)
		if err != nil {
			return err
		}
		e := s.entry(p, a, "consent", a.Status, "")
		d, _ := json.Marshal(map[string]any{"role": role, "person": c.NameMasked, "consent_id": c.ID, "version": a.Version,
			"channel": ChannelAdminAttestation, "persons_concerned": len(concerned), "all_consented": complete})
		e.Detail = string(d)
		return tx.AppendAudit(ctx, e)
	})
	if err != nil {
		return err
	}
	s.wake()
	return nil
}

// concerned returns the keyed hashes of the persons whose information a
// carries (PersonCheck.Concerned), read as p.
func (s *Service) concerned(ctx context.Context, p access.Principal, a Authorization) ([]string, error) {
	ids, err := s.Persons.Concerned(ctx, p, a.EnterpriseID, a.Items, a.DataFrom, a.DataTo)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(ids))
	for i, idn := range ids {
		out[i] = s.keyed(idn)
	}
	return out, nil
}

// allConsented reports whether every concerned person (keyed hashes) has
// consented under the authorization: only then does it carry personal
// information (PersonalConsent). One person's consent never unmasks
// another's.
// consentName trims a consenting person's name, noting in fs when it is
// empty or too long.
func consentName(fs *fault.Fields, raw string) string {
	name := strings.TrimSpace(raw)
	if name == "" || len([]rune(name)) > 100 {
		fs.Add("name", fault.New(fault.Invalid, "authz.consent_name", "give the person's name"))
	}
	return name
}

// addConsent stores c and, once every person the authorization's items
// name has consented, marks a as carrying personal information: a new
// signed version, its webhook queued in the same transaction.
// It reports whether all have consented.
func (s *Service) addConsent(ctx context.Context, tx Repo, a *Authorization, c *Consent, concerned []string, now time.Time) (complete bool, err error) {
	if err := tx.AddConsent(ctx, c); err != nil {
		return false, err
	}
	complete, err = allConsented(ctx, tx, a.ID, concerned)
	if err != nil || !complete || a.PersonalConsent {
		return complete, err
	}
	a.PersonalConsent, a.Version, a.UpdatedAt = true, a.Version+1, now
	if err := s.sign(a); err != nil {
		return true, err
	}
	if err := tx.UpdateAuthorization(ctx, a); err != nil {
		return true, err
	}
	return true, s.enqueue(ctx, tx, *a, "consent")
}

func allConsented(ctx context.Context, tx Repo, id string, concerned []string) (bool, error) {
	cs, err := tx.Consents(ctx, id)
	if err != nil {
		return false, err
	}
	given := map[string]bool{}
	for _, c := range cs {
		given[c.PersonHash] = true
	}
	for _, h := range concerned {
		if !given[h] {
			return false, nil
		}
	}
	return true, nil
}

// Consents lists the separate consents given under an authorization
// visible to p.
func (s *Service) Consents(ctx context.Context, p access.Principal, id string) ([]Consent, error) {
	if _, err := s.Get(ctx, p, id); err != nil {
		return nil, err
	}
	return s.Repo.Consents(ctx, id)
}

// Expire records as expired every authorization whose validity ended
// (at most limit of them, 500 when limit <= 0) and returns how many. The
// decision point already refuses them; this makes the status and the
// evidence say so, and tells the institutions.
func (s *Service) Expire(ctx context.Context, limit int) (int, error) {
	if limit <= 0 {
		limit = 500
	}
	now := s.now()
	due, err := s.Repo.AuthorizationsDue(ctx, now, limit)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, d := range due {
		var a Authorization
		err := s.InTx(ctx, func(tx Repo) error {
			var err error
			if a, err = tx.AuthorizationByID(ctx, d.ID); err != nil {
				return err
			}
			if a.Status.Final() || now.Before(a.ValidUntil) {
				a = Authorization{}
				return nil // changed meanwhile
			}
			old := a.Status
			a.Status, a.Version, a.UpdatedAt = StatusExpired, a.Version+1, now
			if err := s.sign(&a); err != nil {
				return err
			}
			if err := tx.UpdateAuthorization(ctx, &a); err != nil {
				return err
			}
			if err := s.enqueue(ctx, tx, a, "expire"); err != nil {
				return err
			}
			return tx.AppendAudit(ctx, s.entry(access.System, a, "expire", old, ""))
		})
		if err != nil {
			return n, err
		}
		if a.ID != "" {
			n++
			s.wake()
		}
	}
	return n, nil
}

// Sweeper runs Expire every Interval (default one minute) until ctx ends.
type Sweeper struct {
	Service  *Service
	Interval time.Duration
	OnError  func(error)
}

// Run sweeps once at start, then every Interval.
func (w Sweeper) Run(ctx context.Context) {
	iv := w.Interval
	if iv <= 0 {
		iv = time.Minute
	}
	t := time.NewTicker(iv)
	defer t.Stop()
	for {
		if _, err := w.Service.Expire(ctx, 0); err != nil && ctx.Err() == nil && w.OnError != nil {
			w.OnError(err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (s *Service) sign(a *Authorization) error {
	if s.Signer == nil {
		a.Signature = ""
		return nil
	}
	tok, err := s.Signer.Sign(*a)
	if err != nil {
		return err
	}
	a.Signature = tok
	return nil
}

// entry is the evidence of one lifecycle step.
func (s *Service) entry(p access.Principal, a Authorization, verb string, from Status, reason string) *audit.Entry {
	detail := map[string]any{"status": a.Status, "version": a.Version}
	if from != "" {
		detail["from"] = from
	}
	if reason != "" {
		detail["reason"] = reason
	}
	if verb == "request" || verb == "approve" {
		detail["items"] = a.Items
		detail["data_from"] = a.DataFrom.Format(time.DateOnly)
		detail["data_to"] = a.DataTo.Format(time.DateOnly)
		detail["valid_until"] = a.ValidUntil.Format(time.RFC3339)
		detail["mode"] = a.Mode
		detail["institution_id"] = a.InstitutionID
	}
	b, _ := json.Marshal(detail) // plain values only
	return &audit.Entry{Time: s.now(), ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID,
		Action: "authorization." + verb, EnterpriseID: a.EnterpriseID, Items: a.Items, Purpose: a.Purpose,
		AuthorizationID: a.ID, Outcome: audit.OK, Detail: string(b), RemoteAddr: p.RemoteAddr}
}

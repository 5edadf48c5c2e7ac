package enterprise

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/keys"
	"github.com/creditbridge/creditbridge/internal/mask"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/region"
)

// Repo is the storage the service uses: the registry plus the evidence log.
type Repo interface {
	Store
	audit.Store
}

// Service registers enterprises and serves reads of the registry through
// the access decision point.
type Service struct {
	Repo Repo
	InTx func(ctx context.Context, fn func(Repo) error) error
	Seal *keys.Sealer
	Now  func() time.Time
	// Grants lists an institution's authorizations for the decision point
	// (internal/authz); nil: none exist.
	Grants access.GrantSource
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

func (s *Service) guard() access.Guard {
	return access.Guard{Log: s.Repo, Now: s.now, Grants: s.Grants}
}

// LegalRep is the legal representative, personal information.
type LegalRep struct {
	Name     string `json:"name"`
	IDNumber string `json:"id_number"`
}

// Input is the registrable attributes of an enterprise. Numbers are
// strings where they come from forms, so a bad value gets a clear error.
type Input struct {
	Code              string
	NameZH            string
	NameEN            string
	Industry          string // GB/T 4754 section letter
	Size              string
	Status            string
	RegisteredCapital int64 // fen
	FoundedOn         string
	Address           string
	LegalRep          LegalRep
}

// View is an enterprise as shown to a reader: personal data masked.
type View struct {
	ID                int64     `json:"-"`
	Code              string    `json:"code"`
	NameZH            string    `json:"name_zh"`
	NameEN            string    `json:"name_en"`
	Division          string    `json:"division"`
	RegionZH          string    `json:"region_zh"`
	RegionEN          string    `json:"region_en"`
	Industry          string    `json:"industry"`
	IndustryZH        string    `json:"industry_zh"`
	IndustryEN        string    `json:"industry_en"`
	Size              string    `json:"size"`
	Status            Status    `json:"status"`
	RegisteredCapital int64     `json:"registered_capital_fen"`
	FoundedOn         string    `json:"founded_on"`
	Address           string    `json:"address"`
	LegalRep          string    `json:"legal_representative_masked"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
	Version           int64     `json:"version"`
}

// ViewOf builds the masked view of a record.
func ViewOf(r Record) View {
	v := View{ID: r.ID, Code: r.Code, NameZH: r.NameZH, NameEN: r.NameEN, Division: r.Division, Industry: r.Industry,
		Size: r.Size, Status: r.Status, RegisteredCapital: r.RegisteredCapital, Address: r.Address,
		LegalRep: r.LegalRepMasked, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt, Version: r.Version}
	if !r.FoundedOn.IsZero() {
		v.FoundedOn = r.FoundedOn.Format(time.DateOnly)
	}
	if p, err := region.Resolve(r.Division); err == nil {
		v.RegionZH, v.RegionEN = p.Name("zh"), p.Name("en")
	}
	if sec, ok := industry.SectionByCode(r.Industry); ok {
		v.IndustryZH, v.IndustryEN = sec.NameZH, sec.NameEN
	}
	return v
}

// MaskLegalRep is the form of the legal representative that may be shown,
// masked by the platform's rules (internal/mask): "张** 110105********002X".
func MaskLegalRep(l LegalRep) string {
	return mask.Name(l.Name) + " " + mask.IDNumber(l.IDNumber)
}

// validate turns an Input into a Record, collecting every problem.
func (s *Service) validate(in Input) (Record, error) {
	var fs fault.Fields
	r := Record{}
	code, err := creditcode.Parse(in.Code)
	fs.Add("code", err)
	if err == nil {
		r.Code = string(code)
		r.Division = code.Division()
		if _, err := region.Resolve(r.Division); err != nil {
			fs.Add("code", fault.New(fault.Invalid, "enterprise.division_unknown", "the division code in the credit code is unknown").With("division", r.Division))
		}
	}
	r.NameZH = strings.TrimSpace(in.NameZH)
	r.NameEN = strings.TrimSpace(in.NameEN)
	if r.NameZH == "" || utf8.RuneCountInString(r.NameZH) > 200 {
		fs.Add("name_zh", fault.New(fault.Invalid, "enterprise.name", "the name must have 1 to 200 characters"))
	}
	if utf8.RuneCountInString(r.NameEN) > 300 {
		fs.Add("name_en", fault.New(fault.Invalid, "enterprise.name_en", "the English name must have at most 300 characters"))
	}
	if in.Industry != "" {
		sec, err := industry.ParseSection(in.Industry)
		fs.Add("industry", err)
		r.Industry = sec.Code
	}
	if in.Size != "" {
		sz, err := industry.ParseSize(in.Size)
		fs.Add("size", err)
		r.Size = string(sz)
	}
	r.Status = StatusOperating
	if in.Status != "" {
		st, err := ParseStatus(in.Status)
		fs.Add("status", err)
		r.Status = st
	}
	if in.RegisteredCapital < 0 {
		fs.Add("registered_capital", fault.New(fault.Invalid, "enterprise.capital", "registered capital must not be negative"))
	}
	r.RegisteredCapital = in.RegisteredCapital
	if in.FoundedOn != "" {
		d, err := time.Parse(time.DateOnly, strings.TrimSpace(in.FoundedOn))
		switch {
		case err != nil:
			fs.Add("founded_on", fault.New(fault.Invalid, "enterprise.founded_on", "the founding date must be a date such as 2015-06-30").With("value", in.FoundedOn))
		case d.After(s.now()) || d.Year() < 1900:
			fs.Add("founded_on", fault.New(fault.Invalid, "enterprise.founded_on_range", "the founding date must be between 1900 and today"))
		default:
			r.FoundedOn = d
		}
	}
	r.Address = strings.TrimSpace(in.Address)
	if utf8.RuneCountInString(r.Address) > 300 {
		fs.Add("address", fault.New(fault.Invalid, "enterprise.address", "the address must have at most 300 characters"))
	}
	lr := LegalRep{Name: strings.TrimSpace(in.LegalRep.Name), IDNumber: strings.TrimSpace(in.LegalRep.IDNumber)}
	if lr.Name == "" || utf8.RuneCountInString(lr.Name) > 100 {
		fs.Add("legal_representative.name", fault.New(fault.Invalid, "enterprise.legal_rep_name", "the legal representative's name must have 1 to 100 characters"))
	}
	if lr.IDNumber != "" {
		id, err := personid.Validate(lr.IDNumber)
		fs.Add("legal_representative.id_number", err)
		lr.IDNumber = id
	}
	if err := fs.Err(); err != nil {
		return Record{}, err
	}
	sealed, err := s.sealLegalRep(r.Code, lr)
	if err != nil {
		return Record{}, err
	}
	r.LegalRepSealed = sealed
	r.LegalRepMasked = MaskLegalRep(lr)
	return r, nil
}

func (s *Service) sealLegalRep(code string, lr LegalRep) ([]byte, error) {
	b, err := json.Marshal(lr)
	if err != nil {
		return nil, fmt.Errorf("enterprise: encode legal representative: %w", err)
	}
	return s.Seal.Seal(b, []byte("legal_rep:"+code))
}

// ParseStatus accepts a status name.
func ParseStatus(s string) (Status, error) {
	for _, st := range Statuses {
		if string(st) == strings.TrimSpace(strings.ToLower(s)) {
			return st, nil
		}
	}
	return "", fault.New(fault.Invalid, "enterprise.unknown_status", "unknown status").With("status", s)
}

func canRegister(p access.Principal) bool {
	if p.Username == "system" && p.OrgID == 0 {
		return true
	}
	return p.Role == "operator_admin" || p.Role == "operator_analyst" || p.Role == "department_officer" ||
		(p.APIKeyID != 0 && p.HasScope("data:write"))
}

func actorEntry(p access.Principal, now time.Time, action string) audit.Entry {
	return audit.Entry{Time: now, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: action,
		Outcome: audit.OK, RemoteAddr: p.RemoteAddr}
}

// Register adds an enterprise to the registry; the record and its evidence
// entry commit together, or neither does.
func (s *Service) Register(ctx context.Context, p access.Principal, in Input) (View, error) {
	if !canRegister(p) {
		return View{}, fault.New(fault.Forbidden, "enterprise.register_forbidden", "your role may not register enterprises")
	}
	r, err := s.validate(in)
	if err != nil {
		return View{}, err
	}
	err = s.InTx(ctx, func(tx Repo) error {
		if err := tx.CreateEnterprise(ctx, &r); err != nil {
			return err
		}
		e := actorEntry(p, s.now(), "enterprise.register")
		e.EnterpriseID = r.ID
		e.Items = []string{access.ItemRegistration, access.ItemLegalRep}
		e.Detail = r.Code
		return tx.AppendAudit(ctx, &e)
	})
	if err != nil {
		return View{}, err
	}
	return ViewOf(r), nil
}

// Prepare validates an input and seals its personal data, returning the
// record a bulk load stores (see Import). Errors are as for Register.
func (s *Service) Prepare(in Input) (Record, error) { return s.validate(in) }

// Import registers many prepared records in the caller's transaction with
// the store's bulk path and one evidence entry for the batch (action
// "enterprise.import", detail naming the batch and count). It sets the
// records' ids. Bulk loads (seeding, a department's registration snapshot)
// use it; one duplicate code fails the whole batch.
func (s *Service) Import(ctx context.Context, tx Repo, p access.Principal, batch string, rs []*Record) error {
	if !canRegister(p) {
		return fault.New(fault.Forbidden, "enterprise.register_forbidden", "your role may not register enterprises")
	}
	if len(rs) == 0 {
		return nil
	}
	if err := tx.CreateEnterprises(ctx, rs); err != nil {
		return err
	}
	e := actorEntry(p, s.now(), "enterprise.import")
	e.Items = []string{access.ItemRegistration, access.ItemLegalRep}
	e.Detail = fmt.Sprintf("batch %s: %d enterprises, codes %s … %s", batch, len(rs), rs[0].Code, rs[len(rs)-1].Code)
	return tx.AppendAudit(ctx, &e)
}

// lookup finds an enterprise by its code, validating the code first so a
// malformed code is Invalid (with the reason) rather than NotFound.
func (s *Service) lookup(ctx context.Context, code string) (Record, error) {
	c, err := creditcode.Parse(code)
	if err != nil {
		return Record{}, err
	}
	return s.Repo.EnterpriseByCode(ctx, string(c))
}

// Get reads one enterprise's registry record for a purpose.
func (s *Service) Get(ctx context.Context, p access.Principal, code, purpose string) (View, error) {
	r, err := s.lookup(ctx, code)
	if err != nil {
		return View{}, err
	}
	req := access.Request{Principal: p, Action: "enterprise.read", EnterpriseID: r.ID,
		Items: []string{access.ItemRegistration, access.ItemLegalRep}, Purpose: purpose}
	_, err = s.guard().Read(ctx, req, func(access.Decision) (any, error) { return nil, nil })
	if err != nil {
		return View{}, err
	}
	return ViewOf(r), nil
}

// GetByID is Get for callers that hold the internal id (an enterprise's own
// account).
func (s *Service) GetByID(ctx context.Context, p access.Principal, id int64, purpose string) (View, error) {
	r, err := s.Repo.EnterpriseByID(ctx, id)
	if err != nil {
		return View{}, err
	}
	return s.Get(ctx, p, r.Code, purpose)
}

// Search lists registry records. One evidence entry records the query and
// the codes returned.
func (s *Service) Search(ctx context.Context, p access.Principal, q Query, purpose string) ([]View, int, error) {
	if q.Limit <= 0 || q.Limit > 200 {
		q.Limit = 50
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	q.Text = strings.TrimSpace(q.Text)
	if utf8.RuneCountInString(q.Text) > 100 {
		return nil, 0, fault.New(fault.Invalid, "enterprise.query_long", "the search text must have at most 100 characters")
	}
	if q.Industry != "" {
		sec, err := industry.ParseSection(q.Industry)
		if err != nil {
			return nil, 0, err
		}
		q.Industry = sec.Code
	}
	if q.Status != "" {
		st, err := ParseStatus(string(q.Status))
		if err != nil {
			return nil, 0, err
		}
		q.Status = st
	}
	if q.Division != "" {
		if _, err := strconv.Atoi(q.Division); err != nil || len(q.Division) > 6 {
			return nil, 0, fault.New(fault.Invalid, "enterprise.division_filter", "the region filter must be 2 to 6 digits of a division code")
		}
	}
	var (
		recs  []Record
		total int
	)
	req := access.Request{Principal: p, Action: "enterprise.search", Items: []string{access.ItemRegistration}, Purpose: purpose}
	_, err := s.guard().Read(ctx, req, func(access.Decision) (any, error) {
		var err error
		recs, total, err = s.Repo.SearchEnterprises(ctx, q)
		if err != nil {
			return nil, err
		}
		codes := make([]string, len(recs))
		for i, r := range recs {
			codes[i] = r.Code
		}
		return map[string]any{"text": q.Text, "division": q.Division, "industry": q.Industry, "status": q.Status,
			"offset": q.Offset, "total": total, "codes": codes}, nil
	})
	if err != nil {
		return nil, 0, err
	}
	out := make([]View, len(recs))
	for i, r := range recs {
		out[i] = ViewOf(r)
	}
	return out, total, nil
}

// History lists an enterprise's attribute changes (a read of its data).
func (s *Service) History(ctx context.Context, p access.Principal, code, purpose string) ([]Change, error) {
	r, err := s.lookup(ctx, code)
	if err != nil {
		return nil, err
	}
	var out []Change
	req := access.Request{Principal: p, Action: "enterprise.history", EnterpriseID: r.ID, Items: []string{access.ItemRegistration}, Purpose: purpose}
	_, err = s.guard().Read(ctx, req, func(access.Decision) (any, error) {
		var err error
		out, err = s.Repo.EnterpriseChanges(ctx, r.ID)
		return nil, err
	})
	return out, err
}

// Update changes registered attributes; every changed field becomes a
// history entry (personal data recorded masked) and an evidence entry
// records the change, all in one transaction. Version must be the version
// the caller read.
func (s *Service) Update(ctx context.Context, p access.Principal, code string, version int64, in Input, reason string) (View, error) {
	if p.Role != "operator_admin" && !(p.Username == "system" && p.OrgID == 0) {
		return View{}, fault.New(fault.Forbidden, "enterprise.update_forbidden", "only an operator administrator may change registry records")
	}
	old, err := s.lookup(ctx, code)
	if err != nil {
		return View{}, err
	}
	in.Code = old.Code
	next, err := s.validate(in)
	if err != nil {
		return View{}, err
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return View{}, fault.New(fault.Invalid, "enterprise.reason_required", "state the reason for the change")
	}
	next.ID, next.Version, next.CreatedAt = old.ID, version, old.CreatedAt
	now := s.now()
	var changes []Change
	diff := func(field, a, b string) {
		if a != b {
			changes = append(changes, Change{EnterpriseID: old.ID, Field: field, OldValue: a, NewValue: b, ChangedAt: now, ActorUserID: p.UserID, Reason: reason})
		}
	}
	date := func(t time.Time) string {
		if t.IsZero() {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	diff("name_zh", old.NameZH, next.NameZH)
	diff("name_en", old.NameEN, next.NameEN)
	diff("industry", old.Industry, next.Industry)
	diff("size", old.Size, next.Size)
	diff("status", string(old.Status), string(next.Status))
	diff("registered_capital", strconv.FormatInt(old.RegisteredCapital, 10), strconv.FormatInt(next.RegisteredCapital, 10))
	diff("founded_on", date(old.FoundedOn), date(next.FoundedOn))
	diff("address", old.Address, next.Address)
	oldLR, err := s.openLegalRep(old)
	if err != nil {
		return View{}, err
	}
	if oldLR != in.LegalRep {
		changes = append(changes, Change{EnterpriseID: old.ID, Field: "legal_representative", OldValue: old.LegalRepMasked, NewValue: next.LegalRepMasked, ChangedAt: now, ActorUserID: p.UserID, Reason: reason})
	} else {
		next.LegalRepSealed, next.LegalRepMasked = old.LegalRepSealed, old.LegalRepMasked
	}
	if len(changes) == 0 {
		return ViewOf(old), nil
	}
	err = s.InTx(ctx, func(tx Repo) error {
		if err := tx.UpdateEnterprise(ctx, &next, changes); err != nil {
			return err
		}
		fields := make([]string, len(changes))
		for i, c := range changes {
			fields[i] = c.Field
		}
		e := actorEntry(p, now, "enterprise.update")
		e.EnterpriseID = old.ID
		e.Items = []string{access.ItemRegistration}
		e.Detail = fmt.Sprintf("%s fields %s: %s", old.Code, strings.Join(fields, ","), reason)
		return tx.AppendAudit(ctx, &e)
	})
	if err != nil {
		return View{}, err
	}
	return ViewOf(next), nil
}

func (s *Service) openLegalRep(r Record) (LegalRep, error) { return OpenLegalRep(s.Seal, r) }

// OpenLegalRep opens a record's sealed legal representative with the
// node's data key (zero if none is recorded). Only code that has passed
// the access decision point for the legal-representative item may call
// it: the result is personal information in clear.
func OpenLegalRep(seal *keys.Sealer, r Record) (LegalRep, error) {
	var lr LegalRep
	if len(r.LegalRepSealed) == 0 {
		return lr, nil
	}
	b, err := seal.Open(r.LegalRepSealed, []byte("legal_rep:"+r.Code))
	if err != nil {
		return lr, fmt.Errorf("enterprise %s: %w", r.Code, err)
	}
	if err := json.Unmarshal(b, &lr); err != nil {
		return lr, fmt.Errorf("enterprise %s: decode legal representative: %w", r.Code, err)
	}
	return lr, nil
}

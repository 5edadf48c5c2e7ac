package sharing

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/mask"
)

// Repo is the storage the service reads.
type Repo interface {
	EnterpriseByCode(ctx context.Context, code string) (enterprise.Record, error)
	EnterpriseByID(ctx context.Context, id int64) (enterprise.Record, error)
	QueryFacts(ctx context.Context, q facts.Query) ([]facts.Fact, error)
	AppendAudit(ctx context.Context, e *audit.Entry) error
}

// Items is the catalogue as the service needs it.
type Items interface {
	Current(ctx context.Context) (*catalog.Snapshot, error)
}

// LiveRequest asks a department for one item of one enterprise.
type LiveRequest struct {
	Item         catalog.Item
	EnterpriseID int64
	CreditCode   string
	From, To     time.Time // the periods wanted; zero: whatever the department returns
}

// LiveResult is a department's answer, mapped to facts (Source, Batch
// and ReceivedAt set by the connector).
type LiveResult struct {
	Facts     []facts.Fact
	Connector string        // the connector's name
	Cached    bool          // served from the cache the item's grade allows
	Attempts  int           // calls made (retries included); 0 when cached
	Duration  time.Duration // time spent, retries and waits included
}

// Live fetches items whose sharing mode is interface call. An error for a
// department that does not answer must be a fault naming it (Unavailable)
// and must come back within the connector's timeout budget.
type Live interface {
	Fetch(ctx context.Context, req LiveRequest) (LiveResult, error)
}

// Service reads shared items.
type Service struct {
	Repo  Repo
	Items Items
	Live  Live // nil: interface-only items are unavailable
	// Marks gives the records under objection or repaired (internal/rights);
	// nil: no record carries a mark.
	Marks Marks
	// Grants lists an institution's authorizations from an enterprise for
	// the decision point (internal/authz); nil: none exist.
	Grants access.GrantSource
	// Mask are the masking rules of personal items (internal/mask), loaded
	// once by the wiring; nil masks every personal item by the fallback.
	Mask *mask.Rules
	Now  func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// Query selects what to read.
type Query struct {
	// Code (unified social credit code) or EnterpriseID names the subject.
	Code         string
	EnterpriseID int64
	// Subject, when set, is the registry record of EnterpriseID that the
	// caller has already read (it is not read again).
	Subject *enterprise.Record
	// Items are catalogue codes or category prefixes ending in "."
	// ("tax."); empty means every item in force.
	Items []string
	// From and To bound the periods (inclusive; zero: unbounded).
	From, To time.Time
	// KnownAt, when set, reads what the platform knew at that instant: facts
	// received at or before it, in their latest version as of it. Live
	// items are known only from the moment they are fetched, so a past
	// KnownAt leaves them out.
	KnownAt time.Time
	// AllVersions returns every version of stored values (corrections
	// included), not only the latest.
	AllVersions bool
	// Limit caps the stored values read (default 10,000); Result.Truncated
	// says when it cut.
	Limit   int
	Purpose string
	// Mode is access.ModeView (default) or access.ModeVerify.
	Mode string
	// Action names the evidence entry (default "data.read").
	Action string
	// AuthorizationID names the authorization an institution reads under
	// (empty: the decision point picks a covering one). An institution's
	// reads are clipped to the authorization's data date range.
	AuthorizationID string
	// Grants, when GrantsLoaded, are the institution's authorizations
	// from the subject as the caller has just read them, with the subject
	// (authz.Service.SubjectGrants); the decision point does not read
	// them again.
	Grants       []access.Grant
	GrantsLoaded bool
}

// Value is one shared value with its provenance.
type Value struct {
	Item       string          `json:"item"`
	Shape      facts.Shape     `json:"shape"`
	Period     string          `json:"period"`
	EndsOn     string          `json:"ends_on,omitempty"`
	Num        int64           `json:"num"`
	Text       string          `json:"text,omitempty"`
	Ref        string          `json:"ref,omitempty"`
	Detail     json.RawMessage `json:"detail,omitempty"`
	Source     string          `json:"source"`
	Batch      string          `json:"batch,omitempty"`
	SourceRow  int64           `json:"source_row,omitempty"`
	ReceivedAt time.Time       `json:"received_at"`
	Version    int             `json:"version"`
	// Via is how the value reached the platform: physical or interface.
	Via catalog.Mode `json:"via"`
	// Masked: personal information in Text/Detail was hidden.
	Masked bool `json:"masked,omitempty"`
	// Objection is set while the record is under objection (异议).
	Objection *ObjectionMark `json:"objection,omitempty"`
	// Repaired: the record was repaired (信用修复); only its subject,
	// operators, auditors and its source department still see it.
	Repaired bool `json:"repaired,omitempty"`
	// ref is the stored Ref before masking: the key rights marks use.
	ref string
}

// ObjectionMark flags a record under a pending objection.
type ObjectionMark struct {
	ID     int64  `json:"id"`
	Status string `json:"status"`
}

// RecordMark is the rights status of one record of an enterprise (its
// item, period and ref, whatever the version).
type RecordMark struct {
	Item      string
	Period    time.Time
	Ref       string
	Objection *ObjectionMark // a pending objection, or nil
	Repaired  bool
}

// Marks reads the rights status of an enterprise's records.
type Marks interface {
	RecordMarks(ctx context.Context, enterpriseID int64) ([]RecordMark, error)
}

// Call describes one interface call made for a read.
type Call struct {
	Item      string  `json:"item"`
	Source    string  `json:"source"`
	Connector string  `json:"connector"`
	Cached    bool    `json:"cached"`
	Attempts  int     `json:"attempts"`
	Millis    float64 `json:"ms"`
	Values    int     `json:"values"`
	Error     string  `json:"error,omitempty"`
}

// Result is one read.
type Result struct {
	EnterpriseID int64           `json:"-"`
	Code         string          `json:"credit_code"`
	Name         string          `json:"name"`
	Purpose      string          `json:"purpose"`
	KnownAt      *time.Time      `json:"known_at,omitempty"`
	Items        []catalog.Item  `json:"-"`
	Values       []Value         `json:"values"`
	Calls        []Call          `json:"interface_calls,omitempty"`
	Truncated    bool            `json:"truncated,omitempty"`
	Decision     access.Decision `json:"-"`
}

// Policies resolves catalogue items for the access decision point.
func (s *Service) Policies(ctx context.Context, codes []string) ([]access.ItemPolicy, error) {
	cat, err := s.Items.Current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]access.ItemPolicy, len(codes))
	for i, c := range codes {
		it, ok := cat.ByCode[c]
		if !ok {
			out[i] = access.ItemPolicy{Code: c}
			continue
		}
		out[i] = PolicyOf(it)
	}
	return out, nil
}

// PolicyOf is the decision point's view of a catalogue item.
func PolicyOf(it catalog.Item) access.ItemPolicy { return it.Policy() }

// resolve expands codes and prefixes into catalogue items in force today.
func (s *Service) resolve(ctx context.Context, want []string) ([]catalog.Item, error) {
	cat, err := s.Items.Current(ctx)
	if err != nil {
		return nil, err
	}
	today := s.now().Format(time.DateOnly)
	inForce := func(it catalog.Item) bool {
		return it.EffectiveFrom <= today && (it.EffectiveTo == "" || it.EffectiveTo >= today)
	}
	var out []catalog.Item
	seen := map[string]bool{}
	add := func(it catalog.Item) {
		if !seen[it.Code] {
			seen[it.Code] = true
			out = append(out, it)
		}
	}
	if len(want) == 0 {
		for _, it := range cat.Items {
			if inForce(it) {
				add(it)
			}
		}
		return out, nil
	}
	for _, w := range want {
		w = strings.TrimSpace(w)
		found := false
		if it, ok := cat.ByCode[w]; ok {
			if inForce(it) {
				add(it)
				found = true
			}
		} else if strings.HasSuffix(w, ".") {
			for _, it := range cat.Items {
				if strings.HasPrefix(it.Code, w) && inForce(it) {
					add(it)
					found = true
				}
			}
		}
		if !found {
			return nil, fault.New(fault.Invalid, "sharing.unknown_item", "no catalogue item in force matches").With("item", w)
		}
	}
	return out, nil
}

// Read reads q for p through the access decision point. A denial is a
// fault.Forbidden carrying the decision's reason; a department that does
// not answer is a fault.Unavailable naming it ("sharing.department_down").
func (s *Service) Read(ctx context.Context, p access.Principal, q Query) (Result, error) {
	rec, err := s.subject(ctx, q)
	if err != nil {
		return Result{}, err
	}
	items, err := s.resolve(ctx, q.Items)
	if err != nil {
		return Result{}, err
	}
	if q.Mode == "" {
		q.Mode = access.ModeView
	}
	if q.Action == "" {
		q.Action = "data.read"
	}
	res := Result{EnterpriseID: rec.ID, Code: rec.Code, Name: rec.NameZH, Items: items}
	if !q.KnownAt.IsZero() {
		k := q.KnownAt.UTC()
		res.KnownAt = &k
	}
	req := access.Request{Principal: p, Action: q.Action, EnterpriseID: rec.ID, Purpose: q.Purpose, Mode: q.Mode,
		From: q.From, To: q.To, AuthorizationID: q.AuthorizationID, Grants: q.Grants, GrantsLoaded: q.GrantsLoaded}
	guard := access.Guard{Log: s.Repo, Now: s.now, Grants: s.Grants}
	if req, err = guard.Prepare(ctx, req); err != nil {
		return Result{}, err
	}
	items = s.narrow(req, items, q.Items)
	res.Items = items
	for _, it := range items {
		req.Items = append(req.Items, it.Code)
		req.Policies = append(req.Policies, PolicyOf(it))
	}
	d, err := guard.Read(ctx, req, func(d access.Decision) (any, error) {
		if d.Grant != nil { // read no further than the authorization's dates
			q.From, q.To = d.Grant.Clip(q.From, q.To)
		}
		if err := s.fetch(ctx, p, rec, items, q, d, &res); err != nil {
			return nil, err
		}
		return map[string]any{"values": len(res.Values), "mode": q.Mode, "interface_calls": res.Calls}, nil
	})
	res.Decision = d
	res.Purpose = d.Purpose
	return res, err
}

// narrow drops, from the items swept in by "everything" or a category
// prefix, those the decision point would refuse this caller, so that a
// bank asking for "tax." gets the tax items it may see rather than a
// refusal; items named exactly are kept and decided as asked. If nothing
// is left, everything is kept, so the denial and its reason are recorded.
func (s *Service) narrow(req access.Request, items []catalog.Item, asked []string) []catalog.Item {
	var kept []catalog.Item
	for _, it := range items {
		if slices.Contains(asked, it.Code) {
			kept = append(kept, it)
			continue
		}
		one := req
		one.Items, one.Policies = []string{it.Code}, []access.ItemPolicy{PolicyOf(it)}
		if access.Decide(one).Allow {
			kept = append(kept, it)
		}
	}
	if len(kept) == 0 {
		return items
	}
	return kept
}

func (s *Service) subject(ctx context.Context, q Query) (enterprise.Record, error) {
	if q.Subject != nil && q.Subject.ID == q.EnterpriseID && q.EnterpriseID != 0 {
		return *q.Subject, nil
	}
	if q.EnterpriseID != 0 {
		return s.Repo.EnterpriseByID(ctx, q.EnterpriseID)
	}
	c, err := creditcode.Parse(q.Code)
	if err != nil {
		return enterprise.Record{}, err
	}
	return s.Repo.EnterpriseByCode(ctx, string(c))
}

func (s *Service) fetch(ctx context.Context, p access.Principal, rec enterprise.Record, items []catalog.Item, q Query, d access.Decision, res *Result) error {
	var stored []string
	for _, it := range items {
		if slices.Contains(it.Modes, catalog.ModePhysical) {
			stored = append(stored, it.Code)
		}
	}
	byCode := make(map[string]catalog.Item, len(items))
	for _, it := range items {
		byCode[it.Code] = it
	}
	if len(stored) > 0 {
		limit := q.Limit
		if limit <= 0 {
			limit = 10_000
		}
		fq := facts.Query{EnterpriseID: rec.ID, From: q.From, To: q.To, KnownAt: q.KnownAt, AllVersions: q.AllVersions, Limit: limit}
		if len(stored) == 1 {
			fq.Item = stored[0]
		} else {
			fq.Items = stored
		}
		fs, err := s.Repo.QueryFacts(ctx, fq)
		if err != nil {
			return err
		}
		res.Truncated = len(fs) >= limit
		want := make(map[string]bool, len(stored))
		for _, c := range stored {
			want[c] = true
		}
		res.Values = slices.Grow(res.Values, len(fs))
		for _, f := range fs {
			if want[f.Item] {
				res.Values = append(res.Values, valueOf(s.Mask, f, catalog.ModePhysical, byCode[f.Item], d))
			}
		}
	}
	for _, it := range items {
		if slices.Contains(it.Modes, catalog.ModePhysical) {
			continue
		}
		if !slices.Contains(it.Modes, catalog.ModeInterface) && !(q.Mode == access.ModeVerify && slices.Contains(it.Modes, catalog.ModeVerification)) {
			continue // verification-only items give no values to view
		}
		if !q.KnownAt.IsZero() && q.KnownAt.Before(s.now().Add(-time.Minute)) {
			continue // a live value was not known at a past instant
		}
		// An item asked for by name must come, or the read fails with a
		// clear error; items swept in by "everything" or a category prefix
		// that a department cannot serve now are reported in Calls instead.
		explicit := slices.Contains(q.Items, it.Code)
		if s.Live == nil {
			if explicit {
				return fault.New(fault.Unavailable, "sharing.no_connector", "no connector serves this item").
					With("item", it.Code).With("department", it.Department)
			}
			res.Calls = append(res.Calls, Call{Item: it.Code, Source: it.Department, Error: "sharing.no_connector"})
			continue
		}
		call, vals, err := s.call(ctx, p, rec, it, q, d)
		res.Calls = append(res.Calls, call)
		if err != nil {
			if explicit {
				return err
			}
			continue
		}
		res.Values = append(res.Values, vals...)
	}
	if err := s.mark(ctx, p, rec.ID, byCode, res); err != nil {
		return err
	}
	slices.SortStableFunc(res.Values, func(a, b Value) int {
		if c := strings.Compare(a.Item, b.Item); c != 0 {
			return c
		}
		if c := strings.Compare(a.Period, b.Period); c != 0 {
			return c
		}
		if c := strings.Compare(a.Ref, b.Ref); c != 0 {
			return c
		}
		return a.Version - b.Version
	})
	return nil
}

// call fetches one interface item and leaves an evidence entry for the
// call itself (outcome ok or error), so a department's answers and
// failures are on record even when the read as a whole fails.
func (s *Service) call(ctx context.Context, p access.Principal, rec enterprise.Record, it catalog.Item, q Query, d access.Decision) (Call, []Value, error) {
	start := time.Now()
	lr, err := s.Live.Fetch(ctx, LiveRequest{Item: it, EnterpriseID: rec.ID, CreditCode: rec.Code, From: q.From, To: q.To})
	c := Call{Item: it.Code, Source: it.Department, Connector: lr.Connector, Cached: lr.Cached, Attempts: lr.Attempts,
		Millis: float64(time.Since(start).Microseconds()) / 1000, Values: len(lr.Facts)}
	out := audit.OK
	if err != nil {
		out = audit.Failed
		c.Error = "sharing.department_down"
		if fe, ok := fault.As(err); ok {
			c.Error = fe.Code
		}
	}
	detail, _ := json.Marshal(c)
	e := audit.Entry{Time: s.now(), ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "interface.call",
		EnterpriseID: rec.ID, Items: []string{it.Code}, Purpose: d.Purpose, AuthorizationID: d.AuthorizationID, Outcome: out,
		Detail: string(detail), RemoteAddr: p.RemoteAddr}
	if aerr := s.Repo.AppendAudit(ctx, &e); aerr != nil {
		return c, nil, fmt.Errorf("sharing: record the interface call: %w", aerr)
	}
	if err != nil {
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Unavailable {
			return c, nil, err
		}
		return c, nil, fault.New(fault.Unavailable, "sharing.department_down", "the department did not answer").
			With("department", it.Department).With("item", it.Code).Wrap(err)
	}
	vals := make([]Value, 0, len(lr.Facts))
	for _, f := range lr.Facts {
		if f.Item != it.Code {
			continue
		}
		if !q.From.IsZero() && f.Period.Before(q.From) || !q.To.IsZero() && f.Period.After(q.To) {
			continue
		}
		vals = append(vals, valueOf(s.Mask, f, catalog.ModeInterface, it, d))
	}
	return c, vals, nil
}

// mark flags values under objection for every reader and drops repaired
// records for readers other than the subject, the operator, auditors and
// the record's source department (who see them flagged repaired).
func (s *Service) mark(ctx context.Context, p access.Principal, enterpriseID int64, byCode map[string]catalog.Item, res *Result) error {
	if s.Marks == nil || len(res.Values) == 0 {
		return nil
	}
	ms, err := s.Marks.RecordMarks(ctx, enterpriseID)
	if err != nil || len(ms) == 0 {
		return err
	}
	type key struct{ item, period, ref string }
	byKey := make(map[key]RecordMark, len(ms))
	for _, m := range ms {
		byKey[key{m.Item, day(m.Period), m.Ref}] = m
	}
	kept := res.Values[:0]
	for _, v := range res.Values {
		m, ok := byKey[key{v.Item, v.Period, v.ref}]
		if ok && m.Repaired {
			if !seesRepaired(p, byCode[v.Item]) {
				continue
			}
			v.Repaired = true
		}
		if ok && m.Objection != nil {
			o := *m.Objection
			v.Objection = &o
		}
		kept = append(kept, v)
	}
	res.Values = kept
	return nil
}

// seesRepaired reports whether p still sees repaired records of item it.
func seesRepaired(p access.Principal, it catalog.Item) bool {
	switch p.OrgKind {
	case account.KindOperator, account.KindAuditor, account.KindEnterprise: // the decision point admits only the subject
		return true
	case account.KindDepartment:
		return p.Department != "" && p.Department == it.Department
	case "":
		return p.Username == access.System.Username
	}
	return false
}

func valueOf(rules *mask.Rules, f facts.Fact, via catalog.Mode, it catalog.Item, d access.Decision) Value {
	v := Value{Item: f.Item, Shape: f.Shape, Period: day(f.Period), EndsOn: day(f.EndsOn), Num: f.Num, Text: f.Text, Ref: f.Ref,
		Source: f.Source, Batch: f.Batch, SourceRow: f.SourceRow, ReceivedAt: f.ReceivedAt.UTC(), Version: f.Version, Via: via, ref: f.Ref}
	if f.Detail != "" && json.Valid([]byte(f.Detail)) {
		v.Detail = json.RawMessage(f.Detail)
	}
	// Personal information is masked by the item's rules (internal/mask)
	// when the decision says so; sealed blobs never leave either way.
	m, masked := rules.Apply(f.Item, it.Personal, d.Mask.PersonalData, mask.Fields{Text: v.Text, Ref: v.Ref, Detail: v.Detail})
	v.Text, v.Ref, v.Detail, v.Masked = m.Text, m.Ref, m.Detail, masked
	return v
}

func day(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// Messages are the user-facing texts of this package's codes.
var Messages = map[string][2]string{
	"sharing.unknown_item":    {"No catalogue item in force matches {item}.", "共享清单中没有与 {item} 相符的现行数据项。"},
	"sharing.no_connector":    {"No interface is configured for {item} of department {department}.", "尚未为部门 {department} 的数据项 {item} 配置接口。"},
	"sharing.department_down": {"Department {department} did not answer for {item}; please try again later.", "部门 {department} 未能返回数据项 {item}，请稍后重试。"},
}

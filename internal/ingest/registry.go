package ingest

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/store"
)

// ItemShareholders is the catalogue item of a shareholder: an attribute
// effective from the snapshot date, Num the subscribed capital in fen.
const ItemShareholders = "registration.shareholders"

// registrar stores the registry row kinds inside a batch's transaction:
// registration records through the enterprise service (new ones with its
// bulk Import and one evidence entry per chunk, changed ones with Update,
// one history and evidence entry each), shareholders as attribute facts
// with their personal data sealed, and loans. A row that repeats what is
// stored (a re-sent snapshot or loan file) stores nothing and is counted
// Unchanged.
type registrar struct {
	ds    *Dataset
	tx    store.Store
	svc   enterprise.Service // bound to tx
	batch string
	// pending registrations, imported at each chunk.
	pending []*enterprise.Record
	// first row of each key (profile: code; shareholder: enterprise and
	// ref; loan: enterprise, lender and contract) in this batch.
	keyRow map[string]int
	// refSeen counts natural holders per enterprise and masked number.
	refSeen map[string]int
	// stored shareholder facts and loans of the enterprises seen, by key.
	holders map[int64]map[string]facts.Fact
	loans   map[int64]map[string]facts.Loan
	// snapshot is the period of shareholder facts.
	snapshot time.Time
	// updated and unchanged count profile rows.
	updated, unchanged int64
	// capitals are registered capitals of the enterprises seen.
	capitals map[int64]int64
}

// capital returns an enterprise's registered capital (fen).
func (r *registrar) capital(ctx context.Context, id int64) (int64, error) {
	if c, ok := r.capitals[id]; ok {
		return c, nil
	}
	rec, err := r.tx.EnterpriseByID(ctx, id)
	if err != nil {
		return 0, err
	}
	if r.capitals == nil {
		r.capitals = map[int64]int64{}
	}
	r.capitals[id] = rec.RegisteredCapital
	return rec.RegisteredCapital, nil
}

func newRegistrar(ds *Dataset, tx store.Store, svc *enterprise.Service, batch string, received time.Time) (*registrar, error) {
	if svc == nil {
		return nil, fault.New(fault.Invalid, "ingest.no_registry", "registry rows need the enterprise service").
			With("detail", ds.RowKind)
	}
	r := &registrar{ds: ds, tx: tx, svc: *svc, batch: batch, keyRow: map[string]int{}, refSeen: map[string]int{},
		holders: map[int64]map[string]facts.Fact{}, loans: map[int64]map[string]facts.Loan{}}
	r.svc.Repo = tx
	r.svc.InTx = func(_ context.Context, fn func(enterprise.Repo) error) error { return fn(tx) }
	r.snapshot = time.Date(received.Year(), received.Month(), received.Day(), 0, 0, 0, 0, time.UTC)
	if ds.SnapshotOn != "" {
		r.snapshot, _ = time.Parse(time.DateOnly, ds.SnapshotOn) // checked by Validate
	}
	return r, nil
}

// firstRow records key at row and returns the earlier row of the same
// key in this batch, or 0.
func (r *registrar) firstRow(key string, row int) int {
	if first, ok := r.keyRow[key]; ok {
		return first
	}
	r.keyRow[key] = row
	return 0
}

// fieldProblem turns the first field error of a registration into a
// problem naming the column.
func fieldProblem(err error, p *profileRow) (*Problem, bool) {
	var fe *fault.FieldsError
	if !errors.As(err, &fe) || len(fe.Fields) == 0 {
		return nil, false
	}
	f := fe.Fields[0]
	c := p.cols[f.Field]
	pr := &Problem{Code: f.Err.Code, Column: c.Name, Params: f.Err.Params}
	switch f.Field {
	case "legal_representative.id_number":
		pr.Value = personid.Mask(p.in.LegalRep.IDNumber) // never the number itself in a report
	case "legal_representative.name":
		pr.Value = personid.MaskName(p.in.LegalRep.Name)
	case "name_zh":
		pr.Value = p.in.NameZH
	case "founded_on":
		pr.Value = p.in.FoundedOn
	case "industry":
		pr.Value = p.in.Industry
	case "size":
		pr.Value = p.in.Size
	case "address":
		pr.Value = p.in.Address
	}
	return pr, true
}

// profile registers (per the dataset's policy) or updates one
// enterprise, or returns the row's problem.
func (r *registrar) profile(ctx context.Context, row int, p *profileRow) (*Problem, error) {
	code := p.in.Code
	if first := r.firstRow(code, row); first != 0 {
		return &Problem{Code: "ingest.duplicate_key", Column: r.ds.KeyColumn, Value: code, Of: first}, nil
	}
	old, err := r.tx.EnterpriseByCode(ctx, code)
	switch {
	case fault.Is(err, fault.NotFound):
		if r.ds.UnknownEnterprise != PolicyRegister {
			return &Problem{Code: "ingest.not_registered", Column: r.ds.KeyColumn, Value: code}, nil
		}
		rec, err := r.svc.Prepare(p.in)
		if pr, ok := fieldProblem(err, p); ok {
			return pr, nil
		} else if err != nil {
			return nil, err
		}
		r.pending = append(r.pending, &rec)
		return nil, nil
	case err != nil:
		return nil, err
	}
	in, err := r.merge(old, p)
	if err != nil {
		return nil, err
	}
	next, err := r.svc.Prepare(in)
	if pr, ok := fieldProblem(err, p); ok {
		return pr, nil
	} else if err != nil {
		return nil, err
	}
	if c, o := next.RegisteredCapital, old.RegisteredCapital; c != o && c > 0 && o > 0 &&
		(c == o*100 || c == o*10000 || o == c*100 || o == c*10000) {
		// Exactly ×100 or ×10^4 the registered figure: a unit error (元
		// in a 万元 column), not a capital change.
		col := p.cols["registered_capital"]
		return &Problem{Code: "ingest.unit_ratio", Column: col.Name, Value: p.capCell,
			Detail: "the registry holds " + yuan(o) + " 元, this is " + yuan(c) + " 元"}, nil
	}
	if next.NameZH == old.NameZH && next.NameEN == old.NameEN && next.Industry == old.Industry && next.Size == old.Size &&
		next.Status == old.Status && next.RegisteredCapital == old.RegisteredCapital && next.FoundedOn.Equal(old.FoundedOn) &&
		next.Address == old.Address && next.LegalRepMasked == old.LegalRepMasked && in.LegalRep == r.openLegalRep(old) {
		r.unchanged++
		return nil, nil
	}
	_, err = r.svc.Update(ctx, access.System, code, old.Version, in, "registration snapshot, batch "+r.batch+" row "+strconv.Itoa(row))
	if err == nil {
		r.updated++
	}
	return nil, err
}

// merge is the input of a known enterprise's new record: the row's
// values, and the registry's for fields the dataset has no column for.
// The legal representative's identity is normalised as validation does,
// so that an unchanged one compares equal.
func (r *registrar) merge(old enterprise.Record, p *profileRow) (enterprise.Input, error) {
	in := p.in
	keep := func(field string, dst *string, v string) {
		if !p.has[field] {
			*dst = v
		}
	}
	keep("profile.name_en", &in.NameEN, old.NameEN)
	keep("profile.industry", &in.Industry, old.Industry)
	keep("profile.size", &in.Size, old.Size)
	keep("profile.status", &in.Status, string(old.Status))
	keep("profile.address", &in.Address, old.Address)
	if !p.has["profile.founded_on"] && !old.FoundedOn.IsZero() {
		in.FoundedOn = old.FoundedOn.Format(time.DateOnly)
	}
	if !p.has["profile.registered_capital"] {
		in.RegisteredCapital = old.RegisteredCapital
	}
	oldLR := r.openLegalRep(old)
	if !p.has["profile.legal_rep_id"] && in.LegalRep.Name == oldLR.Name {
		in.LegalRep.IDNumber = oldLR.IDNumber
	}
	in.LegalRep.Name = strings.TrimSpace(in.LegalRep.Name)
	if id, err := personid.Validate(strings.TrimSpace(in.LegalRep.IDNumber)); err == nil {
		in.LegalRep.IDNumber = id
	}
	return in, nil
}

// openLegalRep reads a record's sealed legal representative; a record
// that cannot be opened compares as unknown (and is updated).
func (r *registrar) openLegalRep(rec enterprise.Record) enterprise.LegalRep {
	var lr enterprise.LegalRep
	if len(rec.LegalRepSealed) == 0 || r.svc.Seal == nil {
		return lr
	}
	b, err := r.svc.Seal.Open(rec.LegalRepSealed, []byte("legal_rep:"+rec.Code))
	if err != nil || json.Unmarshal(b, &lr) != nil {
		return enterprise.LegalRep{Name: "\x00unreadable"}
	}
	return lr
}

// flushRegistrations imports the pending new enterprises and returns how
// many; ids receives their ids.
func (r *registrar) flushRegistrations(ctx context.Context, ids map[string]int64) (int, error) {
	if len(r.pending) == 0 {
		return 0, nil
	}
	if err := r.svc.Import(ctx, r.tx, access.System, r.batch, r.pending); err != nil {
		return 0, err
	}
	n := len(r.pending)
	for _, rec := range r.pending {
		ids[rec.Code] = rec.ID
	}
	clear(r.pending)
	r.pending = r.pending[:0]
	return n, nil
}

// holderDetail is the Detail of a shareholder fact.
type holderDetail struct {
	Type    string `json:"holder_type"` // natural or legal
	ShareBP int64  `json:"share_bp"`
	// Sealed is a natural person's name and identity number, sealed with
	// the node's data key like a legal representative's (base64); the
	// fact's Text and Ref show them masked.
	Sealed string `json:"sealed,omitempty"`
}

// holder builds a shareholder's fact for enterprise id, or reports why
// not. unchanged: the same shareholder is stored with the same values.
func (r *registrar) holder(ctx context.Context, row int, id int64, code string, h *holderRow, received time.Time) (f facts.Fact, unchanged bool, pr *Problem, err error) {
	f = facts.Fact{EnterpriseID: id, Item: ItemShareholders, Shape: facts.Attribute, Period: r.snapshot, Num: h.capital,
		Source: r.ds.Department, Batch: r.batch, SourceRow: int64(row), ReceivedAt: received, Version: max(r.ds.Version, 1)}
	d := holderDetail{Type: "legal", ShareBP: h.shareBP}
	if h.natural {
		d.Type = "natural"
		idn := strings.TrimSpace(h.idNumber)
		if idn != "" {
			if idn, err = personid.Validate(idn); err != nil {
				fe, _ := fault.As(err)
				p := &Problem{Code: "ingest.bad_person_id", Column: h.idCol.Name, Value: personid.Mask(h.idNumber)}
				if fe != nil {
					p.Detail = fe.Code
				}
				return f, false, p, nil
			}
		}
		f.Text = strings.TrimSpace(enterprise.MaskLegalRep(enterprise.LegalRep{Name: h.name, IDNumber: idn}))
		// The ref names the holder without revealing them: the masked
		// number, and for a second holder of the enterprise with the same
		// masked number (same county, same last four characters), its
		// ordinal in the file ("#2"). The clear identity is in Sealed.
		f.Ref = "natural:" + personid.Mask(idn)
		if idn == "" {
			f.Ref = "natural:" + personid.MaskName(h.name)
		}
		if n := r.refSeen[fmt.Sprint(id, "|", f.Ref)]; n > 0 {
			r.refSeen[fmt.Sprint(id, "|", f.Ref)]++
			f.Ref += "#" + strconv.Itoa(n+1)
		} else {
			r.refSeen[fmt.Sprint(id, "|", f.Ref)] = 1
		}
		plain, _ := json.Marshal(enterprise.LegalRep{Name: strings.TrimSpace(h.name), IDNumber: idn})
		sealed, err := r.svc.Seal.Seal(plain, []byte("shareholder:"+code+":"+f.Ref))
		if err != nil {
			return f, false, nil, err
		}
		d.Sealed = base64.StdEncoding.EncodeToString(sealed)
	} else {
		if h.idNumber != "" && !creditcode.Valid(h.idNumber) {
			return f, false, &Problem{Code: "ingest.bad_code", Column: h.idCol.Name, Value: h.idNumber}, nil
		}
		f.Text = strings.TrimSpace(h.name)
		f.Ref = "legal:" + h.idNumber
		if h.idNumber == "" {
			f.Ref = "legal:" + f.Text
		}
	}
	if first := r.firstRow(fmt.Sprint(id, "|", f.Ref), row); first != 0 {
		return f, false, &Problem{Code: "ingest.duplicate_key", Column: h.nameCol.Name, Value: f.Text, Of: first}, nil
	}
	// A holder's subscribed capital is its share of the registered
	// capital; 元 written in the 万元 column is 10^4 times off.
	if regCap, err := r.capital(ctx, id); err != nil {
		return f, false, nil, err
	} else if want := regCap * h.shareBP / 10000; want > 0 && h.capital > 0 && (h.capital/want >= 50 || h.capital*50 <= want) {
		return f, false, &Problem{Code: "ingest.unit_ratio", Column: h.capCol.Name, Value: h.capCell,
			Detail: fmt.Sprintf("share %s %% of the registered %s 元 is %s 元", yuan(h.shareBP), yuan(regCap), yuan(want))}, nil
	}
	stored, ok := r.holders[id]
	if !ok {
		fs, err := r.tx.QueryFacts(ctx, facts.Query{EnterpriseID: id, Item: ItemShareholders, Limit: 10000})
		if err != nil {
			return f, false, nil, err
		}
		stored = map[string]facts.Fact{}
		for _, s := range fs {
			if l, ok := stored[s.Ref]; !ok || s.Period.After(l.Period) {
				stored[s.Ref] = s
			}
		}
		r.holders[id] = stored
	}
	if s, ok := stored[f.Ref]; ok {
		var sd holderDetail
		_ = json.Unmarshal([]byte(s.Detail), &sd)
		if s.Num == f.Num && s.Text == f.Text && sd.Type == d.Type && sd.ShareBP == d.ShareBP {
			return f, true, nil, nil
		}
		if s.Period.Equal(f.Period) {
			f.Version = max(f.Version, s.Version+1) // a correction of the same snapshot
		}
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(d)
	f.Detail = strings.TrimSuffix(b.String(), "\n")
	return f, false, nil, nil
}

// loanKey identifies a loan: its lender's contract.
func loanKey(l *facts.Loan) string { return l.Lender + "\x00" + l.ContractNo }

func sameLoan(a, b *facts.Loan) bool {
	return a.Lender == b.Lender && a.ContractNo == b.ContractNo && a.AmountFen == b.AmountFen && a.RateBP == b.RateBP &&
		a.TermMonths == b.TermMonths && a.Guarantee == b.Guarantee && a.StartOn.Equal(b.StartOn) &&
		a.MaturityOn.Equal(b.MaturityOn) && a.Status == b.Status && a.MaxDaysOverdue == b.MaxDaysOverdue &&
		a.DefaultedOn.Equal(b.DefaultedOn) && a.RepaidOn.Equal(b.RepaidOn)
}

// loan checks one loan of enterprise id against the batch and what is
// stored. unchanged: the same contract is stored with the same terms. A
// stored contract with other terms is a problem: ingestion appends
// loans, it does not rewrite them.
func (r *registrar) loan(ctx context.Context, row int, id int64, l *facts.Loan, keyCol string) (unchanged bool, pr *Problem, err error) {
	k := loanKey(l)
	if first := r.firstRow(fmt.Sprint(id, "|", k), row); first != 0 {
		return false, &Problem{Code: "ingest.duplicate_key", Column: keyCol, Value: l.ContractNo, Of: first}, nil
	}
	stored, ok := r.loans[id]
	if !ok {
		ls, err := r.tx.LoansOf(ctx, id)
		if err != nil {
			return false, nil, err
		}
		stored = make(map[string]facts.Loan, len(ls))
		for _, s := range ls {
			stored[loanKey(&s)] = s
		}
		r.loans[id] = stored
	}
	s, ok := stored[k]
	if !ok {
		return false, nil, nil
	}
	if sameLoan(&s, l) {
		return true, nil, nil
	}
	return false, &Problem{Code: "ingest.loan_conflict", Column: keyCol, Value: l.ContractNo}, nil
}

package sqldb

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
)

// Page sizes for QueryFacts: one enterprise's full history over a few years
// fits in the default; the maximum bounds what one call holds in memory.
const (
	DefaultFactsLimit = 1000
	MaxFactsLimit     = 100_000
)

func factsLimit(n int) int {
	switch {
	case n <= 0:
		return DefaultFactsLimit
	case n > MaxFactsLimit:
		return MaxFactsLimit
	}
	return n
}

// factCols are the columns AppendFacts writes, in the order of fillFact.
var factCols = []string{"enterprise_id", "num", "source_row", "received_at", "period", "ends_on", "version",
	"shape", "item", "text", "ref", "detail", "source", "batch"}

// AppendFacts stores fs in one transaction (its own or the caller's) with
// the engine's bulk path and sets nothing on them. Period and EndsOn are
// stored as their calendar dates (a zero EndsOn as NULL), ReceivedAt in UTC
// to the microsecond; a zero ReceivedAt is stored as the time of the call.
// An unknown EnterpriseID is fault.Invalid "store.reference"; a Shape
// outside the three, a zero Period or a Version below 1 is fault.Invalid
// "store.check". Either way nothing is stored.
func (s *Store) AppendFacts(ctx context.Context, fs []facts.Fact) error {
	if len(fs) == 0 {
		return nil
	}
	now := s.stamp()
	fill := func(i int, v []any) {
		f := &fs[i]
		received := now
		if !f.ReceivedAt.IsZero() {
			received = ts(f.ReceivedAt)
		}
		v[0], v[1], v[2], v[3] = f.EnterpriseID, f.Num, f.SourceRow, received
		v[4], v[5], v[6] = dateArg(f.Period), dateArg(f.EndsOn), f.Version
		v[7], v[8], v[9], v[10], v[11], v[12], v[13] = string(f.Shape), f.Item, f.Text, f.Ref, f.Detail, f.Source, f.Batch
	}
	return s.inTx(ctx, func(tx *Store) error {
		return tx.dbErr("append facts", tx.bulkInsert(ctx, "facts", factCols, len(fs), fill))
	})
}

const factSelectCols = `id, enterprise_id, item, shape, period, ends_on, num, text, ref, detail,
	source, batch, source_row, received_at, version`

func scanFact(row scanner) (facts.Fact, error) {
	var f facts.Fact
	var shape string
	err := row.Scan(&f.ID, &f.EnterpriseID, &f.Item, &shape, scanTime(&f.Period), scanTime(&f.EndsOn), &f.Num,
		&f.Text, &f.Ref, &f.Detail, &f.Source, &f.Batch, &f.SourceRow, scanTime(&f.ReceivedAt), &f.Version)
	f.Shape = facts.Shape(shape)
	return f, err
}

// QueryFacts returns q.EnterpriseID's facts ordered by item, period, ref:
// for each (item, period, ref) only the highest version (of those received
// at or before q.KnownAt when it is set; the latest received wins a tie).
// Item is exact, or a prefix when it ends in "." (matched literally, byte
// for byte); From and To bound the period by calendar date, inclusive, a
// zero bound being open. Limit defaults to DefaultFactsLimit and is capped
// at MaxFactsLimit.
func (s *Store) QueryFacts(ctx context.Context, q facts.Query) ([]facts.Fact, error) {
	var a args
	conds := []string{"enterprise_id = " + a.add(q.EnterpriseID)}
	switch {
	case strings.HasSuffix(q.Item, "."):
		// A byte range rather than LIKE: the item column compares bytes
		// on both backends (BINARY, COLLATE "C"), so the range is exactly
		// the prefix and an index range scan. The successor of the final
		// "." is "/".
		conds = append(conds, "item >= "+a.add(q.Item), "item < "+a.add(q.Item[:len(q.Item)-1]+"/"))
	case q.Item != "":
		conds = append(conds, "item = "+a.add(q.Item))
	}
	if len(q.Items) > 0 {
		in := make([]string, len(q.Items))
		for i, it := range q.Items {
			in[i] = a.add(it)
		}
		conds = append(conds, "item IN ("+strings.Join(in, ", ")+")")
	}
	if !q.From.IsZero() {
		conds = append(conds, "period >= "+a.add(dateOf(q.From).Format(DateLayout)))
	}
	if !q.To.IsZero() {
		conds = append(conds, "period <= "+a.add(dateOf(q.To).Format(DateLayout)))
	}
	if !q.KnownAt.IsZero() {
		conds = append(conds, "received_at <= "+a.add(ts(q.KnownAt)))
	}
	limit := factsLimit(q.Limit)
	if q.AllVersions {
		rows, err := s.r.Query(ctx, `SELECT `+factSelectCols+` FROM facts`+where(conds)+
			` ORDER BY item, period, ref, version, received_at, id LIMIT `+a.add(limit), a...)
		if err != nil {
			return nil, s.dbErr("query facts", err)
		}
		out, err := collect(rows, scanFact)
		return out, s.dbErr("query facts", err)
	}
	// The latest version of each (item, period, ref): the rows come in
	// the order of the facts_enterprise_item index and the latest is
	// picked here within each (item, period) run (latestVersions), as
	// ScoringData does; a window function that partitions and ranks the
	// rows cost more than the rest of a verification answer's reads. The
	// reading stops at the first run after limit facts.
	rows, err := s.r.Query(ctx, `SELECT `+factSelectCols+` FROM facts`+where(conds)+` ORDER BY item, period`, a...)
	if err != nil {
		return nil, s.dbErr("query facts", err)
	}
	var out []facts.Fact
	start := 0 // where the current (item, period) run begins in out
	for rows.Next() {
		f, err := scanFact(rows)
		if err != nil {
			rows.Close()
			return nil, s.dbErr("query facts", err)
		}
		if start < len(out) && (f.Item != out[start].Item || !f.Period.Equal(out[start].Period)) {
			out = append(out[:start], latestVersions(out[start:])...)
			if len(out) >= limit {
				break
			}
			start = len(out)
		}
		out = append(out, f)
	}
	if err := errors.Join(rows.Err(), rows.Close()); err != nil {
		return nil, s.dbErr("query facts", err)
	}
	if start < len(out) {
		out = append(out[:start], latestVersions(out[start:])...)
	}
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// CountFacts counts every stored fact, all versions.
func (s *Store) CountFacts(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRow(ctx, `SELECT COUNT(*) FROM facts`).Scan(&n)
	return n, s.dbErr("count facts", err)
}

// loanCols are the columns AppendLoans writes, in the order of its fill.
var loanCols = []string{"enterprise_id", "lender_org_id", "amount_fen", "received_at", "rate_bp", "term_months",
	"max_days_overdue", "start_on", "maturity_on", "defaulted_on", "repaid_on", "status", "lender", "contract_no",
	"guarantee", "source", "batch"}

// AppendLoans stores ls in one transaction (its own or the caller's) with
// the engine's bulk path and sets nothing on them. Dates are stored as
// calendar dates (zero ones as NULL, except StartOn, which is required),
// a zero LenderOrgID as NULL, a zero ReceivedAt as the time of the call.
// An unknown enterprise or lender organisation is fault.Invalid
// "store.reference"; an unknown Status or a zero StartOn is fault.Invalid
// "store.check". Either way nothing is stored.
func (s *Store) AppendLoans(ctx context.Context, ls []facts.Loan) error {
	if len(ls) == 0 {
		return nil
	}
	now := s.stamp()
	fill := func(i int, v []any) {
		l := &ls[i]
		received := now
		if !l.ReceivedAt.IsZero() {
			received = ts(l.ReceivedAt)
		}
		v[0], v[1], v[2], v[3] = l.EnterpriseID, nullID(l.LenderOrgID), l.AmountFen, received
		v[4], v[5], v[6] = l.RateBP, l.TermMonths, l.MaxDaysOverdue
		v[7], v[8] = dateArg(l.StartOn), dateArg(l.MaturityOn)
		v[9], v[10] = dateArg(l.DefaultedOn), dateArg(l.RepaidOn)
		v[11], v[12], v[13], v[14], v[15], v[16] = string(l.Status), l.Lender, l.ContractNo, l.Guarantee, l.Source, l.Batch
	}
	return s.inTx(ctx, func(tx *Store) error {
		return tx.dbErr("append loans", tx.bulkInsert(ctx, "loans", loanCols, len(ls), fill))
	})
}

// LoansOf returns an enterprise's loans ordered by start date, then by the
// order they were stored; none for an unknown enterprise.
func (s *Store) LoansOf(ctx context.Context, enterpriseID int64) ([]facts.Loan, error) {
	rows, err := s.r.Query(ctx, `SELECT id, enterprise_id, lender, COALESCE(lender_org_id, 0), contract_no,
		amount_fen, rate_bp, term_months, guarantee, start_on, maturity_on, status, max_days_overdue,
		defaulted_on, repaid_on, source, batch, received_at
		FROM loans WHERE enterprise_id = $1 ORDER BY start_on, id`, enterpriseID)
	if err != nil {
		return nil, s.dbErr("loans of enterprise", err)
	}
	out, err := collect(rows, func(row scanner) (facts.Loan, error) {
		var l facts.Loan
		var status string
		err := row.Scan(&l.ID, &l.EnterpriseID, &l.Lender, &l.LenderOrgID, &l.ContractNo,
			&l.AmountFen, &l.RateBP, &l.TermMonths, &l.Guarantee, scanTime(&l.StartOn), scanTime(&l.MaturityOn),
			&status, &l.MaxDaysOverdue, scanTime(&l.DefaultedOn), scanTime(&l.RepaidOn), &l.Source, &l.Batch,
			scanTime(&l.ReceivedAt))
		l.Status = facts.LoanStatus(status)
		return l, err
	})
	return out, s.dbErr("loans of enterprise", err)
}

// CountLoans counts every stored loan.
func (s *Store) CountLoans(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRow(ctx, `SELECT COUNT(*) FROM loans`).Scan(&n)
	return n, s.dbErr("count loans", err)
}

var _ facts.Store = (*Store)(nil)

// dateArg is the argument for a DATE column: t's calendar date (see
// dateOf), or NULL for the zero time (which a NOT NULL column rejects).
func dateArg(t time.Time) any { return nullDate(dateOf(t)) }

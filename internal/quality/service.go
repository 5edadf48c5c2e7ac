package quality

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Repo is the storage the service uses: the rules and runs, the
// catalogue (frequencies and departments of items) and the evidence log.
type Repo interface {
	Store
	catalog.Store
	audit.Store
}

// Service evaluates the rules and serves their results.
type Service struct {
	Repo Repo
	InTx func(ctx context.Context, fn func(Repo) error) error
	// Parallel is how many aggregates run at once (default 4).
	Parallel int
	// Now is the clock expected periods are computed against (default
	// time.Now); what the service records carries the wall clock.
	Now func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

var (
	errForbidden    = fault.New(fault.Forbidden, "quality.forbidden", "only operators and auditors may see data-quality results")
	errRunForbidden = fault.New(fault.Forbidden, "quality.run_forbidden", "only an operator administrator may start a run or change the rules")
	errNoRun        = fault.New(fault.NotFound, "quality.no_run", "no data-quality run has finished yet")
)

func isSystem(p access.Principal) bool {
	return p.Username == "system" && p.OrgID == 0 && p.UserID == 0
}

// CanRead reports whether p may see results: operators, auditors and the
// platform itself.
func CanRead(p access.Principal) bool {
	return isSystem(p) || (p.APIKeyID == 0 && (p.OrgKind == account.KindOperator || p.OrgKind == account.KindAuditor))
}

// CanRun reports whether p may start a run or change the rules.
func CanRun(p access.Principal) bool { return isSystem(p) || p.IsAdmin() }

// Rules returns the current rule set; before the first run stored the
// defaults, the default set as version 0.
func (s *Service) Rules(ctx context.Context, p access.Principal) (RuleSet, error) {
	if !CanRead(p) {
		return RuleSet{}, errForbidden
	}
	rs, err := s.Repo.CurrentQualityRules(ctx)
	if fault.Is(err, fault.NotFound) {
		return s.defaults(ctx)
	}
	return rs, err
}

// defaults is the default rule set without the rules on items the
// catalogue does not hold (an operator may have retired them).
func (s *Service) defaults(ctx context.Context) (RuleSet, error) {
	rs, err := Defaults()
	if err != nil {
		return RuleSet{}, err
	}
	_, shapes, err := s.catalogue(ctx, s.Repo)
	if err != nil {
		return RuleSet{}, err
	}
	rs.Rules = slices.DeleteFunc(rs.Rules, func(r Rule) bool {
		_, a := shapes[r.Item]
		_, b := shapes[r.Other]
		return !a || (r.Other != "" && !b)
	})
	return Validate(rs, shapes)
}

// catalogue returns the current items by code, and their shapes by code.
func (s *Service) catalogue(ctx context.Context, r catalog.Store) (map[string]catalog.Version, map[string]string, error) {
	vs, err := r.CurrentItems(ctx)
	if err != nil {
		return nil, nil, err
	}
	items := make(map[string]catalog.Version, len(vs))
	shapes := make(map[string]string, len(vs))
	for _, v := range vs {
		items[v.Code] = v
		shapes[v.Code] = string(v.Shape)
	}
	return items, shapes, nil
}

// ParseRules decodes a rule set document (unknown fields are an error).
func ParseRules(data []byte) (RuleSet, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var rs RuleSet
	if err := dec.Decode(&rs); err != nil {
		return RuleSet{}, fault.New(fault.Invalid, "quality.rules_format", "not a rule set").With("detail", err.Error())
	}
	return rs, nil
}

// SaveRules validates rs against the catalogue and stores it as the next
// version after base, with an evidence entry. A stale base is
// fault.Conflict "quality.rules_stale".
func (s *Service) SaveRules(ctx context.Context, p access.Principal, rs RuleSet, base int64, reason string) (RuleSet, error) {
	if !CanRun(p) {
		return RuleSet{}, errRunForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return RuleSet{}, invalid("quality.reason_required", "state the reason for the change")
	}
	now := time.Now().UTC() // records carry the wall clock; s.Now is for expected periods
	var out RuleSet
	err := s.InTx(ctx, func(tx Repo) error {
		_, shapes, err := s.catalogue(ctx, tx)
		if err != nil {
			return err
		}
		v, err := Validate(rs, shapes)
		if err != nil {
			return err
		}
		v.AuthorUserID, v.AuthorName, v.Reason, v.CreatedAt = p.UserID, p.ActorName(), reason, now
		if err := tx.PutQualityRules(ctx, &v, base); err != nil {
			return err
		}
		out = v
		e := audit.Entry{Time: now, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "quality.rules",
			Outcome: audit.OK, RemoteAddr: p.RemoteAddr, Detail: fmt.Sprintf("rule set v%d: %d rules: %s", v.Version, len(v.Rules), reason)}
		return tx.AppendAudit(ctx, &e)
	})
	return out, err
}

// LoadDefaults stores the default rule set as version 1 if there is none;
// it reports whether it did. The first run calls it.
func (s *Service) LoadDefaults(ctx context.Context) (bool, error) {
	if _, err := s.Repo.CurrentQualityRules(ctx); err == nil || !fault.Is(err, fault.NotFound) {
		return false, err
	}
	rs, err := s.defaults(ctx)
	if err != nil {
		return false, err
	}
	_, err = s.SaveRules(ctx, access.System, rs, 0, "default data-quality rules")
	if fe, ok := fault.As(err); ok && fe.Code == "quality.rules_stale" {
		return false, nil // another node stored them first
	}
	return err == nil, err
}

// RunOptions describe a run.
type RunOptions struct {
	Trigger string // batch, daily or manual
	Scope   string // a department: only the rules on its items; "" for all
	Dataset string // the batch's dataset, for the record
}

// AfterBatch runs the rules on a department's items after one of its
// batches loaded (the ingest command and the batch jobs call it), as the
// platform itself. A department none of whose items has a rule runs
// nothing and returns a zero Run.
func (s *Service) AfterBatch(ctx context.Context, dataset, department string) (Run, error) {
	return s.Run(ctx, access.System, RunOptions{Trigger: TriggerBatch, Scope: department, Dataset: dataset})
}

// Run evaluates the rules in o's scope against the stored facts and
// stores the run with its coverage and results and one evidence entry.
func (s *Service) Run(ctx context.Context, p access.Principal, o RunOptions) (Run, error) {
	if !CanRun(p) {
		return Run{}, errRunForbidden
	}
	if o.Trigger == "" {
		o.Trigger = TriggerManual
	}
	rs, err := s.Repo.CurrentQualityRules(ctx)
	if fault.Is(err, fault.NotFound) {
		// The first run stores the default rules (not the node's start, so
		// opening a node writes no evidence of its own).
		if _, err := s.LoadDefaults(ctx); err != nil {
			return Run{}, err
		}
		rs, err = s.Repo.CurrentQualityRules(ctx)
	}
	if err != nil {
		return Run{}, err
	}
	items, _, err := s.catalogue(ctx, s.Repo)
	if err != nil {
		return Run{}, err
	}
	deptOf := func(code string) string { return items[code].Department }
	var rules []Rule
	for _, r := range rs.Rules {
		if _, ok := items[r.Item]; !ok {
			continue // the item left the catalogue after the rules were saved
		}
		if o.Scope == "" || deptOf(r.Item) == o.Scope || (r.Other != "" && deptOf(r.Other) == o.Scope) {
			rules = append(rules, r)
		}
	}
	if len(rules) == 0 {
		return Run{}, nil
	}
	now := s.now()
	run := Run{Trigger: o.Trigger, Scope: o.Scope, Dataset: o.Dataset, RulesVersion: rs.Version, AsOf: now, StartedAt: time.Now().UTC(),
		ActorName: p.ActorName(), Rules: len(rules), Coverage: []Coverage{}, Results: []Result{}}
	active, err := s.Repo.CountOperating(ctx)
	if err != nil {
		return Run{}, err
	}
	window := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -rs.WindowMonths, 0)
	// since is where an item's window starts: the run's window, reaching
	// back for quarterly and yearly items to the period before their
	// latest expected one.
	since := func(code string) time.Time {
		f := items[code].Frequency
		if p := PreviousPeriod(f, ExpectedPeriod(f, now, 30)); !p.IsZero() && p.Before(window) {
			return p
		}
		return window
	}

	// Coverage of every item a completeness or freshness rule names, with
	// the longest grace period among its rules.
	grace := map[string]int{}
	var scheduled []string
	for _, r := range rules {
		if r.Kind != KindCompleteness && r.Kind != KindFreshness {
			continue
		}
		if _, ok := grace[r.Item]; !ok {
			scheduled = append(scheduled, r.Item)
		}
		grace[r.Item] = max(grace[r.Item], r.Grace())
	}
	// Every aggregate is independent and read-only: they run side by side
	// (Parallel at a time) on the store's reader pool.
	run.Coverage = make([]Coverage, len(scheduled))
	err = s.each(ctx, len(scheduled), func(ctx context.Context, i int) error {
		code := scheduled[i]
		it := items[code]
		expected := ExpectedPeriod(it.Frequency, now, grace[code])
		ic, err := s.Repo.QualityCoverage(ctx, CoverageQuery{Item: code, Period: expected, Since: since(code)})
		if err != nil {
			return err
		}
		run.Coverage[i] = Coverage{Item: code, Department: it.Department, Frequency: it.Frequency, Expected: expected, LastPeriod: ic.LastPeriod,
			LastReceived: ic.LastReceived, Reporters: ic.Reporters, Active: active, Freshness: Freshness(it.Frequency, expected, ic.LastPeriod)}
		return nil
	})
	if err != nil {
		return Run{}, err
	}
	cov := map[string]Coverage{}
	for _, c := range run.Coverage {
		cov[c.Item] = c
	}

	run.Results = make([]Result, len(rules))
	err = s.each(ctx, len(rules), func(ctx context.Context, i int) error {
		r := rules[i]
		res := Result{RuleID: r.ID, Kind: r.Kind, Item: r.Item, Other: r.Other, Department: deptOf(r.Item), Status: Pass, Examples: []Example{}}
		switch r.Kind {
		case KindCompleteness:
			c := cov[r.Item]
			res.Checked, res.Failed = c.Active, c.Active-c.Reporters
			if c.Expected.IsZero() || c.Rate() < r.MinRate {
				res.Status = Fail
				if !c.Expected.IsZero() {
					out, err := s.Repo.QualityCheck(ctx, Check{Kind: "missing", Item: r.Item, Period: c.Expected,
						Previous: PreviousPeriod(c.Frequency, c.Expected), Examples: rs.Examples})
					if err != nil {
						return err
					}
					res.Examples = out.Examples
				}
			}
		case KindFreshness:
			c := cov[r.Item]
			res.Checked = 1
			if c.Freshness != OnTime {
				res.Failed, res.Status = 1, Fail
			}
		default:
			c := Check{Kind: r.Kind, Item: r.Item, Other: r.Other, From: since(r.Item), Fields: r.Fields, Min: r.Min, Max: r.Max,
				Tolerance: r.Tolerance, Examples: rs.Examples}
			if r.Kind == KindConsistency {
				c.Kind = r.Check
			}
			if items[r.Item].Shape == "event" {
				c.From = time.Time{} // events are few; all of them are checked
			}
			out, err := s.Repo.QualityCheck(ctx, c)
			if err != nil {
				return err
			}
			res.Checked, res.Failed = out.Checked, out.Failed
			if out.Examples != nil {
				res.Examples = out.Examples
			}
			if res.Failed > 0 && float64(res.Failed) > r.MaxFailRate*float64(res.Checked) {
				res.Status = Fail
			}
		}
		run.Results[i] = res
		return nil
	})
	if err != nil {
		return Run{}, err
	}
	for _, res := range run.Results {
		if res.Status == Fail {
			run.Failing++
		}
	}
	run.FinishedAt = time.Now().UTC()

	err = s.InTx(ctx, func(tx Repo) error {
		if err := tx.CreateQualityRun(ctx, &run); err != nil {
			return err
		}
		var late []string
		for _, c := range run.Coverage {
			if c.Freshness == Late || c.Freshness == Stale {
				late = append(late, c.Item+" "+c.Freshness)
			}
		}
		detail := fmt.Sprintf("quality run %d (%s", run.ID, run.Trigger)
		if run.Scope != "" {
			detail += ", department " + run.Scope
		}
		if run.Dataset != "" {
			detail += ", dataset " + run.Dataset
		}
		detail += fmt.Sprintf("): rules v%d, %d evaluated, %d failing", run.RulesVersion, run.Rules, run.Failing)
		if len(late) > 0 {
			detail += "; not on time: " + strings.Join(late, ", ")
		}
		e := audit.Entry{Time: run.FinishedAt, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: "quality.run",
			Outcome: audit.OK, RemoteAddr: p.RemoteAddr, Detail: detail}
		return tx.AppendAudit(ctx, &e)
	})
	if err != nil {
		return Run{}, err
	}
	return run, nil
}

// Latest is the current picture: the latest full run, with the coverage
// and results of every department run after it in place of its own. Its
// ID, AsOf and times are the newest run's; Rules and Failing are counted
// over the merged results. No run at all is fault.NotFound "quality.no_run".
func (s *Service) Latest(ctx context.Context, p access.Principal) (Run, error) {
	if !CanRead(p) {
		return Run{}, errForbidden
	}
	runs, err := s.Repo.LatestQualityRuns(ctx)
	if err != nil {
		return Run{}, err
	}
	if len(runs) == 0 {
		return Run{}, errNoRun
	}
	// Oldest first: the full run is the base, later department runs
	// overlay it; department runs older than the full run are superseded.
	slices.SortFunc(runs, func(a, b Run) int { return int(a.ID - b.ID) })
	base := -1
	for i, r := range runs {
		if r.Scope == "" {
			base = i
		}
	}
	if base > 0 {
		runs = runs[base:]
	}
	out := runs[len(runs)-1]
	out.Scope = runs[0].Scope
	covIdx := map[string]int{}
	resIdx := map[string]int{}
	out.Coverage, out.Results = nil, nil
	for _, r := range runs {
		for _, c := range r.Coverage {
			if i, ok := covIdx[c.Item]; ok {
				out.Coverage[i] = c
			} else {
				covIdx[c.Item] = len(out.Coverage)
				out.Coverage = append(out.Coverage, c)
			}
		}
		for _, x := range r.Results {
			if i, ok := resIdx[x.RuleID]; ok {
				out.Results[i] = x
			} else {
				resIdx[x.RuleID] = len(out.Results)
				out.Results = append(out.Results, x)
			}
		}
	}
	out.Rules, out.Failing = len(out.Results), 0
	for _, x := range out.Results {
		if x.Status == Fail {
			out.Failing++
		}
	}
	if out.Coverage == nil {
		out.Coverage = []Coverage{}
	}
	if out.Results == nil {
		out.Results = []Result{}
	}
	// The examples name enterprises: the read goes through the access
	// decision point and leaves its evidence entry.
	var examples int
	var items []string
	for _, x := range out.Results {
		if len(x.Examples) > 0 {
			examples += len(x.Examples)
			items = append(items, x.Item)
		}
	}
	guard := access.Guard{Log: s.Repo}
	req := access.Request{Principal: p, Action: "quality.read", Items: []string{access.ItemRegistration}}
	if _, err := guard.Read(ctx, req, func(access.Decision) (any, error) {
		return map[string]any{"run": out.ID, "examples": examples, "items_with_examples": items}, nil
	}); err != nil {
		return Run{}, err
	}
	return out, nil
}

// each runs fn(0..n-1), Parallel at a time, and returns the first error
// (the others are cancelled then).
func (s *Service) each(ctx context.Context, n int, fn func(ctx context.Context, i int) error) error {
	workers := s.Parallel
	if workers <= 0 {
		workers = 4
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
		next  = make(chan int)
	)
	for range min(workers, n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				if err := fn(ctx, i); err != nil {
					once.Do(func() { first = err; cancel() })
				}
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}

package sqldb

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/quality"
)

var errQualityRulesStale = fault.New(fault.Conflict, "quality.rules_stale", "the rules were changed by someone else; reload and retry")

// PutQualityRules stores rs as version base+1 (a JSON document) and sets
// Version and CreatedAt. A base that is not current, or a concurrent
// writer that stored base+1 first, is fault.Conflict "quality.rules_stale".
func (s *Store) PutQualityRules(ctx context.Context, rs *quality.RuleSet, base int64) error {
	created := rs.CreatedAt
	if created.IsZero() {
		created = s.stamp()
	}
	created = ts(created)
	doc := *rs
	doc.Version, doc.CreatedAt = base+1, created
	b, err := json.Marshal(doc)
	if err != nil {
		return fmt.Errorf("encode quality rules: %w", err)
	}
	err = s.inTx(ctx, func(tx *Store) error {
		var cur int64
		if err := tx.w.QueryRow(ctx, `SELECT COALESCE(MAX(version), 0) FROM quality_rule_sets`).Scan(&cur); err != nil {
			return tx.dbErr("current quality rules", err)
		}
		if cur != base {
			return errQualityRulesStale
		}
		_, err := tx.w.Exec(ctx, `INSERT INTO quality_rule_sets (version, rules, author_user_id, author_name, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6)`, base+1, string(b), rs.AuthorUserID, rs.AuthorName, rs.Reason, created)
		return tx.dbErr("put quality rules", err, errQualityRulesStale)
	})
	if err != nil {
		return err
	}
	rs.Version, rs.CreatedAt = base+1, created
	return nil
}

// CurrentQualityRules returns the highest version, or fault.NotFound
// "quality.no_rules".
func (s *Store) CurrentQualityRules(ctx context.Context) (quality.RuleSet, error) {
	var doc string
	var rs quality.RuleSet
	var created time.Time
	err := s.r.QueryRow(ctx, `SELECT rules, version, author_user_id, author_name, reason, created_at
		FROM quality_rule_sets ORDER BY version DESC LIMIT 1`).Scan(&doc, &rs.Version, &rs.AuthorUserID, &rs.AuthorName, &rs.Reason, scanTime(&created))
	if err != nil {
		return quality.RuleSet{}, s.notFound("quality rules", err, fault.New(fault.NotFound, "quality.no_rules", "no quality rules stored"))
	}
	v, author, name, reason := rs.Version, rs.AuthorUserID, rs.AuthorName, rs.Reason
	if err := json.Unmarshal([]byte(doc), &rs); err != nil {
		return quality.RuleSet{}, fmt.Errorf("decode quality rules v%d: %w", v, err)
	}
	rs.Version, rs.AuthorUserID, rs.AuthorName, rs.Reason, rs.CreatedAt = v, author, name, reason, created
	return rs, nil
}

// CountOperating counts the enterprises whose status is operating.
func (s *Store) CountOperating(ctx context.Context) (int64, error) {
	var n int64
	err := s.r.QueryRow(ctx, `SELECT COUNT(*) FROM enterprises WHERE status = 'operating'`).Scan(&n)
	return n, s.dbErr("count operating enterprises", err)
}

// QualityCoverage counts the operating enterprises with a fact of q.Item
// for q.Period (any version), the item's latest period and the latest
// receipt among its periods since q.Since. Each is one aggregate over the
// item's range of facts_item_period.
func (s *Store) QualityCoverage(ctx context.Context, q quality.CoverageQuery) (quality.ItemCoverage, error) {
	var c quality.ItemCoverage
	if !q.Period.IsZero() {
		err := s.r.QueryRow(ctx, `SELECT COUNT(DISTINCT f.enterprise_id) FROM facts f
			JOIN enterprises e ON e.id = f.enterprise_id
			WHERE f.item = $1 AND f.period = $2 AND e.status = 'operating'`, q.Item, dateOf(q.Period).Format(DateLayout)).Scan(&c.Reporters)
		if err != nil {
			return c, s.dbErr("quality coverage", err)
		}
	}
	if err := s.r.QueryRow(ctx, `SELECT MAX(period) FROM facts WHERE item = $1`, q.Item).Scan(scanTime(&c.LastPeriod)); err != nil {
		return c, s.dbErr("quality coverage", err)
	}
	if err := s.r.QueryRow(ctx, `SELECT MAX(received_at) FROM facts WHERE item = $1 AND period >= $2`,
		q.Item, dateOf(q.Since).Format(DateLayout)).Scan(scanTime(&c.LastReceived)); err != nil {
		return c, s.dbErr("quality coverage", err)
	}
	return c, nil
}

// current is the SQL of the current versions of one item's facts (the
// highest version of each enterprise, period and ref, the latest received
// winning a tie, as QueryFacts) with period >= from when from is given.
func current(a *args, item string, from time.Time) string {
	return currentOf(a, []string{a.add(item)}, from)
}

// currentOf is current for the items whose placeholders are given.
func currentOf(a *args, items []string, from time.Time) string {
	conds := []string{"item IN (" + strings.Join(items, ", ") + ")"}
	if !from.IsZero() {
		conds = append(conds, "period >= "+a.add(dateOf(from).Format(DateLayout)))
	}
	return `SELECT item, enterprise_id, period, ends_on, num, text, ref, detail FROM (
		SELECT item, enterprise_id, period, ends_on, num, text, ref, detail, row_number() OVER (PARTITION BY item, enterprise_id, period, ref
			ORDER BY version DESC, received_at DESC, id DESC) AS rank
		FROM facts` + where(conds) + `) AS v WHERE rank = 1`
}

var requiredSQL = map[string]string{
	"num": "c.num = 0", "text": "c.text = ''", "ref": "c.ref = ''", "ends_on": "c.ends_on IS NULL", "detail": "c.detail = ''",
}

// QualityCheck answers c with two statements: the counts, then (only when
// something failed) up to c.Examples failing enterprises, ordered by
// period (latest first) and credit code.
func (s *Store) QualityCheck(ctx context.Context, c quality.Check) (quality.Outcome, error) {
	var out quality.Outcome
	n := c.Examples
	if n <= 0 {
		n = 5
	}
	var a args
	var src, filter, bad, cols string
	cols = "c.num, 0, c.ends_on"
	switch c.Kind {
	case "missing":
		// Enterprises that reported the previous period and not this one,
		// in id order, so the scan stops at the first few.
		item, prev, cur := a.add(c.Item), a.add(dateOf(c.Previous).Format(DateLayout)), a.add(dateOf(c.Period).Format(DateLayout))
		rows, err := s.r.Query(ctx, `SELECT e.code FROM enterprises e WHERE e.status = 'operating'
			AND EXISTS (SELECT 1 FROM facts f WHERE f.enterprise_id = e.id AND f.item = `+item+` AND f.period = `+prev+`)
			AND NOT EXISTS (SELECT 1 FROM facts f WHERE f.enterprise_id = e.id AND f.item = `+item+` AND f.period = `+cur+`)
			ORDER BY e.id LIMIT `+a.add(n), a...)
		if err != nil {
			return out, s.dbErr("quality check", err)
		}
		out.Examples, err = collect(rows, func(row scanner) (quality.Example, error) {
			x := quality.Example{Period: dateOf(c.Period)}
			return x, row.Scan(&x.Code)
		})
		return out, s.dbErr("quality check", err)
	case "range":
		src = `(` + current(&a, c.Item, c.From) + `) AS c`
		var conds []string
		if c.Min != nil {
			conds = append(conds, "c.num < "+a.add(*c.Min))
		}
		if c.Max != nil {
			conds = append(conds, "c.num > "+a.add(*c.Max))
		}
		if len(conds) == 0 {
			return out, fault.New(fault.Invalid, "quality.range_empty", "a range check needs a bound")
		}
		bad = strings.Join(conds, " OR ")
	case "required":
		src = `(` + current(&a, c.Item, c.From) + `) AS c`
		var conds []string
		for _, f := range c.Fields {
			sql, ok := requiredSQL[f]
			if !ok {
				return out, fault.New(fault.Invalid, "quality.fields", "unknown field").With("value", f)
			}
			conds = append(conds, sql)
		}
		if len(conds) == 0 {
			return out, fault.New(fault.Invalid, "quality.fields", "no fields").With("value", "")
		}
		bad = strings.Join(conds, " OR ")
	case "le":
		// One pass over both items' current facts, paired by grouping on
		// (enterprise, period) rather than by joining two derived tables,
		// which neither engine can index (a nested loop on SQLite).
		item, other := a.add(c.Item), a.add(c.Other)
		src = `(SELECT enterprise_id, period, MAX(ends_on) AS ends_on,
			MAX(CASE WHEN item = ` + item + ` THEN num END) AS num, MAX(CASE WHEN item = ` + other + ` THEN num END) AS onum
			FROM (` + currentOf(&a, []string{item, other}, c.From) + `) AS v GROUP BY enterprise_id, period) AS c`
		filter = "c.num IS NOT NULL AND c.onum IS NOT NULL AND "
		bad, cols = "c.num > c.onum + "+a.add(c.Tolerance), "c.num, c.onum, c.ends_on"
	case "ends_after_start":
		src = `(` + current(&a, c.Item, c.From) + `) AS c`
		filter, bad = "c.ends_on IS NOT NULL AND ", "c.ends_on < c.period"
	default:
		return out, fault.New(fault.Invalid, "quality.check", "unknown check").With("value", c.Kind)
	}
	counts := `SELECT COUNT(*), COUNT(CASE WHEN ` + bad + ` THEN 1 END) FROM ` + src
	if filter != "" {
		counts += " WHERE " + strings.TrimSuffix(filter, " AND ")
	}
	if err := s.r.QueryRow(ctx, counts, a...).Scan(&out.Checked, &out.Failed); err != nil {
		return out, s.dbErr("quality check", err)
	}
	if out.Failed == 0 {
		return out, nil
	}
	// The same source (and arguments), joined to the registry for the
	// credit code.
	rows, err := s.r.Query(ctx, `SELECT e.code, c.period, `+cols+` FROM `+src+` JOIN enterprises e ON e.id = c.enterprise_id
		WHERE `+filter+`(`+bad+`) ORDER BY c.period DESC, e.code LIMIT `+a.add(n), a...)
	if err != nil {
		return out, s.dbErr("quality examples", err)
	}
	out.Examples, err = collect(rows, func(row scanner) (quality.Example, error) {
		var x quality.Example
		return x, row.Scan(&x.Code, scanTime(&x.Period), &x.Value, &x.Other, scanTime(&x.EndsOn))
	})
	return out, s.dbErr("quality examples", err)
}

// CreateQualityRun stores r, its coverage and results in one transaction
// and sets r.ID; times are stored in UTC to the microsecond (and set on r
// that way).
func (s *Store) CreateQualityRun(ctx context.Context, r *quality.Run) error {
	r.AsOf, r.StartedAt, r.FinishedAt = ts(r.AsOf), ts(r.StartedAt), ts(r.FinishedAt)
	return s.inTx(ctx, func(tx *Store) error {
		err := tx.w.QueryRow(ctx, `INSERT INTO quality_runs (trigger_kind, scope, dataset, rules_version, as_of, started_at, finished_at,
			actor_name, rules, failing) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id`,
			r.Trigger, r.Scope, r.Dataset, r.RulesVersion, r.AsOf, r.StartedAt, r.FinishedAt, r.ActorName, r.Rules, r.Failing).Scan(&r.ID)
		if err != nil {
			return tx.dbErr("create quality run", err)
		}
		for i := range r.Coverage {
			c := &r.Coverage[i]
			c.LastReceived = ts(c.LastReceived)
			c.Expected, c.LastPeriod = dateOf(c.Expected), dateOf(c.LastPeriod)
			if _, err := tx.w.Exec(ctx, `INSERT INTO quality_coverage (run_id, item, department, frequency, expected_period,
				last_period, last_received, reporters, active, freshness) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				r.ID, c.Item, c.Department, c.Frequency, nullDate(c.Expected), nullDate(c.LastPeriod), nullTS(c.LastReceived),
				c.Reporters, c.Active, c.Freshness); err != nil {
				return tx.dbErr("create quality coverage", err)
			}
		}
		for i := range r.Results {
			x := &r.Results[i]
			for j := range x.Examples {
				x.Examples[j].Period, x.Examples[j].EndsOn = dateOf(x.Examples[j].Period), dateOf(x.Examples[j].EndsOn)
			}
			ex, err := json.Marshal(x.Examples)
			if err != nil {
				return fmt.Errorf("encode quality examples: %w", err)
			}
			if _, err := tx.w.Exec(ctx, `INSERT INTO quality_results (run_id, seq, rule_id, kind, item, other, department, status,
				checked, failed, examples) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
				r.ID, i+1, x.RuleID, x.Kind, x.Item, x.Other, x.Department, x.Status, x.Checked, x.Failed, string(ex)); err != nil {
				return tx.dbErr("create quality result", err)
			}
		}
		return nil
	})
}

// LatestQualityRuns returns the latest run of every scope, newest first,
// with coverage in item order and results in rule order of the run.
func (s *Store) LatestQualityRuns(ctx context.Context) ([]quality.Run, error) {
	rows, err := s.r.Query(ctx, `SELECT id, trigger_kind, scope, dataset, rules_version, as_of, started_at, finished_at, actor_name, rules, failing
		FROM quality_runs r WHERE id = (SELECT MAX(id) FROM quality_runs x WHERE x.scope = r.scope) ORDER BY id DESC`)
	if err != nil {
		return nil, s.dbErr("latest quality runs", err)
	}
	runs, err := collect(rows, func(row scanner) (quality.Run, error) {
		var r quality.Run
		err := row.Scan(&r.ID, &r.Trigger, &r.Scope, &r.Dataset, &r.RulesVersion, scanTime(&r.AsOf), scanTime(&r.StartedAt),
			scanTime(&r.FinishedAt), &r.ActorName, &r.Rules, &r.Failing)
		return r, err
	})
	if err != nil {
		return nil, s.dbErr("latest quality runs", err)
	}
	for i := range runs {
		r := &runs[i]
		rows, err := s.r.Query(ctx, `SELECT item, department, frequency, expected_period, last_period, last_received, reporters, active, freshness
			FROM quality_coverage WHERE run_id = $1 ORDER BY item`, r.ID)
		if err != nil {
			return nil, s.dbErr("quality coverage of run", err)
		}
		r.Coverage, err = collect(rows, func(row scanner) (quality.Coverage, error) {
			var c quality.Coverage
			err := row.Scan(&c.Item, &c.Department, &c.Frequency, scanTime(&c.Expected), scanTime(&c.LastPeriod), scanTime(&c.LastReceived),
				&c.Reporters, &c.Active, &c.Freshness)
			return c, err
		})
		if err != nil {
			return nil, s.dbErr("quality coverage of run", err)
		}
		rows, err = s.r.Query(ctx, `SELECT rule_id, kind, item, other, department, status, checked, failed, examples
			FROM quality_results WHERE run_id = $1 ORDER BY seq`, r.ID)
		if err != nil {
			return nil, s.dbErr("quality results of run", err)
		}
		r.Results, err = collect(rows, func(row scanner) (quality.Result, error) {
			var x quality.Result
			var ex string
			if err := row.Scan(&x.RuleID, &x.Kind, &x.Item, &x.Other, &x.Department, &x.Status, &x.Checked, &x.Failed, &ex); err != nil {
				return x, err
			}
			return x, json.Unmarshal([]byte(ex), &x.Examples)
		})
		if err != nil {
			return nil, s.dbErr("quality results of run", err)
		}
		if r.Coverage == nil {
			r.Coverage = []quality.Coverage{}
		}
		if r.Results == nil {
			r.Results = []quality.Result{}
		}
	}
	return runs, nil
}

var _ quality.Store = (*Store)(nil)

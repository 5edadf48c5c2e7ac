package sqldb

import (
	"context"
	"strconv"
	"strings"
	"time"
)

// recentValuesIDs bounds the enterprises of one statement: few enough
// that PostgreSQL reads them through facts_enterprise_item (a larger
// share of the table makes it scan the period through facts_item_period
// or the whole table, whose cost grows with the batch being loaded).
const recentValuesIDs = 1000

// EachRecentValue reads, for many enterprises at once, the non-zero
// values of the facts whose item starts with prefix (a prefix ending in
// ".", or an exact item) and whose period lies in from..to (calendar
// dates, inclusive), every version, and calls fn with each (enterprise,
// item, value), in no particular order. It is what ingestion's
// unit-plausibility check compares a chunk of rows with: one statement
// per 1,000 enterprises instead of one QueryFacts per enterprise, an
// index range scan without the window QueryFacts needs for versions (a
// corrected value and its correction both count, which a median hardly
// notices). Values are handed over as they are read, never collected:
// a chunk's history is a year of values of thousands of enterprises.
func (s *Store) EachRecentValue(ctx context.Context, ids []int64, prefix string, from, to time.Time, fn func(id int64, item string, num int64)) error {
	for len(ids) > 0 {
		n := min(len(ids), recentValuesIDs)
		part := ids[:n]
		ids = ids[n:]
		// The ids are written into the statement (integers: nothing to
		// escape): a list of constants is what lets PostgreSQL plan an
		// index scan per enterprise and hash the list, where 1,000
		// parameters make it scan the whole period and compare each row
		// with each id.
		var in strings.Builder
		for i, id := range part {
			if i > 0 {
				in.WriteByte(',')
			}
			in.WriteString(strconv.FormatInt(id, 10))
		}
		var a args
		conds := []string{"enterprise_id IN (" + in.String() + ")"}
		if strings.HasSuffix(prefix, ".") {
			conds = append(conds, "item >= "+a.add(prefix), "item < "+a.add(prefix[:len(prefix)-1]+"/"))
		} else {
			conds = append(conds, "item = "+a.add(prefix))
		}
		conds = append(conds, "period >= "+a.add(dateOf(from).Format(DateLayout)),
			"period <= "+a.add(dateOf(to).Format(DateLayout)), "num <> 0")
		rows, err := s.r.Query(ctx, `SELECT enterprise_id, item, num FROM facts`+where(conds), a...)
		if err != nil {
			return s.dbErr("recent values", err)
		}
		var (
			id   int64
			item string
			num  int64
		)
		for rows.Next() {
			if err := rows.Scan(&id, &item, &num); err != nil {
				rows.Close()
				return s.dbErr("recent values", err)
			}
			fn(id, item, num)
		}
		err = rows.Err()
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return s.dbErr("recent values", err)
		}
	}
	return nil
}

// LatestPeriod returns the latest period of the facts of the given items
// that the store holds (committed ones, for a read outside a
// transaction), or the zero time if there are none: one probe at the end
// of each item's range of facts_item_period. Ingestion reads it when a
// batch starts: a row whose 12-month window begins after it has no
// history to be compared with, and its read is skipped.
func (s *Store) LatestPeriod(ctx context.Context, items []string) (time.Time, error) {
	var latest time.Time
	for _, it := range items {
		var p time.Time
		if err := s.r.QueryRow(ctx, `SELECT MAX(period) FROM facts WHERE item = $1`, it).Scan(scanTime(&p)); err != nil {
			return time.Time{}, s.dbErr("latest period", err)
		}
		if p.After(latest) {
			latest = p
		}
	}
	return latest, nil
}

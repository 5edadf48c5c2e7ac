package monitor

import (
	"container/list"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Directory is what the detector looks up about the actors and enterprises
// in evidence entries. Results are cached (organisation kinds, key ids and
// credit codes do not change).
type Directory struct {
	// OrgKind returns an organisation's kind.
	OrgKind func(ctx context.Context, orgID int64) (account.OrgKind, error)
	// APIKeyID returns the id of the key with a public prefix.
	APIKeyID func(ctx context.Context, prefix string) (int64, error)
	// CreditCode returns an enterprise's unified social credit code.
	CreditCode func(ctx context.Context, enterpriseID int64) (string, error)
	// Applications reports whether the institution has an authorization
	// (in any state: an application) for the enterprise; nil leaves the
	// evidence log (authorization.* entries and reads under an
	// authorization) as the only source.
	Applications func(ctx context.Context, orgID, enterpriseID int64) (bool, error)
}

// Detector reads the evidence log incrementally from its last position
// (kept in the store), keeps a sliding window of recent reads per actor and
// raises alerts. One Detector per node instance; instances sharing a
// database each keep their own windows, and the stored position makes
// each entry count once.
type Detector struct {
	Service *Service
	Dir     Directory
	Policy  Policy
	Log     *slog.Logger
	// Name keys the stored position ("detector" when empty).
	Name string
	// Batch bounds the entries consumed per step (1000 when zero).
	Batch int
	// KickGap is the shortest time between two steps that kicks wake
	// (DefaultKickGap when zero, never more than Run's interval): kicks
	// arriving meanwhile are coalesced into the next step, so a stream of
	// requests costs the detector at most one step per gap.
	KickGap time.Duration

	mu       sync.Mutex
	loaded   bool
	pos      int64
	actors   map[string]*list.Element
	lru      list.List
	backed   map[[2]int64]bool
	kinds    map[int64]account.OrgKind
	keyIDs   map[string]int64
	codes    map[int64]string
	hours    map[orgHour]*HourCount // stored counts of current hours
	baseline map[orgHour]baselineVal
	// kick and misses are made once (chOnce) and used without mu, so a
	// request never waits for a step in progress.
	chOnce  sync.Once
	kick    chan struct{}
	misses  chan miss
	dropped atomic.Int64
}

type orgHour struct {
	org  int64
	hour time.Time
}

type baselineVal struct {
	reads, exports     float64
	readsOK, exportsOK bool
}

// event is one read (or miss) in an actor's window.
type event struct {
	seq      int64
	t        time.Time
	ent      int64
	code     string
	denied   bool
	unbacked bool
	night    bool
	miss     bool
}

type actorState struct {
	key      string
	org      int64
	user     int64
	apiKey   int64
	name     string
	events   []event
	run      []int64 // seqs of the current ascending or descending run
	runDir   int
	runClass string
	runKey   string
	runAt    time.Time
	last     map[string]alertMark // rule → last alert
	maxSeq   int64                // the latest entry in the window (a re-read after a failed step is skipped)
}

type alertMark struct {
	severity string
	at       time.Time
}

type miss struct {
	org, user, apiKey int64
	name, code        string
	t                 time.Time
}

// MaxActors bounds the windows held in memory (least recently active
// dropped first).
const MaxActors = 20_000

const maxWindowEvents = 2000

func (d *Detector) init() {
	if d.actors == nil {
		d.actors = map[string]*list.Element{}
		d.backed = map[[2]int64]bool{}
		d.kinds = map[int64]account.OrgKind{}
		d.keyIDs = map[string]int64{}
		d.codes = map[int64]string{}
		d.hours = map[orgHour]*HourCount{}
		d.baseline = map[orgHour]baselineVal{}
	}
}

func (d *Detector) kickCh() chan struct{} {
	d.chOnce.Do(func() {
		d.kick = make(chan struct{}, 1)
		d.misses = make(chan miss, 4096)
	})
	return d.kick
}

// Kick asks the running detector to look at the log now (non-blocking).
func (d *Detector) Kick() {
	select {
	case d.kickCh() <- struct{}{}:
	default:
	}
}

// Miss reports a look-up of a well-formed credit code that is not
// registered (the evidence log does not record those: nothing was
// disclosed). It never blocks; misses beyond the buffer are dropped.
func (d *Detector) Miss(org, user, apiKey int64, name, code string, at time.Time) {
	d.kickCh()
	select {
	case d.misses <- miss{org: org, user: user, apiKey: apiKey, name: name, code: code, t: at}:
	default:
		d.dropped.Add(1)
	}
}

// DefaultKickGap is the shortest time between two steps woken by kicks.
const DefaultKickGap = 100 * time.Millisecond

// Run steps when kicked, at most once per KickGap, and at least every
// interval, until ctx ends. Kicks never wait for a step: one arriving while
// a step runs or within the gap after it is kept (one pending kick at most)
// and served once the gap is over. A detector that has never run starts at
// the head of the log: evidence written before monitoring began is not
// replayed (it would raise alerts, and suspend keys, for behaviour long
// past).
func (d *Detector) Run(ctx context.Context, interval time.Duration) {
	kick := d.kickCh()
	if err := d.startAtHead(ctx); err != nil && d.Log != nil && ctx.Err() == nil {
		d.Log.Error("security monitoring: read the start position", "error", err)
	}
	gap := d.KickGap
	if gap <= 0 {
		gap = DefaultKickGap
	}
	gap = min(gap, interval)
	t := time.NewTicker(interval)
	defer t.Stop()
	var last time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-kick:
			if wait := gap - time.Since(last); wait > 0 {
				w := time.NewTimer(wait)
				select {
				case <-ctx.Done():
					w.Stop()
					return
				case <-w.C:
				}
			}
		case <-t.C:
		}
		last = time.Now()
		for {
			n, err := d.Step(ctx)
			if err != nil {
				if !fault.Is(err, fault.Canceled) && ctx.Err() == nil && d.Log != nil {
					d.Log.Error("security monitoring step failed", "error", err)
				}
				break
			}
			if n < d.batch() {
				break
			}
		}
	}
}

func (d *Detector) startAtHead(ctx context.Context) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.loaded {
		return nil
	}
	repo := d.Service.Repo
	p, err := repo.MonitorPosition(ctx, d.name())
	if err != nil {
		return err
	}
	if p == 0 {
		h, err := repo.AuditHead(ctx)
		if err != nil {
			return err
		}
		if h.Seq > 0 {
			if err := repo.SetMonitorPosition(ctx, d.name(), h.Seq); err != nil {
				return err
			}
		}
		p = h.Seq
	}
	d.pos, d.loaded = p, true
	return nil
}

func (d *Detector) batch() int {
	if d.Batch > 0 {
		return d.Batch
	}
	return 1000
}

func (d *Detector) name() string {
	if d.Name != "" {
		return d.Name
	}
	return "detector"
}

var errBatchFull = errors.New("batch full")

// Step consumes the evidence entries after the stored position (at most
// Batch of them) and the misses reported since the last step, raises the
// alerts they call for, records the position, and suspends the actors
// behind high-severity alerts when the policy says so. It returns how many
// entries it consumed and the alerts raised.
func (d *Detector) Step(ctx context.Context) (int, error) {
	_, n, err := d.StepAlerts(ctx)
	return n, err
}

// StepAlerts is Step returning the alerts raised.
func (d *Detector) StepAlerts(ctx context.Context) ([]Alert, int, error) {
	d.kickCh()
	d.mu.Lock()
	defer d.mu.Unlock()
	d.init()
	repo := d.Service.Repo
	if !d.loaded {
		p, err := repo.MonitorPosition(ctx, d.name())
		if err != nil {
			return nil, 0, err
		}
		d.pos, d.loaded = p, true
	}
	var entries []audit.Entry
	limit := d.batch()
	err := repo.ScanAudit(ctx, d.pos, func(e audit.Entry) error {
		entries = append(entries, e)
		if len(entries) >= limit {
			return errBatchFull
		}
		return nil
	})
	if err != nil && !errors.Is(err, errBatchFull) {
		return nil, 0, err
	}
	if n := d.dropped.Swap(0); n > 0 && d.Log != nil {
		d.Log.Warn("security monitoring: look-up misses dropped (buffer full)", "count", n)
	}
	var misses []miss
drain:
	for {
		select {
		case m := <-d.misses:
			misses = append(misses, m)
		default:
			break drain
		}
	}
	var alerts []Alert
	delta := map[orgHour]*HourCount{}
	for _, m := range misses {
		a, err := d.actor(ctx, m.org, m.user, m.apiKey, m.name)
		if err != nil || a == nil {
			if err != nil {
				return nil, 0, err
			}
			continue
		}
		d.push(a, event{t: m.t, code: m.code, miss: true, night: d.Policy.Night(m.t)})
		alerts = d.evaluate(a, m.t, alerts)
	}
	for _, e := range entries {
		more, err := d.consume(ctx, e, delta)
		if err != nil {
			return nil, 0, err
		}
		alerts = append(alerts, more...)
	}
	base, err := d.baselines(ctx, delta)
	if err != nil {
		return nil, 0, err
	}
	alerts = append(alerts, base...)
	last := d.pos
	if len(entries) > 0 {
		last = entries[len(entries)-1].Seq
	}
	if len(entries) == 0 && len(alerts) == 0 {
		return nil, 0, nil
	}
	now := d.Service.now()
	err = d.Service.InTx(ctx, func(r Repo) error {
		var cs []HourCount
		for _, c := range delta {
			cs = append(cs, *c)
		}
		if err := r.AddHourCounts(ctx, cs); err != nil {
			return err
		}
		for i := range alerts {
			a := &alerts[i]
			a.CreatedAt = now
			if err := r.InsertAlert(ctx, a); err != nil {
				return err
			}
		}
		for i := range alerts {
			a := alerts[i]
			detail, _ := json.Marshal(map[string]any{"alert": a.ID, "rule": a.Rule, "severity": a.Severity, "observed": a.Observed,
				"threshold": a.Threshold, "actor": a.Actor, "api_key": a.APIKeyID, "user": a.UserID, "entries": len(a.Entries), "summary": a.Detail})
			if err := r.AppendAudit(ctx, &audit.Entry{Time: now, ActorName: MonitorActor, OrgID: a.OrgID, Action: "monitor.alert",
				Outcome: audit.OK, Detail: string(detail)}); err != nil {
				return err
			}
		}
		return r.SetMonitorPosition(ctx, d.name(), last)
	})
	if err != nil {
		// Nothing of this step was stored: forget the windows, alert marks
		// and cached hour totals it touched, so the next step, which
		// re-reads these entries from the stored position, raises the
		// same alerts again.
		d.actors, d.hours = nil, nil
		d.lru.Init()
		d.init()
		return nil, 0, err
	}
	d.pos = last
	for k, c := range delta {
		if h, ok := d.hours[k]; ok {
			h.Reads += c.Reads
			h.Denied += c.Denied
			h.Exports += c.Exports
		}
	}
	d.Service.Metrics.position(last)
	for i := range alerts {
		a := &alerts[i]
		d.Service.Metrics.alert(a.Rule, a.Severity)
		if d.Log != nil {
			d.Log.Warn("security alert", "alert", a.ID, "rule", a.Rule, "severity", a.Severity, "org", a.OrgID, "actor", a.Actor, "observed", a.Observed, "threshold", a.Threshold)
		}
		if a.Severity != SeverityHigh || !d.Policy.AutoSuspend {
			continue
		}
		kind, target := KindAPIKey, a.APIKeyID
		if target == 0 {
			kind, target = KindUser, a.UserID
		}
		if target == 0 {
			continue
		}
		sp, err := d.Service.suspend(ctx, 0, MonitorActor, 0, "", Suspension{Kind: kind, TargetID: target, AlertID: a.ID,
			Reason: fmt.Sprintf("alert %d: %s", a.ID, a.Detail)})
		switch {
		case err == nil:
			a.SuspensionID = sp.ID
		case fault.Is(err, fault.Conflict):
			// already suspended
		default:
			return alerts, len(entries), err
		}
	}
	return alerts, len(entries), nil
}

// consume adds one evidence entry to its actor's window and hour counts
// and returns the alerts it triggers.
func (d *Detector) consume(ctx context.Context, e audit.Entry, delta map[orgHour]*HourCount) ([]Alert, error) {
	if e.OrgID == 0 || strings.HasPrefix(e.Action, "monitor.") {
		return nil, nil
	}
	if e.EnterpriseID != 0 && (e.AuthorizationID != "" || strings.HasPrefix(e.Action, "authorization.")) {
		d.markBacked(e.OrgID, e.EnterpriseID)
	}
	read, export := isRead(e), isExport(e)
	if !read && !export {
		return nil, nil
	}
	kind, err := d.orgKind(ctx, e.OrgID)
	if err != nil {
		return nil, err
	}
	// Reads are watched for institutions and departments; exports (the
	// evidence export among them) also for operator staff and auditors.
	// Enterprises reading their own data are not watched.
	readers := kind == account.KindInstitution || kind == account.KindDepartment
	if !readers && !(export && (kind == account.KindOperator || kind == account.KindAuditor)) {
		return nil, nil
	}
	h := orgHour{e.OrgID, e.Time.UTC().Truncate(time.Hour)}
	c := delta[h]
	if c == nil {
		c = &HourCount{OrgID: e.OrgID, Hour: h.hour}
		delta[h] = c
	}
	if export {
		c.Exports++
	}
	if !read || !readers {
		return nil, nil
	}
	c.Reads++
	denied := e.Outcome == audit.Denied
	if denied {
		c.Denied++
	}
	var keyID int64
	if p, ok := strings.CutPrefix(e.ActorName, "apikey:"); ok {
		if keyID, err = d.apiKeyID(ctx, p); err != nil {
			return nil, err
		}
	}
	a, err := d.actor(ctx, e.OrgID, e.ActorUserID, keyID, e.ActorName)
	if err != nil || a == nil {
		return nil, err
	}
	ev := event{seq: e.Seq, t: e.Time, ent: e.EnterpriseID, denied: denied, night: d.Policy.Night(e.Time)}
	if e.EnterpriseID != 0 {
		if ev.code, err = d.code(ctx, e.EnterpriseID); err != nil {
			return nil, err
		}
		if e.AuthorizationID == "" {
			backed, err := d.isBacked(ctx, e.OrgID, e.EnterpriseID)
			if err != nil {
				return nil, err
			}
			ev.unbacked = !backed
		}
	}
	d.push(a, ev)
	return d.evaluate(a, e.Time, nil), nil
}

// isRead reports whether an entry is a read of enterprise data (allowed or
// denied): the registry record, its history, catalogue items, verification
// answers and anything else recorded as "<x>.read" about an enterprise,
// except the platform's own ingest and quality reads.
func isRead(e audit.Entry) bool {
	switch e.Action {
	case "enterprise.read", "enterprise.history", "data.read", "verification.read":
		return true
	}
	if strings.HasPrefix(e.Action, "ingest.") || strings.HasPrefix(e.Action, "quality.") {
		return false
	}
	return e.EnterpriseID != 0 && strings.HasSuffix(e.Action, ".read")
}

// isExport reports whether an entry is an export (data, reports, evidence).
func isExport(e audit.Entry) bool {
	return e.Outcome == audit.OK && strings.Contains(e.Action, "export")
}

func actorKey(org, user, apiKey int64) string {
	switch {
	case apiKey != 0:
		return "k" + strconv.FormatInt(apiKey, 10)
	case user != 0:
		return "u" + strconv.FormatInt(user, 10)
	}
	return "o" + strconv.FormatInt(org, 10)
}

func (d *Detector) actor(ctx context.Context, org, user, apiKey int64, name string) (*actorState, error) {
	k := actorKey(org, user, apiKey)
	if el, ok := d.actors[k]; ok {
		d.lru.MoveToFront(el)
		return el.Value.(*actorState), nil
	}
	a := &actorState{key: k, org: org, user: user, apiKey: apiKey, name: name, last: map[string]alertMark{}}
	d.actors[k] = d.lru.PushFront(a)
	for d.lru.Len() > MaxActors {
		old := d.lru.Back()
		d.lru.Remove(old)
		delete(d.actors, old.Value.(*actorState).key)
	}
	return a, nil
}

// push appends ev to the window, drops what fell out of it and extends or
// restarts the actor's run of ordered credit codes.
func (d *Detector) push(a *actorState, ev event) {
	if ev.seq != 0 {
		if ev.seq <= a.maxSeq {
			return
		}
		a.maxSeq = ev.seq
	}
	cut := ev.t.Add(-d.Policy.Window)
	i := 0
	for i < len(a.events) && a.events[i].t.Before(cut) {
		i++
	}
	a.events = append(a.events[i:], ev)
	if len(a.events) > maxWindowEvents {
		a.events = a.events[len(a.events)-maxWindowEvents:]
	}
	if ev.miss || ev.code == "" {
		return
	}
	class, key, ok := SequenceKey(ev.code)
	if !ok {
		return
	}
	switch {
	case len(a.run) == 0 || class != a.runClass || ev.t.Sub(a.runAt) > d.Policy.Window:
		a.run, a.runDir = []int64{ev.seq}, 0
	case key == a.runKey:
		// the same enterprise again: neither extends nor breaks the run
	case a.runDir >= 0 && key > a.runKey:
		a.run, a.runDir = append(a.run, ev.seq), 1
	case a.runDir <= 0 && key < a.runKey:
		a.run, a.runDir = append(a.run, ev.seq), -1
	default:
		dir := 1
		if key < a.runKey {
			dir = -1
		}
		a.run, a.runDir = []int64{a.run[len(a.run)-1], ev.seq}, dir
	}
	if len(a.run) > MaxAlertEntries {
		a.run = a.run[len(a.run)-MaxAlertEntries:]
	}
	a.runClass, a.runKey, a.runAt = class, key, ev.t
}

// evaluate applies the window rules to an actor after a new event.
func (d *Detector) evaluate(a *actorState, at time.Time, out []Alert) []Alert {
	p := d.Policy
	var denied, night, misses int
	distinct := map[int64]bool{}
	var unbackedSeqs, deniedSeqs, nightSeqs []int64
	var missCodes []string
	for _, ev := range a.events {
		switch {
		case ev.miss:
			misses++
			missCodes = append(missCodes, ev.code)
			continue
		case ev.denied:
			denied++
			deniedSeqs = append(deniedSeqs, ev.seq)
		}
		if ev.night {
			night++
			nightSeqs = append(nightSeqs, ev.seq)
		}
		if ev.unbacked && ev.ent != 0 {
			if !distinct[ev.ent] {
				distinct[ev.ent] = true
			}
			unbackedSeqs = append(unbackedSeqs, ev.seq)
		}
	}
	check := func(rule string, observed, medium, high int, seqs []int64, summary string) {
		sev := ""
		thr := medium
		switch {
		case high > 0 && observed >= high:
			sev, thr = SeverityHigh, high
		case medium > 0 && observed >= medium:
			sev = SeverityMedium
		default:
			return
		}
		if m, ok := a.last[rule]; ok && at.Sub(m.at) < p.Cooldown && (m.severity == SeverityHigh || m.severity == sev) {
			return
		}
		a.last[rule] = alertMark{severity: sev, at: at}
		if len(seqs) > MaxAlertEntries {
			seqs = seqs[len(seqs)-MaxAlertEntries:]
		}
		out = append(out, Alert{Rule: rule, Severity: sev, Score: float64(observed) / float64(thr), OrgID: a.org, UserID: a.user,
			APIKeyID: a.apiKey, Actor: a.name, Observed: float64(observed), Threshold: float64(thr), Entries: append([]int64(nil), seqs...),
			Detail: summary})
	}
	win := p.Window.String()
	check(RuleUnbackedBreadth, len(distinct), p.BreadthMedium, p.BreadthHigh, unbackedSeqs,
		fmt.Sprintf("%d enterprises read within %s without an authorization or application", len(distinct), win))
	check(RuleDeniedBurst, denied, p.DeniedMedium, p.DeniedHigh, deniedSeqs, fmt.Sprintf("%d denied reads within %s", denied, win))
	check(RuleNightBulk, night, p.NightMedium, p.NightHigh, nightSeqs, fmt.Sprintf("%d reads outside business hours within %s", night, win))
	if n := len(missCodes); n > 5 {
		missCodes = missCodes[n-5:]
	}
	check(RuleProbeMisses, misses, p.MissMedium, p.MissHigh, nil,
		fmt.Sprintf("%d look-ups of unregistered credit codes within %s (latest %s)", misses, win, strings.Join(missCodes, ", ")))
	dir := "ascending"
	if a.runDir < 0 {
		dir = "descending"
	}
	check(RuleSequentialScan, len(a.run), p.SequenceMedium, p.SequenceHigh, a.run,
		fmt.Sprintf("%d consecutive reads of credit codes in %s order", len(a.run), dir))
	return out
}

// baselines compares each organisation's hours touched by this step with
// its own history and returns the alerts.
func (d *Detector) baselines(ctx context.Context, delta map[orgHour]*HourCount) ([]Alert, error) {
	p := d.Policy
	var out []Alert
	for k, c := range delta {
		stored, ok := d.hours[k]
		if !ok {
			cs, err := d.Service.Repo.HourCounts(ctx, k.org, k.hour, k.hour.Add(time.Hour))
			if err != nil {
				return nil, err
			}
			stored = &HourCount{OrgID: k.org, Hour: k.hour}
			if len(cs) > 0 {
				stored = &cs[0]
			}
			d.hours[k] = stored
		}
		b, ok := d.baseline[k]
		if !ok {
			hist, err := d.Service.Repo.HourCounts(ctx, k.org, k.hour.AddDate(0, 0, -p.BaselineDays), k.hour)
			if err != nil {
				return nil, err
			}
			// Reads: the hours the organisation read anything. Exports:
			// every hour it did anything (most have none).
			var reads, exports []int64
			for _, h := range hist {
				if h.Reads > 0 {
					reads = append(reads, h.Reads)
				}
				exports = append(exports, h.Exports)
			}
			b.reads, b.readsOK = Baseline(reads, p.BaselineMinHours, p.BaselineK, p.BaselineReadFloor)
			b.exports, b.exportsOK = Baseline(exports, p.BaselineMinHours, p.BaselineK, p.ExportFloor)
			d.baseline[k] = b
		}
		if !b.readsOK && !b.exportsOK {
			continue
		}
		a, _ := d.actor(ctx, k.org, 0, 0, "org:"+strconv.FormatInt(k.org, 10))
		check := func(rule string, ok bool, observed, thr float64, what string) {
			if !ok || observed <= thr {
				return
			}
			sev := SeverityMedium
			if observed > 2*thr {
				sev = SeverityHigh
			}
			if m, ok := a.last[rule]; ok && k.hour.Sub(m.at) < p.Cooldown && (m.severity == SeverityHigh || m.severity == sev) {
				return
			}
			a.last[rule] = alertMark{severity: sev, at: k.hour}
			out = append(out, Alert{Rule: rule, Severity: sev, Score: observed / thr, OrgID: k.org, Actor: a.name, Observed: observed, Threshold: thr,
				Detail: fmt.Sprintf("%.0f %s in the hour from %s, above this institution's normal (threshold %.0f)", observed, what, k.hour.Format(time.RFC3339), thr)})
		}
		check(RuleVolumeBaseline, b.readsOK, float64(stored.Reads+c.Reads), b.reads, "reads")
		check(RuleExportBaseline, b.exportsOK, float64(stored.Exports+c.Exports), b.exports, "exports")
	}
	// Old hours are not touched again: keep the caches small.
	for k := range d.hours {
		if len(d.hours) > 10_000 {
			delete(d.hours, k)
		}
	}
	for k := range d.baseline {
		if len(d.baseline) > 10_000 {
			delete(d.baseline, k)
		}
	}
	return out, nil
}

// maxBacked bounds the (institution, enterprise) pairs remembered from the
// log; past it the memory starts over and Applications (the authorization
// store) answers.
const maxBacked = 500_000

func (d *Detector) markBacked(org, ent int64) {
	if len(d.backed) >= maxBacked {
		d.backed = map[[2]int64]bool{}
	}
	d.backed[[2]int64{org, ent}] = true
}

func (d *Detector) isBacked(ctx context.Context, org, ent int64) (bool, error) {
	if d.backed[[2]int64{org, ent}] {
		return true, nil
	}
	if d.Dir.Applications == nil {
		return false, nil
	}
	ok, err := d.Dir.Applications(ctx, org, ent)
	if err != nil {
		return false, err
	}
	if ok {
		d.markBacked(org, ent)
	}
	return ok, nil
}

func (d *Detector) orgKind(ctx context.Context, id int64) (account.OrgKind, error) {
	if k, ok := d.kinds[id]; ok {
		return k, nil
	}
	k, err := d.Dir.OrgKind(ctx, id)
	if fault.Is(err, fault.NotFound) {
		k, err = "", nil
	}
	if err != nil {
		return "", err
	}
	if len(d.kinds) > 100_000 {
		d.kinds = map[int64]account.OrgKind{}
	}
	d.kinds[id] = k
	return k, nil
}

func (d *Detector) apiKeyID(ctx context.Context, prefix string) (int64, error) {
	if id, ok := d.keyIDs[prefix]; ok {
		return id, nil
	}
	id, err := d.Dir.APIKeyID(ctx, prefix)
	if fault.Is(err, fault.NotFound) {
		id, err = 0, nil
	}
	if err != nil {
		return 0, err
	}
	if len(d.keyIDs) > 100_000 {
		d.keyIDs = map[string]int64{}
	}
	d.keyIDs[prefix] = id
	return id, nil
}

func (d *Detector) code(ctx context.Context, id int64) (string, error) {
	if c, ok := d.codes[id]; ok {
		return c, nil
	}
	c, err := d.Dir.CreditCode(ctx, id)
	if fault.Is(err, fault.NotFound) {
		c, err = "", nil
	}
	if err != nil {
		return "", err
	}
	if len(d.codes) > 200_000 {
		d.codes = map[int64]string{}
	}
	d.codes[id] = c
	return c, nil
}

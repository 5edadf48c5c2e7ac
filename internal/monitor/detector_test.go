package monitor_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/monitor"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

type fixture struct {
	st    store.Store
	svc   *monitor.Service
	det   *monitor.Detector
	bank  account.Org
	key   account.APIKey
	user  account.User
	ents  []enterprise.Record // ascending credit codes
	clock time.Time
}

var operator = access.Principal{UserID: 1, Username: "admin", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}

func newFixture(t *testing.T, backend string) *fixture {
	t.Helper()
	ctx := context.Background()
	st := scratch.Open(t, backend)
	f := &fixture{st: st, clock: time.Date(2026, 11, 23, 2, 0, 0, 0, time.UTC)} // 10:00 in Shanghai
	f.svc = &monitor.Service{Repo: st, Now: func() time.Time { return f.clock },
		InTx: func(ctx context.Context, fn func(monitor.Repo) error) error {
			return st.InTx(ctx, func(s store.Store) error { return fn(s) })
		}}
	f.det = &monitor.Detector{Service: f.svc, Policy: monitor.DefaultPolicy(), Dir: directory(st)}
	f.bank = account.Org{Kind: account.KindInstitution, Name: "银行", AccessTier: 3}
	must(t, st.CreateOrg(ctx, &f.bank))
	f.key = account.APIKey{OrgID: f.bank.ID, Prefix: "cbk_0badc0de", SecretHash: "x", Name: "core", Scopes: []account.Scope{account.ScopeEnterpriseRead}}
	must(t, st.CreateAPIKey(ctx, &f.key))
	f.user = account.User{OrgID: f.bank.ID, Username: "officer", DisplayName: "Officer", Role: account.RoleInstitutionOfficer, PasswordHash: "x", Status: account.StatusActive}
	must(t, st.CreateUser(ctx, &f.user))
	for i := range 60 {
		body := fmt.Sprintf("MA%06d", 1000+i*37)
		code, err := creditcode.Complete("91320505" + body + string(creditcode.OrgCodeCheck(body)))
		if err != nil {
			i-- // unreachable for these bodies; keep the loop honest
			continue
		}
		r := enterprise.Record{Code: string(code), NameZH: fmt.Sprintf("企业%d", i), Division: "320505", Industry: "C", Size: "small",
			Status: enterprise.StatusOperating, FoundedOn: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC)}
		must(t, st.CreateEnterprise(ctx, &r))
		f.ents = append(f.ents, r)
	}
	return f
}

func directory(st store.Store) monitor.Directory {
	return monitor.Directory{
		OrgKind: func(ctx context.Context, id int64) (account.OrgKind, error) {
			o, err := st.OrgByID(ctx, id)
			return o.Kind, err
		},
		APIKeyID: func(ctx context.Context, prefix string) (int64, error) {
			k, err := st.APIKeyByPrefix(ctx, prefix)
			return k.ID, err
		},
		CreditCode: func(ctx context.Context, id int64) (string, error) {
			r, err := st.EnterpriseByID(ctx, id)
			return r.Code, err
		},
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// read appends the evidence of one read by the key (or the user when
// byUser) at the fixture's clock, then moves the clock 5 seconds on.
func (f *fixture) read(t *testing.T, ent int64, out audit.Outcome, authzID string, byUser bool) {
	t.Helper()
	e := audit.Entry{Time: f.clock, OrgID: f.bank.ID, ActorName: "apikey:" + f.key.Prefix, Action: "enterprise.read", EnterpriseID: ent,
		Items: []string{"registration.basic"}, Purpose: access.PurposeLoan, AuthorizationID: authzID, Outcome: out}
	if byUser {
		e.ActorUserID, e.ActorName = f.user.ID, f.user.Username
	}
	must(t, f.st.AppendAudit(context.Background(), &e))
	f.clock = f.clock.Add(5 * time.Second)
}

func (f *fixture) step(t *testing.T) []monitor.Alert {
	t.Helper()
	var all []monitor.Alert
	for {
		as, n, err := f.det.StepAlerts(context.Background())
		must(t, err)
		all = append(all, as...)
		if n == 0 {
			return all
		}
	}
}

func rules(as []monitor.Alert) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Rule+"/"+a.Severity)
	}
	return out
}

func TestDetectorRules(t *testing.T) {
	for _, backend := range scratch.Backends(t) {
		t.Run(backend, func(t *testing.T) {
			t.Parallel()
			t.Run("breadth_without_authorization_suspends_the_key_until_reinstated", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				ctx := context.Background()
				order := []int{}
				for i := range 45 {
					order = append(order, (i*17)%45) // not in code order
				}
				for _, i := range order {
					f.read(t, f.ents[i].ID, audit.OK, "", false)
				}
				as := f.step(t)
				got := rules(as)
				if len(as) != 2 || as[0].Rule != monitor.RuleUnbackedBreadth || as[0].Severity != monitor.SeverityMedium ||
					as[1].Severity != monitor.SeverityHigh || as[1].APIKeyID != f.key.ID || as[1].Observed != 40 {
					t.Fatalf("alerts %v (%+v), want breadth medium at 20 then high at 40 for the key", got, as)
				}
				if len(as[1].Entries) != 40 || as[1].SuspensionID == 0 {
					t.Fatalf("high alert: %d entries, suspension %d; want the 40 reads and a suspension", len(as[1].Entries), as[1].SuspensionID)
				}
				p := access.Principal{OrgID: f.bank.ID, OrgKind: account.KindInstitution, APIKeyID: f.key.ID, APIKeyPrefix: f.key.Prefix}
				err := f.svc.Check(ctx, p)
				if fe, ok := fault.As(err); !ok || fe.Kind != fault.Forbidden || fe.Code != "access.suspended" || fe.Params["kind"] != "api_key" {
					t.Fatalf("Check of the suspended key = %v, want 403 access.suspended (api_key)", err)
				}
				// The officer of the same bank is not blocked by the key's suspension.
				must(t, f.svc.Check(ctx, access.Principal{OrgID: f.bank.ID, UserID: f.user.ID}))
				a, es, err := f.svc.Alert(ctx, operator, as[1].ID)
				must(t, err)
				if a.ID != as[1].ID || len(es) != 40 || es[0].Action != "enterprise.read" {
					t.Fatalf("alert evidence: %d entries", len(es))
				}
				ss, err := f.svc.ListSuspensions(ctx, operator, true, 0)
				must(t, err)
				if len(ss) != 1 || ss[0].Kind != monitor.KindAPIKey || ss[0].TargetID != f.key.ID || ss[0].AlertID != as[1].ID || ss[0].By != monitor.MonitorActor {
					t.Fatalf("suspensions %+v", ss)
				}
				if _, err := f.svc.Reinstate(ctx, access.Principal{OrgID: f.bank.ID, Role: account.RoleInstitutionOfficer}, ss[0].ID, "mine"); !fault.Is(err, fault.Forbidden) {
					t.Fatalf("an institution reinstated itself: %v", err)
				}
				if _, err := f.svc.Reinstate(ctx, operator, ss[0].ID, "checked with the bank"); err != nil {
					t.Fatal(err)
				}
				must(t, f.svc.Check(ctx, p))
				// Evidence: the alerts, the suspension and the reinstatement.
				es2, err := f.st.ListAudit(ctx, audit.Filter{Action: "monitor.", Limit: 10})
				must(t, err)
				if len(es2) != 4 || es2[0].Action != "monitor.reinstate" || es2[1].Action != "monitor.suspend" {
					t.Fatalf("monitor evidence: %d entries (%v)", len(es2), es2)
				}
				// A new detector (a restart) resumes after the stored position: nothing is raised twice.
				f.det = &monitor.Detector{Service: f.svc, Policy: monitor.DefaultPolicy(), Dir: directory(f.st)}
				if as := f.step(t); len(as) != 0 {
					t.Fatalf("after a restart: %v", rules(as))
				}
			})
			t.Run("reads_under_an_authorization_or_application_are_not_breadth", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				for i := range 25 {
					f.read(t, f.ents[(i*7)%60].ID, audit.OK, fmt.Sprintf("az_%d", i), false)
				}
				for i := 25; i < 50; i++ { // an application (authorization request) first
					must(t, f.st.AppendAudit(context.Background(), &audit.Entry{Time: f.clock, OrgID: f.bank.ID, ActorName: "apikey:" + f.key.Prefix,
						Action: "authorization.request", EnterpriseID: f.ents[(i*7)%60].ID, AuthorizationID: "az_x", Outcome: audit.OK}))
					f.read(t, f.ents[(i*7)%60].ID, audit.OK, "", false)
				}
				if as := f.step(t); len(as) != 0 {
					t.Fatalf("alerts %v, want none", rules(as))
				}
			})
			t.Run("denied_burst", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				for i := range 20 {
					f.read(t, f.ents[i%2].ID, audit.Denied, "", true)
				}
				as := f.step(t)
				if got := rules(as); len(as) != 2 || as[1].Rule != monitor.RuleDeniedBurst || as[1].Severity != monitor.SeverityHigh || as[1].UserID != f.user.ID {
					t.Fatalf("alerts %v, want denied_burst medium then high for the user", got)
				}
				if err := f.svc.Check(context.Background(), access.Principal{OrgID: f.bank.ID, UserID: f.user.ID}); !fault.Is(err, fault.Forbidden) {
					t.Fatalf("the user is not suspended: %v", err)
				}
			})
			t.Run("sequential_scan_of_credit_codes", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				for i := range 20 { // backed, so only the order is suspicious
					f.read(t, f.ents[i].ID, audit.OK, "az_1", false)
				}
				as := f.step(t)
				if got := rules(as); len(as) != 2 || as[0].Rule != monitor.RuleSequentialScan || as[1].Severity != monitor.SeverityHigh || len(as[1].Entries) != 20 {
					t.Fatalf("alerts %v, want sequential_scan medium (12) and high (20)", got)
				}
			})
			t.Run("night_bulk", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				f.clock = time.Date(2026, 11, 23, 15, 0, 0, 0, time.UTC) // 23:00 in Shanghai
				for i := range 60 {
					f.read(t, f.ents[(i*13)%5].ID, audit.OK, "az_1", false) // 5 customers, backed
				}
				as := f.step(t)
				if got := rules(as); len(as) != 2 || as[0].Rule != monitor.RuleNightBulk || as[1].Severity != monitor.SeverityHigh {
					t.Fatalf("alerts %v, want night_bulk medium (30) then high (60)", got)
				}
			})
			t.Run("volume_above_the_institutions_own_baseline", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				ctx := context.Background()
				// Two weeks of 20-40 reads an hour in office hours.
				var hist []monitor.HourCount
				for d := 1; d <= 14; d++ {
					for h := 1; h <= 9; h++ {
						hist = append(hist, monitor.HourCount{OrgID: f.bank.ID, Hour: f.clock.AddDate(0, 0, -d).Add(time.Duration(h-5) * time.Hour), Reads: int64(20 + (d*h)%21)})
					}
				}
				must(t, f.st.AddHourCounts(ctx, hist))
				// A normal hour: 40 reads, no alert.
				for i := range 40 {
					f.read(t, f.ents[(i*3)%7].ID, audit.OK, "az_1", false)
				}
				if as := f.step(t); len(as) != 0 {
					t.Fatalf("a normal hour raised %v", rules(as))
				}
				// The next hour, 260 reads (one every 10 s is 360 an hour; keep it in one hour).
				f.clock = f.clock.Truncate(time.Hour).Add(time.Hour)
				var as []monitor.Alert
				for i := range 260 {
					f.read(t, f.ents[(i*3)%7].ID, audit.OK, "az_1", true)
					f.clock = f.clock.Add(-3 * time.Second) // 2 s apart
					if i == 149 {
						as = f.step(t) // 150 reads: above normal
					}
				}
				as = append(as, f.step(t)...)
				var vol []monitor.Alert
				for _, a := range as {
					if a.Rule == monitor.RuleVolumeBaseline {
						vol = append(vol, a)
					}
				}
				if len(vol) != 2 || vol[0].Severity != monitor.SeverityMedium || vol[1].Severity != monitor.SeverityHigh || vol[1].Threshold != 100 {
					t.Fatalf("volume alerts %+v (all %v), want medium above the threshold 100 and high above 200", vol, rules(as))
				}
				if vol[1].SuspensionID != 0 {
					t.Fatal("an organisation-level volume alert suspended someone; it is for the operators to judge")
				}
				hs, err := f.st.HourCounts(ctx, f.bank.ID, f.clock.Truncate(time.Hour), f.clock.Truncate(time.Hour).Add(time.Hour))
				must(t, err)
				if len(hs) != 1 || hs[0].Reads != 260 {
					t.Fatalf("stored hour %+v, want 260 reads", hs)
				}
			})
			t.Run("exports_above_normal_even_for_auditors", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				ctx := context.Background()
				aud := account.Org{Kind: account.KindAuditor, Name: "审计组"}
				must(t, f.st.CreateOrg(ctx, &aud))
				var hist []monitor.HourCount
				for h := 1; h <= 40; h++ { // an export now and then, in 40 active hours
					hist = append(hist, monitor.HourCount{OrgID: aud.ID, Hour: f.clock.Add(-time.Duration(h) * 3 * time.Hour), Exports: int64(h % 4 / 3)})
				}
				must(t, f.st.AddHourCounts(ctx, hist))
				for range 13 {
					must(t, f.st.AppendAudit(ctx, &audit.Entry{Time: f.clock, OrgID: aud.ID, ActorUserID: 77, ActorName: "auditor", Action: "audit.export", Outcome: audit.OK}))
					f.clock = f.clock.Add(time.Minute)
				}
				as := f.step(t)
				if got := rules(as); len(as) != 1 || as[0].Rule != monitor.RuleExportBaseline || as[0].Severity != monitor.SeverityHigh || as[0].Threshold != 6 || as[0].SuspensionID != 0 {
					t.Fatalf("alerts %v (%+v), want one high export_baseline (threshold 6) and no suspension", got, as)
				}
			})
			t.Run("misses_of_unregistered_codes", func(t *testing.T) {
				t.Parallel()
				f := newFixture(t, backend)
				for i := range 25 {
					f.det.Miss(f.bank.ID, 0, f.key.ID, "apikey:"+f.key.Prefix, fmt.Sprintf("91320505MA0%05dX", i), f.clock.Add(time.Duration(i)*time.Second))
				}
				as := f.step(t)
				if got := rules(as); len(as) != 2 || as[1].Rule != monitor.RuleProbeMisses || as[1].SuspensionID == 0 {
					t.Fatalf("alerts %v, want probe_misses medium and high (suspending)", got)
				}
			})
		})
	}
}

func TestSuspendValidatesAndNeedsOperatorStaff(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	ctx := context.Background()
	inst := access.Principal{OrgID: f.bank.ID, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer, UserID: f.user.ID}
	if _, err := f.svc.Suspend(ctx, inst, monitor.KindOrg, f.bank.ID, "x"); !fault.Is(err, fault.Forbidden) {
		t.Fatalf("institution suspends: %v", err)
	}
	_, err := f.svc.Suspend(ctx, operator, "team", 0, " ")
	var fe *fault.FieldsError
	if !errors.As(err, &fe) || len(fe.Fields) != 3 {
		t.Fatalf("bad input: %v, want three field errors", err)
	}
	if _, err := f.svc.Suspend(ctx, operator, monitor.KindUser, 99999, "x"); !fault.Is(err, fault.NotFound) {
		t.Fatalf("unknown user: %v", err)
	}
	sp, err := f.svc.Suspend(ctx, operator, monitor.KindOrg, f.bank.ID, "harvesting registration data")
	must(t, err)
	if sp.Target != "银行" || sp.OrgID != f.bank.ID || sp.By != "admin" {
		t.Fatalf("suspension %+v", sp)
	}
	if _, err := f.svc.Suspend(ctx, operator, monitor.KindOrg, f.bank.ID, "again"); !fault.Is(err, fault.Conflict) {
		t.Fatalf("second suspension: %v", err)
	}
	// Every key and user of the organisation is refused.
	for _, p := range []access.Principal{{OrgID: f.bank.ID, APIKeyID: f.key.ID}, {OrgID: f.bank.ID, UserID: f.user.ID}} {
		if err := f.svc.Check(ctx, p); !fault.Is(err, fault.Forbidden) {
			t.Fatalf("Check(%+v) = %v under the organisation's suspension", p, err)
		}
	}
	if _, err := f.svc.ListAlerts(ctx, inst, monitor.AlertFilter{}); !fault.Is(err, fault.Forbidden) {
		t.Fatalf("an institution lists alerts: %v", err)
	}
}

// TestRunStartsAtTheHeadOfTheLog: a detector that never ran does not replay
// history; what is written after it starts is watched.
func TestRunStartsAtTheHeadOfTheLog(t *testing.T) {
	t.Parallel()
	f := newFixture(t, "sqlite")
	for i := range 45 {
		f.read(t, f.ents[i].ID, audit.OK, "", false) // history: a harvest long ago
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); f.det.Run(ctx, 20*time.Millisecond) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, err := f.st.MonitorPosition(context.Background(), "detector")
		must(t, err)
		if p > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the detector did not record its start position")
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	<-done
	as, err := f.svc.ListAlerts(context.Background(), operator, monitor.AlertFilter{})
	must(t, err)
	if len(as) != 0 {
		t.Fatalf("history replayed: %v", rules(as))
	}
	for i := range 25 {
		f.read(t, f.ents[30+(i*7)%25].ID, audit.OK, "", false)
	}
	if got := rules(f.step(t)); len(got) != 1 || got[0] != "unbacked_breadth/medium" {
		t.Fatalf("after the start: %v, want one breadth alert for the new reads", got)
	}
}

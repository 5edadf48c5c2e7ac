package modelreg_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/modelreg"
	"github.com/creditbridge/creditbridge/internal/scorecard"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/store/scratch"
)

var (
	admin    = access.Principal{UserID: 1, Username: "admin", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAdmin}
	analyst  = access.Principal{UserID: 2, Username: "analyst", OrgID: 1, OrgKind: account.KindOperator, Role: account.RoleOperatorAnalyst}
	auditor  = access.Principal{UserID: 3, Username: "auditor", OrgID: 2, OrgKind: account.KindAuditor, Role: account.RoleAuditor}
	officer  = access.Principal{UserID: 4, Username: "officer", OrgID: 3, OrgKind: account.KindInstitution, Role: account.RoleInstitutionOfficer}
	adminKey = access.Principal{OrgID: 1, OrgKind: account.KindOperator, APIKeyID: 9, APIKeyPrefix: "cbk_x"}
)

// artefact fits a small real scorecard: two informative variables and
// one noise variable over n rows.
func artefact(t *testing.T, seed uint64) []byte {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString("x1,x2,noise,bad\n")
	for range 600 {
		x1, x2 := r.NormFloat64(), r.NormFloat64()
		p := 1 / (1 + math.Exp(-(-2 + 1.2*x1 - 0.8*x2)))
		y := 0
		if r.Float64() < p {
			y = 1
		}
		fmt.Fprintf(&b, "%.4f,%.4f,%.4f,%d\n", x1, x2, r.NormFloat64(), y)
	}
	tb, err := scorecard.ParseCSV([]byte(b.String()))
	if err != nil {
		t.Fatal(err)
	}
	d, err := scorecard.NewDataset(tb, scorecard.Spec{Target: "bad", Bad: "1"})
	if err != nil {
		t.Fatal(err)
	}
	m, err := scorecard.Fit(d, scorecard.DefaultOptions(), nil)
	if err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func service(st store.Store) *modelreg.Service {
	return &modelreg.Service{Repo: st, InTx: func(ctx context.Context, fn func(modelreg.Repo) error) error {
		return st.InTx(ctx, func(s store.Store) error { return fn(s) })
	}}
}

func wantCode(t *testing.T, err error, kind fault.Kind, code string) {
	t.Helper()
	fe, ok := fault.As(err)
	if !ok || fe.Kind != kind || fe.Code != code {
		t.Fatalf("error = %v, want %v %q", err, kind, code)
	}
}

func TestRegistryPromotionRules(t *testing.T) {
	t.Parallel()
	for _, b := range scratch.Backends(t) {
		t.Run(b, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			st := scratch.Open(t, b)
			reg := service(st)
			art1, art2 := artefact(t, 1), artefact(t, 2)

			// Only an operator administrator (signed in) or the platform registers.
			for _, p := range []access.Principal{analyst, auditor, officer, adminKey} {
				_, err := reg.Register(ctx, p, modelreg.Registration{Artefact: art1})
				wantCode(t, err, fault.Forbidden, "model.admin_only")
			}
			_, err := reg.Register(ctx, admin, modelreg.Registration{Artefact: []byte(`{"schema":"creditbridge.scorecard/v1"}`)})
			wantCode(t, err, fault.Invalid, "model.bad_artefact")
			_, err = reg.Register(ctx, admin, modelreg.Registration{Name: "Bad Name", Artefact: art1})
			wantCode(t, err, fault.Invalid, "model.bad_name")

			v1, err := reg.Register(ctx, admin, modelreg.Registration{Artefact: art1, FeatureSet: "features/v1"})
			if err != nil {
				t.Fatal(err)
			}
			v2, err := reg.Register(ctx, access.System, modelreg.Registration{Artefact: art2})
			if err != nil {
				t.Fatal(err)
			}
			if v1.Name != modelreg.DefaultName || v1.Number != 1 || v2.Number != 2 || v1.Status != modelreg.StatusChallenger {
				t.Fatalf("registered %+v and %+v", v1, v2)
			}
			m, err := v1.Model()
			if err != nil || len(m.Variables) == 0 {
				t.Fatalf("stored artefact does not load: %v", err)
			}
			rep, err := v1.Report()
			if err != nil || rep.Kind != modelreg.ReportFile || rep.Training.AUC < 0.7 || v1.DataFingerprint != m.Training.SHA256 {
				t.Fatalf("file report %+v (err %v), fingerprint %q", rep, err, v1.DataFingerprint)
			}
			_, err = reg.Champion(ctx, "")
			wantCode(t, err, fault.NotFound, "model.no_champion")

			// Seeing the registry: operator staff and auditors, not institutions.
			if _, err := reg.List(ctx, auditor, modelreg.Filter{}); err != nil {
				t.Fatalf("auditor list: %v", err)
			}
			_, err = reg.Get(ctx, officer, v1.ID)
			wantCode(t, err, fault.Forbidden, "model.operator_only")

			// Promotion: operator administrators only, with a reason.
			_, err = reg.Promote(ctx, analyst, v1.ID, "looks good")
			wantCode(t, err, fault.Forbidden, "model.admin_only")
			_, err = reg.Promote(ctx, admin, v1.ID, "  ")
			wantCode(t, err, fault.Invalid, "model.reason_required")
			p1, err := reg.Promote(ctx, admin, v1.ID, "first validated model")
			if err != nil {
				t.Fatal(err)
			}
			if p1.Status != modelreg.StatusChampion || p1.PromotedBy != "admin" || p1.Reason != "first validated model" {
				t.Fatalf("promoted %+v", p1)
			}
			p2, err := reg.Promote(ctx, admin, v2.ID, "better out-of-time AUC")
			if err != nil {
				t.Fatal(err)
			}
			ch, err := reg.Champion(ctx, "")
			if err != nil || ch.ID != p2.ID {
				t.Fatalf("champion %+v (%v), want version %d", ch, err, p2.ID)
			}
			all, err := reg.List(ctx, admin, modelreg.Filter{Name: modelreg.DefaultName})
			if err != nil {
				t.Fatal(err)
			}
			champions := 0
			for _, v := range all {
				if v.Status == modelreg.StatusChampion {
					champions++
				}
				if v.ID == v1.ID && (v.Status != modelreg.StatusRetired || v.RetiredAt.IsZero()) {
					t.Fatalf("the replaced champion is %+v, want retired", v)
				}
			}
			if champions != 1 {
				t.Fatalf("%d champions, want exactly 1", champions)
			}
			// A retired version or the champion cannot be promoted again.
			_, err = reg.Promote(ctx, admin, v1.ID, "again")
			wantCode(t, err, fault.Conflict, "model.not_challenger")
			_, err = reg.Promote(ctx, admin, v2.ID, "again")
			wantCode(t, err, fault.Conflict, "model.not_challenger")

			// Evidence: each promotion, newest first, with who, why and what it replaced.
			es, err := st.ListAudit(ctx, audit.Filter{Action: "model.promote"})
			if err != nil {
				t.Fatal(err)
			}
			if len(es) != 2 {
				t.Fatalf("%d promotion entries, want 2", len(es))
			}
			var d struct {
				Reason         string `json:"reason"`
				ID             int64  `json:"id"`
				ReplacedID     int64  `json:"replaced_id"`
				ReplacedNumber int    `json:"replaced_number"`
			}
			if err := json.Unmarshal([]byte(es[0].Detail), &d); err != nil {
				t.Fatal(err)
			}
			if es[0].ActorName != "admin" || es[0].ActorUserID != admin.UserID || d.Reason != "better out-of-time AUC" || d.ID != v2.ID || d.ReplacedID != v1.ID || d.ReplacedNumber != 1 {
				t.Fatalf("promotion entry %+v detail %+v", es[0], d)
			}
			regs, err := st.ListAudit(ctx, audit.Filter{Action: "model.register"})
			if err != nil || len(regs) != 2 {
				t.Fatalf("%d register entries (%v), want 2", len(regs), err)
			}
		})
	}
}

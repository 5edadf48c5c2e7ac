package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/authz"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/seed"
	"github.com/creditbridge/creditbridge/internal/store"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// Account is a demo sign-in, printed for the person trying the platform.
type Account struct {
	Username string       `json:"username"`
	Password string       `json:"password"`
	Role     account.Role `json:"role"`
	Org      string       `json:"org"`
}

// Options control the demo data.
type Options struct {
	Enterprises int    // enterprises in the synthetic region (default 2000, the small scale)
	Province    string // two-digit province code (default "32", Jiangsu)
	Seed        uint64 // generator seed (default 2021)
	// Progress, when set, receives seeding progress.
	Progress io.Writer
	// FilesDir, when set, also receives the region's department files
	// and their manifest (as `creditbridge seed --files` writes them), so
	// that users can try submitting them.
	FilesDir string
	// Authz, when set, receives two demo authorizations of the demo
	// enterprise: an approved one to the bank and a pending one from the
	// guarantor.
	Authz *authz.Service
	// Model, when set, trains the demo's scorecard on the region's loan
	// outcomes and promotes it to champion (first start only).
	Model func(ctx context.Context) error
}

// AccountsFile holds the generated demo passwords in the data directory, so
// a second start can print them again.
const AccountsFile = "demo_accounts.json"

// Seed creates the demo organisations, accounts and enterprises on first
// start and returns the accounts; on later starts it returns the accounts
// saved in dataDir without changing anything.
func Seed(ctx context.Context, st store.Store, acc *account.Service, ent *enterprise.Service, dataDir string, opt Options) ([]Account, error) {
	path := filepath.Join(dataDir, AccountsFile)
	if b, err := os.ReadFile(path); err == nil {
		var out []Account
		if err := json.Unmarshal(b, &out); err != nil {
			return nil, fmt.Errorf("demo: %s: %w", path, err)
		}
		return out, nil
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("demo: %w", err)
	}
	if opt.Enterprises <= 0 {
		opt.Enterprises = 2000
	}
	if opt.Province == "" {
		opt.Province = "32"
	}
	if opt.Seed == 0 {
		opt.Seed = 2021
	}
	own, err := seedRegion(ctx, st, ent, opt)
	if err != nil {
		return nil, err
	}
	accounts, err := createAccounts(ctx, acc, own)
	if err != nil {
		return nil, err
	}
	if opt.Authz != nil {
		if err := seedAuthorizations(ctx, st, opt.Authz, own.Code, time.Now().UTC()); err != nil {
			return nil, err
		}
	}
	if opt.Model != nil {
		if err := opt.Model(ctx); err != nil {
			return nil, fmt.Errorf("demo: train the champion model: %w", err)
		}
	}
	b, err := json.MarshalIndent(accounts, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		return nil, fmt.Errorf("demo: save accounts: %w", err)
	}
	return accounts, nil
}

// Print writes the accounts as a table.
func Print(w io.Writer, url string, accounts []Account) {
	fmt.Fprintf(w, "\nCreditBridge demo is running at %s\n\n", url)
	fmt.Fprintf(w, "  %-14s %-22s %-20s %s\n", "username", "password", "role", "organisation")
	for _, a := range accounts {
		fmt.Fprintf(w, "  %-14s %-22s %-20s %s\n", a.Username, a.Password, a.Role, a.Org)
	}
	fmt.Fprintln(w)
}

func password() string { return rand.Text()[:16] }

type userSpec struct {
	name, display string
	role          account.Role
}

func createAccounts(ctx context.Context, acc *account.Service, own enterprise.View) ([]Account, error) {
	sys := account.SystemActor
	type orgSpec struct {
		org   account.Org
		users []userSpec
	}
	u := func(name, display string, role account.Role) userSpec { return userSpec{name, display, role} }
	specs := []orgSpec{
		{account.Org{Kind: account.KindOperator, Name: "江苏省公共信用信息中心（示范）", NameEN: "Jiangsu Public Credit Information Centre (demo)"},
			[]userSpec{u("admin", "平台管理员", account.RoleOperatorAdmin), u("analyst", "数据分析员", account.RoleOperatorAnalyst)}},
	}
	// One department of each kind that reports data (internal/synth's
	// department codes double as usernames, but usernames need 3 letters).
	for _, d := range []struct{ user, dept, zh, en, officer string }{
		{synth.DeptTax, synth.DeptTax, "国家税务总局江苏省税务局（示范）", "Jiangsu Tax Service (demo)", "税务专员"},
		{synth.DeptHRSS, synth.DeptHRSS, "江苏省人力资源和社会保障厅（示范）", "Jiangsu Human Resources and Social Security (demo)", "社保专员"},
		{"fund", synth.DeptHF, "江苏省住房公积金管理中心（示范）", "Jiangsu Housing Provident Fund Centre (demo)", "公积金专员"},
		{synth.DeptGrid, synth.DeptGrid, "国网江苏省电力有限公司（示范）", "State Grid Jiangsu Electric Power (demo)", "电力数据专员"},
		{synth.DeptWater, synth.DeptWater, "江苏示范水务有限公司", "Jiangsu Demo Water Co.", "水务数据专员"},
		{synth.DeptGas, synth.DeptGas, "江苏示范燃气有限公司", "Jiangsu Demo Gas Co.", "燃气数据专员"},
		{synth.DeptCourt, synth.DeptCourt, "江苏省高级人民法院（示范）", "Jiangsu High People's Court (demo)", "法院数据专员"},
		{synth.DeptSAMR, synth.DeptSAMR, "江苏省市场监督管理局（示范）", "Jiangsu Administration for Market Regulation (demo)", "市场监管专员"},
		{synth.DeptSci, synth.DeptSci, "江苏省科学技术厅（示范）", "Jiangsu Department of Science and Technology (demo)", "科技专员"},
	} {
		specs = append(specs, orgSpec{account.Org{Kind: account.KindDepartment, Name: d.zh, NameEN: d.en, Department: d.dept},
			[]userSpec{u(d.user, d.officer, account.RoleDepartmentOfficer)}})
	}
	specs = append(specs, []orgSpec{
		{account.Org{Kind: account.KindInstitution, Name: "示范农村商业银行", NameEN: "Demo Rural Commercial Bank", AccessTier: 3},
			[]userSpec{u("bank", "信贷经理", account.RoleInstitutionOfficer)}},
		{account.Org{Kind: account.KindInstitution, Name: "示范融资担保有限公司", NameEN: "Demo Financing Guarantee Co.", AccessTier: 2},
			[]userSpec{u("guarantor", "担保业务员", account.RoleInstitutionOfficer)}},
		{account.Org{Kind: account.KindEnterprise, Name: own.NameZH, NameEN: own.NameEN, EnterpriseID: own.ID},
			[]userSpec{u("enterprise", "企业管理员", account.RoleEnterpriseAdmin)}},
		{account.Org{Kind: account.KindAuditor, Name: "信用信息安全审计组（示范）", NameEN: "Credit Data Audit Team (demo)"},
			[]userSpec{u("auditor", "审计员", account.RoleAuditor)}},
	}...)
	var out []Account
	for _, sp := range specs {
		o, err := acc.CreateOrg(ctx, sys, sp.org)
		if err != nil {
			return nil, fmt.Errorf("demo: organisation %s: %w", sp.org.Name, err)
		}
		for _, us := range sp.users {
			pw := password()
			if _, err := acc.CreateUser(ctx, sys, account.NewUser{OrgID: o.ID, Username: us.name, DisplayName: us.display, Role: us.role, Password: pw}); err != nil {
				return nil, fmt.Errorf("demo: user %s: %w", us.name, err)
			}
			out = append(out, Account{Username: us.name, Password: pw, Role: us.role, Org: o.Name})
		}
	}
	return out, nil
}

// seedRegion loads the small synthetic region (internal/synth) and returns
// the registry record of its first enterprise, which gets the demo
// enterprise account.
func seedRegion(ctx context.Context, st store.Store, ent *enterprise.Service, opt Options) (enterprise.View, error) {
	g, err := synth.New(synth.Config{Enterprises: opt.Enterprises, Seed: opt.Seed, Province: opt.Province})
	if err != nil {
		return enterprise.View{}, fmt.Errorf("demo: %w", err)
	}
	if _, err := seed.Run(ctx, g, seed.Options{Store: st, Enterprises: ent, Progress: opt.Progress, FilesDir: opt.FilesDir}); err != nil {
		return enterprise.View{}, fmt.Errorf("demo: %w", err)
	}
	first := g.Enterprise(0).Profile
	return ent.Get(ctx, access.System, first.Code, access.PurposeOperation)
}

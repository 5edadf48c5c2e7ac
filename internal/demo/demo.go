package demo

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/region"
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
	Enterprises int    // how many enterprises to register (default 300)
	Province    string // two-digit province code (default "32", Jiangsu)
	Seed        uint64 // generator seed (default 2021)
}

// AccountsFile holds the generated demo passwords in the data directory, so
// a second start can print them again.
const AccountsFile = "demo_accounts.json"

// Seed creates the demo organisations, accounts and enterprises on first
// start and returns the accounts; on later starts it returns the accounts
// saved in dataDir without changing anything.
func Seed(ctx context.Context, acc *account.Service, ent *enterprise.Service, dataDir string, opt Options) ([]Account, error) {
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
		opt.Enterprises = 300
	}
	if opt.Province == "" {
		opt.Province = "32"
	}
	if opt.Seed == 0 {
		opt.Seed = 2021
	}
	rng := mrand.New(mrand.NewPCG(opt.Seed, opt.Seed^0x9e3779b97f4a7c15))
	views, err := registerEnterprises(ctx, ent, rng, opt)
	if err != nil {
		return nil, err
	}
	if len(views) == 0 {
		return nil, errors.New("demo: no enterprise registered")
	}
	accounts, err := createAccounts(ctx, acc, views[0])
	if err != nil {
		return nil, err
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
		{account.Org{Kind: account.KindDepartment, Name: "国家税务总局江苏省税务局（示范）", NameEN: "Jiangsu Tax Service (demo)"},
			[]userSpec{u("tax", "税务专员", account.RoleDepartmentOfficer)}},
		{account.Org{Kind: account.KindInstitution, Name: "示范农村商业银行", NameEN: "Demo Rural Commercial Bank", AccessTier: 3},
			[]userSpec{u("bank", "信贷经理", account.RoleInstitutionOfficer)}},
		{account.Org{Kind: account.KindInstitution, Name: "示范融资担保有限公司", NameEN: "Demo Financing Guarantee Co.", AccessTier: 2},
			[]userSpec{u("guarantor", "担保业务员", account.RoleInstitutionOfficer)}},
		{account.Org{Kind: account.KindEnterprise, Name: own.NameZH, NameEN: own.NameEN, EnterpriseID: own.ID},
			[]userSpec{u("enterprise", "企业管理员", account.RoleEnterpriseAdmin)}},
		{account.Org{Kind: account.KindAuditor, Name: "信用信息安全审计组（示范）", NameEN: "Credit Data Audit Team (demo)"},
			[]userSpec{u("auditor", "审计员", account.RoleAuditor)}},
	}
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

var (
	brands = []string{"恒信", "华泰", "鑫源", "瑞丰", "金桥", "宏达", "德润", "永盛", "博远", "汇通", "天成", "嘉禾", "新锐", "长江", "太湖",
		"东方", "正泰", "海帆", "启明", "中科", "润泽", "锦华", "宝利", "协和", "诚达", "精工", "远航", "蓝海", "星辰", "绿源"}
	brandsEN = []string{"Hengxin", "Huatai", "Xinyuan", "Ruifeng", "Jinqiao", "Hongda", "Derun", "Yongsheng", "Boyuan", "Huitong", "Tiancheng",
		"Jiahe", "Xinrui", "Changjiang", "Taihu", "Dongfang", "Zhengtai", "Haifan", "Qiming", "Zhongke", "Runze", "Jinhua", "Baoli",
		"Xiehe", "Chengda", "Jinggong", "Yuanhang", "Lanhai", "Xingchen", "Lvyuan"}
	// trades pairs a business line with its GB/T 4754 section.
	trades = []struct{ zh, en, section string }{
		{"精密机械", "Precision Machinery", "C"}, {"电子科技", "Electronic Technology", "C"}, {"纺织", "Textile", "C"},
		{"新材料", "New Materials", "C"}, {"食品", "Food", "C"}, {"建筑工程", "Construction Engineering", "E"},
		{"商贸", "Trading", "F"}, {"物流", "Logistics", "G"}, {"餐饮管理", "Catering Management", "H"},
		{"信息技术", "Information Technology", "I"}, {"软件", "Software", "I"}, {"物业管理", "Property Management", "K"},
		{"企业管理咨询", "Business Consulting", "L"}, {"环保科技", "Environmental Technology", "M"}, {"农业发展", "Agricultural Development", "A"},
	}
	surnames   = []string{"王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱", "高", "林", "何", "郭", "马", "罗"}
	givennames = []string{"伟", "芳", "娜", "敏", "静", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀英", "建华", "志强", "海燕"}
)

func counties(province string) []region.Division {
	var out []region.Division
	for _, city := range region.Children(province + "0000") {
		kids := region.Children(city.Code)
		if len(kids) == 0 {
			out = append(out, city)
		}
		out = append(out, kids...)
	}
	return out
}

func registerEnterprises(ctx context.Context, ent *enterprise.Service, rng *mrand.Rand, opt Options) ([]enterprise.View, error) {
	places := counties(opt.Province)
	if len(places) == 0 {
		return nil, fmt.Errorf("demo: province %s has no divisions in the table", opt.Province)
	}
	sizes := []industry.Size{industry.Micro, industry.Micro, industry.Micro, industry.Small, industry.Small, industry.Medium}
	now := time.Now().UTC()
	var out []enterprise.View
	for i := 0; len(out) < opt.Enterprises && i < opt.Enterprises*3; i++ {
		place := places[rng.IntN(len(places))]
		city, _ := region.Lookup(place.Code[:4] + "00")
		b := rng.IntN(len(brands))
		t := trades[rng.IntN(len(trades))]
		cityZH := strings.TrimSuffix(city.NameZH, "市")
		nameZH := cityZH + brands[b] + t.zh + "有限公司"
		nameEN := city.NameEN + " " + brandsEN[b] + " " + t.en + " Co., Ltd."
		body := fmt.Sprintf("%08d", rng.IntN(100000000))
		first17 := "91" + place.Code + body + string(creditcode.OrgCodeCheck(body))
		code, err := creditcode.Complete(first17)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		founded := now.AddDate(-1-rng.IntN(30), -rng.IntN(12), -rng.IntN(28))
		birth := founded.AddDate(-25-rng.IntN(25), -rng.IntN(12), -rng.IntN(28))
		idBody := place.Code + birth.Format("20060102") + fmt.Sprintf("%03d", rng.IntN(1000))
		id, err := personid.Complete(idBody)
		if err != nil {
			return nil, fmt.Errorf("demo: %w", err)
		}
		capital := int64(10+rng.IntN(990)) * 10000 * 100 // 10-999 万元 in fen
		status := enterprise.StatusOperating
		if rng.IntN(25) == 0 {
			status = enterprise.StatusDeregistered
		}
		in := enterprise.Input{
			Code: string(code), NameZH: nameZH, NameEN: nameEN, Industry: t.section, Size: string(sizes[rng.IntN(len(sizes))]),
			Status: string(status), RegisteredCapital: capital, FoundedOn: founded.Format(time.DateOnly),
			Address:  fmt.Sprintf("%s%s%d号", city.NameZH, place.NameZH, 1+rng.IntN(999)),
			LegalRep: enterprise.LegalRep{Name: surnames[rng.IntN(len(surnames))] + givennames[rng.IntN(len(givennames))], IDNumber: id},
		}
		v, err := ent.Register(ctx, access.System, in)
		if fault.Is(err, fault.Conflict) {
			continue // the same name/code drawn twice: draw again
		}
		if err != nil {
			return nil, fmt.Errorf("demo: register %s: %w", nameZH, err)
		}
		out = append(out, v)
	}
	return out, nil
}

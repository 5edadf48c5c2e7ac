package deptfiles

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/synth"
)

// handBundles builds n enterprises with months of measures ending in
// 2026-10 and a few of every event, attribute and loan, deterministically.
// It exercises what the generator may send: corrections, Detail keys with
// and without columns, text that needs quoting or escaping, an item no
// spec knows.
func handBundles(n, months int, seed uint64) []synth.Bundle {
	r := rand.New(rand.NewPCG(seed, 42))
	divisions := []string{"320102", "320505", "321002", "320211"}
	lenders := []string{"中国工商银行南京分行", "江苏银行苏州分行", "农村商业银行/无锡"}
	end := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC)
	day := func(t time.Time, d int) time.Time { return t.AddDate(0, 0, d) }
	out := make([]synth.Bundle, 0, n)
	for i := range n {
		div := divisions[i%len(divisions)]
		body := fmt.Sprintf("%08d", 10000000+i*7919%89999999)
		org := body + string(creditcode.OrgCodeCheck(body))
		code, err := creditcode.Complete("91" + div + org)
		if err != nil {
			panic(err)
		}
		idn, err := personid.Complete(fmt.Sprintf("%s19%02d0%d1%d%03d", div, 60+i%40, 1+i%9, i%3, i%1000))
		if err != nil {
			panic(err)
		}
		status := []string{"operating", "operating", "operating", "deregistered", "revoked", "suspended"}[i%6]
		p := synth.Profile{
			Index: i, Code: string(code),
			NameZH:   fmt.Sprintf("江苏测试%04d科技有限公司", i),
			NameEN:   fmt.Sprintf("Jiangsu Test %04d Technology Co., Ltd.", i),
			Division: div,
			Industry: "C", IndustryDivision: "39", Size: "small", Status: status,
			FoundedOn:            time.Date(2005+i%15, time.Month(1+i%12), 1+i%28, 0, 0, 0, 0, time.UTC),
			RegisteredCapitalFen: int64(1+r.IntN(5000)) * 1000000 / int64(1+i%3),
			Address:              fmt.Sprintf("江苏省南京市玄武区中山路%d号, \"B\"座", i),
			LegalRepName:         "张三" + string(rune('甲'+i%10)),
			LegalRepID:           idn,
			LegalRepPhone:        fmt.Sprintf("139%08d", i),
			Shareholders: []synth.Shareholder{
				{Name: "张三", Natural: true, IDNumber: idn, ShareBP: 6000, CapitalFen: 3000000},
				{Name: "南京某某投资有限公司", IDNumber: "91320102MA1X00000X", ShareBP: 4000, CapitalFen: 2000001},
			},
		}
		b := synth.Bundle{Profile: p}
		add := func(f facts.Fact) {
			f.ReceivedAt = day(f.Period, 40)
			if f.Version == 0 {
				f.Version = 1
			}
			b.Facts = append(b.Facts, f)
		}
		measure := func(src, item string, m time.Time, v int64) {
			add(facts.Fact{Item: item, Shape: facts.Measure, Period: m, Num: v, Source: src})
		}
		for k := months - 1; k >= 0; k-- {
			m := end.AddDate(0, -k, 0)
			if status == "deregistered" && k < 2 {
				continue // stopped reporting
			}
			sales := r.Int64N(50_000_000_00)
			measure("tax", "tax.vat_sales", m, sales)
			measure("tax", "tax.vat_paid", m, sales/100)
			measure("tax", "tax.paid_total", m, sales/80)
			if m.Month()%3 == 1 {
				measure("tax", "tax.cit_paid", m, r.Int64N(1_000_000_00))
			}
			if r.IntN(10) == 0 {
				measure("tax", "tax.arrears", m, r.Int64N(100_000_00))
			}
			hc := int64(3 + r.IntN(200))
			measure("hrss", "si.insured_headcount", m, hc)
			measure("hrss", "si.contributions", m, hc*1234_56)
			measure("hrss", "si.arrears", m, 0)
			measure("hf", "hf.headcount", m, hc-1)
			measure("hf", "hf.contributions", m, hc*800_00)
			measure("grid", "util.electricity_kwh", m, r.Int64N(500000))
			measure("grid", "util.electricity_bill", m, r.Int64N(40000000))
			if r.IntN(8) == 0 {
				measure("grid", "util.arrears", m, 1+r.Int64N(1000000))
				measure("water", "util.arrears", m, 1+r.Int64N(10000))
			}
			measure("water", "util.water_m3", m, r.Int64N(3000))
			if i%2 == 0 {
				measure("gas", "util.gas_m3", m, r.Int64N(9000))
				measure("gas", "util.arrears", m, 0)
			}
		}
		// A correction of the last month's VAT sales.
		if i%5 == 0 {
			add(facts.Fact{Item: "tax.vat_sales", Shape: facts.Measure, Period: end, Num: 123456, Source: "tax", Version: 2})
		}
		y := time.Date(2025, time.Month(1+i%21), 1+i%27, 0, 0, 0, 0, time.UTC) // 2025-01 .. 2026-09
		add(facts.Fact{Item: "tax.credit_grade", Shape: facts.Attribute, Period: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC),
			Text: []string{"A", "B", "M", "C", "D"}[i%5], Num: int64(40 + i%60), Source: "tax"})
		add(facts.Fact{Item: "penalty.administrative", Shape: facts.Event, Period: y, EndsOn: y.AddDate(3, 0, 0),
			Num: int64(r.IntN(100)) * 123456, Text: "虚假宣传", Ref: fmt.Sprintf("宁市监处罚〔%d〕%d号", y.Year(), i),
			Detail: `{"authority":"南京市市场监督管理局","content":"罚款 <5000> & 警告","basis":"《广告法》第五十五条","amount_level":2}`,
			Source: "samr"})
		add(facts.Fact{Item: "list.abnormal_operation", Shape: facts.Event, Period: day(y, 3),
			Text: "通过登记的住所或者经营场所无法联系", Ref: fmt.Sprintf("宁市监异〔%d〕%d号", y.Year(), i),
			Detail: `{"authority":"南京市玄武区市场监督管理局","removal_reason":"","cause":"另一原因","synthetic":false}`, Source: "samr"})
		add(facts.Fact{Item: "registration.change", Shape: facts.Event, Period: day(y, 5), Text: "法定代表人变更",
			Detail: `{"before":"李四","after":"张三","authority":"南京市市场监督管理局"}`, Source: "samr"})
		add(facts.Fact{Item: "registration.change", Shape: facts.Event, Period: day(y, 6), Text: "registered_capital", Num: 2_000_000_00,
			Detail: `{"field":"registered_capital","old":100000000,"new":200000000,"unit":"fen","synthetic":true}`, Source: "samr"})
		add(facts.Fact{Item: "registration.change", Shape: facts.Event, Period: day(y, 6), Text: "address", Ref: "R\n1",
			Detail: `{"field":"address","old":"甲\n乙","new":"丙","authority":"南京市市场监督管理局","synthetic":true}`, Source: "samr"})
		add(facts.Fact{Item: "licence.permit", Shape: facts.Event, Period: day(y, 7), EndsOn: day(y, 7+365*5),
			Text: "食品经营许可证", Ref: fmt.Sprintf("JY1%013d", i), Detail: `{"authority":"南京市市场监督管理局","content":"预包装食品销售"}`,
			Source: "samr"})
		add(facts.Fact{Item: "judicial.enforcement", Shape: facts.Event, Period: day(y, 9), EndsOn: day(y, 100),
			Num: r.Int64N(10_000_000_00), Text: "买卖合同纠纷", Ref: fmt.Sprintf("（%d）苏0102执%d号", y.Year(), 100+i),
			Detail: `{"court":"南京市玄武区人民法院","role":"被执行人","amount_fen":1,"synthetic":true}`, Source: "court"})
		add(facts.Fact{Item: "judicial.judgment", Shape: facts.Event, Period: day(y, 11),
			Num: r.Int64N(1_000_000_00), Text: "借款合同纠纷\n（二审）", Ref: fmt.Sprintf("（%d）苏01民终%d号", y.Year(), 200+i),
			Detail: `{"court":"南京市中级人民法院"}`, Source: "court"})
		if i%3 == 0 {
			add(facts.Fact{Item: "judicial.dishonest", Shape: facts.Event, Period: day(y, 13),
				Ref: fmt.Sprintf("（%d）苏0102执%d号", y.Year(), 300+i), Detail: `{"court":"南京市玄武区人民法院"}`, Source: "court"})
		}
		add(facts.Fact{Item: "honour.high_tech", Shape: facts.Event, Period: day(y, 15), EndsOn: day(y, 15).AddDate(3, 0, 0),
			Text: "高新技术企业", Ref: fmt.Sprintf("GR%d320%05d", y.Year(), i), Detail: `{"authority":"江苏省科学技术厅"}`, Source: "sci"})
		add(facts.Fact{Item: "honour.specialized", Shape: facts.Event, Period: day(y, 17), Source: "sci"})
		if status == "deregistered" {
			add(facts.Fact{Item: "registration.deregistered", Shape: facts.Event, Period: end.AddDate(0, -1, 10),
				Text: "决议解散", Detail: `{"authority":"南京市市场监督管理局"}`, Source: "samr"})
		}
		// An item no spec knows, and a known item from an unexpected
		// department: both go to the generic file.
		add(facts.Fact{Item: "customs.credit_grade", Shape: facts.Attribute, Period: y, Text: "高级认证企业", Num: 1, Source: "customs"})
		add(facts.Fact{Item: "penalty.administrative", Shape: facts.Event, Period: day(y, 19), Num: 5000_00,
			Ref: fmt.Sprintf("苏税罚〔%d〕%d号", y.Year(), i), Detail: `{"authority":"国家税务总局南京市税务局"}`, Source: "tax"})
		for k := range 1 + i%2 {
			start := time.Date(2024+k, time.Month(1+(i+k)%12), 1+i%28, 0, 0, 0, 0, time.UTC)
			l := facts.Loan{
				Lender: lenders[(i+k)%len(lenders)], ContractNo: fmt.Sprintf("HT%06d-%d", i, k),
				AmountFen: int64(1+r.IntN(300)) * 1_000_000, RateBP: 300 + r.IntN(400), TermMonths: 12 * (1 + k),
				Guarantee: []string{"credit", "guarantee", "mortgage", "pledge"}[(i+k)%4],
				StartOn:   start, MaturityOn: start.AddDate(1+k, 0, 0), Source: "fin",
				Status: []facts.LoanStatus{facts.LoanCurrent, facts.LoanRepaid, facts.LoanOverdue, facts.LoanDefaulted}[(i+k)%4],
			}
			switch l.Status {
			case facts.LoanRepaid:
				l.RepaidOn = l.MaturityOn
			case facts.LoanOverdue:
				l.MaxDaysOverdue = 15
			case facts.LoanDefaulted:
				l.MaxDaysOverdue, l.DefaultedOn = 95, start.AddDate(0, 7, 0)
			}
			b.Loans = append(b.Loans, l)
		}
		out = append(out, b)
	}
	return out
}

package synth

import (
	"math"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/personid"
)

// date returns day (0-based) of window month t; t may lie outside the
// window.
func (g *Generator) date(t, day int) time.Time {
	if t >= 0 && t <= g.cfg.Months {
		return g.month[t].AddDate(0, 0, day)
	}
	return g.month[0].AddDate(0, t, day)
}

// detail builds an event's Detail: a small JSON object whose last member
// is always "synthetic": true.
type detail struct{ b []byte }

func newDetail() *detail { return &detail{b: append(make([]byte, 0, 192), '{')} }

func (d *detail) key(k string) {
	if len(d.b) > 1 {
		d.b = append(d.b, ',')
	}
	d.b = append(d.b, '"')
	d.b = append(d.b, k...)
	d.b = append(d.b, '"', ':')
}

func (d *detail) str(k, v string) *detail {
	d.key(k)
	d.b = appendJSONString(d.b, v)
	return d
}

func (d *detail) num(k string, v int64) *detail {
	d.key(k)
	d.b = strconv.AppendInt(d.b, v, 10)
	return d
}

func (d *detail) String() string {
	d.key("synthetic")
	return string(append(d.b, "true}"...))
}

func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c < 0x20:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
		default:
			b = append(b, c)
		}
	}
	return append(b, '"')
}

// docNo builds decision numbers such as 苏吴中市监罚〔2024〕1234号.
func docNo(prefix, tag string, year int, n int) string {
	b := make([]byte, 0, 48)
	b = append(b, prefix...)
	b = append(b, tag...)
	b = append(b, "〔"...)
	b = strconv.AppendInt(b, int64(year), 10)
	b = append(b, "〕"...)
	b = strconv.AppendInt(b, int64(n), 10)
	return string(append(b, "号"...))
}

// caseNo builds court case numbers such as （2024）苏0506民初1234号.
func caseNo(year int, court, kind string, n int) string {
	b := make([]byte, 0, 48)
	b = append(b, "（"...)
	b = strconv.AppendInt(b, int64(year), 10)
	b = append(b, "）"...)
	b = append(b, court...)
	b = append(b, kind...)
	b = strconv.AppendInt(b, int64(n), 10)
	return string(append(b, "号"...))
}

// emit appends an event received lag days (plus some hours) after its
// date, if it happened inside the window and was received by AsOf, and
// returns when it was received. A later version passes the previous
// version's receipt as after: it is received later still, and not at all
// if the previous version was not.
func (f *firm) emit(r *rng, fa facts.Fact, lagDays int, after time.Time) time.Time {
	g := f.g
	fa.Shape = facts.Event
	fa.ReceivedAt = fa.Period.Add(time.Duration(lagDays*24+r.intn(20)) * time.Hour)
	if !after.IsZero() && !fa.ReceivedAt.After(after) {
		fa.ReceivedAt = after.Add(time.Duration(24+r.intn(72)) * time.Hour)
	}
	if fa.Version == 0 {
		fa.Version = 1
	}
	if fa.Period.Before(g.month[g.cfg.Months]) && !fa.ReceivedAt.After(g.asOf) {
		f.events = append(f.events, fa)
	}
	return fa.ReceivedAt
}

// credentials draws the firm's licences and honours, which exist before
// and independent of its monthly data: a permit its trade requires
// (renewed every five years), high-tech enterprise certification and
// 专精特新 recognition (three years each, renewed while the firm is sound).
func (f *firm) credentials(code string) {
	g := f.g
	M := g.cfg.Months
	r := newRNG(g.seedKey, f.i, stEvents^0x55)
	if f.dormant {
		return
	}
	windowStart, windowEnd := g.month[0], g.month[M]
	if f.div.permit != permitNone && !f.individual && r.bern(f.div.permP) {
		pn := permitNames[f.div.permit]
		issue := f.founded.AddDate(0, r.between(1, 3), r.intn(28))
		for issue.Before(windowEnd) {
			ends := issue.AddDate(5, 0, -1)
			ti := g.monthIndex(issue)
			if ti > f.last {
				break
			}
			if !ends.Before(windowStart) {
				authority := f.place.authority + pn.authority
				if f.div.permit == permitTelecom {
					authority = g.provZH + pn.authority
				}
				f.emit(&r, facts.Fact{Item: ItemLicencePermit, Source: DeptSAMR, Period: issue, EndsOn: ends,
					Text: pn.zh, Ref: f.permitNo(&r, code, issue.Year()),
					Detail: newDetail().str("type", pn.zh).str("authority", authority).String()}, r.between(3, 20), time.Time{})
			}
			issue = ends.AddDate(0, 0, 1-r.intn(20))
		}
	}
	// High-tech enterprise (高新技术企业) certificates, issued in the last
	// weeks of a year for three years.
	if f.sec.hightec > 0 && !f.individual {
		p := f.sec.hightec * [3]float64{0.006, 0.05, 0.10}[f.size]
		validTo := -1 << 30
		for y := int(g.year[0]) - 3; y <= int(g.year[M-1]); y++ {
			t := g.monthIndex(time.Date(y, 12, 1, 0, 0, 0, 0, time.UTC))
			if t > f.last || f.founded.Year() >= y || t < validTo-1 {
				continue
			}
			q := p
			if validTo > -1<<30 {
				q = 0.6 // renewal
			}
			if f.healthAt(t) < 0 {
				q *= 0.3
			}
			if !r.bern(q) {
				continue
			}
			f.highTech = true
			issue := g.date(t-1, r.between(0, 50))
			validTo = t + 35
			n := r.between(1, 9999)
			ref := "GR" + strconv.Itoa(y) + g.cfg.Province + strconv.Itoa(100000 + n)[1:]
			f.emit(&r, facts.Fact{Item: ItemHonourHighTech, Source: DeptSci, Period: issue, EndsOn: issue.AddDate(3, 0, -1),
				Text: "高新技术企业", Ref: ref,
				Detail: newDetail().str("name", "高新技术企业证书").str("authority", g.provZH+"高新技术企业认定管理机构").String()}, r.between(10, 40), time.Time{})
		}
	}
	// 专精特新 (specialised, refined, distinctive, innovative) SMEs.
	w := 0.0
	switch f.sec.code {
	case "C":
		w = 1
	case "I":
		w = 0.5
	case "M":
		w = 0.3
	}
	if w > 0 && f.size != micro {
		p := w * [3]float64{0, 0.03, 0.06}[f.size]
		validTo := -1 << 30
		for y := int(g.year[0]) - 3; y <= int(g.year[M-1]); y++ {
			t := g.monthIndex(time.Date(y, 8, 1, 0, 0, 0, 0, time.UTC))
			if t > f.last || f.founded.Year() >= y-1 || t < validTo {
				continue
			}
			q := p
			if validTo > -1<<30 {
				q = 0.7
			}
			if f.healthAt(t) < -0.3 || !r.bern(q) {
				continue
			}
			issue := g.date(t, r.intn(60))
			validTo = t + 36
			f.emit(&r, facts.Fact{Item: ItemHonourSpecialized, Source: DeptSci, Period: issue, EndsOn: issue.AddDate(3, 0, -1),
				Text: "专精特新中小企业", Ref: docNo(g.provAbbr, "工信中小", y, r.between(10, 300)),
				Detail: newDetail().str("level", "provincial").str("authority", g.provZH+"工业和信息化厅").String()}, r.between(10, 40), time.Time{})
		}
	}
}

func (f *firm) permitNo(r *rng, code string, year int) string {
	g := f.g
	digits := func(n int) string {
		b := make([]byte, n)
		for k := range b {
			b[k] = byte('0' + r.intn(10))
		}
		return string(b)
	}
	switch f.div.permit {
	case permitFoodService:
		return "JY2" + f.place.code + digits(7)
	case permitFoodProduction:
		return "SC1" + f.div.code + "0" + f.place.code + digits(4)
	case permitConstruction:
		return "D3" + g.cfg.Province + digits(6)
	case permitRoadTransport:
		return g.provAbbr + "交运管许可" + g.cities[f.place.city].zh + "字" + f.place.code + digits(6) + "号"
	case permitPollutant:
		return code + "001V"
	case permitTelecom:
		return g.provAbbr + "B2-" + strconv.Itoa(year) + digits(4)
	case permitMedical:
		return "PDY" + digits(6) + f.place.code + "D2112"
	case permitHazChem:
		return docNo(g.provAbbr, "危化经字", year, r.between(100, 9999))
	}
	return digits(10)
}

// happenings draws the firm's events month by month: penalties, lawsuits
// and what follows them (enforcement, dishonest-debtor listing),
// abnormal-operation listings, registration changes, exit; and the
// lender's lawsuit after a loan default.
func (f *firm) happenings(p *Profile, out []outcome) {
	g := f.g
	M := g.cfg.Months
	r := newRNG(g.seedKey, f.i, stEvents)
	pl := f.place
	sizeMul := [3]float64{1, 1.8, 2.6}[f.size]
	for t := max(f.fm, 0); t <= f.last && t < M; t++ {
		h := f.health[t]
		// Stress: how low the firm is, and how far below its own normal.
		stress := -h + 0.7*math.Max(0, f.h0-h)
		year := int(g.year[t])
		// Administrative penalty.
		pp := 0.0022 * f.sec.penalty * sizeMul * math.Exp(0.5*stress)
		if f.dormant {
			pp *= 0.3
		}
		if r.bern(pp) {
			f.penalty(&r, t)
		}
		// Civil lawsuit as defendant.
		if !f.dormant && r.bern(0.0014*sizeMul*math.Exp(0.9*stress)) {
			cause := f.div.causes[r.intn(len(f.div.causes))]
			amount := clamp(math.Max(f.revenue*0.02, 20e3)*r.lnorm(1), 2e3, 5e7)
			f.lawsuit(&r, t, cause, amount, "", -1)
		}
		// Annual report due by 30 June; missing it lists the firm in July.
		if cal := g.cal[t]; cal == 6 && f.founded.Year() < year {
			p := sigmoid(-3.4 - 1.1*h)
			if f.dormant {
				p = 0.25
			}
			if r.bern(p) {
				f.abnormal(&r, t, "未依照《企业信息公示暂行条例》第八条规定的期限公示年度报告", "补报未报年份的年度报告并公示")
			}
		}
		// Registration changes.
		if !f.individual && r.bern(0.0035*math.Exp(-0.6*h)) {
			name, id := g.person(&r, pl.code)
			old := p.LegalRepName
			p.LegalRepName, p.LegalRepID, p.LegalRepPhone = name, id, phone(&r)
			f.change(&r, t, "legal_representative", newDetail().str("field", "legal_representative").
				str("old", personid.MaskName(old)).str("new", personid.MaskName(name)), 0)
		}
		if r.bern(0.003 * (1 + 0.5*math.Abs(h))) {
			addr := g.address(&r, pl, f.sec.code)
			old := p.Address
			p.Address = addr
			f.change(&r, t, "address", newDetail().str("field", "address").str("old", old).str("new", addr), 0)
		}
		if !f.individual && r.bern(0.002*(1+math.Abs(h))) {
			old := p.RegisteredCapitalFen
			nw := old * 2
			if h < -0.5 {
				nw = old / 2
			}
			p.RegisteredCapitalFen = nw
			for k := range p.Shareholders {
				p.Shareholders[k].CapitalFen = nw * int64(p.Shareholders[k].ShareBP) / 10000
			}
			f.change(&r, t, "registered_capital", newDetail().str("field", "registered_capital").num("old", old).num("new", nw).str("unit", "fen"), nw)
		}
	}
	// Lenders sue after a default (金融借款合同纠纷).
	for k, o := range out {
		if !o.kept || o.defaultAt < 0 {
			continue
		}
		lp := f.plans[k]
		name := f.lenderName(lp)
		t := o.defaultAt + r.between(2, 5)
		f.lawsuit(&r, t, "金融借款合同纠纷", float64(lp.amountFen)/100*r.uniform(0.4, 1), name, 0.7)
	}
	f.exit(&r, p)
}

func (f *firm) penalty(r *rng, t int) {
	g := f.g
	pl := f.place
	var w [16]float64 // ≥ len(penaltyKinds)
	sum := 0.0
	for k, pk := range penaltyKinds {
		if pk.sections == "" || containsByte(pk.sections, f.sec.code[0]) {
			sum += pk.weight
		}
		w[k] = sum
	}
	x := r.float() * sum
	k := 0
	for k < len(penaltyKinds)-1 && w[k] <= x {
		k++
	}
	pk := penaltyKinds[k]
	amount := math.Round(math.Exp(r.uniform(math.Log(pk.lo), math.Log(pk.hi)))/100) * 100
	authority := pl.authority + pk.authority
	switch pk.authority {
	case "税务局":
		authority = "国家税务总局" + pl.authority + "税务局"
	case "生态环境局":
		authority = g.cities[pl.city].full + "生态环境局"
	}
	date := g.date(t, r.intn(28))
	months := 12
	switch {
	case amount < 10000:
		months = 3
	case amount >= 1e6:
		months = 36
	}
	if pk.tax {
		f.taxPenalty = append(f.taxPenalty, t)
	}
	f.emit(r, facts.Fact{Item: ItemPenalty, Source: DeptSAMR, Period: date, EndsOn: date.AddDate(0, months, 0),
		Num: fen(amount), Text: pk.cause, Ref: docNo(g.provAbbr+pl.short, pk.docTag, date.Year(), r.between(1, 2999)),
		Detail: newDetail().str("authority", authority).str("cause", pk.cause).str("basis", pk.basis).
			num("amount_fen", fen(amount)).num("publicity_months", int64(months)).String()}, r.between(5, 30), time.Time{})
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

// lawsuit records a civil judgment against the firm in month t and what
// may follow: an enforcement case when the firm does not pay, a
// dishonest-debtor listing when it still does not, and the closing of
// both when it pays. pEnforce < 0 means: depends on health.
func (f *firm) lawsuit(r *rng, t int, cause string, amount float64, plaintiff string, pEnforce float64) {
	g := f.g
	M := g.cfg.Months
	if t >= M {
		return
	}
	pl := f.place
	date := g.date(t, r.intn(28))
	amt := fen(math.Round(amount))
	d := newDetail().str("court", pl.courtName).str("role", "defendant").str("cause", cause)
	if plaintiff != "" {
		d.str("plaintiff", plaintiff)
	}
	d.num("amount_fen", amt).str("procedure", "first_instance").str("result", "判决被告支付")
	f.emit(r, facts.Fact{Item: ItemJudgment, Source: DeptCourt, Period: date, Num: amt, Text: cause,
		Ref: caseNo(date.Year(), pl.court, "民初", r.between(100, 19999)), Detail: d.String()}, r.between(3, 30), time.Time{})

	if pEnforce < 0 {
		pEnforce = sigmoid(-0.6 - 1.8*f.healthAt(t+2))
	}
	te := t + r.between(2, 5)
	if te >= M || !r.bern(pEnforce) {
		return
	}
	edate := g.date(te, r.intn(28))
	eref := caseNo(edate.Year(), pl.court, "执", r.between(100, 29999))
	applicant := "enterprise"
	if plaintiff != "" {
		applicant = "bank"
	}
	ed := func() *detail {
		return newDetail().str("court", pl.courtName).str("applicant_type", applicant).num("amount_fen", amt)
	}
	erecv := f.emit(r, facts.Fact{Item: ItemEnforcement, Source: DeptCourt, Period: edate, Num: amt, Ref: eref,
		Detail: ed().String()}, r.between(2, 15), time.Time{})
	// Closing: the firm pays when it is sound; a firm that left the market
	// rarely does.
	closed := -1
	for u := te + 1; u < M; u++ {
		p := sigmoid(-2.2 + 1.5*f.health[u])
		if u > f.last {
			p = 0.01
		}
		if r.bern(p) {
			closed = u
			break
		}
	}
	if closed >= 0 {
		cdate := g.date(closed, r.intn(28))
		f.emit(r, facts.Fact{Item: ItemEnforcement, Source: DeptCourt, Period: edate, EndsOn: cdate, Num: amt, Ref: eref,
			Detail: ed().str("closed", "执行完毕").String(), Version: 2}, int(cdate.Sub(edate).Hours()/24)+r.between(2, 15), erecv)
	}
	// Dishonest-debtor listing (失信被执行人) when the firm still has not paid.
	td := te + r.between(2, 4)
	if td >= M || closed >= 0 && closed <= td || !r.bern(sigmoid(-1.5-1.5*f.healthAt(td))) {
		return
	}
	f.dishonestAt = append(f.dishonestAt, td)
	ddate := g.date(td, r.intn(28))
	dd := func() *detail {
		return newDetail().str("court", pl.courtName).str("basis", "有履行能力而拒不履行生效法律文书确定义务").
			str("enforcement_case", eref).num("amount_fen", amt)
	}
	drecv := f.emit(r, facts.Fact{Item: ItemDishonest, Source: DeptCourt, Period: ddate, Num: amt, Ref: eref,
		Detail: dd().String()}, r.between(2, 10), time.Time{})
	if closed >= 0 {
		rdate := g.date(closed, r.intn(28))
		f.emit(r, facts.Fact{Item: ItemDishonest, Source: DeptCourt, Period: ddate, EndsOn: rdate, Num: amt, Ref: eref,
			Detail: dd().str("removal", "已履行生效法律文书确定的义务").String(), Version: 2}, int(rdate.Sub(ddate).Hours()/24)+r.between(2, 10), drecv)
	}
}

// abnormal lists the firm in the abnormal-operation list in month t; it is
// removed (a second version with EndsOn) when it puts the cause right.
func (f *firm) abnormal(r *rng, t int, cause, removal string) {
	g := f.g
	M := g.cfg.Months
	pl := f.place
	date := g.date(t, r.intn(15))
	ref := docNo(g.provAbbr+pl.short, "市监异列", date.Year(), r.between(1, 9999))
	recv := f.emit(r, facts.Fact{Item: ItemAbnormal, Source: DeptSAMR, Period: date, Text: cause, Ref: ref,
		Detail: newDetail().str("authority", pl.samr).str("cause", cause).String()}, r.between(1, 10), time.Time{})
	for u := t + 1; u < M; u++ {
		p := sigmoid(-1.2 + 0.8*f.health[u])
		if f.dormant {
			p = 0.04
		}
		if u > f.last {
			p = 0
		}
		if r.bern(p) {
			rdate := g.date(u, r.intn(28))
			f.emit(r, facts.Fact{Item: ItemAbnormal, Source: DeptSAMR, Period: date, EndsOn: rdate, Text: cause, Ref: ref,
				Detail:  newDetail().str("authority", pl.samr).str("cause", cause).str("removal_cause", removal).String(),
				Version: 2}, int(rdate.Sub(date).Hours()/24)+r.between(1, 10), recv)
			return
		}
	}
}

func (f *firm) change(r *rng, t int, field string, d *detail, num int64) {
	g := f.g
	date := g.date(t, r.intn(28))
	ref := "（" + f.place.code + "）登记内变字〔" + strconv.Itoa(date.Year()) + "〕第" + strconv.Itoa(10000000+r.intn(90000000)) + "号"
	f.emit(r, facts.Fact{Item: ItemRegistrationChange, Source: DeptSAMR, Period: date, Num: num, Text: field, Ref: ref,
		Detail: d.str("authority", f.place.samr).String()}, r.between(1, 7), time.Time{})
}

// exit records how the firm left the market: deregistration (注销) a few
// months after it stopped, or abandonment — listed abnormal because it
// cannot be reached at its address, and in time its licence revoked (吊销).
func (f *firm) exit(r *rng, p *Profile) {
	g := f.g
	M := g.cfg.Months
	if f.exitKind == exitNone {
		return
	}
	pl := f.place
	switch f.exitKind {
	case exitDeregistered:
		t := f.last + r.between(1, 4)
		if t >= M {
			return
		}
		date := g.date(t, r.intn(28))
		cause := "决议解散"
		if f.dormant {
			cause = "简易注销"
		}
		f.emit(r, facts.Fact{Item: ItemDeregistered, Source: DeptSAMR, Period: date, Text: cause,
			Ref:    "（" + pl.code + "）登记内销字〔" + strconv.Itoa(date.Year()) + "〕第" + strconv.Itoa(10000000+r.intn(90000000)) + "号",
			Detail: newDetail().str("authority", pl.samr).str("cause", cause).String()}, r.between(1, 7), time.Time{})
		p.Status = "deregistered"
	case exitRevoked, exitAbandoned:
		t := f.last + r.between(2, 5)
		if t >= M {
			return
		}
		f.abnormal(r, t, "通过登记的住所或者经营场所无法联系", "")
		if f.exitKind != exitRevoked {
			return
		}
		tr := t + r.between(6, 12)
		if tr >= M {
			return
		}
		date := g.date(tr, r.intn(28))
		f.emit(r, facts.Fact{Item: ItemRevoked, Source: DeptSAMR, Period: date, Text: "吊销营业执照",
			Ref:    docNo(g.provAbbr+pl.short, "市监罚", date.Year(), r.between(1, 2999)),
			Detail: newDetail().str("authority", pl.samr).str("cause", "被列入经营异常名录后长期未开展经营活动").String()}, r.between(1, 10), time.Time{})
		p.Status = "revoked"
	}
}

// grades computes the yearly tax credit grade (纳税信用等级), published
// each April for the previous year: M for a firm founded in the year or
// without revenue; D directly for a dishonest debtor; otherwise a score
// from the year's health, arrears and tax penalties, graded A ≥ 90,
// B 70-89, C 40-69, D < 40.
func (f *firm) grades(w *work, out []facts.Fact) []facts.Fact {
	g := f.g
	M := g.cfg.Months
	r := newRNG(g.seedKey, f.i, stEvents^0x77)
	// From the grade in force when the window opens to the last one
	// published inside it.
	for y := int(g.year[0]) - 2; y <= int(g.year[M-1]); y++ {
		eff := time.Date(y+1, 4, 1, 0, 0, 0, 0, time.UTC)
		te := g.monthIndex(eff)
		if te >= M || te <= -12 || f.founded.Year() > y || te > f.last {
			continue
		}
		// The year's months inside the window.
		t0 := max(g.monthIndex(time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)), 0, f.fm)
		t1 := min(g.monthIndex(time.Date(y, 12, 1, 0, 0, 0, 0, time.UTC)), M-1, f.last)
		hsum, n, revenue, arrears := 0.0, 0, int64(0), 0
		for t := t0; t <= t1; t++ {
			hsum += f.health[t]
			n++
			if v := w.series[sVATSales*M+t]; v > 0 {
				revenue += v
			}
			if w.series[sTaxArrears*M+t] > 0 {
				arrears++
			}
		}
		hm := f.health[0]
		if n > 0 {
			hm = hsum / float64(n)
		} else if !f.dormant {
			revenue = 1 // a year before the window: revenue is not simulated
		}
		// The score reads the year's health and how far it fell below the
		// firm's normal (declining declarations are an indicator).
		score := 83.9 + 3.5*hm - 5*math.Max(0, f.h0-hm) + 6.5*r.norm()
		if arrears > 0 {
			score -= 14 + 3*math.Min(float64(arrears), 6)
		}
		for _, t := range f.taxPenalty {
			if int(g.year[t]) == y {
				score -= 16
			}
		}
		score = math.Round(clamp(score, 0, 100))
		grade := "B"
		switch {
		case f.founded.Year() == y || f.dormant || revenue == 0:
			grade, score = "M", 0
		case f.dishonestIn(y) || arrears >= 7:
			// Judged D directly: a dishonest debtor, or long unpaid tax.
			grade, score = "D", math.Min(score, 35)
		case score >= 90:
			grade = "A"
		case score >= 70:
			grade = "B"
		case score >= 40:
			grade = "C"
		default:
			grade = "D"
		}
		out = append(out, facts.Fact{Item: ItemTaxGrade, Shape: facts.Attribute, Period: eff, Num: int64(score), Text: grade,
			Source: DeptTax, ReceivedAt: eff.Add(time.Duration(r.between(5*24, 25*24)) * time.Hour), Version: 1})
	}
	return out
}

func (f *firm) dishonestIn(y int) bool {
	for _, t := range f.dishonestAt {
		if int(f.g.year[t]) == y {
			return true
		}
	}
	return false
}

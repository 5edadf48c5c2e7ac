package synth

import (
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/personid"
)

var surnameCum = func() []float64 {
	w := make([]float64, len(surnames))
	for i := range w {
		w[i] = 1 / float64(i+4)
	}
	return cumulative(w)
}()

// Registered capital choices in 万元 by size, and for individual
// businesses (资金数额).
var (
	capitalChoices = [3][]int64{
		{3, 5, 10, 10, 20, 30, 50, 50, 100, 100, 100, 200, 300, 500, 500, 1000},
		{100, 200, 300, 500, 500, 1000, 1000, 2000, 3000, 5000},
		{1000, 2000, 3000, 5000, 5000, 8000, 10000, 20000},
	}
	fundChoices = []int64{1, 2, 3, 5, 5, 10, 20}
)

const wanFen = 10000 * 100 // fen in 10,000 yuan

// uscReform is when newly registered firms started receiving organisation
// codes assigned by market regulation ("MA..." bodies).
var uscReform = time.Date(2015, 10, 1, 0, 0, 0, 0, time.UTC)

// profile draws the registration data at founding: code, names, legal
// representative, shareholders, capital, address. Changes during the
// window are applied by the events stage.
func (f *firm) profile(p *Profile) {
	g := f.g
	r := newRNG(g.seedKey, f.i, stNames)
	p.Index = f.i
	p.Division = f.place.code
	p.Industry = f.sec.code
	p.IndustryDivision = f.div.code
	p.Size = sizeNames[f.size]
	p.Status = "operating"
	p.FoundedOn = f.founded
	p.Code = f.code()

	c := &g.cities[f.place.city]
	b1, b2 := pair(&r, len(brandChars))
	brandZH := brandChars[b1].zh + brandChars[b2].zh
	brandEN := title(brandChars[b1].py) + syllable(brandChars[b2].py)
	if f.individual {
		sh := f.div.shops[r.intn(len(f.div.shops))]
		p.NameZH = f.place.authority + brandZH + sh.zh + MarkerZH
		p.NameEN = c.en + " " + f.place.shortEN + " " + brandEN + " " + sh.en + MarkerEN
		if f.place.shortEN == c.en {
			p.NameEN = c.en + " " + brandEN + " " + sh.en + MarkerEN
		}
	} else {
		t := f.div.trades[r.intn(len(f.div.trades))]
		prefix, prefixEN := c.zh, c.en
		if f.place.short != c.zh && !strings.HasSuffix(f.place.zh, "区") && r.bern(0.3) {
			prefix, prefixEN = f.place.short, f.place.shortEN
		}
		form := "有限公司"
		switch u := r.float(); {
		case f.size != micro && u < 0.06:
			form = "股份有限公司"
		case u < 0.2:
			form = "有限责任公司"
		}
		p.NameZH = prefix + brandZH + t.zh + form + MarkerZH
		p.NameEN = prefixEN + " " + brandEN + " " + t.en + " Co., Ltd." + MarkerEN
	}

	if f.individual {
		p.RegisteredCapitalFen = fundChoices[r.intn(len(fundChoices))] * wanFen
	} else {
		ch := capitalChoices[f.size]
		p.RegisteredCapitalFen = ch[r.intn(len(ch))] * wanFen
	}
	p.Address = g.address(&r, f.place, f.sec.code)
	p.LegalRepName, p.LegalRepID = g.person(&r, f.place.code)
	p.LegalRepPhone = phone(&r)
	if !f.individual {
		f.shareholders(&r, p)
	}
}

// code builds the unified social credit code: registration authority 9
// (market regulation), entity type 1 (enterprise) or 2 (individual
// business), the county's division code, the organisation code derived
// from the enterprise's unique number, and the check character.
func (f *firm) code() string {
	var b [18]byte
	b[0] = '9'
	b[1] = '1'
	if f.individual {
		b[1] = '2'
	}
	copy(b[2:8], f.place.code)
	body := b[8:16]
	if f.individual || !f.founded.Before(uscReform) {
		// "MA" and six characters of the code alphabet (31^6 > 10^8).
		body[0], body[1] = 'M', 'A'
		n := f.n
		for k := 7; k >= 2; k-- {
			body[k] = creditcode.Alphabet[n%31]
			n /= 31
		}
	} else {
		n := f.n
		for k := 7; k >= 0; k-- {
			body[k] = byte('0' + n%10)
			n /= 10
		}
	}
	b[16] = creditcode.OrgCodeCheck(string(body))
	c, err := creditcode.CheckChar(string(b[:17]))
	if err != nil {
		panic("synth: credit code " + string(b[:17]) + ": " + err.Error())
	}
	b[17] = c
	return string(b[:])
}

// person draws a synthetic natural person: a common Chinese name, and an
// identity number with the county's address code, a birth date 25 to 65
// years before the end of the window and a valid check character. The
// sequence code is 996-999, which is kept for people aged over 100: no
// living person of these ages holds such a number, so a generated number
// cannot be a real person's.
func (g *Generator) person(r *rng, division string) (name, id string) {
	male := r.bern(0.72)
	name = surnames[r.pick(surnameCum)]
	given := givenFemale
	if male {
		given = givenMale
	}
	name += given[r.intn(len(given))]
	if r.bern(0.6) {
		name += given[r.intn(len(given))]
	}
	birth := g.month[g.cfg.Months].AddDate(0, 0, -int(r.uniform(25, 65)*365.25))
	var b [17]byte
	copy(b[:6], division)
	birth.AppendFormat(b[6:6], "20060102")
	seq := 996 + 2*r.intn(2) // 996 or 998: even, female
	if male {
		seq++ // 997 or 999: odd, male
	}
	b[14], b[15], b[16] = byte('0'+seq/100), byte('0'+seq/10%10), byte('0'+seq%10)
	c, err := personid.CheckChar(string(b[:]))
	if err != nil {
		panic("synth: identity number: " + err.Error())
	}
	return name, string(b[:]) + string(c)
}

// phone returns a number in the 170-0000 block, which the generator uses
// for every synthetic person.
func phone(r *rng) string {
	b := []byte("1700000")
	return string(appendPadded(b, int64(r.intn(10000)), 4))
}

func (g *Generator) address(r *rng, pl *place, section string) string {
	b := make([]byte, 0, 96)
	b = append(b, pl.addr...)
	b = append(b, roads[r.intn(len(roads))]...)
	b = strconv.AppendInt(b, int64(r.between(1, 999)), 10)
	b = append(b, "号"...)
	if strings.Contains("IJKLMR", section) && r.bern(0.6) || r.bern(0.15) {
		b = strconv.AppendInt(b, int64(r.between(1, 12)), 10)
		b = append(b, "幢"...)
		b = strconv.AppendInt(b, int64(r.between(1, 25)*100+r.between(1, 20)), 10)
		b = append(b, "室"...)
	}
	return string(b)
}

// shareholders: one to four natural persons (the legal representative
// usually among them) and sometimes a parent company registered in another
// province.
func (f *firm) shareholders(r *rng, p *Profile) {
	g := f.g
	n := 1
	switch u := r.float(); {
	case u < 0.45:
	case u < 0.8:
		n = 2
	case u < 0.95:
		n = 3
	default:
		n = 4
	}
	parent := r.bern([3]float64{0.03, 0.10, 0.20}[f.size])
	total := n
	if parent {
		total = min(n+1, 4)
	}
	p.Shareholders = make([]Shareholder, 0, total)
	w := make([]float64, total)
	sum := 0.0
	for k := range w {
		w[k] = r.uniform(1, 3)
		if k == 0 {
			w[k] += 2 // the first holder has the largest stake
		}
		sum += w[k]
	}
	left := 10000
	for k := 0; k < total; k++ {
		share := int(w[k] / sum * 10000)
		if k == total-1 {
			share = left
		}
		left -= share
		var sh Shareholder
		if parent && k == 0 {
			sh = g.parentCompany(r)
		} else if k == 0 || k == 1 && parent {
			if r.bern(0.8) {
				sh.Name, sh.IDNumber = p.LegalRepName, p.LegalRepID
			} else {
				sh.Name, sh.IDNumber = g.person(r, f.place.code)
			}
			sh.Natural = true
		} else {
			sh.Name, sh.IDNumber = g.person(r, f.place.code)
			sh.Natural = true
		}
		sh.ShareBP = share
		sh.CapitalFen = p.RegisteredCapitalFen * int64(share) / 10000
		p.Shareholders = append(p.Shareholders, sh)
	}
}

// parentCompany is one of a few hundred group companies in other
// provinces; several subsidiaries may share a parent.
func (g *Generator) parentCompany(r *rng) Shareholder {
	k := r.intn(500)
	pr := newRNG(g.seedKey, -2-k, stNames)
	prov := g.elsewhere[pr.intn(len(g.elsewhere))]
	b1, b2 := pair(&pr, len(brandChars))
	kinds := []string{"投资集团有限公司", "控股集团有限公司", "实业集团有限公司", "控股有限公司"}
	var b [18]byte
	copy(b[:2], "91")
	copy(b[2:8], prov)
	b[8], b[9] = 'M', 'A'
	n := pr.u64()
	for j := 15; j >= 10; j-- {
		b[j] = creditcode.Alphabet[n%31]
		n /= 31
	}
	b[16] = creditcode.OrgCodeCheck(string(b[8:16]))
	c, err := creditcode.CheckChar(string(b[:17]))
	if err != nil {
		panic("synth: parent code: " + err.Error())
	}
	b[17] = c
	provName := provinceShort(prov)
	return Shareholder{
		Name:     provName + brandChars[b1].zh + brandChars[b2].zh + kinds[pr.intn(len(kinds))] + MarkerZH,
		IDNumber: string(b[:]),
	}
}

func provinceShort(code string) string {
	switch code[:2] {
	case "11":
		return "北京"
	case "31":
		return "上海"
	case "32":
		return "江苏"
	case "33":
		return "浙江"
	case "44":
		return "广东"
	}
	return ""
}

// pair draws two distinct indexes below n.
func pair(r *rng, n int) (int, int) {
	a := r.intn(n)
	b := r.intn(n - 1)
	if b >= a {
		b++
	}
	return a, b
}

func title(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// syllable prefixes an apostrophe where pinyin needs one (Xin'an).
func syllable(s string) string {
	if s != "" && strings.ContainsRune("aeo", rune(s[0])) {
		return "'" + s
	}
	return s
}

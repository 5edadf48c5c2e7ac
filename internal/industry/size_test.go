package industry

import (
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/fault"
)

const wan = 10000 // yuan in 万元, the regulation's unit

func TestClassify(t *testing.T) {
	t.Parallel()
	// Boundary examples read off 工信部联企业〔2011〕300号 article 4.
	cases := []struct {
		name      string
		sector    Sector
		employees int
		revenue   int64 // 万元
		assets    int64 // 万元
		want      Size
	}{
		// (一) agriculture: revenue only.
		{"agriculture large", SectorAgriculture, 0, 20000, 0, Large},
		{"agriculture medium", SectorAgriculture, 5000, 500, 0, Medium},
		{"agriculture just below medium", SectorAgriculture, 5000, 499, 0, Small},
		{"agriculture small", SectorAgriculture, 0, 50, 0, Small},
		{"agriculture micro", SectorAgriculture, 0, 49, 0, Micro},
		// (二) industry: employees and revenue.
		{"industry large", SectorIndustry, 1000, 40000, 0, Large},
		{"industry many staff but revenue below large", SectorIndustry, 1000, 39999, 0, Medium},
		{"industry medium", SectorIndustry, 300, 2000, 0, Medium},
		{"industry medium revenue, small staff", SectorIndustry, 299, 2000, 0, Small},
		{"industry medium staff, small revenue", SectorIndustry, 300, 1999, 0, Small},
		{"industry small", SectorIndustry, 20, 300, 0, Small},
		{"industry few staff, huge revenue", SectorIndustry, 19, 100000, 0, Micro},
		{"industry many staff, tiny revenue", SectorIndustry, 5000, 299, 0, Micro},
		{"industry nothing", SectorIndustry, 0, 0, 0, Micro},
		// (三) construction: revenue and assets.
		{"construction large", SectorConstruction, 0, 80000, 80000, Large},
		{"construction medium", SectorConstruction, 0, 6000, 5000, Medium},
		{"construction medium revenue, small assets", SectorConstruction, 0, 10000, 4999, Small},
		{"construction small", SectorConstruction, 0, 300, 300, Small},
		{"construction micro by assets", SectorConstruction, 0, 5000, 299, Micro},
		// (四) wholesale.
		{"wholesale large", SectorWholesale, 200, 40000, 0, Large},
		{"wholesale medium", SectorWholesale, 20, 5000, 0, Medium},
		{"wholesale small", SectorWholesale, 5, 1000, 0, Small},
		{"wholesale micro", SectorWholesale, 4, 10000, 0, Micro},
		// (五) retail.
		{"retail large", SectorRetail, 300, 20000, 0, Large},
		{"retail medium", SectorRetail, 50, 500, 0, Medium},
		{"retail small", SectorRetail, 10, 100, 0, Small},
		{"retail micro", SectorRetail, 9, 100, 0, Micro},
		// (六) transport.
		{"transport large", SectorTransport, 1000, 30000, 0, Large},
		{"transport medium", SectorTransport, 300, 3000, 0, Medium},
		{"transport small", SectorTransport, 20, 200, 0, Small},
		{"transport micro", SectorTransport, 20, 199, 0, Micro},
		// (七) warehousing.
		{"warehousing large", SectorWarehousing, 200, 30000, 0, Large},
		{"warehousing medium", SectorWarehousing, 100, 1000, 0, Medium},
		{"warehousing small", SectorWarehousing, 20, 100, 0, Small},
		{"warehousing micro", SectorWarehousing, 19, 1000, 0, Micro},
		// (八) postal.
		{"postal large", SectorPostal, 1000, 30000, 0, Large},
		{"postal medium", SectorPostal, 300, 2000, 0, Medium},
		{"postal small", SectorPostal, 20, 100, 0, Small},
		{"postal micro", SectorPostal, 20, 99, 0, Micro},
		// (九) accommodation and (十) catering.
		{"accommodation large", SectorAccommodation, 300, 10000, 0, Large},
		{"accommodation medium", SectorAccommodation, 100, 2000, 0, Medium},
		{"accommodation small", SectorAccommodation, 10, 100, 0, Small},
		{"catering medium", SectorCatering, 100, 2000, 0, Medium},
		{"catering small", SectorCatering, 10, 100, 0, Small},
		{"catering micro", SectorCatering, 9, 5000, 0, Micro},
		// (十一) information transmission.
		{"information transmission large", SectorInformationTransmission, 2000, 100000, 0, Large},
		{"information transmission medium", SectorInformationTransmission, 100, 1000, 0, Medium},
		{"information transmission small", SectorInformationTransmission, 10, 100, 0, Small},
		{"information transmission micro", SectorInformationTransmission, 10, 99, 0, Micro},
		// (十二) software and IT services.
		{"software large", SectorSoftwareIT, 300, 10000, 0, Large},
		{"software medium", SectorSoftwareIT, 100, 1000, 0, Medium},
		{"software small", SectorSoftwareIT, 10, 50, 0, Small},
		{"software micro", SectorSoftwareIT, 9, 10000, 0, Micro},
		// (十三) real estate development: revenue and assets.
		{"real estate development large", SectorRealEstateDevelopment, 0, 200000, 10000, Large},
		{"real estate development medium", SectorRealEstateDevelopment, 0, 1000, 5000, Medium},
		{"real estate development small", SectorRealEstateDevelopment, 0, 100, 2000, Small},
		{"real estate development micro", SectorRealEstateDevelopment, 0, 50000, 1999, Micro},
		// (十四) property management.
		{"property management large", SectorPropertyManagement, 1000, 5000, 0, Large},
		{"property management medium", SectorPropertyManagement, 300, 1000, 0, Medium},
		{"property management small", SectorPropertyManagement, 100, 500, 0, Small},
		{"property management micro", SectorPropertyManagement, 99, 5000, 0, Micro},
		// (十五) leasing and business services: employees and assets.
		{"leasing large", SectorLeasingBusiness, 300, 0, 120000, Large},
		{"leasing medium", SectorLeasingBusiness, 100, 0, 8000, Medium},
		{"leasing small", SectorLeasingBusiness, 10, 0, 100, Small},
		{"leasing micro", SectorLeasingBusiness, 10, 1000000, 99, Micro},
		// (十六) other: employees only.
		{"other large", SectorOther, 300, 0, 0, Large},
		{"other medium", SectorOther, 100, 0, 0, Medium},
		{"other small", SectorOther, 10, 0, 0, Small},
		{"other micro", SectorOther, 9, 1000000, 1000000, Micro},
		{"unknown sector is other", Sector("mining"), 100, 0, 0, Medium},
		{"negative employees", SectorOther, -5, 0, 0, Micro},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := Classify(tc.sector, tc.employees, tc.revenue*wan, tc.assets*wan)
			if got != tc.want {
				t.Fatalf("Classify(%s, %d, %d万, %d万) = %s, want %s", tc.sector, tc.employees, tc.revenue, tc.assets, got, tc.want)
			}
		})
	}
}

// TestClassifyOneYuanBelow checks that thresholds compare in yuan, not 万元.
func TestClassifyOneYuanBelow(t *testing.T) {
	t.Parallel()
	if got := Classify(SectorIndustry, 300, 2000*wan-1, 0); got != Small {
		t.Fatalf("industry with revenue one yuan short of 2000万 = %s, want small", got)
	}
	if got := Classify(SectorIndustry, 300, 2000*wan, 0); got != Medium {
		t.Fatalf("industry with revenue of 2000万 = %s, want medium", got)
	}
}

func TestSectorOf(t *testing.T) {
	t.Parallel()
	cases := []struct {
		code string
		want Sector
	}{
		{"01", SectorAgriculture}, {"05", SectorAgriculture}, {"A01", SectorAgriculture},
		{"06", SectorIndustry}, {"13", SectorIndustry}, {"C13", SectorIndustry}, {"c13", SectorIndustry},
		{" 3911 ", SectorIndustry}, {"43", SectorIndustry}, {"44", SectorIndustry}, {"46", SectorIndustry},
		{"47", SectorConstruction}, {"50", SectorConstruction},
		{"51", SectorWholesale}, {"5191", SectorWholesale}, {"52", SectorRetail}, {"F5211", SectorRetail},
		{"53", SectorOther}, // rail transport is outside the regulation
		{"54", SectorTransport}, {"58", SectorTransport},
		{"59", SectorWarehousing}, {"5920", SectorWarehousing},
		{"591", SectorTransport}, {"5910", SectorTransport}, // loading and unloading (装卸搬运)
		{"60", SectorPostal}, {"61", SectorAccommodation}, {"62", SectorCatering},
		{"63", SectorInformationTransmission}, {"64", SectorInformationTransmission},
		{"65", SectorSoftwareIT}, {"I65", SectorSoftwareIT},
		{"66", SectorOther}, {"69", SectorOther},
		{"70", SectorRealEstateDevelopment}, {"7010", SectorRealEstateDevelopment},
		{"702", SectorPropertyManagement}, {"7020", SectorPropertyManagement},
		{"7030", SectorOther}, {"704", SectorOther}, {"7090", SectorOther},
		{"71", SectorLeasingBusiness}, {"72", SectorLeasingBusiness}, {"L7211", SectorLeasingBusiness},
		{"73", SectorOther}, {"83", SectorOther}, {"85", SectorOther}, {"97", SectorOther},
		{"A13", ""}, {"98", ""}, {"00", ""}, {"", ""}, {"1", ""}, {"13a", ""}, {"13101", ""}, {"CC13", ""},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			t.Parallel()
			if got := SectorOf(tc.code); got != tc.want {
				t.Fatalf("SectorOf(%q) = %q, want %q", tc.code, got, tc.want)
			}
		})
	}
}

// TestEveryDivisionHasASector checks the mapping covers all 97 divisions.
func TestEveryDivisionHasASector(t *testing.T) {
	t.Parallel()
	for _, s := range Sections() {
		for _, d := range DivisionsOf(s.Code) {
			if SectorOf(d.Code) == "" {
				t.Fatalf("division %s has no sector", d.Code)
			}
		}
	}
}

// TestSectorConstantsMatchData checks the constants and sizes.json agree.
func TestSectorConstantsMatchData(t *testing.T) {
	t.Parallel()
	consts := []Sector{
		SectorAgriculture, SectorIndustry, SectorConstruction, SectorWholesale, SectorRetail,
		SectorTransport, SectorWarehousing, SectorPostal, SectorAccommodation, SectorCatering,
		SectorInformationTransmission, SectorSoftwareIT, SectorRealEstateDevelopment,
		SectorPropertyManagement, SectorLeasingBusiness, SectorOther,
	}
	r := sizeRules()
	if len(r.bySector) != len(consts) {
		t.Fatalf("sizes.json has %d sectors, the package %d constants", len(r.bySector), len(consts))
	}
	for _, c := range consts {
		if _, ok := r.bySector[c]; !ok {
			t.Fatalf("sector %s is missing from sizes.json", c)
		}
		if got, err := ParseSector(strings.ToUpper(string(c))); err != nil || got != c {
			t.Fatalf("ParseSector(%q) = %q, %v", strings.ToUpper(string(c)), got, err)
		}
	}
	if r.fallback != SectorOther {
		t.Fatalf("default sector = %s, want other", r.fallback)
	}
}

func TestParseSize(t *testing.T) {
	t.Parallel()
	cases := []struct {
		in   string
		want Size
		err  bool
	}{
		{"micro", Micro, false}, {"Small", Small, false}, {" MEDIUM ", Medium, false}, {"large", Large, false},
		{"微型", Micro, false}, {"小型企业", Small, false}, {"中型", Medium, false}, {"大型企业", Large, false},
		{"", "", true}, {"huge", "", true}, {"企业", "", true}, {"sme", "", true},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			t.Parallel()
			got, err := ParseSize(tc.in)
			if tc.err {
				fe, ok := fault.As(err)
				if !ok || fe.Kind != fault.Invalid || fe.Code != "industry.unknown_size" || fe.Params["size"] != tc.in {
					t.Fatalf("ParseSize(%q) = %q, %v; want invalid industry.unknown_size", tc.in, got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseSize(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

func TestParseSizesRejectsBadData(t *testing.T) {
	t.Parallel()
	sector := func(body string) string {
		return `{"money_unit_yuan":10000,"default_sector":"other","sectors":[` + body + `]}`
	}
	const other = `{"sector":"other","name_zh":"其他","name_en":"Other","codes":[],"large":{"employees":300},"medium":{"employees":100},"small":{"employees":10}}`
	cases := []struct {
		name string
		data string
	}{
		{"misspelt measure", sector(`{"sector":"other","name_zh":"其他","name_en":"Other","codes":[],"large":{"employee":300},"medium":{"employees":100},"small":{"employees":10}}`)},
		{"ascending bounds", sector(`{"sector":"other","name_zh":"其他","name_en":"Other","codes":[],"large":{"employees":10},"medium":{"employees":100},"small":{"employees":300}}`)},
		{"measure missing at one size", sector(`{"sector":"other","name_zh":"其他","name_en":"Other","codes":[],"large":{"employees":300,"revenue":1},"medium":{"employees":100},"small":{"employees":10}}`)},
		{"no measure", sector(`{"sector":"other","name_zh":"其他","name_en":"Other","codes":[],"large":{},"medium":{},"small":{}}`)},
		{"negative bound", sector(`{"sector":"other","name_zh":"其他","name_en":"Other","codes":[],"large":{"employees":300},"medium":{"employees":100},"small":{"employees":-1}}`)},
		{"unknown division", sector(other + `,{"sector":"x","name_zh":"x","name_en":"x","codes":["98"],"large":{"employees":3},"medium":{"employees":2},"small":{"employees":1}}`)},
		{"code in two sectors", sector(other + `,{"sector":"x","name_zh":"x","name_en":"x","codes":["13"],"large":{"employees":3},"medium":{"employees":2},"small":{"employees":1}},{"sector":"y","name_zh":"y","name_en":"y","codes":["13"],"large":{"employees":3},"medium":{"employees":2},"small":{"employees":1}}`)},
		{"duplicate sector", sector(other + "," + other)},
		{"missing default", `{"money_unit_yuan":10000,"default_sector":"none","sectors":[` + other + `]}`},
		{"no unit", `{"default_sector":"other","sectors":[` + other + `]}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if _, err := parseSizes([]byte(tc.data)); err == nil {
				t.Fatalf("parseSizes succeeded, want an error for %s", tc.data)
			}
		})
	}
	if _, err := parseSizes([]byte(sector(other))); err != nil {
		t.Fatalf("parseSizes of a minimal valid file: %v", err)
	}
}

func FuzzSectorOf(f *testing.F) {
	for _, s := range []string{"13", "C13", "7020", "591", "", "Z99", "\xff", "７０"} {
		f.Add(s)
	}
	known := map[Sector]bool{"": true}
	for s := range sizeRules().bySector {
		known[s] = true
	}
	f.Fuzz(func(t *testing.T, code string) {
		sec := SectorOf(code)
		if !known[sec] {
			t.Fatalf("SectorOf(%q) = %q, not a listed sector", code, sec)
		}
		if sec != "" {
			_ = Classify(sec, len(code), int64(len(code))*wan, 0)
		}
		if _, err := ParseSection(code); err != nil {
			if _, ok := fault.As(err); !ok {
				t.Fatalf("ParseSection(%q) error %v is not a *fault.Error", code, err)
			}
		}
		if _, err := ParseSize(code); err != nil {
			if _, ok := fault.As(err); !ok {
				t.Fatalf("ParseSize(%q) error %v is not a *fault.Error", code, err)
			}
		}
	})
}

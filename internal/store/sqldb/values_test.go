package sqldb

import (
	"testing"
	"testing/fstest"
	"time"
)

func TestNextPrefixBoundsEveryCodeWithThePrefix(t *testing.T) {
	tests := []struct {
		prefix, next string
		ok           bool
	}{
		{"32", "33", true},
		{"3205", "3206", true},
		{"319", "32", true},
		{"3299", "33", true},
		{"999", "", false},
	}
	for _, tc := range tests {
		next, ok := nextPrefix(tc.prefix)
		if next != tc.next || ok != tc.ok {
			t.Errorf("nextPrefix(%q) = %q, %v; want %q, %v", tc.prefix, next, ok, tc.next, tc.ok)
		}
	}
}

func TestEscapeLikeEscapesMetacharactersAndTheEscape(t *testing.T) {
	if got, want := escapeLike(`100%_a\b`), `100\%\_a\\b`; got != want {
		t.Fatalf("escapeLike = %q, want %q", got, want)
	}
}

func TestTimeDestReadsBothStorageForms(t *testing.T) {
	want := time.Date(2025, 1, 2, 3, 4, 5, 6000, time.UTC)
	tests := []struct {
		name string
		src  any
		want time.Time
	}{
		{"sqlite text", "2025-01-02T03:04:05.000006Z", want},
		{"sqlite bytes", []byte("2025-01-02T03:04:05.000006Z"), want},
		{"date", "2025-01-02", time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC)},
		{"pgx time in another zone", want.In(time.FixedZone("CST", 8*3600)), want},
		{"NULL", nil, time.Time{}},
	}
	for _, tc := range tests {
		var got time.Time
		if err := scanTime(&got).Scan(tc.src); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
	var got time.Time
	if err := scanTime(&got).Scan("yesterday"); err == nil {
		t.Error("a malformed stored time scanned without error")
	}
}

func TestLoadMigrationsRequiresNumberedFilesFromOneWithoutGaps(t *testing.T) {
	ok := fstest.MapFS{"m/0001_init.sql": {Data: []byte("A")}, "m/0002_more.sql": {Data: []byte("B")}, "m/README": {}}
	ms, err := LoadMigrations(ok, "m")
	if err != nil || len(ms) != 2 || ms[1].Version != 2 || ms[1].SQL != "B" {
		t.Fatalf("LoadMigrations = %+v, %v", ms, err)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"gap":        {"m/0001_a.sql": {}, "m/0003_c.sql": {}},
		"duplicate":  {"m/0001_a.sql": {}, "m/0001_b.sql": {}},
		"unnumbered": {"m/init.sql": {}},
	} {
		if _, err := LoadMigrations(fsys, "m"); err == nil {
			t.Errorf("%s: LoadMigrations accepted it", name)
		}
	}
}

func TestInsertSQLNumbersOnePlaceholderPerColumn(t *testing.T) {
	if got, want := insertSQL("facts", []string{"a", "b", "c"}), "INSERT INTO facts (a, b, c) VALUES ($1, $2, $3)"; got != want {
		t.Fatalf("insertSQL = %q, want %q", got, want)
	}
}

func TestFactsLimitDefaultsAndCaps(t *testing.T) {
	tests := []struct{ in, want int }{{0, DefaultFactsLimit}, {-1, DefaultFactsLimit}, {7, 7}, {MaxFactsLimit, MaxFactsLimit}, {MaxFactsLimit + 1, MaxFactsLimit}}
	for _, tc := range tests {
		if got := factsLimit(tc.in); got != tc.want {
			t.Errorf("factsLimit(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

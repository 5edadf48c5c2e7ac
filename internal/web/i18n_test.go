package web

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/api"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/catalog"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/enterprise"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/i18n"
	"github.com/creditbridge/creditbridge/internal/industry"
	"github.com/creditbridge/creditbridge/internal/personid"
	"github.com/creditbridge/creditbridge/internal/region"
	"github.com/creditbridge/creditbridge/internal/server"
)

var (
	// templateKeyRE finds {{t "ui.key" ...}} and (t "ui.key") in templates.
	templateKeyRE = regexp.MustCompile(`\bt\s+"(ui\.[^"]+)"`)
	// goKeyRE finds complete key literals in Go code ("ui.nav.audit"); a
	// literal ending in "." is a prefix for a dynamic key (dynamicKeys).
	goKeyRE = regexp.MustCompile(`"(ui\.[a-z0-9_.]*[a-z0-9_])"`)
	// placeholderRE finds {name} placeholders.
	placeholderRE = regexp.MustCompile(`\{[a-z_]+\}`)
)

func loadLocale(t *testing.T, lang i18n.Lang) map[string]string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "i18n", "locales", string(lang)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatalf("%s.json: %v", lang, err)
	}
	return m
}

// staticKeys lists every key named literally in the templates and the
// package's Go code.
func staticKeys(t *testing.T) map[string]string {
	t.Helper()
	keys := map[string]string{} // key → where
	err := fs.WalkDir(files, "templates", func(path string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		b, err := fs.ReadFile(files, path)
		if err != nil {
			return err
		}
		for _, m := range templateKeyRE.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = path
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	gos, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range gos {
		if strings.HasSuffix(path, "_test.go") {
			continue
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKeyRE.FindAllStringSubmatch(string(b), -1) {
			keys[m[1]] = path
		}
	}
	if len(keys) < 100 {
		t.Fatalf("found only %d keys: is the pattern still right?", len(keys))
	}
	return keys
}

// dynamicKeys lists the keys the UI builds from domain values (roles,
// statuses, purposes...), by prefix.
func dynamicKeys() map[string][]string {
	strs := func(vs ...string) []string { return vs }
	d := map[string][]string{
		"ui.size.":           strs(string(industry.Micro), string(industry.Small), string(industry.Medium), string(industry.Large)),
		"ui.purpose.":        access.Purposes,
		"ui.outcome.":        strs(string(audit.OK), string(audit.Denied), string(audit.Failed)),
		"ui.item.":           strs(access.ItemRegistration, access.ItemLegalRep),
		"ui.account_status.": strs(string(account.StatusActive), string(account.StatusSuspended)),
		// The fields enterprise.Service.Update records in history.
		"ui.field.": strs("name_zh", "name_en", "industry", "size", "status", "registered_capital", "founded_on", "address", "legal_representative"),
	}
	for _, c := range catalog.Categories {
		d["ui.category."] = append(d["ui.category."], string(c))
	}
	for _, m := range catalog.Modes {
		d["ui.mode."] = append(d["ui.mode."], string(m))
	}
	for _, v := range catalog.SharingValues {
		d["ui.sharing."] = append(d["ui.sharing."], string(v))
	}
	for _, v := range catalog.DisclosureValues {
		d["ui.disclosure."] = append(d["ui.disclosure."], string(v))
	}
	for _, v := range catalog.Shapes {
		d["ui.shape."] = append(d["ui.shape."], string(v))
	}
	d["ui.frequency."] = catalog.Frequencies
	d["ui.unit."] = strs("persons", "kWh", "m3", "points") // catalogue units other than fen
	d["ui.grade."] = strs("1", "2", "3", "4")
	for _, r := range account.Roles {
		d["ui.role."] = append(d["ui.role."], string(r))
	}
	for _, k := range account.OrgKinds {
		d["ui.kind."] = append(d["ui.kind."], string(k))
	}
	for _, s := range enterprise.Statuses {
		d["ui.status."] = append(d["ui.status."], string(s))
	}
	for _, g := range knownActions {
		d["ui.action_group."] = append(d["ui.action_group."], strings.TrimSuffix(g.group, "."))
		d["ui.action."] = append(d["ui.action."], g.actions...)
	}
	for k := fault.Internal; k <= fault.Canceled; k++ {
		d["ui.error.title."] = append(d["ui.error.title."], k.String())
		d["ui.error.generic."] = append(d["ui.error.generic."], k.String())
	}
	return d
}

// TestEveryKeyIsTranslated checks that every key the UI uses exists in
// both locale files with the same placeholders, and that the locale files
// hold no "ui." key the UI does not use.
func TestEveryKeyIsTranslated(t *testing.T) {
	en, zh := loadLocale(t, i18n.EN), loadLocale(t, i18n.ZH)
	used := staticKeys(t)
	for prefix, values := range dynamicKeys() {
		for _, v := range values {
			used[prefix+v] = "dynamic " + prefix
		}
	}
	var names []string
	for k := range used {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		e, okE := en[k]
		z, okZ := zh[k]
		switch {
		case !okE || !okZ:
			t.Errorf("%s (used in %s): en=%v zh-CN=%v", k, used[k], okE, okZ)
		case strings.TrimSpace(e) == "" || strings.TrimSpace(z) == "":
			t.Errorf("%s: empty text", k)
		default:
			pe, pz := placeholderRE.FindAllString(e, -1), placeholderRE.FindAllString(z, -1)
			slices.Sort(pe)
			slices.Sort(pz)
			if !slices.Equal(pe, pz) {
				t.Errorf("%s: placeholders differ: en %v, zh-CN %v", k, pe, pz)
			}
		}
	}
	for _, m := range []map[string]string{en, zh} {
		for k := range m {
			if !strings.HasPrefix(k, "ui.") {
				t.Errorf("locale key %q: UI keys start with \"ui.\" (domain messages live in their packages' tables)", k)
			} else if _, ok := used[k]; !ok {
				t.Errorf("locale key %q is not used by the UI", k)
			}
		}
	}
}

// TestCatalogIsComplete builds the catalogue the node builds and requires
// every key in both languages.
func TestCatalogIsComplete(t *testing.T) {
	cat, err := i18n.New(i18n.ZH, server.Messages, api.Messages, access.Messages, account.Messages, enterprise.Messages,
		catalog.Messages, audit.Messages, creditcode.Messages, personid.Messages, region.Messages, industry.Messages)
	if err != nil {
		t.Fatal(err)
	}
	if m := cat.Missing(); len(m) > 0 {
		t.Errorf("keys missing in one language: %v", m)
	}
}

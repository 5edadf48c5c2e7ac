package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/verify"
)

var attestationRE = regexp.MustCompile(`name="attestation" value="([A-Za-z0-9_.-]+)"`)

func TestVerifyPage(t *testing.T) {
	t.Parallel()
	s := newLiveStack(t)
	b := s.browser(t, "zh-CN")
	b.mustSignIn("bank")
	csrf := b.csrf()
	expect(t, "form", b.get("/verify"), http.StatusOK, []string{`href="/verify"`, `action="/verify"`, "tax_paid_12m", "band(NAME)",
		"截至最近申报月份的 12 个月内缴纳的各项税款合计", `<option value="loan_application" selected>`}, nil)

	// A question that cannot be read: said in the reader's language.
	bad := url.Values{"csrf_token": {csrf}, "credit_code": {huaweiCode}, "purpose": {"loan_application"}, "questions": {"tax_paid_12m >"}}
	expect(t, "syntax zh", b.do(http.MethodPost, "/verify", bad), http.StatusBadRequest, []string{"无法解析第 1 个问题", `tax_paid_12m &gt;`}, nil)
	en := s.browser(t, "en")
	en.mustSignIn("bank")
	bad.Set("csrf_token", en.csrf())
	expect(t, "syntax en", en.do(http.MethodPost, "/verify", bad), http.StatusBadRequest, []string{"Question 1 cannot be read"}, []string{"无法解析"})
	bad.Set("questions", "band(tax_credit_grade)")
	expect(t, "band unsupported", en.do(http.MethodPost, "/verify", bad), http.StatusBadRequest, []string{"tax_credit_grade has no band scale"}, nil)

	// The operator asks about Huawei: answers (true/false/unknown or a
	// band), never a value, each with an attestation to download.
	op := s.browser(t, "zh-CN")
	op.mustSignIn("admin")
	expect(t, "operator form", op.get("/verify"), http.StatusOK, []string{`<option value="platform_operation" selected>`}, []string{`value="loan_application"`})
	ask := url.Values{"csrf_token": {op.csrf()}, "credit_code": {huaweiCode}, "purpose": {"platform_operation"},
		"questions": {"band(years_since_founding)\n\ntax_paid_12m >= 1000000\n"}}
	p := op.do(http.MethodPost, "/verify", ask)
	expect(t, "answers", p, http.StatusOK, []string{"&gt;=10 年", "未知", "band(years_since_founding)", "下载"}, nil)
	m := attestationRE.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatal("no attestation to download")
	}
	dl := op.do(http.MethodPost, "/verify/attestation", url.Values{"csrf_token": {op.csrf()}, "attestation": {m[1]}})
	if dl.status != http.StatusOK || !strings.HasPrefix(dl.header.Get("Content-Disposition"), `attachment; filename="attestation-`+huaweiCode) ||
		strings.TrimSpace(dl.body) != m[1] {
		t.Fatalf("download: %d %q %q", dl.status, dl.header.Get("Content-Disposition"), excerpt(dl.body))
	}
	c, err := verify.Verify(strings.TrimSpace(dl.body), s.signer.JWKS(), time.Now())
	if err != nil || c.Subject != huaweiCode || c.Band != "years" || c.Answer != ">=10" {
		t.Fatalf("downloaded attestation: %+v %v", c, err)
	}
	// Anything else posted as an attestation is refused, not echoed.
	if p := op.do(http.MethodPost, "/verify/attestation", url.Values{"csrf_token": {op.csrf()}, "attestation": {"<script>x</script>"}}); p.status == http.StatusOK {
		t.Fatalf("a forged attestation was served: %d", p.status)
	}

	// A limit: five different thresholds on one item at once are refused,
	// in words, with when asking again can succeed.
	ask.Set("questions", "tax_paid_12m >= 1\ntax_paid_12m >= 100\ntax_paid_12m >= 10000\ntax_paid_12m >= 1000000\ntax_paid_12m >= 100000000")
	expect(t, "limit", op.do(http.MethodPost, "/verify", ask), http.StatusTooManyRequests,
		[]string{"使用了 4 个不同的比较值", "tax.paid_total"}, []string{"verify.limit"})

	// The institution's own request: answered, or refused by the access
	// decision point in words (never a code).
	ok := url.Values{"csrf_token": {csrf}, "credit_code": {huaweiCode}, "purpose": {"loan_application"}, "questions": {"has_enforcement_case == false"}}
	if p := b.do(http.MethodPost, "/verify", ok); p.status != http.StatusOK {
		expect(t, "institution refused", p, p.status, []string{`class="alert alert-error"`}, []string{"access.", "verify."})
	}

	// An enterprise cannot verify.
	ent := s.browser(t, "zh-CN")
	ent.mustSignIn("huawei")
	if p := ent.get("/verify"); p.status != http.StatusForbidden {
		t.Fatalf("an enterprise got /verify: %d", p.status)
	}
}

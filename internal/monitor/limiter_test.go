package monitor

import (
	"testing"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
)

func TestLimiterBucketsRefillRefuseAndReportOncePerMinute(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)
	l := &Limiter{Limits: Limits{APIKey: Limit{PerMinute: 60, Burst: 3}, Org: Limit{PerMinute: 600, Burst: 5}, Anonymous: Limit{PerMinute: 60, Burst: 2}},
		Now: func() time.Time { return now }}
	key1 := access.Principal{OrgID: 9, APIKeyID: 1}
	key2 := access.Principal{OrgID: 9, APIKeyID: 2}
	for i := range 3 {
		if _, ok := l.Allow(key1, "10.0.0.1"); !ok {
			t.Fatalf("request %d refused within the key's burst", i)
		}
	}
	ref, ok := l.Allow(key1, "10.0.0.1")
	if ok || ref.Limit != "api_key" || ref.RetryAfter <= 0 || ref.RetryAfter > time.Second || !ref.Report {
		t.Fatalf("4th request: %+v ok=%v, want refused by the key's bucket within a second, reported", ref, ok)
	}
	if ref, ok := l.Allow(key1, "10.0.0.1"); ok || ref.Report {
		t.Fatalf("5th request: %+v ok=%v, want refused and not reported again within the minute", ref, ok)
	}
	// The organisation's bucket (5) is shared: key 2 has 2 left of it.
	for i := range 2 {
		if _, ok := l.Allow(key2, ""); !ok {
			t.Fatalf("key 2 request %d refused", i)
		}
	}
	if ref, ok := l.Allow(key2, ""); ok || ref.Limit != "org" {
		t.Fatalf("key 2 past the organisation's burst: %+v ok=%v, want refused by org", ref, ok)
	}
	// A refusal takes no token: after one second the key has one again.
	now = now.Add(time.Second)
	if _, ok := l.Allow(key1, ""); !ok {
		t.Fatal("refused after the bucket refilled one token")
	}
	// Anonymous requests are limited per address.
	anon := access.Principal{}
	l.Allow(anon, "a")
	l.Allow(anon, "a")
	if _, ok := l.Allow(anon, "a"); ok {
		t.Fatal("third anonymous request from one address allowed past a burst of 2")
	}
	if _, ok := l.Allow(anon, "b"); !ok {
		t.Fatal("another address shares the first one's bucket")
	}
	now = now.Add(2 * time.Minute)
	if ref, ok := l.Allow(anon, "a"); !ok {
		t.Fatalf("refused after two minutes: %+v", ref)
	}
}

func TestLimiterMemoryIsBounded(t *testing.T) {
	t.Parallel()
	l := &Limiter{Limits: DefaultLimits, Max: 100}
	for i := range 1000 {
		l.Allow(access.Principal{}, "10.0.0."+string(rune('0'+i%10))+string(rune('a'+i/10%26))+string(rune('a'+i/260)))
	}
	if n := l.Len(); n > 100 {
		t.Fatalf("%d buckets held, want at most 100", n)
	}
}

func TestDisabledLimitAllowsEverything(t *testing.T) {
	t.Parallel()
	l := &Limiter{Limits: Limits{}}
	for range 1000 {
		if _, ok := l.Allow(access.Principal{OrgID: 1, UserID: 2}, ""); !ok {
			t.Fatal("refused with every limit disabled")
		}
	}
}

func TestBaselineIsRobustAndNeedsHistory(t *testing.T) {
	t.Parallel()
	hist := make([]int64, 0, 60)
	for i := range 60 {
		hist = append(hist, int64(20+i%7)) // 20..26 reads an hour
	}
	hist[5] = 900 // one odd hour does not move a median-based baseline
	thr, ok := Baseline(hist, 24, 6, 100)
	if !ok {
		t.Fatal("60 hours of history: no baseline")
	}
	if thr < 100 || thr > 120 {
		t.Fatalf("threshold %.1f, want the floor region (median 23, σ ≥ √23: 23+6·4.8 ≈ 52 → floor 100)", thr)
	}
	thr, _ = Baseline(hist, 24, 6, 0)
	if thr < 45 || thr > 60 {
		t.Fatalf("threshold without floor %.1f, want about 52", thr)
	}
	if _, ok := Baseline(hist[:10], 24, 6, 100); ok {
		t.Fatal("10 hours of history gave a baseline, want at least 24")
	}
}

func TestSequenceKeyOrdersCodesAsIssued(t *testing.T) {
	t.Parallel()
	a, b := "91320505MA00001234", "91320505MA00001B3X"
	ca, ka, ok1 := SequenceKey(a)
	cb, kb, ok2 := SequenceKey(b)
	if !ok1 || !ok2 || ca != "91" || cb != ca || !(ka < kb) {
		t.Fatalf("keys %q %q (%v %v), want the same class and ascending organisation codes", ka, kb, ok1, ok2)
	}
	if _, _, ok := SequenceKey("123"); ok {
		t.Fatal("a short string has a sequence key")
	}
}

func TestBusinessHoursAndNight(t *testing.T) {
	t.Parallel()
	s, e, ok := ParseBusinessHours("08:30-19:00")
	if !ok || s != 510 || e != 1140 {
		t.Fatalf("ParseBusinessHours = %d %d %v", s, e, ok)
	}
	for _, bad := range []string{"", "8-19", "19:00-08:00", "08:00"} {
		if _, _, ok := ParseBusinessHours(bad); ok {
			t.Fatalf("ParseBusinessHours(%q) accepted", bad)
		}
	}
	p := DefaultPolicy()
	day := time.Date(2026, 11, 27, 2, 0, 0, 0, time.UTC)    // 10:00 in Shanghai
	night := time.Date(2026, 11, 27, 15, 0, 0, 0, time.UTC) // 23:00 in Shanghai
	if p.Night(day) || !p.Night(night) {
		t.Fatalf("Night(10:00 CST)=%v Night(23:00 CST)=%v", p.Night(day), p.Night(night))
	}
}

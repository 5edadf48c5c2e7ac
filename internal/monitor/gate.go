package monitor

import (
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Gate is what the HTTP middleware asks about each request: rate limits
// and suspensions before the handler, the outcome after it.
type Gate struct {
	Service  *Service
	Limiter  *Limiter  // nil: no rate limits
	Detector *Detector // nil: no detection
}

// Admit refuses a request over a rate limit (fault.TooMany
// "monitor.rate_limited" with the seconds to wait) or from a suspended
// principal (fault.Forbidden "access.suspended"). A refusal by a rate limit
// is counted, logged and, once a minute per bucket, an evidence entry.
func (g *Gate) Admit(ctx context.Context, p access.Principal, remote string) error {
	if g.Limiter != nil {
		if ref, ok := g.Limiter.Allow(p, remote); !ok {
			g.Service.Metrics.rateLimited(ref.Limit)
			secs := int(math.Ceil(ref.RetryAfter.Seconds()))
			secs = max(secs, 1)
			if ref.Report {
				if g.Service.Log != nil {
					g.Service.Log.Warn("rate limit exceeded", "limit", ref.Limit, "bucket", ref.Key, "actor", p.ActorName(), "org", p.OrgID, "remote", remote)
				}
				if err := g.Service.Repo.AppendAudit(ctx, &audit.Entry{Time: g.Service.now(), ActorUserID: p.UserID, ActorName: p.ActorName(),
					OrgID: p.OrgID, Action: "monitor.rate_limited", Outcome: audit.Denied, RemoteAddr: remote,
					Detail: fmt.Sprintf(`{"limit":%q,"bucket":%q,"retry_after_s":%d}`, ref.Limit, ref.Key, secs)}); err != nil {
					return err
				}
			}
			return fault.New(fault.TooMany, "monitor.rate_limited", "rate limit exceeded").With("seconds", strconv.Itoa(secs)).With("limit", ref.Limit)
		}
	}
	return g.Service.Check(ctx, p)
}

// Observe tells the detector how a request ended: a look-up of a
// registered-looking credit code that found nothing is a miss (the
// evidence log has no entry for it), and any request of an organisation
// asks the detector to read the new evidence. Neither waits: the kick is
// a non-blocking send that the detector coalesces (at most one step per
// Detector.KickGap), so the detector never runs on the request path.
func (g *Gate) Observe(p access.Principal, path string, status int) {
	if g.Detector == nil || p.OrgID == 0 {
		return
	}
	if status == 404 {
		if code, ok := enterpriseCode(path); ok {
			g.Detector.Miss(p.OrgID, p.UserID, p.APIKeyID, p.ActorName(), code, g.Service.now())
		}
	}
	g.Detector.Kick()
}

// enterpriseCode extracts a valid credit code from /api/v1/enterprises/{code}...
// or /enterprises/{code}... .
func enterpriseCode(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/api/v1/enterprises/")
	if !ok {
		if rest, ok = strings.CutPrefix(path, "/enterprises/"); !ok {
			return "", false
		}
	}
	code, _, _ := strings.Cut(rest, "/")
	c, err := creditcode.Parse(code)
	if err != nil {
		return "", false
	}
	return string(c), true
}

package monitor

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// Service manages suspensions and lists alerts; the Detector raises
// alerts, the Limiter enforces rate limits.
type Service struct {
	Repo Repo
	// InTx runs fn in one transaction over the repo.
	InTx    func(ctx context.Context, fn func(Repo) error) error
	Now     func() time.Time
	Log     *slog.Logger
	Metrics *Metrics // nil: no metrics
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// MonitorActor is the name the detector's own actions carry in evidence.
const MonitorActor = "monitor"

func staff(p access.Principal) bool {
	return p.Role == account.RoleOperatorAdmin || p.Role == account.RoleOperatorAnalyst
}

func canRead(p access.Principal) bool { return staff(p) || p.Role == account.RoleAuditor }

var errStaffOnly = fault.New(fault.Forbidden, "monitor.staff_only", "only operator staff may suspend or reinstate")

func validKind(k Kind) bool {
	for _, x := range Kinds {
		if x == k {
			return true
		}
	}
	return false
}

// ParseKind validates a suspension kind.
func ParseKind(s string) (Kind, error) {
	k := Kind(strings.TrimSpace(s))
	if !validKind(k) {
		return "", fault.New(fault.Invalid, "monitor.unknown_kind", "kind must be user, api_key or org").With("kind", s)
	}
	return k, nil
}

func checkReason(reason string) (string, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || utf8.RuneCountInString(reason) > 500 {
		return "", fault.New(fault.Invalid, "monitor.reason", "state a reason of 1 to 500 characters")
	}
	return reason, nil
}

// Suspend suspends a user, an API key or an organisation (operator staff).
// It takes effect at the target's next request.
func (s *Service) Suspend(ctx context.Context, p access.Principal, kind Kind, id int64, reason string) (Suspension, error) {
	if !staff(p) {
		return Suspension{}, errStaffOnly
	}
	var fs fault.Fields
	if !validKind(kind) {
		fs.Add("kind", fault.New(fault.Invalid, "monitor.unknown_kind", "kind must be user, api_key or org").With("kind", string(kind)))
	}
	if id <= 0 {
		fs.Add("id", fault.New(fault.Invalid, "monitor.target_id", "name the target by its id"))
	}
	reason, err := checkReason(reason)
	fs.Add("reason", err)
	if err := fs.Err(); err != nil {
		return Suspension{}, err
	}
	if kind == KindUser && id == p.UserID {
		return Suspension{}, fault.New(fault.Invalid, "monitor.self", "you cannot suspend yourself")
	}
	return s.suspend(ctx, p.UserID, p.ActorName(), p.OrgID, p.RemoteAddr, Suspension{Kind: kind, TargetID: id, Reason: reason})
}

func (s *Service) suspend(ctx context.Context, byUser int64, by string, byOrg int64, remote string, sp Suspension) (Suspension, error) {
	sp.By, sp.CreatedAt = by, s.now()
	err := s.InTx(ctx, func(r Repo) error {
		t, err := r.SuspensionTarget(ctx, sp.Kind, sp.TargetID)
		if err != nil {
			return err
		}
		sp.OrgID, sp.Target = t.OrgID, t.Name
		if err := r.InsertSuspension(ctx, &sp); err != nil {
			return err
		}
		if sp.AlertID != 0 {
			if err := r.SetAlertSuspension(ctx, sp.AlertID, sp.ID); err != nil {
				return err
			}
		}
		return r.AppendAudit(ctx, &audit.Entry{Time: sp.CreatedAt, ActorUserID: byUser, ActorName: by, OrgID: byOrg,
			Action: "monitor.suspend", Outcome: audit.OK, RemoteAddr: remote,
			Detail: fmt.Sprintf(`{"suspension":%d,"kind":%q,"target":%d,"org":%d,"alert":%d,"reason":%q}`, sp.ID, sp.Kind, sp.TargetID, sp.OrgID, sp.AlertID, sp.Reason)})
	})
	if err != nil {
		return Suspension{}, err
	}
	s.Metrics.suspended(sp.Kind, sp.AlertID != 0)
	if s.Log != nil {
		s.Log.Warn("suspended", "kind", sp.Kind, "target", sp.TargetID, "name", sp.Target, "org", sp.OrgID, "alert", sp.AlertID, "by", by, "reason", sp.Reason)
	}
	return sp, nil
}

// Reinstate lifts a suspension in force (operator staff).
func (s *Service) Reinstate(ctx context.Context, p access.Principal, id int64, reason string) (Suspension, error) {
	if !staff(p) {
		return Suspension{}, errStaffOnly
	}
	reason = strings.TrimSpace(reason)
	if utf8.RuneCountInString(reason) > 500 {
		return Suspension{}, fault.New(fault.Invalid, "monitor.reason", "state a reason of 1 to 500 characters")
	}
	var sp Suspension
	err := s.InTx(ctx, func(r Repo) error {
		var err error
		sp, err = r.LiftSuspension(ctx, id, p.ActorName(), reason, s.now())
		if err != nil {
			return err
		}
		return r.AppendAudit(ctx, &audit.Entry{Time: sp.LiftedAt, ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID,
			Action: "monitor.reinstate", Outcome: audit.OK, RemoteAddr: p.RemoteAddr,
			Detail: fmt.Sprintf(`{"suspension":%d,"kind":%q,"target":%d,"org":%d,"reason":%q}`, sp.ID, sp.Kind, sp.TargetID, sp.OrgID, reason)})
	})
	if err != nil {
		return Suspension{}, err
	}
	if s.Log != nil {
		s.Log.Info("reinstated", "kind", sp.Kind, "target", sp.TargetID, "by", p.ActorName())
	}
	return sp, nil
}

// ListSuspensions lists suspensions (operator staff and auditors).
func (s *Service) ListSuspensions(ctx context.Context, p access.Principal, activeOnly bool, limit int) ([]Suspension, error) {
	if !canRead(p) {
		return nil, fault.New(fault.Forbidden, "monitor.read_forbidden", "only operator staff and auditors see security monitoring")
	}
	return s.Repo.ListSuspensions(ctx, activeOnly, limit)
}

// ListAlerts lists alerts (operator staff and auditors).
func (s *Service) ListAlerts(ctx context.Context, p access.Principal, f AlertFilter) ([]Alert, error) {
	if !canRead(p) {
		return nil, fault.New(fault.Forbidden, "monitor.read_forbidden", "only operator staff and auditors see security monitoring")
	}
	return s.Repo.ListAlerts(ctx, f)
}

// Alert returns one alert with its evidence entries (operator staff and
// auditors).
func (s *Service) Alert(ctx context.Context, p access.Principal, id int64) (Alert, []audit.Entry, error) {
	if !canRead(p) {
		return Alert{}, nil, fault.New(fault.Forbidden, "monitor.read_forbidden", "only operator staff and auditors see security monitoring")
	}
	a, err := s.Repo.AlertByID(ctx, id)
	if err != nil {
		return Alert{}, nil, err
	}
	want := make(map[int64]bool, len(a.Entries))
	for _, q := range a.Entries {
		want[q] = true
	}
	var es []audit.Entry
	if len(a.Entries) > 0 {
		first := a.Entries[0]
		for _, q := range a.Entries {
			first = min(first, q)
		}
		stop := fmt.Errorf("stop")
		err := s.Repo.ScanAudit(ctx, first-1, func(e audit.Entry) error {
			if want[e.Seq] {
				es = append(es, e)
				if len(es) == len(want) {
					return stop
				}
			}
			return nil
		})
		if err != nil && err != stop {
			return Alert{}, nil, err
		}
	}
	return a, es, nil
}

// Check refuses a suspended principal: fault.Forbidden "access.suspended"
// naming what is suspended and why. It reads the store on every call (one
// statement for the key, the user and the organisation), so a suspension
// takes effect at the next request on every instance of the node.
func (s *Service) Check(ctx context.Context, p access.Principal) error {
	if p.OrgID == 0 {
		return nil
	}
	sp, ok, err := s.Repo.ActiveSuspension(ctx, p.UserID, p.APIKeyID, p.OrgID)
	if err != nil || !ok {
		return err
	}
	return fault.New(fault.Forbidden, "access.suspended", "suspended").
		With("kind", string(sp.Kind)).With("reason", sp.Reason).With("since", sp.CreatedAt.Format(time.RFC3339))
}

// Messages are the texts of this package's codes ({English, 中文}).
var Messages = map[string][2]string{
	"monitor.staff_only":        {"Only operator staff may suspend or reinstate.", "只有平台运营人员可以暂停或恢复访问。"},
	"monitor.read_forbidden":    {"Only operator staff and auditors see security monitoring.", "只有平台运营人员和审计人员可以查看安全监测信息。"},
	"monitor.unknown_kind":      {"The kind must be user, api_key or org, not \"{kind}\".", "类型只能是 user（用户）、api_key（API 密钥）或 org（机构），不能是“{kind}”。"},
	"monitor.target_id":         {"Name the user, key or organisation by its id.", "请用编号指明要暂停的用户、密钥或机构。"},
	"monitor.reason":            {"State a reason of 1 to 500 characters.", "请填写 1 至 500 个字符的理由。"},
	"monitor.self":              {"You cannot suspend yourself.", "不能暂停自己的账户。"},
	"monitor.target_not_found":  {"There is no such user, API key or organisation.", "未找到该用户、API 密钥或机构。"},
	"monitor.already_suspended": {"This is already suspended.", "该对象已处于暂停状态。"},
	"monitor.not_suspended":     {"This is not suspended.", "该对象未被暂停。"},
	"monitor.alert_not_found":   {"No such alert.", "未找到该告警。"},
	"monitor.rate_limited":      {"Too many requests. Try again in {seconds} seconds.", "请求过于频繁，请在 {seconds} 秒后重试。"},
}

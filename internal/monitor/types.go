package monitor

import (
	"context"
	"time"

	"github.com/creditbridge/creditbridge/internal/audit"
)

// Kind is what a suspension applies to.
type Kind string

// Suspension kinds.
const (
	KindUser   Kind = "user"
	KindAPIKey Kind = "api_key"
	KindOrg    Kind = "org"
)

// Kinds lists every suspension kind.
var Kinds = []Kind{KindUser, KindAPIKey, KindOrg}

// Suspension blocks a user, an API key or a whole organisation from its
// next request on until an operator reinstates it.
type Suspension struct {
	ID       int64
	Kind     Kind
	TargetID int64
	// OrgID is the organisation of the target (the target itself for an
	// organisation).
	OrgID int64
	// Target names the target for people: a username, a key prefix or an
	// organisation name.
	Target     string
	Reason     string
	AlertID    int64 // the alert that caused it, zero for a manual one
	By         string
	CreatedAt  time.Time
	LiftedAt   time.Time // zero while in force
	LiftedBy   string
	LiftReason string
}

// Active reports whether the suspension is in force.
func (s Suspension) Active() bool { return s.LiftedAt.IsZero() }

// Severities of an alert. High-severity alerts suspend the actor when the
// policy says so.
const (
	SeverityMedium = "medium"
	SeverityHigh   = "high"
)

// Rules the detector applies.
const (
	RuleUnbackedBreadth = "unbacked_breadth" // many enterprises without an application behind them
	RuleDeniedBurst     = "denied_burst"     // many denied reads in a short time
	RuleSequentialScan  = "sequential_scan"  // credit codes read in ascending (or descending) order
	RuleNightBulk       = "night_bulk"       // bulk reads outside business hours
	RuleVolumeBaseline  = "volume_baseline"  // hourly reads far above the institution's own normal
	RuleExportBaseline  = "export_baseline"  // exports far above the institution's own normal
	RuleProbeMisses     = "probe_misses"     // many look-ups of credit codes that are not registered
)

// Rules lists every rule.
var Rules = []string{RuleUnbackedBreadth, RuleDeniedBurst, RuleSequentialScan, RuleNightBulk, RuleVolumeBaseline, RuleExportBaseline, RuleProbeMisses}

// Alert is a detected pattern of misuse with the evidence behind it.
type Alert struct {
	ID       int64
	Rule     string
	Severity string
	// Score is the observed measure divided by the rule's threshold (1 at
	// the threshold; higher is worse).
	Score    float64
	OrgID    int64
	UserID   int64 // zero for an API key
	APIKeyID int64 // zero for a user
	Actor    string
	// Observed and Threshold are the measure and the limit it crossed
	// (distinct enterprises, denied reads, run length, reads per hour...).
	Observed  float64
	Threshold float64
	// Entries are the sequence numbers of the evidence entries behind the
	// alert (at most MaxAlertEntries, the latest).
	Entries      []int64
	Detail       string // short English summary for logs
	SuspensionID int64  // the automatic suspension, if any
	CreatedAt    time.Time
}

// MaxAlertEntries bounds the evidence list an alert carries.
const MaxAlertEntries = 200

// AlertFilter narrows ListAlerts.
type AlertFilter struct {
	OrgID int64
	Rule  string
	Limit int
	After int64 // keyset: alerts with ID < After (newest first); zero from the newest
}

// HourCount is one organisation's reads, denials and exports in one hour.
type HourCount struct {
	OrgID   int64
	Hour    time.Time // UTC, truncated to the hour
	Reads   int64
	Denied  int64
	Exports int64
}

// Target is what a suspension names, as the store resolves it.
type Target struct {
	OrgID int64
	Name  string
}

// Store persists alerts, suspensions, hourly counts and the detector's
// position in the evidence log. Implementations live in internal/store.
type Store interface {
	// InsertAlert stores a and sets a.ID and a.CreatedAt (when zero).
	InsertAlert(ctx context.Context, a *Alert) error
	// SetAlertSuspension links an alert to the suspension it caused;
	// fault.NotFound if the alert is unknown.
	SetAlertSuspension(ctx context.Context, alertID, suspensionID int64) error
	// AlertByID must return fault.NotFound "monitor.alert_not_found".
	AlertByID(ctx context.Context, id int64) (Alert, error)
	// ListAlerts returns alerts newest first.
	ListAlerts(ctx context.Context, f AlertFilter) ([]Alert, error)

	// SuspensionTarget resolves a target: its organisation and a name;
	// fault.NotFound "monitor.target_not_found" if it does not exist.
	SuspensionTarget(ctx context.Context, kind Kind, id int64) (Target, error)
	// InsertSuspension stores s and sets s.ID; fault.Conflict
	// "monitor.already_suspended" if the target has one in force.
	InsertSuspension(ctx context.Context, s *Suspension) error
	// LiftSuspension ends a suspension in force and returns it;
	// fault.NotFound "monitor.not_suspended" if it is unknown or already
	// lifted.
	LiftSuspension(ctx context.Context, id int64, by, reason string, at time.Time) (Suspension, error)
	// ActiveSuspension returns the first suspension in force among a
	// user, an API key and an organisation (zero ids are skipped), and
	// false if none is.
	ActiveSuspension(ctx context.Context, userID, apiKeyID, orgID int64) (Suspension, bool, error)
	// ListSuspensions returns suspensions newest first; activeOnly leaves
	// out lifted ones.
	ListSuspensions(ctx context.Context, activeOnly bool, limit int) ([]Suspension, error)

	// AddHourCounts adds the counts to the stored ones (upsert).
	AddHourCounts(ctx context.Context, cs []HourCount) error
	// HourCounts returns an organisation's hours with any activity in
	// [from, to), oldest first.
	HourCounts(ctx context.Context, orgID int64, from, to time.Time) ([]HourCount, error)

	// MonitorPosition returns the last evidence sequence number the named
	// detector consumed (zero if it never ran).
	MonitorPosition(ctx context.Context, name string) (int64, error)
	// SetMonitorPosition records it.
	SetMonitorPosition(ctx context.Context, name string, seq int64) error
}

// Repo is what the service needs: its own store and the evidence log, so a
// suspension and its evidence entry commit together.
type Repo interface {
	Store
	audit.Store
}

package scoring

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/creditcode"
	"github.com/creditbridge/creditbridge/internal/fault"
)

// ReadQuery is how a caller asks for an enterprise's score.
type ReadQuery struct {
	Code            string // unified social credit code
	Purpose         string
	AuthorizationID string
	Lang            string // "zh-CN" or "en": the wording of the reasons
}

// Explanation is a score as its reader sees it: the score, grade and PD,
// the reasons in words, the indicator system's dimensions and the data
// used, with provenance.
type Explanation struct {
	Enterprise   string    `json:"enterprise"` // credit code
	Name         string    `json:"name"`
	ScoreID      int64     `json:"score_id"`
	AsOf         time.Time `json:"as_of"`
	ComputedAt   time.Time `json:"computed_at"`
	Score        float64   `json:"score"`
	Grade        string    `json:"grade"`
	PD           *float64  `json:"pd,omitempty"`
	Model        string    `json:"model,omitempty"`
	ModelVersion int64     `json:"model_version_id,omitempty"`
	// ModelNote says "no statistical model promoted" when the indicator
	// system alone scored.
	ModelNote      string        `json:"model_note,omitempty"`
	IndicatorScore float64       `json:"indicator_score"`
	IndicatorGrade string        `json:"indicator_grade"`
	IndicatorVer   string        `json:"indicator_system"`
	FeatureSet     string        `json:"feature_set"`
	Cause          string        `json:"cause"`
	Reasons        []ReasonText  `json:"reasons"`
	Dimensions     []Dimension   `json:"dimensions"`
	DataUsed       []SourceGroup `json:"data_used"`
	// Features are the values computed, shown to the enterprise itself
	// and the operator only (an institution sees the reasons).
	Features *Features `json:"features,omitempty"`
	// Purpose and AuthorizationID are what the read was recorded under.
	Purpose         string `json:"purpose"`
	AuthorizationID string `json:"authorization_id,omitempty"`
}

// ReasonText is a reason code with its wording.
type ReasonText struct {
	Reason
	Text string `json:"text"`
}

// Wording returns a reason in words: "纳税信用等级为 C，扣 23 分" or
// "Tax credit grade is C: 23 points lost".
func Wording(r Reason, lang string) string {
	v := formatValue(r.Value, r.Unit)
	if v == "" {
		v = "—"
	}
	lost := strconv.FormatFloat(r.Lost, 'f', -1, 64)
	if lang == "en" {
		name := r.NameEN
		if name == "" {
			name = r.Variable
		}
		if r.Value == "" {
			return fmt.Sprintf("%s is missing: %s points lost", name, lost)
		}
		return fmt.Sprintf("%s is %s: %s points lost", name, v, lost)
	}
	name := r.NameZH
	if name == "" {
		name = r.Variable
	}
	if r.Value == "" {
		return fmt.Sprintf("%s缺失，扣 %s 分", name, lost)
	}
	return fmt.Sprintf("%s为 %s，扣 %s 分", name, v, lost)
}

// NoModelNote is the ModelNote of a score computed without a model.
func NoModelNote(lang string) string {
	if lang == "en" {
		return "No statistical model promoted: the score is the indicator system's."
	}
	return "尚未晋级统计模型：本评分为指标体系评分。"
}

// Explain builds the explanation of sc for lang; features are included
// when full is set.
func Explain(sc Score, lang string, full bool) Explanation {
	x := Explanation{ScoreID: sc.ID, AsOf: sc.AsOf, ComputedAt: sc.ComputedAt, Score: sc.Points, Grade: sc.Grade,
		Model: sc.Model, ModelVersion: sc.ModelVersionID, IndicatorScore: sc.IndicatorScore, IndicatorGrade: sc.IndicatorGrade,
		IndicatorVer: sc.IndicatorVer, FeatureSet: sc.FeatureSet, Cause: sc.Cause, Dimensions: sc.Indicator.Dimensions,
		DataUsed: sc.Sources, Reasons: []ReasonText{}}
	if sc.HasPD {
		pd := sc.PD
		x.PD = &pd
	} else {
		x.ModelNote = NoModelNote(lang)
	}
	for _, r := range sc.Reasons {
		x.Reasons = append(x.Reasons, ReasonText{Reason: r, Text: Wording(r, lang)})
	}
	if full {
		f := sc.Features
		x.Features = &f
	}
	return x
}

// Read returns the latest score of the enterprise q names, through the
// access decision point under ItemCode: an institution needs the item's
// grade within its tier and an authorization covering it (purpose, item,
// data dates: the score's as-of date must lie in the authorized range,
// mode view); the enterprise reads its own free. The read leaves an
// evidence entry naming the score returned.
func (s *Service) Read(ctx context.Context, p access.Principal, q ReadQuery) (Explanation, error) {
	c, err := creditcode.Parse(q.Code)
	if err != nil {
		return Explanation{}, err
	}
	ent, err := s.Repo.EnterpriseByCode(ctx, string(c))
	if err != nil {
		return Explanation{}, err
	}
	if s.Policies == nil {
		return Explanation{}, fmt.Errorf("scoring: no catalogue to resolve %s", ItemCode)
	}
	g := access.Guard{Log: s.Repo, Now: s.now, Policies: s.Policies, Grants: s.Grants}
	req := access.Request{Principal: p, Action: "score.read", EnterpriseID: ent.ID, Items: []string{ItemCode},
		Purpose: q.Purpose, AuthorizationID: q.AuthorizationID, Mode: access.ModeView}
	var x Explanation
	d, err := g.Read(ctx, req, func(d access.Decision) (any, error) {
		sc, err := s.latestWithin(ctx, ent.ID, d.Grant)
		if err != nil {
			return nil, err
		}
		full := p.OrgKind != account.KindInstitution
		x = Explain(sc, q.Lang, full)
		return map[string]any{"score_id": sc.ID, "as_of": sc.AsOf.Format(time.RFC3339), "grade": sc.Grade}, nil
	})
	if err != nil {
		return Explanation{}, err
	}
	x.Enterprise, x.Name = ent.Code, ent.NameZH
	x.Purpose, x.AuthorizationID = d.Purpose, d.AuthorizationID
	return x, nil
}

// latestWithin returns the newest score whose as-of date lies in g's data
// date range (any score when g is nil).
func (s *Service) latestWithin(ctx context.Context, enterpriseID int64, g *access.Grant) (Score, error) {
	sc, err := s.Repo.LatestScore(ctx, enterpriseID)
	if err != nil || g == nil || inRange(sc.AsOf, g) {
		return sc, err
	}
	hist, err := s.Repo.ScoreHistory(ctx, enterpriseID, 500)
	if err != nil {
		return Score{}, err
	}
	for _, h := range hist {
		if inRange(h.AsOf, g) {
			return s.Repo.ScoreByID(ctx, h.ID)
		}
	}
	return Score{}, fault.New(fault.NotFound, "scoring.no_score_in_range", "no score as of a date inside the authorized range")
}

func inRange(asOf time.Time, g *access.Grant) bool {
	day := time.Date(asOf.Year(), asOf.Month(), asOf.Day(), 0, 0, 0, 0, time.UTC)
	return (g.DataFrom.IsZero() || !day.Before(g.DataFrom)) && (g.DataTo.IsZero() || !day.After(g.DataTo))
}

// History returns an enterprise's score history (summaries, newest first)
// for the operator and auditors, and for the enterprise itself; it leaves
// an evidence entry like any read.
func (s *Service) History(ctx context.Context, p access.Principal, code string, limit int) ([]Score, error) {
	c, err := creditcode.Parse(code)
	if err != nil {
		return nil, err
	}
	ent, err := s.Repo.EnterpriseByCode(ctx, string(c))
	if err != nil {
		return nil, err
	}
	if p.OrgKind == account.KindInstitution {
		return nil, fault.New(fault.Forbidden, "scoring.history_forbidden", "institutions read the current score only")
	}
	g := access.Guard{Log: s.Repo, Now: s.now, Policies: s.Policies, Grants: s.Grants}
	var out []Score
	_, err = g.Read(ctx, access.Request{Principal: p, Action: "score.history", EnterpriseID: ent.ID, Items: []string{ItemCode}},
		func(access.Decision) (any, error) {
			var err error
			out, err = s.Repo.ScoreHistory(ctx, ent.ID, limit)
			return map[string]any{"scores": len(out)}, err
		})
	return out, err
}

package scoring

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/creditbridge/creditbridge/internal/facts"
	"github.com/creditbridge/creditbridge/internal/sharing"
)

// Live serves the catalogue item ItemCode to internal/sharing from the
// stored scores, so that a score appears in the data API and on the
// enterprise pages wherever the item is asked for, decided and recorded by
// the same decision point as every other item; every other item goes to
// Next (the department connectors).
type Live struct {
	Scores interface {
		ScoreHistory(ctx context.Context, enterpriseID int64, limit int) ([]Score, error)
	}
	Next sharing.Live // nil: other interface items are unavailable
}

// ConnectorName is how the scoring store appears as a connector in the
// evidence of an interface call.
const ConnectorName = "platform-scoring"

// Fetch implements sharing.Live.
func (l Live) Fetch(ctx context.Context, req sharing.LiveRequest) (sharing.LiveResult, error) {
	if req.Item.Code != ItemCode {
		if l.Next == nil {
			return sharing.LiveResult{}, fmt.Errorf("scoring: no connector serves %s", req.Item.Code)
		}
		return l.Next.Fetch(ctx, req)
	}
	start := time.Now()
	hist, err := l.Scores.ScoreHistory(ctx, req.EnterpriseID, 500)
	if err != nil {
		return sharing.LiveResult{Connector: ConnectorName}, err
	}
	out := make([]facts.Fact, 0, len(hist))
	for _, sc := range hist {
		detail := map[string]any{"score_id": sc.ID, "as_of": sc.AsOf.Format(time.RFC3339), "indicator_score": sc.IndicatorScore,
			"indicator_grade": sc.IndicatorGrade, "indicator_system": sc.IndicatorVer, "feature_set": sc.FeatureSet}
		if sc.HasPD {
			detail["pd"], detail["model"] = sc.PD, sc.Model
		}
		b, err := json.Marshal(detail)
		if err != nil {
			return sharing.LiveResult{Connector: ConnectorName}, err
		}
		day := time.Date(sc.AsOf.Year(), sc.AsOf.Month(), sc.AsOf.Day(), 0, 0, 0, 0, time.UTC)
		out = append(out, facts.Fact{EnterpriseID: sc.EnterpriseID, Item: ItemCode, Shape: facts.Attribute, Period: day,
			Num: int64(sc.Points + 0.5), Text: sc.Grade, Ref: strconv.FormatInt(sc.ID, 10), Detail: string(b), Source: Department,
			Batch: "score:" + strconv.FormatInt(sc.ID, 10), ReceivedAt: sc.ComputedAt, Version: 1})
	}
	// Oldest first, as stored facts come.
	for i, j := 0, len(out)-1; i < j; i, j = i+1, j-1 {
		out[i], out[j] = out[j], out[i]
	}
	return sharing.LiveResult{Facts: out, Connector: ConnectorName, Attempts: 1, Duration: time.Since(start)}, nil
}

var _ sharing.Live = Live{}

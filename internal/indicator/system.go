package indicator

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Format names the JSON format of a System.
const Format = "creditbridge.indicator-system/v1"

// Grades is the GB/T 22116 scale, best first. A System's cut-offs name
// every grade, in this order.
var Grades = []string{"AAA", "AA", "A", "BBB", "BB", "B", "CCC", "CC", "C"}

// Missing policies.
const (
	// MissingScore gives a missing feature the policy's Score.
	MissingScore = "score"
	// MissingDrop leaves the indicator out and spreads its weight over the
	// dimension's other indicators in proportion to theirs; a dimension
	// whose indicators are all dropped is left out the same way.
	MissingDrop = "drop"
)

// System is one version of an indicator system. Weights are percentages:
// the dimensions' sum to 100, and so do the indicators' within each
// dimension.
type System struct {
	Format     string      `json:"format"`
	Version    string      `json:"version"` // e.g. "gbt23794-style/v1"; unique among stored versions
	NameZH     string      `json:"name_zh"`
	NameEN     string      `json:"name_en"`
	NoteZH     string      `json:"note_zh,omitempty"`
	NoteEN     string      `json:"note_en,omitempty"`
	FeatureSet string      `json:"feature_set,omitempty"` // the features.Set version it was written against (informative)
	Grades     []Cut       `json:"grades"`                // best first
	Dimensions []Dimension `json:"dimensions"`
}

// Cut is a grade's lower bound: a score ≥ Min (and below the better
// grade's Min) earns Grade.
type Cut struct {
	Grade string  `json:"grade"`
	Min   float64 `json:"min"`
}

// Dimension is a group of indicators with its weight in the total.
type Dimension struct {
	Code       string      `json:"code"`
	NameZH     string      `json:"name_zh"`
	NameEN     string      `json:"name_en"`
	Weight     float64     `json:"weight"`
	Indicators []Indicator `json:"indicators"`
}

// Indicator scores one feature.
type Indicator struct {
	Code      string   `json:"code"`
	Feature   string   `json:"feature"` // a features.Vector key (Num or Cat)
	NameZH    string   `json:"name_zh"`
	NameEN    string   `json:"name_en"`
	ExplainZH string   `json:"explain_zh"`
	ExplainEN string   `json:"explain_en"`
	Weight    float64  `json:"weight"` // within the dimension
	Score     Function `json:"score"`
	Missing   Missing  `json:"missing"`
}

// Missing says what a missing feature (absent from the vector, NaN, or a
// text the function cannot read) does: Policy MissingScore scores it
// Score; MissingDrop drops the indicator (Score must be absent).
type Missing struct {
	Policy string   `json:"policy"`
	Score  *float64 `json:"score,omitempty"`
}

// Describe says the policy in words, in English and Chinese.
func (m Missing) Describe() (en, zh string) {
	if m.Policy == MissingDrop {
		return "if missing: left out, its weight spread over the dimension's other indicators",
			"缺失时：不计入，其权重按比例分给本维度其他指标"
	}
	if m.Score == nil {
		return m.Policy, m.Policy
	}
	return "if missing: scored " + num(*m.Score), "缺失时：计 " + num(*m.Score) + " 分"
}

var (
	codePattern    = regexp.MustCompile(`^[a-z][a-z0-9_]{0,39}$`)
	featurePattern = regexp.MustCompile(`^[a-z][a-z0-9_]{0,63}$`)
	versionPattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/\-]{0,63}$`)
)

// weightTolerance is how far a sum of weights may be from 100.
const weightTolerance = 1e-6

// maxBody bounds a System's JSON (the default is about 20 KB).
const maxBody = 1 << 20

func invalid(code, msg string) *fault.Error { return fault.New(fault.Invalid, code, msg) }

// Parse reads a System from its JSON and checks its structure (Validate
// with no feature list). Unknown fields, trailing data and a body over
// 1 MiB are refused. Errors are fault.Invalid; a structural problem comes
// as a *fault.FieldsError listing every problem with its path.
func Parse(data []byte) (*System, error) { return parse(data, nil) }

// parse decodes data and validates it against known in one pass, so that
// every problem (feature names included) is reported at once.
func parse(data []byte, known map[string]bool) (*System, error) {
	if len(data) > maxBody {
		return nil, invalid("indicator.too_large", "the indicator system is larger than 1 MiB")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s System
	if err := dec.Decode(&s); err != nil {
		return nil, invalid("indicator.json", "the indicator system is not valid JSON of the expected shape").
			With("detail", jsonDetail(err)).Wrap(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, invalid("indicator.json", "the indicator system is not valid JSON of the expected shape").
			With("detail", "data after the end of the object")
	}
	if err := s.Validate(known); err != nil {
		return nil, err
	}
	return &s, nil
}

// jsonDetail says what is wrong with JSON without quoting more of it than
// a field name.
func jsonDetail(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	case errors.As(err, &te):
		return "wrong type for " + te.Field
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown field " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end"
	}
	return "unreadable"
}

// Validate checks the whole system and returns every problem at once as a
// fault.Invalid *fault.FieldsError (nil when valid): the format, version
// label and names; dimension and indicator codes (unique); weights above 0
// summing to 100 among dimensions and within each dimension; each scoring
// function (a known kind with only its own fields, scores 0-100,
// breakpoints strictly increasing, a declared trend kept); the missing
// policy; the grade cut-offs (all nine GB/T 22116 grades, best first,
// strictly decreasing, the last at 0). When known is not nil every
// indicator's feature must be in it (the feature set's names).
func (s *System) Validate(known map[string]bool) error {
	var fs fault.Fields
	if s.Format != Format {
		fs.Add("format", invalid("indicator.format", "the format must be "+Format).With("value", s.Format).With("format", Format))
	}
	if !versionPattern.MatchString(s.Version) {
		fs.Add("version", invalid("indicator.version", "the version label is 1 to 64 letters, digits or . _ / -").With("value", s.Version))
	}
	text(&fs, "name_zh", s.NameZH, 1, 100)
	text(&fs, "name_en", s.NameEN, 1, 200)
	text(&fs, "note_zh", s.NoteZH, 0, 2000)
	text(&fs, "note_en", s.NoteEN, 0, 4000)
	text(&fs, "feature_set", s.FeatureSet, 0, 64)
	validateGrades(s.Grades, &fs)
	if len(s.Dimensions) == 0 {
		fs.Add("dimensions", invalid("indicator.dimensions_empty", "the system needs at least one dimension"))
	}
	dims := map[string]bool{}
	var dimSum float64
	for i, d := range s.Dimensions {
		f := fmt.Sprintf("dimensions[%d]", i)
		if !codePattern.MatchString(d.Code) {
			fs.Add(f+".code", invalid("indicator.code", "a code is 1 to 40 lower-case letters, digits or _, starting with a letter").With("value", d.Code))
		} else if dims[d.Code] {
			fs.Add(f+".code", invalid("indicator.duplicate", "the code is used twice").With("value", d.Code))
		}
		dims[d.Code] = true
		text(&fs, f+".name_zh", d.NameZH, 1, 100)
		text(&fs, f+".name_en", d.NameEN, 1, 200)
		weight(&fs, f+".weight", d.Weight)
		dimSum += d.Weight
		if len(d.Indicators) == 0 {
			fs.Add(f+".indicators", invalid("indicator.indicators_empty", "a dimension needs at least one indicator").With("dimension", d.Code))
		}
		inds := map[string]bool{}
		var indSum float64
		for j, in := range d.Indicators {
			g := fmt.Sprintf("%s.indicators[%d]", f, j)
			if !codePattern.MatchString(in.Code) {
				fs.Add(g+".code", invalid("indicator.code", "a code is 1 to 40 lower-case letters, digits or _, starting with a letter").With("value", in.Code))
			} else if inds[in.Code] {
				fs.Add(g+".code", invalid("indicator.duplicate", "the code is used twice").With("value", in.Code))
			}
			inds[in.Code] = true
			switch {
			case !featurePattern.MatchString(in.Feature):
				fs.Add(g+".feature", invalid("indicator.feature_name", "a feature name is snake_case, 1 to 64 characters").With("value", in.Feature))
			case known != nil && !known[in.Feature]:
				fs.Add(g+".feature", invalid("indicator.feature_unknown", "the feature set has no feature of this name").With("feature", in.Feature))
			}
			text(&fs, g+".name_zh", in.NameZH, 1, 100)
			text(&fs, g+".name_en", in.NameEN, 1, 200)
			text(&fs, g+".explain_zh", in.ExplainZH, 1, 1000)
			text(&fs, g+".explain_en", in.ExplainEN, 1, 2000)
			weight(&fs, g+".weight", in.Weight)
			indSum += in.Weight
			in.Score.validate(g+".score", &fs)
			switch in.Missing.Policy {
			case MissingScore:
				if in.Missing.Score == nil {
					fs.Add(g+".missing.score", invalid("indicator.missing_score", "the missing policy \"score\" states the score"))
				} else if !validScore(*in.Missing.Score) {
					fs.Add(g+".missing.score", scoreRange(*in.Missing.Score))
				}
			case MissingDrop:
				if in.Missing.Score != nil {
					fs.Add(g+".missing.score", invalid("indicator.missing_drop_score", "the missing policy \"drop\" takes no score"))
				}
			default:
				fs.Add(g+".missing.policy", invalid("indicator.missing_policy", "the missing policy is \"score\" or \"drop\"").With("value", in.Missing.Policy))
			}
		}
		if len(d.Indicators) > 0 && math.Abs(indSum-100) > weightTolerance {
			fs.Add(f+".indicators", invalid("indicator.indicator_weights_sum", "the indicators' weights in a dimension must sum to 100").
				With("dimension", d.Code).With("sum", num(indSum)))
		}
	}
	if len(s.Dimensions) > 0 && math.Abs(dimSum-100) > weightTolerance {
		fs.Add("dimensions", invalid("indicator.dimension_weights_sum", "the dimensions' weights must sum to 100").With("sum", num(dimSum)))
	}
	return fs.Err()
}

func text(fs *fault.Fields, field, s string, lo, hi int) {
	n := utf8.RuneCountInString(s)
	if !utf8.ValidString(s) || n < lo || n > hi || (lo > 0 && strings.TrimSpace(s) == "") {
		fs.Add(field, invalid("indicator.text", "the text must have the stated length").
			With("field", field).With("min", strconv.Itoa(lo)).With("max", strconv.Itoa(hi)))
	}
}

func weight(fs *fault.Fields, field string, w float64) {
	if !(w > 0 && w <= 100) {
		fs.Add(field, invalid("indicator.weight", "a weight is more than 0 and at most 100").With("value", num(w)))
	}
}

func validateGrades(cuts []Cut, fs *fault.Fields) {
	if len(cuts) != len(Grades) {
		fs.Add("grades", invalid("indicator.grades", "the cut-offs name the nine grades AAA, AA, A, BBB, BB, B, CCC, CC, C, best first").
			With("grades", strings.Join(Grades, ", ")))
		return
	}
	for i, c := range cuts {
		f := fmt.Sprintf("grades[%d]", i)
		if c.Grade != Grades[i] {
			fs.Add(f+".grade", invalid("indicator.grades", "the cut-offs name the nine grades AAA, AA, A, BBB, BB, B, CCC, CC, C, best first").
				With("grades", strings.Join(Grades, ", ")))
		}
		if !validScore(c.Min) {
			fs.Add(f+".min", scoreRange(c.Min))
		}
		if i > 0 && !(c.Min < cuts[i-1].Min) {
			fs.Add(f+".min", invalid("indicator.grade_order", "each grade's lower bound must be below the better grade's").With("grade", c.Grade))
		}
	}
	if last := cuts[len(cuts)-1]; last.Min != 0 {
		fs.Add(fmt.Sprintf("grades[%d].min", len(cuts)-1), invalid("indicator.grade_floor", "the lowest grade starts at 0, so every score has a grade"))
	}
}

// Grade returns the grade of a 0-100 score under the system's cut-offs.
func (s *System) Grade(score float64) string {
	for _, c := range s.Grades {
		if score >= c.Min {
			return c.Grade
		}
	}
	if len(s.Grades) > 0 {
		return s.Grades[len(s.Grades)-1].Grade
	}
	return ""
}

// Canonical returns the system's canonical JSON (compact, fields in
// declaration order, map keys sorted): what is stored and digested. The
// API serves exactly these bytes as a version's "system", so anyone can
// check its digest.
func (s *System) Canonical() ([]byte, error) {
	b, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("indicator: marshal system: %w", err)
	}
	return b, nil
}

// Digest is the hex SHA-256 of a canonical body.
func Digest(body []byte) string {
	h := sha256.Sum256(body)
	return hex.EncodeToString(h[:])
}

// Features lists the feature names the system reads, in order of first
// use.
func (s *System) Features() []string {
	seen := map[string]bool{}
	var out []string
	for _, d := range s.Dimensions {
		for _, in := range d.Indicators {
			if !seen[in.Feature] {
				seen[in.Feature] = true
				out = append(out, in.Feature)
			}
		}
	}
	return out
}

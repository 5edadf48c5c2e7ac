package verify

import (
	"encoding/hex"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"

	"github.com/creditbridge/creditbridge/internal/fault"
)

// Limits of one question's text and shape.
const (
	MaxQuestionLen  = 500 // bytes
	MaxProbesPerQ   = 8   // constants compared with variables in one question
	MaxListElements = 8   // elements of an "in" list
)

// LegalRepFunc is the one function of the language: it is true when the
// SHA-256 (lower-case hex) of the legal representative's resident identity
// number, upper-case, equals its argument.
const LegalRepFunc = "legal_rep_id_matches"

// Probe is one constant a question compares a variable with: what the
// anti-extraction limits count. Value is canonical (numbers in shortest
// decimal form, strings as written, hashes in lower case).
type Probe struct {
	Item     string `json:"item"` // the catalogue item the limits count against
	Variable string `json:"variable"`
	Value    string `json:"value"`
}

// number returns the probe's value as a number, if it is one.
func (p Probe) number() (float64, bool) {
	f, err := strconv.ParseFloat(p.Value, 64)
	return f, err == nil && p.Variable != LegalRepFunc
}

// Question is a compiled, validated question.
type Question struct {
	Text   string
	Vars   []*Variable // the variables it reads, in Variables order
	Probes []Probe
	prg    cel.Program
	band   *Scale // a band question (bands.go): no program
}

// Items lists the catalogue items the question reads.
func (q *Question) Items() []string {
	var out []string
	for _, v := range q.Vars {
		for _, it := range v.Items {
			if !contains(out, it) {
				out = append(out, it)
			}
		}
	}
	return out
}

var (
	envOnce sync.Once
	env     *cel.Env
	envErr  error
)

// language is the CEL environment: every variable (numbers as double, so
// that 1000000 and 1000000.5 compare alike) and the legal representative
// function, bound late to the enterprise being asked about.
func language() (*cel.Env, error) {
	envOnce.Do(func() {
		opts := []cel.EnvOption{cel.CrossTypeNumericComparisons(true), cel.ClearMacros(),
			cel.Function(LegalRepFunc, cel.Overload(LegalRepFunc+"_string", []*cel.Type{cel.StringType}, cel.BoolType, cel.LateFunctionBinding()))}
		for _, v := range Variables {
			opts = append(opts, cel.Variable(v.Name, v.Kind.celType()))
		}
		env, envErr = cel.NewEnv(opts...)
	})
	return env, envErr
}

// compiled caches questions by text: institutions ask the same few
// questions of many enterprises. The cache is dropped whole when full.
var compiled struct {
	sync.Mutex
	m map[string]*Question
}

const compiledCacheSize = 4096

// Compile parses and validates one question. Errors are fault.Invalid
// with a code naming what is wrong and the question's position in Param
// "question" (1-based) filled in by the caller.
func Compile(text string) (*Question, error) {
	text = strings.TrimSpace(text)
	compiled.Lock()
	q, ok := compiled.m[text]
	compiled.Unlock()
	if ok {
		return q, nil
	}
	q, err := compile(text)
	if err != nil {
		return nil, err
	}
	compiled.Lock()
	if compiled.m == nil || len(compiled.m) >= compiledCacheSize {
		compiled.m = make(map[string]*Question, 64)
	}
	compiled.m[text] = q
	compiled.Unlock()
	return q, nil
}

func compile(text string) (*Question, error) {
	switch {
	case text == "":
		return nil, fault.New(fault.Invalid, "verify.question_empty", "the question is empty")
	case len(text) > MaxQuestionLen:
		return nil, fault.New(fault.Invalid, "verify.question_too_long", "the question is too long").With("max", strconv.Itoa(MaxQuestionLen))
	case !utf8.ValidString(text):
		return nil, fault.New(fault.Invalid, "verify.question_syntax", "the question is not valid UTF-8").With("error", "invalid UTF-8")
	}
	if q, ok, err := compileBand(text); ok || err != nil {
		return q, err
	}
	e, err := language()
	if err != nil {
		return nil, fmt.Errorf("verify: build the question language: %w", err)
	}
	src, err := rewriteBetween(text)
	if err != nil {
		return nil, err
	}
	parsed, iss := e.Parse(src)
	if iss.Err() != nil {
		return nil, syntaxErr(iss.Err())
	}
	q := &Question{Text: text}
	if err := q.validate(parsed.NativeRep().Expr()); err != nil {
		return nil, err
	}
	if len(q.Vars) == 0 && !q.usesLegalRep() {
		return nil, fault.New(fault.Invalid, "verify.question_no_variable", "the question names no variable")
	}
	if len(q.Probes) > MaxProbesPerQ {
		return nil, fault.New(fault.Invalid, "verify.question_too_many_constants", "too many constants in one question").
			With("max", strconv.Itoa(MaxProbesPerQ))
	}
	checked, iss := e.Check(parsed)
	if iss.Err() != nil {
		return nil, syntaxErr(iss.Err())
	}
	if !checked.OutputType().IsExactType(cel.BoolType) {
		return nil, fault.New(fault.Invalid, "verify.question_not_boolean", "the question must be a yes/no condition")
	}
	q.prg, err = e.Program(checked, cel.EvalOptions(cel.OptOptimize))
	if err != nil {
		return nil, fmt.Errorf("verify: plan question: %w", err)
	}
	// Keep Vars in the order of Variables, so sources list stably.
	var ordered []*Variable
	for _, v := range Variables {
		if contains(q.Vars, v) {
			ordered = append(ordered, v)
		}
	}
	q.Vars = ordered
	return q, nil
}

func syntaxErr(err error) error {
	msg := err.Error()
	msg = strings.TrimPrefix(msg, "ERROR: ")
	if i := strings.IndexByte(msg, '\n'); i > 0 {
		msg = msg[:i]
	}
	msg = strings.TrimPrefix(msg, "<input>:")
	return fault.New(fault.Invalid, "verify.question_syntax", "the question cannot be read").With("error", msg).Wrap(err)
}

func (q *Question) usesLegalRep() bool {
	for _, p := range q.Probes {
		if p.Variable == LegalRepFunc {
			return true
		}
	}
	return false
}

func formErr(what string) error {
	return fault.New(fault.Invalid, "verify.question_form", "only comparisons of one variable with constants are allowed").With("part", what)
}

var comparisons = map[string]string{
	operators.Less: "<", operators.LessEquals: "<=", operators.Greater: ">", operators.GreaterEquals: ">=",
	operators.Equals: "==", operators.NotEquals: "!=",
}

// validate walks the parsed expression, allowing only the shapes the
// language documents, collecting variables and probes, and turning every
// integer literal into a double (numeric variables are doubles).
func (q *Question) validate(x celast.Expr) error {
	switch x.Kind() {
	case celast.IdentKind:
		v := variable(x.AsIdent())
		if v == nil {
			return fault.New(fault.Invalid, "verify.unknown_variable", "unknown variable").With("name", x.AsIdent())
		}
		if v.Kind != Bool {
			return formErr(x.AsIdent())
		}
		q.addVar(v)
		return nil
	case celast.LiteralKind:
		if _, ok := x.AsLiteral().(types.Bool); ok {
			return nil
		}
		return formErr(literalText(x.AsLiteral()))
	case celast.CallKind:
	default:
		return formErr(kindName(x.Kind()))
	}
	c := x.AsCall()
	fn, args := c.FunctionName(), c.Args()
	if c.IsMemberFunction() {
		return formErr(fn)
	}
	switch fn {
	case operators.LogicalAnd, operators.LogicalOr:
		for _, a := range args {
			if err := q.validate(a); err != nil {
				return err
			}
		}
		return nil
	case operators.LogicalNot:
		return q.validate(args[0])
	case operators.In:
		v, err := q.operandVar(args[0])
		if err != nil {
			return err
		}
		if args[1].Kind() != celast.ListKind {
			return formErr("in")
		}
		els := args[1].AsList().Elements()
		if len(els) == 0 || len(els) > MaxListElements {
			return fault.New(fault.Invalid, "verify.question_list", "an in-list needs 1 to 8 constants").With("max", strconv.Itoa(MaxListElements))
		}
		for _, el := range els {
			if err := q.constant(v, el); err != nil {
				return err
			}
		}
		return nil
	case LegalRepFunc:
		if len(args) != 1 || args[0].Kind() != celast.LiteralKind {
			return formErr(LegalRepFunc)
		}
		s, ok := args[0].AsLiteral().(types.String)
		h := strings.ToLower(string(s))
		if b, err := hex.DecodeString(h); !ok || err != nil || len(b) != 32 {
			return fault.New(fault.Invalid, "verify.bad_hash", "legal_rep_id_matches needs the 64-character SHA-256 hex of the identity number")
		}
		q.Probes = append(q.Probes, Probe{Item: legalRepItem, Variable: LegalRepFunc, Value: h})
		return nil
	}
	if _, ok := comparisons[fn]; ok {
		l, r := args[0], args[1]
		if l.Kind() != celast.IdentKind {
			l, r = r, l
		}
		v, err := q.operandVar(l)
		if err != nil {
			return err
		}
		if v.Kind == Bool && fn != operators.Equals && fn != operators.NotEquals {
			return formErr(comparisons[fn])
		}
		return q.constant(v, r)
	}
	if op, ok := operators.FindReverse(fn); ok {
		return formErr(op)
	}
	return formErr(fn)
}

// operandVar requires x to be a declared variable.
func (q *Question) operandVar(x celast.Expr) (*Variable, error) {
	if x.Kind() != celast.IdentKind {
		return nil, formErr(kindName(x.Kind()))
	}
	v := variable(x.AsIdent())
	if v == nil {
		return nil, fault.New(fault.Invalid, "verify.unknown_variable", "unknown variable").With("name", x.AsIdent())
	}
	q.addVar(v)
	return v, nil
}

// constant requires x to be a literal of v's kind and records it as a
// probe; integers become doubles.
func (q *Question) constant(v *Variable, x celast.Expr) error {
	if x.Kind() != celast.LiteralKind {
		return formErr(kindName(x.Kind()))
	}
	lit := x.AsLiteral()
	var val string
	switch l := lit.(type) {
	case types.Int:
		f := float64(l)
		x.SetKindCase(celast.NewExprFactory().NewLiteral(x.ID(), types.Double(f)))
		val = formatNum(f)
	case types.Uint:
		f := float64(l)
		x.SetKindCase(celast.NewExprFactory().NewLiteral(x.ID(), types.Double(f)))
		val = formatNum(f)
	case types.Double:
		if math.IsNaN(float64(l)) || math.IsInf(float64(l), 0) {
			return formErr(literalText(lit))
		}
		val = formatNum(float64(l))
	case types.String:
		val = string(l)
	case types.Bool:
		if v.Kind != Bool {
			return typeErr(v)
		}
		return nil // a yes/no variable has nothing to extract
	default:
		return formErr(literalText(lit))
	}
	switch {
	case v.Kind == Number && lit.Type() == types.StringType, v.Kind != Number && lit.Type() != types.StringType:
		return typeErr(v)
	}
	q.Probes = append(q.Probes, Probe{Item: v.Family(), Variable: v.Name, Value: val})
	return nil
}

func typeErr(v *Variable) error {
	return fault.New(fault.Invalid, "verify.question_type", "the constant does not fit the variable").
		With("name", v.Name).With("kind", string(v.Kind))
}

func (q *Question) addVar(v *Variable) {
	if !contains(q.Vars, v) {
		q.Vars = append(q.Vars, v)
	}
}

func formatNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

func literalText(v ref.Val) string { return fmt.Sprint(v.Value()) }

func kindName(k celast.ExprKind) string {
	switch k {
	case celast.ComprehensionKind:
		return "macro"
	case celast.ListKind:
		return "list"
	case celast.MapKind:
		return "map"
	case celast.SelectKind:
		return "field selection"
	case celast.StructKind:
		return "message"
	case celast.IdentKind:
		return "variable"
	case celast.LiteralKind:
		return "constant"
	}
	return "expression"
}

// rewriteBetween turns "NAME between A and B" into "(NAME >= A && NAME <=
// B)" outside string literals; A and B must be number literals.
func rewriteBetween(s string) (string, error) {
	var out strings.Builder
	toks := tokens(s)
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.text == "between" && !t.str {
			if i == 0 || i+3 >= len(toks) || !isIdent(toks[i-1].text) || toks[i+2].text != "and" {
				return "", fault.New(fault.Invalid, "verify.question_between", "write NAME between LOW and HIGH with two numbers")
			}
			lo, hi := toks[i+1].text, toks[i+3].text
			if !isNumber(lo) || !isNumber(hi) {
				return "", fault.New(fault.Invalid, "verify.question_between", "write NAME between LOW and HIGH with two numbers")
			}
			name := toks[i-1].text
			// Remove the name already written.
			cur := out.String()
			cur = cur[:len(cur)-len(toks[i-1].text)-len(toks[i-1].lead)]
			out.Reset()
			out.WriteString(cur)
			out.WriteString(toks[i-1].lead)
			fmt.Fprintf(&out, "(%s >= %s && %s <= %s)", name, lo, name, hi)
			i += 3
			continue
		}
		out.WriteString(t.lead)
		out.WriteString(t.text)
	}
	return out.String(), nil
}

type token struct {
	lead, text string // whitespace before, the token
	str        bool   // a quoted string
}

// tokens splits s into words, numbers, quoted strings and single
// punctuation characters, keeping the whitespace before each so the text
// can be put back together.
func tokens(s string) []token {
	var out []token
	i := 0
	for i < len(s) {
		j := i
		for j < len(s) && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r') {
			j++
		}
		lead := s[i:j]
		if j >= len(s) {
			out = append(out, token{lead: lead})
			break
		}
		k := j + 1
		switch c := s[j]; {
		case c == '"' || c == '\'':
			for k < len(s) && s[k] != c {
				if s[k] == '\\' {
					k++
				}
				k++
			}
			k = min(k+1, len(s))
			out = append(out, token{lead: lead, text: s[j:k], str: true})
		case c == '_' || c < utf8.RuneSelf && (unicode.IsLetter(rune(c)) || unicode.IsDigit(rune(c))) || c == '.':
			for k < len(s) && (s[k] == '_' || s[k] == '.' || s[k] < utf8.RuneSelf && (unicode.IsLetter(rune(s[k])) || unicode.IsDigit(rune(s[k]))) ||
				(s[k] == '+' || s[k] == '-') && (s[k-1] == 'e' || s[k-1] == 'E') && isNumber(s[j:k-1]+"0")) {
				k++
			}
			out = append(out, token{lead: lead, text: s[j:k]})
		case c == '-' && k < len(s) && s[k] >= '0' && s[k] <= '9' && lastIsOperator(out):
			for k < len(s) && (s[k] == '.' || s[k] >= '0' && s[k] <= '9' || s[k] == 'e' || s[k] == 'E') {
				k++
			}
			out = append(out, token{lead: lead, text: s[j:k]})
		default:
			out = append(out, token{lead: lead, text: s[j:k]})
		}
		i = k
	}
	return out
}

func lastIsOperator(ts []token) bool {
	if len(ts) == 0 {
		return true
	}
	t := ts[len(ts)-1].text
	return t == "between" || t == "and" || !isIdent(t) && !isNumber(t) && t != ")" && t != "]"
}

func isIdent(s string) bool {
	if s == "" || s[0] >= '0' && s[0] <= '9' {
		return false
	}
	for _, c := range s {
		if c != '_' && !(c < utf8.RuneSelf && (unicode.IsLetter(c) || unicode.IsDigit(c))) {
			return false
		}
	}
	return true
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(s, 64)
	return err == nil && !strings.ContainsAny(s, "xXnN_") && s != ""
}

func contains[T comparable](xs []T, x T) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

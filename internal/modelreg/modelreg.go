package modelreg

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/creditbridge/creditbridge/internal/access"
	"github.com/creditbridge/creditbridge/internal/account"
	"github.com/creditbridge/creditbridge/internal/audit"
	"github.com/creditbridge/creditbridge/internal/fault"
	"github.com/creditbridge/creditbridge/internal/scorecard"
)

// DefaultName is the model the platform scores enterprises with.
const DefaultName = "sme-default"

// Statuses of a version: registered as a challenger, promoted to champion,
// retired when another version is promoted over it.
const (
	StatusChallenger = "challenger"
	StatusChampion   = "champion"
	StatusRetired    = "retired"
)

// Sources say how a version came to the registry.
const (
	SourceFile     = "file"     // an artefact uploaded or registered from a file
	SourcePlatform = "platform" // trained on the platform's own outcomes (internal/modeltrain)
)

// Version is one registered scorecard.
type Version struct {
	ID     int64  `json:"id"`
	Name   string `json:"name"`   // e.g. "sme-default"
	Number int    `json:"number"` // 1, 2, 3, ... per name
	Status string `json:"status"` // challenger, champion, retired
	Source string `json:"source"` // file, platform
	// FeatureSet is the features.Set version the model was trained on
	// ("" for a model trained outside the platform on some CSV).
	FeatureSet string `json:"feature_set"`
	// Artefact is the scorecard JSON (scorecard.Model); nil in lists.
	Artefact []byte `json:"-"`
	// DataFingerprint is the hex SHA-256 of the canonical training table.
	DataFingerprint string `json:"data_fingerprint"`
	// Validation is the JSON validation report (Report).
	Validation json.RawMessage `json:"validation"`
	CreatedBy  string          `json:"created_by"`
	CreatedAt  time.Time       `json:"created_at"`
	// PromotedBy, PromotedAt and Reason record the promotion to champion
	// (zero for a version never promoted).
	PromotedBy string    `json:"promoted_by,omitempty"`
	PromotedAt time.Time `json:"promoted_at,omitzero"`
	Reason     string    `json:"reason,omitempty"`
	// RetiredAt is when a later promotion retired this champion.
	RetiredAt time.Time `json:"retired_at,omitzero"`
}

// Model decodes and checks the artefact.
func (v Version) Model() (*scorecard.Model, error) {
	if len(v.Artefact) == 0 {
		return nil, fmt.Errorf("model %s v%d: the artefact was not loaded", v.Name, v.Number)
	}
	m, err := scorecard.Load(bytes.NewReader(v.Artefact))
	if err != nil {
		return nil, fmt.Errorf("model %s v%d: %w", v.Name, v.Number, err)
	}
	return m, nil
}

// Report decodes the validation report (zero Report when there is none).
func (v Version) Report() (Report, error) {
	var r Report
	if len(v.Validation) == 0 {
		return r, nil
	}
	if err := json.Unmarshal(v.Validation, &r); err != nil {
		return r, fmt.Errorf("model %s v%d: validation report: %w", v.Name, v.Number, err)
	}
	return r, nil
}

// Label is how a version is named to people: "sme-default v3".
func (v Version) Label() string { return v.Name + " v" + strconv.Itoa(v.Number) }

// StatusChange moves a version from one status to another.
type StatusChange struct {
	ID       int64
	From, To string
	By       string    // who (promotion only)
	At       time.Time // when: PromotedAt for a promotion, RetiredAt for a retirement
	Reason   string    // promotion only
}

// Filter selects versions to list.
type Filter struct {
	Name  string // exact name; "" for every name
	Limit int    // 0: the store's default page
}

// Store is the registry's storage.
type Store interface {
	// InsertModelVersion stores v as the next number of v.Name (1 for
	// the first) and sets v.ID, v.Number and, when zero, v.CreatedAt.
	// Status must be a known status; a second champion of the same name
	// is fault.Conflict "model.champion_exists".
	InsertModelVersion(ctx context.Context, v *Version) error
	// ModelVersion returns one version with its artefact; an unknown id
	// is fault.NotFound "model.not_found".
	ModelVersion(ctx context.Context, id int64) (Version, error)
	// ListModelVersions returns versions newest first (by name, then
	// number descending) without their artefacts (Artefact nil).
	ListModelVersions(ctx context.Context, f Filter) ([]Version, error)
	// ChampionModel returns the champion of name with its artefact;
	// fault.NotFound "model.no_champion" when there is none.
	ChampionModel(ctx context.Context, name string) (Version, error)
	// SetModelStatus applies c if the version's status is c.From: a
	// promotion (To champion) records By, At and Reason as the promotion,
	// a retirement (To retired) records At as RetiredAt. An unknown id is
	// fault.NotFound "model.not_found", another current status
	// fault.Conflict "model.status_changed", a second champion of the name
	// fault.Conflict "model.champion_exists".
	SetModelStatus(ctx context.Context, c StatusChange) error
}

// Repo is what the service needs: the registry and the evidence log.
type Repo interface {
	Store
	AppendAudit(ctx context.Context, e *audit.Entry) error
}

// Service registers, lists and promotes model versions.
type Service struct {
	Repo Repo
	InTx func(ctx context.Context, fn func(Repo) error) error
	Now  func() time.Time
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

const maxReason = 500

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

var (
	errNotAdmin  = fault.New(fault.Forbidden, "model.admin_only", "only an operator administrator may register or promote models")
	errNoView    = fault.New(fault.Forbidden, "model.operator_only", "only the operator and auditors may see models")
	errNoReason  = fault.New(fault.Invalid, "model.reason_required", "a promotion needs a reason")
	errBadName   = fault.New(fault.Invalid, "model.bad_name", "a model name is 1-64 lower-case letters, digits, '.', '_' or '-'")
	errArtefact  = fault.New(fault.Invalid, "model.bad_artefact", "the model artefact is not a valid scorecard")
	errNotChall  = fault.New(fault.Conflict, "model.not_challenger", "only a challenger can be promoted")
	errLongReaso = fault.New(fault.Invalid, "model.reason_too_long", "the reason is too long").With("max", strconv.Itoa(maxReason))
)

// isSystem: the platform itself (demo seeding, the CLI on the database).
func isSystem(p access.Principal) bool { return p.OrgID == 0 && p.Username == "system" }

// CanView reports whether p may see the registry: the operator's staff,
// auditors and the platform itself.
func CanView(p access.Principal) bool {
	return !p.Suspended && (isSystem(p) || p.IsOperator() || p.OrgKind == account.KindAuditor)
}

// CanAdmin reports whether p may register and promote: an operator
// administrator (signed in, not an API key) or the platform itself.
func CanAdmin(p access.Principal) bool {
	return !p.Suspended && (isSystem(p) || (p.IsOperator() && p.IsAdmin() && p.APIKeyID == 0))
}

// Registration is a version to register.
type Registration struct {
	Name       string // DefaultName when empty
	Source     string // SourceFile when empty
	Artefact   []byte
	FeatureSet string
	// DataFingerprint defaults to the artefact's training fingerprint.
	DataFingerprint string
	// Validation defaults to a report built from the artefact's metrics
	// (FileReport).
	Validation *Report
}

// Register checks the artefact (scorecard.Model.Check) and stores it as a
// challenger, with an evidence entry.
func (s *Service) Register(ctx context.Context, p access.Principal, r Registration) (Version, error) {
	if !CanAdmin(p) {
		return Version{}, errNotAdmin
	}
	if r.Name == "" {
		r.Name = DefaultName
	}
	if !nameRE.MatchString(r.Name) {
		return Version{}, errBadName.With("name", r.Name)
	}
	m, err := scorecard.Load(bytes.NewReader(r.Artefact))
	if err != nil {
		return Version{}, errArtefact.Wrap(err).With("detail", err.Error())
	}
	if r.Source == "" {
		r.Source = SourceFile
	}
	if r.DataFingerprint == "" {
		r.DataFingerprint = m.Training.SHA256
	}
	rep := r.Validation
	if rep == nil {
		fr := FileReport(m)
		rep = &fr
	}
	val, err := json.Marshal(rep)
	if err != nil {
		return Version{}, fmt.Errorf("modelreg: encode the validation report: %w", err)
	}
	// Store the artefact compact: what is stored is what every node scores.
	var art bytes.Buffer
	if err := json.Compact(&art, r.Artefact); err != nil {
		return Version{}, errArtefact.Wrap(err).With("detail", err.Error())
	}
	v := Version{Name: r.Name, Status: StatusChallenger, Source: r.Source, FeatureSet: r.FeatureSet, Artefact: art.Bytes(),
		DataFingerprint: r.DataFingerprint, Validation: val, CreatedBy: p.ActorName(), CreatedAt: s.now()}
	err = s.InTx(ctx, func(tx Repo) error {
		if err := tx.InsertModelVersion(ctx, &v); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, s.entry(p, "model.register", v, map[string]any{
			"source": v.Source, "feature_set": v.FeatureSet, "data_fingerprint": v.DataFingerprint}))
	})
	if err != nil {
		return Version{}, err
	}
	return v, nil
}

// Promote makes challenger id the champion of its name and retires the
// previous champion, in one transaction with the evidence entry
// "model.promote" (who, why, which version replaced which).
func (s *Service) Promote(ctx context.Context, p access.Principal, id int64, reason string) (Version, error) {
	if !CanAdmin(p) {
		return Version{}, errNotAdmin
	}
	reason = strings.TrimSpace(reason)
	if reason == "" {
		return Version{}, errNoReason
	}
	if len([]rune(reason)) > maxReason {
		return Version{}, errLongReaso
	}
	now := s.now()
	var v Version
	err := s.InTx(ctx, func(tx Repo) error {
		var err error
		if v, err = tx.ModelVersion(ctx, id); err != nil {
			return err
		}
		if v.Status != StatusChallenger {
			return errNotChall.With("status", v.Status).With("model", v.Label())
		}
		detail := map[string]any{"reason": reason}
		old, err := tx.ChampionModel(ctx, v.Name)
		switch {
		case err == nil:
			if err := tx.SetModelStatus(ctx, StatusChange{ID: old.ID, From: StatusChampion, To: StatusRetired, At: now}); err != nil {
				return err
			}
			detail["replaced_id"], detail["replaced_number"] = old.ID, old.Number
		case fault.Is(err, fault.NotFound):
		default:
			return err
		}
		if err := tx.SetModelStatus(ctx, StatusChange{ID: v.ID, From: StatusChallenger, To: StatusChampion, By: p.ActorName(), At: now, Reason: reason}); err != nil {
			return err
		}
		v.Status, v.PromotedBy, v.PromotedAt, v.Reason = StatusChampion, p.ActorName(), now, reason
		return tx.AppendAudit(ctx, s.entry(p, "model.promote", v, detail))
	})
	if err != nil {
		return Version{}, err
	}
	return s.Repo.ModelVersion(ctx, id)
}

// Get returns one version with its artefact.
func (s *Service) Get(ctx context.Context, p access.Principal, id int64) (Version, error) {
	if !CanView(p) {
		return Version{}, errNoView
	}
	return s.Repo.ModelVersion(ctx, id)
}

// List returns versions newest first, without artefacts.
func (s *Service) List(ctx context.Context, p access.Principal, f Filter) ([]Version, error) {
	if !CanView(p) {
		return nil, errNoView
	}
	return s.Repo.ListModelVersions(ctx, f)
}

// Champion returns the champion of name (with its artefact); fault.NotFound
// "model.no_champion" when none was promoted. It is the scoring code's
// entry point and asks for no principal: which model scores is not a
// secret, the scores themselves go through the access decision point.
func (s *Service) Champion(ctx context.Context, name string) (Version, error) {
	if name == "" {
		name = DefaultName
	}
	return s.Repo.ChampionModel(ctx, name)
}

func (s *Service) entry(p access.Principal, action string, v Version, detail map[string]any) *audit.Entry {
	if detail == nil {
		detail = map[string]any{}
	}
	detail["model"], detail["name"], detail["number"], detail["id"], detail["status"] = v.Label(), v.Name, v.Number, v.ID, v.Status
	b, _ := json.Marshal(detail) // plain values only
	return &audit.Entry{Time: s.now(), ActorUserID: p.UserID, ActorName: p.ActorName(), OrgID: p.OrgID, Action: action,
		Outcome: audit.OK, Detail: string(b), RemoteAddr: p.RemoteAddr}
}

// Messages are the texts of this package's codes ({English, 中文}).
var Messages = map[string][2]string{
	"model.admin_only":       {"Only an operator administrator may register or promote models.", "只有运营方管理员可以登记或晋级模型。"},
	"model.operator_only":    {"Only the platform operator and auditors may see the model registry.", "只有平台运营方和审计人员可以查看模型库。"},
	"model.reason_required":  {"State why this model becomes the champion.", "请填写将该模型晋级为冠军模型的原因。"},
	"model.reason_too_long":  {"The reason may be at most {max} characters.", "原因最多 {max} 个字。"},
	"model.bad_name":         {"A model name is 1-64 lower-case letters, digits, '.', '_' or '-'.", "模型名称须为 1–64 个小写字母、数字、“.”、“_”或“-”。"},
	"model.bad_artefact":     {"The file is not a valid scorecard model: {detail}", "该文件不是有效的评分卡模型：{detail}"},
	"model.not_challenger":   {"{model} is {status}; only a challenger can be promoted.", "{model} 当前状态为 {status}，只有挑战者模型可以晋级。"},
	"model.not_found":        {"No such model version.", "未找到该模型版本。"},
	"model.no_champion":      {"No champion model has been promoted yet.", "尚未晋级任何冠军模型。"},
	"model.champion_exists":  {"Another version is already the champion; promote again.", "已有其他版本为冠军模型，请重新晋级。"},
	"model.status_changed":   {"The model's status changed meanwhile; reload and try again.", "模型状态已被他人更改，请刷新后重试。"},
	"model.training_running": {"A training run is already in progress.", "已有训练任务正在进行。"},
	// Warnings of validation reports (Report.Warnings).
	"model.warn_few_bads_training": {"Only {bad} defaults in the training rows: the bins and coefficients are unstable.", "训练样本中仅有 {bad} 个违约：分箱和系数不稳定。"},
	"model.warn_few_bads_holdout":  {"Only {bad} defaults in the holdout: its AUC interval is wide.", "留出样本中仅有 {bad} 个违约：AUC 置信区间较宽。"},
	"model.warn_auc_low":           {"The holdout AUC interval reaches down to {low}: the model may rank little better than chance.", "留出样本 AUC 置信区间下限为 {low}：模型的排序能力可能仅略好于随机。"},
	"model.warn_unstable":          {"The score distribution moved between training and holdout (PSI {psi}).", "训练与留出样本之间评分分布发生偏移（PSI {psi}）。"},
	"model.warn_synthetic":         {"Trained on the synthetic demonstration region: for trying the platform, not for lending decisions.", "基于合成演示区域数据训练：仅用于体验平台，不可用于信贷决策。"},
}

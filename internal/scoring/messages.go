package scoring

// Messages are the user-facing texts of this package's codes.
var Messages = map[string][2]string{
	"scoring.run_not_found":        {"No such scoring run.", "未找到该评分批次。"},
	"scoring.no_score":             {"This enterprise has no credit evaluation yet; it is computed by the next scoring run.", "该企业尚无信用评价结果，将在下一次评分批次中计算。"},
	"scoring.no_score_in_range":    {"No credit evaluation of this enterprise is dated inside your authorization's data date range.", "该企业没有日期在贵机构授权数据日期范围内的信用评价结果。"},
	"scoring.run_in_progress":      {"A scoring run is already in progress; wait for it to finish.", "已有评分批次正在运行，请等待其完成。"},
	"scoring.forbidden":            {"Only platform operator staff may start a scoring run.", "只有平台运营人员可以发起评分批次。"},
	"scoring.forbidden_runs":       {"Only platform operator staff and auditors may see scoring runs.", "只有平台运营人员和审计人员可以查看评分批次。"},
	"scoring.history_forbidden":    {"Institutions read the current credit evaluation only.", "金融机构只能查询当前的信用评价结果。"},
	"scoring.feature_set_mismatch": {"The champion model was trained on another feature set; promote a model trained on the current one.", "冠军模型基于其他特征集训练；请晋级基于当前特征集训练的模型。"},
}

package quality

// Messages are the user-facing texts of this package's error codes
// ({English, 中文}).
var Messages = map[string][2]string{
	"quality.no_rules":        {"No data-quality rules are stored yet.", "尚未保存数据质量规则。"},
	"quality.no_run":          {"No data-quality run has finished yet; start one or wait for the daily run.", "尚无已完成的数据质量检查；请发起一次检查或等待每日检查。"},
	"quality.rules_stale":     {"The rules were changed by someone else; reload them and try again.", "规则已被他人修改，请刷新后重试。"},
	"quality.forbidden":       {"Only operators and auditors may see data-quality results.", "只有平台运营人员和审计人员可以查看数据质量结果。"},
	"quality.run_forbidden":   {"Only an operator administrator may start a data-quality run or change the rules.", "只有平台运营管理员可以发起数据质量检查或修改规则。"},
	"quality.reason_required": {"State the reason for the change.", "请说明修改原因。"},
	"quality.rules_format":    {"The rules are not a valid rule set: {detail}.", "规则内容不是有效的规则集：{detail}。"},
	"quality.window":          {"The window must be 1 to 36 months, not {value}.", "检查窗口应为 1 至 36 个月，而不是 {value}。"},
	"quality.examples":        {"Keep 1 to 20 examples per rule, not {value}.", "每条规则保留的示例数应为 1 至 20，而不是 {value}。"},
	"quality.rules_empty":     {"The rule set holds no rules.", "规则集中没有规则。"},
	"quality.rule_id":         {"A rule id is 2 to 100 lower-case letters, digits, '.', '_' or '-', not \"{value}\".", "规则编号应为 2 至 100 个小写字母、数字、“.”、“_”或“-”，而不是“{value}”。"},
	"quality.rule_duplicate":  {"The rule id {value} appears more than once.", "规则编号 {value} 出现了多次。"},
	"quality.kind":            {"Unknown rule kind \"{value}\" (completeness, required, freshness, range or consistency).", "未知的规则类型“{value}”（可选 completeness、required、freshness、range、consistency）。"},
	"quality.item":            {"No catalogue item has the code \"{value}\".", "共享清单中没有代码为“{value}”的信息项。"},
	"quality.measure_only":    {"Completeness and freshness apply to periodic measures; {value} is not one.", "完整性和及时性规则只适用于按期报送的指标，{value} 不是。"},
	"quality.min_rate":        {"The minimum collection rate must be above 0 and at most 1, not {value}.", "最低归集率应大于 0 且不超过 1，而不是 {value}。"},
	"quality.fields":          {"Name the fields that must be filled (num, text, ref, ends_on, detail); \"{value}\" is not one.", "请指定必填字段（num、text、ref、ends_on、detail），“{value}”不在其中。"},
	"quality.range_empty":     {"A range rule needs a minimum, a maximum or both.", "取值范围规则至少需要最小值或最大值。"},
	"quality.range_order":     {"The maximum must not be below the minimum.", "最大值不能小于最小值。"},
	"quality.check":           {"The consistency check must be le or ends_after_start, not \"{value}\".", "一致性检查应为 le 或 ends_after_start，而不是“{value}”。"},
	"quality.grace":           {"The grace period must be 0 to 366 days, not {value}.", "报送宽限期应为 0 至 366 天，而不是 {value}。"},
	"quality.max_fail_rate":   {"The tolerated failure share must be 0 to 1, not {value}.", "容许的不合格比例应为 0 至 1，而不是 {value}。"},
}

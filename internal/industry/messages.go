package industry

// Messages holds the English and Chinese templates of every error code this
// package returns; {name} placeholders are filled from the error's Params.
var Messages = map[string][2]string{
	"industry.unknown_section": {
		"{section} is not a GB/T 4754-2017 industry section (A to T)",
		"{section} 不是国民经济行业分类（GB/T 4754-2017）的门类（A 至 T）",
	},
	"industry.unknown_size": {
		"{size} is not an enterprise size; use micro, small, medium or large",
		"{size} 不是企业规模，应为 micro（微型）、small（小型）、medium（中型）或 large（大型）",
	},
	"industry.unknown_sector": {
		"{sector} is not a sector of the enterprise size classification",
		"{sector} 不是中小企业划型标准中的行业",
	},
}

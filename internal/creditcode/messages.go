package creditcode

// Messages holds the English and Chinese templates of every error code this
// package returns; {name} placeholders are filled from the error's Params.
var Messages = map[string][2]string{
	"creditcode.length": {
		"a unified social credit code has 18 characters, got {got}",
		"统一社会信用代码应为 18 位，实际为 {got} 位",
	},
	"creditcode.prefix_length": {
		"the first 17 characters of a unified social credit code are needed, got {got}",
		"需要统一社会信用代码的前 17 位，实际为 {got} 位",
	},
	"creditcode.charset": {
		"character {char} at position {pos} is not allowed in a unified social credit code",
		"统一社会信用代码第 {pos} 位的字符 {char} 不合法",
	},
	"creditcode.division": {
		"positions 3-8 of a unified social credit code must be a 6-digit division code, got {got}",
		"统一社会信用代码第 3-8 位应为 6 位数字的行政区划代码，实际为 {got}",
	},
	"creditcode.check_char": {
		"check character should be {want}",
		"校验码应为 {want}",
	},
}

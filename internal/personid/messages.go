package personid

// Messages holds the English and Chinese templates of every error code this
// package returns; {name} placeholders are filled from the error's Params.
var Messages = map[string][2]string{
	"personid.length": {
		"a resident identity number has 18 characters, got {got}",
		"居民身份号码应为 18 位，实际为 {got} 位",
	},
	"personid.prefix_length": {
		"the first 17 digits of a resident identity number are needed, got {got} characters",
		"需要居民身份号码的前 17 位数字，实际为 {got} 位",
	},
	"personid.charset": {
		"character {char} at position {pos} is not allowed in a resident identity number",
		"居民身份号码第 {pos} 位的字符 {char} 不合法",
	},
	"personid.birthdate": {
		"the birth date in a resident identity number must be a real date from 1900 to today",
		"居民身份号码中的出生日期应为 1900 年至今的有效日期",
	},
	"personid.check_char": {
		"check character should be {want}",
		"校验码应为 {want}",
	},
}

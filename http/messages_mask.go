package http

// maskMessages are the texts of the mask-policy page (mask_policy.go) and of masking and
// shared reads in the data preview (access.go, portal_data.go).
var maskMessages = map[string]msg{
	"mask.title": {"脱敏规则", "Masking rules"},
	"mask.intro": {"共享和开放读取数据时，按数据项的分级确定脱敏方式；个人信息数据项至少部分脱敏。大数据工作主管部门设定平台规则，提供单位可为本单位的信息资源设定更严格的规则，但不得宽于平台规则。申请获批时明确授权明文的数据项不脱敏。",
		"On shared and open reads each data item is masked by its grade; personal items are at least partly masked. The authority sets the platform's rules; a provider may set stricter rules for its own entries, never looser ones. Items a grant names as clear are not masked."},
	"mask.platform":       {"平台脱敏规则", "The platform's rules"},
	"mask.provider":       {"本单位脱敏规则", "Your organisation's rules"},
	"mask.provider.none":  {"本单位尚未设定自己的规则，适用平台规则。", "Your organisation has no rules of its own; the platform's apply."},
	"mask.grade":          {"分级", "Grade"},
	"mask.platform_mask":  {"平台规则", "Platform"},
	"mask.mask":           {"脱敏方式", "Mask"},
	"mask.grade.ungraded": {"未分级", "Not graded"},
	"mask.grade.first":    {"一级", "Grade 1"},
	"mask.grade.second":   {"二级", "Grade 2"},
	"mask.grade.third":    {"三级", "Grade 3"},
	"mask.grade.fourth":   {"四级", "Grade 4"},
	"mask.kind.none":      {"不脱敏", "In clear"},
	"mask.kind.partial":   {"部分脱敏", "Partly masked"},
	"mask.kind.full":      {"完全脱敏", "Fully masked"},
	"mask.kind.hide":      {"不提供", "Withheld"},
	"mask.save":           {"保存规则", "Save the rules"},
	"mask.saved":          {"脱敏规则已保存并记入审计记录。", "The masking rules were saved and recorded."},
	"mask.error.looser":   {"规则未保存：请修改下列分级。", "The rules were not saved: correct the grades below."},
	"mask.kinds.hint":     {"部分脱敏按数据项类型处理：身份证号保留前6位和后4位（110105********002X），姓名保留姓（张*），手机号保留前3位和后4位（138****1234），地址保留到区县；数字和日期完全脱敏。脱敏的数据项不能用于筛选、排序或全文检索。", "A partial mask depends on the item: an ID number keeps its first 6 and last 4 characters (110105********002X), a name its surname (张*), a mobile number its first 3 and last 4 digits (138****1234), an address down to its district; numbers and dates are fully masked. Masked items cannot be filtered, sorted or searched."},
	"mask.masked":         {"已脱敏", "masked"},
	"mask.purpose.needed": {"读取共享数据须说明用途，用途将与本次读取一并记入审计记录。", "A shared read needs a purpose; it is recorded with the read."},
	"mask.purpose.label":  {"使用用途", "Purpose of use"},
	"mask.purpose.submit": {"查看数据", "See the data"},
}

package http

// entryOpenMessages are the texts of an entry's open-policy fields in the console's editor
// and on the entry pages: the resource codes of data obtained by sharing (E3) and the usage
// agreement (使用协议) that open applicants accept. The terms' own names are papply.term.*
// (messages_open_policy.go).
var entryOpenMessages = map[string]msg{
	"entry.field.obtained":       {"通过共享获取的数据（信息资源代码）", "Data obtained by sharing (resource codes)"},
	"entry.field.terms":          {"使用协议", "Usage agreement"},
	"entry.field.terms_text":     {"使用协议补充条款", "Further terms of the usage agreement"},
	"entry.terms.intro":          {"申请使用该数据须接受以下使用协议。", "Applicants for this data accept this usage agreement."},
	"entry_edit.hint.obtained":   {"本条目数据中通过共享从其他单位获取的部分：其目录条目的信息资源代码，以逗号分隔，如 301001/00001。通过共享获取的数据不得作为本单位数据开放，开放类型须为不予开放。", "Data in this entry that your unit obtained by sharing: the resource codes of its entries, separated by commas, e.g. 301001/00001. Data obtained by sharing cannot be opened as your own: the open class must be none."},
	"entry_edit.hint.terms":      {"开放申请人申请时须接受勾选的条款。", "Open applicants accept the ticked terms when they apply."},
	"entry_edit.hint.terms_text": {"可选：其他使用条件，最多 2000 个字符。", "Optional: further conditions of use, at most 2000 characters."},
	"entry.error.obtained":       {"通过共享获取的数据应填写信息资源代码，格式为“分类码/顺序码”，如 301001/00001，以逗号分隔。", "Data obtained by sharing must be given as resource codes of the form class code/sequence number, e.g. 301001/00001, separated by commas."},
	"entry.error.obtained_open":  {"本条目含通过共享获取的数据，不得作为本单位数据开放：开放类型须为不予开放。", "This entry holds data obtained by sharing: it cannot be opened as your own, so its open class must be none."},
	"entry.error.terms":          {"请从列出的条款中选择使用协议。", "Choose the agreement's terms from those listed."},
	"entry.error.terms_text":     {"使用协议补充条款不能超过 2000 个字符。", "The further terms must be at most 2000 characters."},
}

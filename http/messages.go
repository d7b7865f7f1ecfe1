package http

// messages is the catalog of every text the pages show, by key, in Chinese (the default)
// and English. Names follow the project's glossary. A text may hold fmt verbs. Each part of
// the site keeps its texts in its own messages_*.go file.
var messages = mergeMessages(baseMessages, catalogueMessages, catalogPageMessages, importMessages, endpointMessages, dataPageMessages, sourceMessages, maskMessages, evidenceMessages, applicationMessages, portalPageMessages, accountMessages, objectionMessages, openPolicyMessages, demandMessages, entryOpenMessages, calendarMessages)

// mergeMessages joins catalogs; a key defined twice is a programming error.
func mergeMessages(parts ...map[string]msg) map[string]msg {
	out := map[string]msg{}
	for _, p := range parts {
		for k, v := range p {
			if _, dup := out[k]; dup {
				panic("http: message key defined twice: " + k)
			}
			out[k] = v
		}
	}
	return out
}

var baseMessages = map[string]msg{
	// Site
	"site.name":   {"公共数据开放平台", "Public Data Platform"},
	"site.footer": {"公共数据开放平台 · 公共数据汇聚、共享与开放", "Public Data Platform · aggregation, sharing and opening of public data"},
	"a11y.skip":   {"跳到主要内容", "Skip to main content"},
	"lang.zh":     {"中文", "中文"},
	"lang.en":     {"English", "English"},

	// Navigation
	"nav.language":     {"语言", "Language"},
	"nav.console":      {"管理控制台", "Console"},
	"nav.login":        {"登录", "Sign in"},
	"nav.logout":       {"退出登录", "Sign out"},
	"nav.signed_in_as": {"当前用户：", "Signed in as "},
	"nav.dashboard":    {"控制台首页", "Dashboard"},
	"nav.orgs":         {"组织机构", "Organisations"},
	"nav.users":        {"用户管理", "Users"},
	"nav.audit":        {"审计记录", "Audit record"},
	"nav.account":      {"我的账户", "My account"},

	// Common
	"common.all":    {"全部", "All"},
	"common.filter": {"筛选", "Filter"},
	"common.next":   {"下一页", "Next page"},
	"common.none":   {"无", "None"},
	"common.paging": {"分页", "Pages"},
	"common.total":  {"（共 %d 条）", "(%d in all)"},

	// Fields
	"field.code":          {"代码", "Code"},
	"field.name":          {"名称", "Name"},
	"field.kind":          {"组织类型", "Kind"},
	"field.division":      {"行政区划", "Division"},
	"field.division_code": {"行政区划代码", "Division code"},
	"field.parent":        {"上级组织代码", "Parent organisation code"},
	"field.created":       {"创建时间", "Created"},
	"field.username":      {"用户名", "Username"},
	"field.display_name":  {"显示名称", "Display name"},
	"field.password":      {"密码", "Password"},
	"field.org":           {"所属组织", "Organisation"},
	"field.role":          {"角色", "Role"},

	// Organisation kinds and roles
	"kind.authority":   {"大数据工作主管部门", "Authority"},
	"kind.public_body": {"公共管理和服务机构", "Public body"},
	"kind.company":     {"企业", "Company"},
	"role.admin":       {"管理员", "Administrator"},
	"role.editor":      {"编辑", "Editor"},
	"role.reviewer":    {"审核员", "Reviewer"},
	"role.member":      {"成员", "Member"},

	// Forms
	"form.has_errors": {"提交的内容有误，请按提示修改。", "There are problems with the form; see the messages next to the fields."},
	"form.required":   {"此项为必填项。", "This field is required."},

	// Portal
	"portal.title":                {"公共数据开放平台", "Public Data Platform"},
	"portal.intro":                {"本平台汇聚公共管理和服务机构的公共数据，按照公共数据资源目录向政务部门共享、向社会公众开放，并对每一次操作留存不可篡改的审计记录。", "This platform brings together the public data of public bodies, shares it between government departments and opens it to the public according to the public data catalogue, keeping a tamper-evident audit record of every change."},
	"portal.login":                {"登录管理控制台", "Sign in to the console"},
	"portal.console":              {"进入管理控制台", "Go to the console"},
	"portal.api":                  {"接口文档（OpenAPI）", "API description (OpenAPI)"},
	"portal.about.title":          {"平台功能", "What the platform does"},
	"portal.card.catalogue.title": {"公共数据资源目录", "Public data catalogue"},
	"portal.card.catalogue.text":  {"各单位编制目录，主管部门审核后发布。", "Each body catalogues its data; the authority reviews and publishes it."},
	"portal.card.share.title":     {"数据共享", "Sharing"},
	"portal.card.share.text":      {"政务部门通过平台申请和使用共享数据。", "Public bodies request and use shared data through the platform."},
	"portal.card.open.title":      {"数据开放", "Open data"},
	"portal.card.open.text":       {"社会公众可获取无条件开放的数据，或依申请获取有条件开放的数据。", "The public can download open data, or apply for conditionally open data."},
	"portal.card.record.title":    {"审计记录", "Audit record"},
	"portal.card.record.text":     {"每一次变更和数据访问都被记录，并可验证未被篡改。", "Every change and data access is recorded, and the record can be verified."},

	// Login
	"login.title":    {"登录", "Sign in"},
	"login.username": {"用户名", "Username"},
	"login.password": {"密码", "Password"},
	"login.submit":   {"登录", "Sign in"},
	"login.hint":     {"连续输错密码 5 次，账户将被锁定 15 分钟。", "After 5 wrong passwords in a row the account is locked for 15 minutes."},
	"login.failed":   {"用户名或密码错误。", "Wrong username or password."},
	"login.required": {"请输入用户名和密码。", "Enter your username and password."},
	"login.locked":   {"登录失败次数过多，账户已被锁定，请 %d 分钟后再试。", "Too many failed sign-ins: the account is locked. Try again in %d minutes."},

	// Dashboard
	"dashboard.title":        {"管理控制台", "Console"},
	"dashboard.me":           {"当前账户", "Your account"},
	"dashboard.public_user":  {"社会公众用户（无所属组织）", "Public user (no organisation)"},
	"dashboard.links":        {"常用功能", "What you can do"},
	"dashboard.orgs.text":    {"查看组织机构；主管部门管理员可新增组织。", "See the organisations; an authority's administrator can add them."},
	"dashboard.users.text":   {"查看和新增本单位或辖区内的用户。", "See and add the users of your organisation or division."},
	"dashboard.audit.text":   {"查看辖区内的审计记录（操作记录）。", "Read the audit record of your division."},
	"dashboard.account.text": {"查看账户信息，管理 API 令牌。", "See your account and manage your API tokens."},

	// Organisations
	"orgs.title":                  {"组织机构", "Organisations"},
	"orgs.filter":                 {"筛选组织机构", "Filter organisations"},
	"orgs.filter.q":               {"代码或名称", "Code or name"},
	"orgs.list":                   {"组织机构列表", "List of organisations"},
	"orgs.empty":                  {"没有符合条件的组织机构。", "No organisation matches."},
	"orgs.create":                 {"新增组织机构", "Add an organisation"},
	"orgs.submit":                 {"新增", "Add"},
	"orgs.created":                {"已新增组织机构 %s。", "Organisation %s was added."},
	"orgs.hint.code":              {"1-64 位字母、数字、“.”、“_”或“-”，以字母或数字开头，创建后不可更改。", "1-64 letters, digits, '.', '_' or '-', starting with a letter or digit; it cannot be changed later."},
	"orgs.hint.parent":            {"可选：上级组织的代码。", "Optional: the code of the parent organisation."},
	"orgs.error.code":             {"代码格式不正确：须为 1-64 位字母、数字、“.”、“_”或“-”，以字母或数字开头。", "The code must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit."},
	"orgs.error.code_taken":       {"该代码已被使用。", "This code is already taken."},
	"orgs.error.name":             {"名称不能超过 200 个字符。", "The name must be at most 200 characters."},
	"orgs.error.kind":             {"请选择组织类型。", "Choose a kind."},
	"orgs.error.division":         {"行政区划代码不在 GB/T 2260 中。", "The division code is not in GB/T 2260."},
	"orgs.error.division_outside": {"该行政区划不在本主管部门的辖区内。", "This division is outside your authority's division."},
	"orgs.error.parent_self":      {"组织不能以自身为上级组织。", "An organisation cannot be its own parent."},
	"orgs.error.parent_unknown":   {"上级组织不存在。", "There is no organisation with this code."},

	// Users
	"users.title":                {"用户管理", "Users"},
	"users.filter":               {"筛选用户", "Filter users"},
	"users.filter.all":           {"辖区内全部组织", "All organisations in reach"},
	"users.filter.public":        {"仅社会公众用户", "Public users only"},
	"users.list":                 {"用户列表", "List of users"},
	"users.empty":                {"没有符合条件的用户。", "No user matches."},
	"users.locked":               {"锁定至", "Locked until"},
	"users.public":               {"社会公众", "Public"},
	"users.public_option":        {"社会公众用户（无所属组织）", "Public user (no organisation)"},
	"users.create":               {"新增用户", "Add a user"},
	"users.submit":               {"新增", "Add"},
	"users.created":              {"已新增用户 %s。", "User %s was added."},
	"users.hint.username":        {"2-64 位字母、数字、“.”、“_”、“@”或“-”。", "2-64 letters, digits, '.', '_', '@' or '-'."},
	"users.hint.password":        {"至少 %d 个字符。", "At least %d characters."},
	"users.hint.role":            {"社会公众用户没有角色，此项将被忽略。", "A public user has no role; this is then ignored."},
	"users.error.username":       {"用户名格式不正确：须为 2-64 位字母、数字、“.”、“_”、“@”或“-”。", "The username must be 2-64 letters, digits, '.', '_', '@' or '-'."},
	"users.error.username_taken": {"该用户名已被使用。", "This username is already taken."},
	"users.error.password":       {"密码至少 %d 个字符，且不超过 256 字节。", "The password must be at least %d characters and at most 256 bytes."},
	"users.error.role":           {"请选择角色。", "Choose a role."},
	"users.error.display_name":   {"显示名称不能超过 100 个字符。", "The display name must be at most 100 characters."},
	"users.error.org_unknown":    {"该组织不存在。", "There is no such organisation."},
	"users.error.org_forbidden":  {"您无权在该组织中新增用户。", "You may not add users to this organisation."},

	// Account and tokens
	"account.title":           {"我的账户", "My account"},
	"account.profile":         {"账户信息", "Profile"},
	"account.tokens":          {"API 令牌", "API tokens"},
	"account.no_tokens":       {"您还没有令牌。", "You have no tokens yet."},
	"account.prefix":          {"令牌前缀", "Prefix"},
	"account.expires":         {"过期时间", "Expires"},
	"account.last_used":       {"最近使用", "Last used"},
	"account.status":          {"状态", "Status"},
	"account.actions":         {"操作", "Actions"},
	"account.never":           {"永不过期", "Never"},
	"account.never_used":      {"从未使用", "Never used"},
	"account.active":          {"有效", "Active"},
	"account.expired":         {"已过期", "Expired"},
	"account.revoked_at":      {"已于 %s 吊销", "Revoked %s"},
	"account.revoke":          {"吊销", "Revoke"},
	"account.revoke_named":    {"吊销令牌 %s", "Revoke token %s"},
	"account.revoked":         {"令牌已吊销。", "The token was revoked."},
	"account.create":          {"创建令牌", "Create a token"},
	"account.create.text":     {"令牌用于脚本和其他系统调用 API：请求时发送“Authorization: Bearer 令牌”。", "Scripts and other systems use a token to call the API: send \"Authorization: Bearer <token>\"."},
	"account.hint.name":       {"用途说明，例如“数据同步脚本”。", "What it is for, e.g. \"nightly sync\"."},
	"account.expires_in":      {"有效期", "Valid for"},
	"account.days":            {"%d 天", "%d days"},
	"account.submit":          {"创建", "Create"},
	"account.created":         {"已创建令牌 %s。", "Token %s was created."},
	"account.secret.title":    {"新令牌", "Your new token"},
	"account.secret.text":     {"请立即复制并妥善保存此令牌。离开本页后将无法再次查看。", "Copy this token now and keep it safe: it will not be shown again."},
	"account.secret.label":    {"令牌 %s 的密钥", "Secret of token %s"},
	"account.error.expires":   {"请选择有效期。", "Choose how long the token is valid."},
	"account.error.name_long": {"名称不能超过 100 个字符。", "The name must be at most 100 characters."},

	// Audit record
	"audit.title":       {"审计记录", "Audit record"},
	"audit.intro":       {"平台上的每一次变更和数据访问，按时间倒序排列。", "Every change and data access on the platform, newest first."},
	"audit.filter":      {"筛选审计记录", "Filter the record"},
	"audit.list":        {"操作记录", "Events"},
	"audit.empty":       {"没有符合条件的记录。", "No event matches."},
	"audit.seq":         {"序号", "No."},
	"audit.time":        {"时间", "Time"},
	"audit.actor":       {"操作人", "Actor"},
	"audit.action":      {"操作", "Action"},
	"audit.object":      {"对象", "Object"},
	"audit.client":      {"来源地址", "Client"},
	"audit.details":     {"详情", "Details"},
	"audit.request_id":  {"请求编号", "Request id"},
	"audit.system":      {"系统", "System"},
	"audit.hint.action": {"例如 org.create", "e.g. org.create"},
	"audit.hint.object": {"例如 org:350000-dsj", "e.g. org:350000-dsj"},
	"audit.newest":      {"最新记录", "Newest events"},
	"audit.older":       {"更早的记录", "Older events"},

	// Errors
	"error.status":             {"状态码 %d", "Status %d"},
	"error.home":               {"返回首页", "Back to the home page"},
	"error.invalid.title":      {"请求有误", "Bad request"},
	"error.invalid.text":       {"请求的内容不正确。", "The request is not valid."},
	"error.unauthorized.title": {"请先登录", "Please sign in"},
	"error.unauthorized.text":  {"此页面需要登录后访问。", "You need to sign in to see this page."},
	"error.forbidden.title":    {"无权访问", "Forbidden"},
	"error.forbidden.text":     {"您的账户无权进行此操作。", "Your account may not do this."},
	"error.not_found.title":    {"页面不存在", "Not found"},
	"error.not_found.text":     {"找不到您要访问的页面或对象。", "There is nothing at this address."},
	"error.conflict.title":     {"冲突", "Conflict"},
	"error.conflict.text":      {"该对象已存在或已被修改。", "The object already exists or has changed."},
	"error.too_large.title":    {"内容过大", "Too large"},
	"error.too_large.text":     {"提交的内容超过了大小限制。", "What you sent is larger than the limit."},
	"error.internal.title":     {"内部错误", "Internal error"},
	"error.internal.text":      {"服务器出现错误，请稍后再试。", "Something went wrong on the server. Please try again later."},
}

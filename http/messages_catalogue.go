package http

// catalogueMessages are the texts of the catalogue API's downloads and lists (entries.go,
// ckan.go, dcat.go). Values in the downloads (classes, formats, update cycles, demand
// statuses) use the labels of the catalogue pages (entry.*, lists.demand.status.*).
var catalogueMessages = map[string]msg{
	// Column headers of the list downloads (CSV).
	"dl.col.id":               {"条目标识", "Entry id"},
	"dl.col.code":             {"信息资源代码", "Resource code"},
	"dl.col.title":            {"信息资源名称", "Title"},
	"dl.col.org":              {"提供方代码", "Provider code"},
	"dl.col.org_name":         {"信息资源提供方", "Provider"},
	"dl.col.category":         {"信息资源分类", "Category"},
	"dl.col.format":           {"信息资源格式", "Format"},
	"dl.col.share_class":      {"共享类型", "Share class"},
	"dl.col.share_conditions": {"共享条件", "Share conditions"},
	"dl.col.share_basis":      {"不予共享依据", "Legal basis for not sharing"},
	"dl.col.open_class":       {"开放类型", "Open class"},
	"dl.col.open_conditions":  {"开放条件", "Open conditions"},
	"dl.col.open_basis":       {"不予开放依据", "Legal basis for not opening"},
	"dl.col.update_cycle":     {"更新周期", "Update cycle"},
	"dl.col.division":         {"行政区划代码", "Division code"},
	"dl.col.published_on":     {"发布日期", "Publication date"},
	"dl.col.demand_id":        {"需求编号", "Demand id"},
	"dl.col.demand_title":     {"需求名称", "Demand"},
	"dl.col.demand_org":       {"提出单位", "Asking organisation"},
	"dl.col.description":      {"需求描述", "Description"},
	"dl.col.entry":            {"对应目录条目", "Answering entry"},
	"dl.col.status":           {"状态", "Status"},
	"dl.col.created_at":       {"提出时间", "Asked at"},

	// The DCAT catalogue and the CKAN site.
	"dcat.catalog.title":         {"公共数据开放目录", "Open public data catalogue"},
	"dcat.catalog.description":   {"本平台公共数据资源目录中向社会开放（无条件开放和有条件开放）的信息资源。", "The entries of the platform's public data catalogue that are open to the public, unconditionally or on conditions."},
	"dcat.scheme.title":          {"公共数据资源目录分类", "Categories of the public data catalogue"},
	"dcat.category.basic":        {"基础信息资源", "Basic data resources"},
	"dcat.category.thematic":     {"主题信息资源", "Thematic data resources"},
	"dcat.category.departmental": {"部门信息资源", "Departmental data resources"},
	"dcat.dist.table":            {"数据表（CSV / JSON）", "Table (CSV / JSON)"},
	"dcat.dist.file":             {"文件", "Files"},
	"dcat.dist.service":          {"服务接口", "Service interface"},
	"dcat.rights.conditional":    {"有条件开放：%s", "Open on conditions: %s"},
	"ckan.site.description":      {"公共数据开放平台的 CKAN 兼容接口（只读），提供向社会开放的公共数据目录。", "The CKAN-compatible (read-only) API of the public data platform: the open public data catalogue."},
}

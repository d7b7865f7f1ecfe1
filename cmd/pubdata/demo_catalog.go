package main

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/pubdata/pubdata"
)

// The demo catalogue: entries of the demo province's departments as a platform in its
// first year might hold them. They cover every share and open class (with their conditions
// and legal bases), every format, most update cycles, supplementary entries of the city,
// data items with standard data elements, grades and personal-information flags, and every
// workflow state: most published, some in review (with one-source flags for the reviewer),
// one rejected with the authority's comment, drafts, one edited and republished (two
// versions) and one retired.

// Workflow states a demo entry is left in.
const (
	demoPublished = "published"
	demoSubmitted = "submitted"
	demoRejected  = "rejected"
	demoDraft     = "draft"
	demoRetired   = "retired"
	demoRevised   = "revised" // published, then edited and published again (version 2)
)

// demoEntry is one entry of the demo catalogue. Share and Open are the classes
// (unconditional, conditional, none); ShareNote and OpenNote are the conditions of a
// conditional class or the legal basis of a none class. Items are written compactly, see
// demoItem.
type demoEntry struct {
	Org, Code, State, Comment string
	Title, Summary            string
	Format, Cycle             string
	Share, ShareNote          string
	Open, OpenNote            string
	Keywords, Related         string // separated by spaces
	Supplementary             bool
	Items                     []string
	// License is the entry's own licence ("" the open class's default); Temporal the
	// coverage of its demo data, "start end" (demo_data.go's spans); Contact the contact
	// point, "name|e-mail|phone".
	License, Temporal, Contact string
	// Invisible marks the entry usable but invisible (可用不可见) on Terms: consumers verify
	// records and get noisy aggregates, never rows.
	Invisible bool
	Terms     pubdata.InvisibleTerms
}

// Common conditions and bases.
const (
	condDuty      = "仅限政务部门依法履行职责所必需，经本平台申请授权后使用，不得用于其他目的。"
	condVerify    = "以接口核验方式提供：输入身份号码和姓名，仅返回“一致/不一致”及有效期，不返回原始数据。"
	condAgreement = "经实名注册并签订数据使用协议后开放；涉及个人的字段脱敏后提供。"
	basisPI       = "《中华人民共和国个人信息保护法》第十三条、第二十八条：含敏感个人信息，不向社会开放。"
	basisID       = "《中华人民共和国居民身份证法》第六条、第十九条；《中华人民共和国个人信息保护法》第二十八条。"
	basisHealth   = "《中华人民共和国基本医疗卫生与健康促进法》第九十二条：个人健康信息依法保密。"
)

var demoCatalog = []demoEntry{
	// 福建省公安厅: population base data, the authoritative source of identity elements.
	{Org: "350000-gat", Code: "101001/00001", State: demoPublished, Title: "人口基本信息",
		Summary: "全省户籍人口和登记流动人口的基本身份信息，是公民身份号码、姓名、出生日期和住址的权威来源。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: condDuty, Open: "none", OpenNote: basisID,
		Keywords: "人口 户籍 身份", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"gender 性别 string 1 G2 P",
			"ethnicity 民族 string 20 G3 P",
			"birth_date 出生日期 date G3 P @birth_date",
			"address 户籍地址 string 200 G3 P @address",
			"household_division 户籍地行政区划代码 string 6 G1 @division",
		}},
	{Org: "350000-gat", Code: "101001/00002", State: demoPublished, Title: "居民身份证信息",
		Summary: "居民身份证的签发信息，以核验接口方式提供，用于政务服务中的身份核验。",
		Format:  "service", Cycle: "realtime", Share: "conditional", ShareNote: condVerify, Open: "none", OpenNote: basisID,
		Keywords: "身份证 核验 实名认证", Related: "101001/00001", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"issuing_authority 签发机关 string 100 G1",
			"valid_from 有效期起始日期 date G2 P",
			"valid_to 有效期截止日期 date G2 P",
		}},
	{Org: "350000-gat", Code: "101001/00003", Temporal: "2020-01-01 2025-06-30", State: demoPublished, Title: "户籍迁移信息",
		Summary: "户口迁入、迁出和省内迁移的登记记录。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: condDuty, Open: "none", OpenNote: basisPI,
		Keywords: "户籍 迁移 落户", Related: "101001/00001", Items: []string{
			"record_no 迁移登记编号 string 32 K G1",
			"resident_id 公民身份号码 string 18 G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"move_type 迁移类型 string 10 G1",
			"from_address 迁出地址 string 200 G3 P @address",
			"to_address 迁入地址 string 200 G3 P @address",
			"moved_on 迁移日期 date G2 P",
		}},
	{Org: "350000-gat", Code: "301001/00001", State: demoPublished, Title: "机动车驾驶人信息",
		Summary: "机动车驾驶证的准驾车型、状态和记分信息。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: condDuty, Open: "none", OpenNote: basisPI,
		Keywords: "驾驶证 驾驶人 交通管理", Items: []string{
			"licence_no 驾驶证号 string 18 K G3 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"vehicle_class 准驾车型 string 10 G1",
			"status 驾驶证状态 string 10 G2",
			"points 累积记分 integer G2 P",
			"valid_to 有效期截止日期 date G2",
		}},
	{Org: "350000-gat", Code: "301001/00002", State: demoSubmitted, Title: "出入境证件办理信息",
		Summary: "普通护照、往来港澳通行证、往来台湾通行证的受理和签发信息。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: condDuty, Open: "none", OpenNote: basisPI,
		Keywords: "出入境 护照 通行证", Items: []string{
			"application_no 受理编号 string 32 K G1",
			"resident_id 公民身份号码 string 18 G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"document_type 证件类型 string 20 G1",
			"issued_on 签发日期 date G2 P",
		}},
	{Org: "350000-gat", Code: "301001/00003", State: demoPublished, Title: "治安案件统计",
		Summary: "按设区市和案件类别汇总的治安案件受理、查处数量，不含个案信息。",
		Format:  "file", Cycle: "monthly", Share: "unconditional", Open: "unconditional",
		Keywords: "治安 统计 案件", Items: []string{
			"division 行政区划代码 string 6 K @division",
			"month 统计月份 string 7 K",
			"category 案件类别 string 50 K",
			"accepted 受理数 integer",
			"handled 查处数 integer",
		}},
	{Org: "350000-gat", Code: "301001/00004", State: demoPublished, Title: "重点场所视频监控点位",
		Summary: "公共安全视频监控重点点位的位置和接入信息。",
		Format:  "table", Cycle: "irregular", Share: "none", ShareNote: "《公共安全视频图像信息系统管理条例》：重点点位信息涉及公共安全，不予共享。",
		Open: "none", OpenNote: "同不予共享依据：涉及公共安全，不予开放。",
		Keywords: "视频监控 公共安全", Items: []string{
			"point_id 点位编号 string 20 K G4",
			"location 位置 string 200 G4",
			"longitude 经度 number G4",
			"latitude 纬度 number G4",
		}},
	{Org: "350000-gat", Code: "301001/00005", State: demoRetired, Title: "暂住证信息",
		Summary: "暂住证的办理信息。暂住证已由居住证取代，本条目停止更新。",
		Format:  "table", Cycle: "irregular", Share: "conditional", ShareNote: condDuty, Open: "none", OpenNote: basisPI,
		Keywords: "暂住证", Items: []string{
			"permit_no 暂住证号 string 20 K G2",
			"resident_id 公民身份号码 string 18 G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
		}},

	// 福建省市场监督管理局: legal persons, the authoritative source of USCC and organisation codes.
	{Org: "350000-scjgj", Code: "102001/00001", State: demoRevised, Title: "企业登记信息",
		Summary: "全省企业的设立、变更和注销登记信息，是统一社会信用代码的权威来源。",
		Format:  "table", Cycle: "daily", Share: "unconditional", Open: "conditional", OpenNote: condAgreement,
		Keywords: "企业 登记 市场主体 工商", Items: []string{
			"uscc 统一社会信用代码 string 18 K G1 @uscc",
			"name 企业名称 string 200 G1",
			"org_code 组织机构代码 string 9 G1 @org_code",
			"legal_representative 法定代表人 string 50 G2 P @name",
			"legal_representative_id 法定代表人身份号码 string 18 G3 P @resident_id",
			"registered_capital 注册资本（万元） number G1",
			"established_on 成立日期 date G1",
			"address 住所 string 200 G1 @address",
			"business_scope 经营范围 string 2000 G1",
			"status 登记状态 string 10 G1",
		}},
	{Org: "350000-scjgj", Code: "102001/00002", State: demoPublished, Title: "个体工商户登记信息",
		Summary: "个体工商户的登记、变更和注销信息。",
		Format:  "table", Cycle: "daily", Share: "unconditional", Open: "conditional", OpenNote: condAgreement,
		Keywords: "个体工商户 登记 市场主体", Items: []string{
			"uscc 统一社会信用代码 string 18 K G1 @uscc",
			"name 字号名称 string 200 G1",
			"operator 经营者姓名 string 50 G2 P @name",
			"operator_id 经营者身份号码 string 18 G3 P @resident_id",
			"address 经营场所 string 200 G1 @address",
			"registered_on 登记日期 date G1",
		}},
	{Org: "350000-scjgj", Code: "302001/00001", Temporal: "2021-01-01 2025-06-30", Contact: "数据管理科|data@scjgj.example.gov.cn|0591-87000002", State: demoPublished, Title: "行政许可信息（市场监管）",
		Summary: "市场监管部门作出的行政许可决定，按“双公示”要求公开。",
		Format:  "table", Cycle: "daily", Share: "unconditional", Open: "unconditional",
		Keywords: "行政许可 双公示 信用", Related: "102001/00001", Items: []string{
			"decision_no 许可决定书文号 string 50 K G1",
			"permit_name 许可事项名称 string 100 G1",
			"holder_name 行政相对人名称 string 200 G1",
			"holder_uscc 行政相对人统一社会信用代码 string 18 G1 @uscc",
			"decided_on 许可决定日期 date G1",
			"valid_to 有效期至 date G1",
			"authority 许可机关 string 100 G1",
		}},
	{Org: "350000-scjgj", Code: "302001/00002", Temporal: "2022-01-01 2025-06-30", State: demoPublished, Title: "行政处罚信息（市场监管）",
		Summary: "市场监管部门作出的行政处罚决定，按“双公示”要求公开，公示期满后撤下。",
		Format:  "table", Cycle: "daily", Share: "unconditional", Open: "unconditional",
		Keywords: "行政处罚 双公示 信用", Related: "102001/00001", Items: []string{
			"decision_no 处罚决定书文号 string 50 K G1",
			"party_name 当事人名称 string 200 G1",
			"party_uscc 当事人统一社会信用代码 string 18 G1 @uscc",
			"violation 违法行为类型 string 200 G1",
			"penalty 处罚内容 string 500 G1",
			"fine 罚款金额（元） number G1",
			"decided_on 处罚决定日期 date G1",
		}},
	{Org: "350000-scjgj", Code: "302001/00003", State: demoPublished, Title: "食品经营许可证信息",
		Summary: "食品经营许可证的核发、变更、延续和注销信息。",
		Format:  "table", Cycle: "weekly", Share: "unconditional", Open: "unconditional",
		Keywords: "食品 许可证 餐饮", Items: []string{
			"licence_no 许可证编号 string 20 K G1",
			"operator_name 经营者名称 string 200 G1",
			"operator_uscc 统一社会信用代码 string 18 G1 @uscc",
			"business_type 经营项目 string 200 G1",
			"address 经营场所 string 200 G1 @address",
			"valid_to 有效期至 date G1",
		}},
	{Org: "350000-scjgj", Code: "302001/00004", State: demoSubmitted, Title: "特种设备使用登记信息",
		Summary: "锅炉、压力容器、电梯、起重机械等特种设备的使用登记和定期检验信息。",
		Format:  "table", Cycle: "monthly", Share: "conditional", ShareNote: "供应急管理、住房和城乡建设部门履行安全监管职责使用。",
		Open: "none", OpenNote: "《中华人民共和国特种设备安全法》：设备运行安全数据涉及公共安全，不予开放。",
		Keywords: "特种设备 电梯 安全", Items: []string{
			"registration_no 使用登记证编号 string 30 K G2",
			"equipment_type 设备类别 string 50 G1",
			"user_uscc 使用单位统一社会信用代码 string 18 G1 @uscc",
			"address 设备使用地点 string 200 G2 @address",
			"next_inspection 下次检验日期 date G2",
		}},
	{Org: "350000-scjgj", Code: "302001/00005", State: demoRejected, Title: "企业年度报告信息",
		Comment: "年报中的从业人数、资产总额等属于企业选择公示事项，不能无条件开放；请将开放类型改为有条件开放并写明开放条件，补充统一社会信用代码的数据元后重新提交。",
		Summary: "企业通过国家企业信用信息公示系统报送的年度报告。",
		Format:  "table", Cycle: "yearly", Share: "unconditional", Open: "unconditional",
		Keywords: "年报 企业信用", Items: []string{
			"uscc 统一社会信用代码 string 18 K G1",
			"year 年度 integer K G1",
			"employees 从业人数 integer G2",
			"total_assets 资产总额（万元） number G2",
			"email 电子邮箱 string 100 G2",
		}},
	{Org: "350000-scjgj", Code: "302001/00006", State: demoDraft, Title: "产品质量监督抽查结果",
		Summary: "省级产品质量监督抽查的产品、企业和检验结论。",
		Format:  "file", Cycle: "quarterly", Share: "unconditional", Open: "unconditional",
		Keywords: "产品质量 抽查", Items: []string{
			"batch_no 抽查批次 string 30 K",
			"product 产品名称 string 100",
			"producer_uscc 生产企业统一社会信用代码 string 18 @uscc",
			"conclusion 检验结论 string 20",
		}},
	{Org: "350000-scjgj", Code: "302001/00007", State: demoPublished, Title: "投诉举报信息",
		Summary: "12315 平台受理的消费投诉和举报的处理情况。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: "供有关部门核查处置投诉举报使用，投诉人信息仅在处置所需范围内提供。",
		Open: "none", OpenNote: "《市场监督管理投诉举报处理暂行办法》第三十条：投诉人、举报人个人信息应当保密。",
		Keywords: "12315 投诉 举报 消费维权", Items: []string{
			"ticket_no 投诉举报编号 string 30 K G2",
			"complainant 投诉人姓名 string 50 G3 P @name",
			"complainant_mobile 投诉人手机号码 string 11 G3 P @mobile",
			"respondent_uscc 被投诉企业统一社会信用代码 string 18 G1 @uscc",
			"received_at 受理时间 datetime G1",
			"result 处理结果 string 500 G2",
		}},

	// 福建省人力资源和社会保障厅.
	{Org: "350000-rst", Code: "202001/00001", State: demoPublished, Title: "社会保险参保信息",
		Summary: "企业职工基本养老、失业、工伤保险和城乡居民养老保险的参保登记信息。",
		Format:  "table", Cycle: "monthly", Share: "conditional", ShareNote: "用于社会救助、住房公积金、待遇资格认证等业务，按最小必要原则授权共享。",
		Open: "none", OpenNote: basisPI,
		Keywords: "社保 参保 养老保险", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"insurance_type 险种 string 20 K G1",
			"employer_uscc 参保单位统一社会信用代码 string 18 G1 @uscc",
			"started_on 参保日期 date G2 P",
			"status 参保状态 string 10 G2 P",
		}},
	// Usable but invisible (issue 16 item 2): pensions are read only as noisy aggregates by
	// county and gender, or verified record by record (/catalog/202001/00009/use).
	{Org: "350000-rst", Code: "202001/00009", State: demoPublished, Title: "养老保险待遇领取信息（可用不可见）",
		Summary: "城乡居民和企业职工基本养老保险待遇领取人员的月领取金额。数据可用不可见：经授权的政务部门可核验单条记录是否一致，或按区县、性别获取加噪的人数、平均值和分位数统计，不提供原始数据。",
		Format:  "table", Cycle: "monthly", Share: "conditional", ShareNote: "用于社会救助对象认定、待遇资格认证和养老服务规划，以核验或统计方式提供，不提供明细数据。",
		Open: "none", OpenNote: basisPI,
		Keywords: "养老金 待遇领取 可用不可见 隐私计算", Related: "202001/00001", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"gender 性别 string 1 G2 P",
			"county 区县行政区划代码 string 6 G1 @division",
			"pension_type 养老保险类型 string 20 G1",
			"monthly_amount 月领取金额（元） number G3 P",
		},
		Invisible: true, Terms: pubdata.InvisibleTerms{GroupColumns: []string{"county", "gender", "pension_type"}, MinGroupSize: 10, PrivacyBudget: 10}},
	{Org: "350000-rst", Code: "202001/00002", Temporal: "2019-01-01 2025-06-30", State: demoPublished, Title: "就业登记信息",
		Summary: "劳动者就业和失业登记信息。",
		Format:  "table", Cycle: "monthly", Share: "conditional", ShareNote: condDuty, Open: "none", OpenNote: basisPI,
		Keywords: "就业 失业 登记", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"employer_uscc 用人单位统一社会信用代码 string 18 G1 @uscc",
			"registered_on 登记日期 date K G2 P",
			"kind 登记类别 string 10 G1",
		}},
	{Org: "350000-rst", Code: "303001/00001", State: demoPublished, Title: "失业保险金领取信息",
		Summary: "失业保险金的申领、核定和发放记录。",
		Format:  "table", Cycle: "monthly", Share: "conditional", ShareNote: "供民政部门核查低保资格、医保部门核定待遇使用。",
		Open: "none", OpenNote: basisPI,
		Keywords: "失业保险 待遇", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"month 发放月份 string 7 K G1",
			"amount 发放金额（元） number G3 P",
		}},
	{Org: "350000-rst", Code: "303001/00002", State: demoPublished, Title: "职业技能等级证书信息",
		Summary: "职业技能等级证书的查询核验接口。",
		Format:  "service", Cycle: "realtime", Share: "unconditional", Open: "conditional", OpenNote: "证书持有人授权后，用人单位可在线查询核验证书真伪。",
		Keywords: "职业技能 证书 核验", Items: []string{
			"certificate_no 证书编号 string 30 K G2",
			"name 持证人姓名 string 50 G2 P @name",
			"occupation 职业（工种） string 100 G1",
			"level 等级 string 10 G1",
			"issued_on 发证日期 date G1",
		}},
	{Org: "350000-rst", Code: "303001/00003", State: demoPublished, Title: "人力资源服务机构名录",
		Summary: "取得人力资源服务许可或备案的机构名录。",
		Format:  "file", Cycle: "quarterly", Share: "unconditional", Open: "unconditional",
		Keywords: "人力资源 服务机构 名录", Items: []string{
			"uscc 统一社会信用代码 string 18 K @uscc",
			"name 机构名称 string 200",
			"licence_no 许可证编号 string 30",
			"address 地址 string 200 @address",
		}},
	{Org: "350000-rst", Code: "303001/00004", State: demoSubmitted, Title: "劳动保障监察案件信息",
		Summary: "劳动保障监察立案、处理和欠薪案件的办理信息。",
		Format:  "table", Cycle: "monthly", Share: "conditional", ShareNote: "供信用、住建部门开展欠薪联合惩戒使用。", Open: "none", OpenNote: basisPI,
		Keywords: "劳动监察 欠薪", Items: []string{
			"case_no 案件编号 string 30 K G2",
			"employer_uscc 用人单位统一社会信用代码 string 18 G1 @uscc",
			"worker_id 投诉人身份号码 string 18 G4 P @resident_id",
			"worker_name 投诉人姓名 string 50 G3 P @name",
			"amount 涉及金额（元） number G2",
		}},

	// 福建省卫生健康委员会.
	{Org: "350000-wjw", Code: "201001/00001", State: demoPublished, Title: "医疗机构信息",
		Summary: "全省医疗机构的执业登记信息：类别、等级、床位和诊疗科目。",
		Format:  "table", Cycle: "monthly", Share: "unconditional", Open: "unconditional",
		Keywords: "医院 医疗机构 诊所", Items: []string{
			"licence_no 执业许可证登记号 string 30 K G1",
			"name 机构名称 string 200 G1",
			"uscc 统一社会信用代码 string 18 G1 @uscc",
			"category 机构类别 string 50 G1",
			"grade 医院等级 string 10 G1",
			"beds 核定床位数 integer G1",
			"address 地址 string 200 G1 @address",
			"division 行政区划代码 string 6 G1 @division",
		}},
	{Org: "350000-wjw", Code: "201001/00002", Temporal: "2023-01-01 2025-06-30", State: demoPublished, Title: "出生医学证明信息",
		Summary: "医疗机构签发的出生医学证明，用于新生儿户籍登记、社保参保等“出生一件事”联办。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: "供公安户籍登记、医保和社保参保办理“出生一件事”使用。",
		Open: "none", OpenNote: "《中华人民共和国个人信息保护法》第二十八条、第三十一条：含不满十四周岁未成年人的个人信息。",
		Keywords: "出生 出生医学证明 新生儿", Related: "101001/00003", Items: []string{
			"certificate_no 出生医学证明编号 string 20 K G3",
			"baby_name 新生儿姓名 string 50 G3 P @name",
			"gender 性别 string 1 G3 P",
			"birth_date 出生日期 date G3 P @birth_date",
			"mother_id 母亲身份号码 string 18 G4 P @resident_id",
			"father_id 父亲身份号码 string 18 G4 P @resident_id",
			"hospital 接生机构 string 200 G1",
		}},
	{Org: "350000-wjw", Code: "201001/00003", State: demoPublished, Title: "执业医师注册信息",
		Summary: "医师执业注册的执业地点、类别和范围。",
		Format:  "table", Cycle: "weekly", Share: "unconditional", Open: "conditional", OpenNote: "仅开放姓名、执业机构、类别和范围，供公众核实医师资质。",
		Keywords: "医师 执业注册", Items: []string{
			"certificate_no 医师执业证书编码 string 30 K G2",
			"name 姓名 string 50 G2 P @name",
			"practice_org 执业机构 string 200 G1",
			"category 执业类别 string 20 G1",
			"scope 执业范围 string 100 G1",
		}},
	{Org: "350000-wjw", Code: "304001/00001", State: demoSubmitted, Title: "居民电子健康档案",
		Summary: "居民的基本健康信息、就诊摘要和慢病随访记录，经本人授权调阅。",
		Format:  "service", Cycle: "realtime", Share: "conditional", ShareNote: "仅限医疗卫生机构在诊疗中经本人授权调阅。",
		Open: "none", OpenNote: basisHealth,
		Keywords: "健康档案 医疗 慢病", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"mobile 手机号码 string 11 G3 P @mobile",
			"blood_type 血型 string 5 G4 P",
			"chronic_conditions 慢性病 string 500 G4 P",
		}},
	{Org: "350000-wjw", Code: "304001/00002", State: demoPublished, Title: "法定传染病疫情统计",
		Summary: "按设区市和病种汇总的法定传染病发病和死亡数，按周统计。",
		Format:  "file", Cycle: "weekly", Share: "unconditional", Open: "conditional", OpenNote: "依《中华人民共和国传染病防治法》，由卫生健康部门统一发布后开放。",
		Keywords: "传染病 疫情 统计", Items: []string{
			"division 行政区划代码 string 6 K @division",
			"week 统计周 string 8 K",
			"disease 病种 string 50 K",
			"cases 发病数 integer",
			"deaths 死亡数 integer",
		}},
	{Org: "350000-wjw", Code: "304001/00003", State: demoDraft, Title: "预防接种记录",
		Summary: "儿童和成人的疫苗接种记录。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: "供入托入学查验接种证使用。", Open: "none", OpenNote: basisHealth,
		Keywords: "疫苗 接种", Items: []string{
			"resident_id 受种者身份号码 string 18 K G4 P @resident_id",
			"vaccine 疫苗名称 string 50 K G2",
			"dose 剂次 integer K G2",
			"vaccinated_on 接种日期 date G3 P",
		}},

	// 福建省交通运输厅.
	{Org: "350000-jtt", Code: "203001/00001", License: "CC0-1.0", State: demoPublished, Title: "公交站点信息",
		Summary: "全省城市公交和城乡公交的站点名称、位置和途经线路。",
		Format:  "table", Cycle: "monthly", Share: "unconditional", Open: "unconditional",
		Keywords: "公交 站点 出行", Items: []string{
			"stop_id 站点编号 string 20 K",
			"stop_name 站点名称 string 100",
			"lines 途经线路 string 500",
			"longitude 经度 number",
			"latitude 纬度 number",
			"division 行政区划代码 string 6 @division",
		}},
	{Org: "350000-jtt", Code: "203001/00002", State: demoPublished, Title: "道路运输经营许可信息",
		Summary: "道路旅客运输、货物运输经营许可证的核发信息。",
		Format:  "table", Cycle: "weekly", Share: "unconditional", Open: "unconditional",
		Keywords: "道路运输 经营许可 货运 客运", Items: []string{
			"licence_no 道路运输经营许可证号 string 20 K G1",
			"operator_name 经营者名称 string 200 G1",
			"operator_uscc 统一社会信用代码 string 18 G1 @uscc",
			"scope 经营范围 string 200 G1",
			"valid_to 有效期至 date G1",
		}},
	{Org: "350000-jtt", Code: "305001/00001", State: demoPublished, Title: "营运车辆道路运输证信息",
		Summary: "营运客车、货车的道路运输证和年审信息。",
		Format:  "table", Cycle: "daily", Share: "unconditional", Open: "conditional", OpenNote: "车辆号牌脱敏后，经注册并签订协议开放给物流平台。",
		Keywords: "营运车辆 道路运输证", Related: "203001/00002", Items: []string{
			"certificate_no 道路运输证号 string 20 K G1",
			"plate_no 车辆号牌 string 10 G2",
			"operator_uscc 业户统一社会信用代码 string 18 G1 @uscc",
			"vehicle_type 车辆类型 string 20 G1",
			"inspected_on 年审日期 date G1",
		}},
	{Org: "350000-jtt", Code: "305001/00002", State: demoPublished, Title: "高速公路实时路况",
		Summary: "全省高速公路路段的拥堵、施工和管制信息，实时接口。",
		Format:  "service", Cycle: "realtime", Share: "unconditional", Open: "unconditional",
		Keywords: "高速公路 路况 交通", Items: []string{
			"section_id 路段编号 string 20 K",
			"road_name 道路名称 string 50",
			"status 通行状态 string 10",
			"event 事件描述 string 500",
			"updated_at 更新时间 datetime",
		}},
	{Org: "350000-jtt", Code: "305001/00003", Temporal: "2022-01-01 2025-06-30", State: demoPublished, Title: "交通运输行政处罚信息",
		Summary: "交通运输综合执法机构作出的行政处罚决定。",
		Format:  "table", Cycle: "daily", Share: "unconditional", Open: "unconditional",
		Keywords: "行政处罚 交通运输 双公示", Items: []string{
			"decision_no 处罚决定书文号 string 50 K",
			"party_name 当事人名称 string 200",
			"party_uscc 统一社会信用代码 string 18 @uscc",
			"violation 违法行为 string 200",
			"decided_on 处罚决定日期 date",
		}},

	// 福建省生态环境厅.
	{Org: "350000-sthjt", Code: "204001/00001", Temporal: "2025-06-09 2025-06-30", License: "CC-BY-4.0", Contact: "大气环境处|dqc@sthjt.example.gov.cn|0591-87000001", State: demoPublished, Title: "空气质量监测数据",
		Summary: "国控和省控空气质量自动监测站的小时监测数据。",
		Format:  "table", Cycle: "realtime", Share: "unconditional", Open: "unconditional",
		Keywords: "空气质量 AQI PM2.5 环境监测", Items: []string{
			"station_code 监测站代码 string 10 K",
			"station_name 监测站名称 string 50",
			"monitored_at 监测时间 datetime K",
			"aqi 空气质量指数 integer",
			"pm25 PM2.5浓度 number",
			"pm10 PM10浓度 number",
			"o3 臭氧浓度 number",
			"primary_pollutant 首要污染物 string 20",
		}},
	{Org: "350000-sthjt", Code: "204001/00002", State: demoPublished, Title: "排污许可信息",
		Summary: "排污单位的排污许可证核发、变更和执行报告信息。",
		Format:  "table", Cycle: "monthly", Share: "unconditional", Open: "unconditional",
		Keywords: "排污许可 污染源", Items: []string{
			"permit_no 排污许可证编号 string 30 K",
			"unit_name 排污单位名称 string 200",
			"unit_uscc 统一社会信用代码 string 18 @uscc",
			"industry 行业类别 string 100",
			"valid_to 有效期至 date",
		}},
	{Org: "350000-sthjt", Code: "306001/00001", Temporal: "2021-01-01 2025-06-30", State: demoPublished, Title: "建设项目环境影响评价审批信息",
		Summary: "建设项目环境影响报告书、报告表的审批结果。",
		Format:  "table", Cycle: "weekly", Share: "unconditional", Open: "unconditional",
		Keywords: "环评 审批 建设项目", Items: []string{
			"approval_no 批复文号 string 50 K",
			"project 项目名称 string 200",
			"builder_uscc 建设单位统一社会信用代码 string 18 @uscc",
			"approved_on 批复日期 date",
		}},
	{Org: "350000-sthjt", Code: "306001/00002", State: demoPublished, Title: "重点排污单位自动监测数据",
		Summary: "重点排污单位废水、废气排放口的在线监测小时数据。",
		Format:  "service", Cycle: "realtime", Share: "conditional", ShareNote: "供执法、水利部门开展联合执法和水质预警使用。",
		Open: "conditional", OpenNote: "按《企业环境信息依法披露管理办法》披露的内容，经注册后开放。",
		Keywords: "在线监测 排放 污染源", Related: "204001/00002", Items: []string{
			"outlet_id 排放口编号 string 30 K",
			"unit_uscc 排污单位统一社会信用代码 string 18 @uscc",
			"pollutant 污染物 string 30 K",
			"monitored_at 监测时间 datetime K",
			"concentration 排放浓度 number",
		}},
	{Org: "350000-sthjt", Code: "306001/00003", State: demoPublished, Title: "核与辐射安全监管信息",
		Summary: "核技术利用单位和放射源的监管信息。",
		Format:  "file", Cycle: "yearly", Share: "none", ShareNote: "《中华人民共和国核安全法》第七十三条：涉及核设施和放射源安全，不予共享。",
		Open: "none", OpenNote: "同不予共享依据。",
		Keywords: "核安全 辐射 放射源", Items: []string{
			"source_id 放射源编码 string 20 K G4",
			"holder 使用单位 string 200 G4",
			"location 存放地点 string 200 G4",
		}},
	{Org: "350000-sthjt", Code: "306001/00004", State: demoPublished, Title: "生态环境质量半年报",
		Summary: "全省空气、水、声环境质量和生态状况的半年度报告。",
		Format:  "file", Cycle: "semiannual", Share: "unconditional", Open: "unconditional",
		Keywords: "环境质量 公报 报告"},

	// 福建省大数据管理局: the authority's own entries.
	{Org: "350000-dsj", Code: "105001/00001", State: demoPublished, Title: "电子证照目录",
		Summary: "全省电子证照的种类、签发部门和照面字段。",
		Format:  "table", Cycle: "weekly", Share: "unconditional", Open: "unconditional",
		Keywords: "电子证照 证照目录", Items: []string{
			"license_type 证照类型代码 string 30 K",
			"license_name 证照名称 string 100",
			"issuer 签发部门 string 100",
			"fields 照面字段 string 1000",
		}},
	// Sample tables loaded from public data files (cmd/pubdata/demodata), to try the
	// loader's reports: the air-quality file writes missing readings NA.
	{Org: "350000-dsj", Code: "105002/00001", State: demoPublished, Title: "样例数据：北京奥体中心站空气质量小时数据（2013年3—4月）",
		Summary: "公开数据集样例（UCI Beijing Multi-Site Air-Quality，北京市环境监测中心数据，CC BY 4.0），用于试用数据汇聚和质量报告；缺测值记为 NA。",
		Format:  "table", Cycle: "irregular", Share: "unconditional", Open: "unconditional",
		Keywords: "样例 空气质量 PM2.5 北京", Items: []string{
			"no 序号 integer",
			"year 年 integer K",
			"month 月 integer K",
			"day 日 integer K",
			"hour 时 integer K",
			"pm25 PM2.5 number",
			"pm10 PM10 number",
			"so2 SO2 number",
			"no2 NO2 number",
			"co CO number",
			"o3 O3 number",
			"temp 气温 number",
			"pres 气压 number",
			"dewp 露点温度 number",
			"rain 降水量 number",
			"wd 风向 string 3",
			"wspm 风速 number",
			"station 监测站 string 50 K",
		}},
	{Org: "350000-dsj", Code: "105002/00002", State: demoPublished, Title: "样例数据：企业登记历史数据（北京1990年、上海1986年）",
		Summary: "公开数据集样例（Enterprise Registration Data of Chinese Mainland，CC BY-NC-SA 4.0），用于试用数据汇聚；含法定代表人姓名，仅供演示。",
		Format:  "table", Cycle: "irregular", Share: "unconditional", Open: "conditional", OpenNote: condAgreement,
		Keywords: "样例 企业 登记", Items: []string{
			"name 企业名称 string 200 G1",
			"uscc 统一社会信用代码 string 18 K G1 @uscc",
			"registered_on 注册日期 date G1",
			"enterprise_type 企业类型 string 50 G1",
			"legal_representative 法人代表 string 50 G2 P @name",
			"registered_capital 注册资金 string 50 G1",
			"business_scope 经营范围 string 2000 G1",
			"province 所在省份 string 10 G1",
			"district 地区 string 20 G1",
			"address 注册地址 string 200 G1 @address",
		}},

	// Fuzhou: the city's own bodies and their supplementary (local) entries.
	{Org: "350100-gaj", Code: "351001/00001", Temporal: "2019-01-01 2025-06-30", State: demoPublished, Supplementary: true, Title: "福州市流动人口居住登记信息",
		Summary: "福州市流动人口的居住登记和居住证办理信息。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: "供福州市教育、卫健部门办理入学、计生服务使用。", Open: "none", OpenNote: basisPI,
		Keywords: "流动人口 居住证 福州", Items: []string{
			"resident_id 公民身份号码 string 18 K G4 P @resident_id",
			"name 姓名 string 50 G3 P @name",
			"address 居住地址 string 200 G3 P @address",
			"registered_on 登记日期 date G2 P",
		}},
	{Org: "350100-gaj", Code: "351001/00002", State: demoPublished, Supplementary: true, Title: "福州市电动自行车登记信息",
		Summary: "福州市电动自行车的上牌登记信息。",
		Format:  "table", Cycle: "daily", Share: "conditional", ShareNote: "供城管、交通部门开展停放管理和事故处理使用。", Open: "none", OpenNote: basisPI,
		Keywords: "电动自行车 上牌", Items: []string{
			"plate_no 号牌号码 string 10 K G2",
			"owner_id 所有人身份号码 string 18 G4 P @resident_id",
			"owner_mobile 所有人手机号码 string 11 G3 P @mobile",
			"brand 品牌型号 string 100 G1",
		}},
	{Org: "350100-scjgj", Code: "352001/00001", State: demoPublished, Supplementary: true, Title: "福州市农贸市场名录",
		Summary: "福州市农贸市场的名称、地址、开办者和摊位数。",
		Format:  "file", Cycle: "quarterly", Share: "unconditional", Open: "unconditional",
		Keywords: "农贸市场 菜市场 福州", Items: []string{
			"market_id 市场编号 string 20 K",
			"name 市场名称 string 100",
			"address 地址 string 200 @address",
			"operator_uscc 开办者统一社会信用代码 string 18 @uscc",
			"stalls 摊位数 integer",
		}},
	{Org: "350100-scjgj", Code: "352001/00002", Temporal: "2023-01-01 2025-06-30", State: demoPublished, Supplementary: true, Title: "福州市餐饮服务食品安全量化分级",
		Summary: "福州市餐饮服务单位的食品安全量化等级（笑脸评级）。",
		Format:  "table", Cycle: "irregular", Share: "unconditional", Open: "unconditional",
		Keywords: "餐饮 食品安全 量化分级 福州", Items: []string{
			"licence_no 食品经营许可证编号 string 20 K",
			"name 单位名称 string 200",
			"rating 量化等级 string 10",
			"rated_on 评定日期 date",
		}},
	// Published but never loaded: a finding of the compliance page (H3, demoNeverLoaded).
	{Org: "350100-scjgj", Code: "352001/00004", State: demoPublished, Supplementary: true, Title: "福州市集贸市场计量器具检定信息",
		Summary: "福州市集贸市场在用计量器具的强制检定结果。",
		Format:  "table", Cycle: "monthly", Share: "unconditional", Open: "unconditional",
		Keywords: "计量 检定 集贸市场 福州", Items: []string{
			"certificate_no 检定证书编号 string 30 K",
			"market 市场名称 string 200",
			"instrument 器具名称 string 50",
			"result 检定结论 string 10",
			"verified_on 检定日期 date",
		}},
	{Org: "350100-scjgj", Code: "352001/00003", State: demoSubmitted, Supplementary: true, Title: "福州市食品小作坊登记信息",
		Summary: "福州市食品小作坊的登记证和生产品种。",
		Format:  "table", Cycle: "monthly", Share: "unconditional", Open: "conditional", OpenNote: "经营者姓名脱敏后开放。",
		Keywords: "小作坊 食品 福州", Items: []string{
			"registration_no 登记证编号 string 30 K",
			"operator 经营者姓名 string 50 P @name",
			"operator_id 经营者身份号码 string 18 G3 P @resident_id",
			"products 生产品种 string 200",
		}},
}

// demoSources are the authoritative providers of the seeded data elements (一数一源), with
// the entry that supplies each.
var demoSources = []struct{ Element, Org, Entry string }{
	{"resident_id", "350000-gat", "101001/00001"},
	{"name", "350000-gat", "101001/00001"},
	{"birth_date", "350000-gat", "101001/00001"},
	{"address", "350000-gat", "101001/00001"},
	{"uscc", "350000-scjgj", "102001/00001"},
	{"org_code", "350000-scjgj", "102001/00001"},
}

// demoEditors are the demo accounts that write each organisation's entries; the others are
// written by the system (the platform loading them on the department's behalf).
var demoEditors = map[string]string{"350000-scjgj": "scjg-editor", "350000-dsj": "fj-editor"}

// demoReviewer is the authority account that reviews entries of a division.
func demoReviewer(division string) string {
	if strings.HasPrefix(division, "3501") {
		return "fz-admin"
	}
	return "fj-reviewer"
}

// demoItem reads a compact item: "name title type [length] [K] [P] [G1-4] [@element]".
func demoItem(s string) pubdata.Item {
	f := strings.Fields(s)
	it := pubdata.Item{Name: f[0], Title: f[1], Type: f[2]}
	for _, t := range f[3:] {
		switch {
		case t == "K":
			it.Key = true
		case t == "P":
			it.Personal = true
		case strings.HasPrefix(t, "@"):
			it.Element = t[1:]
		case len(t) == 2 && t[0] == 'G':
			it.Grade = int(t[1] - '0')
		default:
			n, err := strconv.Atoi(t)
			if err != nil {
				panic("demo item " + s + ": " + t)
			}
			it.Length = n
		}
	}
	return it
}

// fields returns the entry's fields.
func (d *demoEntry) fields(division string) *pubdata.EntryFields {
	f := &pubdata.EntryFields{
		Title: d.Title, Summary: d.Summary, Category: strings.SplitN(d.Code, "/", 2)[0],
		Format: d.Format, UpdateCycle: d.Cycle, ShareClass: d.Share, OpenClass: d.Open,
		Division: division, Keywords: strings.Fields(d.Keywords), Related: strings.Fields(d.Related),
		Supplementary: d.Supplementary, Items: []pubdata.Item{}, License: d.License,
		Invisible: d.Invisible, InvisibleTerms: d.Terms,
	}
	if from, to, ok := strings.Cut(d.Temporal, " "); ok {
		f.TemporalStart, f.TemporalEnd = from, to
	}
	if d.Contact != "" {
		c := strings.SplitN(d.Contact+"||", "|", 3)
		f.ContactName, f.ContactEmail, f.ContactPhone = c[0], c[1], strings.TrimRight(c[2], "|")
	}
	switch d.Share {
	case pubdata.ClassConditional:
		f.ShareConditions = d.ShareNote
	case pubdata.ClassNone:
		f.ShareBasis = d.ShareNote
	}
	switch d.Open {
	case pubdata.ClassConditional:
		f.OpenConditions = d.OpenNote
	case pubdata.ClassNone:
		f.OpenBasis = d.OpenNote
	}
	for _, s := range d.Items {
		f.Items = append(f.Items, demoItem(s))
	}
	return f
}

// demoActors builds the contexts of the demo accounts that act on the catalogue.
type demoActors struct {
	a     *app
	ctx   context.Context // the system
	cache map[string]context.Context
}

// as returns ctx acting as the demo user, or as the system for "".
func (d *demoActors) as(username string) (context.Context, error) {
	if username == "" {
		return d.ctx, nil
	}
	if c, ok := d.cache[username]; ok {
		return c, nil
	}
	u, err := d.a.users.FindUserByUsername(d.ctx, username)
	if err != nil {
		return nil, fmt.Errorf("demo user %s: %w", username, err)
	}
	o, err := d.a.orgs.FindOrgByCode(d.ctx, u.OrgCode)
	if err != nil {
		return nil, fmt.Errorf("organisation of demo user %s: %w", username, err)
	}
	c := pubdata.NewContextWithActor(d.ctx, &pubdata.Actor{User: u, Org: o})
	d.cache[username] = c
	return c, nil
}

// createDemoCatalog adds the demo catalogue's entries whose resource codes are not taken
// yet, each taken through the workflow to its state by the demo accounts, and names the
// authoritative sources of the data elements that have none. It returns how many entries
// it created and how many were there already. ctx carries the system actor.
func createDemoCatalog(ctx context.Context, a *app) (created, existing int, err error) {
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	taken := map[string]string{} // code → id
	cursor := ""
	for {
		es, _, next, err := a.entries.FindEntries(ctx, pubdata.EntryFilter{Limit: pubdata.MaxLimit, Cursor: cursor})
		if err != nil {
			return 0, 0, err
		}
		for _, e := range es {
			taken[e.Code] = e.ID
		}
		if next == "" || len(es) == 0 {
			break
		}
		cursor = next
	}
	divisions := map[string]string{}
	for _, o := range demoOrgs {
		divisions[o.Code] = o.Division
	}
	// The sources' own entries first, so that the others' submissions are flagged.
	ordered := make([]*demoEntry, 0, len(demoCatalog))
	for _, pass := range []bool{true, false} {
		for i := range demoCatalog {
			d := &demoCatalog[i]
			isSource := d.Code == "101001/00001" || d.Code == "102001/00001"
			if isSource == pass {
				ordered = append(ordered, d)
			}
		}
	}
	for i, d := range ordered {
		if i == 2 {
			if err := setDemoSources(actors, taken); err != nil {
				return created, existing, err
			}
		}
		if _, ok := taken[d.Code]; ok {
			existing++
			continue
		}
		id, err := createDemoEntry(actors, d, divisions[d.Org])
		if err != nil {
			return created, existing, fmt.Errorf("entry %s %s: %w", d.Code, d.Title, err)
		}
		taken[d.Code] = id
		created++
	}
	return created, existing, nil
}

// setDemoSources names the elements' sources, as the provincial authority's admin, where
// none is named yet.
func setDemoSources(actors *demoActors, taken map[string]string) error {
	admin, err := actors.as("fj-admin")
	if err != nil {
		return err
	}
	els, err := actors.a.elements.FindElements(admin)
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, el := range els {
		have[el.Code] = el.Source != ""
	}
	for _, s := range demoSources {
		if set, ok := have[s.Element]; !ok || set {
			continue
		}
		if _, err := actors.a.elements.SetElementSource(admin, s.Element, s.Org, taken[s.Entry]); err != nil {
			return fmt.Errorf("source of %s: %w", s.Element, err)
		}
	}
	return nil
}

// createDemoEntry creates the entry and takes it to its state.
func createDemoEntry(actors *demoActors, d *demoEntry, division string) (string, error) {
	editor, err := actors.as(demoEditors[d.Org])
	if err != nil {
		return "", err
	}
	reviewer, err := actors.as(demoReviewer(division))
	if err != nil {
		return "", err
	}
	es := actors.a.entries
	e, err := es.CreateEntry(editor, d.Org, d.Code, d.fields(division))
	if err != nil || d.State == demoDraft {
		return idOf(e), err
	}
	if e, err = es.SubmitEntry(editor, e.ID); err != nil {
		return e.ID, err
	}
	switch d.State {
	case demoSubmitted:
		return e.ID, nil
	case demoRejected:
		_, err = es.ReviewEntry(reviewer, e.ID, false, d.Comment)
		return e.ID, err
	}
	if _, err = es.ReviewEntry(reviewer, e.ID, true, "符合编目要求，同意发布。"); err != nil {
		return e.ID, err
	}
	switch d.State {
	case demoRetired:
		_, err = es.RetireEntry(editor, e.ID, "暂住证制度已由居住证制度取代，数据停止更新。")
	case demoRevised:
		// A second version: a data item added after publication.
		f := d.fields(division)
		f.Items = append(f.Items, demoItem("credit_status 信用状态 string 20 G1"))
		f.Keywords = append(f.Keywords, "信用")
		if _, err = es.UpdateEntry(editor, e.ID, f); err == nil {
			if _, err = es.SubmitEntry(editor, e.ID); err == nil {
				_, err = es.ReviewEntry(reviewer, e.ID, true, "新增信用状态信息项，同意发布。")
			}
		}
	}
	return e.ID, err
}

func idOf(e *pubdata.Entry) string {
	if e == nil {
		return ""
	}
	return e.ID
}

package main

import (
	"context"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	"github.com/pubdata/pubdata"
	"github.com/pubdata/pubdata/lib/division"
)

// The demo tables' rows: realistic, generated deterministically (a fixed seed), with
// identifiers that pass the standards' checks — USCCs (GB 32100), organisation codes
// (GB 11714), resident ID numbers (GB 11643) with real birth dates and Fujian division
// codes, mobile numbers of carriers' prefixes — and the companies and people reused across
// the tables that refer to them. The sample files (demodata/) are loaded through the real
// file loader, see demo_samples.go.

// demoDataEnd is the day the generated data ends: dates and readings are before it, so the
// data is the same whenever the demo is loaded.
var demoDataEnd = time.Date(2025, 6, 30, 0, 0, 0, 0, time.UTC)

// demoTable is the generated rows of one demo entry: values of Cols (item names) per row.
type demoTable struct {
	Code string
	Cols []string
	Rows [][]any
}

// demoDataSizes are the generated tables' row counts at scale 1 (some are bounded by the
// rows they refer to).
var demoDataSizes = map[string]int{
	"102001/00001": 20000, // 企业登记信息
	"101001/00001": 10000, // 人口基本信息
	"204001/00001": 15120, // 空气质量监测数据: 30 stations × 21 days × 24 hours
	"203001/00001": 2000,  // 公交站点信息
	"102001/00002": 3000,  // 个体工商户登记信息
	"101001/00003": 1200,  // 户籍迁移信息
	"301001/00001": 4000,  // 机动车驾驶人信息
	"301001/00004": 500,   // 重点场所视频监控点位
	"302001/00001": 2000,  // 行政许可信息（市场监管）
	"302001/00002": 800,   // 行政处罚信息（市场监管）
	"302001/00003": 2000,  // 食品经营许可证信息
	"302001/00007": 1500,  // 投诉举报信息
	"202001/00001": 6000,  // 社会保险参保信息
	"202001/00002": 3000,  // 就业登记信息
	"303001/00001": 1000,  // 失业保险金领取信息
	"201001/00001": 1200,  // 医疗机构信息
	"201001/00002": 1000,  // 出生医学证明信息
	"201001/00003": 2000,  // 执业医师注册信息
	"203001/00002": 1500,  // 道路运输经营许可信息
	"305001/00001": 3000,  // 营运车辆道路运输证信息
	"305001/00003": 600,   // 交通运输行政处罚信息
	"204001/00002": 1000,  // 排污许可信息
	"306001/00001": 800,   // 建设项目环境影响评价审批信息
	"105001/00001": 0,     // 电子证照目录: the fixed list below
	"351001/00001": 3000,  // 福州市流动人口居住登记信息
	"351001/00002": 4000,  // 福州市电动自行车登记信息
	"352001/00002": 800,   // 福州市餐饮服务食品安全量化分级
}

// demoPerson is a generated resident.
type demoPerson struct {
	ID, Name, Gender, Ethnicity, Birth, Address, Division, Mobile string
}

// demoCompany is a generated enterprise.
type demoCompany struct {
	USCC, Name, Address, Division, Founded string
	Industry                               int // index in demoIndustries
}

// demoGen generates the demo rows; its random source is seeded, so the rows are the same
// on every run.
type demoGen struct {
	r         *rand.Rand
	scale     float64
	divs      *division.Table
	counties  []pubdata.Division // Fujian's counties
	fuzhou    []pubdata.Division // Fuzhou's districts and counties
	others    []pubdata.Division // counties of the provinces most migrants to Fujian come from
	ids       map[string]bool    // resident ID numbers and USCCs issued
	people    []*demoPerson
	companies []*demoCompany
	hospitals []string
	food      [][]any // 食品经营许可证 rows, for the catering ratings
}

func newDemoGen(scale float64) *demoGen {
	g := &demoGen{r: rand.New(rand.NewPCG(350000, 20250630)), scale: scale, divs: division.Default(), ids: map[string]bool{}}
	for _, d := range g.divs.Within("350000") {
		if d.Level == pubdata.LevelCounty {
			g.counties = append(g.counties, d)
			if d.City == "350100" {
				g.fuzhou = append(g.fuzhou, d)
			}
		}
	}
	for _, p := range []string{"360000", "340000", "510000", "430000", "520000", "410000", "330000", "440000"} {
		for _, d := range g.divs.Within(p) {
			if d.Level == pubdata.LevelCounty {
				g.others = append(g.others, d)
			}
		}
	}
	return g
}

// size returns the row count of a table at the generator's scale (at least 1).
func (g *demoGen) size(code string) int {
	return max(1, int(math.Round(float64(demoDataSizes[code])*g.scale)))
}

func pick[T any](g *demoGen, s []T) T { return s[g.r.IntN(len(s))] }

func (g *demoGen) chance(p float64) bool { return g.r.Float64() < p }

// date returns a day in [from, to) as YYYY-MM-DD.
func (g *demoGen) date(from, to time.Time) string {
	days := int(to.Sub(from).Hours() / 24)
	return from.AddDate(0, 0, g.r.IntN(max(days, 1))).Format(pubdata.DateFormat)
}

func ymd(y, m, d int) time.Time { return time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC) }

func addYears(date string, years int) string {
	t, _ := time.Parse(pubdata.DateFormat, date)
	return t.AddDate(years, 0, -1).Format(pubdata.DateFormat)
}

func (g *demoGen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.r.IntN(10))
	}
	return string(b)
}

// --- identifiers ---

// residentIDCheck is GB 11643-1999's check character of 17 digits (ISO 7064 MOD 11-2).
func residentIDCheck(body string) byte {
	weights := [17]int{7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 17; i++ {
		sum += int(body[i]-'0') * weights[i]
	}
	return "10X98765432"[sum%11]
}

// residentID returns a new ID number: the division's code, the birth date, a sequence
// number whose last digit is odd for men and even for women, and the check character.
func (g *demoGen) residentID(div, birth, gender string) string {
	for {
		seq := g.r.IntN(500) * 2
		if gender == "男" {
			seq++
		}
		body := div + strings.ReplaceAll(birth, "-", "") + fmt.Sprintf("%03d", seq)
		id := body + string(residentIDCheck(body))
		if !g.ids[id] {
			g.ids[id] = true
			return id
		}
	}
}

// usccChars is GB 32100-2015's character set of 31.
const usccChars = "0123456789ABCDEFGHJKLMNPQRTUWXY"

// orgCodeCheck is GB 11714-1997's check character of an 8-character body.
func orgCodeCheck(body string) byte {
	weights := [8]int{3, 7, 9, 10, 5, 8, 4, 2}
	sum := 0
	for i := 0; i < 8; i++ {
		v := int(body[i] - '0')
		if c := body[i]; c >= 'A' && c <= 'Z' {
			v = int(c-'A') + 10
		}
		sum += v * weights[i]
	}
	switch c := 11 - sum%11; c {
	case 10:
		return 'X'
	case 11:
		return '0'
	default:
		return byte('0' + c)
	}
}

// usccCheck is GB 32100-2015's check character of 17 characters: (31 − Σ Ci·Wi mod 31) mod
// 31, with Wi = 3^(i−1) mod 31.
func usccCheck(body string) byte {
	sum, w := 0, 1
	for i := 0; i < 17; i++ {
		sum += strings.IndexByte(usccChars, body[i]) * w
		w = w * 3 % 31
	}
	return usccChars[(31-sum%31)%31]
}

// uscc returns a new unified social credit code of the registration department and kind
// (e.g. "91" an enterprise, "92" an individual business, "12" a public institution) issued
// in the division: an organisation code (the post-2015 "MA" form or the older digits) and
// the check character.
func (g *demoGen) uscc(deptKind, div string) string {
	for {
		var body string
		if g.chance(0.6) {
			b := []byte("MA")
			for len(b) < 8 {
				b = append(b, usccChars[g.r.IntN(len(usccChars))])
			}
			body = string(b)
		} else {
			body = g.digits(8)
		}
		s := deptKind + div + body + string(orgCodeCheck(body))
		s += string(usccCheck(s))
		if !g.ids[s] {
			g.ids[s] = true
			return s
		}
	}
}

var demoMobilePrefixes = []string{"134", "135", "136", "137", "138", "139", "147", "150", "151", "152", "157", "158", "159", "178", "182", "183", "187", "188", "198",
	"130", "131", "132", "155", "156", "166", "175", "176", "185", "186", "133", "153", "173", "177", "180", "181", "189", "199"}

func (g *demoGen) mobile() string { return pick(g, demoMobilePrefixes) + g.digits(8) }

// --- names and addresses ---

var (
	demoSurnames = []string{"陈", "林", "黄", "张", "吴", "王", "李", "郑", "刘", "杨", "蔡", "许", "谢", "洪", "郭", "邱", "曾", "廖", "赖", "周",
		"徐", "江", "叶", "苏", "庄", "吕", "何", "罗", "高", "潘", "游", "朱", "方", "施", "翁", "卢", "魏", "沈", "余", "胡", "柯", "詹",
		"范", "钟", "彭", "傅", "杜", "卓", "程", "温", "陈", "林", "黄", "陈", "林", "王", "张", "吴", "郑", "李", "欧阳", "司马"}
	demoMaleChars   = []rune("伟强军平辉明华建国志勇杰斌涛文俊峰磊鹏宇浩凯晨天瑞思远嘉铭子轩博泽振宏荣坤锦鸿清水木金土山海福德")
	demoFemaleChars = []rune("芳娟敏静丽艳秀英华玲燕红梅霞婷雪琳欣怡涵萱雨佳悦颖晶诗梦彤月兰凤珍惠淑雅婉琪琴素")
	demoEthnicities = []string{"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族",
		"汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族", "汉族",
		"汉族", "汉族", "汉族", "汉族", "畲族", "回族", "满族", "苗族", "土家族", "壮族"}
	demoRoads = []string{"人民路", "中山路", "解放路", "建设路", "新华路", "胜利路", "环城路", "府前路", "滨江路", "和平路", "东大路", "西大路", "南大街", "北大街",
		"文化路", "学府路", "工业路", "华侨路", "青年路", "凤凰路", "健康路", "金山路", "八一路", "五一路", "公园路", "东湖路", "西湖路", "龙津路",
		"溪南路", "丰泽街", "湖滨路", "长兴路", "兴业路", "望江路", "百花路", "朝阳路", "太平路", "商业街"}
	demoEstates = []string{"阳光花园", "金色家园", "江滨花园", "世纪华庭", "榕城新苑", "书香门第", "万科城", "融侨锦江", "正荣润城", "泰禾红峪", "碧桂园", "香江名城",
		"建发央著", "恒大御景", "仁文新村", "紫金花园", "翠湖苑", "东方名城", "金域蓝湾", "滨海新城"}
	demoVillageChars = []rune("东西南北上下前后新旧大小石溪坑洋坂厝岭头尾田湖塘山林竹桥岐埔洲亭垄后美")
)

func (g *demoGen) personName(gender string) string {
	chars := demoFemaleChars
	if gender == "男" {
		chars = demoMaleChars
	}
	n := pick(g, demoSurnames) + string(pick(g, chars))
	if g.chance(0.8) {
		n += string(pick(g, chars))
	}
	return n
}

// address returns a street address in a Fujian county (or any county of the table): an
// estate flat in a city district, a house in a village elsewhere.
func (g *demoGen) address(d pubdata.Division) string {
	prov, _ := g.divs.Lookup(d.Province)
	city := ""
	if c, ok := g.divs.Lookup(d.City); ok {
		city = c.Name
	}
	pre := prov.Name + city + d.Name
	if strings.HasSuffix(d.Name, "区") || strings.HasSuffix(d.Name, "市") && g.chance(0.7) {
		a := pre + pick(g, demoRoads) + strconv.Itoa(1+g.r.IntN(300)) + "号"
		if g.chance(0.6) {
			a += pick(g, demoEstates) + strconv.Itoa(1+g.r.IntN(30)) + "号楼" + strconv.Itoa(1+g.r.IntN(30)) + "0" + strconv.Itoa(1+g.r.IntN(4)) + "室"
		}
		return a
	}
	v := string(pick(g, demoVillageChars)) + string(pick(g, demoVillageChars))
	return pre + string(pick(g, demoVillageChars)) + string(pick(g, demoVillageChars)) + "镇" + v + "村" + strconv.Itoa(1+g.r.IntN(120)) + "号"
}

// county returns a Fujian county, Fuzhou's two times in five.
func (g *demoGen) county() pubdata.Division {
	if g.chance(0.4) {
		return pick(g, g.fuzhou)
	}
	return pick(g, g.counties)
}

// person returns a new resident of div born between from and to.
func (g *demoGen) person(div pubdata.Division, from, to time.Time) *demoPerson {
	p := &demoPerson{Gender: "男", Ethnicity: pick(g, demoEthnicities), Division: div.Code, Mobile: g.mobile()}
	if g.chance(0.5) {
		p.Gender = "女"
	}
	p.Name = g.personName(p.Gender)
	p.Birth = g.date(from, to)
	p.ID = g.residentID(div.Code, p.Birth, p.Gender)
	p.Address = g.address(div)
	return p
}

// adult returns a person of the population aged 18 to 65 at the end of the data (anyone
// when a small population has none).
func (g *demoGen) adult() *demoPerson {
	for range 1000 {
		p := pick(g, g.people)
		if p.Birth >= "1960-01-01" && p.Birth <= "2007-06-30" {
			return p
		}
	}
	return pick(g, g.people)
}

// --- companies ---

// demoIndustries are the generated enterprises' trades: the word in the name and the
// business scope.
var demoIndustries = []struct{ Word, Scope string }{
	{"科技", "软件开发；信息技术咨询服务；信息系统集成服务；数据处理和存储支持服务"},
	{"贸易", "日用百货销售；五金产品批发；电子产品销售；食品销售（仅销售预包装食品）"},
	{"建设工程", "各类工程建设活动；房屋建筑和市政基础设施项目工程总承包；建筑劳务分包"},
	{"餐饮管理", "餐饮服务；餐饮管理；食品销售；外卖递送服务"},
	{"物流", "道路货物运输（不含危险货物）；国内货物运输代理；普通货物仓储服务（不含危险化学品等需许可审批的项目）"},
	{"茶业", "茶叶种植；茶叶制品生产；茶具销售；农副产品销售"},
	{"食品", "食品生产；食品销售；农副产品销售；食用农产品初加工"},
	{"服饰", "服装制造；服饰制造；针纺织品及原料销售"},
	{"鞋业", "鞋制造；鞋帽批发；鞋帽零售；皮革制品制造"},
	{"电子", "电子元器件制造；电子产品销售；光电子器件制造"},
	{"机械", "通用设备制造（不含特种设备制造）；机械设备销售；机械设备租赁"},
	{"化工", "化工产品生产（不含许可类化工产品）；化工产品销售（不含许可类化工产品）"},
	{"房地产开发", "房地产开发经营；物业管理；住房租赁"},
	{"医药", "药品零售；第一类医疗器械销售；第二类医疗器械销售；保健食品（预包装）销售"},
	{"文化传媒", "组织文化艺术交流活动；广告设计、代理；广告制作；会议及展览服务"},
	{"水产", "水产养殖；水产品批发；水产品零售；水产品冷冻加工"},
	{"汽车服务", "机动车修理和维护；汽车零配件零售；洗车服务"},
	{"环保科技", "环境保护专用设备制造；污水处理及其再生利用；固体废物治理"},
	{"新材料", "新材料技术研发；石墨及碳素制品制造；合成材料制造（不含危险化学品）"},
	{"教育咨询", "教育咨询服务（不含涉许可审批的教育培训活动）；业务培训（不含教育培训、职业技能培训等需取得许可的培训）"},
	{"酒店管理", "住宿服务；酒店管理；餐饮服务"},
	{"家具", "家具制造；家具销售；家具安装和维修服务"},
	{"石材", "建筑用石加工；石材销售；建筑材料销售"},
	{"陶瓷", "日用陶瓷制品制造；卫生陶瓷制品制造；陶瓷制品销售"},
	{"人力资源", "人力资源服务（不含职业中介活动、劳务派遣服务）；劳务派遣服务"},
	{"运输", "道路旅客运输经营；道路货物运输（不含危险货物）；汽车租赁"},
}

const (
	indCatering = 3
	indLogistic = 4
	indFood     = 6
	indChemical = 11
	indTransprt = 25
)

var demoBrandChars = []rune("鑫源泰华盛兴隆达恒瑞丰祥福康安宏裕通宝利鼎新锦昌辉腾远博创嘉合顺益佳信德汇聚美海晟闽榕融鹭")

// companyName returns an enterprise name: place, brand, trade, form.
func (g *demoGen) companyName(d pubdata.Division, industry int) string {
	city, _ := g.divs.Lookup(d.City)
	place := strings.TrimSuffix(city.Name, "市")
	if g.chance(0.2) {
		place = "福建"
	}
	form := "有限公司"
	switch {
	case g.chance(0.05):
		form = "股份有限公司"
	case g.chance(0.05):
		form = "有限责任公司"
	}
	return place + string(pick(g, demoBrandChars)) + string(pick(g, demoBrandChars)) + demoIndustries[industry].Word + form
}

// companyOf returns a random enterprise of one of the trades (any trade when none is given).
func (g *demoGen) companyOf(industries ...int) *demoCompany {
	for range 1000 {
		c := pick(g, g.companies)
		if len(industries) == 0 {
			return c
		}
		for _, i := range industries {
			if c.Industry == i {
				return c
			}
		}
	}
	return pick(g, g.companies)
}

// --- the tables ---

// generateDemoData returns the rows of every generated demo table, the same on every call
// with the same scale (1 the full demo).
func generateDemoData(scale float64) []*demoTable {
	g := newDemoGen(scale)
	var out []*demoTable
	for _, f := range []func() *demoTable{
		g.population, g.enterprises, g.migration, g.drivers, g.cameras, g.individualBusinesses,
		g.permits, g.penalties, g.foodLicences, g.complaints, g.socialInsurance, g.employment,
		g.unemploymentBenefit, g.medicalInstitutions, g.births, g.physicians, g.busStops,
		g.roadTransportLicences, g.vehicles, g.transportPenalties, g.airQuality, g.dischargePermits,
		g.eiaApprovals, g.licenceCatalog, g.fuzhouMigrants, g.ebikes, g.cateringRatings,
		g.pensions, // last: the tables before it keep their rows
	} {
		out = append(out, f())
	}
	return out
}

// pensions are the usable-but-invisible pensions (202001/00009): the demo's people born
// before 1966, with a pension by type.
func (g *demoGen) pensions() *demoTable {
	t := &demoTable{Code: "202001/00009", Cols: []string{"resident_id", "name", "gender", "county", "pension_type", "monthly_amount"}}
	for _, p := range g.people {
		if p.Birth >= "1966-01-01" {
			continue
		}
		kind, amount := "企业职工基本养老保险", 2600+g.r.Float64()*3400
		if g.chance(0.35) {
			kind, amount = "城乡居民基本养老保险", 180+g.r.Float64()*420
		}
		t.Rows = append(t.Rows, []any{p.ID, p.Name, p.Gender, p.Division, kind, math.Round(amount*100) / 100})
	}
	return t
}

func (g *demoGen) population() *demoTable {
	t := &demoTable{Code: "101001/00001", Cols: []string{"resident_id", "name", "gender", "ethnicity", "birth_date", "address", "household_division"}}
	for range g.size(t.Code) {
		from, to := ymd(1960, 1, 1), ymd(2007, 1, 1) // working age mostly
		switch {
		case g.chance(0.15):
			from, to = ymd(1935, 1, 1), ymd(1960, 1, 1)
		case g.chance(0.2):
			from, to = ymd(2007, 1, 1), demoDataEnd
		}
		p := g.person(g.county(), from, to)
		g.people = append(g.people, p)
		t.Rows = append(t.Rows, []any{p.ID, p.Name, p.Gender, p.Ethnicity, p.Birth, p.Address, p.Division})
	}
	return t
}

func (g *demoGen) enterprises() *demoTable {
	t := &demoTable{Code: "102001/00001", Cols: []string{"uscc", "name", "org_code", "legal_representative", "legal_representative_id",
		"registered_capital", "established_on", "address", "business_scope", "status", "credit_status"}}
	suffix := "（除依法须经批准的项目外，凭营业执照依法自主开展经营活动）"
	for range g.size(t.Code) {
		d := g.county()
		c := &demoCompany{Division: d.Code, Industry: g.r.IntN(len(demoIndustries))}
		c.USCC = g.uscc("91", d.Code)
		c.Name = g.companyName(d, c.Industry)
		c.Address = g.address(d)
		c.Founded = g.date(ymd(1992, 1, 1), demoDataEnd)
		if c.Founded > "2015-10-01" && g.chance(0.5) {
			c.Founded = g.date(ymd(2015, 10, 1), demoDataEnd) // more since the reform of registration
		}
		g.companies = append(g.companies, c)
		rep := g.adult()
		capital := math.Round(math.Exp(3+g.r.NormFloat64()*1.6)*100) / 100
		capital = max(1, min(capital, 500000))
		status := "存续"
		switch x := g.r.Float64(); {
		case x < 0.07:
			status = "注销"
		case x < 0.09:
			status = "吊销"
		case x < 0.095:
			status = "迁出"
		}
		credit := "良好"
		switch x := g.r.Float64(); {
		case status != "存续":
			credit = "—"
		case x < 0.04:
			credit = "列入经营异常名录"
		case x < 0.045:
			credit = "列入严重违法失信名单"
		}
		t.Rows = append(t.Rows, []any{c.USCC, c.Name, c.USCC[8:17], rep.Name, rep.ID, capital, c.Founded, c.Address,
			demoIndustries[c.Industry].Scope + suffix, status, credit})
	}
	return t
}

func (g *demoGen) migration() *demoTable {
	t := &demoTable{Code: "101001/00003", Cols: []string{"record_no", "resident_id", "name", "move_type", "from_address", "to_address", "moved_on"}}
	types := []string{"省内迁移", "省内迁移", "迁入", "迁出"}
	for i := range g.size(t.Code) {
		p := g.adult()
		mt := pick(g, types)
		from, to := p.Address, g.address(g.county()) // within Fujian
		switch mt {
		case "迁入":
			from, to = g.address(pick(g, g.others)), p.Address
		case "迁出":
			to = g.address(pick(g, g.others))
		}
		day := g.date(ymd(2020, 1, 1), demoDataEnd)
		t.Rows = append(t.Rows, []any{fmt.Sprintf("QY%s%s%05d", p.Division, day[:4], i+1), p.ID, p.Name, mt, from, to, day})
	}
	return t
}

func (g *demoGen) drivers() *demoTable {
	t := &demoTable{Code: "301001/00001", Cols: []string{"licence_no", "name", "vehicle_class", "status", "points", "valid_to"}}
	classes := []string{"C1", "C1", "C1", "C1", "C1", "C2", "C2", "B2", "A2", "A1", "B1", "D", "E", "C1E"}
	seen := map[string]bool{}
	for range g.size(t.Code) {
		p := g.adult()
		if seen[p.ID] || p.Birth > "2007-01-01" {
			continue
		}
		seen[p.ID] = true
		status := "正常"
		switch x := g.r.Float64(); {
		case x < 0.02:
			status = "超分"
		case x < 0.03:
			status = "暂扣"
		case x < 0.04:
			status = "逾期未换证"
		case x < 0.045:
			status = "吊销"
		}
		points := int64(0)
		if g.chance(0.3) {
			points = int64(1 + g.r.IntN(11))
		}
		if status == "超分" {
			points = 12
		}
		t.Rows = append(t.Rows, []any{p.ID, p.Name, pick(g, classes), status, points, g.date(ymd(2025, 7, 1), ymd(2035, 7, 1))})
	}
	return t
}

func (g *demoGen) cameras() *demoTable {
	t := &demoTable{Code: "301001/00004", Cols: []string{"point_id", "location", "longitude", "latitude"}}
	kinds := []string{"交叉口", "地铁站出入口", "公交站台", "广场", "学校门口", "医院门口", "商业街", "桥头"}
	for i := range g.size(t.Code) {
		d := pick(g, g.fuzhou)
		loc := d.Name + pick(g, demoRoads) + pick(g, kinds)
		lon, lat := 119.20+g.r.Float64()*0.30, 25.95+g.r.Float64()*0.22
		t.Rows = append(t.Rows, []any{fmt.Sprintf("%s%08d", d.Code, i+1), loc, round6(lon), round6(lat)})
	}
	return t
}

func round6(f float64) float64 { return math.Round(f*1e6) / 1e6 }

var demoShopKinds = []string{"小吃店", "水果店", "五金店", "便利店", "理发店", "服装店", "茶叶店", "汽车修理店", "面馆", "快餐店", "副食品店", "手机维修店", "花店", "药店", "烟酒商行"}

func (g *demoGen) individualBusinesses() *demoTable {
	t := &demoTable{Code: "102001/00002", Cols: []string{"uscc", "name", "operator", "operator_id", "address", "registered_on"}}
	for range g.size(t.Code) {
		d := g.county()
		p := g.adult()
		surname := []rune(p.Name)[0]
		t.Rows = append(t.Rows, []any{g.uscc("92", d.Code), d.Name + string(surname) + "记" + pick(g, demoShopKinds), p.Name, p.ID,
			g.address(d), g.date(ymd(2000, 1, 1), demoDataEnd)})
	}
	return t
}

// authority returns the market regulator of a county's city (the province's for a fifth).
func (g *demoGen) authority(c *demoCompany, suffix string) (name, short string) {
	d, _ := g.divs.Lookup(c.Division)
	city, _ := g.divs.Lookup(d.City)
	if g.chance(0.2) {
		return "福建省" + suffix, "闽"
	}
	short = map[string]string{"350100": "榕", "350200": "厦", "350300": "莆", "350400": "明", "350500": "泉", "350600": "漳", "350700": "南", "350800": "岩", "350900": "宁"}[city.Code]
	if short == "" {
		short = "闽"
	}
	return city.Name + suffix, short
}

func (g *demoGen) permits() *demoTable {
	t := &demoTable{Code: "302001/00001", Cols: []string{"decision_no", "permit_name", "holder_name", "holder_uscc", "decided_on", "valid_to", "authority"}}
	kinds := []struct{ Name, Abbr string }{{"食品生产许可", "食"}, {"药品经营许可", "药"}, {"工业产品生产许可", "产"}, {"特种设备生产单位许可", "特"},
		{"医疗器械经营许可", "械"}, {"计量器具型式批准", "量"}, {"检验检测机构资质认定", "检"}}
	for i := range g.size(t.Code) {
		c := g.companyOf()
		k := pick(g, kinds)
		auth, short := g.authority(c, "市场监督管理局")
		day := g.date(ymd(2021, 1, 1), demoDataEnd)
		t.Rows = append(t.Rows, []any{fmt.Sprintf("%s市监%s许〔%s〕%d号", short, k.Abbr, day[:4], i+1), k.Name, c.Name, c.USCC, day, addYears(day, 5), auth})
	}
	return t
}

var demoMarketViolations = []struct{ Violation, Penalty string }{
	{"经营超过保质期的食品", "警告；没收违法所得；罚款"},
	{"未按规定公示营业执照", "责令改正；警告"},
	{"发布虚假广告", "责令停止发布；罚款"},
	{"销售不合格产品", "没收不合格产品；罚款"},
	{"未经许可从事食品经营活动", "没收违法所得；罚款"},
	{"价格违法行为（未明码标价）", "责令改正；罚款"},
	{"使用未经检验的特种设备", "责令停止使用；罚款"},
	{"侵犯注册商标专用权", "没收侵权商品；罚款"},
	{"计量器具未经检定", "责令改正；罚款"},
}

func (g *demoGen) fine(lo, hi int) float64 {
	return float64((lo + g.r.IntN(hi-lo)) / 100 * 100)
}

func (g *demoGen) penalties() *demoTable {
	t := &demoTable{Code: "302001/00002", Cols: []string{"decision_no", "party_name", "party_uscc", "violation", "penalty", "fine", "decided_on"}}
	for i := range g.size(t.Code) {
		c := g.companyOf()
		v := pick(g, demoMarketViolations)
		_, short := g.authority(c, "")
		day := g.date(ymd(2022, 1, 1), demoDataEnd)
		fine := g.fine(2000, 200000)
		if !strings.Contains(v.Penalty, "罚款") {
			fine = 0
		}
		t.Rows = append(t.Rows, []any{fmt.Sprintf("%s市监处罚〔%s〕%d号", short, day[:4], i+1), c.Name, c.USCC, v.Violation, v.Penalty, fine, day})
	}
	return t
}

func (g *demoGen) foodLicences() *demoTable {
	t := &demoTable{Code: "302001/00003", Cols: []string{"licence_no", "operator_name", "operator_uscc", "business_type", "address", "valid_to"}}
	types := []string{"预包装食品（含冷藏冷冻食品）销售", "散装食品（不含冷藏冷冻食品）销售", "热食类食品制售", "冷食类食品制售", "糕点类食品（含裱花蛋糕）制售",
		"自制饮品制售", "保健食品销售", "特殊医学用途配方食品销售"}
	for i := range g.size(t.Code) {
		c := g.companyOf(indCatering, indFood, 1, 20)
		bt := pick(g, types)
		if c.Industry == indCatering || c.Industry == 20 {
			bt = "热食类食品制售；冷食类食品制售"
		}
		body := fmt.Sprintf("%d%s%06d", 2+g.r.IntN(2), c.Division, i+1)
		no := "JY" + body + string(residentIDCheck(strings.Repeat("0", 17-len(body))+body)) // a check character
		row := []any{no, c.Name, c.USCC, bt, c.Address, g.date(ymd(2025, 7, 1), ymd(2030, 7, 1))}
		t.Rows = append(t.Rows, row)
		if strings.HasPrefix(c.Division, "3501") && strings.HasPrefix(bt, "热食") {
			g.food = append(g.food, row)
		}
	}
	return t
}

func (g *demoGen) complaints() *demoTable {
	t := &demoTable{Code: "302001/00007", Cols: []string{"ticket_no", "complainant", "complainant_mobile", "respondent_uscc", "received_at", "result"}}
	results := []string{"经调解，双方达成一致，经营者退还货款。", "经调解，经营者同意更换商品。", "调解不成，已告知消费者可依法向人民法院起诉。",
		"经核查，举报线索属实，已立案调查。", "经核查，未发现违法行为，不予立案。", "消费者撤回投诉。", "已转交属地市场监管部门办理。", "经营者已按承诺赔偿消费者损失。"}
	start := ymd(2024, 1, 1).Add(-8 * time.Hour) // China time
	for i := range g.size(t.Code) {
		p := g.adult()
		c := g.companyOf()
		at := start.Add(time.Duration(g.r.Int64N(int64(demoDataEnd.Sub(start)/time.Second))) * time.Second)
		t.Rows = append(t.Rows, []any{fmt.Sprintf("12315%s%07d", at.Format("2006"), i+1), p.Name, p.Mobile, c.USCC,
			at.UTC().Format(pubdata.DateTimeFormat), pick(g, results)})
	}
	return t
}

func (g *demoGen) socialInsurance() *demoTable {
	t := &demoTable{Code: "202001/00001", Cols: []string{"resident_id", "name", "insurance_type", "employer_uscc", "started_on", "status"}}
	n := g.size(t.Code)
	seen := map[string]bool{}
	for len(t.Rows) < n && len(seen) < len(g.people) {
		p := g.adult()
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		status := "参保缴费"
		if g.chance(0.1) {
			status = "暂停缴费"
		}
		if g.chance(0.25) { // not employed: the residents' pension
			t.Rows = append(t.Rows, []any{p.ID, p.Name, "城乡居民基本养老保险", nil, g.date(ymd(2012, 1, 1), demoDataEnd), status})
			continue
		}
		c := g.companyOf()
		from := ymd(2000, 1, 1)
		if f := dateOf(c.Founded); f.After(from) {
			from = f
		}
		start := g.date(from, demoDataEnd)
		for _, ins := range []string{"企业职工基本养老保险", "失业保险", "工伤保险"} {
			if len(t.Rows) < n {
				t.Rows = append(t.Rows, []any{p.ID, p.Name, ins, c.USCC, start, status})
			}
		}
	}
	return t
}

func dateOf(s string) time.Time {
	t, _ := time.Parse(pubdata.DateFormat, s)
	return t
}

func (g *demoGen) employment() *demoTable {
	t := &demoTable{Code: "202001/00002", Cols: []string{"resident_id", "name", "employer_uscc", "registered_on", "kind"}}
	seen := map[string]bool{}
	for range g.size(t.Code) {
		p := g.adult()
		day := g.date(ymd(2019, 1, 1), demoDataEnd)
		if seen[p.ID+day] {
			continue
		}
		seen[p.ID+day] = true
		if g.chance(0.15) {
			t.Rows = append(t.Rows, []any{p.ID, p.Name, nil, day, "失业登记"})
			continue
		}
		t.Rows = append(t.Rows, []any{p.ID, p.Name, g.companyOf().USCC, day, "就业登记"})
	}
	return t
}

func (g *demoGen) unemploymentBenefit() *demoTable {
	t := &demoTable{Code: "303001/00001", Cols: []string{"resident_id", "name", "month", "amount"}}
	seen := map[string]bool{}
	for len(t.Rows) < g.size(t.Code) {
		p := g.adult()
		if seen[p.ID] {
			continue
		}
		seen[p.ID] = true
		first := ymd(2024, 1+g.r.IntN(12), 1)
		amount := float64(1620 + 90*g.r.IntN(4)) // 90% of the minimum wage of the county's band
		for m := range 1 + g.r.IntN(6) {
			month := first.AddDate(0, m, 0)
			if month.Before(demoDataEnd) {
				t.Rows = append(t.Rows, []any{p.ID, p.Name, month.Format("2006-01"), amount})
			}
		}
	}
	return t
}

func (g *demoGen) medicalInstitutions() *demoTable {
	t := &demoTable{Code: "201001/00001", Cols: []string{"licence_no", "name", "uscc", "category", "grade", "beds", "address", "division"}}
	kinds := []struct {
		Category, Name, Kind string
		Share                float64
		Beds                 [2]int
	}{
		{"综合医院", "%s人民医院", "12", 0.05, [2]int{300, 2500}},
		{"中医医院", "%s中医院", "12", 0.03, [2]int{150, 1200}},
		{"专科医院", "%s妇幼保健院", "12", 0.03, [2]int{80, 600}},
		{"社区卫生服务中心", "%s街道社区卫生服务中心", "12", 0.15, [2]int{0, 60}},
		{"乡镇卫生院", "%s镇卫生院", "12", 0.2, [2]int{10, 100}},
		{"诊所", "%s诊所", "92", 0.34, [2]int{0, 1}},
		{"门诊部", "%s门诊部", "91", 0.1, [2]int{0, 20}},
		{"民营医院", "%s医院", "52", 0.1, [2]int{50, 500}},
	}
	grades := map[string][]string{"综合医院": {"三级甲等", "三级乙等", "二级甲等", "二级乙等"}, "中医医院": {"三级甲等", "二级甲等"}, "专科医院": {"二级甲等", "三级乙等"},
		"民营医院": {"二级", "一级", "未定级"}}
	for i := range g.size(t.Code) {
		d := g.county()
		x, k := g.r.Float64(), kinds[0]
		for _, kk := range kinds {
			if x -= kk.Share; x < 0 {
				k = kk
				break
			}
		}
		place := strings.TrimRight(d.Name, "区县市")
		if len([]rune(place)) < 2 {
			place = d.Name
		}
		switch k.Category {
		case "社区卫生服务中心", "乡镇卫生院":
			place = string(pick(g, demoVillageChars)) + string(pick(g, demoVillageChars))
		case "诊所":
			p := g.adult()
			place = p.Name
		case "门诊部", "民营医院":
			place = place + string(pick(g, demoBrandChars)) + string(pick(g, demoBrandChars))
		}
		name := fmt.Sprintf(k.Name, place)
		grade := "未定级"
		if gs := grades[k.Category]; gs != nil {
			grade = pick(g, gs)
		} else if k.Category == "社区卫生服务中心" || k.Category == "乡镇卫生院" {
			grade = "一级"
		}
		beds := int64(k.Beds[0] + g.r.IntN(k.Beds[1]-k.Beds[0]+1))
		g.hospitals = append(g.hospitals, name)
		licence := fmt.Sprintf("%s%s%05d", g.digits(8), d.Code, i+1) + "A" + strconv.Itoa(1000+g.r.IntN(9000))
		t.Rows = append(t.Rows, []any{licence, name, g.uscc(k.Kind, d.Code), k.Category, grade, beds, g.address(d), d.Code})
	}
	return t
}

func (g *demoGen) births() *demoTable {
	t := &demoTable{Code: "201001/00002", Cols: []string{"certificate_no", "baby_name", "gender", "birth_date", "mother_id", "father_id", "hospital"}}
	var mothers, fathers []*demoPerson
	for _, p := range g.people {
		if p.Birth >= "1980-01-01" && p.Birth <= "2002-01-01" {
			if p.Gender == "女" {
				mothers = append(mothers, p)
			} else {
				fathers = append(fathers, p)
			}
		}
	}
	hospitals := g.hospitals
	if len(hospitals) == 0 || len(mothers) == 0 || len(fathers) == 0 {
		return t
	}
	for i := range g.size(t.Code) {
		m, f := pick(g, mothers), pick(g, fathers)
		gender := "男"
		if g.chance(0.48) {
			gender = "女"
		}
		name := []rune(f.Name)[:1]
		given := []rune(g.personName(gender))[1:]
		t.Rows = append(t.Rows, []any{fmt.Sprintf("Y%09d", 350000000+i+1), string(name) + string(given), gender,
			g.date(ymd(2023, 1, 1), demoDataEnd), m.ID, f.ID, pick(g, hospitals)})
	}
	return t
}

func (g *demoGen) physicians() *demoTable {
	t := &demoTable{Code: "201001/00003", Cols: []string{"certificate_no", "name", "practice_org", "category", "scope"}}
	cats := []struct {
		Code, Name string
		Scopes     []string
	}{
		{"1", "临床", []string{"内科专业", "外科专业", "妇产科专业", "儿科专业", "眼耳鼻咽喉科专业", "精神卫生专业", "医学影像和放射治疗专业", "急救医学专业", "全科医学专业"}},
		{"2", "口腔", []string{"口腔专业"}},
		{"3", "公共卫生", []string{"公共卫生类别专业"}},
		{"4", "中医", []string{"中医专业", "中西医结合专业", "针灸推拿专业"}},
	}
	if len(g.hospitals) == 0 {
		return t
	}
	for i := range g.size(t.Code) {
		p := g.adult()
		c := cats[0]
		if x := g.r.Float64(); x > 0.7 {
			c = pick(g, cats[1:])
		}
		t.Rows = append(t.Rows, []any{fmt.Sprintf("1%s%s%08d", c.Code, "35", i+1) + g.digits(4), p.Name, pick(g, g.hospitals), c.Name, pick(g, c.Scopes)})
	}
	return t
}

// Fuzhou's roads and landmarks, for the bus stops.
var (
	fuzhouRoadsNS = []string{"五四路", "八一七路", "工业路", "白马路", "鼓屏路", "湖滨路", "六一路", "福马路", "晋安河路", "连江路", "岳峰路", "福新路", "塔头路",
		"华林路", "温泉路", "树兜路", "西二环路", "东二环路", "浦上大道", "金山大道", "首山路", "则徐大道", "上渡路", "洋中路", "铜盘路", "斗池路",
		"华大街", "茶园路", "长乐路", "新店路", "秀峰路", "鼓山大道", "魁岐路", "君竹路", "马尾大道", "儒江路", "罗星路", "江滨西大道", "闽江大道", "盖山路",
		"金牛山路", "乌龙江大道", "福州大道", "永丰路", "福厦路", "六一南路", "浦东路", "闽江北路", "义序路", "林浦路", "潘墩路", "梅峰路"}
	fuzhouRoadsEW = []string{"东街", "杨桥路", "湖东路", "古田路", "北二环路", "南二环路", "三环路", "国货路", "江滨中大道", "台江路", "达道路", "乌山路",
		"安泰路", "二环路", "排下路", "金榕路", "金洲路", "高湖路", "城门路", "鹤林路", "福光路", "坂中路", "横屿路", "连潘路", "化工路",
		"琴亭路", "五一路", "梁厝路", "南江滨大道", "建新大道", "金祥路", "湖前路", "铜盘支路", "福湾路", "远洋路", "登云路", "战坂路", "前横路",
		"洪山路", "工农路", "吉祥路", "鳌峰路", "连洲路", "白湖亭路", "仓山路", "螺洲路", "橘园洲路", "东浦路"}
	fuzhouLandmarks = []string{"东街口", "南门兜", "五一广场", "福州火车站", "福州火车南站", "省立医院", "西湖公园", "三坊七巷", "福州大学", "师大", "万达广场",
		"台江步行街", "金山公园", "省体育中心", "屏山", "树兜", "茶亭", "达道", "上渡", "仓山万达", "鼓山", "马尾造船厂", "福州海峡国际会展中心",
		"乌山", "温泉公园", "五四北", "福州北站", "福州汽车站", "洪山桥", "协和医院"}
)

// busStops lays Fuzhou's roads out as a grid and runs the bus lines along it; a stop is a
// crossing one or more lines pass.
func (g *demoGen) busStops() *demoTable {
	t := &demoTable{Code: "203001/00001", Cols: []string{"stop_id", "stop_name", "lines", "longitude", "latitude", "division"}}
	w, h := len(fuzhouRoadsNS), len(fuzhouRoadsEW)
	type node struct{ x, y int }
	var order []node
	lines := map[node][]string{}
	dirs := []node{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}
	n := g.size(t.Code)
	for line := 1; len(order) < n && line <= 500; line++ {
		name := strconv.Itoa(line) + "路"
		if line > 180 {
			name = "K" + strconv.Itoa(line-180) + "路"
		}
		at, dir := node{g.r.IntN(w), g.r.IntN(h)}, g.r.IntN(4)
		visited := map[node]bool{}
		for range 18 + g.r.IntN(24) {
			if !visited[at] {
				visited[at] = true
				if lines[at] == nil {
					order = append(order, at)
				}
				lines[at] = append(lines[at], name)
			}
			if g.chance(0.25) {
				dir = (dir + 1 + 2*g.r.IntN(2)) % 4 // turn left or right
			}
			next := node{at.x + dirs[dir].x, at.y + dirs[dir].y}
			if next.x < 0 || next.y < 0 || next.x >= w || next.y >= h {
				dir = (dir + 2) % 4
				next = node{at.x + dirs[dir].x, at.y + dirs[dir].y}
			}
			at = next
		}
	}
	for i, at := range order[:min(n, len(order))] {
		name := fuzhouRoadsNS[at.x] + fuzhouRoadsEW[at.y] + "口"
		if i < len(fuzhouLandmarks) {
			name = fuzhouLandmarks[i]
		}
		lon := 119.20 + float64(at.x)*0.30/float64(w) + (g.r.Float64()-0.5)*0.002
		lat := 25.96 + float64(at.y)*0.20/float64(h) + (g.r.Float64()-0.5)*0.002
		t.Rows = append(t.Rows, []any{fmt.Sprintf("FZ%05d", i+1), name, strings.Join(lines[at], ","), round6(lon), round6(lat), fuzhouDistrict(lon, lat)})
	}
	return t
}

// fuzhouDistrict returns the district a point of Fuzhou's centre is in, roughly.
func fuzhouDistrict(lon, lat float64) string {
	switch {
	case lon > 119.40:
		return "350105" // 马尾区
	case lon < 119.24:
		return "350121" // 闽侯县
	case lat < 26.04:
		return "350104" // 仓山区
	case lon < 119.30:
		return "350102" // 鼓楼区
	case lat < 26.075 && lon < 119.35:
		return "350103" // 台江区
	}
	return "350111" // 晋安区
}

var demoTransportScopes = []string{"道路普通货物运输", "货物专用运输（集装箱）", "大型物件运输", "道路危险货物运输", "省际班车客运", "市际包车客运", "县内班车客运", "道路普通货物运输；货物专用运输（冷藏保鲜）"}

func (g *demoGen) roadTransportLicences() *demoTable {
	t := &demoTable{Code: "203001/00002", Cols: []string{"licence_no", "operator_name", "operator_uscc", "scope", "valid_to"}}
	seen := map[string]bool{}
	for range g.size(t.Code) {
		c := g.companyOf(indLogistic, indTransprt, indChemical, 1)
		if seen[c.USCC] {
			continue
		}
		seen[c.USCC] = true
		t.Rows = append(t.Rows, []any{c.Division + g.digits(6), c.Name, c.USCC, pick(g, demoTransportScopes), g.date(ymd(2025, 7, 1), ymd(2029, 7, 1))})
	}
	return t
}

// demoPlateLetters are the Fujian plates' letters by city.
var demoPlateLetters = map[string]string{"350100": "A", "350300": "B", "350500": "C", "350200": "D", "350600": "E", "350800": "F", "350400": "G", "350700": "H", "350900": "J"}

func (g *demoGen) plate(div string) string {
	d, _ := g.divs.Lookup(div)
	letter := demoPlateLetters[d.City]
	if letter == "" {
		letter = "K"
	}
	return "闽" + letter + g.digits(5)
}

func (g *demoGen) vehicles() *demoTable {
	t := &demoTable{Code: "305001/00001", Cols: []string{"certificate_no", "plate_no", "operator_uscc", "vehicle_type", "inspected_on"}}
	trucks := []string{"重型半挂牵引车", "重型厢式货车", "中型普通货车", "轻型厢式货车", "重型罐式货车", "重型仓栅式货车"}
	buses := []string{"大型普通客车", "中型普通客车", "大型卧铺客车"}
	plates := map[string]bool{}
	for i := range g.size(t.Code) {
		c := g.companyOf(indLogistic, indTransprt)
		vt := pick(g, trucks)
		if c.Industry == indTransprt && g.chance(0.5) {
			vt = pick(g, buses)
		}
		p := g.plate(c.Division)
		for plates[p] {
			p = g.plate(c.Division)
		}
		plates[p] = true
		t.Rows = append(t.Rows, []any{fmt.Sprintf("闽交运%s%06d", c.Division[:4], i+1), p, c.USCC, vt, g.date(ymd(2024, 7, 1), demoDataEnd)})
	}
	return t
}

func (g *demoGen) transportPenalties() *demoTable {
	t := &demoTable{Code: "305001/00003", Cols: []string{"decision_no", "party_name", "party_uscc", "violation", "decided_on"}}
	violations := []string{"未按规定携带道路运输证", "超限运输", "未取得道路运输经营许可擅自从事道路运输经营", "客运车辆不按批准的客运站点停靠",
		"货运车辆未按规定进行年度审验", "驾驶人员未取得从业资格证", "危险货物运输车辆未按规定安装卫星定位装置"}
	for i := range g.size(t.Code) {
		c := g.companyOf(indLogistic, indTransprt)
		day := g.date(ymd(2022, 1, 1), demoDataEnd)
		t.Rows = append(t.Rows, []any{fmt.Sprintf("闽交执法罚〔%s〕%d号", day[:4], i+1), c.Name, c.USCC, pick(g, violations), day})
	}
	return t
}

// demoStations are Fujian's air monitoring stations (names after the cities' stations;
// codes in the national network's style): city code, name, typical PM2.5 (µg/m³).
var demoStations = []struct {
	Code, City, Name string
	PM25             float64
}{
	{"1386A", "350100", "福州鼓山", 18}, {"1387A", "350100", "福州快安", 20}, {"1388A", "350100", "福州师范大学", 22}, {"1389A", "350100", "福州杨桥西路", 26},
	{"1390A", "350100", "福州五四北路", 24}, {"1391A", "350100", "福州紫阳", 25}, {"1392A", "350100", "福州南门", 27},
	{"1393A", "350200", "厦门鼓浪屿", 17}, {"1394A", "350200", "厦门洪文", 20}, {"1395A", "350200", "厦门湖里", 23}, {"1396A", "350200", "厦门溪东", 21},
	{"1397A", "350500", "泉州万安", 24}, {"1398A", "350500", "泉州津头埔", 26}, {"1399A", "350500", "泉州涂山街", 27}, {"1400A", "350500", "泉州清源山", 19},
	{"1401A", "350600", "漳州蓝田开发区", 27}, {"1402A", "350600", "漳州市环境监测站", 28}, {"1403A", "350600", "漳州龙文区", 26},
	{"1404A", "350300", "莆田监测站", 24}, {"1405A", "350300", "莆田涵江", 25},
	{"1406A", "350400", "三明监测站", 25}, {"1407A", "350400", "三明三元", 23}, {"1408A", "350400", "三明列东", 24},
	{"1409A", "350700", "南平延平", 22}, {"1410A", "350700", "南平武夷山", 15},
	{"1411A", "350800", "龙岩监测站", 23}, {"1412A", "350800", "龙岩新罗", 24}, {"1413A", "350800", "龙岩漳平", 21},
	{"1414A", "350900", "宁德蕉城", 21}, {"1415A", "350900", "宁德福鼎", 19},
}

// iaqi is HJ 633-2012's individual air quality index of a concentration c against the
// breakpoints bp of index levels 0, 50, 100, 150, 200, 300, 400, 500.
func iaqi(c float64, bp [8]float64) int {
	levels := [8]float64{0, 50, 100, 150, 200, 300, 400, 500}
	for i := 1; i < 8; i++ {
		if c <= bp[i] {
			return int(math.Ceil(levels[i-1] + (levels[i]-levels[i-1])*(c-bp[i-1])/(bp[i]-bp[i-1])))
		}
	}
	return 500
}

var (
	bpPM25 = [8]float64{0, 35, 75, 115, 150, 250, 350, 500}
	bpPM10 = [8]float64{0, 50, 150, 250, 350, 420, 500, 600}
	bpO3   = [8]float64{0, 160, 200, 300, 400, 800, 1000, 1200} // 1-hour
)

// airQuality generates hourly readings of every station over the weeks before the data's
// end: a weather regime per city that drifts day by day, the daily cycles (particles peak in
// the morning and the evening, ozone in the afternoon) and noise; AQI and the primary
// pollutant per HJ 633-2012.
func (g *demoGen) airQuality() *demoTable {
	t := &demoTable{Code: "204001/00001", Cols: []string{"station_code", "station_name", "monitored_at", "aqi", "pm25", "pm10", "o3", "primary_pollutant"}}
	hours := max(1, g.size(t.Code)/len(demoStations))
	start := demoDataEnd.Add(-time.Duration(hours) * time.Hour)
	regime := map[string]float64{}
	for i := range hours {
		at := start.Add(time.Duration(i) * time.Hour)
		local := at.Add(8 * time.Hour).Hour()
		if i%24 == 0 {
			for _, s := range demoStations {
				if _, ok := regime[s.City+"@"+at.Format(pubdata.DateFormat)]; !ok {
					regime[s.City+"@"+at.Format(pubdata.DateFormat)] = 1
					regime[s.City] = 0.7*regime[s.City] + 0.3*g.r.NormFloat64() // AR(1) by the day
				}
			}
		}
		for _, s := range demoStations {
			particles := 1 + 0.25*math.Exp(-math.Pow(float64(local-8), 2)/4) + 0.3*math.Exp(-math.Pow(float64(local-20), 2)/6)
			pm25 := s.PM25 * math.Exp(0.45*regime[s.City]+0.15*g.r.NormFloat64()) * particles
			pm10 := pm25 * (1.5 + 0.4*g.r.Float64())
			o3 := (40 + 110*math.Max(0, math.Sin(math.Pi*float64(local-7)/12))) * math.Exp(0.25*regime[s.City]+0.12*g.r.NormFloat64())
			pm25, pm10, o3 = math.Round(pm25), math.Round(pm10), math.Round(o3)
			a25, a10, ao3 := iaqi(pm25, bpPM25), iaqi(pm10, bpPM10), iaqi(o3, bpO3)
			aqi := max(a25, a10, ao3)
			var primary any
			if aqi > 50 {
				switch aqi {
				case a25:
					primary = "PM2.5"
				case a10:
					primary = "PM10"
				default:
					primary = "O3"
				}
			}
			t.Rows = append(t.Rows, []any{s.Code, s.Name, at.Format(pubdata.DateTimeFormat), int64(aqi), pm25, pm10, o3, primary})
		}
	}
	return t
}

var demoIndustryCategories = map[int]string{indChemical: "化学原料和化学制品制造业", 8: "皮革、毛皮、羽毛及其制品和制鞋业", 7: "纺织服装、服饰业", 9: "计算机、通信和其他电子设备制造业",
	10: "通用设备制造业", 6: "食品制造业", 15: "农副食品加工业", 22: "非金属矿物制品业", 23: "非金属矿物制品业", 18: "石墨及其他非金属矿物制品制造", 17: "生态保护和环境治理业"}

func (g *demoGen) dischargePermits() *demoTable {
	t := &demoTable{Code: "204001/00002", Cols: []string{"permit_no", "unit_name", "unit_uscc", "industry", "valid_to"}}
	seen := map[string]bool{}
	inds := []int{indChemical, 6, 7, 8, 9, 10, 15, 17, 18, 22, 23}
	for range g.size(t.Code) {
		c := g.companyOf(inds...)
		if seen[c.USCC] {
			continue
		}
		seen[c.USCC] = true
		kind := "001" + pick(g, []string{"P", "P", "V", "U"}) // P key, U simplified, V registration… per HJ 608's numbering
		t.Rows = append(t.Rows, []any{c.USCC + kind, c.Name, c.USCC, demoIndustryCategories[c.Industry], g.date(ymd(2025, 7, 1), ymd(2030, 7, 1))})
	}
	return t
}

func (g *demoGen) eiaApprovals() *demoTable {
	t := &demoTable{Code: "306001/00001", Cols: []string{"approval_no", "project", "builder_uscc", "approved_on"}}
	projects := []string{"年产%d万吨%s项目", "%d万平方米厂房建设项目", "%d千伏输变电工程", "年产%d万件%s生产线技术改造项目", "%d吨/日污水处理厂扩建工程"}
	products := []string{"化工新材料", "包装材料", "纺织面料", "运动鞋", "食品", "电子元器件", "建筑陶瓷", "石材制品", "锂电池材料", "茶叶精制"}
	for i := range g.size(t.Code) {
		c := g.companyOf()
		p := pick(g, projects)
		var name string
		if strings.Count(p, "%") == 2 {
			name = fmt.Sprintf(p, 1+g.r.IntN(50), pick(g, products))
		} else {
			name = fmt.Sprintf(p, (1+g.r.IntN(50))*10)
		}
		day := g.date(ymd(2021, 1, 1), demoDataEnd)
		_, short := g.authority(c, "")
		t.Rows = append(t.Rows, []any{fmt.Sprintf("%s环评〔%s〕%d号", short, day[:4], i+1), c.Name + name, c.USCC, day})
	}
	return t
}

// licenceCatalog is the fixed list of Fujian's common electronic licences.
func (g *demoGen) licenceCatalog() *demoTable {
	t := &demoTable{Code: "105001/00001", Cols: []string{"license_type", "license_name", "issuer", "fields"}}
	for i, l := range [][3]string{
		{"居民身份证", "公安机关", "姓名；性别；民族；出生；住址；公民身份号码；签发机关；有效期限"},
		{"居民户口簿", "公安机关", "户号；户主姓名；住址；户别；成员姓名；与户主关系；公民身份号码"},
		{"居住证", "公安机关", "姓名；性别；公民身份号码；居住地址；签发机关；有效期限"},
		{"机动车驾驶证", "公安机关交通管理部门", "证号；姓名；性别；国籍；住址；出生日期；初次领证日期；准驾车型；有效期限"},
		{"机动车行驶证", "公安机关交通管理部门", "号牌号码；车辆类型；所有人；住址；使用性质；品牌型号；车辆识别代号；发动机号码；注册日期；发证日期"},
		{"营业执照", "市场监督管理部门", "统一社会信用代码；名称；类型；法定代表人；经营范围；注册资本；成立日期；住所；登记机关"},
		{"食品经营许可证", "市场监督管理部门", "许可证编号；经营者名称；统一社会信用代码；法定代表人；住所；经营场所；主体业态；经营项目；有效期至"},
		{"药品经营许可证", "药品监督管理部门", "证号；企业名称；统一社会信用代码；注册地址；法定代表人；经营方式；经营范围；有效期至"},
		{"结婚证", "民政部门", "持证人；登记日期；结婚证字号；男方姓名；女方姓名；公民身份号码"},
		{"离婚证", "民政部门", "持证人；登记日期；离婚证字号；姓名；公民身份号码"},
		{"出生医学证明", "卫生健康部门", "新生儿姓名；性别；出生时间；出生地点；母亲姓名；父亲姓名；签发机构；出生医学证明编号"},
		{"医师执业证书", "卫生健康部门", "姓名；性别；身份证件号码；执业地点；执业类别；执业范围；发证机关"},
		{"社会保障卡", "人力资源和社会保障部门", "姓名；社会保障号码；卡号；发卡日期"},
		{"职业资格证书", "人力资源和社会保障部门", "姓名；身份证件号码；职业名称；等级；证书编号；发证日期"},
		{"不动产权证书", "自然资源部门", "权利人；共有情况；坐落；不动产单元号；权利类型；用途；面积；使用期限"},
		{"建筑业企业资质证书", "住房和城乡建设部门", "企业名称；统一社会信用代码；资质类别及等级；有效期；发证机关"},
		{"道路运输经营许可证", "交通运输部门", "业户名称；地址；经营范围；许可证号；有效期"},
		{"道路运输证", "交通运输部门", "业户名称；车辆号牌；车辆类型；吨（座）位；经营范围；证号"},
		{"排污许可证", "生态环境部门", "单位名称；注册地址；行业类别；生产经营场所地址；统一社会信用代码；证书编号；有效期限"},
		{"残疾人证", "残疾人联合会", "姓名；性别；公民身份号码；残疾类别；残疾等级；证号"},
		{"毕业证书", "教育部门", "姓名；性别；出生日期；专业；学制；毕业时间；证书编号；学校名称"},
		{"烟草专卖零售许可证", "烟草专卖局", "许可证号；企业名称；负责人；经营场所；经营范围；有效期限"},
		{"卫生许可证", "卫生健康部门", "单位名称；法定代表人；地址；许可项目；许可证号；有效期限"},
		{"建设工程规划许可证", "自然资源部门", "建设单位；建设项目名称；建设位置；建设规模；证号"},
		{"特种设备使用登记证", "市场监督管理部门", "使用单位；设备类别；设备品种；使用登记证编号；单位内编号"},
		{"渔业捕捞许可证", "农业农村部门", "船名；船籍港；船舶所有人；作业类型；作业场所；有效期"},
		{"林木采伐许可证", "林业部门", "采伐单位；采伐地点；林种；采伐方式；采伐蓄积；有效期"},
		{"户外广告设置许可证", "城市管理部门", "设置单位；设置地点；广告形式；规格；有效期"},
		{"税务登记证明", "税务部门", "纳税人名称；纳税人识别号；登记注册类型；主管税务机关"},
		{"护照", "出入境管理部门", "姓名；性别；出生日期；出生地点；护照号；签发日期；有效期至"},
	} {
		t.Rows = append(t.Rows, []any{fmt.Sprintf("11350000MB%06d", i+1), l[0], l[1], l[2]})
	}
	return t
}

func (g *demoGen) fuzhouMigrants() *demoTable {
	t := &demoTable{Code: "351001/00001", Cols: []string{"resident_id", "name", "address", "registered_on"}}
	for range g.size(t.Code) {
		from := pick(g, g.others)
		if g.chance(0.3) {
			from = pick(g, g.counties) // from elsewhere in Fujian
			if from.City == "350100" {
				continue
			}
		}
		p := g.person(from, ymd(1965, 1, 1), ymd(2005, 1, 1))
		t.Rows = append(t.Rows, []any{p.ID, p.Name, g.address(pick(g, g.fuzhou)), g.date(ymd(2019, 1, 1), demoDataEnd)})
	}
	return t
}

func (g *demoGen) ebikes() *demoTable {
	t := &demoTable{Code: "351001/00002", Cols: []string{"plate_no", "owner_id", "owner_mobile", "brand"}}
	brands := []string{"雅迪", "爱玛", "台铃", "新日", "绿源", "小牛", "九号", "立马", "小刀", "哈啰"}
	var owners []*demoPerson
	for _, p := range g.people {
		if strings.HasPrefix(p.Division, "3501") && p.Birth <= "2009-01-01" && p.Birth >= "1950-01-01" {
			owners = append(owners, p)
		}
	}
	if len(owners) == 0 {
		return t
	}
	for i := range g.size(t.Code) {
		p := pick(g, owners)
		model := pick(g, []string{"TDT", "DE", "TDR", "Q", "G", "F"}) + strconv.Itoa(10+g.r.IntN(2000))
		t.Rows = append(t.Rows, []any{fmt.Sprintf("福州%c%05d", 'A'+rune(i/100000), i%100000+1), p.ID, p.Mobile, pick(g, brands) + model})
	}
	return t
}

func (g *demoGen) cateringRatings() *demoTable {
	t := &demoTable{Code: "352001/00002", Cols: []string{"licence_no", "name", "rating", "rated_on"}}
	ratings := []string{"优秀", "良好", "良好", "良好", "一般", "一般"}
	for _, f := range g.food[:min(len(g.food), g.size(t.Code))] {
		t.Rows = append(t.Rows, []any{f[0], f[1], pick(g, ratings), g.date(ymd(2023, 1, 1), demoDataEnd)})
	}
	return t
}

// --- loading ---

// demoRows is a RowSource over generated rows, already in the entry's item order.
type demoRows struct {
	rows [][]any
	i    int
}

func (s *demoRows) Next() (*pubdata.SourceRow, error) {
	if s.i >= len(s.rows) {
		return nil, io.EOF
	}
	s.i++
	return &pubdata.SourceRow{Num: int64(s.i), Values: s.rows[s.i-1]}, nil
}
func (s *demoRows) Read() int64 { return int64(s.i) }
func (s *demoRows) Size() int64 { return int64(len(s.rows)) }

// inItemOrder returns the table's rows with their values in the order of the items: an
// item the table does not generate is NULL, a generated column that is not an item (an
// older version of the entry) is left out.
func (t *demoTable) inItemOrder(items []pubdata.Item) [][]any {
	col := map[string]int{}
	for i, c := range t.Cols {
		col[c] = i
	}
	idx := make([]int, len(items))
	for i, it := range items {
		j, ok := col[it.Name]
		if !ok {
			j = -1
		}
		idx[i] = j
	}
	out := make([][]any, len(t.Rows))
	for r, row := range t.Rows {
		v := make([]any, len(items))
		for i, j := range idx {
			if j >= 0 {
				v[i] = row[j]
			}
		}
		out[r] = v
	}
	return out
}

// demoLoad is one batch of the demo data: an entry and where its rows come from.
type demoLoad struct {
	Code     string // the entry's resource code
	Key      string // the batch's idempotency key
	Format   string
	FileName string
	OnError  pubdata.OnError
	Source   func(items []pubdata.Item) (pubdata.RowSource, error)
}

// loadDemoData loads the demo tables of the published table entries whose tables are still
// empty, as their providers (see demoEditors), in batches of source demo: the generated
// rows at scale (1 the full demo) and the sample files. An entry whose table has rows is
// left alone, so loading again adds nothing. It counts into res.
func loadDemoData(ctx context.Context, a *app, scale float64, res *demoResult) error {
	actors := &demoActors{a: a, ctx: ctx, cache: map[string]context.Context{}}
	var loads []demoLoad
	var tables map[string]*demoTable
	generated := func(code string) func([]pubdata.Item) (pubdata.RowSource, error) {
		return func(items []pubdata.Item) (pubdata.RowSource, error) {
			if tables == nil { // generated when first needed: not at all on a second start
				tables = map[string]*demoTable{}
				for _, t := range generateDemoData(scale) {
					tables[t.Code] = t
				}
			}
			return &demoRows{rows: tables[code].inItemOrder(items)}, nil
		}
	}
	for _, t := range demoGeneratedCodes() {
		loads = append(loads, demoLoad{Code: t, Key: "demo:generated", OnError: pubdata.OnErrorAbort, Source: generated(t)})
	}
	loads = append(loads, demoSampleLoads()...)

	empty := map[string]bool{} // entry code → its table was empty before this run
	for _, l := range loads {
		e, err := a.entries.FindPublishedEntry(ctx, l.Code)
		switch {
		case pubdata.ErrorCode(err) == pubdata.ENOTFOUND:
			continue // not published in this database (an older demo)
		case err != nil:
			return fmt.Errorf("entry %s: %w", l.Code, err)
		case e.Format != pubdata.FormatTable || len(e.Items) == 0:
			continue
		}
		was, seen := empty[l.Code]
		if !seen {
			st, err := a.data.TableStats(ctx, e.ID)
			switch {
			case pubdata.ErrorCode(err) == pubdata.ENOTFOUND:
				was = true
			case err != nil:
				return fmt.Errorf("table of %s: %w", l.Code, err)
			default:
				was = st.Rows == 0
			}
			empty[l.Code] = was
			if !was {
				res.TablesExisting++
			}
		}
		if !was {
			continue
		}
		pctx, err := actors.as(demoEditors[e.Org])
		if err != nil {
			return err
		}
		opt := pubdata.LoadOptions{Mode: pubdata.ModeAppend, OnError: l.OnError, Source: pubdata.SourceDemo, Format: l.Format, FileName: l.FileName, IdempotencyKey: l.Key}
		b, created, err := a.data.CreateBatch(pctx, e, opt)
		if err != nil {
			return fmt.Errorf("batch of %s: %w", l.Code, err)
		}
		if !created && b.Status != pubdata.BatchFailed {
			continue // done, rolled back or running elsewhere
		}
		src, err := l.Source(e.Items)
		if err != nil {
			return fmt.Errorf("rows of %s: %w", l.Code, err)
		}
		if days, ok := demoStaleTables[l.Code]; ok {
			// Loaded long ago and not since: a stale table for the compliance page (H3).
			now := time.Now()
			a.db.Now = func() time.Time { return now.AddDate(0, 0, -days) }
		}
		b, err = a.data.RunBatch(pctx, e, b.ID, src, opt)
		a.db.Now = time.Now
		if err != nil {
			return fmt.Errorf("batch of %s: %w", l.Code, err)
		}
		if b.Status != pubdata.BatchDone {
			return fmt.Errorf("batch of %s %s failed: %s", l.Code, l.FileName, b.Message)
		}
		res.BatchesLoaded++
		res.RowsLoaded += b.RowsLoaded
		res.RowsRejected += b.RowsRejected
	}
	for _, was := range empty {
		if was {
			res.TablesLoaded++
		}
	}
	return nil
}

// demoStaleTables are the demo's tables loaded that many days ago and not since: a daily
// table not updated for ten days is stale (pubdata.TableFreshness), a finding of the
// compliance page, as the published table entries the demo never loads are.
var demoStaleTables = map[string]int{"302001/00001": 10}

// demoNeverLoaded are the demo's published table entries it never loads.
var demoNeverLoaded = map[string]bool{"352001/00004": true}

// demoGeneratedCodes lists the entries with generated rows, in the generator's order.
func demoGeneratedCodes() []string {
	return []string{"101001/00001", "102001/00001", "101001/00003", "301001/00001", "301001/00004", "102001/00002",
		"302001/00001", "302001/00002", "302001/00003", "302001/00007", "202001/00001", "202001/00002",
		"303001/00001", "201001/00001", "201001/00002", "201001/00003", "203001/00001", "203001/00002",
		"305001/00001", "305001/00003", "204001/00001", "204001/00002", "306001/00001", "105001/00001",
		"351001/00001", "351001/00002", "352001/00002", "202001/00009"}
}

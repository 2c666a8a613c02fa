package demo

import "rapport/internal/auth"

// This file holds the fixed material the demo organisation is built from.
// Everything here is fictitious; any likeness to a real company or person is
// coincidental.

// emailDomain is the domain of the demo organisation's own staff.
const emailDomain = "demo.example.cn"

// deptSpec is a department; parent names another deptSpec by key.
type deptSpec struct {
	key, name, parent string
}

// departments is the department tree, parents before children.
var departments = []deptSpec{
	{key: "office", name: "总经理办公室 General Management"},
	{key: "client", name: "客户部 Client Department"},
	{key: "east", name: "华东组 East Team", parent: "client"},
	{key: "north", name: "华北组 North Team", parent: "client"},
	{key: "service", name: "客户服务部 Customer Service"},
	{key: "hr", name: "人力资源部 HR & Culture Office"},
	{key: "editorial", name: "编辑部 Editorial"},
}

// userSpec is a member of staff. role is their main role; every user also
// holds EMPLOYEE. manager names another userSpec by subject.
type userSpec struct {
	subject, name, email string
	role                 auth.Role
	dept, manager        string
}

// Subjects of the users the server prints tokens for.
const (
	subjectAdmin          = "admin"
	subjectSalesManager   = "sales.east"
	subjectAccountManager = "am.east.1"
)

// staff is the demo organisation's directory.
var staff = []userSpec{
	{"gm", "陈建国 Chen Jianguo", "chen.jianguo", auth.RoleExecutive, "office", ""},
	{"admin", "李明 Li Ming", "li.ming", auth.RoleAdmin, "office", "gm"},
	{"sales.east", "王芳 Wang Fang", "wang.fang", auth.RoleSalesManager, "east", "gm"},
	{"sales.north", "赵强 Zhao Qiang", "zhao.qiang", auth.RoleSalesManager, "north", "gm"},
	{"am.east.1", "刘洋 Liu Yang", "liu.yang", auth.RoleAccountManager, "east", "sales.east"},
	{"am.east.2", "黄丽 Huang Li", "huang.li", auth.RoleAccountManager, "east", "sales.east"},
	{"am.east.3", "Daniel Weber", "daniel.weber", auth.RoleAccountManager, "east", "sales.east"},
	{"am.east.4", "周杰 Zhou Jie", "zhou.jie", auth.RoleAccountManager, "east", "sales.east"},
	{"am.north.1", "孙伟 Sun Wei", "sun.wei", auth.RoleAccountManager, "north", "sales.north"},
	{"am.north.2", "Sophie Martin", "sophie.martin", auth.RoleAccountManager, "north", "sales.north"},
	{"am.north.3", "郭静 Guo Jing", "guo.jing", auth.RoleAccountManager, "north", "sales.north"},
	{"service.lead", "林晓燕 Lin Xiaoyan", "lin.xiaoyan", auth.RoleServiceSupervisor, "service", "gm"},
	{"rep.1", "马超 Ma Chao", "ma.chao", auth.RoleServiceRep, "service", "service.lead"},
	{"rep.2", "何娜 He Na", "he.na", auth.RoleServiceRep, "service", "service.lead"},
	{"rep.3", "Tom Baker", "tom.baker", auth.RoleServiceRep, "service", "service.lead"},
	{"finance", "钱晓红 Qian Xiaohong", "qian.xiaohong", auth.RoleFinance, "office", "gm"},
	{"hr", "周敏 Zhou Min", "zhou.min", auth.RoleHR, "hr", "gm"},
	{"editor", "陈思雨 Grace Chen", "grace.chen", auth.RoleEditor, "editorial", "gm"},
	{"corr.office", "吴婷 Wu Ting", "wu.ting", auth.RoleCorrespondent, "office", "gm"},
	{"corr.client", "郑浩 Zheng Hao", "zheng.hao", auth.RoleCorrespondent, "client", "gm"},
	{"corr.east", "谢雨桐 Xie Yutong", "xie.yutong", auth.RoleCorrespondent, "east", "sales.east"},
	{"corr.north", "韩磊 Han Lei", "han.lei", auth.RoleCorrespondent, "north", "sales.north"},
	{"corr.service", "冯佳 Feng Jia", "feng.jia", auth.RoleCorrespondent, "service", "service.lead"},
	{"corr.hr", "曹颖 Cao Ying", "cao.ying", auth.RoleCorrespondent, "hr", "hr"},
	{"corr.editorial", "Lucas Meyer", "lucas.meyer", auth.RoleCorrespondent, "editorial", "editor"},
	{"emp.1", "唐军 Tang Jun", "tang.jun", auth.RoleEmployee, "office", "gm"},
	{"emp.2", "宋雪 Song Xue", "song.xue", auth.RoleEmployee, "hr", "hr"},
	{"emp.3", "梁文博 Liang Wenbo", "liang.wenbo", auth.RoleEmployee, "editorial", "editor"},
}

// city is where an account has its seat.
type city struct {
	zh, en, code string // code: a short Latin tag used in web domains
	province     string // "" for the municipalities
	areaCode     string // long-distance prefix, with the leading 0
	districts    []string
}

// region is a sales region, the sales team (department key) owning its
// accounts and how many of the accounts are in it. The counts follow the
// teams' sizes (4 and 3 account managers), so every account manager owns
// about as many accounts as any other.
type region struct {
	name   string
	team   string
	count  int
	cities []city
}

var regions = []region{
	{name: "华东", team: "east", count: 70, cities: []city{
		{"上海", "Shanghai", "sh", "", "021", []string{"浦东新区", "闵行区", "徐汇区", "嘉定区"}},
		{"杭州", "Hangzhou", "hz", "浙江省", "0571", []string{"滨江区", "西湖区", "余杭区"}},
		{"苏州", "Suzhou", "sz", "江苏省", "0512", []string{"工业园区", "吴中区", "相城区"}},
		{"南京", "Nanjing", "nj", "江苏省", "025", []string{"江宁区", "鼓楼区", "建邺区"}},
		{"宁波", "Ningbo", "nb", "浙江省", "0574", []string{"鄞州区", "北仑区"}},
		{"无锡", "Wuxi", "wx", "江苏省", "0510", []string{"新吴区", "滨湖区"}},
		{"合肥", "Hefei", "hf", "安徽省", "0551", []string{"蜀山区", "包河区"}},
	}},
	{name: "华北", team: "north", count: 56, cities: []city{
		{"北京", "Beijing", "bj", "", "010", []string{"朝阳区", "海淀区", "丰台区", "大兴区"}},
		{"天津", "Tianjin", "tj", "", "022", []string{"滨海新区", "西青区", "南开区"}},
		{"石家庄", "Shijiazhuang", "sjz", "河北省", "0311", []string{"长安区", "裕华区"}},
		{"太原", "Taiyuan", "ty", "山西省", "0351", []string{"小店区", "万柏林区"}},
		{"唐山", "Tangshan", "ts", "河北省", "0315", []string{"路北区", "丰润区"}},
		{"呼和浩特", "Hohhot", "hh", "内蒙古自治区", "0471", []string{"赛罕区", "新城区"}},
	}},
	{name: "华南", team: "east", count: 44, cities: []city{
		{"广州", "Guangzhou", "gz", "广东省", "020", []string{"天河区", "黄埔区", "番禺区"}},
		{"深圳", "Shenzhen", "szn", "广东省", "0755", []string{"南山区", "福田区", "宝安区", "龙岗区"}},
		{"东莞", "Dongguan", "dg", "广东省", "0769", []string{"松山湖", "长安镇"}},
		{"佛山", "Foshan", "fs", "广东省", "0757", []string{"顺德区", "南海区"}},
		{"南宁", "Nanning", "nn", "广西壮族自治区", "0771", []string{"青秀区", "西乡塘区"}},
	}},
	{name: "西南", team: "north", count: 30, cities: []city{
		{"成都", "Chengdu", "cd", "四川省", "028", []string{"高新区", "武侯区", "锦江区"}},
		{"重庆", "Chongqing", "cq", "", "023", []string{"渝北区", "江北区", "九龙坡区"}},
		{"昆明", "Kunming", "km", "云南省", "0871", []string{"五华区", "官渡区"}},
		{"贵阳", "Guiyang", "gy", "贵州省", "0851", []string{"观山湖区", "南明区"}},
	}},
}

// tradeName is the distinctive part of a company name (字号) and its pinyin.
type tradeName struct{ zh, py string }

var tradeNames = []tradeName{
	{"恒通", "Hengtong"}, {"瑞丰", "Ruifeng"}, {"鼎盛", "Dingsheng"}, {"宏达", "Hongda"},
	{"新元", "Xinyuan"}, {"金桥", "Jinqiao"}, {"汇成", "Huicheng"}, {"嘉禾", "Jiahe"},
	{"德润", "Derun"}, {"中联", "Zhonglian"}, {"博远", "Boyuan"}, {"安泰", "Antai"},
	{"永信", "Yongxin"}, {"天合", "Tianhe"}, {"联创", "Lianchuang"}, {"卓越", "Zhuoyue"},
	{"宝华", "Baohua"}, {"东方", "Dongfang"}, {"盛世", "Shengshi"}, {"锦程", "Jincheng"},
	{"启航", "Qihang"}, {"佳信", "Jiaxin"}, {"诚达", "Chengda"}, {"广源", "Guangyuan"},
	{"立新", "Lixin"}, {"万隆", "Wanlong"}, {"海川", "Haichuan"}, {"益民", "Yimin"},
	{"同创", "Tongchuang"}, {"和盛", "Hesheng"}, {"信诚", "Xincheng"}, {"华宇", "Huayu"},
	{"明德", "Mingde"}, {"云帆", "Yunfan"}, {"长青", "Changqing"}, {"凯瑞", "Kairui"},
	{"锐思", "Ruisi"}, {"北辰", "Beichen"}, {"创远", "Chuangyuan"}, {"君合", "Junhe"},
}

// line is a line of business within an industry.
type line struct {
	zh, en, slug    string
	scope, products string
}

// industry is an account's industry, its weight among the accounts and its lines of business.
type industry struct {
	name   string
	weight int
	lines  []line
}

var industries = []industry{
	{"制造业", 20, []line{
		{"精密机械", "Precision Machinery", "machinery",
			"精密机械零部件的研发、生产与销售；机械设备安装与维修；货物及技术进出口。", "数控机床主轴、精密齿轮箱、液压元件"},
		{"电子科技", "Electronic Technology", "electronics",
			"电子元器件、传感器的研发、制造与销售；电子产品技术咨询与服务。", "工业传感器、PCB 组件、电源模块"},
		{"新材料", "New Materials", "materials",
			"高分子材料、复合材料的研发、生产与销售；相关技术服务。", "改性塑料、碳纤维复合板、功能性薄膜"},
		{"包装材料", "Packaging Materials", "packaging",
			"纸制品及塑料包装材料的生产与销售；包装设计服务。", "瓦楞纸箱、食品级软包装、环保缓冲材料"},
	}},
	{"金融", 8, []line{
		{"融资租赁", "Financial Leasing", "leasing",
			"融资租赁业务；租赁财产的残值处理及维修；租赁交易咨询。", "设备融资租赁、售后回租、经营性租赁"},
		{"投资管理", "Investment Management", "capital",
			"投资管理；资产管理；投资咨询（不含证券、期货）。", "私募股权投资、产业基金管理、投后增值服务"},
		{"商业保理", "Commercial Factoring", "factoring",
			"商业保理业务；应收账款管理；与保理相关的咨询服务。", "有追索权保理、供应链金融服务"},
	}},
	{"医药", 10, []line{
		{"生物医药", "Biopharmaceutical", "bio",
			"生物制品、化学药品的研发、生产与销售；医药技术开发与转让。", "单克隆抗体药物、疫苗、诊断试剂"},
		{"医疗器械", "Medical Devices", "medical",
			"第二类、第三类医疗器械的研发、生产与销售；医疗设备维修。", "监护仪、超声诊断设备、一次性医用耗材"},
		{"医药连锁", "Pharmacy Chain", "pharmacy",
			"药品零售；保健食品、医疗器械销售；健康咨询服务。", "处方药、非处方药、健康管理服务"},
	}},
	{"零售", 10, []line{
		{"商贸", "Trading", "trading",
			"日用百货、食品、服装的批发与零售；进出口贸易。", "快消品分销、进口食品、家居用品"},
		{"连锁超市", "Supermarket Chain", "mart",
			"超市连锁经营；食品、日用品零售；仓储服务。", "生鲜食品、自有品牌商品、社区团购"},
		{"百货", "Department Store", "store",
			"百货零售；品牌代理；商业综合体运营。", "服装鞋帽、化妆品、家用电器"},
	}},
	{"物流", 10, []line{
		{"物流", "Logistics", "logistics",
			"道路货物运输；仓储服务；国内货运代理。", "整车与零担运输、仓配一体化服务"},
		{"供应链管理", "Supply Chain Management", "scm",
			"供应链管理服务；国际货运代理；报关报检。", "跨境物流、VMI 仓储、供应链金融"},
		{"冷链物流", "Cold Chain Logistics", "coldchain",
			"冷藏运输；冷库仓储；农产品配送。", "冷链运输、冷库租赁、生鲜配送"},
	}},
	{"能源", 8, []line{
		{"新能源科技", "New Energy Technology", "energy",
			"储能系统、锂电池的研发与销售；合同能源管理。", "工商业储能系统、电池管理系统"},
		{"光伏科技", "Photovoltaic Technology", "solar",
			"光伏组件及系统的研发、生产与安装；光伏电站运维。", "单晶光伏组件、分布式光伏电站"},
		{"燃气", "Gas", "gas",
			"城市燃气经营；燃气设施安装与维修；燃气具销售。", "管道天然气、LNG 供应、燃气工程"},
	}},
	{"互联网", 12, []line{
		{"网络科技", "Network Technology", "net",
			"互联网信息服务；软件开发；网络技术服务。", "电商 SaaS 平台、小程序开发、数字营销"},
		{"信息技术", "Information Technology", "it",
			"计算机软硬件开发、系统集成；信息技术咨询服务。", "ERP 实施、数据中心集成、IT 运维外包"},
		{"数字科技", "Digital Technology", "digital",
			"大数据、人工智能技术开发与应用；数据处理服务。", "数据分析平台、智能客服、工业互联网解决方案"},
	}},
	{"教育", 6, []line{
		{"教育科技", "Education Technology", "edu",
			"教育软件开发；在线教育平台运营；教育咨询。", "在线课程平台、智慧校园系统"},
		{"职业培训", "Vocational Training", "training",
			"职业技能培训；企业管理培训；人才测评。", "企业内训、职业资格培训、领导力课程"},
	}},
	{"房地产", 6, []line{
		{"置业", "Real Estate", "estate",
			"房地产开发经营；房屋租赁；物业管理。", "住宅开发、商业综合体、产业园区"},
		{"物业管理", "Property Management", "property",
			"物业管理；停车场管理；家政服务。", "住宅物业服务、商业楼宇管理、设施维护"},
	}},
	{"汽车", 10, []line{
		{"汽车零部件", "Auto Parts", "autoparts",
			"汽车零部件的研发、生产与销售；模具设计与制造。", "制动系统、车身冲压件、线束总成"},
		{"汽车销售服务", "Automobile Sales & Service", "auto",
			"汽车销售；汽车维修与保养；二手车经纪。", "4S 店整车销售、售后维修、汽车金融代理"},
	}},
}

var roads = []string{
	"人民路", "中山路", "建设路", "解放路", "科技路", "创新大道", "工业园路", "滨江大道",
	"学府路", "长江路", "金融街", "新华路", "和平路", "东风路", "环城北路", "迎宾大道",
}

var buildings = []string{"国际大厦", "科技园", "商务中心", "金融中心", "创业园", "广场"}

// person is a Chinese surname with its pinyin.
type person struct{ zh, py string }

var surnames = []person{
	{"王", "Wang"}, {"李", "Li"}, {"张", "Zhang"}, {"刘", "Liu"}, {"陈", "Chen"},
	{"杨", "Yang"}, {"黄", "Huang"}, {"赵", "Zhao"}, {"吴", "Wu"}, {"周", "Zhou"},
	{"徐", "Xu"}, {"孙", "Sun"}, {"马", "Ma"}, {"朱", "Zhu"}, {"胡", "Hu"},
	{"郭", "Guo"}, {"何", "He"}, {"林", "Lin"}, {"罗", "Luo"}, {"高", "Gao"},
	{"郑", "Zheng"}, {"梁", "Liang"}, {"谢", "Xie"}, {"宋", "Song"}, {"唐", "Tang"},
	{"韩", "Han"}, {"冯", "Feng"}, {"邓", "Deng"}, {"曹", "Cao"}, {"彭", "Peng"},
}

// givenName is a Chinese given name, its pinyin and whether it is a woman's name.
type givenName struct {
	zh, py string
	female bool
}

var givenNames = []givenName{
	{"伟", "Wei", false}, {"芳", "Fang", true}, {"娜", "Na", true}, {"敏", "Min", true},
	{"静", "Jing", true}, {"丽", "Li", true}, {"强", "Qiang", false}, {"磊", "Lei", false},
	{"军", "Jun", false}, {"洋", "Yang", false}, {"勇", "Yong", false}, {"艳", "Yan", true},
	{"杰", "Jie", false}, {"涛", "Tao", false}, {"明", "Ming", false}, {"超", "Chao", false},
	{"秀英", "Xiuying", true}, {"建华", "Jianhua", false}, {"晓东", "Xiaodong", false}, {"海燕", "Haiyan", true},
	{"志强", "Zhiqiang", false}, {"文博", "Wenbo", false}, {"思远", "Siyuan", false}, {"雨婷", "Yuting", true},
	{"子涵", "Zihan", true}, {"浩然", "Haoran", false}, {"欣怡", "Xinyi", true}, {"俊杰", "Junjie", false},
	{"佳琪", "Jiaqi", true}, {"国华", "Guohua", false},
}

// englishName is an English given name some contacts go by.
type englishName struct {
	name   string
	female bool
}

var englishNames = []englishName{
	{"David", false}, {"Kevin", false}, {"Lily", true}, {"Grace", true},
	{"Jason", false}, {"Eric", false}, {"Cindy", true}, {"Vivian", true},
	{"Frank", false}, {"Helen", true}, {"Tony", false}, {"Amy", true},
	{"Michael", false}, {"Jenny", true}, {"Steven", false}, {"Lucy", true},
}

// title is a contact's position; decision makers are chairmen and general managers.
type title struct {
	name     string
	decision bool
}

var (
	decisionTitles = []title{{"董事长 Chairman", true}, {"总经理 General Manager", true}}
	otherTitles    = []title{
		{"副总经理 Deputy General Manager", false},
		{"采购经理 Purchasing Manager", false},
		{"财务总监 Chief Financial Officer", false},
		{"行政主管 Administration Supervisor", false},
		{"技术总监 Technical Director", false},
		{"市场部经理 Marketing Manager", false},
		{"总经理助理 Assistant to the General Manager", false},
		{"人力资源经理 HR Manager", false},
		{"销售总监 Sales Director", false},
	}
)

var mobilePrefixes = []string{
	"130", "131", "132", "133", "135", "136", "137", "138", "139",
	"150", "151", "152", "155", "157", "158", "159", "177", "180", "186", "187", "188", "189",
}

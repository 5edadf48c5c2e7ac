package synth

// Model data: shares, rates and word lists. The numbers are rough figures
// from public statistics (economic census shares of enterprise legal
// entities by industry, tax credit grade announcements, utility tariffs,
// social insurance rates); they shape a plausible region, not a forecast.

// sectionModel holds the per-section parameters of the model.
type sectionModel struct {
	code  string
	share float64 // share of the SME population (GB/T 4754 section)
	// size mix of the section: micro, small, medium; the population total
	// lands near 83 / 14 / 3 %.
	sizeMix [3]float64
	prod    float64 // operating revenue per employee per year, yuan
	assets  float64 // total assets / annual revenue
	beta    float64 // sensitivity to the business cycle
	margin  float64 // profit margin in a normal year
	vatRate float64 // general VAT rate
	va      float64 // value added share of sales (input VAT offsets the rest)
	wage    float64 // contribution base relative to the regional average
	elec    float64 // kWh per employee per month
	water   float64 // m³ per employee per month
	meter   float64 // probability that a micro firm has its own meters
	elecSea int     // electricity seasonality profile
	revSea  int     // revenue seasonality profile
	penalty float64 // administrative penalty rate multiplier
	hightec float64 // high-tech certification propensity
}

// Seasonality profiles, January first.
const (
	seaFlat    = iota // manufacturing: flat with a Spring Festival dip
	seaCooling        // shops, offices, hotels: summer cooling, some winter heating
	seaRetail         // revenue: year-end and holiday peaks
	seaBuild          // construction: long Spring Festival stop, busy autumn
	seaOffice         // services: mild
)

var seasonality = [...][12]float64{
	seaFlat:    {0.95, 0.72, 1.00, 1.02, 1.02, 1.03, 1.03, 1.03, 1.03, 1.00, 1.04, 1.08},
	seaCooling: {1.12, 0.95, 0.88, 0.84, 0.92, 1.08, 1.32, 1.36, 1.10, 0.88, 0.88, 1.05},
	seaRetail:  {1.15, 0.92, 0.90, 0.94, 1.00, 1.02, 0.96, 0.96, 1.00, 1.08, 1.07, 1.12},
	seaBuild:   {0.85, 0.50, 0.95, 1.05, 1.08, 1.08, 1.00, 1.00, 1.08, 1.10, 1.12, 1.18},
	seaOffice:  {1.00, 0.85, 1.00, 1.00, 1.00, 1.02, 1.00, 1.00, 1.02, 0.97, 1.02, 1.12},
}

// gasSeason is the seasonality of gas use (kitchens and heating).
var gasSeason = [12]float64{1.35, 1.25, 1.10, 0.95, 0.85, 0.80, 0.78, 0.78, 0.85, 0.95, 1.10, 1.30}

// waterSeason is the seasonality of water use.
var waterSeason = [12]float64{0.92, 0.85, 0.95, 0.98, 1.02, 1.08, 1.16, 1.18, 1.06, 0.98, 0.94, 0.92}

var sectionModels = []sectionModel{
	{"A", 2.5, [3]float64{0.84, 0.14, 0.02}, 300e3, 1.2, 0.5, 0.06, 0.09, 0.30, 0.80, 300, 8, 0.70, seaFlat, seaOffice, 1.0, 0.2},
	{"B", 0.3, [3]float64{0.72, 0.23, 0.05}, 800e3, 1.5, 1.2, 0.08, 0.13, 0.35, 1.10, 1800, 6, 0.90, seaFlat, seaFlat, 2.0, 0.3},
	{"C", 13, [3]float64{0.70, 0.25, 0.05}, 600e3, 0.8, 1.0, 0.05, 0.13, 0.22, 1.00, 900, 3, 0.95, seaFlat, seaFlat, 1.6, 1.0},
	{"D", 0.6, [3]float64{0.78, 0.18, 0.04}, 1500e3, 2.5, 0.4, 0.08, 0.13, 0.30, 1.20, 600, 4, 0.90, seaFlat, seaFlat, 1.5, 0.4},
	{"E", 7, [3]float64{0.78, 0.18, 0.04}, 700e3, 1.0, 1.3, 0.05, 0.09, 0.18, 1.00, 80, 2, 0.50, seaOffice, seaBuild, 1.3, 0.1},
	{"F", 30, [3]float64{0.85, 0.127, 0.023}, 1200e3, 0.4, 0.7, 0.03, 0.13, 0.12, 0.90, 180, 1.5, 0.75, seaCooling, seaRetail, 0.8, 0.02},
	{"G", 4, [3]float64{0.82, 0.15, 0.03}, 500e3, 0.8, 0.8, 0.05, 0.09, 0.25, 0.95, 200, 1.5, 0.60, seaCooling, seaOffice, 1.1, 0.05},
	{"H", 2.5, [3]float64{0.87, 0.115, 0.015}, 200e3, 0.5, 0.9, 0.06, 0.06, 0.45, 0.75, 450, 12, 0.95, seaCooling, seaRetail, 1.5, 0},
	{"I", 6, [3]float64{0.85, 0.13, 0.02}, 500e3, 0.5, 0.3, 0.08, 0.06, 0.55, 1.50, 120, 1.2, 0.40, seaCooling, seaOffice, 0.5, 1.0},
	{"J", 0.5, [3]float64{0.88, 0.10, 0.02}, 800e3, 2.0, 0.6, 0.10, 0.06, 0.70, 1.60, 100, 1.2, 0.40, seaCooling, seaOffice, 0.7, 0},
	{"K", 3, [3]float64{0.80, 0.16, 0.04}, 1500e3, 3.0, 1.4, 0.10, 0.09, 0.30, 1.10, 110, 1.5, 0.55, seaCooling, seaOffice, 1.0, 0},
	{"L", 14, [3]float64{0.86, 0.12, 0.02}, 400e3, 0.6, 0.6, 0.07, 0.06, 0.50, 1.05, 100, 1.2, 0.40, seaCooling, seaOffice, 0.7, 0.05},
	{"M", 9, [3]float64{0.86, 0.12, 0.02}, 400e3, 0.6, 0.4, 0.08, 0.06, 0.55, 1.30, 140, 1.5, 0.45, seaCooling, seaOffice, 0.6, 1.0},
	{"N", 1, [3]float64{0.82, 0.15, 0.03}, 300e3, 1.0, 0.6, 0.06, 0.09, 0.40, 0.90, 150, 3, 0.60, seaCooling, seaOffice, 1.2, 0.1},
	{"O", 3, [3]float64{0.90, 0.09, 0.01}, 200e3, 0.5, 0.6, 0.06, 0.06, 0.45, 0.75, 250, 6, 0.85, seaCooling, seaOffice, 1.0, 0},
	{"P", 0.5, [3]float64{0.86, 0.12, 0.02}, 150e3, 0.6, 0.5, 0.08, 0.06, 0.60, 1.00, 150, 3, 0.70, seaCooling, seaOffice, 1.0, 0},
	{"Q", 0.5, [3]float64{0.82, 0.15, 0.03}, 250e3, 0.8, 0.4, 0.08, 0.06, 0.50, 1.10, 250, 6, 0.90, seaCooling, seaOffice, 1.2, 0.1},
	{"R", 2, [3]float64{0.90, 0.09, 0.01}, 300e3, 0.7, 0.6, 0.07, 0.06, 0.55, 1.00, 150, 2, 0.55, seaCooling, seaOffice, 0.9, 0.05},
}

// divisionModel holds per-division data: weight within its section, trade
// words for names, gas use, and the permit it needs.
type divisionModel struct {
	weight float64
	trades []trade
	shops  []trade  // trades of individual businesses (个体工商户), if any
	gas    float64  // probability of a gas account
	prod   float64  // revenue per employee override (0: section value)
	permit int      // permit kind (permitNone ...)
	permP  float64  // probability the firm holds that permit
	sector string   // size sector override, "" for industry.SectorOf
	causes []string // typical civil dispute causes
}

type trade struct{ zh, en string }

// Permit kinds.
const (
	permitNone = iota
	permitFoodService
	permitFoodProduction
	permitConstruction
	permitRoadTransport
	permitPollutant
	permitTelecom
	permitMedical
	permitHazChem
)

var permitNames = [...]struct{ zh, authority string }{
	permitFoodService:    {"食品经营许可证", "市场监督管理局"},
	permitFoodProduction: {"食品生产许可证", "市场监督管理局"},
	permitConstruction:   {"建筑业企业资质证书", "住房和城乡建设局"},
	permitRoadTransport:  {"道路运输经营许可证", "交通运输局"},
	permitPollutant:      {"排污许可证", "生态环境局"},
	permitTelecom:        {"增值电信业务经营许可证", "通信管理局"},
	permitMedical:        {"医疗机构执业许可证", "卫生健康委员会"},
	permitHazChem:        {"危险化学品经营许可证", "应急管理局"},
}

func tr(pairs ...string) []trade {
	out := make([]trade, 0, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		out = append(out, trade{pairs[i], pairs[i+1]})
	}
	return out
}

// divisionModels lists the divisions with specific data; a division of a
// modelled section that is missing here gets weight 1 and its section's
// trade words.
var divisionModels = map[string]divisionModel{
	"01": {weight: 40, trades: tr("农业发展", "Agricultural Development", "生态农业", "Eco-Agriculture", "果蔬种植", "Fruit and Vegetable")},
	"02": {weight: 10, trades: tr("苗木", "Nursery", "林业发展", "Forestry")},
	"03": {weight: 20, trades: tr("畜牧", "Livestock", "养殖", "Breeding"), permit: permitPollutant, permP: 0.3},
	"04": {weight: 10, trades: tr("水产养殖", "Aquaculture", "渔业", "Fishery")},
	"05": {weight: 20, trades: tr("农业服务", "Agricultural Services", "农机服务", "Farm Machinery Services")},
	"06": {weight: 2}, "07": {weight: 0.2}, "08": {weight: 1}, "09": {weight: 1},
	"10": {weight: 6, trades: tr("石材", "Stone", "矿业", "Mining")},
	"11": {weight: 2}, "12": {weight: 1},
	"13": {weight: 5, trades: tr("粮油", "Grain and Oil", "食品", "Food"), gas: 0.6, permit: permitFoodProduction, permP: 0.9},
	"14": {weight: 5, trades: tr("食品", "Food", "调味品", "Seasoning", "烘焙食品", "Bakery"), gas: 0.7, permit: permitFoodProduction, permP: 0.95},
	"15": {weight: 2, trades: tr("酒业", "Winery", "饮品", "Beverage", "茶业", "Tea"), gas: 0.5, permit: permitFoodProduction, permP: 0.9},
	"16": {weight: 0},
	"17": {weight: 6, trades: tr("纺织", "Textile", "家纺", "Home Textile", "丝绸", "Silk"), gas: 0.3, permit: permitPollutant, permP: 0.4},
	"18": {weight: 6, trades: tr("服饰", "Apparel", "制衣", "Garment")},
	"19": {weight: 2, trades: tr("鞋业", "Footwear", "皮革制品", "Leather Products")},
	"20": {weight: 2, trades: tr("木业", "Wood Products")},
	"21": {weight: 3, trades: tr("家具", "Furniture", "家居", "Home Furnishing")},
	"22": {weight: 2, trades: tr("纸业", "Paper", "包装材料", "Packaging Materials"), permit: permitPollutant, permP: 0.5},
	"23": {weight: 3, trades: tr("印务", "Printing", "包装印刷", "Packaging and Printing")},
	"24": {weight: 2, trades: tr("文体用品", "Stationery and Sports Goods", "工艺品", "Crafts")},
	"25": {weight: 0.3, trades: tr("燃料", "Fuel")},
	"26": {weight: 5, trades: tr("化工", "Chemical", "精细化工", "Fine Chemicals", "涂料", "Coatings"), gas: 0.4, permit: permitPollutant, permP: 0.9},
	"27": {weight: 2, trades: tr("医药", "Pharmaceutical", "生物医药", "Biopharma"), gas: 0.3, permit: permitPollutant, permP: 0.7},
	"28": {weight: 1, trades: tr("化纤", "Chemical Fibre"), permit: permitPollutant, permP: 0.8},
	"29": {weight: 6, trades: tr("塑胶", "Plastics", "橡塑制品", "Rubber and Plastic Products")},
	"30": {weight: 5, trades: tr("建材", "Building Materials", "玻璃制品", "Glass Products", "新材料", "New Materials"), gas: 0.4, permit: permitPollutant, permP: 0.6},
	"31": {weight: 1.5, trades: tr("钢材", "Steel", "特钢", "Special Steel"), gas: 0.5, permit: permitPollutant, permP: 0.9},
	"32": {weight: 1.5, trades: tr("有色金属", "Non-ferrous Metals", "铝业", "Aluminium"), gas: 0.4, permit: permitPollutant, permP: 0.8},
	"33": {weight: 10, trades: tr("金属制品", "Metal Products", "五金", "Hardware", "钣金", "Sheet Metal"), gas: 0.2, permit: permitPollutant, permP: 0.3},
	"34": {weight: 12, trades: tr("机械", "Machinery", "精密机械", "Precision Machinery", "通用设备", "General Equipment")},
	"35": {weight: 9, trades: tr("专用设备", "Special Equipment", "智能装备", "Intelligent Equipment", "自动化设备", "Automation Equipment")},
	"36": {weight: 5, trades: tr("汽车零部件", "Auto Parts", "汽车配件", "Auto Accessories")},
	"37": {weight: 1.5, trades: tr("船舶配件", "Marine Parts", "轨道交通设备", "Rail Equipment")},
	"38": {weight: 9, trades: tr("电气", "Electric", "电器", "Electrical Appliances", "新能源科技", "New Energy Technology")},
	"39": {weight: 8, trades: tr("电子科技", "Electronic Technology", "电子", "Electronics", "光电", "Optoelectronics")},
	"40": {weight: 2, trades: tr("仪器仪表", "Instruments")},
	"41": {weight: 2, trades: tr("制品", "Products")},
	"42": {weight: 1.5, trades: tr("再生资源", "Recycling", "环保材料", "Environmental Materials"), permit: permitPollutant, permP: 0.7},
	"43": {weight: 1.5, trades: tr("设备维修", "Equipment Repair")},
	"44": {weight: 60, trades: tr("新能源", "New Energy", "电力工程", "Power Engineering", "光伏科技", "Photovoltaic Technology")},
	"45": {weight: 20, trades: tr("燃气", "Gas"), permit: permitHazChem, permP: 0.5},
	"46": {weight: 20, trades: tr("水务", "Water")},
	"47": {weight: 30, trades: tr("建设", "Construction", "建筑工程", "Construction Engineering"), permit: permitConstruction, permP: 0.9, causes: constructionCauses},
	"48": {weight: 20, trades: tr("市政工程", "Municipal Engineering", "路桥工程", "Road and Bridge Engineering"), permit: permitConstruction, permP: 0.9, causes: constructionCauses},
	"49": {weight: 20, trades: tr("机电安装", "Electromechanical Installation", "安装工程", "Installation Engineering"), permit: permitConstruction, permP: 0.8, causes: constructionCauses},
	"50": {weight: 30, trades: tr("装饰工程", "Decoration Engineering", "建筑装饰", "Building Decoration"), permit: permitConstruction, permP: 0.6, causes: constructionCauses},
	"51": {weight: 55, prod: 2500e3, permit: permitFoodService, permP: 0.15, trades: tr("商贸", "Trading", "贸易", "Trading", "供应链管理", "Supply Chain Management",
		"五金机电", "Hardware and Electromechanical", "建材", "Building Materials", "医疗器械", "Medical Devices", "化工贸易", "Chemical Trading", "电子商务", "E-commerce")},
	"52": {weight: 45, prod: 600e3, permit: permitFoodService, permP: 0.4, trades: tr("百货", "Department Store", "超市", "Supermarket", "商业", "Commerce", "汽车销售服务", "Auto Sales and Service"),
		shops: tr("便利店", "Convenience Store", "超市", "Mini Market", "五金店", "Hardware Store", "服装店", "Clothing Store", "水果店", "Fruit Shop", "烟酒店", "Tobacco and Liquor Store")},
	"53": {weight: 0},
	"54": {weight: 50, trades: tr("运输", "Transport", "物流", "Logistics", "汽车运输", "Motor Transport"), permit: permitRoadTransport, permP: 0.9},
	"55": {weight: 4, trades: tr("航运", "Shipping")},
	"56": {weight: 0.5, trades: tr("航空服务", "Aviation Services")},
	"57": {weight: 0.2},
	"58": {weight: 25, trades: tr("货运代理", "Freight Forwarding", "国际货运代理", "International Freight Forwarding", "供应链", "Supply Chain")},
	"59": {weight: 15, trades: tr("仓储", "Warehousing", "物流", "Logistics")},
	"60": {weight: 5, trades: tr("快递", "Express")},
	"61": {weight: 15, trades: tr("酒店管理", "Hotel Management", "宾馆", "Hotel"), gas: 0.8, permit: permitFoodService, permP: 0.6},
	"62": {weight: 85, trades: tr("餐饮管理", "Catering Management", "餐饮", "Catering", "食品", "Food"), gas: 0.9, permit: permitFoodService, permP: 0.95,
		shops: tr("餐馆", "Restaurant", "面馆", "Noodle House", "小吃店", "Snack Bar", "饭店", "Eatery")},
	"63": {weight: 10, trades: tr("通信技术", "Communication Technology", "通信工程", "Communication Engineering")},
	"64": {weight: 30, trades: tr("网络科技", "Network Technology", "信息科技", "Information Technology", "互联网科技", "Internet Technology"), permit: permitTelecom, permP: 0.2},
	"65": {weight: 60, trades: tr("软件", "Software", "信息技术", "Information Technology", "智能科技", "Intelligent Technology", "数据科技", "Data Technology")},
	"66": {weight: 0},
	"67": {weight: 40, trades: tr("投资管理", "Investment Management", "资产管理", "Asset Management")},
	"68": {weight: 30, trades: tr("保险代理", "Insurance Agency")},
	"69": {weight: 30, trades: tr("金融信息服务", "Financial Information Services")},
	"70": {weight: 100, trades: tr("房地产开发", "Real Estate Development", "物业管理", "Property Management", "房产经纪", "Real Estate Agency"), sector: "702"},
	"71": {weight: 15, trades: tr("租赁", "Leasing", "设备租赁", "Equipment Leasing")},
	"72": {weight: 85, trades: tr("企业管理咨询", "Business Consulting", "商务服务", "Business Services", "人力资源", "Human Resources", "广告传媒", "Advertising and Media",
		"会展服务", "Exhibition Services", "企业管理", "Enterprise Management")},
	"73": {weight: 10, trades: tr("研究院", "Research Institute", "新材料研究院", "New Materials Research Institute")},
	"74": {weight: 40, trades: tr("工程设计", "Engineering Design", "检测技术", "Testing Technology", "建筑设计", "Architectural Design", "工程咨询", "Engineering Consulting")},
	"75": {weight: 50, trades: tr("科技", "Technology", "环保科技", "Environmental Technology", "生物科技", "Biotechnology", "科技发展", "Technology Development")},
	"76": {weight: 20, trades: tr("水利工程", "Water Conservancy Engineering")},
	"77": {weight: 40, trades: tr("环境工程", "Environmental Engineering", "环保工程", "Environmental Protection Engineering"), permit: permitPollutant, permP: 0.3},
	"78": {weight: 40, trades: tr("园林绿化", "Landscaping", "市政设施管理", "Municipal Facilities Management")},
	"79": {weight: 0},
	"80": {weight: 40, gas: 0.3, trades: tr("家政服务", "Housekeeping Services", "保洁服务", "Cleaning Services", "美容美发", "Beauty and Hairdressing"),
		shops: tr("理发店", "Hair Salon", "洗衣店", "Laundry", "家政服务部", "Housekeeping Service")},
	"81": {weight: 40, trades: tr("汽车维修", "Auto Repair", "家电维修", "Appliance Repair"),
		shops: tr("汽车修理部", "Auto Repair Shop", "家电维修部", "Appliance Repair Shop", "手机维修店", "Phone Repair Shop")},
	"82": {weight: 20, trades: tr("生活服务", "Life Services")},
	"83": {weight: 100, trades: tr("教育科技", "Education Technology", "培训", "Training")},
	"84": {weight: 60, trades: tr("医疗管理", "Medical Management", "诊所", "Clinic"), permit: permitMedical, permP: 0.6},
	"85": {weight: 40, trades: tr("养老服务", "Elderly Care")},
	"86": {weight: 10, trades: tr("文化传播", "Cultural Communication")},
	"87": {weight: 25, trades: tr("影视传媒", "Film and Media")},
	"88": {weight: 30, trades: tr("文化艺术", "Culture and Arts")},
	"89": {weight: 15, trades: tr("体育发展", "Sports Development")},
	"90": {weight: 20, trades: tr("文化娱乐", "Entertainment")},
}

// sectionTrades are the fallback trade words of a section.
var sectionTrades = map[string][]trade{
	"B": tr("矿业", "Mining"),
	"C": tr("制造", "Manufacturing", "实业", "Industrial"),
	"D": tr("能源", "Energy"),
	"G": tr("物流", "Logistics"),
	"N": tr("环境工程", "Environmental Engineering"),
}

var (
	defaultCauses      = []string{"买卖合同纠纷", "买卖合同纠纷", "服务合同纠纷", "租赁合同纠纷", "劳动争议", "民间借贷纠纷", "承揽合同纠纷"}
	constructionCauses = []string{"建设工程施工合同纠纷", "建设工程施工合同纠纷", "买卖合同纠纷", "劳务合同纠纷", "租赁合同纠纷", "劳动争议"}
)

// brandChars are the characters of trade names (字号) with their pinyin.
var brandChars = []struct{ zh, py string }{
	{"恒", "heng"}, {"信", "xin"}, {"华", "hua"}, {"泰", "tai"}, {"鑫", "xin"}, {"源", "yuan"}, {"瑞", "rui"}, {"丰", "feng"},
	{"金", "jin"}, {"桥", "qiao"}, {"宏", "hong"}, {"达", "da"}, {"德", "de"}, {"润", "run"}, {"永", "yong"}, {"盛", "sheng"},
	{"博", "bo"}, {"远", "yuan"}, {"汇", "hui"}, {"通", "tong"}, {"天", "tian"}, {"成", "cheng"}, {"嘉", "jia"}, {"禾", "he"},
	{"新", "xin"}, {"锐", "rui"}, {"江", "jiang"}, {"东", "dong"}, {"方", "fang"}, {"正", "zheng"}, {"海", "hai"}, {"帆", "fan"},
	{"启", "qi"}, {"明", "ming"}, {"中", "zhong"}, {"科", "ke"}, {"泽", "ze"}, {"锦", "jin"}, {"宝", "bao"}, {"利", "li"},
	{"协", "xie"}, {"和", "he"}, {"诚", "cheng"}, {"航", "hang"}, {"蓝", "lan"}, {"星", "xing"}, {"辰", "chen"}, {"绿", "lv"},
	{"创", "chuang"}, {"佳", "jia"}, {"兴", "xing"}, {"隆", "long"}, {"昌", "chang"}, {"茂", "mao"}, {"祥", "xiang"}, {"安", "an"},
	{"康", "kang"}, {"益", "yi"}, {"福", "fu"}, {"顺", "shun"}, {"晟", "sheng"}, {"弘", "hong"}, {"卓", "zhuo"}, {"越", "yue"},
	{"凯", "kai"}, {"翔", "xiang"}, {"腾", "teng"}, {"飞", "fei"}, {"耀", "yao"}, {"光", "guang"}, {"宇", "yu"}, {"辉", "hui"},
	{"峰", "feng"}, {"骏", "jun"}, {"聚", "ju"}, {"合", "he"}, {"优", "you"}, {"美", "mei"}, {"欣", "xin"}, {"捷", "jie"},
	{"诺", "nuo"}, {"亿", "yi"}, {"万", "wan"}, {"力", "li"}, {"迈", "mai"}, {"尚", "shang"}, {"品", "pin"}, {"立", "li"},
	{"龙", "long"}, {"云", "yun"}, {"朗", "lang"}, {"智", "zhi"}, {"睿", "rui"}, {"晶", "jing"}, {"磊", "lei"}, {"森", "sen"},
	{"林", "lin"}, {"泓", "hong"}, {"恩", "en"}, {"鼎", "ding"}, {"灿", "can"}, {"烨", "ye"}, {"琪", "qi"},
}

// surnames are common Chinese surnames, most frequent first; the draw
// weights fall off as 1/(rank+4).
var surnames = []string{
	"王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭", "何", "高", "林", "罗",
	"郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾", "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
	"余", "杜", "叶", "程", "苏", "魏", "吕", "丁", "任", "沈", "姚", "卢", "姜", "崔", "钟", "谭", "陆", "汪", "范", "金",
	"顾", "钱", "严", "缪", "惠", "戴", "薛", "秦", "邵", "季",
}

var (
	givenMale   = []string{"伟", "强", "磊", "军", "洋", "勇", "杰", "涛", "明", "超", "刚", "平", "辉", "鹏", "华", "飞", "斌", "波", "宇", "浩", "凯", "健", "俊", "帆", "峰", "建", "国", "志", "文", "海", "晨", "新", "东", "春", "永", "德"}
	givenFemale = []string{"芳", "娜", "敏", "静", "丽", "艳", "娟", "霞", "秀", "玲", "燕", "婷", "雪", "慧", "琳", "颖", "洁", "红", "梅", "兰", "萍", "倩", "晶", "佳", "月", "欣", "蕾", "薇", "琴", "云"}
)

var roads = []string{
	"人民路", "中山路", "解放路", "建设路", "长江路", "黄河路", "新华路", "东环路", "西环路", "南环路", "北环路", "友谊路",
	"和平路", "工业园路", "创业路", "科技路", "学府路", "青年路", "振兴路", "发展大道", "迎宾大道", "世纪大道", "开发区大道",
	"文化路", "滨河路", "花园路", "胜利路", "幸福路", "光明路", "团结路", "健康路", "新城路", "兴业路", "富民路", "高新路",
	"锦绣路", "朝阳路", "运河路", "湖滨路", "太平路", "金山路", "银河路", "宝带路", "迎春路", "通江路",
}

// provinceAbbr is the one-character abbreviation used in case and
// decision numbers.
var provinceAbbr = map[string]string{
	"11": "京", "12": "津", "13": "冀", "14": "晋", "15": "内", "21": "辽", "22": "吉", "23": "黑", "31": "沪", "32": "苏",
	"33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘", "44": "粤", "45": "桂",
	"46": "琼", "50": "渝", "51": "川", "52": "黔", "53": "云", "54": "藏", "61": "陕", "62": "甘", "63": "青", "64": "宁",
	"65": "新",
}

// cityWeights are relative economic sizes (GDP, 100 million yuan, 2023,
// rounded) of the cities of provinces the generator knows well; other
// provinces weight the capital three times a city.
var cityWeights = map[string]float64{
	"320100": 17421, "320200": 15456, "320300": 8900, "320400": 10116, "320500": 24653, "320600": 11813, "320700": 4364,
	"320800": 5015, "320900": 7404, "321000": 7423, "321100": 5264, "321200": 6731, "321300": 4398,
}

// lenderKinds are the institutions lending to SMEs; the weights are the
// share of SME loans by kind (rural banks and the big state banks lead).
var lenderKinds = []struct {
	pattern string // %s = city short name
	abbr    string
	spread  [2]float64 // rate spread over LPR, percentage points
	weight  float64
	kind    int // 0 state, 1 joint-stock, 2 city, 3 rural, 4 micro-lender
}{
	{"中国工商银行%s分行", "ICBC", [2]float64{0.1, 0.9}, 12, 0},
	{"中国农业银行%s分行", "ABC", [2]float64{0.1, 0.9}, 11, 0},
	{"中国银行%s分行", "BOC", [2]float64{0.1, 0.9}, 9, 0},
	{"中国建设银行%s分行", "CCB", [2]float64{0.1, 0.9}, 12, 0},
	{"交通银行%s分行", "BOCOM", [2]float64{0.2, 1.0}, 4, 0},
	{"中国邮政储蓄银行%s分行", "PSBC", [2]float64{0.4, 1.4}, 7, 0},
	{"招商银行%s分行", "CMB", [2]float64{0.4, 1.4}, 4, 1},
	{"兴业银行%s分行", "CIB", [2]float64{0.5, 1.5}, 3, 1},
	{"中信银行%s分行", "CITIC", [2]float64{0.5, 1.5}, 2, 1},
	{"上海浦东发展银行%s分行", "SPDB", [2]float64{0.5, 1.5}, 2, 1},
	{"中国民生银行%s分行", "CMBC", [2]float64{0.6, 1.8}, 2, 1},
	{"平安银行%s分行", "PAB", [2]float64{0.6, 1.8}, 2, 1},
	{"%s农村商业银行", "RCB", [2]float64{0.8, 2.4}, 20, 3},
	{"%s银行", "CCBK", [2]float64{0.6, 2.0}, 8, 2},
	{"%s%s农村小额贷款有限公司", "MCL", [2]float64{2.8, 4.8}, 2, 4},
}

// penaltyKinds are administrative penalty types: authority, cause, legal
// basis and amount range (yuan).
var penaltyKinds = []struct {
	authority, docTag, cause, basis string
	lo, hi                          float64
	sections                        string // sections where it applies ("" any)
	weight                          float64
	tax                             bool
}{
	{"市场监督管理局", "市监罚", "销售不符合标准的产品", "《中华人民共和国产品质量法》第四十九条", 2000, 50000, "CF", 3, false},
	{"市场监督管理局", "市监罚", "发布虚假广告", "《中华人民共和国广告法》第五十五条", 5000, 200000, "", 1.5, false},
	{"市场监督管理局", "市监罚", "经营超过保质期的食品", "《中华人民共和国食品安全法》第一百二十四条", 5000, 50000, "FH", 4, false},
	{"市场监督管理局", "市监罚", "未按规定明码标价", "《中华人民共和国价格法》第四十二条", 500, 5000, "FHO", 2, false},
	{"税务局", "税罚", "未按照规定期限办理纳税申报", "《中华人民共和国税收征收管理法》第六十二条", 200, 2000, "", 3, true},
	{"税务局", "税罚", "未按规定开具发票", "《中华人民共和国发票管理办法》第三十五条", 1000, 10000, "", 1.5, true},
	{"税务局", "税稽罚", "少缴税款", "《中华人民共和国税收征收管理法》第六十三条", 20000, 800000, "", 0.6, true},
	{"生态环境局", "环罚", "超标排放大气污染物", "《中华人民共和国大气污染防治法》第九十九条", 100000, 1000000, "BCD", 3, false},
	{"生态环境局", "环罚", "未按规定贮存危险废物", "《中华人民共和国固体废物污染环境防治法》第一百一十二条", 50000, 500000, "BC", 2, false},
	{"消防救援大队", "消行罚决字", "消防设施、器材未保持完好有效", "《中华人民共和国消防法》第六十条", 5000, 50000, "", 2, false},
	{"应急管理局", "应急罚", "未对从业人员进行安全生产教育和培训", "《中华人民共和国安全生产法》第九十七条", 10000, 100000, "BCEG", 2, false},
	{"城市管理局", "城管罚", "擅自设置户外广告设施", "《城市市容和环境卫生管理条例》第三十六条", 500, 10000, "FHO", 1.5, false},
	{"人力资源和社会保障局", "人社监罚", "未按规定支付劳动报酬", "《劳动保障监察条例》第二十六条", 2000, 20000, "", 1, false},
}

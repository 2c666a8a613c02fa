package demo

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"rapport/ent/account"
	"rapport/internal/auth"
)

// The plan is the demo data before it has IDs: a pure function of the fixed
// seed below, so every run produces the same organisation.
const (
	seedHi, seedLo = 2026, 0x5eed
	numAccounts    = 200
	numTierA       = numAccounts * 20 / 100
	numTierB       = numAccounts * 40 / 100
)

type accountPlan struct {
	name, industry, region, address string
	phone, fax, email, website      string
	scope, products, position, size string
	source                          account.Source
	stage                           account.LifecycleStage
	intent                          account.CooperationIntent
	tier                            account.Tier
	owner, rep                      string // subjects
	creditLimit                     *int64
	paymentTerms                    *int
	contractSignedAt, lastOrderAt   *time.Time
	member                          bool  // 会员客户: every callback batch reaches it
	balance                         int64 // outstanding (unpaid), CNY
	newToService                    bool  // its rep was assigned days ago and has not yet met the account manager
	quiet                           bool  // filed four months ago and never contacted since (one owes money)
	contacts                        []contactPlan
}

type contactPlan struct {
	name, title, mobile, directLine, email, wechat string
	decisionMaker                                  bool
}

// weighted is a value and its relative weight.
type weighted[T any] struct {
	v T
	w int
}

func pick[T any](r *rand.Rand, items ...weighted[T]) T {
	total := 0
	for _, it := range items {
		total += it.w
	}
	n := r.IntN(total)
	for _, it := range items {
		if n < it.w {
			return it.v
		}
		n -= it.w
	}
	panic("unreachable")
}

func oneOf[T any](r *rand.Rand, vs []T) T { return vs[r.IntN(len(vs))] }

// subjectsWith returns, in directory order, the subjects of the staff holding
// role, restricted to department dept unless dept is "".
func subjectsWith(role auth.Role, dept string) []string {
	var out []string
	for _, u := range staff {
		if u.role == role && (dept == "" || u.dept == dept) {
			out = append(out, u.subject)
		}
	}
	return out
}

// plan returns the accounts of the demo organisation with their contacts.
func plan() []accountPlan {
	r := rand.New(rand.NewPCG(seedHi, seedLo))

	tiers := make([]account.Tier, numAccounts)
	for i := range tiers {
		switch {
		case i < numTierA:
			tiers[i] = account.TierA
		case i < numTierA+numTierB:
			tiers[i] = account.TierB
		default:
			tiers[i] = account.TierC
		}
	}
	r.Shuffle(len(tiers), func(i, j int) { tiers[i], tiers[j] = tiers[j], tiers[i] })

	// Each sales team owns the accounts of its regions, dealt out in turn
	// among its account managers; service reps are dealt out the same way.
	owners := map[string][]string{}
	next := map[string]int{}
	for _, reg := range regions {
		owners[reg.team] = subjectsWith(auth.RoleAccountManager, reg.team)
	}
	reps := subjectsWith(auth.RoleServiceRep, "")

	var regionOf []region
	for _, reg := range regions {
		for range reg.count {
			regionOf = append(regionOf, reg)
		}
	}
	if len(regionOf) != numAccounts {
		panic(fmt.Sprintf("demo data: the regions hold %d accounts, want %d", len(regionOf), numAccounts))
	}
	r.Shuffle(len(regionOf), func(i, j int) { regionOf[i], regionOf[j] = regionOf[j], regionOf[i] })

	industryItems := make([]weighted[industry], len(industries))
	for i, ind := range industries {
		industryItems[i] = weighted[industry]{ind, ind.weight}
	}

	used := map[string]bool{}    // name keys
	domains := map[string]bool{} // web domains
	accounts := make([]accountPlan, 0, numAccounts)
	for i, tier := range tiers {
		reg := regionOf[i]
		ind := pick(r, industryItems...)
		var (
			c  city
			tn tradeName
			ln line
		)
		for {
			c, tn, ln = oneOf(r, reg.cities), oneOf(r, tradeNames), oneOf(r, ind.lines)
			if key := c.zh + tn.zh + ln.zh; !used[key] {
				used[key] = true
				break
			}
		}
		a := accountPlan{
			industry: ind.name,
			region:   reg.name,
			tier:     tier,
			scope:    ln.scope,
			products: ln.products,
		}

		suffix, suffixEn := "有限公司", "Co., Ltd."
		switch x := r.IntN(10); {
		case tier == account.TierA && x < 3:
			suffix, suffixEn = "集团有限公司", "Group Co., Ltd."
		case tier == account.TierA && x < 7, tier == account.TierB && x < 2:
			suffix = "股份有限公司"
		}
		a.name = c.zh + tn.zh + ln.zh + suffix
		if r.IntN(4) == 0 {
			a.name += fmt.Sprintf(" (%s %s %s %s)", c.en, tn.py, ln.en, suffixEn)
		}

		domain := c.code + strings.ToLower(tn.py) + ".com.cn"
		if domains[domain] {
			domain = c.code + strings.ToLower(tn.py) + "-" + ln.slug + ".com.cn"
		}
		domains[domain] = true
		a.website = "https://www." + domain
		a.email = oneOf(r, []string{"info", "sales", "service", "contact"}) + "@" + domain

		a.address = address(r, c)
		style := r.IntN(3)
		a.phone = phoneNumber(r, c, style, "")
		if r.IntN(5) < 2 {
			a.fax = phoneNumber(r, c, style, "")
		}

		a.size = companySize(r, tier)
		switch {
		case tier == account.TierA:
			a.position = oneOf(r, []string{
				reg.name + "地区" + ln.zh + "领域的领先企业之一。",
				"国家高新技术企业，" + ln.zh + "细分市场占有率位居前五。",
				"省级" + ind.name + "行业协会副会长单位，区域龙头。",
			})
		case tier == account.TierB && r.IntN(2) == 0:
			a.position = oneOf(r, []string{
				"区域性" + ln.zh + "服务商，客户以中型企业为主。",
				"专精特新中小企业，" + ln.zh + "业务增长稳定。",
			})
		}

		a.source = pick(r,
			weighted[account.Source]{account.SourceINBOUND_CALL, 10},
			weighted[account.Source]{account.SourceCOLD_CALL, 15},
			weighted[account.Source]{account.SourceINVITED_VISIT, 8},
			weighted[account.Source]{account.SourceMARKETING_EVENT, 12},
			weighted[account.Source]{account.SourceWALK_IN, 3},
			weighted[account.Source]{account.SourceCHANNEL_PARTNER, 10},
			weighted[account.Source]{account.SourceREFERRAL, 18},
			weighted[account.Source]{account.SourceWEB_RESEARCH, 12},
			weighted[account.Source]{account.SourceADVERTISING, 5},
			weighted[account.Source]{account.SourceOWN_RECORDS, 7},
		)
		a.stage = lifecycleStage(r, tier)
		a.intent = cooperationIntent(r, tier)
		if a.stage == account.LifecycleStageLOST {
			a.intent = account.CooperationIntentLOW
		}

		team := reg.team
		a.owner = owners[team][next[team]%len(owners[team])]
		next[team]++
		a.rep = reps[i%len(reps)]

		switch a.stage {
		case account.LifecycleStageACTIVE, account.LifecycleStageDEVELOPING, account.LifecycleStageDORMANT:
			limit, terms := credit(r, tier)
			a.creditLimit, a.paymentTerms = &limit, &terms
		}
		switch a.stage {
		case account.LifecycleStageACTIVE:
			a.contractSignedAt = ptr(dayBetween(r, date(2019, 1, 1), date(2025, 12, 31)))
			a.lastOrderAt = ptr(dayBetween(r, date(2026, 1, 5), date(2026, 10, 30)))
		case account.LifecycleStageDORMANT:
			a.contractSignedAt = ptr(dayBetween(r, date(2018, 1, 1), date(2023, 12, 31)))
			a.lastOrderAt = ptr(dayBetween(r, date(2024, 6, 1), date(2025, 9, 30)))
		}

		// Service: A and active B accounts are members; every fourth active
		// account owes money; a few have just been given a rep.
		a.member = tier == account.TierA || (tier == account.TierB && a.stage == account.LifecycleStageACTIVE)
		if a.stage == account.LifecycleStageACTIVE && i%4 == 1 {
			a.balance = int64(10_000 * (1 + i%17))
		}
		a.newToService = i%40 == 7
		if a.quiet = i%100 == 42; a.quiet && i > 100 {
			a.balance = 86_000
		}

		a.contacts = contacts(r, tier, c, domain)
		accounts = append(accounts, a)
	}
	return accounts
}

func ptr[T any](v T) *T { return &v }

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// dayBetween returns a moment during Shanghai office hours (01:00–09:59 UTC)
// on a day between from and to.
func dayBetween(r *rand.Rand, from, to time.Time) time.Time {
	days := int(to.Sub(from).Hours()/24) + 1
	return from.AddDate(0, 0, r.IntN(days)).
		Add(time.Duration(1+r.IntN(9))*time.Hour + time.Duration(r.IntN(60))*time.Minute)
}

func address(r *rand.Rand, c city) string {
	var b strings.Builder
	b.WriteString(c.province)
	b.WriteString(c.zh + "市")
	b.WriteString(oneOf(r, c.districts))
	fmt.Fprintf(&b, "%s%d号", oneOf(r, roads), 1+r.IntN(999))
	if r.IntN(2) == 0 {
		b.WriteString(oneOf(r, tradeNames).zh + oneOf(r, buildings))
		if r.IntN(2) == 0 {
			fmt.Fprintf(&b, "%d楼", 2+r.IntN(30))
		} else {
			fmt.Fprintf(&b, "%d%02d室", 2+r.IntN(30), 1+r.IntN(20))
		}
	}
	return b.String()
}

// phoneNumber returns a landline in c as people write it: "021-6288 1234",
// "+86 21 6288 1234" or "(021) 6288-1234", optionally with an extension.
func phoneNumber(r *rand.Rand, c city, style int, ext string) string {
	hi, lo := fmt.Sprintf("%d%03d", 5+r.IntN(4), r.IntN(1000)), fmt.Sprintf("%04d", r.IntN(10000))
	var s string
	switch style {
	case 0:
		s = c.areaCode + "-" + hi + " " + lo
	case 1:
		s = "+86 " + c.areaCode[1:] + " " + hi + " " + lo
	default:
		s = "(" + c.areaCode + ") " + hi + "-" + lo
	}
	if ext != "" {
		s += " 转 " + ext
	}
	return s
}

func companySize(r *rand.Rand, tier account.Tier) string {
	switch tier {
	case account.TierA:
		return fmt.Sprintf("员工约 %d 人，年营业额约 %d.%d 亿元", 800+50*r.IntN(105), 5+r.IntN(55), r.IntN(10))
	case account.TierB:
		tenths := 6 + r.IntN(45) // 0.6–5.0 亿元
		return fmt.Sprintf("员工约 %d 人，年营业额约 %d.%d 亿元", 150+10*r.IntN(66), tenths/10, tenths%10)
	default:
		return fmt.Sprintf("员工约 %d 人，年营业额约 %d 万元", 20+5*r.IntN(27), 800+100*r.IntN(43))
	}
}

func lifecycleStage(r *rand.Rand, tier account.Tier) account.LifecycleStage {
	type w = weighted[account.LifecycleStage]
	const (
		prospect   = account.LifecycleStagePROSPECT
		developing = account.LifecycleStageDEVELOPING
		active     = account.LifecycleStageACTIVE
		dormant    = account.LifecycleStageDORMANT
		lost       = account.LifecycleStageLOST
	)
	switch tier {
	case account.TierA:
		return pick(r, w{active, 70}, w{developing, 22}, w{prospect, 3}, w{dormant, 5})
	case account.TierB:
		return pick(r, w{active, 45}, w{developing, 30}, w{prospect, 15}, w{dormant, 6}, w{lost, 4})
	default:
		return pick(r, w{active, 30}, w{developing, 30}, w{prospect, 25}, w{dormant, 8}, w{lost, 7})
	}
}

func cooperationIntent(r *rand.Rand, tier account.Tier) account.CooperationIntent {
	type w = weighted[account.CooperationIntent]
	const (
		high   = account.CooperationIntentHIGH
		medium = account.CooperationIntentMEDIUM
		low    = account.CooperationIntentLOW
	)
	switch tier {
	case account.TierA:
		return pick(r, w{high, 70}, w{medium, 25}, w{low, 5})
	case account.TierB:
		return pick(r, w{high, 25}, w{medium, 55}, w{low, 20})
	default:
		return pick(r, w{high, 5}, w{medium, 30}, w{low, 65})
	}
}

// credit returns a credit limit in whole CNY and payment terms in days.
func credit(r *rand.Rand, tier account.Tier) (int64, int) {
	type w = weighted[int]
	switch tier {
	case account.TierA:
		return 1_000_000 + 100_000*r.Int64N(41), pick(r, w{30, 1}, w{45, 2}, w{60, 4}, w{90, 3})
	case account.TierB:
		return 200_000 + 50_000*r.Int64N(27), pick(r, w{30, 3}, w{45, 3}, w{60, 3}, w{90, 1})
	default:
		return 50_000 + 10_000*r.Int64N(26), pick(r, w{30, 6}, w{45, 3}, w{60, 1})
	}
}

// contacts returns 2–4 contacts for an A account, the first a decision
// maker; 1–3 for a B account and 1–2 for a C account, where a decision maker
// is likelier the larger the account.
func contacts(r *rand.Rand, tier account.Tier, c city, domain string) []contactPlan {
	var n, decisionPct int
	switch tier {
	case account.TierA:
		n, decisionPct = 2+r.IntN(3), 100
	case account.TierB:
		n, decisionPct = 1+r.IntN(3), 50
	default:
		n, decisionPct = 1+r.IntN(2), 25
	}
	var titles []title
	if r.IntN(100) < decisionPct {
		titles = append(titles, oneOf(r, decisionTitles))
	}
	for len(titles) < n {
		t := oneOf(r, otherTitles)
		if tier == account.TierA && r.IntN(4) == 0 {
			t = oneOf(r, decisionTitles)
		}
		if !slices.Contains(titles, t) {
			titles = append(titles, t)
		}
	}

	out := make([]contactPlan, 0, n)
	names, emails := map[string]bool{}, map[string]bool{}
	for _, t := range titles {
		var name, local, wechatBase string
		for {
			sn, gn := oneOf(r, surnames), oneOf(r, givenNames)
			name = sn.zh + gn.zh
			local = strings.ToLower(sn.py + "." + gn.py)
			wechatBase = strings.ToLower(sn.py + gn.py)
			if r.IntN(4) == 0 {
				en := oneOf(r, englishNames)
				for en.female != gn.female {
					en = oneOf(r, englishNames)
				}
				name += " " + en.name + " " + sn.py
				local = strings.ToLower(en.name + "." + sn.py)
			}
			if !names[name] {
				names[name] = true
				break
			}
		}
		for i := 2; emails[local]; i++ {
			local = strings.TrimRight(local, "0123456789") + fmt.Sprint(i)
		}
		emails[local] = true

		cp := contactPlan{
			name:          name,
			title:         t.name,
			decisionMaker: t.decision,
			mobile:        fmt.Sprintf("%s%08d", oneOf(r, mobilePrefixes), r.IntN(100_000_000)),
			email:         local + "@" + domain,
		}
		if r.IntN(3) > 0 {
			ext := ""
			if r.IntN(2) == 0 {
				ext = fmt.Sprintf("%d", 800+r.IntN(200))
			}
			cp.directLine = phoneNumber(r, c, 0, ext)
		}
		switch r.IntN(5) {
		case 0: // no WeChat on file
		case 1, 2:
			cp.wechat = fmt.Sprintf("wxid_%s", randomID(r, 10))
		default:
			cp.wechat = fmt.Sprintf("%s_%d", wechatBase, 1970+r.IntN(32))
		}
		out = append(out, cp)
	}
	return out
}

func randomID(r *rand.Rand, n int) string {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

package testsite

import (
	"fmt"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Template is the page layout an article is rendered with. Articles are
// assigned to templates round-robin by index (index % 4).
type Template int

// The article templates.
const (
	TemplateSeed Template = iota // shaped like the seed page: lists, 温馨提示, 相关搜索词, 大家还在看
	TemplateGBK                  // GBK-encoded, div layout, 2023年11月23日 dates, 相关阅读
	TemplateMeta                 // date only in meta/JSON-LD, "3天前" on screen, 猜你喜欢 table
	TemplateQA                   // 问答 style: 时间：2023/11/23, 相关推荐, 上一篇/下一篇, comments
	numTemplates
)

// String returns the template's short name ("seed", "gbk", "meta", "qa").
func (t Template) String() string {
	switch t {
	case TemplateSeed:
		return "seed"
	case TemplateGBK:
		return "gbk"
	case TemplateMeta:
		return "meta"
	case TemplateQA:
		return "qa"
	}
	return "template" + strconv.Itoa(int(t))
}

// category is one channel of the site.
type category struct {
	Name string // 银行卡
	Slug string // yinhangka
}

// categories are the site's channels, in nav order. Article i is in
// categories[i%len(categories)].
var categories = []category{
	{"银行卡", "yinhangka"},
	{"贷款", "daikuan"},
	{"信用卡", "xinyongka"},
	{"保险", "baoxian"},
	{"证书", "zhengshu"},
}

var topics = [][]string{
	{"银行卡冻结", "银行卡挂失", "银行卡年费", "银行卡自动扣款", "银行卡转账限额", "二类银行卡", "银行卡注销", "银行卡密码锁定", "银行卡异地取款", "银行卡被盗刷"},
	{"房贷提前还款", "公积金贷款", "网贷逾期", "消费贷", "车贷", "助学贷款", "经营贷", "贷款被拒", "征信查询次数过多", "征信报告"},
	{"信用卡分期", "信用卡逾期", "信用卡提额", "信用卡年费", "信用卡最低还款", "信用卡销户", "信用卡积分", "信用卡取现", "信用卡停息挂账", "信用卡征信记录"},
	{"意外险", "重疾险", "百万医疗险", "车险", "养老保险", "退保", "定期寿险", "少儿保险", "惠民保", "社保断缴"},
	{"k宝证书", "U盾证书", "数字证书", "网银证书", "电子签名证书", "CFCA证书", "手机盾证书", "企业网银证书", "证书密码", "证书驱动"},
}

var titlePatterns = []string{
	"%s过期了有什么影响?",
	"%s怎么办？教你几招轻松解决",
	"%s多长时间能处理好?攻略来了!",
	"%s需要什么条件?一文看懂",
	"%s是什么意思?答案在这里",
	"%s怎么取消?教你三种方法",
	"%s有哪些注意事项?",
	"%s的流程是怎样的?",
	"%s会有什么后果?",
	"%s利息怎么算?详细说明",
	"%s常见问题汇总",
	"%s能不能网上办理?",
}

var banks = []string{"工商银行", "建设银行", "农业银行", "招商银行", "中国银行", "交通银行", "邮储银行", "浦发银行", "平安银行", "兴业银行"}

var authors = []string{"小编", "张明", "李华", "财经君", "王晓燕", "陈律师", "刘经理", "理财小助手", "周敏", "赵磊"}

var sources = []string{"某某财经网", "网络整理", "金融时报", "本站原创", "理财周刊"}

var introPatterns = []string{
	"{T}是很多人在日常生活中都会遇到的问题。{T}一般与{B}等银行的业务规定有关，如果处理不当，可能会影响正常使用，甚至给个人征信带来不良影响。下面就为大家详细介绍。",
	"近年来，随着互联网金融的快速发展，{T}成为了大家关注的热点话题。很多人对{T}的规定并不了解，遇到问题时往往不知所措。本文将从多个方面为您解答。",
	"最近有不少网友咨询关于{T}的问题。实际上，{T}并没有想象中那么复杂，只要了解了相关规定和办理流程，就能轻松应对。接下来我们一起来看看。",
	"{T}关系到每个人的切身利益。根据{B}的最新规定，{T}的办理条件和流程都有所调整，很多人对此还不太清楚。今天就和大家聊一聊这个话题。",
}

var fillers = []string{
	"一般来说，{T}的处理时间为{D}个工作日左右，具体以{B}的实际审核为准。如果超过这个时间仍未处理完成，可以拨打客服电话进行查询。",
	"根据{B}的相关规定，{T}原则上需要本人亲自办理，不能由他人代办。如果确实无法到场，需要提供公证过的授权委托书。",
	"需要注意的是，不同银行对{T}的规定有所不同，收费标准也不完全一样，建议在办理之前提前咨询清楚，以免多跑冤枉路。",
	"据统计，{Y}年{B}共处理相关业务超过{N}万笔，同比增长{P}%，可见{T}已经成为越来越多客户关心的问题。",
	"因此，遇到{T}的情况时，客户应及时处理，以免影响正常使用。如果自己无法判断，可以咨询专业人士的意见。",
	"很多人以为{T}只能去银行网点办理，其实现在大部分业务都可以通过手机银行完成，方便快捷，还能节省排队的时间。",
	"另外，{T}还可能涉及一定的费用，通常在{M}元到{N}元之间，部分银行对优质客户还会提供减免优惠。",
}

var impacts = []string{
	"无法正常使用：{T}相关业务将受到限制，部分功能无法正常办理。",
	"影响个人征信：如果处理不及时，相关记录可能会被上报至央行征信系统，影响日后申请贷款和信用卡。",
	"产生额外费用：逾期或未及时处理可能产生滞纳金、手续费等额外费用。",
	"存在安全风险：长时间不处理，账户信息可能存在被盗用或篡改的风险。",
	"影响资金周转：资金无法及时到账，会给日常生活和经营带来不便。",
	"需要重新办理：部分情况下需要携带证件到网点重新办理，耗费时间和精力。",
}

var reasons = []string{
	"信息填写有误：申请资料中的姓名、身份证号、手机号等信息与银行预留信息不一致。",
	"长期未使用：账户长期处于睡眠状态，被银行列为非活跃账户。",
	"涉嫌异常交易：短时间内频繁大额转账，触发了银行的风控系统。",
	"资质不符合要求：收入水平、工作稳定性或信用记录未达到{B}的审核标准。",
	"密码多次输错：连续输错密码超过规定次数，系统会自动锁定。",
	"有效期已到：相关证件或凭证超过有效期，需要及时更新。",
}

var onlineSteps = []string{
	"登录{B}手机银行或网上银行。",
	"点击“我的账户”-“业务办理”-“{T}”。",
	"按照页面提示输入相关信息并完成身份验证。",
	"确认信息无误后提交申请，等待系统处理结果。",
	"通过短信验证码完成最终确认。",
}

var offlineSteps = []string{
	"携带本人有效身份证件和银行卡，前往{B}营业网点。",
	"在柜台或自助设备上填写业务申请表。",
	"按照银行工作人员的指导完成办理。",
	"保留好业务回执，以备日后查询。",
}

var materials = []string{
	"本人有效身份证件原件及复印件。",
	"{B}银行卡或存折。",
	"近{M}个月的银行流水或收入证明。",
	"工作证明或营业执照。",
	"户口本和婚姻状况证明。",
}

var tipPool = []string{
	"为确保您的账户安全，建议您在到期前{D}天内进行处理。",
	"办理时请注意保管好密码和验证码，不要泄露给他人。",
	"如有疑问，可以拨打{B}客服热线咨询。",
	"不要轻信所谓的“内部渠道”“包过”等宣传，谨防诈骗。",
	"以上信息仅供参考，具体以{B}官方公布为准。",
}

var commentPool = []string{
	"写得很详细，解决了我的问题，谢谢！",
	"我上个月刚办过，确实是这个流程。",
	"请问在外地可以办理吗？",
	"客服说要等三个工作日，有点慢。",
	"收藏了，以后用得着。",
	"建议大家还是直接去网点问清楚。",
}

// blockKind is the kind of one body block.
type blockKind int

const (
	blockPara blockKind = iota // a paragraph
	blockHead                  // a sub heading
	blockUL                    // an unordered list
	blockOL                    // an ordered list
	blockTips                  // the 温馨提示 block: a label line and a list
)

// block is one element of an article body.
type block struct {
	Kind  blockKind
	Text  string   // paragraph or heading text
	Items []string // list items (for lists and tips)
}

// article is everything the site knows about one article. The renderer and
// Truth both read it, so they cannot disagree.
type article struct {
	Index     int
	ID        int
	Template  Template
	Cat       int
	Title     string
	Intro     string
	Blocks    []block // body after the intro
	Keywords  []string
	Author    string
	Source    string // only shown by the seed template
	Published time.Time
	Rev       int // content revision under the current version
	Likes     int
	topic     string
	bank      string
}

// cst is China Standard Time, the zone every date of the site is in.
var cst = time.FixedZone("CST", 8*3600)

// newestDate is the publish time of article 0; later indexes are older.
var newestDate = time.Date(2023, 12, 20, 18, 0, 0, 0, cst)

// idBase is added to an article index to make its public id.
const idBase = 10001

// rng returns the generator of one stream of one article.
func (s *Site) rng(i, stream int) *rand.Rand {
	return rand.New(rand.NewPCG(uint64(s.opt.Seed), uint64(i)<<8|uint64(stream)))
}

// filler replaces the placeholders of a phrase template.
type filler struct {
	topic, bank string
	r           *rand.Rand
}

func (f filler) fill(p string) string {
	if !strings.Contains(p, "{") {
		return p
	}
	var b strings.Builder
	for {
		k := strings.IndexByte(p, '{')
		if k < 0 {
			b.WriteString(p)
			return b.String()
		}
		b.WriteString(p[:k])
		e := strings.IndexByte(p[k:], '}')
		key := p[k+1 : k+e]
		p = p[k+e+1:]
		switch key {
		case "T":
			b.WriteString(f.topic)
		case "B":
			b.WriteString(f.bank)
		case "D":
			b.WriteString(strconv.Itoa(3 + f.r.IntN(28)))
		case "M":
			b.WriteString(strconv.Itoa(3 + f.r.IntN(10)))
		case "N":
			b.WriteString(strconv.Itoa(20 + f.r.IntN(900)))
		case "P":
			b.WriteString(strconv.Itoa(5 + f.r.IntN(40)))
		case "Y":
			b.WriteString(strconv.Itoa(2019 + f.r.IntN(5)))
		}
	}
}

// pick returns n distinct filled items of pool in pool order.
func (f filler) pick(pool []string, n int) []string {
	idx := f.r.Perm(len(pool))[:n]
	out := make([]string, 0, n)
	for k := range pool {
		for _, j := range idx {
			if j == k {
				out = append(out, f.fill(pool[k]))
			}
		}
	}
	return out
}

// dateGap is the time between two consecutive articles: the site covers
// about three years, with articles between ten minutes and a day apart.
func (s *Site) dateGap() time.Duration {
	g := 3 * 365 * 24 * time.Hour / time.Duration(s.numArticles())
	return min(24*time.Hour, max(10*time.Minute, g))
}

// numArticles returns the article count.
func (s *Site) numArticles() int { return s.opt.Articles }

// rev returns how many times article i has been edited at version v: the
// number of versions u in 1..v with u%10 == i%10.
func rev(i, v int) int {
	if v < 1 {
		return 0
	}
	k := i % 10
	if k == 0 {
		return v / 10
	}
	if k > v {
		return 0
	}
	return (v-k)/10 + 1
}

// meta generates the cheap part of article i (no body) at version v.
func (s *Site) meta(i, v int) *article {
	r := s.rng(i, 1)
	cat := i % len(categories)
	topic := topics[cat][r.IntN(len(topics[cat]))]
	a := &article{
		Index:    i,
		ID:       idBase + i,
		Template: Template(i % int(numTemplates)),
		Cat:      cat,
		Rev:      rev(i, v),
		topic:    topic,
	}
	pat := titlePatterns[r.IntN(len(titlePatterns))]
	a.Title = fmt.Sprintf(pat, topic)
	if a.Rev%2 == 1 {
		a.Title += "（最新）"
	}
	f := filler{topic: topic, bank: banks[r.IntN(len(banks))], r: r}
	a.bank = f.bank
	a.Intro = f.fill(introPatterns[r.IntN(len(introPatterns))])
	a.Author = authors[r.IntN(len(authors))]
	a.Source = sources[r.IntN(len(sources))]
	gap := s.dateGap()
	at := time.Duration(i)*gap + time.Duration(r.Int64N(int64(gap/3)))
	a.Published = newestDate.Add(-at).Truncate(time.Minute)
	a.Likes = []int{0, 0, 0, 3, 12, 27}[r.IntN(6)]
	kw := []string{topic, categories[cat].Name}
	for _, k := range r.Perm(len(topics[cat]))[:3] {
		if topics[cat][k] != topic {
			kw = append(kw, topics[cat][k])
		}
	}
	a.Keywords = append(kw, f.bank)
	return a
}

// full generates article i with its body at version v.
func (s *Site) full(i, v int) *article {
	a := s.meta(i, v)
	r := s.rng(i, 2)
	topic := a.topic
	f := filler{topic: topic, bank: a.bank, r: r}
	target := 300 + r.IntN(900)
	size := utf8.RuneCountInString(a.Intro)
	var blocks []block
	add := func(bs ...block) bool {
		n := 0
		for _, b := range bs {
			n += utf8.RuneCountInString(b.Text)
			for _, it := range b.Items {
				n += utf8.RuneCountInString(it)
			}
		}
		if size+n > 1400 {
			return false
		}
		size += n
		blocks = append(blocks, bs...)
		return true
	}
	if a.Rev > 0 {
		add(block{Kind: blockPara, Text: fmt.Sprintf("更新：截至2024年%d月，%s已对%s的相关规定进行了第%d次调整，具体以官方最新公告为准。", 1+(a.Rev-1)%12, f.bank, topic, a.Rev)})
	}
	if a.Template == TemplateSeed {
		add(block{Kind: blockHead, Text: a.Title})
	}
	sections := r.Perm(5)
	for _, sec := range sections {
		if size >= target {
			break
		}
		var ok bool
		switch sec {
		case 0:
			ok = add(block{Kind: blockHead, Text: topic + "会有哪些影响？"},
				block{Kind: blockPara, Text: f.fill("{T}会影响客户的正常使用，具体影响如下：")},
				block{Kind: blockUL, Items: f.pick(impacts, 3+r.IntN(2))},
				block{Kind: blockPara, Text: f.fill(fillers[4])})
		case 1:
			ok = add(block{Kind: blockHead, Text: topic + "的常见原因"},
				block{Kind: blockUL, Items: f.pick(reasons, 3+r.IntN(2))})
		case 2:
			ok = add(block{Kind: blockHead, Text: topic + "怎么办理？"},
				block{Kind: blockPara, Text: f.fill("{T}可以通过网上银行或银行网点办理。")},
				block{Kind: blockPara, Text: "网上银行办理方法："},
				block{Kind: blockOL, Items: f.pick(onlineSteps, 3)},
				block{Kind: blockPara, Text: "银行网点办理方法："},
				block{Kind: blockOL, Items: f.pick(offlineSteps, 3)})
		case 3:
			ok = add(block{Kind: blockHead, Text: "需要准备哪些材料？"},
				block{Kind: blockOL, Items: f.pick(materials, 3)})
		case 4:
			ps := f.pick(append(fillers[:4:4], fillers[5:]...), 2)
			ok = add(block{Kind: blockPara, Text: ps[0]}, block{Kind: blockPara, Text: ps[1]})
		}
		if !ok {
			break
		}
	}
	for k := 5; size < 300; k++ {
		add(block{Kind: blockPara, Text: f.fill(fillers[k%len(fillers)])})
	}
	if r.IntN(3) > 0 {
		add(block{Kind: blockTips, Text: "温馨提示：", Items: f.pick(tipPool, 2)})
	}
	a.Blocks = blocks
	return a
}

// bodyLines returns the article body as a perfect extractor reports it: the
// intro, then one line per heading, paragraph and list item, tips included.
func (a *article) bodyLines() []string {
	lines := []string{a.Intro}
	for _, b := range a.Blocks {
		if b.Text != "" {
			lines = append(lines, b.Text)
		}
		lines = append(lines, b.Items...)
	}
	return lines
}

// snippet is the text shown for an article on cards and list pages.
func (a *article) snippet() string {
	r := []rune(a.Intro)
	if len(r) > 60 {
		r = r[:60]
	}
	return string(r) + "…"
}

// path returns the site path of article a.
func (a *article) path() string {
	switch a.Template {
	case TemplateGBK:
		return fmt.Sprintf("/news/%s/%d.html", a.Published.Format("20060102"), a.ID)
	case TemplateMeta:
		return fmt.Sprintf("/article/%d", a.ID)
	case TemplateQA:
		return fmt.Sprintf("/wenda/%d.html", a.ID)
	}
	return fmt.Sprintf("/zixun/%d.html", a.ID)
}

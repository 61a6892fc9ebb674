package extract

// Table tests of the Chinese body-boilerplate rules (boiler_zh.go): each
// predicate on the lines it must catch and on article sentences that share
// its words and must stay.

import "testing"

// withPhrases gives a predicate the phrase sets of its line.
func withPhrases(f func(string, int32, uint8) bool) func(string, int32) bool {
	return func(s string, runes int32) bool { return f(s, runes, zhPhrases(s)) }
}

// checkLines runs a line predicate on each case.
func checkLines(t *testing.T, name string, f func(string, int32) bool, cases map[string]bool) {
	t.Helper()
	for s, want := range cases {
		if got := f(s, int32(runeLen(s))); got != want {
			t.Errorf("%s(%q) = %v, want %v", name, s, got, want)
		}
	}
}

// TestIsZhPromoLine: app and QR-code promotions, tip lines, reprint bans,
// pagers and reprint meta lines go; sentences about apps, tips and pages
// stay.
func TestIsZhPromoLine(t *testing.T) {
	checkLines(t, "isZhPromoLine", withPhrases(isZhPromoLine), map[string]bool{
		"(本文来自某某新闻，更多原创资讯请下载“某某新闻”APP)":     true,
		"下载某某日报客户端，看更多本地新闻":                 true,
		"扫二维码上移动某某网":                        true,
		"扫码阅读全文":                            true,
		"某某新闻客户端下载 某某视频客户端下载":               true,
		"长按识别二维码，关注我们":                      true,
		"某某新闻报料：4000-00-0000 某某新闻，未经授权不得转载": true,
		"新闻爆料热线：010-12345678":               true,
		"本文为某某原创，转载请注明出处":                   true,
		"1 2 下一页 余下全文":                      true,
		"（原标题：某市出台新规 三类车辆限行）":               true,
		"本文原标题：《定了！某地邮轮母港即将开通》":             true,
		"关键词 >> 共享充电宝":                      true,
		"点击上方蓝字关注我们":                        true,
		"喜欢就点个在看吧":                          true,
		"【纠错】":                              true,
		"【字体：大 中 小】":                        true,
		"用户可在手机上打开APP，点击首页的“办事”栏目，再选择所需服务，即可在线办理。":            false,
		"记者了解到，该应用上线首月下载量突破一百万次，其中多数用户通过扫码下载安装，平台方表示将继续优化体验。": false,
		"他向记者报料称，该小区的电梯已经三个月无人维修，业主多次投诉未果。":                   false,
		"下一步，该市将继续推进老旧小区改造，预计年底前完成全部改造任务。":                    false,
	})
}

// TestIsZhDisclaimer: disclaimers by their opener or by what they say.
func TestIsZhDisclaimer(t *testing.T) {
	checkLines(t, "isZhDisclaimer", withPhrases(isZhDisclaimer), map[string]bool{
		"声明：某某时报力求信息真实、准确，文章提及内容仅供参考，不构成实质性投资建议，据此操作风险自担。": true,
		"特别声明：以上内容为自媒体平台用户上传并发布，本平台仅提供信息存储空间服务。":           true,
		"【免责声明】本文仅代表作者本人观点，与本网无关。":                         true,
		"某某网版权与免责声明：":             true,
		"网友评论仅供其表达个人看法，并不表明本站立场。": true,
		"某某声明：此消息系转载自合作媒体，登载此文出于传递更多信息之目的，并不意味着赞同其观点或证实其描述。": true,
		"本文转自网络，版权归原作者所有，如有侵权请联系删除。":                         true,
		"公司发布声明称，网传消息不实，已向警方报案。":                             false,
		"分析人士认为，该数据仅供参考，实际走势仍取决于政策力度。":                       false,
	})
}

// TestIsZhCreditLine: editor credits in their many shapes; byline lines
// without an editor, and sentences naming editors, are no credit.
func TestIsZhCreditLine(t *testing.T) {
	checkLines(t, "isZhCreditLine", withPhrases(isZhCreditLine), map[string]bool{
		"【编辑：张三】":                 true,
		"【编辑:李四】 返回首页，查看更多":       true,
		"（责任编辑：王五）":               true,
		"(责编：赵六、钱七)":              true,
		"编辑|张三":                   true,
		"责编|李四":                   true,
		"校对：王五":                   true,
		"编辑 张三 校对 李四":             true,
		"作者：未知 责任编辑：某某":           true,
		"某科室供稿 摄影/张三 编辑/李四":       true,
		"审核：赵六":                   true,
		"【纠错】 [责任编辑: 刘某 ]":        true,
		"本文来源：某某网 责任编辑：王某_NE0011": true,
		"作者：张三":                   false,
		"来源：某某日报":                 false,
		"编辑部":                     false,
		"编辑：":                     false,
		"本报编辑张三告诉记者，稿件已经送审。":      false,
		"编辑 校对等岗位仍有空缺，欢迎报名。":      false,
		"他的编辑 张三 也在现场":            false,
		"审核通过后即可领取补贴":             false,
	})
}

// TestIsZhRelatedLead: a related label that carries its item, or one
// ending a short heading; sentences that open with the same words stay.
func TestIsZhRelatedLead(t *testing.T) {
	checkLines(t, "isZhRelatedLead", isZhRelatedLead, map[string]bool{
		"相关资讯请关注:某某专区": true,
		"相关阅读：某地出台新规":  true,
		"【相关新闻】":       true,
		"APP精彩推荐":      true,
		"相关新闻显示，该公司去年营收增长两成，净利润翻了一番，超出市场预期。": false,
		"推荐阅读的书目由学校统一发放":                     false,
	})
}

// TestIsZhCounter: a counter word alone with its number.
func TestIsZhCounter(t *testing.T) {
	checkLines(t, "isZhCounter", isZhCounter, map[string]bool{
		"推荐70": true, "推荐 0": true, "推荐": true, "标签": true, "推荐（12）": true,
		"推荐理由": false, "标签：理财": false, "推荐70只基金": false,
	})
}

// TestIsProse: a meta-looking line that is a sentence (the lede with a
// date and 发布 in it) is prose; bylines are not.
func TestIsProse(t *testing.T) {
	checkLines(t, "isProse", isProse, map[string]bool{
		"某某网北京2月13日消息 据报道，某部门日前发布《某某规定》，自2022年2月10日起施行。": true,
		"2022-02-13 07:00:00 来源：某某网":      false,
		"发布时间：2023年11月20日 08:15 作者：张三，李四": false,
	})
}

// TestCutTail: the text ends at the first credit after most of it; a
// credit under the lede cuts nothing.
func TestCutTail(t *testing.T) {
	runes := []int32{8, 16, 16, 4, 6} // lede, two paragraphs, a promotion, a teaser
	for _, tt := range []struct {
		cuts []int
		want int
	}{
		{nil, 5}, {[]int{3}, 3}, {[]int{1}, 5}, {[]int{1, 3}, 3}, {[]int{0}, 5}, {[]int{5}, 5},
	} {
		if got := cutTail(runes, tt.cuts); got != tt.want {
			t.Errorf("cutTail(cuts %v) kept %d lines, want %d", tt.cuts, got, tt.want)
		}
	}
}

// TestIsReplyFloor: a reply's floor label ends the first post; the first
// floor and floors in sentences do not.
func TestIsReplyFloor(t *testing.T) {
	checkLines(t, "isReplyFloor", isReplyFloor, map[string]bool{
		"楼层： 第 2 楼 时间：2005-08-28 23:38:58": true,
		"3楼":       true,
		"#12楼":     true,
		"回复 第 5 楼": true,
		"楼层： 第 1 楼 时间：2005-08-28 20:56:20": false,
		"大厦第12楼发生火灾":                       false,
		"他住在第3楼，每天爬楼梯。":                    false,
		"楼主":                               false,
	})
}

// TestIsZhShareOrCount: share prompts and reader counts alone on a line.
func TestIsZhShareOrCount(t *testing.T) {
	checkLines(t, "isZhShareOrCount", withPhrases(isZhShareOrCount), map[string]bool{
		"分享到：":     true,
		"微信扫一扫分享":  true,
		"23条评论":    true,
		"已有 3 人参与": true,
		"共有12条回复":  true,
		"活动吸引了3000人参与，现场气氛热烈。": false,
		"网友的评论很有道理":            false,
	})
}

// TestLabelValue_Brackets: a credit in brackets gives the name without
// the closing bracket: "【编辑：姚某】" is 姚某.
func TestLabelValue_Brackets(t *testing.T) {
	for in, want := range map[string]string{"：姚某】": "姚某", ":刘某]": "刘某", "：方某）": "方某", "：张某": "张某"} {
		if got := labelValue(in); got != want {
			t.Errorf("labelValue(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestIsZhCommentHead: a comment section's heading alone, with or without
// its count; sentences about comments are text.
func TestIsZhCommentHead(t *testing.T) {
	checkLines(t, "isZhCommentHead", isZhCommentHead, map[string]bool{
		"评论（3）": true, "评论": true, "跟帖 12": true, "全部回复": true, "共23条评论": true, "【精选留言】": true,
		"评论员文章": false, "网友的评论很有道理": false, "回复函": false,
	})
}

// This file holds the word lists of the title rules (title.go,
// titlerefs.go).

package extract

// titleBadges are the labels sites set in a small box beside a headline:
// no part of it.
var titleBadges = map[string]bool{"原创": true, "独家": true, "置顶": true, "推荐": true, "荐": true, "热": true, "精": true,
	"新": true, "顶": true, "转载": true, "头条": true, "精华": true, "热门": true, "视频": true, "组图": true, "图文": true,
	"Exclusive": true, "EXCLUSIVE": true, "Video": true, "VIDEO": true, "New": true, "NEW": true}

// titleBylinePrefixes open a byline glued into a heading element.
var titleBylinePrefixes = []string{"By ", "by ", "BY ", "Updated", "Published", "Posted", "发布时间", "发布于", "发表于", "来源：",
	"来源:", "作者：", "作者:", "时间：", "时间:", "编辑：", "编辑:", "责任编辑"}

// siteHeadingWords in a heading's class or id (or its parent's) mark the
// site's name or logo, not an article's headline.
var siteHeadingWords = []string{"site-title", "sitetitle", "site_title", "site-name", "sitename", "site_name", "site-logo",
	"logo", "brand", "blog-title", "blogtitle", "blog-name", "blogname", "masthead", "site-header-title"}

// counterWords follow a number in a counter glued to a heading.
var counterWords = map[string]bool{"comments": true, "comment": true, "photos": true, "photo": true, "images": true,
	"kommentare": true, "评论": true, "条评论": true, "张": true, "图": true, "回复": true, "阅读": true}

package demo

import (
	"context"
	"fmt"
	"time"

	"rapport/ent"
	"rapport/ent/article"
	"rapport/ent/bulletinissue"
	"rapport/ent/publication"
	"rapport/internal/bulletin"
	"rapport/internal/pulid"
)

// articles are the demo's stories: a title, the correspondent's department
// and a body, drawn in turn by the issues.
var articles = []struct{ title, dept, body string }{
	{"客户部：把每一次拜访做成“诊断”", "client", "本月客户部共完成 A 类客户拜访 23 次。拜访前，客户经理先梳理客户的组织结构与业务流程，带着问题清单上门；拜访后三日内提交方案建议，让客户感到“来一次就有收获”。"},
	{"华东组：从一张客户联络一览表说起", "east", "华东组坚持按周填写客户联络一览表，哪家客户久未联系、哪家联系过密，一目了然。组长王芳说：“表格本身不难，难的是每周都认真看一遍。”"},
	{"客户服务部：回访电话里的温度", "service", "客服专员每天完成 40 余通回访。对久未下单的客户，我们不急于推销，而是先问一句“最近业务还顺利吗”，很多合作机会就在这样的交流中出现。"},
	{"人力资源部：新员工的第一个月", "hr", "本月新入职员工 6 名。入职第一周，导师带领新同事熟悉咨询工作的标准流程：需求诊断、方案设计、实施辅导与效果评估，让新同事尽快上手。"},
	{"编辑部：欢迎各部门踊跃投稿", "editorial", "《同心》是大家的刊物。各部门通讯员请于每月 20 日前提交稿件，内容可以是一次成功的项目、一位值得学习的同事，也可以是一点工作中的心得。"},
	{"总经理办公室：管理咨询的价值在于落地", "office", "咨询报告写得再漂亮，如果不能在客户那里落地，就没有价值。我们要求每个项目都有实施辅导计划，并在三个月后回访评估效果。"},
	{"华北组：一次跨部门的协作", "north", "为帮助一家老客户梳理采购流程，华北组联合客服部、财务部组成项目小组，用两周时间完成现状调研，客户总经理当场拍板续签年度合同。"},
	{"安全生产月：应急演练不走过场", "service", "六月是安全生产月。客服部组织全员参加消防演练，从报警、疏散到灭火器使用，每个环节都计时考核，确保人人会应急。"},
}

// bulletins gives the demo organisation its two publications: the monthly
// 《同心》 (published on the 1st–5th) with this year's issues so far (one
// whose publishing day has not come is in editing), and the quarterly 《远航》 (10th–15th of
// January, April, July and October) with this year's past issues and a
// special issue (增刊); each published issue with accepted articles.
func bulletins(ctx context.Context, c *ent.Client, org pulid.ID, users, depts map[string]pulid.ID, loc *time.Location, now time.Time) error {
	year := now.In(loc).Year()
	next := 0
	story := func(issue pulid.ID, n int, status article.Status) error {
		for i := range n {
			a := articles[next%len(articles)]
			next++
			if err := c.Article.Create().SetOrganizationID(org).SetIssueID(issue).SetTitle(a.title).SetBody(a.body).
				SetDepartmentID(depts[a.dept]).SetAuthorID(users["corr."+a.dept]).SetStatus(status).SetPosition(i + 1).Exec(ctx); err != nil {
				return fmt.Errorf("article: %w", err)
			}
		}
		return nil
	}
	for _, p := range []struct {
		name     string
		cadence  publication.Cadence
		from, to int
		perIssue int
	}{
		{"《同心》月刊 Bulletin", publication.CadenceMONTHLY, 1, 5, 2},
		{"《远航》季刊 House magazine", publication.CadenceQUARTERLY, 10, 15, 3},
	} {
		pub, err := c.Publication.Create().SetOrganizationID(org).SetName(p.name).SetCadence(p.cadence).
			SetWindowStartDay(p.from).SetWindowEndDay(p.to).Save(ctx)
		if err != nil {
			return fmt.Errorf("publication %s: %w", p.name, err)
		}
		s := bulletin.Schedule{Cadence: bulletin.Cadence(p.cadence), WindowStartDay: p.from, WindowEndDay: p.to}
		for _, slot := range s.Plan(year, loc) {
			if slot.Start.After(now) {
				break
			}
			is := c.BulletinIssue.Create().SetOrganizationID(org).SetPublicationID(pub.ID).SetYear(year).
				SetNumber(slot.Number).SetTotalNumber(slot.Number).
				SetTitle(fmt.Sprintf("%d 年第 %d 期", year, slot.Number))
			published := slot.Start.Add(2*24*time.Hour + 10*time.Hour)
			status, articleStatus := bulletinissue.StatusPUBLISHED, article.StatusACCEPTED
			if published.After(now) {
				status, articleStatus = bulletinissue.StatusEDITING, article.StatusSUBMITTED
			} else {
				is.SetPublishedAt(published.UTC())
			}
			issue, err := is.SetStatus(status).Save(ctx)
			if err != nil {
				return fmt.Errorf("issue %s %d: %w", p.name, slot.Number, err)
			}
			if err := story(issue.ID, p.perIssue, articleStatus); err != nil {
				return err
			}
		}
		if p.cadence == publication.CadenceQUARTERLY {
			special, err := c.BulletinIssue.Create().SetOrganizationID(org).SetPublicationID(pub.ID).SetYear(year).
				SetSpecial(true).SetNumber(1).SetTitle(fmt.Sprintf("%d 年增刊：安全生产月", year)).
				SetStatus(bulletinissue.StatusPUBLISHED).SetPublishedAt(time.Date(year, 6, 28, 10, 0, 0, 0, loc).UTC()).Save(ctx)
			if err != nil {
				return fmt.Errorf("special issue: %w", err)
			}
			if err := story(special.ID, 2, article.StatusACCEPTED); err != nil {
				return err
			}
		}
	}
	return nil
}

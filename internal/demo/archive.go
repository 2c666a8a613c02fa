package demo

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/clientdocument"
	"rapport/internal/archive"
	"rapport/internal/auth"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// archiveDocs gives the demo's accounts their archive: every signed
// account's company profile (but every ninth, whose archive is overdue),
// product brochures of the active ones, each filed by the account's
// manager under the year's serial numbers; and on the A-tier accounts an
// intelligence owner (the sales manager of the account's team) with news
// items, so that search, the archive deadline and the intelligence show
// results on day one.
func archiveDocs(ctx context.Context, c *ent.Client, org pulid.ID, users map[string]pulid.ID, loc *time.Location, now time.Time) error {
	accounts, err := c.Account.Query().Where(account.OrganizationID(org)).WithOwner().
		Order(ent.Asc(account.FieldName)).All(ctx)
	if err != nil {
		return err
	}
	signed := 0
	for i, a := range accounts {
		if a.Edges.Owner == nil {
			continue
		}
		as := viewer.NewContext(ctx, &viewer.Viewer{UserID: a.OwnerID, OrgID: org, Roles: []auth.Role{auth.RoleAccountManager}, Location: loc})
		file := func(category clientdocument.Category, title, name, body string) error {
			data := []byte(body)
			_, err := archive.Upload(as, c, archive.UploadInput{AccountID: a.ID, Category: category, Title: title,
				File: graphql.Upload{File: bytes.NewReader(data), Filename: name, Size: int64(len(data))}}, now)
			return err
		}
		if a.ContractSignedAt != nil {
			signed++
			if signed%9 != 0 {
				if err := file(clientdocument.CategoryCOMPANY_PROFILE, a.Name+" 公司简介", "公司简介.txt",
					fmt.Sprintf("%s\n行业：%s\n地址：%s\n经营范围：%s\n主要产品：%s\n", a.Name, a.Industry, a.Address, a.BusinessScope, a.MainProducts)); err != nil {
					return fmt.Errorf("company profile: %w", err)
				}
			}
		}
		if a.LifecycleStage == account.LifecycleStageACTIVE && i%3 == 0 {
			if err := file(clientdocument.CategoryPRODUCT_BROCHURE, a.Name+" 产品手册", "产品手册.txt",
				fmt.Sprintf("%s 产品手册\n%s\n", a.Name, a.MainProducts)); err != nil {
				return fmt.Errorf("brochure: %w", err)
			}
		}
	}
	return intelligence(ctx, c, org, users, accounts)
}

// news is the demo's intelligence, drawn in turn.
var news = []struct{ headline, source, summary, entry string }{
	{"拟在长三角新建生产基地", "《中国工业报》", "公司公告计划投资新建智能工厂，预计两年内投产。", "新工厂的生产管理体系与精益改善咨询"},
	{"获评省级专精特新企业", "省工信厅官网", "入选本年度专精特新“小巨人”培育名单。", "申报材料辅导与研发管理体系建设"},
	{"管理层调整，新任总经理到岗", "公司官网新闻", "原常务副总经理升任总经理，负责全面经营。", "拜访新任总经理，介绍组织诊断服务"},
	{"启动数字化转型三年规划", "行业协会年会发言", "董事长表示将加大信息化投入，推进业务流程再造。", "流程梳理与数字化转型路线图咨询"},
}

func intelligence(ctx context.Context, c *ent.Client, org pulid.ID, users map[string]pulid.ID, accounts []*ent.Account) error {
	teams := map[string]pulid.ID{"华东": users["sales.east"], "华南": users["sales.east"], "华北": users["sales.north"], "西南": users["sales.north"]}
	next := 0
	for _, a := range accounts {
		if a.Tier != account.TierA || teams[a.Region] == "" {
			continue
		}
		owner := teams[a.Region]
		if err := c.Account.UpdateOneID(a.ID).SetIntelligenceOwnerID(owner).Exec(ctx); err != nil {
			return fmt.Errorf("intelligence owner: %w", err)
		}
		if next >= 2*len(news) {
			continue
		}
		n := news[next%len(news)]
		next++
		if err := c.IntelligenceItem.Create().SetOrganizationID(org).SetAccountID(a.ID).SetHeadline(n.headline).
			SetSource(n.source).SetSummary(n.summary).SetEntryPoint(n.entry).SetAuthorID(owner).Exec(ctx); err != nil {
			return fmt.Errorf("intelligence: %w", err)
		}
	}
	return nil
}

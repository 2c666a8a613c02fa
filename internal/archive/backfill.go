package archive

import (
	"context"
	"time"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/article"
	"rapport/ent/clientdocument"
	"rapport/ent/contact"
	"rapport/ent/privacy"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// backfillChunk is how many rows one round of BackfillSearch reads.
const backfillChunk = 500

// BackfillSearch gives a search text to the rows that have none (those
// written before search existed): each is cleared again as the system,
// which makes the search hook compute it from the row. Afterwards it finds
// nothing to do.
func BackfillSearch(ctx context.Context, c *ent.Client) (int, error) {
	all := privacy.DecisionContext(ctx, privacy.Allow)
	type row struct {
		ID  pulid.ID `json:"id"`
		Org pulid.ID `json:"organization_id"`
	}
	kinds := []struct {
		pending func() ([]row, error)
		clear   func(ctx context.Context, id pulid.ID) error
	}{
		{func() (rs []row, err error) {
			err = c.Account.Query().Where(account.SearchTextIsNil()).Limit(backfillChunk).Select(account.FieldID, account.FieldOrganizationID).Scan(all, &rs)
			return
		}, func(ctx context.Context, id pulid.ID) error {
			return c.Account.UpdateOneID(id).ClearSearchText().Exec(ctx)
		}},
		{func() (rs []row, err error) {
			err = c.Contact.Query().Where(contact.SearchTextIsNil()).Limit(backfillChunk).Select(contact.FieldID, contact.FieldOrganizationID).Scan(all, &rs)
			return
		}, func(ctx context.Context, id pulid.ID) error {
			return c.Contact.UpdateOneID(id).ClearSearchText().Exec(ctx)
		}},
		{func() (rs []row, err error) {
			err = c.ClientDocument.Query().Where(clientdocument.SearchTextIsNil()).Limit(backfillChunk).Select(clientdocument.FieldID, clientdocument.FieldOrganizationID).Scan(all, &rs)
			return
		}, func(ctx context.Context, id pulid.ID) error {
			return c.ClientDocument.UpdateOneID(id).ClearSearchText().Exec(ctx)
		}},
		{func() (rs []row, err error) {
			err = c.Article.Query().Where(article.SearchTextIsNil()).Limit(backfillChunk).Select(article.FieldID, article.FieldOrganizationID).Scan(all, &rs)
			return
		}, func(ctx context.Context, id pulid.ID) error {
			return c.Article.UpdateOneID(id).ClearSearchText().Exec(ctx)
		}},
	}
	n := 0
	for _, k := range kinds {
		for {
			rows, err := k.pending()
			if err != nil || len(rows) == 0 {
				if err != nil {
					return n, err
				}
				break
			}
			for _, r := range rows {
				if err := k.clear(viewer.NewContext(ctx, viewer.NewSystem(r.Org, time.UTC)), r.ID); err != nil {
					return n, err
				}
				n++
			}
		}
	}
	return n, nil
}

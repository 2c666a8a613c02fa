package archive

import (
	"context"
	"time"

	"rapport/ent"
	"rapport/internal/apierr"
	"rapport/internal/pulid"
)

// SetArchived archives a contact who left the company (archived) or
// restores one, as the viewer: the contact's policy lets whoever edits
// the account do it, and the audit trail keeps who and when. Contacts are
// never deleted: an archived one stays in the history.
func SetArchived(ctx context.Context, c *ent.Client, id pulid.ID, archived bool, now time.Time) (*ent.Contact, error) {
	ct, err := c.Contact.Get(ctx, id)
	switch {
	case err != nil:
		return nil, err
	case archived && ct.ArchivedAt != nil:
		return nil, apierr.Conflictf("%s was archived already", ct.Name)
	case !archived && ct.ArchivedAt == nil:
		return nil, apierr.Conflictf("%s is not archived", ct.Name)
	}
	u := c.Contact.UpdateOneID(id)
	if archived {
		u.SetArchivedAt(now.UTC())
	} else {
		u.ClearArchivedAt()
	}
	return u.Save(ctx)
}

// Current is the contacts not archived, in their order.
func Current(all []*ent.Contact) []*ent.Contact {
	out := make([]*ent.Contact, 0, len(all))
	for _, c := range all {
		if c.ArchivedAt == nil {
			out = append(out, c)
		}
	}
	return out
}

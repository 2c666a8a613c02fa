package schema

import (
	"context"
	"fmt"
	"slices"

	"entgo.io/ent"
	"entgo.io/ent/schema/mixin"

	gen "rapport/ent"
	"rapport/ent/auditevent"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/audit"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// AuditMixin records every change of a type in the audit trail: one
// AuditEvent per created or updated row, written by the same
// transaction as the change, with the old and new value of each field.
type AuditMixin struct{ mixin.Schema }

func (AuditMixin) Hooks() []ent.Hook { return []ent.Hook{recordChange} }

// auditedMutation is what every generated mutation of an audited type offers.
type auditedMutation interface {
	ent.Mutation
	ID() (pulid.ID, bool)
	Client() *gen.Client
}

// unaudited fields change on every write and say nothing about who did what.
var unaudited = []string{"updated_at", "last_seen_at", "search_text"}

func recordChange(next ent.Mutator) ent.Mutator {
	return ent.MutateFunc(func(ctx context.Context, m ent.Mutation) (ent.Value, error) {
		am, ok := m.(auditedMutation)
		if !ok {
			return nil, fmt.Errorf("audit: %T is not auditable", m)
		}
		op := m.Op()
		if systemWrite(ctx, m) {
			return next.Mutate(ctx, m) // derived columns: what caused the change is the record
		}
		if op.Is(ent.OpUpdate | ent.OpDelete) {
			return nil, fmt.Errorf("audit: bulk %s of %s is not audited; change rows one by one", op, m.Type())
		}
		if op.Is(ent.OpDeleteOne) {
			// Rows are archived (e.g. an account's lifecycle stage LOST), not
			// deleted; a delete needs a snapshot of the row for the trail first.
			return nil, fmt.Errorf("audit: deleting a %s is not supported; archive it instead", m.Type())
		}
		changed := slices.DeleteFunc(append(m.Fields(), m.ClearedFields()...), func(f string) bool {
			return slices.Contains(unaudited, f)
		})
		var changes []audit.Change
		org, orgSet := m.Field("organization_id")
		if !op.Is(ent.OpCreate) {
			// Old values come from one read of the row, locked first so that a
			// concurrent change cannot slip in between the read and the write.
			if id, ok := am.ID(); ok {
				if err := am.Client().LockRow(ctx, id); err != nil {
					return nil, err
				}
			}
			if !orgSet {
				o, err := m.OldField(ctx, "organization_id")
				if err != nil {
					return nil, err
				}
				org = o
			}
			for _, f := range changed {
				old, err := m.OldField(ctx, f)
				if err != nil {
					return nil, err
				}
				nv, _ := m.Field(f)
				if c := (audit.Change{Field: apierr.FieldName(f), Old: audit.Render(old), New: audit.Render(nv)}); !c.Same() {
					changes = append(changes, c)
				}
			}
		}
		v, err := next.Mutate(ctx, m)
		if err != nil {
			return v, err
		}
		if op.Is(ent.OpCreate) {
			for _, f := range changed {
				nv, _ := m.Field(f)
				if c := (audit.Change{Field: apierr.FieldName(f), New: audit.Render(nv)}); c.New != nil {
					changes = append(changes, c)
				}
			}
		}
		if op.Is(ent.OpUpdateOne) && len(changes) == 0 {
			return v, nil
		}
		id, _ := am.ID()
		action := auditevent.ActionUPDATE
		if op.Is(ent.OpCreate) {
			action = auditevent.ActionCREATE
		}
		ev := am.Client().AuditEvent.Create().
			SetOrganizationID(org.(pulid.ID)).
			SetAction(action).
			SetEntityType(m.Type()).
			SetEntityID(string(id)).
			SetChanges(changes).
			SetRequestID(audit.RequestID(ctx)).
			SetNillableActorID(viewer.FromContext(ctx).User())
		if err := ev.Exec(privacy.DecisionContext(ctx, privacy.Allow)); err != nil {
			return nil, fmt.Errorf("audit: recording %s %s: %w", action, id, err)
		}
		return v, nil
	})
}

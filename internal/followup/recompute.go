package followup

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"entgo.io/ent/dialect"
	"entgo.io/ent/dialect/sql"

	"rapport/ent"
	"rapport/ent/account"
	"rapport/ent/auditevent"
	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/audit"
	"rapport/internal/pulid"
	"rapport/internal/viewer"
)

// RecomputeChunk is how many rows one recomputing statement writes.
const RecomputeChunk = 500

// RecomputeAccountTimes writes new values of one time column that the
// system maintains (next_call_due_at, last_visit_at…) for many accounts of
// an organisation: set-based, in one UPDATE … SET col = CASE id WHEN …
// END WHERE id IN (…) per RecomputeChunk accounts, not a lock, read and
// audit row per account. It runs under the organisation's system viewer,
// whose tenant filter keeps it inside org whatever IDs it is given; it
// leaves versions alone, and records one RECOMPUTE audit event for the
// whole change, naming actor (the user whose action caused it, if any)
// and why. A nil value clears the column. client may be a transaction's.
func RecomputeAccountTimes(ctx context.Context, client *ent.Client, org pulid.ID, column string,
	values map[pulid.ID]*time.Time, actor pulid.ID, why string) (int, error) {
	if !slices.Contains(account.Columns, column) {
		return 0, fmt.Errorf("recompute: accounts have no column %q", column)
	}
	sys := viewer.NewContext(ctx, viewer.NewSystem(org, time.UTC))
	ids := slices.Sorted(maps.Keys(values))
	written := 0
	for chunk := range slices.Chunk(ids, RecomputeChunk) {
		n, err := client.Account.Update().
			Where(account.IDIn(chunk...)).
			Modify(func(u *sql.UpdateBuilder) { u.Set(column, caseByID(chunk, values)) }).
			Save(sys)
		if err != nil {
			return written, fmt.Errorf("recompute %s: %w", column, err)
		}
		written += n
	}
	ev := client.AuditEvent.Create().
		SetOrganizationID(org).
		SetAction(auditevent.ActionRECOMPUTE).
		SetEntityType(account.Label).
		SetEntityID("*").
		SetChanges([]audit.Change{{Field: apierr.FieldName(column), New: ptr(fmt.Sprintf("%d accounts: %s", written, why))}}).
		SetRequestID(audit.RequestID(ctx))
	if actor != "" {
		ev.SetActorID(actor)
	}
	if err := ev.Exec(privacy.DecisionContext(sys, privacy.Allow)); err != nil {
		return written, fmt.Errorf("recompute %s: recording the change: %w", column, err)
	}
	return written, nil
}

// caseByID is CASE id WHEN $1 THEN $2 … END over ids, typed as a time.
func caseByID(ids []pulid.ID, values map[pulid.ID]*time.Time) sql.Querier {
	return sql.ExprFunc(func(b *sql.Builder) {
		cast := b.Dialect() == dialect.Postgres // parameters in a CASE have no type of their own there
		b.WriteString("CASE ").Ident(account.FieldID)
		for _, id := range ids {
			b.WriteString(" WHEN ").Arg(id).WriteString(" THEN ")
			if cast {
				b.WriteString("CAST(")
			}
			if t := values[id]; t != nil {
				b.Arg(t.UTC())
			} else {
				b.WriteString("NULL")
			}
			if cast {
				b.WriteString(" AS TIMESTAMP WITH TIME ZONE)")
			}
		}
		b.WriteString(" END")
	})
}

func ptr[T any](v T) *T { return &v }

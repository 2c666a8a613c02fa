package schema

import (
	"context"
	"reflect"
	"slices"

	"entgo.io/contrib/entgql"
	"entgo.io/ent"
	"entgo.io/ent/schema/field"

	"rapport/ent/privacy"
	"rapport/internal/apierr"
	"rapport/internal/viewer"
)

// systemColumns are, per type, the columns the system derives and
// maintains (next due dates, last contact, counts, escalation marks). They
// are in no input; only the organisation's system viewer writes them; such a
// write neither bumps the row's version (an edit screen open meanwhile must
// not turn into a CONFLICT) nor is audited as anyone's edit (what caused it,
// an interaction say, is the record). A recomputation of many rows is one
// set-based update with one RECOMPUTE audit event (store.RecomputeTimes).
var systemColumns = map[string][]string{
	"Account":        {"last_contact_at", "last_call_at", "last_visit_at", "next_call_due_at", "next_visit_due_at", "quiet_since", "last_activity_at", "search_text"},
	"Contact":        {"search_text"},
	"ClientDocument": {"search_text"},
	"Article":        {"search_text"},
	"User":           {"calendar_token_version"},
	// Places taken, kept with each registration under the activity's row lock.
	"CultureActivity": {"registered_count"},
}

// systemTime is a time column the system maintains: readable, filterable and
// sortable, never set through an input. List it in systemColumns too.
func systemTime(name, order string) ent.Field {
	return field.Time(name).Optional().Nillable().
		Annotations(entgql.OrderField(order), entgql.Skip(entgql.SkipMutationCreateInput, entgql.SkipMutationUpdateInput))
}

// changesSystemColumns reports whether m sets or clears a system column. A
// new row's system column at its zero value (a count's 0, its default) is
// no change.
func changesSystemColumns(m ent.Mutation) bool {
	cols := systemColumns[m.Type()]
	for _, f := range m.Fields() {
		if !slices.Contains(cols, f) {
			continue
		}
		if v, _ := m.Field(f); m.Op().Is(ent.OpCreate) && (v == nil || reflect.ValueOf(v).IsZero()) {
			continue
		}
		return true
	}
	for _, f := range m.ClearedFields() {
		if slices.Contains(cols, f) {
			return true
		}
	}
	return false
}

// systemWrite reports a write of the system viewer that changes nothing but
// system columns (and the timestamp ent sets on every update).
func systemWrite(ctx context.Context, m ent.Mutation) bool {
	if !viewer.FromContext(ctx).IsSystem() || !m.Op().Is(ent.OpUpdate|ent.OpUpdateOne) {
		return false
	}
	cols := systemColumns[m.Type()]
	for _, f := range append(m.Fields(), m.ClearedFields()...) {
		if f != "updated_at" && !slices.Contains(cols, f) {
			return false
		}
	}
	return true
}

// systemColumnsBySystem refuses a change of a system column by anyone but
// the system viewer.
func systemColumnsBySystem(ctx context.Context, m ent.Mutation) error {
	if changesSystemColumns(m) && !viewer.FromContext(ctx).IsSystem() {
		return apierr.Forbiddenf("%s's derived columns are maintained by the system", m.Type())
	}
	return privacy.Skip
}

package apierr

import "testing"

func TestFieldName(t *testing.T) {
	for in, want := range map[string]string{
		"name": "name", "business_scope": "businessScope", "owner_id": "ownerID",
		"service_rep_id": "serviceRepID", "next_call_due_at": "nextCallDueAt",
	} {
		if got := FieldName(in); got != want {
			t.Errorf("FieldName(%q) = %q, want %q", in, got, want)
		}
	}
}

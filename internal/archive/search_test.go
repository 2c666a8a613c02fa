package archive_test

import (
	"context"
	"fmt"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"rapport/ent"
	"rapport/ent/privacy"
	"rapport/internal/store"
	"rapport/internal/testdb"
	"rapport/internal/viewer"
)

func TestMain(m *testing.M) { os.Exit(testdb.Main(m)) }

// On PostgreSQL a Chinese substring is answered by the trigram index: the
// database's LC_CTYPE reads CJK characters as letters, so pg_trgm makes
// trigrams of them, and the bitmap scan rechecks only the rows that hold
// them (under LC_CTYPE=C it would recheck every row).
func TestChineseSearchUsesTheTrigramIndex(t *testing.T) {
	ctx := context.Background()
	drv, err := store.Driver(testdb.PostgresURL(t))
	if err != nil {
		t.Fatal(err)
	}
	defer drv.Close()
	if err := store.Migrate(ctx, drv); err != nil {
		t.Fatal(err)
	}
	client := ent.NewClient(ent.Driver(drv))
	org, _, err := store.EnsureOrganization(ctx, client, "acme", "Acme", "Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	sys := viewer.NewContext(privacy.DecisionContext(ctx, privacy.Allow), viewer.NewSystem(org.ID, time.UTC))
	cities := []string{"北京", "上海", "广州", "深圳", "成都", "杭州", "南京", "武汉"}
	trades := []string{"机械", "电子", "医药", "物流", "建材", "食品", "纺织", "化工"}
	bulk := make([]*ent.AccountCreate, 2000)
	for i := range bulk {
		name := fmt.Sprintf("%s%s%s有限公司%d", cities[i%8], trades[(i/8)%8], []string{"宏达", "兴业", "恒通", "新华"}[(i/64)%4], i)
		if i == 1234 {
			name = "上海华东精密机械有限公司"
		}
		bulk[i] = client.Account.Create().SetOrganizationID(org.ID).SetName(name)
	}
	client.Account.CreateBulk(bulk...).ExecX(sys)
	if _, err := drv.DB().ExecContext(ctx, "ANALYZE accounts"); err != nil {
		t.Fatal(err)
	}
	conn, err := drv.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SET enable_seqscan = off"); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.QueryContext(ctx, "EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM accounts WHERE search_text LIKE '%华东精密%'")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "Bitmap Index Scan on account_search_text") || !strings.Contains(text, "rows=1 ") {
		t.Fatalf("plan:\n%s", text)
	}
	if m := regexp.MustCompile(`Rows Removed by Index Recheck: (\d+)`).FindStringSubmatch(text); m != nil {
		if n, _ := strconv.Atoi(m[1]); n > 10 {
			t.Fatalf("the index found %d rows that do not match: it has no trigrams of Chinese text\n%s", n, text)
		}
	}
	t.Logf("plan:\n%s", text)
}

"""Search latency on PostgreSQL at scale (issue 16): 1M accounts and 3M contacts in one
organisation, over HTTP with real tokens.

  python3 bench/search-bench.py [--src RAPPORT_CHECKOUT] [--accounts 1000000] [--requests 200]

Needs go, psql and the PostgreSQL 15 server binaries. What it does:
  1. a throwaway cluster (harness.postgres); a database with LC_CTYPE C.UTF-8 (pg_trgm reads
     Chinese as letters); `server migrate`; `server org create perf`;
  2. loads search-load.sql (accounts with names, phones, e-mail; 3 contacts each; the search text
     the server writes), then builds the trigram indexes and VACUUM ANALYZEs;
  3. serves Rapport (RAPPORT_LOG_LEVEL=warn) and sends each query, as an admin (every account) and
     as one of the 1000 account managers (their 1000 accounts), --requests times one after
     another after 5 warm-ups: p50, p99 and max in ms, and the number of hits;
  4. EXPLAIN ANALYZE of the admin's account statement of each query.
"""
import argparse, json, os, statistics, subprocess, sys, time, urllib.request

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)
from harness import postgres, free_port, token  # noqa: E402

sys.stdout.reconfigure(line_buffering=True)
ap = argparse.ArgumentParser()
ap.add_argument('--src', default=os.environ.get('RAPPORT_SRC') or os.getcwd())
ap.add_argument('--accounts', type=int, default=1000000)
ap.add_argument('--requests', type=int, default=200)
args = ap.parse_args()

QUERY = """query Search($q: String!, $first: Int) { search(query: $q, first: $first) { totalCount
  edges { node { __typename ... on Account { id name } ... on Contact { id name account { id } }
  ... on ClientDocument { id title serialNumber } ... on Article { id title } } } } }"""
QUERIES = ["华东精密", "02150801234", "021-5080 1234", "sales@hdjm", "张伟", "精密机械有限公司1234"]


def run(cmd, **kw):
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        sys.exit(f"{cmd}: {r.stderr[-2000:]}")
    return r.stdout


with postgres("-c shared_buffers=512MB -c maintenance_work_mem=512MB -c work_mem=16MB") as (url, log):
    base = url.rsplit('/', 1)[0]
    psql = f"psql -X -q -v ON_ERROR_STOP=1 '{base}/postgres?sslmode=disable'"
    run(f"""{psql} -c "CREATE DATABASE search ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8' TEMPLATE template0" """)
    db = f"{base}/search?sslmode=disable"
    binary = os.path.join(os.path.abspath(args.src), "rapport-bench-server")
    run(f"go build -o {binary} ./server", cwd=args.src)
    env = dict(os.environ, DATABASE_URL=db, RAPPORT_JWT_SECRET="bench-secret-that-is-long-enough-for-hs256!!", RAPPORT_DEMO="false")
    run(f"{binary} migrate", env=env)
    run(f"{binary} org create perf Perf", env=env)
    org = run(f"psql -X -At '{db}' -c \"SELECT id FROM organizations WHERE slug = 'perf'\"").strip()
    t0 = time.time()
    run(f"psql -X -q '{db}' -v org={org} -v accounts={args.accounts} -f {HERE}/search-load.sql")
    print(f"loaded {args.accounts} accounts, {3 * args.accounts} contacts, trigram indexes and ANALYZE in {time.time() - t0:.0f} s")
    print(run(f"psql -X -At '{db}' -c \"SELECT show_trgm('华东精密') <> '{{}}', pg_size_pretty(pg_relation_size('account_search_text')), pg_size_pretty(pg_relation_size('contact_search_text'))\"").strip())
    port = free_port()
    server = subprocess.Popen([binary], env=dict(env, RAPPORT_ADDR=f"127.0.0.1:{port}", RAPPORT_LOG_LEVEL="warn"),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except Exception:
                time.sleep(0.2)
        secret = env["RAPPORT_JWT_SECRET"]
        users = {"admin": token("bench-admin", "perf", ["ADMIN"], secret=secret),
                 "account manager": token("am0042", "perf", ["ACCOUNT_MANAGER"], secret=secret)}

        def ask(tok, q):
            body = json.dumps({"query": QUERY, "variables": {"q": q, "first": 20}}).encode()
            req = urllib.request.Request(f"http://127.0.0.1:{port}/graphql", body,
                                         {"Content-Type": "application/json", "Authorization": "Bearer " + tok})
            start = time.perf_counter()
            with urllib.request.urlopen(req) as r:
                out = json.load(r)
            took = (time.perf_counter() - start) * 1000
            if out.get("errors"):
                sys.exit(f"{q}: {out['errors']}")
            return took, out["data"]["search"]["totalCount"]

        print(f"{'user':16} {'query':24} {'hits':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}")
        for who, tok in users.items():
            for q in QUERIES:
                for _ in range(5):
                    ask(tok, q)
                times, hits = [], 0
                for _ in range(args.requests):
                    took, hits = ask(tok, q)
                    times.append(took)
                times.sort()
                p50 = statistics.median(times)
                p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
                print(f"{who:16} {q:24} {hits:>8} {p50:>8.1f} {p99:>8.1f} {times[-1]:>8.1f}")
    finally:
        server.terminate()
        server.wait()
        os.remove(binary)
    for q in ["华东精密", "02150801234"]:
        like = q.replace("'", "''")
        print(f"\nEXPLAIN ANALYZE, accounts matching {q!r} (the admin's statement):")
        print(run(f"""psql -X -At '{db}' -c "EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM accounts WHERE organization_id = '{org}' AND search_text LIKE '%{like}%' ORDER BY CASE WHEN LOWER(name) LIKE '%{like}%' THEN 0 ELSE 1 END, LENGTH(name), id LIMIT 21" """))
    print("\nEXPLAIN ANALYZE, an account manager's contacts named 张伟… (a two-character search):")
    print(run(f"""psql -X -At '{db}' -c "EXPLAIN (ANALYZE, COSTS OFF) SELECT id FROM contacts WHERE organization_id = '{org}' AND SUBSTR(name, 1, 2) = '张伟' AND archived_at IS NULL AND account_id IN (SELECT id FROM accounts WHERE organization_id = '{org}' AND owner_id = 'USBENCH000042') ORDER BY CASE WHEN LOWER(name) LIKE '%张伟%' THEN 0 ELSE 1 END, LENGTH(name), id LIMIT 21" """))

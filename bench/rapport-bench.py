"""Rapport side by side with PostGraphile v4 and raw SQL, in one run, on ONE throwaway PostgreSQL
cluster (shared_buffers=512MB, fsync off, as peer-bench.py), on the same data.

  python3 rapport-bench.py [--src RAPPORT_CHECKOUT] [--duration 10] [--rounds 2]

RAPPORT_CHECKOUT defaults to $RAPPORT_SRC, else the current directory (run it from the project root).
Needs: go, wrk, pgbench/psql and the PostgreSQL 15 server binaries, and the peer installed
((cd peer && npm install) beside this file; wrk from Debian's packages). Takes about 4 minutes on 2 cores.

What it does:
  1. builds Rapport (`go build ./server`), `migrate`, `org create perf`, loads rapport-load.sql
     (100k accounts, 1000 owners x 100, tiers 20/40/40, 3 contacts each) into Rapport's tables
     and peer-schema.sql into schema peer, in the same database; VACUUM ANALYZE.
  2. starts Rapport (serve, RAPPORT_LOG_LEVEL=warn) and PostGraphile (as peer-bench.py does),
     and a second Rapport with RAPPORT_LOG_LEVEL=info to price the request log.
  3. checks that both answer the same 20 A-tier accounts by name for an owner, 3 contacts each.
  4. counts the SQL statements per request of each server (log_statement=all over 20 requests),
     and EXPLAIN ANALYZEs Rapport's statements of one request.
  5. wrk -t2 -cC -dDs --latency for C in 8, 32: Rapport, PostGraphile, Rapport, PostGraphile...
     rotating over 200 owners (200 Rapport tokens minted by `server token`, 200 owner ids);
     per run: rps, p50, p99, non-2xx, socket errors, bad 200 bodies, CPU per request of the
     server and of PostgreSQL, new PostgreSQL connections.
  6. peak RSS of each server; pgbench of the same query as raw SQL (raw-name.sql on the peer's
     tables, raw-rapport.sql on Rapport's); a summary table and the ratios.
"""
import argparse, concurrent.futures, json, os, re, resource, shutil, signal, statistics, subprocess, sys, tempfile, time
import urllib.error, urllib.request

HERE = os.path.dirname(os.path.realpath(__file__))
sys.path.insert(0, HERE)
from harness import postgres, free_port  # noqa: E402

sys.stdout.reconfigure(line_buffering=True)
ap = argparse.ArgumentParser()
ap.add_argument('--src', default=os.environ.get('RAPPORT_SRC') or os.getcwd())
ap.add_argument('--accounts', type=int, default=100000)
ap.add_argument('--duration', type=int, default=10)
ap.add_argument('--rounds', type=int, default=2, help='wrk runs per server and concurrency, alternating')
ap.add_argument('--owners', type=int, default=200, help='distinct owners (tokens) the load rotates over')
ap.add_argument('--no-info-run', action='store_true', help='skip the RAPPORT_LOG_LEVEL=info comparison')
args = ap.parse_args()
SRC = os.path.realpath(args.src)
SECRET = 'perf-secret-0123456789abcdef0123456789abcdef'
ORG = 'perf'
CLK = os.sysconf('SC_CLK_TCK')
T0 = time.time()


def say(*a):
    print(f'[{time.time() - T0:6.1f}s]', *a)


def die(msg):
    say('FAILED:', msg)
    sys.exit(1)


def run(cmd, **kw):
    return subprocess.run(cmd, text=True, capture_output=True, **kw)


# ---------------------------------------------------------------- processes and /proc

def all_ticks():
    """{pid: (comm, ppid, cpu ticks)} of every process on the machine."""
    out = {}
    for d in os.listdir('/proc'):
        if not d.isdigit():
            continue
        try:
            with open(f'/proc/{d}/stat') as f:
                head, rest = f.read().rsplit(')', 1)
            rest = rest.split()
        except (OSError, ValueError):
            continue
        out[int(d)] = (head.split('(', 1)[1], int(rest[1]), int(rest[11]) + int(rest[12]))
    return out


def busy_ticks():
    """Busy CPU ticks of the whole machine (all cores), from /proc/stat."""
    with open('/proc/stat') as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v[:8]) - v[3] - v[4]  # all but idle and iowait


def status_kb(pid, key):
    try:
        with open(f'/proc/{pid}/status') as f:
            for line in f:
                if line.startswith(key + ':'):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


def post(url, body, token=None, timeout=30):
    h = {'Content-Type': 'application/json'}
    if token:
        h['Authorization'] = 'Bearer ' + token
    req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        raw = e.read()
        try:
            return e.code, json.loads(raw)
        except ValueError:
            return e.code, {'raw': raw[:300].decode(errors='replace')}


class Proc:
    def __init__(self, name, cmd, env, logpath):
        self.name, self.logpath = name, logpath
        self.log = open(logpath, 'w')
        self.p = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def alive(self):
        return self.p.poll() is None

    def stop(self):
        if self.alive():
            self.p.send_signal(signal.SIGTERM)
            try:
                self.p.wait(15)
            except subprocess.TimeoutExpired:
                self.p.kill()
        self.log.close()

    def tail(self, n=2000):
        with open(self.logpath, errors='replace') as f:
            return f.read()[-n:]


# ---------------------------------------------------------------- the queries

RAPPORT_Q = ('query ATier { accounts(first: 20, where: {tier: A}, orderBy: {field: NAME, direction: ASC}) '
             '{ totalCount edges { node { id name tier owner { name } contacts { name isDecisionMaker } } } } }')
PEER_Q = ('query ATier($owner: BigInt!) { allAccounts(condition: {ownerId: $owner, tier: "A"}, orderBy: NAME_ASC, first: 20) '
          '{ totalCount edges { node { id name tier userByOwnerId { name } contactsByAccountId { nodes { name isDecisionMaker } } } } } }')


def rapport_page(body):
    """[(name, tier, owner, [(contact, dm)])], totalCount of a Rapport answer."""
    conn = body['data']['accounts']
    return [(e['node']['name'], e['node']['tier'], (e['node']['owner'] or {}).get('name'),
             sorted((c['name'], c['isDecisionMaker']) for c in e['node']['contacts'] or [])) for e in conn['edges']], conn['totalCount']


def peer_page(body):
    conn = body['data']['allAccounts']
    return [(e['node']['name'], e['node']['tier'], (e['node']['userByOwnerId'] or {}).get('name'),
             sorted((c['name'], c['isDecisionMaker']) for c in e['node']['contactsByAccountId']['nodes'])) for e in conn['edges']], conn['totalCount']


def check_page(what, rows, total, owner_name):
    probs = []
    if total != 20:
        probs.append(f'totalCount {total}')
    if len(rows) != 20:
        probs.append(f'{len(rows)} accounts')
    for name, tier, owner, contacts in rows:
        if tier != 'A' or owner != owner_name or len(contacts) != 3 or sum(dm for _, dm in contacts) != 1:
            probs.append(f'{name}: tier {tier} owner {owner} contacts {contacts}')
            break
    if [r[0] for r in rows] != sorted(r[0] for r in rows):
        probs.append('not ordered by name')
    if probs:
        die(f'{what}: ' + '; '.join(probs))


# ---------------------------------------------------------------- wrk and pgbench

def ms(v, unit):
    return float(v) * {'us': 0.001, 'ms': 1.0, 's': 1000.0, 'm': 60000.0}[unit]


def parse_wrk(out):
    r = {'rps': None, 'p50': None, 'p99': None, 'non2xx': 0, 'sockerr': '', 'bad': None, 'requests': None}
    for line in out.splitlines():
        s = line.strip()
        if s.startswith('Requests/sec:'):
            r['rps'] = float(s.split()[1])
        m = re.match(r'(50|99)%\s+([\d.]+)(us|ms|s|m)$', s)
        if m:
            r['p' + m.group(1)] = ms(m.group(2), m.group(3))
        if s.startswith('Non-2xx'):
            r['non2xx'] = int(s.split()[-1])
        if s.startswith('Socket errors'):
            r['sockerr'] = s.split(':', 1)[1].strip()
        m = re.match(r'(\d+) requests in', s)
        if m:
            r['requests'] = int(m.group(1))
        if s.startswith('Bad 200 bodies:'):
            r['bad'] = int(s.split()[-1])
    return r


def pgbench(url, script, c, dur, workdir):
    d = tempfile.mkdtemp(prefix='pgb-', dir=workdir)
    r = run(['pgbench', '-n', '-c', str(c), '-j', '2', '-T', str(dur), '-l', '-f', script, url], cwd=d)
    tps = lat = None
    for line in r.stdout.splitlines():
        if line.startswith('tps ='):
            tps = float(line.split()[2])
        if line.startswith('latency average'):
            lat = float(line.split()[3])
    fails = [l for l in r.stdout.splitlines() if 'failed' in l or 'aborted' in l]
    lats = []
    for f in os.listdir(d):
        with open(os.path.join(d, f)) as fh:
            lats += [int(l.split()[2]) / 1000.0 for l in fh if l.strip()]
    shutil.rmtree(d, ignore_errors=True)
    lats.sort()
    pct = lambda p: lats[min(len(lats) - 1, int(p / 100 * len(lats)))] if lats else None
    if r.returncode != 0 or tps is None:
        say(f'pgbench {os.path.basename(script)} c={c} failed rc={r.returncode}: {r.stderr[-500:]}')
    return {'rps': tps, 'p50': pct(50), 'p99': pct(99), 'avg': lat, 'fails': fails, 'n': len(lats)}


# ---------------------------------------------------------------- PostgreSQL log windows

PREFIX = re.compile(r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+ \S+ \[(\d+)\] app=(\S*) +(\w+):  (.*)$')


def log_entries(text):
    """[(pid, app, level, message)] with continuation lines joined."""
    out = []
    for line in text.splitlines():
        m = PREFIX.match(line)
        if m:
            out.append([int(m.group(1)), m.group(2), m.group(3), m.group(4)])
        elif out:
            out[-1][3] += '\n' + line
    return out


def statements(text):
    """Executed statements [(pid, sql, params)] of a log window (log_statement=all)."""
    out, last = [], {}
    for pid, app, level, msg in log_entries(text):
        if app.startswith('bench'):
            continue
        if level == 'LOG':
            m = re.match(r'(statement|execute [^:]*): (.*)$', msg, re.S)
            if m:
                out.append([pid, m.group(2).strip(), None])
                last[pid] = out[-1]
        elif level == 'DETAIL' and msg.startswith('parameters: ') and pid in last:
            last[pid][2] = msg[len('parameters: '):]
    return out


def params_of(detail):
    """{n: literal} from a 'parameters: $1 = '...', $2 = NULL' DETAIL."""
    return {int(m.group(1)): m.group(2) for m in re.finditer(r"\$(\d+) = ('(?:[^']|'')*'|NULL)", detail or '')}


def bind(sql, params):
    return re.sub(r'\$(\d+)\b', lambda m: params.get(int(m.group(1)), m.group(0)), sql)


def kind(sql):
    s = sql.lstrip().split(None, 1)[0].upper() if sql.strip() else '?'
    if s == 'SELECT':
        m = re.search(r'\bFROM\s+"?(\w+)"?(?:\s+AS\s+"?\w+"?)?', sql, re.I)
        if re.match(r'SELECT\s+COUNT', sql, re.I):
            return 'SELECT COUNT(*) FROM ' + (m.group(1) if m else '?')
        return 'SELECT FROM ' + (m.group(1) if m else '?')
    return s


# ---------------------------------------------------------------- main

def main():
    workdir = tempfile.mkdtemp(prefix='rapport-bench-')
    say('work dir', workdir, '| Rapport source', SRC)
    head = run(['git', '-C', SRC, 'log', '-1', '--format=%h %s']).stdout.strip()
    say('Rapport commit:', head)
    for tool in ('go', 'wrk', 'pgbench', 'psql'):
        if not shutil.which(tool):
            die(f'{tool} not found')
    postgraphile = os.path.join(HERE, 'peer', 'node_modules', '.bin', 'postgraphile')
    if not os.path.exists(postgraphile):
        die('PostGraphile is not installed: (cd bench/peer && npm install)')

    binary = os.path.join(workdir, 'rapport')
    t = time.time()
    r = run(['go', 'build', '-o', binary, './server'], cwd=SRC)
    if r.returncode:
        die('go build: ' + r.stderr[-1000:])
    say(f'go build {time.time() - t:.1f}s')

    procs = []
    with postgres('-c shared_buffers=512MB -c log_connections=on') as (url, pglog):
        datadir = os.path.join(os.path.dirname(pglog), 'data')
        with open(os.path.join(datadir, 'postmaster.pid')) as f:
            postmaster = int(f.readline())
        admin_env = dict(os.environ, PGAPPNAME='bench-admin')

        def psql(sql, *extra, check=True):
            r = run(['psql', url, '-X', '-At', '-v', 'ON_ERROR_STOP=1', *extra, '-c', sql], env=admin_env)
            if check and r.returncode:
                die(f'psql {sql[:80]!r}: {r.stderr[-500:]}')
            return r.stdout.strip()

        def reload(**settings):
            for k, v in settings.items():
                psql(f"alter system reset {k}" if v is None else f"alter system set {k} = '{v}'")
            psql('select pg_reload_conf()')
            time.sleep(1.0)

        reload(log_line_prefix='%m [%p] app=%a ')
        say('PostgreSQL', psql('show server_version'), '| shared_buffers', psql('show shared_buffers'),
            '| fsync', psql('show fsync'), '| lc_collate', psql("select datcollate from pg_database where datname = current_database()"))

        # PostGraphile has no rate limits: Rapport's are off unless the
        # environment sets them (to price them, set both very high).
        env = dict({'RAPPORT_RATE_LIMIT_USER': '0', 'RAPPORT_RATE_LIMIT_ORG': '0'}, **os.environ)
        env.update(DATABASE_URL=url, RAPPORT_JWT_SECRET=SECRET, RAPPORT_DEMO='false', RAPPORT_LOG_LEVEL='warn')
        say('rate limits per minute: user', env['RAPPORT_RATE_LIMIT_USER'], '| organisation', env['RAPPORT_RATE_LIMIT_ORG'])
        for cmd in (['migrate'], ['org', 'create', ORG, 'Perf Consulting']):
            r = run([binary, *cmd], env=env)
            if r.returncode:
                die(f'rapport {" ".join(cmd)}: {r.stderr or r.stdout}')
            say('rapport', *cmd, '->', r.stdout.strip())
        org_id = psql(f"select id from organizations where slug = '{ORG}'")
        say('column types:', psql("select string_agg(table_name || '.' || column_name || ' ' || data_type, ', ' order by table_name, ordinal_position) "
                                  "from information_schema.columns where table_schema = 'public' and table_name in ('users') and column_name in ('id','roles','last_seen_at')"))

        t = time.time()
        r = run(['psql', url, '-X', '-q', '-v', f'accounts={args.accounts}', '-v', f'org={org_id}',
                 '-f', os.path.join(HERE, 'rapport-load.sql')], env=admin_env)
        if r.returncode:
            die('rapport-load.sql: ' + r.stderr[-1000:])
        say(f'loaded Rapport tables in {time.time() - t:.1f}s')
        t = time.time()
        r = run(['psql', url, '-X', '-q', '-v', 'ON_ERROR_STOP=1', '-v', f'accounts={args.accounts}',
                 '-f', os.path.join(HERE, 'peer-schema.sql')], env=admin_env)
        if r.returncode:
            die('peer-schema.sql: ' + r.stderr[-1000:])
        say(f'loaded peer schema in {time.time() - t:.1f}s')
        t = time.time()
        psql('vacuum analyze')
        psql('checkpoint')
        say(f'vacuum analyze + checkpoint {time.time() - t:.1f}s')
        say('rows:', psql("select format('rapport users %s accounts %s (A %s) contacts %s (dm %s) | peer users %s accounts %s contacts %s', "
                          "(select count(*) from users), (select count(*) from accounts), (select count(*) from accounts where tier = 'A'), "
                          "(select count(*) from contacts), (select count(*) from contacts where is_decision_maker), "
                          "(select count(*) from peer.users), (select count(*) from peer.accounts), (select count(*) from peer.contacts))"))
        say('sizes:', psql("select string_agg(format('%s %s', c.oid::regclass, pg_size_pretty(pg_total_relation_size(c.oid))), ', ' order by c.oid::regclass::text) "
                           "from pg_class c join pg_namespace n on n.oid = c.relnamespace where c.relkind = 'r' and c.relname in ('accounts','contacts','users') and n.nspname in ('public','peer')"))

        owners = [1 + i * (args.accounts // 100 // args.owners) for i in range(args.owners)]
        t = time.time()

        def mint(n):
            r = run([binary, 'token', '--org', ORG, '--sub', f'am{n}', '--roles', 'ACCOUNT_MANAGER',
                     '--ttl', '8h', '--name', f'客户经理{n}'], env=env)
            if r.returncode:
                die('rapport token: ' + r.stderr)
            return r.stdout.strip()
        with concurrent.futures.ThreadPoolExecutor(4) as ex:
            tokens = list(ex.map(mint, owners))
        tokens_file = os.path.join(workdir, 'tokens.txt')
        owners_file = os.path.join(workdir, 'owners.txt')
        with open(tokens_file, 'w') as f:
            f.write('\n'.join(tokens) + '\n')
        with open(owners_file, 'w') as f:
            f.write('\n'.join(map(str, owners)) + '\n')
        say(f'{len(tokens)} tokens minted by `rapport token` in {time.time() - t:.1f}s; owners {owners[0]}, {owners[1]} ... {owners[-1]}')

        try:
            # ---------------------------------------------------- servers
            rport, iport, pport = free_port(), free_port(), free_port()
            rap = Proc('rapport', [binary, 'serve'], dict(env, RAPPORT_ADDR=f'127.0.0.1:{rport}'), os.path.join(workdir, 'rapport.log'))
            procs.append(rap)
            peer = Proc('postgraphile', [postgraphile, '-c', url, '-s', 'peer', '-p', str(pport), '-n', '127.0.0.1', '--disable-query-log'],
                        dict(os.environ, GRAPHILE_ENV='production'), os.path.join(workdir, 'peer.log'))
            procs.append(peer)
            rinfo = None
            if not args.no_info_run:
                rinfo = Proc('rapport-info', [binary, 'serve'], dict(env, RAPPORT_ADDR=f'127.0.0.1:{iport}', RAPPORT_LOG_LEVEL='info'),
                             os.path.join(workdir, 'rapport-info.log'))
                procs.append(rinfo)
            rurl, purl, iurl = f'http://127.0.0.1:{rport}/graphql', f'http://127.0.0.1:{pport}/graphql', f'http://127.0.0.1:{iport}/graphql'
            for p, u in ((rap, f'http://127.0.0.1:{rport}/healthz'), (peer, purl)) + (((rinfo, f'http://127.0.0.1:{iport}/healthz'),) if rinfo else ()):
                for _ in range(200):
                    if not p.alive():
                        die(f'{p.name} exited: {p.tail()}')
                    try:
                        urllib.request.urlopen(urllib.request.Request(u, data=b'{"query":"{__typename}"}' if p is peer else None,
                                                                      headers={'Content-Type': 'application/json'}), timeout=2).read()
                        break
                    except urllib.error.HTTPError:
                        break
                    except Exception:
                        time.sleep(0.3)
                else:
                    die(f'{p.name} did not answer: {p.tail()}')
            say(f'servers up: rapport pid {rap.p.pid} ({rurl}), postgraphile pid {peer.p.pid} ({purl})' + (f', rapport-info pid {rinfo.p.pid}' if rinfo else ''))
            idle_rss = {p.name: status_kb(p.p.pid, 'VmRSS') for p in procs}

            # ---------------------------------------------------- same answers
            for i, n in enumerate(owners[:3]):
                code, rb = post(rurl, {'query': RAPPORT_Q}, tokens[i])
                if code != 200 or rb.get('errors'):
                    die(f'rapport answered {code}: {json.dumps(rb, ensure_ascii=False)[:600]}\n{rap.tail()}')
                code, pb = post(purl, {'query': PEER_Q, 'variables': {'owner': str(n)}})
                if code != 200 or pb.get('errors'):
                    die(f'postgraphile answered {code}: {json.dumps(pb, ensure_ascii=False)[:600]}')
                rrows, rtotal = rapport_page(rb)
                prows, ptotal = peer_page(pb)
                check_page(f'rapport owner {n}', rrows, rtotal, f'客户经理{n}')
                check_page(f'postgraphile owner {n}', prows, ptotal, f'客户经理{n}')
                if rrows != prows:
                    die(f'owner {n}: the two servers disagree:\n{rrows[:3]}\n{prows[:3]}')
                if i == 0:
                    say('sample Rapport answer (owner 1, 2 of 20 edges):', json.dumps(
                        {'totalCount': rb['data']['accounts']['totalCount'], 'edges': rb['data']['accounts']['edges'][:2]}, ensure_ascii=False))
                    say('sample PostGraphile answer (owner 1, 2 of 20 edges):', json.dumps(
                        {'totalCount': pb['data']['allAccounts']['totalCount'], 'edges': pb['data']['allAccounts']['edges'][:2]}, ensure_ascii=False))
            say('checked owners', owners[:3], ': both answer the same 20 A-tier accounts by name, 3 contacts each, 1 decision maker each')
            if rinfo:
                code, ib = post(iurl, {'query': RAPPORT_Q}, tokens[0])
                if code != 200 or ib.get('errors') or rapport_page(ib) != rapport_page(post(rurl, {'query': RAPPORT_Q}, tokens[0])[1]):
                    die(f'rapport-info answered {code}: {json.dumps(ib, ensure_ascii=False)[:300]}')

            # ---------------------------------------------------- statements per request
            def window(fn):
                reload(log_statement='all')
                with open(pglog, 'rb') as f:
                    f.seek(0, 2)
                    start = f.tell()
                fn()
                time.sleep(0.5)
                reload(log_statement=None)
                with open(pglog, 'rb') as f:
                    f.seek(start)
                    return f.read().decode('utf-8', errors='replace')

            sample = list(range(20, 40))  # owners not used above
            for i in sample:  # warm both
                post(rurl, {'query': RAPPORT_Q}, tokens[i])
                post(purl, {'query': PEER_Q, 'variables': {'owner': str(owners[i])}})
            rtext = window(lambda: [post(rurl, {'query': RAPPORT_Q}, tokens[i]) for i in sample])
            ptext = window(lambda: [post(purl, {'query': PEER_Q, 'variables': {'owner': str(owners[i])}}) for i in sample])
            stmt_report = {}
            for name, text in (('Rapport', rtext), ('PostGraphile', ptext)):
                st = statements(text)
                kinds = {}
                for _, sql, _ in st:
                    kinds[kind(sql)] = kinds.get(kind(sql), 0) + 1
                conns = len([e for e in log_entries(text) if 'connection authorized' in e[3]])
                stmt_report[name] = len(st) / len(sample)
                say(f'{name}: {len(st)} statements for {len(sample)} requests = {len(st) / len(sample):.2f} per request; '
                    f'{len(set(p for p, _, _ in st))} distinct backends; {conns} new connections; by kind (per request): '
                    + ', '.join(f'{k} {v / len(sample):g}' for k, v in sorted(kinds.items(), key=lambda kv: -kv[1])))
            # Rapport's statements of one request, with parameters, and their plans
            st = statements(rtext)
            groups, cur = [], []
            # A request starts where the statement that opened the log window
            # comes again (the organisation lookup, until authentication
            # came from a cache; the page itself since).
            opener = kind(st[0][1]) if st else None
            for s in st:
                if kind(s[1]) == opener and cur:
                    groups.append(cur)
                    cur = []
                cur.append(s)
            groups.append(cur)
            def explain(sql, detail):
                """The plan of sql with its logged parameters, in a session that ran it 3 times first
                (as a pooled connection has: warm catalog caches); (plan, planning ms, execution ms)."""
                bound = bind(sql, params_of(detail)).rstrip().rstrip(';')
                r = run(['psql', url, '-X', '-At', '-v', 'ON_ERROR_STOP=1'], env=admin_env,
                        input='\\o /dev/null\n' + (bound + ';\n') * 3 + '\\o\nexplain (analyze, buffers) ' + bound + ';\n')
                plan = r.stdout + r.stderr
                pt = re.search(r'Planning Time: ([\d.]+) ms', plan)
                et = re.search(r'Execution Time: ([\d.]+) ms', plan)
                return plan, float(pt.group(1)) if pt else 0.0, float(et.group(1)) if et else 0.0

            say(f'Rapport: {len(groups)} requests seen in the log; statements of the last one, each with '
                'EXPLAIN (ANALYZE, BUFFERS) in a warm session:')
            tot_p = tot_e = 0.0
            for j, (pid, sql, detail) in enumerate(groups[-1], 1):
                print(f'\n--- Rapport statement {j} (backend {pid}):\n{sql}\n    params: {detail}')
                if sql.lstrip().upper().startswith('SELECT'):
                    plan, pt, et = explain(sql, detail)
                    tot_p, tot_e = tot_p + pt, tot_e + et
                    print('\n'.join('    ' + l for l in plan.splitlines()))
            say(f'Rapport, one request: planning {tot_p:.3f} ms + execution {tot_e:.3f} ms over {len(groups[-1])} statements')
            psql_p = statements(ptext)
            per = max(1, int(round(len(psql_p) / len(sample))))
            tot_p = tot_e = 0.0
            for pid, sql, detail in psql_p[-per:]:
                print(f'\n--- PostGraphile statement (backend {pid}):\n{sql}\n    params: {detail}')
                if sql.lstrip().lower().startswith(('select', 'with')):
                    plan, pt, et = explain(sql, detail)
                    tot_p, tot_e = tot_p + pt, tot_e + et
                    print('\n'.join('    ' + l for l in plan.splitlines()))
            say(f'PostGraphile, one request: planning {tot_p:.3f} ms + execution {tot_e:.3f} ms over {per} statement(s)')
            print()

            # ---------------------------------------------------- load
            rtok = os.path.join(HERE, 'rapport.lua')
            plua = os.path.join(HERE, 'peer-name.lua')
            servers = {'Rapport': (rap, rurl, rtok, tokens_file), 'PostGraphile': (peer, purl, plua, owners_file)}
            if rinfo:
                servers['Rapport(info log)'] = (rinfo, iurl, rtok, tokens_file)

            def wrk(name, c, dur):
                p, u, lua, data = servers[name]
                logpos = os.path.getsize(pglog)
                snap0 = all_ticks()
                ru0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                busy0, wall0 = busy_ticks(), time.time()
                applog0 = os.path.getsize(p.logpath)
                r = run(['wrk', '-t2', f'-c{c}', f'-d{dur}s', '--latency', '-s', lua, u, '--', data])
                ru1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                busy1, wall1 = busy_ticks(), time.time()
                snap1 = all_ticks()
                ended = time.strftime('%H:%M:%S', time.gmtime())
                res = parse_wrk(r.stdout)
                if r.returncode or res['rps'] is None:
                    die(f'wrk {name} c={c}: rc {r.returncode} {r.stdout[-800:]} {r.stderr[-800:]}')
                n = res['requests'] or 1
                delta = {pid: (comm, ppid, t - snap0.get(pid, ('', 0, 0))[2]) for pid, (comm, ppid, t) in snap1.items()}
                srv = delta.get(p.p.pid, ('', 0, 0))[2]
                pg = sum(t for pid, (comm, ppid, t) in delta.items() if pid == postmaster or ppid == postmaster)
                res['srv_ms'] = srv / CLK * 1000 / n
                res['pg_ms'] = pg / CLK * 1000 / n
                res['wrk_ms'] = ((ru1.ru_utime + ru1.ru_stime) - (ru0.ru_utime + ru0.ru_stime)) * 1000 / n
                others = sorted(((t, comm) for pid, (comm, ppid, t) in delta.items()
                                 if pid not in (p.p.pid, postmaster) and ppid != postmaster and t > 0), reverse=True)
                res['others'] = sum(t for t, _ in others) / CLK / (time.time() - wall0) * 100
                res['others_top'] = ', '.join(f'{c} {t / CLK:.2f}s' for t, c in others[:3])
                with open(pglog, 'rb') as f:
                    f.seek(logpos)
                    plog = f.read().decode('utf-8', errors='replace')
                res['busy'] = (busy1 - busy0) / CLK / (wall1 - wall0) / os.cpu_count() * 100
                res['newconn'] = plog.count('connection authorized')
                res['pgerr'] = [l for l in plog.splitlines() if re.search(r' (ERROR|FATAL|PANIC):', l)][:5]
                res['applog_b'] = os.path.getsize(p.logpath) - applog0
                if not p.alive():
                    die(f'{name} died under load: {p.tail()}')
                say(f'{name:18s} c={c:<3d} {res["rps"]:8.1f} rps  p50 {res["p50"]:7.2f} ms  p99 {res["p99"]:7.2f} ms  '
                    f'non-2xx {res["non2xx"]}  bad-200 {res["bad"]}  sockerr [{res["sockerr"]}]  '
                    f'cpu/req: server {res["srv_ms"]:.2f} ms, postgres {res["pg_ms"]:.2f} ms, wrk {res["wrk_ms"]:.2f} ms  '
                    f'new pg conns {res["newconn"]}  app log {res["applog_b"]} B  machine busy {res["busy"]:.0f}%; other processes {res["others"]:.0f}% of a core ({res["others_top"]}); ended {ended} UTC' + (f'  PG errors: {res["pgerr"]}' if res['pgerr'] else ''))
                if res['non2xx'] or res['bad'] or res['sockerr']:
                    say(f'{name} server log tail:\n{p.tail(3000)}')
                return res

            say(f'load: wrk -t2 -cC -d{args.duration}s --latency -s rapport.lua {rurl} -- TOKENS  |  wrk ... -s peer-name.lua {purl} -- OWNERS')
            say('warm-up: 5 s each at c=8 (not counted)')
            for name in servers:
                wrk(name, 8, 5)
            results = {}
            for c in (8, 32):
                for rnd in range(args.rounds):
                    for name in ('Rapport', 'PostGraphile'):
                        results.setdefault((name, c), []).append(wrk(name, c, args.duration))
                    if rinfo and c == 8:
                        results.setdefault(('Rapport(info log)', c), []).append(wrk('Rapport(info log)', c, args.duration))
            rss = {p.name: (status_kb(p.p.pid, 'VmHWM'), status_kb(p.p.pid, 'VmRSS'), idle_rss.get(p.name)) for p in procs}
            threads = status_kb(rap.p.pid, 'Threads')
            errlines = {p.name: [l for l in open(p.logpath, errors='replace') if re.search(r'level=(ERROR|WARN)|"level":"(ERROR|WARN)"|error', l, re.I)][:10]
                        for p in procs}
        finally:
            for p in procs:
                p.stop()
        say('servers stopped')
        for name, (hwm, now_, idle) in rss.items():
            say(f'{name}: peak RSS (VmHWM) {hwm / 1024:.1f} MiB, RSS at end {now_ / 1024:.1f} MiB, RSS idle after start {idle / 1024:.1f} MiB')
        say(f'Rapport threads at end: {threads}')
        for name, lines in errlines.items():
            say(f'{name}: log lines with error/warn: {len(lines)}' + ''.join('\n    ' + l.rstrip()[:400] for l in lines))

        say(f'raw SQL: pgbench -n -c C -j 2 -T {args.duration} -l -f raw-name.sql | raw-rapport.sql (simple protocol, one connection per client)')
        raw = {}
        for c in (8, 32):
            for rnd in range(args.rounds):
                for name, script in (('raw SQL (peer tables)', 'raw-name.sql'), ('raw SQL (Rapport tables)', 'raw-rapport.sql')):
                    res = pgbench(url, os.path.join(HERE, script), c, args.duration, workdir)
                    raw.setdefault((name, c), []).append(res)
                    say(f'{name:24s} c={c:<3d} {res["rps"]:8.1f} tps  p50 {res["p50"]:.2f} ms  p99 {res["p99"]:.2f} ms  avg {res["avg"]} ms  '
                        f'{res["n"]} tx' + (f'  {res["fails"]}' if res['fails'] else ''))
        results.update(raw)
        shutil.copy(pglog, os.path.join(workdir, 'postgresql.log'))

    # -------------------------------------------------------- summary
    def agg(rs, k):
        vals = [r[k] for r in rs if r.get(k) is not None]
        return statistics.mean(vals) if vals else None

    print()
    print(f'Summary (mean of {args.rounds} runs of {args.duration} s each; wrk -t2 --latency; pgbench -j 2; 2-core machine, all on loopback)')
    print(f'{"":26s} {"c":>3s} {"rps":>9s} {"p50 ms":>8s} {"p99 ms":>8s} {"non-2xx":>8s} {"bad":>5s} {"srv ms/req":>10s} {"pg ms/req":>9s}  runs (rps)')
    order = ['Rapport', 'PostGraphile', 'Rapport(info log)', 'raw SQL (peer tables)', 'raw SQL (Rapport tables)']
    for c in (8, 32):
        for name in order:
            rs = results.get((name, c))
            if not rs:
                continue
            f = lambda v, fmt: format(v, fmt) if v is not None else '-'
            print(f'{name:26s} {c:3d} {f(agg(rs, "rps"), "9.1f")} {f(agg(rs, "p50"), "8.2f")} {f(agg(rs, "p99"), "8.2f")} '
                  f'{f(sum(r.get("non2xx", 0) for r in rs), "8d")} {f(sum(r.get("bad") or 0 for r in rs), "5d")} '
                  f'{f(agg(rs, "srv_ms"), "10.2f")} {f(agg(rs, "pg_ms"), "9.2f")}  ' + ' / '.join(f'{r["rps"]:.0f}' for r in rs))
    print()
    for c in (8, 32):
        R, P, S, SR = (results.get((n, c)) for n in ('Rapport', 'PostGraphile', 'raw SQL (peer tables)', 'raw SQL (Rapport tables)'))
        if R and P:
            print(f'c={c}: Rapport/PostGraphile: rps {agg(R, "rps") / agg(P, "rps"):.2f}x, p50 {agg(R, "p50") / agg(P, "p50"):.2f}x, p99 {agg(R, "p99") / agg(P, "p99"):.2f}x')
            for n, X in (('raw SQL (peer tables)', S), ('raw SQL (Rapport tables)', SR)):
                if X:
                    print(f'c={c}: Rapport/{n}: rps {agg(R, "rps") / agg(X, "rps"):.3f}x, p99 {agg(R, "p99") / agg(X, "p99"):.1f}x;  '
                          f'PostGraphile/{n}: rps {agg(P, "rps") / agg(X, "rps"):.3f}x, p99 {agg(P, "p99") / agg(X, "p99"):.1f}x')
        I = results.get(('Rapport(info log)', c))
        if I and R:
            print(f'c={c}: Rapport with RAPPORT_LOG_LEVEL=info / warn: rps {agg(I, "rps") / agg(R, "rps"):.3f}x, '
                  f'p99 {agg(I, "p99") / agg(R, "p99"):.2f}x, server CPU/request {agg(I, "srv_ms"):.2f} vs {agg(R, "srv_ms"):.2f} ms')
    print('statements per request: ' + ', '.join(f'{k} {v:.2f}' for k, v in stmt_report.items()))
    print('peak RSS: ' + ', '.join(f'{k} {v[0] / 1024:.1f} MiB' for k, v in rss.items()))
    say('done; work dir (binary, server logs, tokens):', workdir)


if __name__ == '__main__':
    main()

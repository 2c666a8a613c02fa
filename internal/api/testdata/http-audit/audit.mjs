// Runs graphql-http's GraphQL-over-HTTP server audit against a Rapport
// endpoint and prints every result as JSON, one per line:
//   node audit.mjs http://127.0.0.1:8080/graphql TOKEN
// The token goes in the Authorization header of every request, as a
// signed-in portal's would (an anonymous request is UNAUTHENTICATED).
import { auditServer } from 'graphql-http';

const [url, token] = process.argv.slice(2);
if (!url || !token) {
  console.error('usage: node audit.mjs URL TOKEN');
  process.exit(2);
}
const fetchFn = (input, init = {}) => {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${token}`);
  return fetch(input, { ...init, headers });
};
const results = await auditServer({ url, fetchFn });
for (const r of results) {
  const out = { id: r.id, name: r.name, status: r.status };
  if (r.status !== 'ok') {
    out.reason = r.reason;
    out.httpStatus = r.response.status;
    out.body = (await r.response.text()).slice(0, 300);
  }
  console.log(JSON.stringify(out));
}

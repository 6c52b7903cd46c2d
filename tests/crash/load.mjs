// Load client for the crash test. Plain global fetch, no dependencies.
//
//   node load.mjs load   URL WRITEKEY ACK_FILE ATTEMPT_FILE
//     Posts /v1/batch requests of BATCH_SIZE track events, CONCURRENCY in flight,
//     until the server goes away (network error), MAX_BATCHES were sent, or
//     LOAD_SECONDS passed. Before a batch is sent its number is appended to
//     ATTEMPT_FILE; only after HTTP 200 {"success":true} is one line with the
//     batch's messageIds (space separated) appended to ACK_FILE. Both appends
//     are synchronous, so whatever is in ACK_FILE really was acknowledged.
//
//   node load.mjs resend URL WRITEKEY ATTEMPT_FILE
//     Re-sends every batch listed in ATTEMPT_FILE (acknowledged or not), as a
//     client retrying after a crash would, byte-for-byte the same events.
//     Exits 0 only if every one of them got HTTP 200 {"success":true}.
//
// Event bodies are a pure function of (batch, index), so a re-send carries the
// same messageIds, timestamps and properties as the original attempt.
import fs from 'node:fs';

const BATCH_SIZE = 100;
const CONCURRENCY = 4;
const MAX_BATCHES = 5000;
const LOAD_SECONDS = 25;
const REQUEST_TIMEOUT_MS = 8000;
const USERS = 5;
const BASE_TIME = Date.UTC(2026, 0, 1, 0, 0, 0);

function log(msg) {
  console.error(`load.mjs: ${msg}`);
}

function messageId(batch, i) {
  return `crash-${batch}-${i}`;
}

function buildBatch(batch) {
  const events = [];
  for (let i = 0; i < BATCH_SIZE; i++) {
    const n = batch * BATCH_SIZE + i;
    events.push({
      type: 'track',
      messageId: messageId(batch, i),
      userId: `crash-user-${n % USERS}`,
      event: 'Email Opened',
      properties: { batch, index: i, campaign: 'crash-test' },
      context: { channel: 'email' },
      timestamp: new Date(BASE_TIME + n * 1000).toISOString(),
    });
  }
  return events;
}

async function post(url, auth, batch) {
  const body = JSON.stringify({ batch: buildBatch(batch), sentAt: new Date().toISOString() });
  const res = await fetch(`${url}/v1/batch`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: auth },
    body,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await res.text();
  let ok = false;
  if (res.status === 200) {
    try {
      ok = JSON.parse(text).success === true;
    } catch {
      ok = false;
    }
  }
  return { ok, status: res.status, text: text.slice(0, 200) };
}

function describe(err) {
  const cause = err && err.cause ? ` (${err.cause.code || err.cause.message || err.cause})` : '';
  return `${err && err.name ? err.name : 'Error'}: ${err && err.message ? err.message : err}${cause}`;
}

async function load(url, auth, ackFile, attemptFile) {
  const ackFd = fs.openSync(ackFile, 'a');
  const attemptFd = fs.openSync(attemptFile, 'a');
  const stopAt = Date.now() + LOAD_SECONDS * 1000;
  let next = 0;
  let stop = false;
  const stats = { acked: 0, rejected: 0, networkErrors: 0 };
  const statuses = {};

  async function worker(id) {
    while (!stop && next < MAX_BATCHES && Date.now() < stopAt) {
      const batch = next++;
      fs.writeSync(attemptFd, `${batch}\n`);
      let r;
      try {
        r = await post(url, auth, batch);
      } catch (err) {
        // Expected once the server is killed: the request that was in flight dies.
        stats.networkErrors++;
        log(`worker ${id}: batch ${batch} not acknowledged: ${describe(err)}`);
        stop = true;
        return;
      }
      if (r.ok) {
        const ids = [];
        for (let i = 0; i < BATCH_SIZE; i++) ids.push(messageId(batch, i));
        fs.writeSync(ackFd, `${ids.join(' ')}\n`);
        stats.acked++;
      } else {
        stats.rejected++;
        statuses[r.status] = (statuses[r.status] || 0) + 1;
        if (stats.rejected <= 5) log(`worker ${id}: batch ${batch} got HTTP ${r.status}: ${r.text}`);
      }
    }
  }

  await Promise.all(Array.from({ length: CONCURRENCY }, (_, i) => worker(i)));
  fs.closeSync(ackFd);
  fs.closeSync(attemptFd);
  log(`attempted=${next} acked=${stats.acked} rejected=${stats.rejected} ${JSON.stringify(statuses)} ` +
      `network_errors=${stats.networkErrors}`);
  // One machine-readable summary line for run.sh.
  process.stdout.write(`${JSON.stringify({ attempted: next, ...stats, statuses })}\n`);
  return 0;
}

async function resend(url, auth, attemptFile) {
  const batches = [...new Set(fs.readFileSync(attemptFile, 'utf8').split('\n').filter(Boolean).map(Number))];
  let next = 0;
  let ok = 0;
  let failed = 0;
  async function worker() {
    while (next < batches.length) {
      const batch = batches[next++];
      let r;
      // A retrying client: up to 3 tries on network errors.
      for (let attempt = 1; attempt <= 3; attempt++) {
        try {
          r = await post(url, auth, batch);
          break;
        } catch (err) {
          r = { ok: false, status: 0, text: describe(err) };
          if (attempt < 3) await new Promise((res) => setTimeout(res, 200));
        }
      }
      if (r.ok) {
        ok++;
      } else {
        failed++;
        if (failed <= 5) log(`resend of batch ${batch} failed: HTTP ${r.status}: ${r.text}`);
      }
    }
  }
  await Promise.all(Array.from({ length: CONCURRENCY }, () => worker()));
  log(`resent=${batches.length} ok=${ok} failed=${failed}`);
  process.stdout.write(`${JSON.stringify({ resent: batches.length, ok, failed })}\n`);
  return failed === 0 ? 0 : 1;
}

const [mode, url, writeKey, ...files] = process.argv.slice(2);
if (!url || !writeKey || (mode === 'load' && files.length !== 2) || (mode === 'resend' && files.length !== 1) ||
    (mode !== 'load' && mode !== 'resend')) {
  console.error('usage: node load.mjs load URL WRITEKEY ACK_FILE ATTEMPT_FILE\n' +
                '       node load.mjs resend URL WRITEKEY ATTEMPT_FILE');
  process.exit(2);
}
const auth = `Basic ${Buffer.from(`${writeKey}:`).toString('base64')}`;
const code = mode === 'load' ? await load(url, auth, files[0], files[1]) : await resend(url, auth, files[0]);
process.exit(code);

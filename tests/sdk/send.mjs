// Drives the real vendor server-side SDKs against a running unisono server.
//
// Usage: node send.mjs URL WRITEKEY [RUN_ID]
//   URL      e.g. http://127.0.0.1:PORT (no trailing slash needed; both SDKs strip one)
//   WRITEKEY write key the server was started with
//   RUN_ID   optional suffix that makes the generated ids unique per run
//
// For each SDK it sends, for one anonymous visitor: page, track (with
// context.channel = "web"), then identify (userId + traits.email/name, same
// anonymousId). Each SDK gets its own visitor/user. On success it prints one
// JSON line per SDK to stdout (the manifest run.sh checks against) and exits 0;
// any delivery error, or not finishing within the deadline, exits 1.
//
// What the SDKs actually put on the wire (read from their code in
// node_modules, and confirmed against a capturing HTTP listener):
//
// @segment/analytics-node 3.x
//   POST {host}/v1/batch  (URL = new URL('/v1/batch', host); path option overrides)
//   Authorization: Basic base64("WRITEKEY:")   (empty password)
//   Content-Type: application/json             (NOT compressed, no Content-Encoding)
//   User-Agent: analytics-node-next/latest; X-Retry-Count: N on retries
//   Body: {"batch":[event...],"writeKey":"WRITEKEY","sentAt":"ISO"}  (writeKey also in body)
//   Each event: type, messageId ("node-next-<ms>-<uuid>"), timestamp (ISO, always set),
//     userId/anonymousId, event/name/properties/traits, context (user's context merged
//     with context.library {name:"@segment/analytics-node",version}), integrations:{},
//     _metadata {nodeVersion, jsRuntime}. page has "name"/"category" when given,
//     "properties" always. identify has "traits" (top level only).
//   2xx/3xx = delivered; 400 and most 4xx = dropped, no retry; 5xx/408/410/429/460 and
//   network errors are retried with backoff (maxRetries, default 10).
//
// @rudderstack/rudder-sdk-node 3.x (uses axios)
//   POST {dataPlaneUrl}/v1/batch  (trailing slash on dataPlaneUrl is stripped)
//   Authorization: Basic base64("WRITEKEY:")   (axios auth {username}, empty password)
//   Content-Encoding: gzip BY DEFAULT (gzip:false disables it); the body is gzip of the JSON.
//   Content-Type: application/x-www-form-urlencoded (!) when gzipped -- axios's default for
//     a raw Buffer body; the body is still gzipped JSON, so the server must decide by
//     Content-Encoding and parse JSON regardless of Content-Type. (Without gzip axios
//     sends application/json.)
//   User-Agent: analytics-node/<version>; Accept: application/json, text/plain, */*
//   Body: {"batch":[event...],"timestamp":"ISO","sentAt":"ISO"}   (no writeKey in body)
//   Each event: type, messageId (plain uuid v4), originalTimestamp (ISO) and sentAt
//     (ISO) -- NO "timestamp" unless the caller gives one --, top-level
//     "channel":"server" (always; the caller's channel is context.channel), context with
//     context.library {name:"analytics-node",version}, _metadata {nodeVersion}.
//     identify: traits are sent both as "traits" and copied to "context.traits".
//   The very first event after construction is flushed on its own immediately
//   (a one-event batch); later events are batched up to flushAt / flushInterval.
//   Any HTTP 2xx = delivered; 5xx/429/network errors are retried (retryCount, default 3).
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { Analytics: SegmentAnalytics } = require('@segment/analytics-node');
const RudderAnalytics = require('@rudderstack/rudder-sdk-node');

const [url, writeKey, runArg] = process.argv.slice(2);
if (!url || !writeKey) {
  console.error('usage: node send.mjs URL WRITEKEY [RUN_ID]');
  process.exit(2);
}
const runId = runArg || `${Date.now()}-${process.pid}`;
const DEADLINE_MS = 30000;

const deadline = setTimeout(() => {
  console.error(`send.mjs: FAIL: SDKs did not finish delivering within ${DEADLINE_MS} ms`);
  process.exit(1);
}, DEADLINE_MS);

function log(msg) {
  console.error(`send.mjs: ${msg}`);
}

function visitor(sdk) {
  return {
    sdk,
    anonymousId: `anon-${sdk}-${runId}`,
    userId: `user-${sdk}-${runId}`,
    email: `${sdk}-${runId}@example.com`,
    name: `${sdk === 'segment' ? 'Sega' : 'Rudy'} Tester`,
    event: 'Signed Up',
    pageName: 'Pricing',
    channel: 'web',
    messageIds: {},
  };
}

// Wraps an SDK per-call callback so every delivery outcome is recorded.
function tracker(v, kind, errors) {
  let resolve;
  const done = new Promise((r) => {
    resolve = r;
  });
  return {
    done,
    cb: (err, ctx) => {
      if (err) {
        errors.push(`${v.sdk} ${kind}: ${err && err.message ? err.message : String(err)}`);
      }
      // Segment passes the delivered Context; its event carries the generated messageId.
      if (ctx && ctx.event && ctx.event.messageId && !v.messageIds[kind]) {
        v.messageIds[kind] = ctx.event.messageId;
      }
      if (!err && ctx && typeof ctx.failedDelivery === 'function' && ctx.failedDelivery()) {
        const reason = ctx.failedDelivery().reason;
        errors.push(`${v.sdk} ${kind}: failed delivery: ${reason && reason.message ? reason.message : reason}`);
      }
      resolve();
    },
  };
}

async function runSegment() {
  const v = visitor('segment');
  const errors = [];
  const analytics = new SegmentAnalytics({
    writeKey,
    host: url,
    maxEventsInBatch: 10, // all three events go out together as one /v1/batch request
    flushInterval: 1000,
    maxRetries: 2,
    httpRequestTimeout: 5000,
  });
  analytics.on('error', (err) => {
    errors.push(`segment emitter error: ${err && err.reason ? err.reason : JSON.stringify(err)}`);
  });
  analytics.on('http_response', (r) => {
    log(`segment POST ${r.url} -> HTTP ${r.status}`);
    if (r.status < 200 || r.status >= 300) errors.push(`segment: HTTP ${r.status} from ${r.url}`);
  });

  const page = tracker(v, 'page', errors);
  analytics.page({
    anonymousId: v.anonymousId,
    name: v.pageName,
    properties: { path: '/pricing', url: 'https://shop.example.com/pricing' },
  }, page.cb);
  const track = tracker(v, 'track', errors);
  analytics.track({
    anonymousId: v.anonymousId,
    event: v.event,
    properties: { plan: 'pro' },
    context: { channel: v.channel },
  }, track.cb);
  const identify = tracker(v, 'identify', errors);
  analytics.identify({
    anonymousId: v.anonymousId,
    userId: v.userId,
    traits: { email: v.email, name: v.name },
  }, identify.cb);

  await analytics.closeAndFlush({ timeout: 20000 });
  await Promise.all([page.done, track.done, identify.done]);
  for (const kind of ['page', 'track', 'identify']) {
    if (!v.messageIds[kind]) errors.push(`segment ${kind}: no messageId captured`);
  }
  return { v, errors };
}

async function runRudder() {
  const v = visitor('rudder');
  const errors = [];
  // Rudder accepts caller-supplied messageIds; use the same shape it would generate.
  v.messageIds = { page: randomUUID(), track: randomUUID(), identify: randomUUID() };
  const client = new RudderAnalytics(writeKey, {
    dataPlaneUrl: `${url}/`, // trailing slash on purpose: the SDK must strip it
    flushAt: 10,
    flushInterval: 1000,
    retryCount: 2,
    timeout: '5s',
    logLevel: 'error',
    // gzip left at its default (true): the server must accept Content-Encoding: gzip.
    errorHandler: (err) => {
      const status = err && err.response ? `HTTP ${err.response.status}` : (err && err.code) || String(err);
      errors.push(`rudder request error: ${status}`);
    },
  });

  const page = tracker(v, 'page', errors);
  client.page({
    anonymousId: v.anonymousId,
    name: v.pageName,
    properties: { path: '/pricing', url: 'https://shop.example.com/pricing' },
    messageId: v.messageIds.page,
  }, page.cb);
  const track = tracker(v, 'track', errors);
  client.track({
    anonymousId: v.anonymousId,
    event: v.event,
    properties: { plan: 'pro' },
    context: { channel: v.channel },
    messageId: v.messageIds.track,
  }, track.cb);
  const identify = tracker(v, 'identify', errors);
  client.identify({
    anonymousId: v.anonymousId,
    userId: v.userId,
    traits: { email: v.email, name: v.name },
    messageId: v.messageIds.identify,
  }, identify.cb);

  await new Promise((resolve) => {
    client.flush((err) => {
      if (err) errors.push(`rudder flush: ${err.message || err}`);
      resolve();
    });
  }).catch((err) => errors.push(`rudder flush threw: ${err.message || err}`));
  await Promise.all([page.done, track.done, identify.done]);
  return { v, errors };
}

let failed = false;
for (const run of [runSegment, runRudder]) {
  let result;
  try {
    result = await run();
  } catch (err) {
    log(`FAIL: ${run.name} threw: ${err && err.stack ? err.stack : err}`);
    failed = true;
    continue;
  }
  const { v, errors } = result;
  if (errors.length) {
    failed = true;
    for (const e of errors) log(`FAIL: ${e}`);
  } else {
    log(`${v.sdk}: delivered page/track/identify (${['page', 'track', 'identify'].map((k) => v.messageIds[k]).join(', ')})`);
  }
  process.stdout.write(`${JSON.stringify(v)}\n`);
}
clearTimeout(deadline);
process.exit(failed ? 1 : 0);

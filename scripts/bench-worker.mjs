// The Worker `BENCH_INSPECTOR=off npm run bench` measures: `wrangler dev` without its DevTools inspector.
//
// `wrangler dev` always starts an inspector proxy. It subscribes to the runtime's Network and
// Runtime events and hands every one (each D1 call with its response body, each log line) to
// wrangler's node process, which formats it and appends it to a debug log file under
// ~/.config/.wrangler/logs. Measured under 16 clients: that costs node about 2 ms and the proxy
// workerd about 1 ms per D1 round trip, about as much as the Worker itself, and the bench runs
// wrote 7.6 GB of such logs. A deployed Worker pays none of it. With BENCH_INSPECTOR=off the bench
// starts the same Worker through wrangler's own API (unstable_startWorker, what `wrangler dev`
// runs) with `dev.inspector: false`: same config, bundling, workerd, local D1/R2/Queue bindings
// and vars. Shares read lower this way (the bare route gains most), so issue 16's goal, set under
// `wrangler dev`, is judged in the default mode; this one shows what the Worker alone costs.
//
// usage: node scripts/bench-worker.mjs <port> <persist dir> [NAME:value ...]
// Prints "ready <url>" when it answers; stops on SIGTERM or SIGINT.
import { join } from 'node:path';
import { unstable_startWorker } from 'wrangler';
import { root } from './lib.mjs';

const [port, persist, ...vars] = process.argv.slice(2);
if (!port || !persist) throw new Error('usage: bench-worker.mjs <port> <persist dir> [NAME:value ...]');
const bindings = Object.fromEntries(
  vars.map((v) => {
    const at = v.indexOf(':');
    if (at < 1) throw new Error(`bench-worker: ${v} is not NAME:value`);
    return [v.slice(0, at), { type: 'plain_text', value: v.slice(at + 1) }];
  }),
);
const worker = await unstable_startWorker({
  config: join(root, 'wrangler.toml'),
  bindings,
  dev: {
    inspector: false,
    persist,
    logLevel: 'warn',
    watch: false,
    server: { hostname: '127.0.0.1', port: Number(port) },
  },
});
await worker.ready;
console.log(`ready ${await worker.url}`);

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await worker.dispose();
  process.exit(0);
}
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

import { setFlagsFromString } from 'node:v8';

/**
 * Imported first by main.ts. V8 allocates an allocation site's objects straight into the old generation
 * once it has seen most of them survive a scavenge ("pretenuring"). Under load that guess goes wrong for a
 * request's objects, and then every request's graph is promoted, dead or not (~50 MB/s on the proxied
 * GET), until the next full collection; each scavenge takes 6-9 ms instead of 1-2, and the proxied GET
 * cost the broker ~150-220 µs of CPU instead of ~120-135. `npm run bench:proxy` (bench/README.md, "proxy"):
 * 8 of 13 runs fell into it without this flag, none of 25 with it (the bare forwarder, which
 * keeps V8's default, falls into it too, less often). A request/response server has no allocation site
 * worth pretenuring. V8 reads the flag at each collection, so setting it here, after start-up, suffices.
 */
setFlagsFromString('--no-allocation-site-pretenuring');

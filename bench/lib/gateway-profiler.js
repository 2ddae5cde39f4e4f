// Loaded into the gateways with --require (CORRIDOR_BENCH_GATEWAY_NODE_OPTIONS) to profile them during a benchmark's
// load: while the file `profiling` exists beside this one, the V8 CPU profiler runs; when it is removed, the profile
// is written beside it as gw-<country>-<pid>.cpuprofile. A file, not a signal: the gateways stop on SIGUSR2 (Nest's
// shutdown hooks). bench/single-measure.ts creates and removes the trigger with BENCH_SINGLE_PROFILE=<this folder>.
const inspector = require('node:inspector');
const fs = require('node:fs');
const path = require('node:path');

const trigger = path.join(__dirname, 'profiling');
const session = new inspector.Session();
session.connect();
let running = false;
setInterval(() => {
  const wanted = fs.existsSync(trigger);
  if (wanted && !running) {
    running = true;
    session.post('Profiler.enable', () =>
      session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')),
    );
  } else if (!wanted && running) {
    running = false;
    session.post('Profiler.stop', (err, res) => {
      if (!err) {
        const name = `gw-${process.env.GATEWAY_COUNTRY ?? 'x'}-${process.pid}.cpuprofile`;
        fs.writeFileSync(path.join(__dirname, name), JSON.stringify(res.profile));
      }
    });
  }
}, 100).unref();

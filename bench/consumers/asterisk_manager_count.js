// Counts AMI events through the npm package asterisk-manager's public API
// (new AsteriskManager(port, host, user, secret, events) + 'managerevent').
// argv: HOST PORT EXPECTED IDLE_S. Prints one JSON line like the other consumers.
'use strict';
const AsteriskManager = require('asterisk-manager');
const [host, port, expected, idle] = [process.argv[2], +process.argv[3], +process.argv[4], +process.argv[5]];
const st = { n: 0, t0: null, t1: null };
const now = () => Number(process.hrtime.bigint()) / 1e9;
const started = now();
let finished = false;
function finish(end) {
  if (finished) return;
  finished = true;
  const span = st.t0 === null ? 0 : st.t1 - st.t0;
  process.stdout.write(JSON.stringify({ events: st.n, lagged: 0, first_to_last_s: span, end }) + '\n', () => process.exit(0));
}
const ami = new AsteriskManager(port, host, 'ringside', 'ringside-secret', true);
ami.on('managerevent', () => {
  const t = now();
  if (st.t0 === null) st.t0 = t;
  st.n += 1;
  st.t1 = t;
  if (st.n >= expected) finish('all events');
});
setInterval(() => { if (now() - (st.t1 || started) > idle) finish('idle timeout'); }, 500);

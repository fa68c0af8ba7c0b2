// Runs the uvu suites and ends with one line "N passed, N failed". Integration suites need the
// local stack: this starts it (and stops it afterwards if it was not already running). A
// service that cannot start fails the run; nothing is skipped.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const which = process.argv[2] ?? 'all';
const suites = which === 'all' ? ['unit', 'integration'] : [which];
for (const s of suites) {
  if (!['unit', 'integration', 'faults'].includes(s)) {
    console.error(`unknown suite "${s}"; use unit, integration or faults`);
    process.exit(2);
  }
}

// uvu prints "Total: N / Passed: N / Skipped: N"; colours are stripped before reading them.
function runUvu(dir) {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'node_modules/uvu/bin.js'), join('test', dir)], {
      cwd: root, stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env },
    });
    let out = '';
    child.stdout.on('data', (d) => { process.stdout.write(d); out += d; });
    child.on('close', (code) => {
      const plain = out.replace(/\x1b\[[0-9;]*m/g, '');
      const num = (label) => Number((plain.match(new RegExp(`${label}:\\s+(\\d+)`)) ?? [])[1] ?? NaN);
      const total = num('Total');
      const passed = num('Passed');
      const skipped = num('Skipped');
      if (Number.isNaN(total)) {
        // The suite died before uvu could count (an import failed, a service was missing).
        resolve({ passed: 0, failed: 1, skipped: 0, code: code || 1 });
      } else {
        const failed = total - passed - skipped;
        resolve({ passed, failed: code !== 0 && failed === 0 ? 1 : failed, skipped, code });
      }
    });
  });
}

let stack;
let startedStack = false;
const needsStack = suites.some((s) => s !== 'unit');
const totals = { passed: 0, failed: 0, skipped: 0 };
try {
  if (needsStack) {
    stack = await import(join(root, 'dist/stack/stack.js'));
    const before = await stack.stackStatus();
    startedStack = !before.every((s) => s.up);
    console.log('starting the local stack for the integration tests...');
    for (const s of await stack.stackUp({ log: (l) => console.log(`  ${l}`) })) console.log(`  ${s.name}: ${s.address}`);
  }
  for (const s of suites) {
    console.log(`\n== ${s} ==`);
    const r = await runUvu(s);
    totals.passed += r.passed;
    totals.failed += r.failed;
    totals.skipped += r.skipped;
  }
} catch (err) {
  console.error(`test setup failed: ${err?.stack ?? err}`);
  totals.failed += 1;
} finally {
  if (startedStack && !process.env.KEEP_STACK) await stack.stackDown({ log: () => {} }).catch(() => {});
}
console.log(`\n${totals.passed} passed, ${totals.failed} failed${totals.skipped ? `, ${totals.skipped} skipped` : ''}`);
process.exit(totals.failed === 0 ? 0 : 1);

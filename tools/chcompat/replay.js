// Replays on ClickHouse 26 (chDB, in-process) every statement the Go tests
// ran successfully on the test servers (ClickHouse 18.16), as collected by
// internal/chtest in $SERVICECARD_SQL_LOG/*.jsonl.
//
// Statements run in one database, in the logged order; a statement that
// fails is retried after the others (the query log orders only to the
// second, so a CREATE may come after the SELECT that needs it). One that
// still fails when no retry makes progress fails the run.
//
// Native-protocol inserts are logged without their data
// ("INSERT INTO t (a, b) FORMAT Native"); they are checked as
// "SELECT a, b FROM t LIMIT 0": the table and columns must exist.
//
// Usage: node replay.js DIR
'use strict';
const fs = require('fs');
const os = require('os');
const path = require('path');
const { Session } = require('chdb');

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node replay.js DIR');
  process.exit(2);
}

const files = fs.readdirSync(dir).filter((f) => f.endsWith('.jsonl')).sort();
const seen = new Set();
const stmts = [];
for (const f of files) {
  for (const line of fs.readFileSync(path.join(dir, f), 'utf8').split('\n')) {
    if (!line) continue;
    let q = JSON.parse(line).trim();
    const ins = q.match(/^INSERT INTO\s+(\S+)\s*\(([^)]*)\)\s*(FORMAT\s+Native|VALUES)\s*$/is);
    if (ins) q = `SELECT ${ins[2]} FROM ${ins[1]} LIMIT 0`;
    if (/^(USE|SET)\s/i.test(q)) continue;
    // The log is ordered by time to the second, not by statement: a test
    // that drops a database and migrates it again would have its CREATEs
    // replayed before the DROP. Dropping a database is the same on every
    // release; it is left out.
    if (/^DROP\s+DATABASE\s/i.test(q)) continue;
    if (seen.has(q)) continue;
    seen.add(q);
    stmts.push({ q, from: f });

  }
}

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'chcompat-'));
const s = new Session(work);
const version = s.query('SELECT version()', 'CSV').trim();
s.query('CREATE DATABASE IF NOT EXISTS replay', 'CSV');
s.query('USE replay', 'CSV');

let pending = stmts;
let errors = new Map();
for (let pass = 1; pending.length > 0; pass++) {
  const failed = [];
  for (const st of pending) {
    try {
      s.query(st.q, 'CSV');
    } catch (e) {
      failed.push(st);
      errors.set(st, String(e.message || e));
    }
  }
  if (failed.length === pending.length) break;
  pending = failed;
}
const ok = stmts.length - pending.length;
for (const st of pending) {
  console.error(`chcompat: FAIL on ClickHouse ${version} (from ${st.from}):\n  ${st.q.replace(/\s+/g, ' ').slice(0, 600)}\n  -> ${errors.get(st).split('\n')[0].slice(0, 400)}`);
}
s.cleanup && s.cleanup();
fs.rmSync(work, { recursive: true, force: true });
console.log(`chcompat: ${stmts.length} distinct statements from ${files.length} test packages replayed on ClickHouse ${version}`);
console.log(`chcompat: ${ok} passed, ${pending.length} failed`);
process.exit(pending.length > 0 || stmts.length === 0 ? 1 : 0);

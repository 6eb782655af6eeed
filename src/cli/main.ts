#!/usr/bin/env node
import type { Output } from './print-diagnostics.js';
import { run } from './run.js';

const useColor = (stream: NodeJS.WriteStream) => Boolean(stream.isTTY) && !process.env.NO_COLOR;
const out: Output = { write: (t) => void process.stdout.write(t), color: useColor(process.stdout) };
const err: Output = { write: (t) => void process.stderr.write(t), color: useColor(process.stderr) };

process.exitCode = await run(process.argv.slice(2), out, err, process.env);

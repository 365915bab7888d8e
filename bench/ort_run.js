// Times an ONNX export (bench/onnx_seed.py, bench/onnx_bert.py) in ONNX
// Runtime's CPU execution provider (the npm package onnxruntime-node), on
// the inputs xf-bench uses; first checks its output against PyTorch's.
// Prints one JSON line like xf-bench.
//
//   NODE_PATH=DIR/node_modules node bench/ort_run.js DIR --threads 2 --reps 5
//       [--model seed.onnx --inputs src,tgt --output logits
//        --expected torch_logits.npy]
// DIR holds the model, <input>.npy for each input and the expected output
// (the defaults: the seed model's).
'use strict';
const fs = require('fs');
const path = require('path');
const ort = require('onnxruntime-node');

/// A little-endian .npy file of int64 or float32: {shape, data}.
function readNpy(file) {
  const buf = fs.readFileSync(file);
  if (buf.toString('latin1', 1, 6) !== 'NUMPY')
    throw new Error(`${file}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = (major === 1 ? 10 : 12) + headerLen;
  const header = buf.toString('latin1', major === 1 ? 10 : 12, start);
  const descr = /'descr':\s*'([^']+)'/.exec(header)[1];
  if (/'fortran_order':\s*True/.test(header))
    throw new Error(`${file}: Fortran order`);
  const shape = /'shape':\s*\(([^)]*)\)/.exec(header)[1]
      .split(',').map(s => s.trim()).filter(s => s).map(Number);
  const bytes = buf.buffer.slice(buf.byteOffset + start,
                                 buf.byteOffset + buf.length);
  if (descr === '<i8')
    return {shape, type: 'int64', data: new BigInt64Array(bytes)};
  if (descr === '<f4')
    return {shape, type: 'float32', data: new Float32Array(bytes)};
  throw new Error(`${file}: dtype ${descr} (expected <i8 or <f4)`);
}

async function main() {
  const args = process.argv.slice(2);
  const dir = args[0];
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const text = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : fallback;
  };
  const threads = option('--threads', 2), reps = option('--reps', 5);
  const output = text('--output', 'logits');
  const session = await ort.InferenceSession.create(
      path.join(dir, text('--model', 'seed.onnx')), {
        executionProviders: ['cpu'],
        intraOpNumThreads: threads,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
  const feeds = {};
  for (const name of text('--inputs', 'src,tgt').split(',')) {
    const a = readNpy(path.join(dir, `${name}.npy`));
    feeds[name] = new ort.Tensor(a.type, a.data, a.shape);
  }
  // The check: ONNX Runtime's output against PyTorch's.
  const expected =
      readNpy(path.join(dir, text('--expected', 'torch_logits.npy'))).data;
  const got = (await session.run(feeds))[output].data;
  let diff = 0, scale = 0;
  for (let i = 0; i < expected.length; ++i) {
    diff = Math.max(diff, Math.abs(got[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  const error = diff / scale;
  if (got.length !== expected.length || !(error <= 1e-4)) {
    console.error(`ort_run.js: ONNX Runtime's ${output} differ from PyTorch's ` +
                  `by ${error} (relative to the largest)`);
    process.exit(1);
  }
  const times = [];
  for (let r = 0; r < reps; ++r) {
    const t = process.hrtime.bigint();
    await session.run(feeds);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  const round = x => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({
    engine: `onnxruntime-node ${ort.env.versions.common}`,
    median_ms: round(times[Math.floor(times.length / 2)]),
    min_ms: round(times[0]),
    reps,
    threads,
    max_rel_error_vs_pytorch: error,
  }));
}

main().catch(e => {
  console.error(`ort_run.js: ${e.message}`);
  process.exit(1);
});

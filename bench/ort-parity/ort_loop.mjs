#!/usr/bin/env node
// The bare-runtime side of the parity bench in Node.js: one denoiser graph in a plain onnxruntime-node loop,
// the twin of ort_loop.py. npm publishes onnxruntime-node for every release (1.29.0 and 1.30.0 alike), so this
// loop runs the same runtime version as Kino's Java build, which the Python wheels (1.30.0 only here) cannot.
//
//   node ort_loop.mjs GRAPH --latent C,F,H,W --text L,D [--steps 5] [--warmup 2] [--threads 0] [--cpu]
//
// ORT_NODE: the onnxruntime-node folder to load (default: the one Node resolves). --cpu adds the process's
// CPU time per step (with spinning off, so CPU time is work, not waiting). Prints one JSON object.
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";

const require = createRequire(import.meta.url);
const ort = require(process.env.ORT_NODE || "onnxruntime-node");

const args = process.argv.slice(2);
const graph = args[0];
const opt = (name, dflt) => { const i = args.indexOf("--" + name); return i < 0 ? dflt : args[i + 1]; };
const dims = s => s.split(",").map(Number);
const latent = dims(opt("latent")), text = dims(opt("text"));
const steps = Number(opt("steps", 5)), warmup = Number(opt("warmup", 2)), threads = Number(opt("threads", 0));
const cpu = args.includes("--cpu");
const batch = 2;

const options = { graphOptimizationLevel: "all", executionProviders: ["cpu"] };
if (threads > 0) options.intraOpNumThreads = threads;
if (cpu) options.extra = { session: { intra_op: { allow_spinning: "0" } } };
const session = await ort.InferenceSession.create(graph, options);
const rank = {}, shape = {};
for (const name of session.inputNames) {
  const meta = session.inputMetadata ? session.inputMetadata.find?.(m => m.name === name) : null;
  rank[name] = meta?.shape?.length;
  shape[name] = meta?.shape;
}
// Inputs by role as ort_loop.py finds them: latents 5-D, timestep 1-D, text 3-D (names differ per graph).
const names = session.inputNames;
const pick = (n, fallback) => names.find(x => rank[x] === n) ?? fallback;
const latentName = pick(5, names[0]), timeName = pick(1, names[1]), textName = pick(3, names[2]);

// Seeded normal-ish inputs (the values do not matter for speed; sizes do).
let seed = 1;
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648 * 2 - 1; };
const fill = n => { const a = new Float32Array(n); for (let i = 0; i < n; i++) a[i] = rnd(); return a; };
const prod = d => d.reduce((a, b) => a * b, 1);
let lat = fill(batch * prod(latent));
// An image model's denoiser (more input than output channels): zero condition channels, as Kino feeds one whose
// picture is optional when none is given (the demo model), and as ort_loop.py does.
const cin = typeof shape[latentName]?.[1] === "number" ? shape[latentName][1] : latent[0];
const sampleDims = [batch, Math.max(cin, latent[0]), ...latent.slice(1)];
const txt = new ort.Tensor("float32", fill(batch * prod(text)), [batch, ...text]);

const times = [], cpus = [];
for (let i = 0; i < warmup + steps; i++) {
  const t = new Float32Array(batch).fill(1000 * (1 - i / (warmup + steps)));
  const c0 = process.cpuUsage(), w0 = performance.now();
  let sample = lat;
  if (cin > latent[0]) {   // per sample: its latents, then zeros
    sample = new Float32Array(prod(sampleDims));
    const per = prod(latent), perIn = prod(sampleDims) / batch;
    for (let b = 0; b < batch; b++) sample.set(lat.subarray(b * per, (b + 1) * per), b * perIn);
  }
  const feeds = { [latentName]: new ort.Tensor("float32", sample, sampleDims),
                  [timeName]: new ort.Tensor("float32", t, [batch]), [textName]: txt };
  const out = await session.run(feeds);
  const w1 = performance.now(), c1 = process.cpuUsage(c0);
  const pred = out[session.outputNames[0]].data;
  if (i >= warmup) { times.push((w1 - w0) / 1e3); cpus.push((c1.user + c1.system) / 1e6); }
  const next = new Float32Array(lat.length);
  for (let k = 0; k < lat.length; k++) next[k] = lat[k] - 0.01 * pred[k];   // a step's worth of change
  lat = next;
}
const version = require((process.env.ORT_NODE || "onnxruntime-node") + "/package.json").version;
console.log(JSON.stringify({ runtime: "node onnxruntime " + version, threads, step_seconds: times,
                             ...(cpu ? { cpu_seconds: cpus } : {}) }));

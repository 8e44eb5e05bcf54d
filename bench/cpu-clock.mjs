// Preload for the benchmarks (`node --import ./bench/cpu-clock.mjs --import tsx bench/train.ts …`):
// performance.now() reads this process's CPU time in ms instead of the wall clock. On a
// machine shared with other work, time spent waiting for a core is then not counted, so
// throughputs compare across runs taken at different loads. It counts every thread of
// the process (V8's compiler and GC threads too), so it slightly understates speed.
const start = process.cpuUsage();
performance.now = () => {
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
};

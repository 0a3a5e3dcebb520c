#!/usr/bin/env python3
"""Benchmark LiteRT on the same models, with the same statistics and JSON
schema as `bench --json`, so that `bench --compare OUT.json` can print
TFLiteEngine ÷ LiteRT.

Backends:
    litert-xnnpack   default op resolver (XNNPACK delegate applied)
    litert-builtin   BUILTIN_WITHOUT_DEFAULT_DELEGATES (TFLite's builtin kernels)

Each model × backend × thread count runs in its own subprocess (so the peak
RSS is per configuration): init (Interpreter + allocate_tensors), first
invoke, --warmup invokes, then at least --runs invokes AND at least
--min-time seconds of invokes. Inputs are pseudo-random (floats in [-1, 1]).
Besides wall-clock statistics it records the median and minimum thread CPU
time per invoke (`cpu_median_ms`, `cpu_min_ms`), which is robust when other
processes share the cores.

Usage:
    python3 tools/compare_litert.py MODEL.tflite… [--threads N[,N…]] [--runs N]
        [--min-time S] [--warmup N] [--backend litert-xnnpack|litert-builtin|all] --json OUT.json
"""
from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import platform
import resource
import socket
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import cpu_identity  # noqa: E402

BACKENDS = ("litert-xnnpack", "litert-builtin")


def _measure(model: str, backend: str, threads: int, runs: int, min_time: float, warmup: int, queue) -> None:
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import numpy as np
    from ai_edge_litert.interpreter import Interpreter, OpResolverType

    resolver = OpResolverType.AUTO if backend == "litert-xnnpack" else OpResolverType.BUILTIN_WITHOUT_DEFAULT_DELEGATES
    t0, c0 = time.perf_counter(), time.thread_time()
    interpreter = Interpreter(model_path=model, num_threads=threads, experimental_op_resolver_type=resolver)
    interpreter.allocate_tensors()
    init_ms = (time.perf_counter() - t0) * 1e3
    init_cpu_ms = (time.thread_time() - c0) * 1e3
    rng = np.random.default_rng(0)
    for detail in interpreter.get_input_details():
        shape, dtype = detail["shape"], detail["dtype"]
        if np.issubdtype(dtype, np.floating):
            value = rng.uniform(-1, 1, size=shape).astype(dtype)
        else:
            info = np.iinfo(dtype)
            value = rng.integers(info.min, info.max, size=shape, endpoint=True).astype(dtype)
        interpreter.set_tensor(detail["index"], value)
    t1 = time.perf_counter()
    interpreter.invoke()
    first_ms = (time.perf_counter() - t1) * 1e3
    for _ in range(warmup):
        interpreter.invoke()
    samples, cpu_samples = [], []
    start = time.perf_counter()
    invoke = interpreter.invoke
    clock, cpu_clock = time.perf_counter, time.thread_time
    while len(samples) < runs or clock() - start < min_time:
        c = cpu_clock()
        s = clock()
        invoke()
        e = clock()
        samples.append((e - s) * 1e3)
        cpu_samples.append((cpu_clock() - c) * 1e3)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    peak = rss if sys.platform == "darwin" else rss * 1024
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    peak = int(line.split()[1]) * 1024
    except OSError:
        pass
    queue.put(dict(init_ms=init_ms, init_cpu_ms=init_cpu_ms, first_invoke_ms=first_ms, samples=samples, cpu_samples=cpu_samples, peak_rss_bytes=peak))


def statistics(samples: list[float]) -> dict:
    s = sorted(samples)
    n = len(s)
    median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
    p90 = s[min(n - 1, -(-9 * n // 10) - 1)]  # nearest rank, as bench
    mean = sum(s) / n
    std = (sum((x - mean) ** 2 for x in s) / n) ** 0.5
    return dict(median_ms=median, p90_ms=p90, min_ms=s[0], max_ms=s[-1], mean_ms=mean, std_ms=std)


def machine() -> dict:
    return dict(cpu=cpu_identity.describe(), logical_cpus=os.cpu_count() or 0, os=platform.platform(), hostname=socket.gethostname(),
                date=datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+")
    parser.add_argument("--threads", default="1", help="N or N,N,… (num_threads)")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--min-time", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--backend", default="all", choices=BACKENDS + ("all",))
    parser.add_argument("--json", required=True)
    args = parser.parse_args()
    threads = [int(t) for t in args.threads.split(",")]
    backends = BACKENDS if args.backend == "all" else (args.backend,)
    import ai_edge_litert

    results = []
    ctx = mp.get_context("spawn")
    for model in args.models:
        name = Path(model).name.removesuffix(".tflite")
        for backend in backends:
            for t in threads:
                queue = ctx.Queue()
                p = ctx.Process(target=_measure, args=(model, backend, t, args.runs, args.min_time, args.warmup, queue))
                p.start()
                m = queue.get()
                p.join()
                stats = statistics(m["samples"])
                cpu = statistics(m["cpu_samples"])
                results.append(dict(model=name, model_path=model, backend=backend, threads=t, **stats,
                                    init_ms=m["init_ms"], init_cpu_ms=m["init_cpu_ms"], first_invoke_ms=m["first_invoke_ms"], arena_bytes=None,
                                    peak_rss_bytes=m["peak_rss_bytes"], runs=len(m["samples"]),
                                    cpu_median_ms=cpu["median_ms"], cpu_min_ms=cpu["min_ms"]))
                print(f"  {name} / {backend} / {t} thread(s): median {stats['median_ms']:.3f} ms "
                      f"(p90 {stats['p90_ms']:.3f}, min {stats['min_ms']:.3f}; CPU median {cpu['median_ms']:.3f}) over {len(m['samples'])} runs; "
                      f"init {m['init_ms']:.2f} ms (CPU {m['init_cpu_ms']:.2f})",
                      flush=True)
    version = getattr(ai_edge_litert, "__version__", "unknown")
    report = dict(machine=machine(), build=dict(tool="compare_litert.py", flavour=f"ai-edge-litert {version}"), results=results)
    Path(args.json).write_text(json.dumps(report, indent=2, sort_keys=True))
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

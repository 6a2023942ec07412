"""Encode seconds under OpenMP wait policies and thread layouts, alone and with encodes at once.

``import ddm_sscc`` sets ``OMP_WAIT_POLICY=PASSIVE`` (unless exported) before torch loads, so
that the link's concurrent processes do not starve each other; this measures what that costs
and saves. Each measurement is a fresh child process that sets the policy's environment, loads
torch *first* (libgomp reads it then) and encodes one image with the default model:

* policies: ``passive`` (what the CLI runs with), ``default`` (libgomp's own spinning) and
  ``spin=N`` (the default policy with ``GOMP_SPINCOUNT=N``);
* threads: ``two`` (two torch threads), ``one``, or ``hybrid`` (one thread, two only inside
  the network's heads: the GEMMs; the CLI's default, ``ddm_sscc/codec/threads.py``);
* ``--concurrent K`` starts K identical children at once and prints each one's seconds.

    .venv/bin/python benchmarks/openmp_wait_policy.py [--policies passive,default,spin=10000]
        [--threads two] [--concurrent 1] [--repeats 2] [--model ID] [IMAGE]

Prints one line per child: policy, threads, concurrency, seconds, and the bitstream's length
(the same for every setting: none of this changes a bit). Stop other jobs first.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys


def _child(image: str, threads: str, model: str) -> None:
    import time

    import torch  # first: libgomp reads the wait policy when it loads

    from ddm_sscc.codec import CodecSettings, load_codec
    from ddm_sscc.codec.threads import NETWORK_THREADS_VARIABLE, use_codec_threads
    from ddm_sscc.image_io import load_image

    pixels = load_image(image).pixels
    codec = load_codec(None if model == "default" else model)
    if threads == "hybrid":
        use_codec_threads(2)  # what the CLI does by default
    else:  # every operation on the same count, the GEMMs' included
        os.environ.pop(NETWORK_THREADS_VARIABLE, None)
        torch.set_num_threads(2 if threads == "two" else 1)
    start = time.perf_counter()
    data = codec.encode(pixels, CodecSettings())
    print(f"{time.perf_counter() - start:.2f} {len(data)}")


def _environment(policy: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_WAIT_POLICY", "GOMP_SPINCOUNT")}
    if policy == "passive":
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    elif policy.startswith("spin="):
        env["GOMP_SPINCOUNT"] = policy.split("=", 1)[1]
    elif policy != "default":
        raise SystemExit(f"unknown policy {policy!r}: passive, default or spin=N")
    return env


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        _child(sys.argv[2], sys.argv[3], sys.argv[4])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("image", nargs="?", default=os.path.join(os.environ.get("DDM_DATA", "../shared/datasets"),
                                                                 "kodak", "kodim23.png"))
    parser.add_argument("--policies", default="passive,default,spin=10000")
    parser.add_argument("--threads", default="two", help="comma-separated: two, one, hybrid")
    parser.add_argument("--concurrent", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--model", default="default", help="zoo model id or weights file")
    args = parser.parse_args()
    print(f"# {args.image}, model {args.model}, T = default; policy, threads, concurrent, seconds each, bytes")
    for _ in range(args.repeats):
        for policy in args.policies.split(","):
            for threads in args.threads.split(","):
                children = [subprocess.Popen([sys.executable, __file__, "--child", args.image, threads, args.model],
                                             env=_environment(policy), stdout=subprocess.PIPE, text=True)
                            for _ in range(args.concurrent)]
                results = [child.communicate()[0].split() for child in children]
                seconds = ", ".join(r[0] for r in results)
                print(f"{policy}, {threads}, {args.concurrent}: {seconds} s, {results[0][1]} bytes", flush=True)


if __name__ == "__main__":
    main()

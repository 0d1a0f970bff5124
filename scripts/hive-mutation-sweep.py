#!/usr/bin/env python3
"""Mutation sweep of the CLI's --hive path over the real hives of ../shared/testdata/hives/real.

Each regf file there (with its logs) is copied and damaged N times (a truncation, one flipped bit,
a zeroed run, a byte of the base block, or 20 random bytes past it), then
`inject-root --hive COPY --cert ROOT --quiet` runs on it. Reported:
  - PANIC/SIGNAL: exit 101, "panicked" on stderr, or death by a signal (always a bug);
  - CHANGED ON FAILURE: a non-zero exit that changed the file (always a bug);
  - CMCHECK: exit 0, but the written hive fails cmcheck (an input damage the checks before an
    edit do not catch yet);
  - TIMEOUT: more than 60 s.
The damaged input of each finding is kept in OUT for a closer look.

Usage: scripts/hive-mutation-sweep.py [SEED] [N] [OUT]   (defaults 1, 12, target/mutation-sweep)
Needs: target/release/inject-root (cargo build --release -p inject-root) and a cmcheck built by
the tests (target/cmcheck/build-*/cmcheck) or ../shared/tools/cmcheck/build.sh.
"""
import glob, os, random, shutil, subprocess, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
seed = int(sys.argv[1]) if len(sys.argv) > 1 else 1
n = int(sys.argv[2]) if len(sys.argv) > 2 else 12
out = sys.argv[3] if len(sys.argv) > 3 else os.path.join(root, "target", "mutation-sweep")
binary = os.path.join(root, "target", "release", "inject-root")
cmchecks = sorted(glob.glob(os.path.join(root, "target", "cmcheck", "build-*", "cmcheck")))
if not os.path.exists(binary) or not cmchecks:
    sys.exit("needs target/release/inject-root and a built cmcheck (see the usage)")
cmcheck = cmchecks[0]
cert = os.path.join(root, "testdata", "certs", "ACCVRAIZ1.crt")
real = os.path.join(root, "..", "shared", "testdata", "hives", "real")
random.seed(seed)
os.makedirs(out, exist_ok=True)
work = os.path.join(out, "work")


def damaged(src):
    b = bytearray(src)
    kind = random.choice(["trunc", "flip", "zero", "base_block", "bytes"])
    if kind == "trunc":
        b = b[: random.randrange(0, len(b))]
    elif kind == "flip":
        p = random.randrange(len(b))
        b[p] ^= 1 << random.randrange(8)
    elif kind == "base_block":
        b[random.randrange(min(512, len(b)))] = random.randrange(256)
    elif kind == "zero":
        p = random.randrange(len(b))
        k = random.choice([4, 16, 512, 4096])
        b[p : p + k] = bytes(min(k, len(b) - p))
    else:
        for _ in range(20):
            lo = 4096 if len(b) > 4096 else 0
            b[random.randrange(lo, len(b))] = random.randrange(256)
    return kind, bytes(b)


codes, findings = {}, []
names = sorted(os.listdir(real))
hives = [f for f in names if not f.endswith((".LOG", ".LOG1", ".LOG2", ".md"))]
for h in hives:
    src = open(os.path.join(real, h), "rb").read()
    if src[:4] != b"regf":
        continue
    logs = [f for f in names if f.startswith(h + ".")]
    for i in range(n):
        kind, before = damaged(src)
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        target = os.path.join(work, h)
        open(target, "wb").write(before)
        for log in logs:
            shutil.copy(os.path.join(real, log), work)
            os.chmod(os.path.join(work, log), 0o644)
        tag = f"{h}-{seed}-{i}-{kind}"
        try:
            r = subprocess.run([binary, "--hive", target, "--cert", cert, "--quiet"],
                               capture_output=True, timeout=60)
        except subprocess.TimeoutExpired:
            findings.append((tag, "TIMEOUT", ""))
            open(os.path.join(out, tag), "wb").write(before)
            continue
        codes[r.returncode] = codes.get(r.returncode, 0) + 1
        err = r.stderr.decode("utf-8", "replace")
        finding = None
        if r.returncode < 0 or r.returncode == 101 or "panicked" in err:
            finding = ("PANIC/SIGNAL", err[-300:])
        elif r.returncode != 0 and open(target, "rb").read() != before:
            finding = ("CHANGED ON FAILURE", err[-300:])
        elif r.returncode == 0:
            c = subprocess.run([cmcheck, "-q", target], capture_output=True)
            if c.returncode != 0:
                finding = ("CMCHECK", c.stdout.decode("utf-8", "replace")[-300:])
        if finding:
            findings.append((tag,) + finding)
            open(os.path.join(out, tag), "wb").write(before)

print(f"seed {seed}, {n} per hive: exit codes {dict(sorted(codes.items()))}")
for tag, what, detail in findings:
    print(f"{what}: {tag}: {detail.strip()}")
sys.exit(1 if any(f[1] != "CMCHECK" for f in findings) else 0)

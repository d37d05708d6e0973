# Paired per-draw comparisons from banking77.ts run logs ("<system> <MTEB|block-lr>: draw N xx.xx %"): 95 % t intervals.
import re, sys, math
T = [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228]
rows = {}
for f in sys.argv[1:]:
    for l in open(f, errors='replace'):
        m = re.match(r'(\S+) (MTEB|block-lr): draw (\d+) ([\d.]+) %', l)
        if m: rows.setdefault((m[2], m[1]), {})[int(m[3])] = float(m[4])
def iv(v):
    if len(v) < 2: return v[0], v[0], v[0], 0.0
    m = sum(v)/len(v); sd = math.sqrt(sum((x-m)**2 for x in v)/(len(v)-1)); h = T[len(v)-2]*sd/math.sqrt(len(v))
    return m, m-h, m+h, sd
print('## systems (mean [95 % t interval], sample sd)')
for k, d in rows.items():
    v = [d[i] for i in sorted(d)]; m, lo, hi, sd = iv(v)
    print(f"{k[0]:8s} {k[1]:40s} draws {len(v):2d}: {m:.2f} [{lo:.2f}, {hi:.2f}] sd {sd:.2f}  ({', '.join(f'{x:.2f}' for x in v)})")
print('## paired differences over the common draws')
pairs = [p.split('|') for p in sys.stdin.read().split()] if not sys.stdin.isatty() else []
for a, b in pairs:
    ka, kb = tuple(a.split(':', 1)), tuple(b.split(':', 1))
    common = sorted(set(rows[ka]) & set(rows[kb]))
    d = [rows[ka][i] - rows[kb][i] for i in common]
    m, lo, hi, sd = iv(d)
    print(f"{a} minus {b} (draws {common[0]}-{common[-1]}, n={len(d)}): {m:+.2f} [{lo:+.2f}, {hi:+.2f}]")

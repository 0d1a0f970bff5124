# Copied from /work/shared/tools/genhive.py (shared project tools), unchanged.
import random, sys
random.seed(7)
out = open(sys.argv[1],'w')
# tree: 60 vendors x 40 products x 40 components -> 96k keys, 3 values each
for v in range(60):
    out.write(f"cd \\\nadd Vendor{v:03d}\ncd Vendor{v:03d}\n")
    for p in range(40):
        out.write(f"add Product{p:03d}\ncd Product{p:03d}\n")
        for c in range(40):
            name = f"Component-{random.randrange(1<<32):08X}-{c}"
            out.write(f"add {name}\ncd {name}\n")
            out.write("setval 3\n")
            out.write(f"InstallPath\nstring:C:\\Program Files\\Vendor{v}\\Product{p}\\bin\\c{c}.dll\n")
            out.write(f"Version\ndword:0x{random.randrange(1<<32):08x}\n")
            data = ",".join(f"{random.randrange(256):02x}" for _ in range(120))
            out.write(f"Data\nhex:3:{data}\n")
            out.write("cd ..\n")
        out.write("cd ..\n")
out.write("commit\n")

#!/usr/bin/env python3
"""Writes a calla model file (safetensors, F32) whose weights are all zero and whose head biases
are set, so that every output is softmax(SELU(bias)) (sigmoid(bias) for Clairvoyante's base-change
head) whatever the input. Used by tests/cli/test_call_*.sh.

usage: call_forced_model.py OUT ARCH [key=value metadata...] [bias:TENSOR:INDEX=VALUE ...]
Tensor names and shapes mirror src/network/model_clair3.c and model_clairvoyante.c."""
import json, struct, sys

def clair3():
    t = []
    for l, (cin, h) in enumerate([(18, 128), (256, 160)]):
        for d in ("fwd", "bwd"):
            t += [(f"lstm{l+1}.{d}.kernel", [cin, 4 * h]),
                  (f"lstm{l+1}.{d}.recurrent_kernel", [h, 4 * h]),
                  (f"lstm{l+1}.{d}.bias", [4 * h])]
    t += [("l4.kernel", [10560, 128]), ("l4.bias", [128]), ("l5_1.kernel", [128, 128]),
          ("l5_1.bias", [128]), ("gt21.kernel", [128, 21]), ("gt21.bias", [21]),
          ("l5_2.kernel", [128, 128]), ("l5_2.bias", [128]), ("zygosity.kernel", [128, 3]),
          ("zygosity.bias", [3])]
    return t, "clair3-pileup"

def clairvoyante():
    t = []
    for l, (kh, cin, co) in enumerate([(1, 4, 16), (2, 16, 32), (3, 32, 48)]):
        t += [(f"conv{l+1}.kernel", [kh, 4, cin, co]), (f"conv{l+1}.bias", [co])]
    t += [("fc4.kernel", [4608, 336]), ("fc4.bias", [336]), ("fc5.kernel", [336, 168]),
          ("fc5.bias", [168])]
    for name, fin, n in (("base_change", 336, 4), ("zygosity", 168, 2), ("variant_type", 168, 4),
                         ("indel_length", 168, 6)):
        t += [(f"{name}.kernel", [fin, n]), (f"{name}.bias", [n])]
    return t, "clairvoyante"

out, arch = sys.argv[1], sys.argv[2]
tensors, fk = clair3() if arch == "clair3-pileup" else clairvoyante()
meta = {"architecture": arch, "feature_kind": fk, "platform": "ilmn", "calla_version": "test"}
bias = {}
for a in sys.argv[3:]:
    if a.startswith("bias:"):
        k, v = a[5:].split("=")
        name, idx = k.split(":")
        bias[(name, int(idx))] = float(v)
    else:
        k, v = a.split("=", 1)
        meta[k] = v
hdr, data, off = {"__metadata__": meta}, bytearray(), 0
for name, shape in tensors:
    n = 1
    for d in shape: n *= d
    vals = [0.0] * n
    for (bn, i), v in bias.items():
        if bn == name: vals[i] = v
    b = struct.pack(f"<{n}f", *vals)
    hdr[name] = {"dtype": "F32", "shape": shape, "data_offsets": [off, off + len(b)]}
    data += b
    off += len(b)
h = json.dumps(hdr).encode()
h += b" " * ((8 - len(h) % 8) % 8)
with open(out, "wb") as f:
    f.write(struct.pack("<Q", len(h)) + h + data)

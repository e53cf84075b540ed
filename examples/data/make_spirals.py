#!/usr/bin/env python3
"""Writes spirals.csv and spirals_test.csv: 2-D points on 3 interleaved spiral arms.

Deterministic (its own linear congruential generator), standard library only, so the files
can be rebuilt byte for byte: `python3 make_spirals.py` in this folder.
Columns: label (0, 1, 2), x, y; x and y lie in about [-1, 1].
"""
import math

state = 20240601


def uniform():
    """A number in [0, 1) from a 64-bit LCG (Knuth's MMIX constants)."""
    global state
    state = (6364136223846793005 * state + 1442695040888963407) % 2**64
    return (state >> 11) / 2**53


def normal():
    u1, u2 = max(uniform(), 1e-12), uniform()
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


def write(path, per_class):
    with open(path, "w") as f:
        f.write("label,x,y\n")
        for i in range(per_class):
            for arm in range(3):
                r = (i + 0.5) / per_class
                angle = arm * 2 * math.pi / 3 + 1.75 * 2 * math.pi * r + 0.2 * normal()
                f.write(f"{arm},{r * math.cos(angle):.5f},{r * math.sin(angle):.5f}\n")


write("spirals.csv", 500)
write("spirals_test.csv", 200)

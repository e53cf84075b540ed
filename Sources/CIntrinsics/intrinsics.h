// Compiler intrinsics Swift does not spell, for the kernels: inline functions, no library.
// Clang's 16-float vectors import into Swift as SIMD16<Float>.
#ifndef NNC_INTRINSICS_H
#define NNC_INTRINSICS_H

typedef float nnc_float16 __attribute__((ext_vector_type(16)));

// Asks for the cache line at `p` ahead of its use (read, keep in all levels); never faults.
static inline __attribute__((always_inline)) void nnc_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

// The even lanes of the 32 floats a, b (one permute; Swift's SIMD32.evenHalf compiles to
// sixteen scalar inserts).
static inline __attribute__((always_inline)) nnc_float16 nnc_even_lanes(nnc_float16 a, nnc_float16 b) {
    return __builtin_shufflevector(a, b, 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
}

// The odd lanes of the 32 floats a, b.
static inline __attribute__((always_inline)) nnc_float16 nnc_odd_lanes(nnc_float16 a, nnc_float16 b) {
    return __builtin_shufflevector(a, b, 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

// The first 16 of the 32 floats e0, o0, e1, o1, … (the inverse of the two above).
static inline __attribute__((always_inline)) nnc_float16 nnc_interleave_low(nnc_float16 e, nnc_float16 o) {
    return __builtin_shufflevector(e, o, 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
}

// The last 16 of the 32 floats e0, o0, e1, o1, ….
static inline __attribute__((always_inline)) nnc_float16 nnc_interleave_high(nnc_float16 e, nnc_float16 o) {
    return __builtin_shufflevector(e, o, 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
}

// The square roots of 16 floats, correctly rounded like the scalar one (one vsqrtps; Swift's
// SIMD16.squareRoot() compiles to sixteen scalar roots).
static inline __attribute__((always_inline)) nnc_float16 nnc_sqrt16(nnc_float16 x) {
    return __builtin_elementwise_sqrt(x);
}

// 16 floats at any 4-byte alignment (clang's vector type alone assumes 64).
typedef float nnc_float16_unaligned __attribute__((ext_vector_type(16), aligned(4)));

// Transposes a 16 × 16 block of 4-byte values (floats, or Int32 moved as their bits): row k of
// `src` (16 values at src + k·srcStride) becomes column k of `dst` (value k of each row
// dst + l·dstStride). Four rounds of 16 two-source permutes, each
// swapping one bit of the row index with the same bit of the lane index. Swift has no
// two-source shuffle of constant lanes; built from lane inserts it is 256 scalar moves.
static inline __attribute__((always_inline)) void nnc_transpose16x16(const void *src, long srcStride,
                                                                   void *dst, long dstStride) {
    nnc_float16 a[16], b[16];
    for (int k = 0; k < 16; k++) a[k] = *(const nnc_float16_unaligned *)((const float *)src + k * srcStride);
    for (int k = 0; k < 16; k += 2) {
        b[k] = __builtin_shufflevector(a[k], a[k + 1], 0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        b[k + 1] = __builtin_shufflevector(a[k], a[k + 1], 1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
    }
    for (int k = 0; k < 16; k += 4) for (int q = k; q < k + 2; q++) {
        a[q] = __builtin_shufflevector(b[q], b[q + 2], 0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
        a[q + 2] = __builtin_shufflevector(b[q], b[q + 2], 2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    }
    for (int k = 0; k < 16; k += 8) for (int q = k; q < k + 4; q++) {
        b[q] = __builtin_shufflevector(a[q], a[q + 4], 0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27);
        b[q + 4] = __builtin_shufflevector(a[q], a[q + 4], 4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31);
    }
    for (int q = 0; q < 8; q++) {
        a[q] = __builtin_shufflevector(b[q], b[q + 8], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23);
        a[q + 8] = __builtin_shufflevector(b[q], b[q + 8], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    }
    for (int l = 0; l < 16; l++) *(nnc_float16_unaligned *)((float *)dst + l * dstStride) = a[l];
}

#endif

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

#endif

// Compiler intrinsics Swift does not spell, for the kernels: inline functions, no library.
#ifndef NNC_INTRINSICS_H
#define NNC_INTRINSICS_H

// Asks for the cache line at `p` ahead of its use (read, keep in all levels); never faults.
static inline __attribute__((always_inline)) void nnc_prefetch(const void *p) {
    __builtin_prefetch(p, 0, 3);
}

#endif

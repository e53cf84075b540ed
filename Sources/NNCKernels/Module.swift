// NNCKernels: the only module with unsafe pointers and SIMD code.

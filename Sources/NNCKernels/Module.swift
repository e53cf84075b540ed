// NNCKernels: the only module with unsafe pointers and SIMD code. Everything is a free
// function over explicit pointers and sizes, row-major Float32 (Double where docs/ALGORITHMS.md
// says so), each with a one-line shape comment and a plain reference twin that the tests
// compare it with. The runtime hands out pointers from one `Arena`, by buffer id through
// `BufferView`, and never names a pointer type itself.
//
//   Arena.swift                 the one aligned allocation, scoped pointer access
//   BufferView.swift            the arena by buffer index, the runtime's scratch, copies and fills
//   GEMM.swift                  gemm(), its epilogue steps, the reference
//   GEMMDriver.swift            blocking, packing, thread split
//   GEMMParameters.swift        the blocking a CPU runs with (what `nnc tune` measures), timing a product
//   GEMMMicroKernels.swift      the register-tiled inner loops (6×32 and 12×16)
//   GEMMWorkspace.swift         reusable packing buffers
//   Conv.swift, Im2col.swift    convolution (im2col + GEMM), forward and backward; the patch layout
//   ConvReference.swift         the plain Double convolution the tests compare with
//   Pooling.swift               max, average and global average pooling, forward and backward
//   KernelActivation.swift      the activations and their derivatives on 16 lanes
//   Elementwise.swift           activations, add, bias, PReLU, maxout, dropout
//   Loss.swift                  softmax cross-entropy and MSE fused with their gradients
//   BatchNorm.swift, RMSNorm.swift, LayerNorm.swift
//   Reductions.swift            sum, mean, mean of squares, column/row sums, argmax
//   Optimizers.swift            the fused update loops of docs/ALGORITHMS.md
//   LinearAlgebra.swift         Double: syrk, Cholesky factor and solves (SGD2's A + λI)
//   CholeskySolveBlocked.swift  the per-step solve over panels of gradient rows, Float or Double
//   KFAC.swift, KFACByBufferID.swift  K-FAC: factor moving averages by GEMM, damped inverses, G⁻¹·∇·A⁻¹
//   Shampoo.swift, ShampooByBufferID.swift  Shampoo: block statistics by GEMM, inverse 4th roots (Householder + QL in Double, Jacobi twin), L^-¼·G·R^-¼
//   SymmetricEigen.swift        eigenvalues by Householder tridiagonalisation and implicit QL
//   LinearAlgebraEigen.swift    the cyclic Jacobi reference and power iteration (σmax)
//   AnalysisStatistics.swift    the analyses' sums of squares, activation summaries, spectra
//   VectorMath.swift, SIMDHelpers.swift, ChannelLoops.swift, LibM.swift   shared helpers
//
//   WorkerPool.swift            the spinning worker threads that kernels split work over
//   ParallelChunks.swift        splitting a range (elements, rows, channels) over the pool
//   ScratchPool.swift           kernels' scratch beyond the arena, one reused slab a call (counted by the memory estimate)
//
// Threading: kernels that take `threads` split their work over WorkerPool — gemm over bands
// of output tiles, the convolutions over samples (or gemm's split for the weight gradient),
// element-wise kernels, the optimizers, softmax cross-entropy (rows), column sums, bias
// gradients and batch norm (channels or samples) over ranges of whole outputs — never over a
// sum, so results are bit-identical to one thread. Small inputs stay on the calling thread.
// Every other kernel runs on the calling thread.

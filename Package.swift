// swift-tools-version:6.2
import PackageDescription

// Kernels are compiled for the build machine's CPU (AVX-512 here) and without
// bounds checks in release builds: see README "Building". They and the C interop
// (NNCSystem: zlib, POSIX file calls) are the only unsafe code; every other target
// is checked by the compiler's strict memory safety, its findings errors.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "native"]),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]
let memorySafe: [SwiftSetting] = [
    .strictMemorySafety(),
    .treatWarning("StrictMemorySafety", as: .error),
]

let package = Package(
    name: "nnc",
    products: [
        .library(name: "NNC", targets: ["NNC"]),
        .executable(name: "nnc", targets: ["nnc"]),
    ],
    // `swift build -c release --traits MPI` adds data-parallel training on Open MPI
    // (Debian's libopenmpi-dev); the default build neither needs nor links it.
    traits: [
        .trait(name: "MPI", description: "data-parallel nnc train under mpirun, on Open MPI (libopenmpi-dev)"),
    ],
    targets: [
        // zlib from Debian (zlib1g-dev) reads gzip-compressed IDX files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        // Open MPI (libopenmpi-dev), only under the MPI trait: its macros through a C shim.
        .systemLibrary(name: "CMPI", path: "Sources/CMPI", pkgConfig: "ompi-c",
                       providers: [.apt(["libopenmpi-dev"])]),
        .target(name: "NNCSystem",
                dependencies: ["CZlib", .target(name: "CMPI", condition: .when(traits: ["MPI"]))],
                path: "Sources/NNCSystem"),
        // Intrinsics Swift does not spell (a prefetch), as inline C: a header, nothing linked.
        .systemLibrary(name: "CIntrinsics", path: "Sources/CIntrinsics"),
        .target(name: "NNCKernels", dependencies: ["CIntrinsics"], path: "Sources/NNCKernels", swiftSettings: kernelFlags),
        .target(name: "NNC", dependencies: ["NNCKernels", "NNCSystem"], path: "Sources/NNC",
                swiftSettings: [.unsafeFlags(["-target-cpu", "native"])] + memorySafe),
        .executableTarget(name: "nnc", dependencies: ["NNC", "NNCSystem"], path: "Sources/nnc",
                         swiftSettings: memorySafe),
        .executableTarget(name: "nnc-bench", dependencies: ["NNC", "NNCKernels", "NNCSystem"],
                          path: "Benchmarks/nnc-bench", swiftSettings: kernelFlags),
        // nnc too, for the paths of the command line that no command line reaches (lowering's
        // refusals) and its error-to-status mapping; the rest is tested through the process.
        .testTarget(name: "NNCTests", dependencies: ["NNC", "NNCKernels", "nnc"], path: "Tests/NNCTests",
                    exclude: ["Fixtures"]),  // read from #filePath, not bundled
        .testTarget(name: "NNCKernelsTests", dependencies: ["NNCKernels"],
                    path: "Tests/NNCKernelsTests", swiftSettings: kernelFlags),
    ],
    swiftLanguageModes: [.v5]
)

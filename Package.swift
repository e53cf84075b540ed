// swift-tools-version:6.0
import PackageDescription

// Kernels are compiled for the build machine's CPU (AVX-512 here) and without
// bounds checks in release builds: see README "Building". Every other target is
// safe Swift and keeps the default checks.
let kernelFlags: [SwiftSetting] = [
    .unsafeFlags(["-target-cpu", "native"]),
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release)),
]

let package = Package(
    name: "nnc",
    products: [
        .library(name: "NNC", targets: ["NNC"]),
        .executable(name: "nnc", targets: ["nnc"]),
    ],
    targets: [
        // zlib from Debian (zlib1g-dev) reads gzip-compressed IDX files.
        .systemLibrary(name: "CZlib", path: "Sources/CZlib", pkgConfig: "zlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .target(name: "NNCKernels", path: "Sources/NNCKernels", swiftSettings: kernelFlags),
        .target(name: "NNC", dependencies: ["NNCKernels", "CZlib"], path: "Sources/NNC",
                swiftSettings: [.unsafeFlags(["-target-cpu", "native"])]),
        .executableTarget(name: "nnc", dependencies: ["NNC"], path: "Sources/nnc"),
        .executableTarget(name: "nnc-bench", dependencies: ["NNC", "NNCKernels"],
                          path: "Benchmarks/nnc-bench", swiftSettings: kernelFlags),
        // nnc too, for the paths of the command line that no command line reaches (lowering's
        // refusals) and its error-to-status mapping; the rest is tested through the process.
        .testTarget(name: "NNCTests", dependencies: ["NNC", "nnc"], path: "Tests/NNCTests",
                    exclude: ["Fixtures"]),  // read from #filePath, not bundled
        .testTarget(name: "NNCKernelsTests", dependencies: ["NNCKernels"],
                    path: "Tests/NNCKernelsTests", swiftSettings: kernelFlags),
    ],
    swiftLanguageModes: [.v5]
)

// swift-tools-version:6.2
import PackageDescription

// libFuzzer harnesses, one per reader of untrusted input. A package of its own so that the
// ordinary build and `swift test` never see them; `scripts/fuzz.sh` builds them with
// `-sanitize=fuzzer,address` on the command line, which instruments nnc's library too (flags
// set here would cover only the harnesses, and coverage inside NNC is what guides the fuzzer).
let harnesses = ["frontend", "safetensors", "idx", "csv", "cifar", "runlog", "fmt", "lsp"]

let package = Package(
    name: "nnc-fuzz",
    dependencies: [.package(name: "nnc", path: "..")],
    targets: [
        .target(name: "CFuzzDriver", path: "Sources/CFuzzDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzDriver", .product(name: "NNC", package: "nnc")],
                path: "Sources/FuzzSupport"),
    ] + harnesses.map { name in
        .executableTarget(name: "fuzz-\(name)", dependencies: ["FuzzSupport", .product(name: "NNC", package: "nnc")],
                          path: "Sources/fuzz-\(name)")
    },
    swiftLanguageModes: [.v5]
)

#include <stddef.h>
#include <stdint.h>

// libFuzzer's driver (compiler-rt's libclang_rt.fuzzer, linked by -sanitize=fuzzer). SwiftPM
// gives every executable a Swift `main`, which shadows libFuzzer's, so each harness calls the
// driver from its own main instead.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

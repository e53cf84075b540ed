// The few libm functions the kernels' references and scalar set-up code need.
#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

func _tanh(_ x: Double) -> Double { tanh(x) }
func _exp(_ x: Double) -> Double { exp(x) }
func _log(_ x: Double) -> Double { log(x) }
func _pow(_ x: Double, _ y: Double) -> Double { pow(x, y) }

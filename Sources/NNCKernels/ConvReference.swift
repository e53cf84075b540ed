// The plain definition of a convolution, the reference the kernels of Conv.swift are tested against.

/// The plain definition: direct loops in Double over every output, tap and channel, forward
/// and both gradients (`dx`, `dweight`, `dbias` may each be nil).
public func conv2dReference(x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                            y: UnsafeMutablePointer<Float>?, dy: UnsafePointer<Float>?,
                            dx: UnsafeMutablePointer<Float>?, dweight: UnsafeMutablePointer<Float>?,
                            dbias: UnsafeMutablePointer<Float>?, shape s: Conv2dShape) {
    var gx = [Double](repeating: 0, count: s.batch * s.inPlane)
    var gw = [Double](repeating: 0, count: s.outChannels * s.patchSize)
    var gb = [Double](repeating: 0, count: s.outChannels)
    for n in 0..<s.batch {
        for oc in 0..<s.outChannels {
            for i in 0..<s.outHeight {
                for j in 0..<s.outWidth {
                    let o = n * s.outPlane + (oc * s.outHeight + i) * s.outWidth + j
                    var acc = Double(bias?[oc] ?? 0)
                    let g = Double(dy?[o] ?? 0)
                    gb[oc] += g
                    for c in 0..<s.inChannels {
                        for ki in 0..<s.kernelH {
                            for kj in 0..<s.kernelW {
                                let ih = i * s.strideH - s.padH + ki, iw = j * s.strideW - s.padW + kj
                                if ih < 0 || ih >= s.height || iw < 0 || iw >= s.width { continue }
                                let xi = n * s.inPlane + (c * s.height + ih) * s.width + iw
                                let wi = ((oc * s.inChannels + c) * s.kernelH + ki) * s.kernelW + kj
                                acc += Double(x[xi]) * Double(weight[wi])
                                gx[xi] += Double(weight[wi]) * g
                                gw[wi] += Double(x[xi]) * g
                            }
                        }
                    }
                    y?[o] = Float(acc)
                }
            }
        }
    }
    if let dx { for i in gx.indices { dx[i] = Float(gx[i]) } }
    if let dweight { for i in gw.indices { dweight[i] = Float(gw[i]) } }
    if let dbias { for i in gb.indices { dbias[i] = Float(gb[i]) } }
}

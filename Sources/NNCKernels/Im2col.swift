// The patch layout of a convolution (Conv.swift): `im2col` lays one sample's patches out as
// the columns of a (C·kh·kw, OH·OW) matrix, `col2im` is its adjoint.

/// Lays one sample's patches out as columns, zeros where a patch hangs over the padding;
/// `ldcol` (default OH·OW) is the row stride of `col`, wider when several samples sit side by side.
// x (C, H, W) -> col (C·kh·kw, OH·OW) row stride ldcol
public func im2col(x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2dShape, ldcol: Int? = nil) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    let ld = ldcol ?? oh * ow
    if s.strideH == 1 && s.strideW == 1 {
        im2colStride1(x: x, col: col, shape: s, ld: ld)
        return
    }
    for c in 0..<s.inChannels {
        for ki in 0..<s.kernelH {
            for kj in 0..<s.kernelW {
                let row = col + ((c * s.kernelH + ki) * s.kernelW + kj) * ld
                let (lo, hi) = insideColumns(s, kj: kj)
                for i in 0..<oh {
                    let out = row + i * ow
                    let ih = i * s.strideH - s.padH + ki
                    if ih < 0 || ih >= s.height {
                        out.update(repeating: 0, count: ow)
                        continue
                    }
                    let src = x + (c * s.height + ih) * s.width - s.padW + kj
                    for j in 0..<lo { out[j] = 0 }
                    if s.strideW == 1 {
                        for j in lo..<hi { out[j] = src[j] }
                    } else {
                        for j in lo..<hi { out[j] = src[j * s.strideW] }
                    }
                    for j in hi..<ow { out[j] = 0 }
                }
            }
        }
    }
}

/// For kernel column `kj`, the output columns whose input column lies inside the image:
/// lo..<hi (im2col and col2im must agree on it, as adjoints).
@inline(__always)
private func insideColumns(_ s: Conv2dShape, kj: Int) -> (lo: Int, hi: Int) {
    let lo = min(s.outWidth, max(0, (s.padW - kj + s.strideW - 1) / s.strideW))
    return (lo, max(lo, min(s.outWidth, (s.width + s.padW - kj + s.strideW - 1) / s.strideW)))
}

/// Adds patch gradients back onto the image: the adjoint of `im2col` (same `ldcol`).
// col (C·kh·kw, OH·OW) row stride ldcol -> dx (C, H, W) (added to)
public func col2im(col: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2dShape, ldcol: Int? = nil) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    let ld = ldcol ?? oh * ow
    if s.strideH == 1 && s.strideW == 1 {
        col2imStride1(col: col, dx: dx, shape: s, ld: ld)
        return
    }
    for c in 0..<s.inChannels {
        for ki in 0..<s.kernelH {
            for kj in 0..<s.kernelW {
                let row = col + ((c * s.kernelH + ki) * s.kernelW + kj) * ld
                let (lo, hi) = insideColumns(s, kj: kj)
                for i in 0..<oh {
                    let ih = i * s.strideH - s.padH + ki
                    if ih < 0 || ih >= s.height { continue }
                    let dst = dx + (c * s.height + ih) * s.width - s.padW + kj
                    let g = row + i * ow
                    for j in lo..<hi { dst[j * s.strideW] += g[j] }
                }
            }
        }
    }
}

// Stride 1: each channel is first copied into a zero-bordered plane (H + 2·padH, W + 2·padW),
// so that every row of `col` is one contiguous run of that plane, copied (or, for col2im,
// added) 16 lanes at a time with no bounds logic; the per-element edge tests and scalar
// copies of the general loops cost as much as the product on 16-wide maps.

private func im2colStride1(x: UnsafePointer<Float>, col: UnsafeMutablePointer<Float>, shape s: Conv2dShape, ld: Int) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    let hp = s.height + 2 * s.padH, wp = s.width + 2 * s.padW
    withCacheLineAlignedFloats(hp * wp) { plane in
        plane.update(repeating: 0, count: hp * wp)
        for c in 0..<s.inChannels {
            for r in 0..<s.height {
                copyFloats(x + (c * s.height + r) * s.width, plane + (r + s.padH) * wp + s.padW, s.width)
            }
            for ki in 0..<s.kernelH {
                for kj in 0..<s.kernelW {
                    let row = col + ((c * s.kernelH + ki) * s.kernelW + kj) * ld
                    for i in 0..<oh { copyFloats(plane + (i + ki) * wp + kj, row + i * ow, ow) }
                }
            }
        }
    }
}

private func col2imStride1(col: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>, shape s: Conv2dShape, ld: Int) {
    let (oh, ow) = (s.outHeight, s.outWidth)
    let hp = s.height + 2 * s.padH, wp = s.width + 2 * s.padW
    withCacheLineAlignedFloats(hp * wp) { plane in
        for c in 0..<s.inChannels {
            plane.update(repeating: 0, count: hp * wp)
            for ki in 0..<s.kernelH {
                for kj in 0..<s.kernelW {
                    let row = col + ((c * s.kernelH + ki) * s.kernelW + kj) * ld
                    for i in 0..<oh { addFloats(row + i * ow, to: plane + (i + ki) * wp + kj, ow) }
                }
            }
            for r in 0..<s.height {
                addFloats(plane + (r + s.padH) * wp + s.padW, to: dx + (c * s.height + r) * s.width, s.width)
            }
        }
    }
}

/// `dst[0..<n] = src[0..<n]`, 16 lanes at a time, the tail by 8, 4 and single lanes.
@inline(__always)
private func copyFloats(_ src: UnsafePointer<Float>, _ dst: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n { store16(load16(src + i), dst + i); i += 16 }
    if i + 8 <= n {
        UnsafeMutableRawPointer(dst + i).storeBytes(of: UnsafeRawPointer(src + i).loadUnaligned(as: SIMD8<Float>.self),
                                                   as: SIMD8<Float>.self)
        i += 8
    }
    while i < n { dst[i] = src[i]; i += 1 }
}

/// `dst[0..<n] += src[0..<n]`, 16 lanes at a time, the tail by 8 and single lanes.
@inline(__always)
private func addFloats(_ src: UnsafePointer<Float>, to dst: UnsafeMutablePointer<Float>, _ n: Int) {
    var i = 0
    while i + 16 <= n { store16(load16(UnsafePointer(dst + i)) + load16(src + i), dst + i); i += 16 }
    if i + 8 <= n {
        let d = UnsafeMutableRawPointer(dst + i), s = UnsafeRawPointer(src + i)
        d.storeBytes(of: d.loadUnaligned(as: SIMD8<Float>.self) + s.loadUnaligned(as: SIMD8<Float>.self), as: SIMD8<Float>.self)
        i += 8
    }
    while i < n { dst[i] += src[i]; i += 1 }
}

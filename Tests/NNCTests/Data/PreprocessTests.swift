import Testing
@testable import NNC

@Suite struct PreprocessTests {
    // Two 2-channel 1×2 images: channel 0 holds 0, 255 / 0, 255; channel 1 holds 10 everywhere.
    let images = Dataset(pixels: [0, 255, 10, 10, 0, 255, 10, 10], labels: [0, 1], sampleShape: [2, 1, 2], classCount: 2)

    @Test func channelStatisticsOfScaledPixels() {
        let p = Preprocessor.fit(images, scale: 1 / 255, center: true, standardize: true)
        #expect(p.groupSize == 2)
        #expect(p.mean.count == 2)
        #expect(abs(p.mean[0] - 0.5) < 1e-6)
        #expect(abs(p.std[0] - 0.5) < 1e-6)
        #expect(abs(p.mean[1] - 10 / 255) < 1e-6)
        // A constant channel has std 0; it is centred, never divided by zero.
        #expect(p.std[1] == 0)
        #expect(p.multiplier.allSatisfy(\.isFinite) && p.offset.allSatisfy(\.isFinite))
    }

    @Test func statisticsComeOnlyFromTheGivenIndices() {
        let table = Dataset(features: [1, 100, 3, 200, 1000, 0], labels: [0, 0, 1], sampleShape: [2], classCount: 2)
        let p = Preprocessor.fit(table, indices: [0, 1], scale: nil, center: true, standardize: false)
        #expect(p.mean == [2, 150])
        #expect(p.std == [1, 1])
        #expect(p.scale == 1)
    }

    @Test func featureGroupingForImages() {
        let p = Preprocessor.fit(images, scale: 1, center: true, standardize: false, grouping: .feature)
        #expect(p.groupSize == 1)
        #expect(p.mean == [0, 255, 10, 10])
    }

    @Test func minmaxMapsEachChannelOntoMinusOneToOne() {
        let p = Preprocessor.fitRange(images)
        // y = x · multiplier + offset, per channel.
        func map(_ x: Float, _ g: Int) -> Float { x * p.multiplier[g] + p.offset[g] }
        #expect(map(0, 0) == -1 && map(255, 0) == 1 && map(127.5, 0) == 0)
        // A constant channel is centred only.
        #expect(map(10, 1) == 0)
        let table = Dataset(features: [-4, 2, 6, 3, 100, 0], labels: [0, 0, 1], sampleShape: [2], classCount: 2)
        let q = Preprocessor.fitRange(table, indices: [0, 1])
        #expect(q.mean == [1, 2.5] && q.std == [5, 0.5])
    }

    @Test func meanImageIsEachPixelsMeanFromTheDataBlock() throws {
        let net = "net n { input [4]; dense 2; loss cross_entropy }\n"
        let spec = try #require(SemanticSupport.model(net + "data { train: csv(\"t.csv\"), center: mean_image, standardize: true }")?.data)
        #expect(spec.center && spec.perValue && spec.standardize && !spec.minmax)
        #expect(SemanticSupport.model(net + "data { train: csv(\"t.csv\"), center: mean }")?.data?.perValue == false)
        let both = SemanticSupport.check(net + "data { train: csv(\"t.csv\")\n  scale: 1/255\n  minmax: true }").diagnostics
        #expect(both.count == 1)
        #expect(both.first?.message == "'scale' and 'minmax' both set how values are mapped; keep one")
        #expect(both.first?.range.start.line == 3)
        #expect(SemanticSupport.model(net + "data { train: csv(\"t.csv\"), minmax: true }")?.data?.minmax == true)
    }

    @Test func fitsChecksTheSampleShape() {
        let p = Preprocessor.fit(images, scale: 1 / 255, center: true, standardize: true)
        #expect(p.fits(images))
        let other = Dataset(pixels: [1, 2, 3], labels: [0], sampleShape: [1, 1, 3], classCount: 1)
        #expect(!p.fits(other))
    }

    @Test func metadataRoundTrip() throws {
        let p = Preprocessor.fit(images, scale: 1 / 255, center: true, standardize: true)
        #expect(try Preprocessor(metadata: p.metadata) == p)
        #expect(try Preprocessor(metadata: [:]) == nil, "a checkpoint without statistics has none")
    }

    /// Statistics read back from a checkpoint are input: each field out of range is an error
    /// naming it, never a trap (a group size of Int.max overflowed `fits`) nor a silent refit.
    @Test(arguments: [
        ("nnc.preprocess.group_size", "9223372036854775807"), ("nnc.preprocess.group_size", "0"),
        ("nnc.preprocess.group_size", "-1"), ("nnc.preprocess.std", "nan"), ("nnc.preprocess.std", "1,1,1"),
        ("nnc.preprocess.mean", "0.5,x"), ("nnc.preprocess.scale", "inf"), ("nnc.preprocess.scale", "0"),
    ])
    func malformedStatisticsAreErrors(key: String, value: String) throws {
        var metadata = Preprocessor.fit(images, scale: 1 / 255, center: true, standardize: true).metadata
        metadata[key] = value
        do {
            _ = try Preprocessor(metadata: metadata)
            Issue.record("\(key) = \(value) was accepted")
        } catch let error as DataError {
            #expect("\(error)".contains(key), "\(error)")
        }
        metadata[key] = nil
        #expect(throws: DataError.self, "a missing field among the others") { try Preprocessor(metadata: metadata) }
    }

    @Test func groupsTooManyForASampleAreAnError() throws {
        let metadata = ["nnc.preprocess.scale": "1", "nnc.preprocess.mean": "0,0", "nnc.preprocess.std": "1,1",
                        "nnc.preprocess.group_size": String(Preprocessor.maxSampleValues)]
        #expect(throws: DataError.self) { try Preprocessor(metadata: metadata) }
        let wide = Preprocessor(scale: 1, mean: [0, 0], std: [1, 1], groupSize: Int.max)
        #expect(!wide.fits(images), "an overflowing size fits nothing")
    }
}

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

    @Test func fitsChecksTheSampleShape() {
        let p = Preprocessor.fit(images, scale: 1 / 255, center: true, standardize: true)
        #expect(p.fits(images))
        let other = Dataset(pixels: [1, 2, 3], labels: [0], sampleShape: [1, 1, 3], classCount: 1)
        #expect(!p.fits(other))
    }

    @Test func metadataRoundTrip() throws {
        let p = Preprocessor.fit(images, scale: 1 / 255, center: true, standardize: true)
        #expect(Preprocessor(metadata: p.metadata) == p)
        var broken = p.metadata
        broken["nnc.preprocess.mean"] = "0.5,x"
        #expect(Preprocessor(metadata: broken) == nil)
        #expect(Preprocessor(metadata: [:]) == nil)
    }
}

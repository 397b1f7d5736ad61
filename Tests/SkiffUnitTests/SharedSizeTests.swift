import SkiffKit
import Testing

/// `system df -v`'s SHARED SIZE and UNIQUE SIZE: a layer counts as shared when another image has it too.
@Suite("system df: shared and unique image sizes")
struct SharedSizeTests {
    @Test func layersHeldByTwoImagesAreShared() {
        let base = [(digest: "sha256:a", size: Int64(100)), (digest: "sha256:b", size: Int64(50))]
        let child = base + [(digest: "sha256:c", size: Int64(7))]
        let alone = [(digest: "sha256:d", size: Int64(30))]
        let sizes = Engine.sharedSizes(layers: [base, child, alone], sizes: [160, 167, 35])
        #expect(sizes.map(\.shared) == [150, 150, 0])
        #expect(sizes.map(\.unique) == [10, 17, 35])
    }

    @Test func aLayerTwiceInOneImageIsNotShared() {
        let twice = [(digest: "sha256:a", size: Int64(10)), (digest: "sha256:a", size: Int64(10))]
        let sizes = Engine.sharedSizes(layers: [twice], sizes: [20])
        #expect(sizes.map(\.shared) == [0] && sizes.map(\.unique) == [20])
    }
}

import Foundation
import SkiffKit
import XCTest

@testable import SkiffTesting

/// SkiffTesting from XCTest: async test methods, a teardown block, and the container gone afterwards.
final class XCTestUsageTests: XCTestCase {
    func testContainerInAnXCTestCase() async throws {
        try XCTSkipUnless(TestRoot.available, "needs root, the busybox image and the built skiff")
        let root = try await TestRoot()
        let web = try await ContainerRequest(image: "busybox")
            .withCommand(WaitStrategyTests.httpd)
            .withExposedPorts(8080)
            .waitingFor(.http("/index.html", port: 8080))
            .start(in: root.session)
        let id = web.id
        addTeardownBlock {
            try await web.terminate()
            XCTAssertThrowsError(try root.engine.container(id), "removed in teardown")
            XCTAssertEqual(root.cleanUp(), [])
        }
        let answer = try httpGet(port: try web.mappedPort(8080), path: "/index.html")
        XCTAssertEqual(answer.body, "hello-from-skiff\n")
    }
}

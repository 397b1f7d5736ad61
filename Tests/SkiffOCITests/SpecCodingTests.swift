import Foundation
import Testing

@testable import SkiffOCI

@Suite struct SpecCodingTests {
    @Test func decodesRuncShapedSpec() throws {
        let json = """
            {"ociVersion":"1.0.2","process":{"terminal":false,"user":{"uid":0,"gid":0},"args":["/bin/true"],"env":["PATH=/bin"],"cwd":"/"},
             "root":{"path":"rootfs","readonly":true},"hostname":"box",
             "linux":{"namespaces":[{"type":"pid"},{"type":"mount"}],"maskedPaths":["/proc/kcore"]}}
            """
        let spec = try JSONDecoder().decode(Spec.self, from: Data(json.utf8))
        #expect(spec.process?.args == ["/bin/true"])
        #expect(spec.root?.readonly == true)
        #expect(spec.hostname == "box")
        #expect(spec.linux?.namespaces?.count == 2)
    }
}

import Testing

@testable import SkiffImage

@Suite("Image references")
struct ImageReferenceTests {
    @Test(
        "Docker's normalization",
        arguments: [
            ("busybox", "docker.io/library/busybox:latest", "busybox:latest"),
            ("debian:bookworm", "docker.io/library/debian:bookworm", "debian:bookworm"),
            ("user/app", "docker.io/user/app:latest", "user/app:latest"),
            ("localhost:5000/team/app:1.0", "localhost:5000/team/app:1.0", "localhost:5000/team/app:1.0"),
            ("localhost/app", "localhost/app:latest", "localhost/app:latest"),
            ("quay.io/a/b-c_d.e:v1.2-rc", "quay.io/a/b-c_d.e:v1.2-rc", "quay.io/a/b-c_d.e:v1.2-rc"),
            ("docker.io/library/busybox:1", "docker.io/library/busybox:1", "busybox:1"),
        ])
    func normalizes(input: String, full: String, familiar: String) throws {
        let ref = try ImageReference(parsing: input)
        #expect(ref.description == full)
        #expect(ref.familiar == familiar)
    }

    @Test func digestReference() throws {
        let hex = String(repeating: "ab", count: 32)
        let ref = try ImageReference(parsing: "name@sha256:" + hex)
        #expect(ref.tag == nil)
        #expect(ref.digest?.hex == hex)
        #expect(ref.description == "docker.io/library/name@sha256:" + hex)
        #expect(ref.manifestReference == "sha256:" + hex)
    }

    @Test(
        "invalid references name the problem",
        arguments: [
            ("", "empty"),
            ("Busybox", "lowercase"),
            ("busy--/box", "component"),
            ("busybox:-x", "tag"),
            ("busybox@sha256:1234", "digest"),
            ("a//b", "component"),
            ("localhost:99999/x", "registry"),
        ])
    func rejects(input: String, mentions: String) {
        #expect {
            _ = try ImageReference(parsing: input)
        } throws: { error in
            "\(error)".contains(mentions) && "\(error)".contains("invalid image reference")
        }
    }
}

import Foundation
import SkiffKit
import Testing

/// `skiff info` / `system info`: Docker's fields and layout for this state root and host.
@Suite("system info")
struct SystemInfoTests {
    @Test func countsTheRootsContainersAndImagesAndNamesTheHost() throws {
        let root = try CLIRoot(prefix: "skiff-info-")
        defer { root.cleanUp() }
        try #require(root.skiff("run", "-d", "--name", "a", "busybox", "sleep", "1000").status == 0)
        try #require(root.skiff("run", "-d", "--name", "b", "busybox", "sleep", "1000").status == 0)
        try #require(root.skiff("pause", "b").status == 0)
        try #require(root.skiff("create", "--name", "c", "busybox", "true").status == 0)

        let info = root.skiff("info")
        #expect(info.status == 0, "\(info.err)")
        for line in [
            "Server:", " Containers: 3", "  Running: 1", "  Paused: 1", "  Stopped: 1", " Images: 1",
            " Storage Driver: overlay2", " Cgroup Driver: cgroupfs", " Cgroup Version: 1", " OSType: linux",
            " Docker Root Dir: \(root.path)", " Default Runtime: skiff", " Security Options:", "  seccomp",
            "   Profile: builtin", " CPUs: \(ProcessInfo.processInfo.activeProcessorCount)",
        ] {
            #expect(info.out.split(separator: "\n").contains(Substring(line)), "no line \"\(line)\" in\n\(info.out)")
        }
        let uname = try String(contentsOfFile: "/proc/sys/kernel/osrelease", encoding: .utf8)
        #expect(info.out.contains(" Kernel Version: \(uname.trimmingCharacters(in: .whitespacesAndNewlines))\n"))

        let template = root.skiff(
            "system", "info", "--format", "{{.Containers}} {{.ContainersPaused}} {{.Driver}} {{.DockerRootDir}}")
        #expect(template.out == "3 1 overlay2 \(root.path)\n", "\(template.err)")
        let json = root.skiff("info", "--format", "{{json .}}")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any], "\(json.out)")
        #expect(object["ContainersRunning"] as? Int == 1)
        #expect(object["CgroupVersion"] as? String == "1")
        #expect((object["SecurityOptions"] as? [String])?.contains("name=seccomp,profile=builtin") == true)
        #expect(root.skiff("info", "--format", "{{.Nope").status != 0)
        _ = root.skiff("unpause", "b")
    }
}

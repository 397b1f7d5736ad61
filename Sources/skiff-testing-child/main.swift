// skiff-testing-child: a test process for SkiffTesting's own tests and bench, run as a child so that it can
// be SIGKILLed (or left to exit) with its session still holding a container, a network and a volume.
//
//   skiff-testing-child ROOT BUSYBOX_ARCHIVE hold|exit
//       Prints "ready CONTAINER_ID CONTAINER_NAME HOST_PORT NETWORK" once its httpd answers; then with `hold`
//       waits to be killed, with `exit` returns at once without ending its session (its reaper cleans up).
//   skiff-testing-child ROOT ARCHIVE bench busybox|postgres RUNS
//       Times start() → ready (busybox: httpd with a port wait; postgres: PostgresContainer) RUNS times,
//       after one untimed warm-up, and prints "min median max" in milliseconds (Scripts/bench.d/testing.sh).
import Foundation
import SkiffTesting

let args = CommandLine.arguments

func fail(_ text: String, code: Int32 = 1) -> Never {
    FileHandle.standardError.write(Data("skiff-testing-child: \(text)\n".utf8))
    exit(code)
}

func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

func hold(_ session: TestSession, mode: String) async throws {
    let network = try await TestNetwork.create(in: session)
    let web = try await ContainerRequest(image: "busybox")
        .withCommand(["sh", "-c", "mkdir -p /www && echo child > /www/index.html && exec httpd -f -p 8080 -h /www"])
        .withExposedPorts(8080)
        .withNetwork(network, aliases: ["web"])
        .withVolume("data", at: "/data")
        .withTmpfs("/scratch")
        .waitingFor(.http("/index.html", port: 8080))
        .reuse()
        .start(in: session)
    FileHandle.standardOutput.write(
        Data("ready \(web.id) \(web.name) \(try web.mappedPort(8080)) \(network.name)\n".utf8))
    if mode == "hold" {
        while true { sleep(1000) }
    }
}

func bench(_ session: TestSession, image: String, runs: Int) async throws {
    var times: [Double] = []
    for i in 0...runs {
        let clock = ContinuousClock()
        let started = clock.now
        let container: TestContainer
        if image == "postgres" {
            container = try await PostgresContainer().start(in: session).container
        } else {
            container = try await ContainerRequest(image: "busybox")
                .withCommand(["httpd", "-f", "-p", "8080"])
                .withExposedPorts(8080)
                .waitingFor(.port(8080))
                .start(in: session)
        }
        let elapsed = clock.now - started
        if i > 0 { times.append(milliseconds(elapsed)) }
        try await container.terminate()
    }
    times.sort()
    print(String(format: "%.1f %.1f %.1f", times.first!, times[times.count / 2], times.last!))
}

guard args.count >= 4 else {
    fail("usage: skiff-testing-child ROOT ARCHIVE hold|exit | bench busybox|postgres RUNS", code: 2)
}
do {
    let session = try TestSession(root: args[1])
    try await session.loadImages(archive: args[2])
    switch args[3] {
    case "hold", "exit":
        try await hold(session, mode: args[3])
        exit(0)
    case "bench":
        guard args.count == 6, ["busybox", "postgres"].contains(args[4]), let runs = Int(args[5]), runs > 0 else {
            fail("usage: skiff-testing-child ROOT ARCHIVE bench busybox|postgres RUNS", code: 2)
        }
        try await bench(session, image: args[4], runs: runs)
        session.end()
    default:
        fail("unknown mode \(args[3])", code: 2)
    }
} catch {
    fail("\(error)")
}

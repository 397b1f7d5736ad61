import Foundation
import SkiffKit
import Testing

/// Compose files of docker/awesome-compose, as the repository has them (every key as written; the
/// Dockerfiles, secret and env files they name stand in as minimal files), kept under
/// Tests/Fixtures/awesome-compose/NAME (ComposeRealFilesTests brings some of them up): each loads as
/// `docker compose config` loads it — or is refused where Docker Compose refuses it too (a service
/// that depends on one spelled with another case, a key written twice). No root, no containers.
@Suite("awesome-compose files load as Docker Compose loads them")
struct ComposeAwesomeSamplesTests {
    struct Row: Sendable, CustomStringConvertible {
        /// The sample's directory under Tests/Fixtures/awesome-compose.
        var name: String
        /// The `-f` files, in order.
        var files: [String]
        /// Part of the error Docker Compose gives too; nil: it loads, without a warning.
        var error: String?
        var description: String { name }
    }

    /// Tests/Fixtures/awesome-compose (this file is Tests/SkiffUnitTests/ComposeAwesomeSamplesTests.swift).
    static let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures/awesome-compose"
    }()

    static let rows: [Row] = [
        Row(name: "alfresco", files: ["compose.yaml"]),
        Row(name: "bunkerweb-mariadb", files: ["compose.yaml"]),
        Row(name: "graylog", files: ["compose.yaml"]),
        Row(name: "minecraft", files: ["compose.yaml"]),
        Row(name: "netdata", files: ["compose.yaml"]),
        Row(name: "localstack", files: ["compose.yml"]),
        Row(name: "prometheus-grafana-provision", files: ["docker-compose.yml", "docker-compose.local.yml"]),
        Row(name: "wasmedge-kafka-mysql", files: ["compose.yml"]),
        Row(name: "nginx-flask-mysql", files: ["compose.yaml"]),
        Row(name: "php-mysql-apache", files: ["docker-compose.yaml"]),
        Row(name: "samples/react-express-mysql", files: ["docker-compose.yaml"]),
        Row(name: "nginx-flask-redis", files: ["docker-compose.yml"]),
        Row(name: "napcat-qq-ai-bot", files: ["compose.yaml"]),
        Row(name: "pihole-cloudflared-DoH", files: ["compose.yaml"]),
        Row(name: "plex", files: ["compose.yaml"]),
        Row(name: "odoo-postgres", files: ["compose.yaml"]),
        Row(name: "vue-golang-mysql", files: ["docker-compose.yml"]),
        Row(name: "golang-localstack", files: ["docker-compose.yaml"]),
        Row(name: "django-redis", files: ["docker-compose.yml"]),
        Row(name: "react-express-mongodb", files: ["compose.yaml"], error: "depends on undefined service \"backend\""),
        Row(name: "wordpress-mysql", files: ["docker-compose.yaml"], error: "duplicated key"),
    ]

    @Test(arguments: rows)
    func sampleLoads(row: Row) throws {
        let base = NSTemporaryDirectory() + "awesome-compose-\(UUID().uuidString)"
        let dir = base + "/" + (row.name as NSString).lastPathComponent
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixtures + "/" + row.name, toPath: dir)
        var options = ComposeLoadOptions(workingDirectory: dir, environment: ["PWD": dir, "HOME": base])
        options.files = row.files
        do {
            let project = try ComposeLoader.load(options)
            #expect(row.error == nil, "loaded, but Docker Compose refuses it: \(row.error ?? "")")
            #expect(project.warnings.isEmpty, "\(project.warnings)")
            #expect(!project.services.isEmpty)
        } catch {
            let expected = try #require(row.error, "\(error)")
            #expect("\(error)".contains(expected), "\(error)")
        }
    }
}

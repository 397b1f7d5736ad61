import Foundation
import SkiffKit
import SkiffSystem
import Testing

/// Compose `secrets:` and `configs:` in a service's container, as Docker Compose mounts them, and a
/// missing secret file refused before anything is made.
@Suite(
    "skiff compose: secrets and configs", .serialized,
    .enabled(
        if: getuid() == 0 && TestImage.fixtureExists && FileManager.default.isExecutableFile(atPath: Engine.skiffPath)))
struct ComposeSecretsTests {
    func skiff(_ root: CLIRoot, _ args: String...) -> SpawnedCLI.Result {
        SpawnedCLI.skiff(args, root: root.path, environment: root.environment)
    }

    @Test func serviceReadsItsSecretsAndConfigs() throws {
        let root = try CLIRoot(prefix: "skiff-secrets-test-", environment: ["API_KEY": "key-from-env"])
        defer { root.cleanUp() }
        let project = root.path + "/project"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try "s3cret-db\n".write(toFile: project + "/db_password.txt", atomically: false, encoding: .utf8)
        try "conf-from-file\n".write(toFile: project + "/app.conf", atomically: false, encoding: .utf8)
        try """
        services:
          db:
            image: busybox
            command: ["sh", "-c", "cat /run/secrets/db_password /run/secrets/api /etc/app.conf /inline; echo; stat -c '%a %u %g' /run/secrets/api /inline; touch /run/secrets/db_password 2>/dev/null || echo read-only"]
            secrets:
              - db_password
              - source: api_key
                target: api
                uid: "7"
                gid: "8"
                mode: 0440
            configs:
              - source: app_conf
                target: /etc/app.conf
              - inline
        secrets:
          db_password:
            file: ./db_password.txt
          api_key:
            environment: API_KEY
        configs:
          app_conf:
            file: ./app.conf
          inline:
            content: inline-config
        """.write(toFile: project + "/compose.yaml", atomically: false, encoding: .utf8)
        let file = project + "/compose.yaml"
        let run = skiff(root, "compose", "--file", file, "run", "--rm", "-T", "db")
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("s3cret-db\nkey-from-envconf-from-file\ninline-config"), "\(run.out)")
        #expect(run.out.contains("440 7 8"))
        #expect(run.out.contains("444 0 0"))
        #expect(run.out.contains("read-only"))
        // The config output names them; down removes the files written for env/content ones.
        let config = skiff(root, "compose", "--file", file, "config")
        #expect(config.status == 0, "\(config.err)")
        #expect(
            config.out.contains(
                "    secrets:\n    - source: db_password\n    - source: api_key\n      target: api\n      uid: 7\n      gid: 8\n      mode: 0440\n    configs:\n    - source: app_conf\n      target: /etc/app.conf\n    - source: inline\n"
            ), "\(config.out)")
        #expect(
            config.out.contains(
                "secrets:\n  db_password:\n    name: db_password\n    file: \(project)/db_password.txt\n  api_key:\n    name: api_key\n    environment: API_KEY\n"
            ), "\(config.out)")
        #expect(config.out.contains("  inline:\n    name: inline\n    content: inline-config"), "\(config.out)")
        #expect(skiff(root, "compose", "--file", file, "down").status == 0)
        #expect(!FileManager.default.fileExists(atPath: root.path + "/compose-secrets/project"))
    }

    @Test func missingSecretFileFailsBeforeAnythingStarts() throws {
        let root = try CLIRoot(prefix: "skiff-secrets-test-")
        defer { root.cleanUp() }
        let project = root.path + "/mysql"
        try FileManager.default.createDirectory(atPath: project, withIntermediateDirectories: true)
        try """
        services:
          db:
            image: busybox
            command: ["sleep", "60"]
            secrets: [db-password]
        secrets:
          db-password:
            file: db/password.txt
        """.write(toFile: project + "/compose.yaml", atomically: false, encoding: .utf8)
        let file = project + "/compose.yaml"
        let expected =
            "secrets.db-password.file: secret \"db-password\": file \(project)/db/password.txt does not exist"
        let up = skiff(root, "compose", "--file", file, "up", "-d", "--wait")
        #expect(up.status != 0)
        #expect(up.err.contains(expected), "\(up.err)")
        #expect(root.engine.listContainers().isEmpty)
        let config = skiff(root, "compose", "--file", file, "config")
        #expect(config.status != 0)
        #expect(config.err.contains(expected), "\(config.err)")
        // An undefined secret is named too.
        try """
        services:
          db:
            image: busybox
            secrets: [nope]
        """.write(toFile: file, atomically: false, encoding: .utf8)
        #expect(
            skiff(root, "compose", "--file", file, "up", "-d").err.contains(
                "services.db.secrets[0]: refers to undefined secret \"nope\""))
    }
}

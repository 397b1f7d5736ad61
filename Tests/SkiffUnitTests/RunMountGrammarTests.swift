import Foundation
import Testing

@testable import SkiffKit

/// `RUN --mount=…` read with BuildKit's grammar and defaults, and `--secret`/`--ssh` as docker build takes them.
@Suite("RUN --mount grammar")
struct RunMountGrammarTests {
    @Test func cacheWithEveryKey() throws {
        let m = try RunMount.parse(
            "type=cache,target=/root/.cache/pip,id=pip,sharing=locked,from=base,source=/c,mode=0700,uid=1000,gid=100,ro"
        )
        #expect(m.kind == .cache)
        #expect(m.target == "/root/.cache/pip")
        #expect(m.id == "pip")
        #expect(m.sharing == .locked)
        #expect(m.from == "base")
        #expect(m.source == "/c")
        #expect(m.mode == 0o700)
        #expect(m.uid == 1000 && m.gid == 100)
        #expect(m.readOnly)
    }

    @Test func defaultsFollowBuildKit() throws {
        // bind is the default type and read-only; cache and tmpfs are writable.
        let bind = try RunMount.parse("target=/src")
        #expect(bind.kind == .bind && bind.readOnly)
        #expect(try RunMount.parse("type=bind,target=/src,rw").readOnly == false)
        #expect(try RunMount.parse("type=bind,target=/src,readwrite=true").readOnly == false)
        #expect(try RunMount.parse("type=cache,target=/c").readOnly == false)
        #expect(try RunMount.parse("type=tmpfs,dst=/t,size=64m").size == 64 * 1024 * 1024)
        // A secret's id defaults to its target's base name; the aliases of target are accepted.
        #expect(try RunMount.parse("type=secret,target=/run/secrets/token").secretID == "token")
        #expect(try RunMount.parse("type=secret,id=aws,dst=/root/.aws/credentials").secretID == "aws")
        let s = try RunMount.parse("type=secret,id=tok,env=TOKEN,required=true,mode=0440,uid=1,gid=2")
        #expect(s.env == "TOKEN" && s.required && s.mode == 0o440 && s.readOnly)
        let ssh = try RunMount.parse("type=ssh,required")
        #expect(ssh.kind == .ssh && ssh.required && ssh.id == nil)
    }

    @Test func quotedFieldsKeepCommas() throws {
        let m = try RunMount.parse(#"type=bind,"source=a,b",target=/x"#)
        #expect(m.source == "a,b")
    }

    @Test func valuesAreExpanded() throws {
        let vars = ["DIR": "/cache", "ID": "deps"]
        let m = try RunMount.parse("type=cache,target=$DIR,id=${ID}") {
            (word: String) throws(RunMount.Invalid) -> String in
            var out = word
            for (k, v) in vars {
                out = out.replacingOccurrences(of: "${\(k)}", with: v).replacingOccurrences(of: "$\(k)", with: v)
            }
            return out
        }
        #expect(m.target == "/cache" && m.id == "deps")
        // Checked without values (the parser): a variable is left for the build.
        #expect(try RunMount.parse("type=cache,target=$DIR,mode=$MODE").target == nil)
    }

    struct Bad: Sendable, CustomTestStringConvertible {
        var text: String
        var error: String
        var testDescription: String { text }
    }

    static let bad: [Bad] = [
        Bad(
            text: "type=cache,target=/c,bogus=1",
            error:
                "unexpected key 'bogus' in 'bogus=1' (keys: type, from, source, src, target, dst, destination, readonly, ro, readwrite, rw, id, sharing, required, mode, uid, gid, size, env)"
        ),
        Bad(
            text: "type=nfs,target=/c",
            error: "unsupported mount type \"nfs\" (expected bind, cache, tmpfs, secret, ssh)"),
        Bad(text: "type=cache,target=/c,ro=maybe", error: "invalid value for ro: maybe (expected true or false)"),
        Bad(text: "type=cache,target=/c,uid=-1", error: "invalid value -1 for uid (expected a number)"),
        Bad(
            text: "type=cache,target=/c,mode=rwx",
            error: "invalid value rwx for mode (expected an octal mode such as 0755)"),
        Bad(text: "type=tmpfs,target=/t,uid=0", error: "uid not allowed for \"tmpfs\" type mounts"),
        Bad(text: "type=bind,target=/t,sharing=locked", error: "invalid cache sharing set for bind mount"),
        Bad(text: "type=secret,id=a,source=b", error: "both source and id can't be set"),
        Bad(text: "type=ssh,from=x", error: "ssh mount should not have a from"),
        Bad(text: "type=bind,target=/t,size=1m", error: "unexpected key 'size' for mount type 'bind'"),
        Bad(text: "type=cache,target=/t,env=X", error: "unexpected key 'env' for mount type 'cache'"),
        Bad(text: "type=tmpfs", error: "mount type tmpfs needs a target (target=/path)"),
        Bad(text: "type=cache,,target=/x", error: "empty field in --mount=type=cache,,target=/x"),
        Bad(text: #"type=bind,"target=/x"#, error: #"unterminated quote in --mount=type=bind,"target=/x"#),
    ]

    @Test(arguments: bad) func refused(_ c: Bad) {
        #expect(throws: RunMount.Invalid(c.error)) { try RunMount.parse(c.text) }
    }

    @Test func buildSecretFlag() throws {
        #expect(try BuildSecretSource.parse("id=tok,src=/run/tok").source == .file("/run/tok"))
        #expect(try BuildSecretSource.parse("id=tok,source=/run/tok,type=file").source == .file("/run/tok"))
        #expect(try BuildSecretSource.parse("id=tok,env=GITHUB_TOKEN").source == .environment("GITHUB_TOKEN"))
        #expect(try BuildSecretSource.parse("type=env,id=tok,src=GITHUB_TOKEN").source == .environment("GITHUB_TOKEN"))
        // The shorthand reads the variable named like the id.
        #expect(try BuildSecretSource.parse("id=GITHUB_TOKEN") == ("GITHUB_TOKEN", .environment("GITHUB_TOKEN")))
        #expect(throws: BuildError.usage("--secret src=/x: the secret needs an id (id=ID)")) {
            try BuildSecretSource.parse("src=/x")
        }
        #expect(throws: BuildError.usage("--secret id=a,type=vault: unsupported secret type \"vault\" (file or env)")) {
            try BuildSecretSource.parse("id=a,type=vault")
        }
        #expect(
            throws: BuildError.usage("--secret id=a,file=/x: unexpected key 'file' (keys: id, type, src, source, env)")
        ) {
            try BuildSecretSource.parse("id=a,file=/x")
        }
    }

    @Test func sshFlag() throws {
        #expect(try BuildSSHSource.parse("default") == BuildSSHSource(id: "default", paths: []))
        #expect(
            try BuildSSHSource.parse("default=/tmp/agent.sock")
                == BuildSSHSource(id: "default", paths: ["/tmp/agent.sock"]))
        #expect(try BuildSSHSource.parse("git=/k/a,/k/b") == BuildSSHSource(id: "git", paths: ["/k/a", "/k/b"]))
        #expect(throws: BuildError.usage("--ssh git=: give a socket or key files after =")) {
            try BuildSSHSource.parse("git=")
        }
    }
}

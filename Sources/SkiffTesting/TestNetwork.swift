import Foundation
import SkiffKit

/// A user-defined network of a test session: containers on it reach each other by name and alias
/// (``ContainerRequest/withNetwork(_:aliases:)``). Its name is unique to the session and its subnet is
/// claimed host-wide, so parallel test processes never share one. Removed with the session.
public final class TestNetwork: Sendable {
    public let session: TestSession
    public let name: String

    private init(session: TestSession, name: String) {
        self.session = session
        self.name = name
    }

    /// Make a network in `session`; `isInternal`: no route out of it.
    public static func create(in session: TestSession = .shared, isInternal: Bool = false)
        async throws(SkiffTestingError) -> TestNetwork
    {
        try await blocking { () throws(SkiffTestingError) -> TestNetwork in
            try session.ensureReaper()
            let name = session.makeName("net")
            _ = try kit { () throws(KitError) in
                try session.engine.createNetwork(
                    name: name, isInternal: isInternal, labels: [TestSession.labelKey: session.id])
            }
            return TestNetwork(session: session, name: name)
        }
    }

    /// Remove the network (its containers must be gone).
    public func remove() async throws(SkiffTestingError) {
        let (engine, name) = (session.engine, name)
        try await blocking { () throws(SkiffTestingError) in
            try kit { () throws(KitError) in try engine.removeNetwork(name) }
        }
    }
}

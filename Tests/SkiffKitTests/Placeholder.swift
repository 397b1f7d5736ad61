import Testing
@testable import SkiffKit

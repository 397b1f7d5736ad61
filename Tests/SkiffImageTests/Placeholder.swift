import Testing
@testable import SkiffImage

import SkiffOCI

/// Docker's block I/O settings (`--blkio-weight`, `--blkio-weight-device`, `--device-read-bps`,
/// `--device-write-bps`, `--device-read-iops`, `--device-write-iops`; compose `blkio_config`), devices named
/// by host path and turned into MAJOR:MINOR when the container is made, as Docker's daemon does.
public struct BlockIOOptions: Sendable, Equatable {
    /// 10...1000 (0: unset).
    public var weight: UInt16?
    /// PATH → weight 10...1000.
    public var weightDevices: [DeviceValue] = []
    /// PATH → bytes per second.
    public var readBps: [DeviceValue] = []
    /// PATH → bytes per second.
    public var writeBps: [DeviceValue] = []
    /// PATH → operations per second.
    public var readIOPS: [DeviceValue] = []
    /// PATH → operations per second.
    public var writeIOPS: [DeviceValue] = []

    /// No block I/O setting.
    public init() {}

    /// A value for one block device, by its host path.
    public struct DeviceValue: Sendable, Equatable {
        /// The device's host path (/dev/sda).
        public var path: String
        /// The weight, bytes or operations per second.
        public var value: UInt64
        /// `value` for the device at `path`.
        public init(path: String, value: UInt64) {
            self.path = path
            self.value = value
        }
    }

    /// Whether nothing is set.
    public var isEmpty: Bool { self == BlockIOOptions() }

    /// Docker's check of a weight: 10...1000 (0 leaves it unset).
    public static func checkWeight(_ w: UInt64) -> Bool { w == 0 || (10...1000).contains(w) }

    /// The OCI form, device paths looked up with `lookup` (host path → major, minor; nil: not a device).
    package func linux(lookup: (String) -> (major: Int64, minor: Int64)?) throws(KitError) -> LinuxBlockIO? {
        guard !isEmpty else { return nil }
        func device(_ path: String) throws(KitError) -> (major: Int64, minor: Int64) {
            guard let d = lookup(path) else {
                throw .usage("\(path): no such block device (a block I/O setting names a device by its host path)")
            }
            return d
        }
        func throttles(_ list: [DeviceValue]) throws(KitError) -> [LinuxThrottleDevice]? {
            var out: [LinuxThrottleDevice] = []
            for v in list {
                let d = try device(v.path)
                out.append(LinuxThrottleDevice(major: d.major, minor: d.minor, rate: v.value))
            }
            return out.isEmpty ? nil : out
        }
        var b = LinuxBlockIO()
        if let w = weight, w != 0 { b.weight = w }
        var weights: [LinuxWeightDevice] = []
        for v in weightDevices {
            let d = try device(v.path)
            weights.append(LinuxWeightDevice(major: d.major, minor: d.minor, weight: UInt16(v.value)))
        }
        b.weightDevice = weights.isEmpty ? nil : weights
        b.throttleReadBpsDevice = try throttles(readBps)
        b.throttleWriteBpsDevice = try throttles(writeBps)
        b.throttleReadIOPSDevice = try throttles(readIOPS)
        b.throttleWriteIOPSDevice = try throttles(writeIOPS)
        return b
    }
}

import ArgumentParser

extension CreateFlagSet {
    /// `--volume-driver`: the driver of the volumes `-v NAME:/path` creates. Skiff's volumes are the
    /// local driver's, so local is that default said aloud and any other is refused, as `volume create -d`.
    func checkVolumeDriver() throws {
        guard let volumeDriver, volumeDriver != "local", !volumeDriver.isEmpty else { return }
        throw ValidationError(
            "--volume-driver \(volumeDriver): only the local volume driver exists here (no volume plugins)")
    }
}

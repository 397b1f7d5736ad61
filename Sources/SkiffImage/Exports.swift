// Callers of the image code see its error and file helpers (SystemError, FileIO) without a second import.
@_exported import SkiffSystem

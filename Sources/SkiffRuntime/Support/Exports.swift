// Callers of the runtime see its error and file helpers (SystemError, FileIO) without a second import.
@_exported import SkiffSystem
